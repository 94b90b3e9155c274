"""Paths and helpers the site tests share; imported by name (``conftest`` is ambiguous across folders)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
if str(REPO_ROOT) not in sys.path:  # scripts.sitegen and checker live at the repository's top level
    sys.path.insert(0, str(REPO_ROOT))

from scripts.bench_build import copy_site_sources, mkdocs_build, new_errors_dir  # noqa: E402

# The h2 sections of an entry page, in page order, as plain text (escape them to find them in HTML).
SECTION_HEADINGS = [
    "What it means",
    "Who you'll see it from",
    "Example bounce lines",
    "Why it happens",
    "How to fix it",
    "How to confirm it is fixed",
    "FAQ",
    "Related errors",
    "Sources",
]

# Real entries that share 550 5.7.1: its hub must list every one (relay, blocklist, DMARC, policy).
REAL_550_571 = [
    "554-5-7-1-relay-access-denied",
    "554-5-7-1-client-ip-blocklisted",
    "550-5-7-26-gmail-dmarc-reject",
    "550-5-7-1-microsoft-365-dmarc-oreject",
    "550-5-7-1-dmarc-policy-reject",
    "550-5-7-1-recipient-policy-refusal",
    "550-5-7-1-delivery-not-authorized",
]


def make_errors_dir(dest: Path, entry_files: list[Path] | None = None) -> Path:
    """An ``errors/`` folder with the real schema and providers plus the given entry files."""
    errors = new_errors_dir(dest)
    for source in entry_files if entry_files is not None else sorted(FIXTURES.glob("*.yml")):
        shutil.copy2(source, errors / source.name)
    return errors


def build_site(project: Path, site: Path) -> subprocess.CompletedProcess[str]:
    """``mkdocs build --strict`` of ``project`` into ``site``, output captured."""
    return mkdocs_build(project, site, capture=True, timeout=600)


def make_fixture_project(dest: Path) -> Path:
    """A copy of the site sources (without the Pyodide hook) whose errors/ holds the fixture entries."""
    copy_site_sources(dest)
    make_errors_dir(dest)
    return dest
