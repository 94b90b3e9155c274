"""The analyzer page's Python: only the modules the browser runs, without docstrings, in two archives.

The wheels in ``dist/wheels`` hold the whole checker and its dependencies (the command line and the
Pyodide test run use them). The page needs much less, and every byte it fetches before it is ready
costs a first-time visitor. So the page loads two ``.tar.gz`` archives instead, listed with their
sha256 in ``browser-bundle.json`` (the snapshot key in snapshot.mjs hashes that file):

- ``startup``: the checker's browser module (the one that defines ``warm_up()``) and everything that
  importing it and running the warm-up imports. The page is ready once that is done.
- ``deferred``: the rest of the checker (the analyses import DKIM, ARC and Received parsing on first
  use), the dependency modules the checker imports inside functions (dnspython), the record-type
  parsers dnspython imports by name, and the dependencies' data files (the Public Suffix List). The
  page fetches it right after it is ready; an analysis waits for it.
- ``stdlib`` (a .zip): the standard-library modules Pyodide's start and both archives import, compiled
  ahead of time by ``scripts/stdlib_zip.mjs`` in the runtime itself. The page starts Pyodide on it
  instead of the runtime's python_stdlib.zip (source only, compiled at every start); its entry lists as
  ``rest`` the modules it leaves out, which the page imports from the full zip on first use.

Left out: the command line (console scripts and what only they import) and the modules that need the
operating system's resolver (SYSTEM_RESOLVER_MODULES). Which modules go where is found by importing
them in a separate interpreter that sees only the unpacked wheels and recording ``sys.modules``;
nothing here names a checker module. Module, function and class docstrings are dropped and the source
re-printed from its syntax tree (comments go too); the tree is parsed again and must be identical, so
the code itself is unchanged. A package whose code reads ``__doc__`` (dnspython's exceptions use their
docstring as the message) keeps its class docstrings. Each archive is unpacked again into an empty
folder and its modules imported before it is kept.

Why gzip and not xz, which is 15% smaller: the browser decompresses gzip natively (DecompressionStream)
while the runtime starts, and the page writes the files itself; xz would be decompressed by Python's
lzma in WebAssembly, a few hundred milliseconds on the way to "ready". The archives are plain ustar
(regular files only, no extended headers) so that reader stays small.
"""

from __future__ import annotations

import ast
import configparser
import gzip
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

MANIFEST_NAME = "browser-bundle.json"
BUNDLE_DIR = "bundle"
ARCHIVE_SUFFIX = ".tar.gz"
PHASES = ("startup", "deferred")
STDLIB_PHASE = "stdlib"
STDLIB_FILE = "stdlib.zip"
# Compiles the standard library in the runtime (Node); imports snapshot.mjs's finder for its check.
STDLIB_SCRIPT = Path(__file__).resolve().parent / "stdlib_zip.mjs"
STDLIB_FINDER = Path(__file__).resolve().parents[1] / "overrides" / "assets" / "analyzer" / "snapshot.mjs"
# The function the page calls once it has imported the checker's browser module (see snapshot.mjs):
# the one module that defines it is the entry, found by this name wherever it lives in the package.
WARM_UP = "warm_up"
# Modules that ask the operating system's resolver (sockets, /etc/resolv.conf), which a browser does not
# have. The checker imports dnspython's resolvers only inside its command line's system resolver, and
# dkimpy imports its DNS plug-in in a try block and works without it (the checker passes its own
# key lookup to dkimpy). Leaving them out also leaves out what only they import (dns.query, dns.quic...).
SYSTEM_RESOLVER_MODULES = ("dns.resolver", "dns.asyncresolver", "dkim.dnsplug")
# The record types the checker asks for, plus DNAME, which an answer can carry on the way to them;
# dnspython imports each type's parser by name when it first meets the type. Any SUPPORTED_TYPES a
# checker module declares is added to these at build time.
RECORD_TYPES = ("A", "AAAA", "CNAME", "DNAME", "MX", "NS", "PTR", "SOA", "TXT")
# Files in a dependency's package folder that the browser never reads.
NOT_DATA = ("py.typed",)
_INPUTS_FILE = ".browser-bundle.inputs"


