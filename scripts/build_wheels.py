"""Build ``dist/wheels/``: our wheel, the pure-Python dependency wheels and a matching pyodide-lock.json.

The npm ``pyodide`` package ships only the core runtime, so the site self-hosts every wheel the
analyzer loads. The lock file is the npm one plus entries for our wheels (file names, sha256, imports
and dependency edges), so ``pyodide.loadPackage("smtp-checker")`` pulls in its dependencies.

The analyzer page does not load these wheels: it loads the smaller archives that
``scripts/browser_bundle.py`` makes from them (only the modules the browser runs), listed in
``browser-bundle.json`` next to the lock.

Run it with ``.venv/bin/python scripts/build_wheels.py``; it is quick when nothing changed.
"""

from __future__ import annotations

import argparse
import dataclasses
import email.parser
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# Run as a script (and loaded by path from MkDocs hooks), so the sibling module needs scripts/ on the path.
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
import browser_bundle

ROOT = Path(__file__).resolve().parent.parent
NPM_PYODIDE = ROOT / "node_modules" / "pyodide"
WHEEL_DIR = ROOT / "dist" / "wheels"
LOCK_NAME = "pyodide-lock.json"
OUR_PROJECT = "smtp-checker"
# The checker's runtime dependencies; versions come from requirements.lock.
DEPENDENCIES = ("dkimpy", "dnspython", "publicsuffixlist")
# Files the runtime needs from node_modules/pyodide (the rest are docs, maps and type stubs).
RUNTIME_FILES = (
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
)
# What our wheel is built from: a change to any of these makes the wheel stale.
SOURCE_GLOBS = ("pyproject.toml", "checker/**/*")
# The command line's packaged catalog stays out of the browser's wheel: the page fetches /catalog.json.
BROWSER_EXCLUDED = ("checker/data/catalog.json",)


class BuildError(RuntimeError):
    """A build step failed; the message says what to do about it."""


@dataclass(frozen=True)
class WheelInfo:
    """What the lock needs to know about one wheel."""

    name: str
    version: str
    file_name: str
    sha256: str
    imports: tuple[str, ...]
    requires: tuple[str, ...]


def canonical_name(name: str) -> str:
    """PEP 503 normalised project name (``Smtp_Checker`` -> ``smtp-checker``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned_versions(lock_file: Path) -> dict[str, str]:
    """Read ``name==version`` pins from a requirements lock, keyed by canonical name."""
    pins: dict[str, str] = {}
    for line in lock_file.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[canonical_name(name)] = version.strip()
    return pins


def require_npm_pyodide(npm_dir: Path = NPM_PYODIDE) -> Path:
    """Return the npm pyodide folder, or fail saying to run ``npm ci``."""
    missing = [name for name in (*RUNTIME_FILES, LOCK_NAME) if not (npm_dir / name).is_file()]
    if missing:
        raise BuildError(
            f"The Pyodide runtime is missing from {npm_dir} ({', '.join(missing)}). "
            "Run `npm ci` in the repository root to install it, then build again."
        )
    return npm_dir


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _top_level_imports(names: Iterable[str]) -> tuple[str, ...]:
    """Top-level importable names in a wheel: packages with Python files and single modules."""
    found: set[str] = set()
    for member in names:
        first, _, rest = member.partition("/")
        if first.endswith((".dist-info", ".data")):
            continue
        if not rest and first.endswith(".py"):
            found.add(first[:-3])
        elif rest.endswith(".py") and first.isidentifier():
            found.add(first)
    return tuple(sorted(found))


def read_wheel(path: Path) -> WheelInfo:
    """Read name, version, imports and Requires-Dist from a wheel's metadata."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        metadata_name = next((n for n in names if n.endswith(".dist-info/METADATA")), None)
        if metadata_name is None:
            raise BuildError(f"{path.name} has no .dist-info/METADATA; it is not a valid wheel.")
        metadata = email.parser.HeaderParser().parsestr(archive.read(metadata_name).decode("utf-8"))
    return WheelInfo(
        name=canonical_name(metadata["Name"]),
        version=metadata["Version"],
        file_name=path.name,
        sha256=_sha256(path),
        imports=_top_level_imports(names),
        requires=tuple(metadata.get_all("Requires-Dist") or ()),
    )


