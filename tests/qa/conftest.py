"""Shared QA fixtures: the realistic pastes in fixtures/ and the qa-mail zone as in-memory DNS."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from checker.dns.zone import ZoneResolver
from checker.dns.zonefile import load_zone

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ZONE = Path(__file__).resolve().parents[1] / "fixtures" / "zones" / "qa-mail.yml"


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
