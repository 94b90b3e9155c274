"""Fixtures for DNS tests: a real local DoH server answering from ``tests/fixtures/zones/dns-tests.yml``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from dohserver import DohServer

from checker.dns.zonefile import ZoneData, load_zone

ZONES = Path(__file__).resolve().parents[1] / "fixtures" / "zones"


@pytest.fixture(scope="session")
def dns_test_zone() -> ZoneData:
    return load_zone(ZONES / "dns-tests.yml")


@pytest.fixture
def doh_server(dns_test_zone: ZoneData) -> Iterator[DohServer]:
    """A DoH server on 127.0.0.1 (random port) for one test; ``timeout`` failures stall 2 s."""
    with DohServer(dns_test_zone, timeout_delay=2.0) as server:
        yield server
