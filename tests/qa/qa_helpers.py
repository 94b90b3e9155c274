"""Shared QA helpers: repository paths, the command line run as a user runs it, a local DoH server.

Imported by name (``from qa_helpers import ...``): test folders have no ``__init__.py`` and several
``conftest.py`` files exist, so a uniquely named module is the one unambiguous import.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from dohserver import DohServer

from checker.shared.dns.zonefile import load_zone

REPO_ROOT = Path(__file__).resolve().parents[2]
ZONES = REPO_ROOT / "tests" / "fixtures" / "zones"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m checker ARGS`` in a fresh process with a bare environment, output as text."""
    return subprocess.run(
        [sys.executable, "-m", "checker", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONIOENCODING": "utf-8", "PATH": "/usr/bin:/bin"},
    )


def serve_doh(zone: Path) -> Iterator[str]:
    """Serve ``zone`` over local DNS-over-HTTPS for as long as the generator is open; yields its URL."""
    with DohServer(load_zone(zone)) as server:
        yield f"http://127.0.0.1:{server.port}/dns-query"
