"""Fixtures for domain-audit and IP-check tests: zone fixtures in memory and over a real local DoH server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from dohserver import DohServer, fixture_zone

from checker.shared.dns.zonefile import ZoneData
from checker.shared.orgdomain import PublicSuffixes

PSL_FILE = Path(__file__).resolve().parents[1] / "corpora" / "psl" / "public_suffix_list.dat"


@pytest.fixture(scope="session")
def mail_zone() -> ZoneData:
    return fixture_zone("acme-mail.yml")


@pytest.fixture(scope="session")
def ip_zone() -> ZoneData:
    return fixture_zone("ipcheck.yml")


@pytest.fixture(scope="session")
def psl() -> PublicSuffixes:
    return PublicSuffixes(PSL_FILE.read_text())


@pytest.fixture
def mail_doh_server(mail_zone: ZoneData) -> Iterator[DohServer]:
    with DohServer(mail_zone) as server:
        yield server
