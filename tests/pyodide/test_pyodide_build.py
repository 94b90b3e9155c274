"""scripts/build_wheels.py and scripts/pyodide_hook.py: the wheels, the lock and the published runtime."""

import hashlib
import json
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
import build_wheels  # noqa: E402
import pyodide_hook  # noqa: E402

pytestmark = pytest.mark.pyodide
NPM = REPO / "node_modules" / "pyodide"


@pytest.fixture(scope="module")
def lock() -> dict:
    if not (NPM / "pyodide-lock.json").is_file():
        pytest.fail("node_modules/pyodide is missing: run `npm ci` (make test does).")
    return json.loads(build_wheels.build(quiet=True).read_text(encoding="utf-8"))


def _closure(lock: dict, name: str) -> set[str]:
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(lock["packages"][current]["depends"])
    return seen


def test_our_wheel_sits_in_a_folder_named_after_its_hash(lock):
    entry = lock["packages"]["smtp-checker"]
    folder, name = entry["file_name"].split("/")
    assert folder == entry["sha256"][:12] and name.startswith("smtp_checker-")


def test_our_wheel_and_dependencies_are_registered_with_true_hashes(lock):
    for name in ("smtp-checker", *build_wheels.DEPENDENCIES):
        entry = lock["packages"][name]
        wheel = build_wheels.WHEEL_DIR / entry["file_name"]
        assert wheel.is_file(), wheel
        assert entry["file_name"].endswith("-py3-none-any.whl")
        assert hashlib.sha256(wheel.read_bytes()).hexdigest() == entry["sha256"]
        assert entry["imports"], name
    assert lock["packages"]["smtp-checker"]["imports"] == ["checker"]
    assert lock["packages"]["smtp-checker"]["depends"] == sorted(build_wheels.DEPENDENCIES)
    assert "dnspython" in lock["packages"]["dkimpy"]["depends"]


def test_loading_our_package_needs_only_files_we_ship(lock):
    # The npm package has the runtime but no package wheels: everything pulled in must be ours.
    needed = _closure(lock, "smtp-checker")
    missing = [n for n in needed if not (build_wheels.WHEEL_DIR / lock["packages"][n]["file_name"]).is_file()]
    assert not missing, f"loadPackage('smtp-checker') would fetch files the site does not have: {missing}"


def test_lock_keeps_the_npm_runtime_info_and_packages(lock):
    npm_lock = json.loads((NPM / "pyodide-lock.json").read_text(encoding="utf-8"))
    assert lock["info"] == npm_lock["info"]
    assert set(npm_lock["packages"]) - {"dnspython"} <= set(lock["packages"])


def test_our_wheel_holds_the_browser_entry_points(lock):
    wheel = build_wheels.WHEEL_DIR / lock["packages"]["smtp-checker"]["file_name"]
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert {"checker/frontends/browser.py", "checker/shared/result.py", "checker/py.typed"} <= names
    assert not any("__pycache__" in name or name.startswith("tests/") for name in names)


def test_second_build_is_a_no_op(lock):
    def snapshot() -> dict[str, int]:
        return {str(path): path.stat().st_mtime_ns for path in sorted(build_wheels.WHEEL_DIR.rglob("*"))}

    before = snapshot()
    build_wheels.build(quiet=True)
    after = snapshot()
    assert after == before


def test_missing_runtime_says_to_run_npm_ci(tmp_path):
    with pytest.raises(build_wheels.BuildError, match="npm ci"):
        build_wheels.require_npm_pyodide(tmp_path)
    with pytest.raises(build_wheels.BuildError, match="npm ci"):
        pyodide_hook.publish_runtime(tmp_path / "site", npm_dir=tmp_path, wheel_dir=build_wheels.WHEEL_DIR)


