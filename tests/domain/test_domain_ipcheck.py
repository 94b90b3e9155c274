"""check_ip: PTR, forward-confirmed reverse DNS and DNSBL answers, from the ipcheck zone fixture."""

from __future__ import annotations

import ipaddress

import pytest

from checker.analyses.ip import address_scope, check_ip, parse_address
from checker.shared.dns.blocklists import (
    BARRACUDA,
    DEFAULT_BLOCKLISTS,
    SPAMCOP,
    SPAMHAUS_ZEN,
    Listing,
    interpret,
)
from checker.shared.dns.model import DnsAnswer, DnsStatus
from checker.shared.dns.stats import CountingResolver, LatencyResolver
from checker.shared.dns.zonefile import ZoneData
from checker.shared.result import Verdict


def by_reason(report) -> dict[str, object]:
    return {check.reason: check for check in report.checks}


async def test_confirmed_ptr_and_clean_blocklists(ip_zone: ZoneData) -> None:
    report = await check_ip("192.0.2.10", resolver=ip_zone.resolver())
    reasons = by_reason(report)
    assert reasons["ip.ptr_ok"].verdict is Verdict.PASS and reasons["ip.fcrdns_ok"].verdict is Verdict.PASS
    assert [r.listing for r in report.blocklists] == [Listing.NOT_LISTED] * 3
    assert report.reverse.reverse_name == "10.2.0.192.in-addr.arpa"


async def test_ptr_not_pointing_back_and_generic_name(ip_zone: ZoneData) -> None:
    reasons = by_reason(await check_ip("192.0.2.11", resolver=ip_zone.resolver()))
    assert reasons["ip.fcrdns_mismatch"].verdict is Verdict.FAIL
    assert reasons["ip.fcrdns_mismatch"].link == "/errors/550-5-7-25-gmail-ptr-record-missing/"
    assert "ip.ptr_generic" in reasons


async def test_missing_ptr(ip_zone: ZoneData) -> None:
    reasons = by_reason(await check_ip("198.51.100.99", resolver=ip_zone.resolver()))
    assert reasons["ip.ptr_missing"].verdict is Verdict.FAIL and "ip.fcrdns_ok" not in reasons


async def test_ipv6_uses_nibbles_and_skips_ipv4_only_lists(ip_zone: ZoneData) -> None:
    resolver = ip_zone.resolver()
    report = await check_ip("[IPv6:2001:db8::25]", resolver=resolver)
    assert by_reason(report)["ip.fcrdns_ok"].verdict is Verdict.PASS
    assert {r.blocklist_id: r.listing for r in report.blocklists} == {
        "spamhaus-zen": Listing.NOT_LISTED,
        "spamcop": Listing.SKIPPED,
        "barracuda": Listing.SKIPPED,
    }
    asked_zones = {
        name.split(".", 32)[-1] for name, rtype in resolver.queries if rtype == "A" and len(name) > 70
    }
    assert asked_zones == {"zen.spamhaus.org"}
    assert by_reason(report)["dnsbl.ipv6_unsupported"].verdict is Verdict.INFO


async def test_listed_address_with_documented_meanings(ip_zone: ZoneData) -> None:
    report = await check_ip("203.0.113.7", resolver=ip_zone.resolver())
    spamhaus = next(r for r in report.blocklists if r.blocklist_id == "spamhaus-zen")
    assert spamhaus.listing is Listing.LISTED and spamhaus.codes == ("127.0.0.2", "127.0.0.4")
    assert any("SBL" in m for m in spamhaus.meanings) and any("XBL" in m for m in spamhaus.meanings)
    listed = [c for c in report.checks if c.reason == "dnsbl.listed"]
    assert len(listed) == 2 and all(c.verdict is Verdict.FAIL for c in listed)


async def test_public_resolver_refusal_is_not_a_listing(ip_zone: ZoneData) -> None:
    report = await check_ip("203.0.113.8", resolver=ip_zone.resolver())
    check = next(c for c in report.checks if c.name == "Blocklist: Spamhaus ZEN")
    assert check.reason == "dnsbl.unusable_answer" and check.verdict is Verdict.ERROR
    assert "public or open resolver" in check.explanation and "not a listing" in check.explanation


async def test_pbl_is_a_warning(ip_zone: ZoneData) -> None:
    report = await check_ip("203.0.113.9", resolver=ip_zone.resolver())
    check = next(c for c in report.checks if c.name == "Blocklist: Spamhaus ZEN")
    assert check.reason == "dnsbl.policy_listed" and check.verdict is Verdict.WARN


