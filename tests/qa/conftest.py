"""Shared QA fixtures: the realistic pastes in fixtures/ and the qa-mail zone as in-memory DNS."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from qa_helpers import FIXTURES, ZONES, serve_doh

from checker.shared.dns.zone import ZoneResolver
from checker.shared.dns.zonefile import load_zone

ZONE = ZONES / "qa-mail.yml"


@pytest.fixture
def qa_zone() -> ZoneResolver:
    """A fresh resolver over tests/fixtures/zones/qa-mail.yml."""
    return load_zone(ZONE).resolver()


@pytest.fixture
def paste() -> Callable[[str], bytes]:
    """Read one fixture paste by name, line ends untouched."""

    def read(name: str) -> bytes:
        return (FIXTURES / name).read_bytes()

    return read


@pytest.fixture(scope="module")
def qa_doh_url() -> Iterator[str]:
    """A local DoH server over the qa-mail zone, one per test module; its URL."""
    yield from serve_doh(ZONE)