class BundleError(RuntimeError):
    """The bundle could not be built; the message says which module or file and why."""


@dataclass(frozen=True)
class ModuleSets:
    """The module the page imports, and each phase's modules: name -> path inside the unpacked wheels."""

    entry: str
    startup: Mapping[str, str]
    deferred: Mapping[str, str]


@dataclass(frozen=True)
class Archive:
    """One archive as the manifest lists it."""

    phase: str
    file_name: str
    sha256: str
    size: int
    modules: tuple[str, ...]
    files: int
    rest: tuple[str, ...] = ()  # stdlib only: the standard-library modules left out

    def as_json(self) -> dict:
        fields = {
            "phase": self.phase,
            "file_name": self.file_name,
            "sha256": self.sha256,
            "bytes": self.size,
            "files": self.files,
            "modules": list(self.modules),
        }
        return {**fields, "rest": list(self.rest)} if self.phase == STDLIB_PHASE else fields


# Runs in a fresh interpreter (-I -S: no site-packages, so only the unpacked wheels are importable).
# argv[1] is JSON (see discover()); prints JSON {entry, startup, deferred, failed}.
_DISCOVER = r"""
import ast, importlib, importlib.util, json, pathlib, sys
job = json.loads(sys.argv[1])
sys.path.insert(0, job["tree"])
failed = {}

def files_now():
    return {name: module.__file__ for name, module in list(sys.modules.items())
            if (getattr(module, "__file__", None) or "").startswith(job["tree"])}

def attempt(name, work):
    try:
        return work()
    except Exception as exc:
        failed[name] = f"{type(exc).__name__}: {exc}"

# Every module of ours, from the file system: walking packages would import them (and whatever their
# __init__ imports) before the entry's own imports are recorded.
paths = {}
for top in job["ours"]:
    root = pathlib.Path(job["tree"], top)
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(job["tree"]).with_suffix("").parts
        if "__pycache__" not in parts and all(part.isidentifier() for part in parts):
            paths[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
walked = sorted(paths)
trees = {name: ast.parse(paths[name].read_text(encoding="utf-8")) for name in walked}

# The page imports the module that defines the warm-up, runs the warm-up, and is then ready.
entries = [name for name in walked if any(
    isinstance(node, ast.FunctionDef) and node.name == job["warm_up"] for node in trees[name].body)]
entry = entries[0] if len(entries) == 1 else None
if entry is None:
    failed["the browser entry module"] = (
        f"exactly one module must define {job['warm_up']}() for the page to call, found {entries or 'none'}")
else:
    report = attempt(entry, lambda: json.loads(getattr(importlib.import_module(entry), job["warm_up"])()))
    for name, error in ((report or {}).get("modules") or {}).items():
        if error:
            failed[name] = error
startup = files_now()

def imported_by(name):
    # The modules an import statement in the module names (anywhere in it, functions too) and the
    # packages above them; ``from a import b`` counts a.b only when a is a package (b is then a module).
    package = name if paths[name].name == "__init__.py" else name.rpartition(".")[0]
    named = set()
    for node in ast.walk(trees[name]):
        if isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            named.add(base)
            try:
                is_package = importlib.util.find_spec(base).submodule_search_locations is not None
            except (ImportError, AttributeError, ValueError):
                is_package = False
            if is_package:
                named.update(f"{base}.{alias.name}" for alias in node.names
                             if importlib.util.find_spec(f"{base}.{alias.name}") is not None)
    return {".".join(n.split(".")[:i]) for n in named for i in range(1, n.count(".") + 2)}

imports = {name: imported_by(name) for name in walked}
# The command line's modules: its console scripts, any __main__, and whatever only they import.
command_line = set(job["console_scripts"]) | {n for n in walked if n.rsplit(".", 1)[-1] == "__main__"}
grown = True
while grown:
    grown = False
    for name in walked:
        importers = {other for other in walked if other != name and name in imports[other]}
        if name not in command_line and importers and importers <= command_line:
            command_line.add(name)
            grown = True
ours = [name for name in walked if name not in command_line]
for name in ours:
    attempt(name, lambda: importlib.import_module(name))
# Imports of dependencies anywhere in the checker's modules (its functions import dnspython).
lazy = set().union(*(imports[name] for name in ours))
for name in sorted(n for n in lazy if n.split(".")[0] in job["dependencies"] and n not in job["absent"]):
    attempt(name, lambda: importlib.import_module(name))

record_types = set(job["record_types"])
for module in list(sys.modules.values()):
    if getattr(module, "__name__", "").split(".")[0] in job["ours"]:
        declared = getattr(module, "SUPPORTED_TYPES", None)
        if isinstance(declared, (set, frozenset, tuple)) and all(isinstance(t, str) for t in declared):
            record_types |= set(declared)

def record_type(rdtype):
    # dnspython's own lookup, so the modules recorded are the ones it imports when it meets the type.
    import dns.rdata, dns.rdataclass, dns.rdatatype
    parser = dns.rdata.get_rdata_class(dns.rdataclass.IN, dns.rdatatype.from_text(rdtype), use_generic=False)
    if parser is None:
        raise LookupError(f"dnspython has no parser for {rdtype} records")

if "dns" in job["dependencies"]:
    for rdtype in sorted(record_types):
        attempt(f"record type {rdtype}", lambda: record_type(rdtype))
deferred = {name: path for name, path in files_now().items() if name not in startup}
print(json.dumps({"entry": entry, "startup": startup, "deferred": deferred, "failed": failed}))
"""