async def test_failed_blocklist_lookup_is_an_error(ip_zone: ZoneData) -> None:
    report = await check_ip("203.0.113.11", resolver=ip_zone.resolver())
    check = next(c for c in report.checks if c.name == "Blocklist: SpamCop")
    assert check.reason == "dnsbl.lookup_failed" and check.verdict is Verdict.ERROR


@pytest.mark.parametrize("address", ["10.1.2.3", "127.0.0.1", "::1", "fe80::1", "169.254.1.1", "0.0.0.0"])
async def test_private_addresses_make_no_queries(ip_zone: ZoneData, address: str) -> None:
    resolver = ip_zone.resolver()
    report = await check_ip(address, resolver=resolver)
    assert [c.reason for c in report.checks] == ["ip.not_public"] and report.checks[0].verdict is Verdict.INFO
    assert resolver.queries == []


async def test_check_reserved_queries_anyway(ip_zone: ZoneData) -> None:
    resolver = ip_zone.resolver()
    await check_ip("127.0.0.2", resolver=resolver, check_reserved=True)
    assert ("2.0.0.127.zen.spamhaus.org", "A") in resolver.queries


@pytest.mark.parametrize("text", ["", "300.1.1.1", "example.com", "1.2.3", "::g"])
async def test_bad_input_is_an_input_error(ip_zone: ZoneData, text: str) -> None:
    report = await check_ip(text, resolver=ip_zone.resolver())
    assert report.input_error is not None and report.checks[0].reason == "ip.invalid"


async def test_all_lookups_are_concurrent(ip_zone: ZoneData) -> None:
    counting = CountingResolver(LatencyResolver(ip_zone.resolver(), 0.02))
    await check_ip("192.0.2.10", resolver=counting)
    assert counting.rounds == 2  # PTR + every blocklist together, then the forward lookup
    assert len(counting.by_round()[1]) == 1 + len(DEFAULT_BLOCKLISTS)


def test_ipv4_mapped_addresses_are_checked_as_ipv4() -> None:
    assert parse_address("::ffff:192.0.2.1") == ipaddress.ip_address("192.0.2.1")
    assert address_scope(ipaddress.ip_address("192.0.2.1")) == "documentation"
    assert address_scope(ipaddress.ip_address("8.8.8.8")) == "public"


@pytest.mark.parametrize(
    ("blocklist", "records", "listing", "verdict"),
    [
        (SPAMHAUS_ZEN, ("127.0.0.3",), Listing.LISTED, Verdict.FAIL),
        (SPAMHAUS_ZEN, ("127.0.0.9", "127.0.0.2"), Listing.LISTED, Verdict.FAIL),
        (SPAMHAUS_ZEN, ("127.0.0.10",), Listing.LISTED, Verdict.WARN),
        (SPAMHAUS_ZEN, ("127.255.255.252",), Listing.UNUSABLE, Verdict.ERROR),
        (SPAMHAUS_ZEN, ("127.255.255.255",), Listing.UNUSABLE, Verdict.ERROR),
        (SPAMHAUS_ZEN, ("127.0.0.2", "127.255.255.254"), Listing.UNUSABLE, Verdict.ERROR),
        (SPAMHAUS_ZEN, ("127.0.0.99",), Listing.LISTED, Verdict.FAIL),
        (SPAMCOP, ("127.0.0.2",), Listing.LISTED, Verdict.FAIL),
        (BARRACUDA, ("127.0.0.2",), Listing.LISTED, Verdict.FAIL),
        (BARRACUDA, ("198.51.100.1",), Listing.UNUSABLE, Verdict.ERROR),  # a resolver rewrote the answer
    ],
)
def test_return_code_interpretation(blocklist, records, listing, verdict) -> None:
    result = interpret(blocklist, DnsAnswer("q", "A", DnsStatus.OK, records))
    assert (result.listing, result.verdict) == (listing, verdict)
    assert len(result.meanings) >= 1


def test_not_listed_and_failed_answers() -> None:
    assert interpret(SPAMCOP, DnsAnswer("q", "A", DnsStatus.NXDOMAIN)).listing is Listing.NOT_LISTED
    assert interpret(SPAMCOP, DnsAnswer("q", "A", DnsStatus.TIMEOUT)).listing is Listing.FAILED
