"""Fixtures for domain-audit and IP-check tests: zone fixtures in memory and over a real local DoH server."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from dohserver import DohServer  # noqa: E402

from checker.dns.zonefile import ZoneData, load_zone  # noqa: E402
from checker.orgdomain import PublicSuffixes  # noqa: E402

ZONES = REPO_ROOT / "tests" / "fixtures" / "zones"


@pytest.fixture(scope="session")
def mail_zone() -> ZoneData:
    return load_zone(ZONES / "acme-mail.yml")


@pytest.fixture(scope="session")
def ip_zone() -> ZoneData:
    return load_zone(ZONES / "ipcheck.yml")


@pytest.fixture(scope="session")
def psl() -> PublicSuffixes:
    return PublicSuffixes((REPO_ROOT / "tests" / "corpora" / "psl" / "public_suffix_list.dat").read_text())


@pytest.fixture
def mail_doh_server(mail_zone: ZoneData) -> Iterator[DohServer]:
    with DohServer(mail_zone) as server:
        yield server
