"""Fixtures for CLI tests: a real local DoH server with the acme-mail zone, and a subprocess runner."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from dohserver import DohServer  # noqa: E402

from checker.shared.dns.zonefile import load_zone  # noqa: E402


@pytest.fixture(scope="module")
def cli_doh_server() -> Iterator[DohServer]:
    with DohServer(load_zone(REPO_ROOT / "tests" / "fixtures" / "zones" / "acme-mail.yml")) as server:
        yield server


@pytest.fixture
def run_cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``python -m checker ARGS`` from the repository root, as a user would."""

    def run(
        *args: str, stdin: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "checker", *args],
            cwd=REPO_ROOT,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            env={"PYTHONIOENCODING": "utf-8", "PATH": "/usr/bin:/bin", **(env or {})},
        )

    return run
