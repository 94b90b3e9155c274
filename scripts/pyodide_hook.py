"""MkDocs hook: publish the self-hosted Pyodide runtime, our wheels, their lock and the analyzer's
Python bundle (``browser-bundle.json`` and its archives) under ``/pyodide/``.

The analyzer page loads Python from the site's own origin only, so every build (``mkdocs build``
and each ``mkdocs serve`` rebuild) refreshes ``<site_dir>/pyodide/`` from ``node_modules/pyodide``
and ``dist/wheels`` (rebuilt first when the checker sources changed).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

from mkdocs.exceptions import PluginError

# MkDocs loads hooks by path, not as a package, so the sibling module needs scripts/ on the path.
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
import browser_bundle
import build_wheels

PUBLIC_DIR = "pyodide"
# What names this deploy's Python (python.js: a page connects to a running shared worker only when its
# version matches; sw.js: one cache per deploy). Each page carries it in <meta name="analyzer-deploy">
# (DEPLOY_META, set before any page is written), so it starts Python without asking the server first;
# this file says the same for sw.js and for a page built before the meta existed.
DEPLOY_VERSION_NAME = "deploy-version.txt"
# The key in config.extra that overrides/main.html prints as <meta name="analyzer-deploy">.
DEPLOY_META = "analyzer_deploy"
# The worker's own code, next to what Python loads: a change to either needs a new Python.
WORKER_SCRIPTS = ("worker.mjs", "shared-worker.mjs", "snapshot.mjs", "stall-guard.mjs")
ANALYZER_ASSETS = Path("assets") / "analyzer"


def _copy_if_changed(source: Path, target: Path) -> None:
    # A cheap size+mtime check keeps `mkdocs serve` rebuilds from recopying 13 MB each time.
    if target.is_file():
        source_stat, target_stat = source.stat(), target.stat()
        if source_stat.st_size == target_stat.st_size and source_stat.st_mtime <= target_stat.st_mtime:
            return
    shutil.copy2(source, target)


def publish_runtime(site_dir: Path, *, npm_dir: Path, wheel_dir: Path) -> list[Path]:
    """Copy the runtime, the wheels, the lock and the bundle into ``site_dir/pyodide``; return what is there.

    Wheels and archives keep their path relative to the lock (in content-hash folders).
    Raises ``build_wheels.BuildError`` (with what to run) when the runtime, a wheel or the bundle is missing.
    """
    build_wheels.require_npm_pyodide(npm_dir)
    lock_path = wheel_dir / build_wheels.LOCK_NAME
    manifest_path = wheel_dir / browser_bundle.MANIFEST_NAME
    wheels = sorted([*wheel_dir.glob("*.whl"), *wheel_dir.glob("*/*.whl")])
    if not lock_path.is_file() or not wheels or not manifest_path.is_file():
        raise build_wheels.BuildError(f"{wheel_dir} holds no wheels or bundle; run scripts/build_wheels.py.")
    archives = [
        wheel_dir / entry["file_name"]
        for entry in json.loads(manifest_path.read_text(encoding="utf-8"))["archives"]
    ]
    if not all(path.is_file() for path in archives):
        raise build_wheels.BuildError(f"{manifest_path} names missing archives; run scripts/build_wheels.py.")
    target_dir = site_dir / PUBLIC_DIR
    copies = [(npm_dir / name, target_dir / name) for name in build_wheels.RUNTIME_FILES]
    copies += [(path, target_dir / path.relative_to(wheel_dir)) for path in [*wheels, *archives]]
    copies += [(path, target_dir / path.name) for path in (lock_path, manifest_path)]
    for source, target in copies:
        target.parent.mkdir(parents=True, exist_ok=True)
        _copy_if_changed(source, target)
    version_path = target_dir / DEPLOY_VERSION_NAME
    version = deploy_version(site_dir / ANALYZER_ASSETS, [lock_path, manifest_path])
    version_path.write_text(version + "\n", encoding="ascii")
    published = {target for _, target in copies} | {version_path}
    build_wheels.remove_stale_wheels(target_dir, keep=published)
    for stale in browser_bundle.archive_paths(target_dir):
        if stale not in published:
            stale.unlink()
    for folder in (target_dir / browser_bundle.BUNDLE_DIR).iterdir():
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    return sorted(published)


def deploy_version(script_dir: Path, python_files: list[Path]) -> str:
    """A short hash of what the analyzer's Python is: the lock (runtime and wheels by sha256), the bundle
    manifest (archives by sha256) and the worker scripts in ``script_dir`` (the theme's or the site's
    ``assets/analyzer``: the same files)."""
    digest = hashlib.sha256()
    scripts = [script_dir / name for name in WORKER_SCRIPTS]
    for path in [*python_files, *scripts]:
        data = path.read_bytes() if path.is_file() else b""
        digest.update(f"{path.name} {len(data)}\n".encode() + data)
    return digest.hexdigest()[:16]


def theme_scripts_dir(theme_dirs: list[str]) -> Path:
    """The theme folder whose ``assets/analyzer`` holds the worker scripts (overrides/, first in line)."""
    for folder in theme_dirs:
        candidate = Path(folder) / ANALYZER_ASSETS
        if (candidate / WORKER_SCRIPTS[0]).is_file():
            return candidate
    raise build_wheels.BuildError(f"no theme folder holds {ANALYZER_ASSETS / WORKER_SCRIPTS[0]}.")


def on_pre_build(config, **kwargs) -> None:
    """Rebuild the wheels when needed and name this deploy's Python for the pages, before any is written."""
    try:
        build_wheels.build(quiet=True)
        python_files = [
            build_wheels.WHEEL_DIR / build_wheels.LOCK_NAME,
            build_wheels.WHEEL_DIR / browser_bundle.MANIFEST_NAME,
        ]
        config.extra[DEPLOY_META] = deploy_version(theme_scripts_dir(config.theme.dirs), python_files)
    except build_wheels.BuildError as exc:
        raise PluginError(f"pyodide_hook: {exc}") from exc


def on_post_build(config, **kwargs) -> None:
    """Publish the wheels and the runtime; fail the build clearly if they are missing or if the pages name
    another deploy than the one published (a worker script or the checker changed during the build)."""
    site_dir = Path(config["site_dir"])
    try:
        publish_runtime(site_dir, npm_dir=build_wheels.NPM_PYODIDE, wheel_dir=build_wheels.WHEEL_DIR)
    except build_wheels.BuildError as exc:
        raise PluginError(f"pyodide_hook: {exc}") from exc
    published = (site_dir / PUBLIC_DIR / DEPLOY_VERSION_NAME).read_text(encoding="ascii").strip()
    named = config.extra.get(DEPLOY_META)
    if named != published:
        raise PluginError(
            f"pyodide_hook: the pages name Python {named} but {published} was published (the checker or "
            "a worker script changed during the build); build again."
        )


def on_serve(server, config, builder, **kwargs):
    """Under ``mkdocs serve``, rebuild when the checker's sources change so the analyzer runs them."""
    server.watch(str(build_wheels.ROOT / "checker"))
    return server
