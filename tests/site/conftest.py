"""Fixtures for the site tests: a throw-away project built from the fixture entries."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
if str(REPO_ROOT) not in sys.path:  # scripts.sitegen and checker live at the repository's top level
    sys.path.insert(0, str(REPO_ROOT))

PROJECT_PARTS = ("mkdocs.yml", "overrides", "scripts", "checker", "CONTRIBUTING.md")


def make_errors_dir(dest: Path, entry_files: list[Path] | None = None) -> Path:
    """An ``errors/`` folder with the real schema and providers plus the given entry files."""
    errors = dest / "errors"
    errors.mkdir(parents=True)
    for name in ("schema.json", "_providers.yml"):
        shutil.copy2(REPO_ROOT / "errors" / name, errors / name)
    for source in entry_files if entry_files is not None else sorted(FIXTURES.glob("*.yml")):
        shutil.copy2(source, errors / source.name)
    return errors


def build_site(project: Path, site: Path) -> subprocess.CompletedProcess[str]:
    """``mkdocs build --strict`` of ``project`` into ``site``."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="session")
def errors_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid errors/ folder holding only the fixture entries."""
    return make_errors_dir(tmp_path_factory.mktemp("fixture-errors"))


@pytest.fixture(scope="session")
def fixture_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built strictly from the fixture entries (the Pyodide hook left out: it is not ours)."""
    project = tmp_path_factory.mktemp("fixture-project")
    for part in PROJECT_PARTS:
        source = REPO_ROOT / part
        if source.is_dir():
            shutil.copytree(source, project / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, project / part)
    config = (project / "mkdocs.yml").read_text(encoding="utf-8")
    (project / "mkdocs.yml").write_text(
        "\n".join(line for line in config.splitlines() if "pyodide_hook" not in line) + "\n", encoding="utf-8"
    )
    make_errors_dir(project)
    result = build_site(project, project / "site")
    assert result.returncode == 0, result.stderr
    return project / "site"
