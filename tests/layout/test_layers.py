"""The package's folders are its architecture: every module sits in a layer and imports only downward.

``checker/`` holds five layer folders, lowest first: ``shared`` (DNS, org domain, results, small
utilities), ``pasted`` (reading what a person pastes: message, Received chain, bounce), ``mechanisms``
(SPF, DKIM, DMARC, ARC, Authentication-Results, List-Unsubscribe), ``analyses`` (headers, domain, IP,
sender requirements: they sequence mechanisms) and ``frontends`` (command line, browser). A module
may import its own layer and the layers below it, never one above; within a layer the rooms (the
folders and modules directly under it) import each other without cycles. The library never imports
the site's build tooling in ``scripts/``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "checker"
LAYERS = ("shared", "pasted", "mechanisms", "analyses", "frontends")
# Modules directly in checker/: the package marker (imports nothing of the package) and
# ``python -m checker``, which sits on top of everything.
ROOT_MODULES = {"__init__": -1, "__main__": len(LAYERS)}
FORBIDDEN_ROOTS = ("scripts", "tests")


@dataclass(frozen=True)
class Import:
    """One import statement's target, resolved to an absolute dotted name."""

    module: str  # the importing module, e.g. checker.analyses.ip
    target: str  # e.g. checker.shared.dns.model (a name imported from a module is left on)
    line: int


def module_name(path: Path, package_dir: Path) -> str:
    parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, package_dir: Path) -> Iterator[Import]:
    """Every import in the file, including those inside functions, relative ones made absolute."""
    name = module_name(path, package_dir)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(name, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            # ``from checker.analyses import ip`` imports a module: judge each name imported.
            for alias in node.names:
                yield Import(name, f"{source}.{alias.name}", node.lineno)


def layer_rank(dotted: str) -> int | None:
    """The layer of a module inside the package; None for a name outside it."""
    parts = dotted.split(".")
    if parts[0] != PACKAGE:
        return None
    if len(parts) == 1 or parts[1] not in LAYERS:
        # The package itself (``from checker import __version__``) or a root module.
        return ROOT_MODULES.get(parts[1], -1) if len(parts) > 1 else -1
    return LAYERS.index(parts[1])


def room(dotted: str) -> str | None:
    """``checker.<layer>.<room>``: a folder or module directly under a layer folder."""
    parts = dotted.split(".")
    return ".".join(parts[:3]) if len(parts) >= 3 and parts[0] == PACKAGE and parts[1] in LAYERS else None


def modules(package_dir: Path) -> list[Path]:
    return sorted(path for path in package_dir.rglob("*.py") if "__pycache__" not in path.parts)


def misplaced_modules(package_dir: Path) -> list[str]:
    """Modules that are neither a root module nor inside a layer folder."""
    misplaced = []
    for path in modules(package_dir):
        relative = path.relative_to(package_dir)
        in_layer = len(relative.parts) > 1 and relative.parts[0] in LAYERS
        if not in_layer and relative.with_suffix("").as_posix() not in ROOT_MODULES:
            misplaced.append(relative.as_posix())
    return misplaced


def layer_violations(package_dir: Path) -> list[str]:
    """One line per import that reaches a higher layer or the build tooling, naming module and import."""
    problems = []
    for path in modules(package_dir):
        for found in imports(path, package_dir):
            where = f"{path.relative_to(package_dir.parent).as_posix()}:{found.line}"
            if found.target.split(".")[0] in FORBIDDEN_ROOTS:
                problems.append(f"{where}: {found.module} imports {found.target} (never from the package)")
                continue
            source_rank, target_rank = layer_rank(found.module), layer_rank(found.target)
            if target_rank is None or source_rank is None:
                continue
            if found.module == PACKAGE and found.target.startswith(f"{PACKAGE}."):
                problems.append(f"{where}: checker/__init__.py imports {found.target} (keep it empty)")
            elif target_rank > source_rank:
                problems.append(
                    f"{where}: {found.module} ({_layer_label(source_rank)}) imports {found.target} "
                    f"({_layer_label(target_rank)}), a higher layer"
                )
    return problems


def room_cycles(package_dir: Path) -> list[list[str]]:
    """Import cycles between rooms (each cycle once, as the list of rooms it passes)."""
    graph: dict[str, set[str]] = {}
    for path in modules(package_dir):
        for found in imports(path, package_dir):
            source, target = room(found.module), room(found.target)
            if source and target and source != target:
                graph.setdefault(source, set()).add(target)
    cycles, state = [], {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append([*trail[trail.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = "done"

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    return cycles


def _layer_label(rank: int) -> str:
    return LAYERS[rank] if 0 <= rank < len(LAYERS) else "root"


# The package as it is --------------------------------------------------------------------------------


def test_every_module_sits_in_a_layer_folder() -> None:
    package_dir = REPO_ROOT / PACKAGE
    assert {path.name for path in package_dir.iterdir() if path.is_dir()} >= set(LAYERS)
    assert not misplaced_modules(package_dir), misplaced_modules(package_dir)


def test_no_module_imports_a_higher_layer_or_the_build_tooling() -> None:
    problems = layer_violations(REPO_ROOT / PACKAGE)
    assert not problems, "\n".join(problems)


def test_rooms_import_each_other_without_cycles() -> None:
    cycles = room_cycles(REPO_ROOT / PACKAGE)
    assert not cycles, "\n".join(" -> ".join(cycle) for cycle in cycles)


# The checks themselves can fail: a small package with one of each mistake ------------------------------


def _write(package_dir: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = package_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_checks_name_each_offending_module_and_import(tmp_path: Path) -> None:
    package_dir = tmp_path / PACKAGE
    _write(
        package_dir,
        {
            "__init__.py": "",
            "__main__.py": "from checker.frontends.cli import main\n",
            "loose.py": "",
            **{f"{layer}/__init__.py": "" for layer in LAYERS},
            "frontends/cli.py": "from checker.analyses.ip import check_ip\n",
            "shared/result.py": "def later():\n    from checker.frontends import cli\n",
            "pasted/message.py": "from ..mechanisms.dkim import verify\n",
            "mechanisms/dkim.py": "from checker.shared.result import Check\nimport scripts.sitegen\n",
            "analyses/ip.py": "from checker.analyses.domain import mx\n",
            "analyses/domain/__init__.py": "",
            "analyses/domain/mx.py": "from checker.analyses import ip\n",
        },
    )
    assert misplaced_modules(package_dir) == ["loose.py"]
    assert layer_violations(package_dir) == [
        "checker/mechanisms/dkim.py:2: checker.mechanisms.dkim imports scripts.sitegen "
        "(never from the package)",
        "checker/pasted/message.py:1: checker.pasted.message (pasted) imports checker.mechanisms.dkim.verify "
        "(mechanisms), a higher layer",
        "checker/shared/result.py:2: checker.shared.result (shared) imports checker.frontends.cli "
        "(frontends), a higher layer",
    ]
    cycle = ["checker.analyses.domain", "checker.analyses.ip", "checker.analyses.domain"]
    assert room_cycles(package_dir) == [cycle]
