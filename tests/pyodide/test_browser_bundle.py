"""scripts/browser_bundle.py: the analyzer page's Python, two archives made from the wheels.

Small made-up packages show what goes into which archive and what fails the build; the real bundle is
checked against its manifest; and the checker's core suites run inside Pyodide from the bundle alone.
"""

import ast
import hashlib
import io
import json
import os
import sys
import tarfile
import textwrap
import zipfile
from pathlib import Path

import pytest
from node_runs import run_node, tail

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
import browser_bundle  # noqa: E402
import build_wheels  # noqa: E402
import pyodide_hook  # noqa: E402
import pyodide_test_wheels  # noqa: E402

pytestmark = pytest.mark.pyodide
NPM = REPO / "node_modules" / "pyodide"
# As in test_in_pyodide.py: far fewer passed tests would mean suites went missing.
MIN_PASSED = 1000

SOURCE = '''
"""Module docstring."""
from __future__ import annotations

# a comment
GREETING = f"hello {'world'!r}"


class Answer:
    """The class docstring."""

    value: int = 42


def only_a_docstring():
    """Nothing but this."""


def compute(x: int) -> int:
    """Doubles."""
    return x * 2  # trailing comment
'''


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def _members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive, mode="r:gz") as opened:
        return {member.name: opened.extractfile(member).read() for member in opened.getmembers()}


def _run(source: str) -> dict:
    namespace: dict = {"__name__": "stripped"}
    exec(compile(source, "<test>", "exec"), namespace)
    return namespace


def test_stripping_drops_docstrings_and_comments_and_keeps_the_code():
    stripped = browser_bundle.strip_source(SOURCE, keep_class_docstrings=False)
    tree = ast.parse(stripped)
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef)
    documented = [node for node in ast.walk(tree) if isinstance(node, kinds)]
    assert all(ast.get_docstring(node) is None for node in documented)
    assert "#" not in stripped and "Doubles" not in stripped and "Nothing but" not in stripped
    before, after = _run(SOURCE), _run(stripped)
    assert after["compute"](21) == before["compute"](21) == 42
    assert after["GREETING"] == before["GREETING"] == "hello 'world'"
    assert after["only_a_docstring"]() is None and after["Answer"].value == 42


DATACLASSES = '''
import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    """What was found.

    A second paragraph that the page never shows.
    """

    value: int


@dataclasses.dataclass
class Plain:
    """Only one line."""

    name: str = "x"


class NotData:
    """Dropped as before."""
'''


def test_a_dataclass_keeps_the_first_line_of_its_docstring_so_none_is_made_from_its_signature():
    stripped = browser_bundle.strip_source(DATACLASSES, keep_class_docstrings=False)
    namespace = _run(stripped)
    assert namespace["Verdict"].__doc__ == "What was found."
    assert namespace["Plain"].__doc__ == "Only one line."
    assert namespace["NotData"].__doc__ is None
    assert "second paragraph" not in stripped
    assert namespace["Verdict"](3).value == 3


def test_a_package_that_reads_docstrings_keeps_its_class_docstrings():
    stripped = browser_bundle.strip_source(SOURCE, keep_class_docstrings=True)
    namespace = _run(stripped)
    assert namespace["Answer"].__doc__ == "The class docstring."
    assert namespace["compute"].__doc__ is None


def test_archives_are_reproducible():
    files = {"pkg/__init__.py": b"", "pkg/data.txt": b"x" * 1000}
    first, second = browser_bundle.pack(files), browser_bundle.pack(dict(reversed(files.items())))
    assert first == second
    with tarfile.open(fileobj=io.BytesIO(first), mode="r:gz") as opened:
        assert {m.name: opened.extractfile(m).read() for m in opened.getmembers()} == files