# Imports every module named in argv[2:] with only argv[1] on the path; prints JSON {name: error}.
_VERIFY = r"""
import importlib, json, sys
sys.path.insert(0, sys.argv[1])
failed = {}
for name in sys.argv[2:]:
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed[name] = f"{type(exc).__name__}: {exc}"
print(json.dumps(failed))
"""


def _run_isolated(script: str, *args: str) -> dict:
    completed = subprocess.run(
        [sys.executable, "-I", "-S", "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if completed.returncode != 0:
        raise BundleError(f"The import check failed to run:\n{completed.stderr.strip()[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _module_path(name: str, tree: Path) -> Path | None:
    for candidate in (tree / f"{name.replace('.', '/')}.py", tree / name.replace(".", "/") / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def unpack_wheels(wheels: Sequence[Path], tree: Path) -> None:
    """Unpack the importable part of each wheel (not its .dist-info or .data) into ``tree``."""
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            members = [
                name
                for name in archive.namelist()
                if not name.split("/", 1)[0].endswith((".dist-info", ".data")) and not name.endswith("/")
            ]
            archive.extractall(tree, members=members)


def console_scripts(wheel: Path) -> list[str]:
    """The modules of the wheel's console scripts (``checker.frontends.cli`` for ``...cli:main``)."""
    with zipfile.ZipFile(wheel) as archive:
        name = next((n for n in archive.namelist() if n.endswith(".dist-info/entry_points.txt")), None)
        if name is None:
            return []
        parser = configparser.ConfigParser(delimiters=("=",))
        parser.optionxform = str  # type: ignore[assignment, method-assign]
        parser.read_string(archive.read(name).decode("utf-8"))
    if not parser.has_section("console_scripts"):
        return []
    return sorted({value.split(":", 1)[0].strip() for _, value in parser.items("console_scripts")})


def discover(
    tree: Path, *, ours: Sequence[str], dependencies: Sequence[str], command_line: Sequence[str] = ()
) -> ModuleSets:
    """Import the checker from ``tree`` in a fresh interpreter; the modules each phase needs.

    Startup: the module that defines ``warm_up()`` (the page's entry) and what importing it and running
    the warm-up imports. Deferred: the rest of the checker, the dependencies its functions import and
    dnspython's record parsers. ``command_line`` names console-script modules: they, and modules only
    they import, stay out.
    """
    for name in SYSTEM_RESOLVER_MODULES:
        path = _module_path(name, tree)
        if path is not None:
            path.unlink()
    job = {
        "tree": str(tree),
        "ours": list(ours),
        "dependencies": list(dependencies),
        "record_types": list(RECORD_TYPES),
        "absent": list(SYSTEM_RESOLVER_MODULES),
        "console_scripts": list(command_line),
        "warm_up": WARM_UP,
    }
    found = _run_isolated(_DISCOVER, json.dumps(job))
    if found["failed"]:
        problems = "\n".join(f"  {name}: {error}" for name, error in sorted(found["failed"].items()))
        raise BundleError(
            "Importing the checker from its wheels, without the system resolver modules "
            f"({', '.join(SYSTEM_RESOLVER_MODULES)}), failed:\n{problems}"
        )

    def relative(paths: Mapping[str, str]) -> dict[str, str]:
        return {name: Path(path).relative_to(tree).as_posix() for name, path in sorted(paths.items())}

    return ModuleSets(
        entry=found["entry"], startup=relative(found["startup"]), deferred=relative(found["deferred"])
    )


def data_files(tree: Path, dependencies: Sequence[str]) -> list[str]:
    """The non-Python files in the dependencies' package folders (the Public Suffix List, say)."""
    found = []
    for top in dependencies:
        for path in sorted((tree / top).rglob("*")):
            relative = path.relative_to(tree)
            if (
                path.is_file()
                and path.suffix not in (".py", ".pyc", ".pyi")
                and path.name not in NOT_DATA
                and not path.name.startswith("test")
                and "__pycache__" not in relative.parts
            ):
                found.append(relative.as_posix())
    return found


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _is_dataclass(node: ast.AST) -> bool:
    def named(expression: ast.expr) -> bool:
        if isinstance(expression, ast.Call):
            expression = expression.func
        return (isinstance(expression, ast.Name) and expression.id == "dataclass") or (
            isinstance(expression, ast.Attribute) and expression.attr == "dataclass"
        )

    return isinstance(node, ast.ClassDef) and any(named(decorator) for decorator in node.decorator_list)


def strip_source(source: str, *, keep_class_docstrings: bool, name: str = "<source>") -> str:
    """``source`` without docstrings or comments, re-printed from its syntax tree, which must not change.

    A dataclass keeps the first line of its docstring: given none, ``@dataclass`` writes one from the
    class's signature (``inspect.signature`` on every class), 20-30 ms of the page's start-up for the
    checker's 84 dataclasses, more than the line costs to download.
    """
    tree = ast.parse(source, filename=name)
    kinds: tuple[type[ast.AST], ...] = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef)
    if not keep_class_docstrings:
        kinds += (ast.ClassDef,)
    for node in ast.walk(tree):
        if not (isinstance(node, kinds) and node.body and _is_docstring(node.body[0])):
            continue
        first_line = node.body[0].value.value.strip().split("\n", 1)[0].strip()  # type: ignore[attr-defined]
        if isinstance(node, ast.ClassDef) and _is_dataclass(node) and first_line:
            node.body[0] = ast.Expr(ast.Constant(first_line))
        else:
            node.body = node.body[1:] or [ast.Pass()]
    text = ast.unparse(tree) + "\n"
    if ast.dump(ast.parse(text, filename=name)) != ast.dump(tree):
        raise BundleError(f"{name}: re-printing the source changed its syntax tree; it cannot be stripped.")
    return text


def _reads_docstrings(tree: Path, top: str) -> bool:
    return any("__doc__" in path.read_text(encoding="utf-8") for path in (tree / top).rglob("*.py"))


def pack(files: Mapping[str, bytes]) -> bytes:
    """A reproducible ``.tar.gz`` of ``files`` (path -> content): sorted, no times, owners or modes.

    Plain ustar headers (no PAX records): snapshot.mjs reads the tar itself.
    """
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for path, content in sorted(files.items()):
            info = tarfile.TarInfo(path)
            info.size = len(content)
            info.mode = 0o644
            info.mtime = 0
            try:
                archive.addfile(info, io.BytesIO(content))
            except ValueError as exc:  # a path too long for ustar
                raise BundleError(f"{path} cannot go into the archive: {exc}") from exc
    return gzip.compress(out.getvalue(), compresslevel=9, mtime=0)


def _verify(archives: Sequence[tuple[bytes, Sequence[str]]]) -> None:
    """Unpack the archives one after the other into an empty folder; after each, its modules must import."""
    with tempfile.TemporaryDirectory(prefix="browser-bundle-check-") as folder:
        for data, modules in archives:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
                archive.extractall(folder, filter="data")
            failed = _run_isolated(_VERIFY, folder, *modules)
            if failed:
                problems = "\n".join(f"  {name}: {error}" for name, error in sorted(failed.items()))
                raise BundleError(f"The bundle's modules do not import from the bundle alone:\n{problems}")


def _inputs_fingerprint(wheels: Sequence[Path], pyodide_info: Mapping, runtime_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in (Path(__file__), STDLIB_SCRIPT, STDLIB_FINDER, runtime_dir / "python_stdlib.zip"):
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    digest.update(f"{sys.version_info[:2]}\n{json.dumps(pyodide_info, sort_keys=True)}\n".encode())
    for wheel in sorted(wheels, key=lambda path: path.name):
        digest.update(wheel.name.encode() + hashlib.sha256(wheel.read_bytes()).digest())
    return digest.hexdigest()


def _current(dest: Path, fingerprint: str) -> Path | None:
    manifest_path = dest / MANIFEST_NAME
    inputs = dest / _INPUTS_FILE
    if not (manifest_path.is_file() and inputs.is_file()):
        return None
    if inputs.read_text(encoding="utf-8") != fingerprint:
        return None
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if all((dest / entry["file_name"]).is_file() for entry in manifest.get("archives", ())):
        return manifest_path
    return None


def archive_paths(dest: Path) -> list[Path]:
    """The archive files in ``dest/bundle`` (current and stale)."""
    return sorted(
        [*(dest / BUNDLE_DIR).glob(f"*/*{ARCHIVE_SUFFIX}"), *(dest / BUNDLE_DIR).glob(f"*/{STDLIB_FILE}")]
    )


def compile_stdlib(
    *, runtime_dir: Path, archives: Sequence[Path], entry: str, modules: Sequence[str]
) -> tuple[bytes, dict]:
    """The stdlib zip for the bundle's ``archives`` (see scripts/stdlib_zip.mjs) and its report
    (``compiled``, ``rest``). Raises ``BundleError`` with the script's message when it fails."""
    node = shutil.which("node")
    if node is None:
        raise BundleError(
            "Node is needed to compile the standard library for the page (make setup installs it)."
        )
    with tempfile.TemporaryDirectory(prefix="stdlib-zip-") as folder:
        job = Path(folder) / "job.json"
        out = Path(folder) / STDLIB_FILE
        job.write_text(
            json.dumps(
                {
                    "runtime": str(runtime_dir),
                    "archives": [str(path) for path in archives],
                    "entry": entry,
                    "modules": list(modules),
                    "out": str(out),
                }
            ),
            encoding="utf-8",
        )
        run = subprocess.run(
            [node, str(STDLIB_SCRIPT), str(job)], capture_output=True, text=True, check=False
        )
        lines = [line for line in run.stdout.splitlines() if line.startswith("STDLIB_ZIP ")]
        if run.returncode != 0 or not lines or not out.is_file():
            raise BundleError(f"compiling the standard library failed:\n{(run.stderr or run.stdout)[-2000:]}")
        return out.read_bytes(), json.loads(lines[-1].removeprefix("STDLIB_ZIP "))


def _store(dest: Path, name: str, data: bytes) -> tuple[str, str]:
    """Write ``data`` as ``dest/bundle/<its hash>/name`` unless it is there already; (file name, sha256)."""
    sha = hashlib.sha256(data).hexdigest()
    file_name = f"{BUNDLE_DIR}/{sha[:12]}/{name}"
    target = dest / file_name
    if not target.is_file() or target.read_bytes() != data:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return file_name, sha


def build_bundle(
    *,
    our_wheel: Path,
    dependency_wheels: Sequence[Path],
    dest: Path,
    pyodide_info: Mapping,
    runtime_dir: Path,
) -> Path:
    """Write the archives under ``dest/bundle/<hash>/`` and ``dest/browser-bundle.json``; return the latter.

    ``runtime_dir`` is the npm pyodide folder (the stdlib is compiled in that runtime). Quick when the
    wheels, the runtime and these scripts are unchanged. Raises ``BundleError`` naming what went wrong.
    """
    wheels = [our_wheel, *dependency_wheels]
    fingerprint = _inputs_fingerprint(wheels, pyodide_info, runtime_dir)
    current = _current(dest, fingerprint)
    if current is not None:
        return current
    with tempfile.TemporaryDirectory(prefix="browser-bundle-") as folder:
        tree = Path(folder)
        unpack_wheels(wheels, tree)
        ours = _top_packages([our_wheel], tree)
        dependencies = _top_packages(dependency_wheels, tree)
        modules = discover(
            tree, ours=ours, dependencies=dependencies, command_line=console_scripts(our_wheel)
        )
        keep_class_docs = {top: _reads_docstrings(tree, top) for top in (*ours, *dependencies)}

        def stripped(path: str) -> bytes:
            text = (tree / path).read_text(encoding="utf-8")
            keep = keep_class_docs.get(path.split("/", 1)[0], True)
            return strip_source(text, keep_class_docstrings=keep, name=path).encode("utf-8")

        contents = {
            "startup": {path: stripped(path) for path in modules.startup.values()},
            "deferred": {path: stripped(path) for path in modules.deferred.values()},
        }
        for path in data_files(tree, dependencies):
            contents["deferred"][path] = (tree / path).read_bytes()
    names = {"startup": tuple(modules.startup), "deferred": tuple(modules.deferred)}
    packed = {phase: pack(contents[phase]) for phase in PHASES}
    _verify([(packed[phase], names[phase]) for phase in PHASES])

    archives = []
    for phase in PHASES:
        file_name, sha = _store(dest, f"{phase}{ARCHIVE_SUFFIX}", packed[phase])
        size, count = len(packed[phase]), len(contents[phase])
        archives.append(Archive(phase, file_name, sha, size, names[phase], count))
    stdlib, report = compile_stdlib(
        runtime_dir=runtime_dir,
        archives=[dest / archive.file_name for archive in archives],
        entry=modules.entry,
        modules=[name for phase in PHASES for name in names[phase]],
    )
    file_name, sha = _store(dest, STDLIB_FILE, stdlib)
    rest = tuple(report["rest"])
    archives.append(Archive(STDLIB_PHASE, file_name, sha, len(stdlib), (), report["compiled"], rest))
    keep = {dest / archive.file_name for archive in archives}
    for stale in archive_paths(dest):
        if stale not in keep:
            stale.unlink(missing_ok=True)
    for child in (dest / BUNDLE_DIR).iterdir():
        if child.is_dir() and not any(child.iterdir()):
            child.rmdir()
    manifest = {
        "pyodide": dict(pyodide_info),
        "entry": modules.entry,
        "archives": [archive.as_json() for archive in archives],
    }
    manifest_path = dest / MANIFEST_NAME
    text = json.dumps(manifest, sort_keys=True, indent=1)
    if not manifest_path.is_file() or manifest_path.read_text(encoding="utf-8") != text:
        manifest_path.write_text(text, encoding="utf-8")
    (dest / _INPUTS_FILE).write_text(fingerprint, encoding="utf-8")
    return manifest_path


def _top_packages(wheels: Sequence[Path], tree: Path) -> list[str]:
    """The importable top-level packages the wheels put into ``tree``."""
    tops = set()
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            for name in archive.namelist():
                first = name.split("/", 1)[0]
                if "/" in name and first.isidentifier() and (tree / first / "__init__.py").is_file():
                    tops.add(first)
    return sorted(tops)
