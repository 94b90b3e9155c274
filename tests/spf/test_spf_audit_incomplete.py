"""An SPF tree with a record that could not be looked up: the lookup count is a floor, never a pass."""

from __future__ import annotations

from checker.mechanisms.spf import audit_spf
from checker.shared.dns.model import DnsStatus
from checker.shared.dns.zone import ZoneResolver
from checker.shared.result import Verdict

RECORDS = {
    ("example.com", "TXT"): ["v=spf1 include:_spf.example.net include:slow.example.org -all"],
    ("_spf.example.net", "TXT"): ["v=spf1 ip4:192.0.2.0/24 ~all"],
}


async def test_a_failed_include_leaves_the_lookup_count_unknown_not_within_the_limit() -> None:
    resolver = ZoneResolver(records=RECORDS, failures={("slow.example.org", "TXT"): DnsStatus.TIMEOUT})
    audit = await audit_spf("example.com", resolver=resolver)
    by_reason = {check.reason: check for check in audit.checks}
    assert "spf.lookup_count" not in by_reason  # no pass from a count that may be short
    floor = by_reason["spf.lookup_count_incomplete"]
    assert floor.verdict is Verdict.INFO and "At least 2 of the 10" in floor.explanation
    assert by_reason["spf.dns_error"].verdict is Verdict.ERROR


async def test_a_complete_tree_still_passes_the_lookup_count() -> None:
    records = {**RECORDS, ("slow.example.org", "TXT"): ["v=spf1 ip4:198.51.100.0/24 -all"]}
    audit = await audit_spf("example.com", resolver=ZoneResolver(records=records))
    assert {check.reason: check.verdict for check in audit.checks}["spf.lookup_count"] is Verdict.PASS