APP = {
    "app/__init__.py": "",
    "app/web.py": """
        import json

        def warm_up():
            import app.analysis
            return json.dumps({"ok": True, "modules": {"app.analysis": None}})
    """,
    "app/analysis.py": """
        import libdep.core

        def later():
            import libdep.lazy
            return libdep.lazy
    """,
    "app/extra.py": "from libdep import helpers\n",
    "app/cli.py": "import app.only_cli\nimport app.analysis\n",
    "app/only_cli.py": "import libdep.unused\n",
    "app/__main__.py": "raise SystemExit('the command line must not run')\n",
    "libdep/__init__.py": "",
    "libdep/core.py": "",
    "libdep/lazy.py": "",
    "libdep/helpers.py": "",
    "libdep/unused.py": "",
}


def test_startup_holds_what_the_entry_and_its_warm_up_import_and_the_rest_is_deferred(tmp_path):
    tree = _write(tmp_path, APP)
    found = browser_bundle.discover(tree, ours=["app"], dependencies=["libdep"], command_line=["app.cli"])
    assert found.entry == "app.web"
    assert set(found.startup) == {"app", "app.web", "app.analysis", "libdep", "libdep.core"}
    # The rest of the app, and what its functions import; not what only the command line uses.
    assert set(found.deferred) == {"app.extra", "libdep.helpers", "libdep.lazy"}
    assert found.startup["app.web"] == "app/web.py"


def test_a_module_that_does_not_import_fails_the_build_by_name(tmp_path):
    tree = _write(tmp_path, {**APP, "app/broken.py": "import not_installed_anywhere\n"})
    with pytest.raises(browser_bundle.BundleError, match=r"app\.broken: ModuleNotFoundError"):
        browser_bundle.discover(tree, ours=["app"], dependencies=["libdep"], command_line=["app.cli"])


def test_the_page_needs_exactly_one_warm_up(tmp_path):
    tree = _write(tmp_path, {**APP, "app/web.py": "X = 1\n"})
    with pytest.raises(browser_bundle.BundleError, match="exactly one module must define warm_up"):
        browser_bundle.discover(tree, ours=["app"], dependencies=["libdep"])


@pytest.fixture(scope="module")
def manifest() -> dict:
    if not (NPM / "pyodide-lock.json").is_file():
        pytest.fail("node_modules/pyodide is missing: run `npm ci` (make test does).")
    build_wheels.build(quiet=True)
    return json.loads((build_wheels.WHEEL_DIR / browser_bundle.MANIFEST_NAME).read_text(encoding="utf-8"))


def _archive(manifest: dict, phase: str) -> dict:
    [entry] = [archive for archive in manifest["archives"] if archive["phase"] == phase]
    return entry


def test_manifest_names_each_archive_by_its_true_hash(manifest):
    npm_lock = json.loads((NPM / "pyodide-lock.json").read_text(encoding="utf-8"))
    assert manifest["pyodide"] == npm_lock["info"]
    phases = [archive["phase"] for archive in manifest["archives"]]
    assert phases == [*browser_bundle.PHASES, browser_bundle.STDLIB_PHASE]
    for archive in manifest["archives"]:
        path = build_wheels.WHEEL_DIR / archive["file_name"]
        data = path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == archive["sha256"] and len(data) == archive["bytes"]
        assert path.parent.name == archive["sha256"][:12]


def test_the_page_gets_the_browser_modules_and_not_the_system_resolvers(manifest):
    startup, deferred = _archive(manifest, "startup"), _archive(manifest, "deferred")
    assert manifest["entry"] in startup["modules"]
    every = set(startup["modules"]) | set(deferred["modules"])
    assert not every & set(browser_bundle.SYSTEM_RESOLVER_MODULES)
    for module in build_wheels.read_wheel(_our_wheel()).imports:
        assert module in every
    cli = browser_bundle.console_scripts(_our_wheel())
    assert cli and not every & set(cli)
    later = _members(build_wheels.WHEEL_DIR / deferred["file_name"])
    files = {**_members(build_wheels.WHEEL_DIR / startup["file_name"]), **later}
    assert "publicsuffixlist/public_suffix_list.dat" in later
    assert not any(".dist-info" in name for name in files)
    # The records the checker asks for are parsed by dnspython modules that are there.
    for rdtype in ("ANY/TXT", "ANY/MX", "ANY/CNAME", "ANY/SOA", "IN/A", "IN/AAAA"):
        assert f"dns/rdtypes/{rdtype}.py" in files


