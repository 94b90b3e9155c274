"""Fixtures for DNS tests: a real local DoH server answering from ``tests/fixtures/zones/dns-tests.yml``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dohserver import DohServer, fixture_zone

from checker.shared.dns.zonefile import ZoneData


@pytest.fixture(scope="session")
def dns_test_zone() -> ZoneData:
    return fixture_zone("dns-tests.yml")


@pytest.fixture
def doh_server(dns_test_zone: ZoneData) -> Iterator[DohServer]:
    """A DoH server on 127.0.0.1 (random port) for one test; ``timeout`` failures stall 2 s."""
    with DohServer(dns_test_zone, timeout_delay=2.0) as server:
        yield server
