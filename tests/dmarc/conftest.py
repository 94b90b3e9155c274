"""Fixtures shared by the DMARC tests."""

from __future__ import annotations

import pytest

from checker.shared.dns.zone import ZoneResolver


@pytest.fixture
def psd_bank_zone() -> ZoneResolver:
    """bank.example publishes psd=y (a public suffix operator); giant.bank.example has its own record."""
    return ZoneResolver(
        records={
            ("_dmarc.bank.example", "TXT"): ["v=DMARC1; p=reject; psd=y"],
            ("_dmarc.giant.bank.example", "TXT"): ["v=DMARC1; p=quarantine"],
        }
    )