def test_bundled_sources_lose_docstrings_but_dnspython_keeps_its_exception_messages(manifest):
    files = _members(build_wheels.WHEEL_DIR / _archive(manifest, "startup")["file_name"])
    files.update(_members(build_wheels.WHEEL_DIR / _archive(manifest, "deferred")["file_name"]))
    entry_path = manifest["entry"].replace(".", "/") + ".py"
    assert ast.get_docstring(ast.parse(files[entry_path])) is None
    namespace: dict = {}
    exception_source = files["dns/exception.py"].decode("utf-8")
    exec(compile(exception_source, "dns/exception.py", "exec"), namespace)
    assert str(namespace["Timeout"]()).startswith("The DNS operation timed out")


def test_the_stdlib_archive_holds_compiled_modules_and_names_the_rest(manifest):
    stdlib = _archive(manifest, browser_bundle.STDLIB_PHASE)
    with zipfile.ZipFile(build_wheels.WHEEL_DIR / stdlib["file_name"]) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    assert members and all(name.endswith(".pyc") for name in members)
    magic = {data[:4] for data in members.values()}
    assert len(magic) == 1  # one interpreter compiled them all
    # flags 0b01: checked by hash only, never against a source file (the zip has none)
    assert {int.from_bytes(data[4:8], "little") for data in members.values()} == {1}
    assert stdlib["files"] == len(members)

    def module(member: str) -> str:
        parts = member.removesuffix(".pyc").split("/")
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)

    compiled = {module(name) for name in members}
    # Pyodide's own start, the event loop and what the checker's parsers import are compiled.
    assert {"_pyodide._base", "asyncio", "email.message", "email.parser", "ipaddress"} <= compiled
    with zipfile.ZipFile(NPM / "python_stdlib.zip") as full:
        sources = [name for name in full.namelist() if name.endswith(".py")]
    every = {module(name + "c") for name in sources}
    rest = set(stdlib["rest"])
    assert not rest & compiled and rest | compiled == every
    assert {"encodings.koi8_r", "encodings.iso2022_jp", "encodings.cp1252"} <= compiled  # mail's charsets
    assert {"encodings.mac_cyrillic", "unittest", "pydoc"} <= rest


def test_hook_publishes_the_bundle_and_drops_stale_archives(manifest, tmp_path):
    site = tmp_path / "site"
    stale = site / "pyodide" / "bundle" / "0123456789ab" / "startup.tar.gz"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    pyodide_hook.publish_runtime(site, npm_dir=NPM, wheel_dir=build_wheels.WHEEL_DIR)
    published = json.loads((site / "pyodide" / browser_bundle.MANIFEST_NAME).read_text(encoding="utf-8"))
    assert published == manifest
    for archive in manifest["archives"]:
        assert (site / "pyodide" / archive["file_name"]).is_file()
    assert not stale.parent.exists()


def _our_wheel() -> Path:
    lock = json.loads((build_wheels.WHEEL_DIR / build_wheels.LOCK_NAME).read_text(encoding="utf-8"))
    return build_wheels.WHEEL_DIR / lock["packages"][build_wheels.OUR_PROJECT]["file_name"]


@pytest.mark.slow
def test_core_suites_pass_in_pyodide_with_the_checker_from_the_bundle(manifest):
    pyodide_test_wheels.fetch_test_wheels()
    # The bundle drops docstrings by design; these tests read one.
    reads_docstrings = ["tests/dkim/test_dkim_keycheck.py::test_dkim_common_selectors_documented"]
    deselect = [arg for test_id in reads_docstrings for arg in ("--deselect", test_id)]
    completed = run_node(
        "run_checker_tests.mjs", "--", *deselect, timeout=900, env={**os.environ, "CHECKER_FROM": "bundle"}
    )
    output = tail(completed)
    assert "ready with the browser bundle" in completed.stdout, output
    summary = json.loads((REPO / "build" / "pyodide-test-results-bundle.json").read_text(encoding="utf-8"))
    assert summary["failed"] == 0 and summary["error"] == 0, output
    assert summary["exit_code"] == 0, output
    assert summary["passed"] >= MIN_PASSED, output
