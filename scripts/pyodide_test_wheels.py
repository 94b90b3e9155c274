"""Fetch the wheels the in-Pyodide test run needs (pytest and its pure-Python deps) into build/.

Versions come from requirements.lock so Pyodide runs the same pytest as CPython. PyYAML has no
pure wheel; the test runner unpacks only its Python files (PyYAML falls back to pure Python).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from build_wheels import ROOT, BuildError, canonical_name, pinned_versions

TEST_WHEEL_DIR = ROOT / "build" / "pyodide-test-wheels"
TEST_PROJECTS = ("pytest", "pluggy", "iniconfig", "packaging", "pytest-asyncio", "pygments", "pyyaml")


def fetch_test_wheels(dest: Path = TEST_WHEEL_DIR) -> list[Path]:
    """Download the pinned test wheels into ``dest`` (skipping those already there); return their paths."""
    pins = pinned_versions(ROOT / "requirements.lock")
    dest.mkdir(parents=True, exist_ok=True)
    wanted = []
    for project in TEST_PROJECTS:
        version = pins.get(canonical_name(project))
        if version is None:
            raise BuildError(f"{project} has no pinned version in requirements.lock.")
        wanted.append((project, version))
    def present(project: str, version: str) -> list[Path]:
        stem = canonical_name(project).replace("-", "_")
        return [p for p in dest.glob("*.whl") if p.name.lower().startswith(f"{stem}-{version}-")]

    missing = [f"{project}=={version}" for project, version in wanted if not present(project, version)]
    if missing:
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:", "--no-deps",
                   "--python-version", "3.13", "--dest", str(dest), *missing]
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            raise BuildError(f"Could not download the Pyodide test wheels:\n{completed.stderr.strip()}")
    paths = [path for project, version in wanted for path in present(project, version)[:1]]
    if len(paths) != len(wanted):
        raise BuildError(f"Some test wheels are still missing from {dest}: {missing}")
    return paths


if __name__ == "__main__":
    try:
        for wheel in fetch_test_wheels():
            print(wheel.relative_to(ROOT))
    except BuildError as exc:
        print(f"pyodide_test_wheels: {exc}", file=sys.stderr)
        sys.exit(1)
