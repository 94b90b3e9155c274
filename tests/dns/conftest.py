"""Fixtures for DNS tests: a real local DoH server answering from ``tests/fixtures/zones/dns-tests.yml``."""

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

ZONES = REPO_ROOT / "tests" / "fixtures" / "zones"


@pytest.fixture(scope="session")
def dns_test_zone() -> ZoneData:
    return load_zone(ZONES / "dns-tests.yml")


@pytest.fixture
def doh_server(dns_test_zone: ZoneData) -> Iterator[DohServer]:
    """A DoH server on 127.0.0.1 (random port) for one test; ``timeout`` failures stall 2 s."""
    with DohServer(dns_test_zone, timeout_delay=2.0) as server:
        yield server