def _marker_environment(python_version: str) -> dict[str, str]:
    """The environment markers of Pyodide, so ``; sys_platform == 'win32'`` deps drop out."""
    major_minor = ".".join(python_version.split(".")[:2])
    return {
        "implementation_name": "cpython",
        "implementation_version": python_version,
        "os_name": "posix",
        "platform_machine": "wasm32",
        "platform_release": "",
        "platform_system": "Emscripten",
        "platform_version": "",
        "python_full_version": python_version,
        "platform_python_implementation": "CPython",
        "python_version": major_minor,
        "sys_platform": "emscripten",
        "extra": "",
    }


def dependency_edges(wheel: WheelInfo, python_version: str, known: set[str]) -> list[str]:
    """Names of the required (non-extra, marker-true) projects, all of which must be in the lock."""
    from packaging.requirements import Requirement

    environment = _marker_environment(python_version)
    edges = []
    for spec in wheel.requires:
        requirement = Requirement(spec)
        if requirement.marker is not None and not requirement.marker.evaluate(environment):
            continue
        name = canonical_name(requirement.name)
        if name not in known:
            raise BuildError(
                f"{wheel.file_name} requires {spec!r}, which is neither in the Pyodide lock nor among "
                f"our wheels; add it to DEPENDENCIES in scripts/build_wheels.py."
            )
        edges.append(name)
    return sorted(set(edges))


def _is_pure(path: Path) -> bool:
    return path.name.endswith("-none-any.whl") and ("-py3-" in path.name or "-py2.py3-" in path.name)


def _wheels_of(project: str, folder: Path) -> list[Path]:
    wanted = canonical_name(project)
    return [p for p in folder.glob("*.whl") if canonical_name(p.name.split("-")[0]) == wanted]


def _pip_wheel(requirement: str, wheel_dir: Path) -> subprocess.CompletedProcess[str]:
    """``pip wheel`` of one requirement (a pin or a source folder) into ``wheel_dir``, without its deps."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--disable-pip-version-check",
        "--no-deps",
        "--wheel-dir",
        str(wheel_dir),
        requirement,
    ]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def download_dependency(name: str, version: str, dest: Path) -> Path:
    """Fetch one pinned pure-Python wheel into ``dest`` unless it is already there.

    ``pip wheel`` takes the published wheel when there is one and otherwise builds it from the
    sdist (dkimpy publishes only an sdist); either way the result must be ``py3-none-any``.
    """
    dest.mkdir(parents=True, exist_ok=True)
    for path in _wheels_of(name, dest):
        if path.name.split("-")[1] == version and _is_pure(path):
            return path
        path.unlink()
    completed = _pip_wheel(f"{name}=={version}", dest)
    matches = _wheels_of(name, dest)
    if completed.returncode != 0 or not matches:
        raise BuildError(f"Could not download {name}=={version} as a wheel:\n{completed.stderr.strip()}")
    if not _is_pure(matches[0]):
        raise BuildError(f"{matches[0].name} is not pure Python (py3-none-any); Pyodide cannot load it.")
    return matches[0]


def _source_files(root: Path) -> list[Path]:
    files = []
    for pattern in SOURCE_GLOBS:
        files.extend(
            p
            for p in root.glob(pattern)
            if p.is_file()
            and "__pycache__" not in p.parts
            and p.relative_to(root).as_posix() not in BROWSER_EXCLUDED
        )
    return sorted(files)


def _source_fingerprint(root: Path) -> str:
    digest = hashlib.sha256()
    for path in _source_files(root):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def build_our_wheel(root: Path, dest: Path) -> Path:
    """Build the checker wheel from a clean copy of the sources (no stale build/ leftovers).

    It lands in ``dest/<first 12 hex of its sha256>/``: the version stays 0.1.0 between deploys,
    so the folder is what tells browsers (and their HTTP caches) that the wheel changed.
    """
    fingerprint_file = dest / ".smtp-checker.sources"
    fingerprint = _source_fingerprint(root)
    prefix = canonical_name(OUR_PROJECT).replace("-", "_")
    current = sorted(dest.glob(f"*/{prefix}-*.whl"))
    if (
        len(current) == 1
        and fingerprint_file.is_file()
        and fingerprint_file.read_text(encoding="utf-8") == fingerprint
    ):
        return current[0]
    with tempfile.TemporaryDirectory(prefix="smtp-checker-src-") as tmp:
        source = Path(tmp) / "src"
        out = Path(tmp) / "out"
        for path in _source_files(root):
            target = source / path.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
        completed = _pip_wheel(str(source), out)
        built = sorted(out.glob(f"{prefix}-*.whl"))
        if completed.returncode != 0 or len(built) != 1:
            raise BuildError(f"Building the {OUR_PROJECT} wheel failed:\n{completed.stderr.strip()}")
        for old in current:
            # Another build sharing dist/wheels may have removed it already.
            shutil.rmtree(old.parent, ignore_errors=True)
        final = dest / _sha256(built[0])[:12] / built[0].name
        final.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(built[0], final)
    fingerprint_file.write_text(fingerprint, encoding="utf-8")
    return final


def remove_stale_wheels(folder: Path, *, keep: set[Path]) -> None:
    """Delete the wheels in ``folder`` and its hash folders that are not in ``keep``, then empty folders."""
    for stray in [*folder.glob("*.whl"), *folder.glob("*/*.whl")]:
        if stray not in keep:
            stray.unlink(missing_ok=True)
    for child in folder.iterdir():
        if child.is_dir() and not any(child.iterdir()):
            child.rmdir()


def make_lock(npm_lock: dict, wheels: list[WheelInfo]) -> dict:
    """The npm lock plus one entry per wheel, validated by pyodide-lock's own schema."""
    from pyodide_lock import PyodideLockSpec

    python_version = npm_lock["info"]["python"]
    known = set(npm_lock["packages"]) | {w.name for w in wheels}
    packages = dict(npm_lock["packages"])
    for wheel in wheels:
        packages[wheel.name] = {
            "name": wheel.name,
            "version": wheel.version,
            "file_name": wheel.file_name,
            "install_dir": "site",
            "sha256": wheel.sha256,
            "package_type": "package",
            "imports": list(wheel.imports),
            "depends": dependency_edges(wheel, python_version, known),
            "unvendored_tests": False,
            "tool": {},
        }
    # Round-trip through pyodide-lock so a malformed entry fails here, not in the browser. Its name
    # check wants bare file names, so it runs on a copy without our hash folder.
    spec = PyodideLockSpec.from_dict({**npm_lock, "packages": packages})
    bare = {
        name: {**entry, "file_name": entry["file_name"].rsplit("/", 1)[-1]}
        for name, entry in packages.items()
    }
    PyodideLockSpec.from_dict({**npm_lock, "packages": bare}).check_wheel_filenames()
    return spec.to_dict()