def test_hook_publishes_runtime_wheels_and_lock_and_drops_stale_wheels(lock, tmp_path):
    site = tmp_path / "site"
    (site / "pyodide" / "0123456789ab").mkdir(parents=True)
    (site / "pyodide" / "0123456789ab" / "smtp_checker-0.1.0-py3-none-any.whl").write_bytes(b"old")
    published = pyodide_hook.publish_runtime(site, npm_dir=NPM, wheel_dir=build_wheels.WHEEL_DIR)
    names = {path.relative_to(site / "pyodide").as_posix() for path in (site / "pyodide").rglob("*")}
    assert set(build_wheels.RUNTIME_FILES) | {"pyodide-lock.json"} <= names
    assert {lock["packages"][n]["file_name"] for n in _closure(lock, "smtp-checker")} <= names
    assert not (site / "pyodide" / "0123456789ab").exists()
    assert all(path.is_file() for path in published)
    served_lock = json.loads((site / "pyodide" / "pyodide-lock.json").read_text(encoding="utf-8"))
    assert served_lock == lock


def _site_with_worker_scripts(tmp_path: Path) -> Path:
    """A site folder holding only stand-ins for the worker scripts the deploy version hashes."""
    site = tmp_path / "site"
    scripts = site / pyodide_hook.ANALYZER_ASSETS
    scripts.mkdir(parents=True)
    for name in pyodide_hook.WORKER_SCRIPTS:
        (scripts / name).write_text(f"// {name}\n", encoding="utf-8")
    return site


def test_deploy_version_changes_with_the_lock_the_bundle_or_a_worker_script(tmp_path):
    site = _site_with_worker_scripts(tmp_path)
    scripts = site / pyodide_hook.ANALYZER_ASSETS
    pyodide_hook.publish_runtime(site, npm_dir=NPM, wheel_dir=build_wheels.WHEEL_DIR)
    version_file = site / "pyodide" / pyodide_hook.DEPLOY_VERSION_NAME
    first = version_file.read_text(encoding="ascii").strip()
    assert len(first) == 16 and int(first, 16) >= 0
    lock_path = build_wheels.WHEEL_DIR / build_wheels.LOCK_NAME
    manifest_path = build_wheels.WHEEL_DIR / "browser-bundle.json"
    assert pyodide_hook.deploy_version(scripts, [lock_path, manifest_path]) == first
    versions = {first}
    (scripts / "worker.mjs").write_text("// changed\n", encoding="utf-8")
    versions.add(pyodide_hook.deploy_version(scripts, [lock_path, manifest_path]))
    changed_lock = tmp_path / lock_path.name
    changed_lock.write_bytes(lock_path.read_bytes() + b" ")
    versions.add(pyodide_hook.deploy_version(scripts, [changed_lock, manifest_path]))
    changed_manifest = tmp_path / manifest_path.name
    changed_manifest.write_bytes(manifest_path.read_bytes() + b" ")
    versions.add(pyodide_hook.deploy_version(scripts, [lock_path, changed_manifest]))
    assert len(versions) == 4


def test_the_worker_scripts_are_found_in_the_theme():
    # on_pre_build hashes the theme's worker scripts (before any page is written); publish_runtime the
    # site's copies of them: the same files, so the same version (tests/site checks the built pages).
    theme = pyodide_hook.theme_scripts_dir([str(REPO / "scripts"), str(REPO / "overrides")])
    assert theme == REPO / "overrides" / pyodide_hook.ANALYZER_ASSETS
    with pytest.raises(build_wheels.BuildError, match=r"worker\.mjs"):
        pyodide_hook.theme_scripts_dir([str(REPO / "scripts")])


class BuildConfig(dict):
    """The two things the hook reads from MkDocs' config: config["site_dir"] and config.extra."""

    def __init__(self, site_dir: Path, extra: dict) -> None:
        super().__init__(site_dir=str(site_dir))
        self.extra = extra


def test_a_build_whose_pages_name_another_deploy_fails_clearly(tmp_path):
    from mkdocs.exceptions import PluginError

    site = _site_with_worker_scripts(tmp_path)
    named_elsewhere = r"the pages name Python 0123456789abcdef but [0-9a-f]{16} was published"
    with pytest.raises(PluginError, match=named_elsewhere):
        pyodide_hook.on_post_build(BuildConfig(site, {pyodide_hook.DEPLOY_META: "0123456789abcdef"}))
    published = (site / "pyodide" / pyodide_hook.DEPLOY_VERSION_NAME).read_text(encoding="ascii").strip()
    pyodide_hook.on_post_build(BuildConfig(site, {pyodide_hook.DEPLOY_META: published}))  # the same: no error
