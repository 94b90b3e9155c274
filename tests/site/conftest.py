"""Fixtures for the site tests: a throw-away project built from the fixture entries."""

from __future__ import annotations

from pathlib import Path

import pytest
from site_helpers import build_site, make_errors_dir, make_fixture_project


@pytest.fixture(scope="session")
def errors_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid errors/ folder holding only the fixture entries."""
    return make_errors_dir(tmp_path_factory.mktemp("fixture-errors"))


@pytest.fixture(scope="session")
def fixture_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built strictly from the fixture entries (the Pyodide hook left out: it is not ours)."""
    project = make_fixture_project(tmp_path_factory.mktemp("fixture-project"))
    result = build_site(project, project / "site")
    assert result.returncode == 0, result.stderr
    return project / "site"