def build(
    *, root: Path = ROOT, npm_dir: Path = NPM_PYODIDE, dest: Path = WHEEL_DIR, quiet: bool = False
) -> Path:
    """Make ``dest`` hold every wheel the analyzer loads plus the lock; return the lock's path."""
    require_npm_pyodide(npm_dir)
    pins = pinned_versions(root / "requirements.lock")
    dest.mkdir(parents=True, exist_ok=True)
    wheel_paths = [build_our_wheel(root, dest)]
    for name in DEPENDENCIES:
        version = pins.get(canonical_name(name))
        if version is None:
            raise BuildError(f"{name} has no pinned version in requirements.lock; pin it there.")
        wheel_paths.append(download_dependency(name, version, dest))
    remove_stale_wheels(dest, keep=set(wheel_paths))
    npm_lock = json.loads((npm_dir / LOCK_NAME).read_text(encoding="utf-8"))
    # file_name is relative to the lock's folder, hash folder included.
    wheels = [
        dataclasses.replace(read_wheel(path), file_name=path.relative_to(dest).as_posix())
        for path in wheel_paths
    ]
    lock = make_lock(npm_lock, wheels)
    lock_path = dest / LOCK_NAME
    text = json.dumps(lock, sort_keys=True)
    if not lock_path.is_file() or lock_path.read_text(encoding="utf-8") != text:
        lock_path.write_text(text, encoding="utf-8")
    try:
        manifest_path = browser_bundle.build_bundle(
            our_wheel=wheel_paths[0],
            dependency_wheels=wheel_paths[1:],
            dest=dest,
            pyodide_info=npm_lock["info"],
            runtime_dir=npm_dir,
        )
    except browser_bundle.BundleError as exc:
        raise BuildError(f"The analyzer's Python bundle: {exc}") from exc
    if not quiet:
        shown = [*sorted(wheel_paths), lock_path, manifest_path, *browser_bundle.archive_paths(dest)]
        for path in shown:
            print(f"{path.relative_to(root) if path.is_relative_to(root) else path}")
    return lock_path


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: build the wheels, print what is there, exit 1 with a message on failure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=WHEEL_DIR, help="output folder (default dist/wheels)")
    args = parser.parse_args(argv)
    try:
        build(dest=args.dest)
    except BuildError as exc:
        print(f"build_wheels: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
