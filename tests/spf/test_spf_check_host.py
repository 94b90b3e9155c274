"""check_host() beyond the RFC suite: results carry their why, limits, exp=, hostile input, timeouts."""

from __future__ import annotations

import asyncio
import json
import time

from checker.mechanisms.spf import SpfResultCode, check_host, check_sender
from checker.shared.dns.model import DnsAnswer, DnsStatus
from checker.shared.dns.zone import ZoneResolver
from checker.shared.result import Verdict, to_json

IP = "192.0.2.10"


def zone(records: dict[tuple[str, str], list[str]], **kwargs: object) -> ZoneResolver:
    return ZoneResolver(records=records, **kwargs)  # type: ignore[arg-type]


async def test_spf_pass_names_mechanism_record_and_path() -> None:
    resolver = zone(
        {
            ("example.com", "TXT"): ["v=spf1 include:_spf.example.net -all", "other=thing"],
            ("_spf.example.net", "TXT"): ["v=spf1 ip4:192.0.2.0/24 -all"],
        }
    )
    result = await check_host(IP, "example.com", "alice@example.com", resolver=resolver)
    assert result.result is SpfResultCode.PASS
    assert result.reason == "spf.mechanism_matched"
    assert result.mechanism == "include:_spf.example.net"
    assert result.record == "v=spf1 include:_spf.example.net -all"
    assert result.trail == ("example.com: include:_spf.example.net", "_spf.example.net: ip4:192.0.2.0/24")
    assert "include:_spf.example.net" in result.explanation and IP in result.explanation
    assert result.lookups == 1 and result.void_lookups == 0
    assert [(q.name, q.rtype) for q in result.queries] == [
        ("example.com", "TXT"),
        ("_spf.example.net", "TXT"),
    ]
    check = result.to_check()
    assert check.verdict is Verdict.PASS and check.evidence["mechanism"] == "include:_spf.example.net"
    json.loads(to_json(result))


async def test_spf_fail_fetches_exp_once_and_expands_it() -> None:
    resolver = zone(
        {
            ("example.com", "TXT"): ["v=spf1 a -all exp=why.example.com"],
            ("example.com", "A"): ["198.51.100.1"],
            ("why.example.com", "TXT"): ["%{c} may not send for %{d} (%{r}, at %{t})"],
        }
    )
    result = await check_host(
        IP, "example.com", "bob@example.com", resolver=resolver, receiver="mx.receiver.example", now=42
    )
    assert result.result is SpfResultCode.FAIL and result.mechanism == "-all"
    assert result.explanation_text == f"{IP} may not send for example.com (mx.receiver.example, at 42)"
    assert result.lookups == 1  # exp= is not a counted term
    passing = await check_host("198.51.100.1", "example.com", "bob@example.com", resolver=resolver)
    assert passing.result is SpfResultCode.PASS and passing.explanation_text is None
    assert ("why.example.com", "TXT") not in [(q.name, q.rtype) for q in passing.queries]


async def test_spf_default_neutral_and_none_results() -> None:
    resolver = zone({("example.com", "TXT"): ["v=spf1 ip4:198.51.100.0/24"]}, existing=["nospf.example.com"])
    neutral = await check_host(IP, "example.com", "x@example.com", resolver=resolver)
    assert neutral.result is SpfResultCode.NEUTRAL and neutral.reason == "spf.default_neutral"
    none = await check_host(IP, "nospf.example.com", "x@nospf.example.com", resolver=resolver)
    assert none.result is SpfResultCode.NONE and none.reason == "spf.no_record"
    missing = await check_host(IP, "missing.example.com", "x@missing.example.com", resolver=resolver)
    assert missing.result is SpfResultCode.NONE and missing.reason == "spf.domain_not_found"
    invalid = await check_host(IP, "localhost", "x@localhost", resolver=resolver)
    assert invalid.reason == "spf.invalid_domain" and invalid.queries == ()


async def test_spf_single_stack_names_are_not_void() -> None:
    resolver = zone(
        {
            ("example.com", "TXT"): [
                "v=spf1 a:v6only.example.com a:v6only.example.com a:v6only.example.com -all"
            ],
            ("v6only.example.com", "AAAA"): ["2001:db8::1"],
        }
    )
    result = await check_host(IP, "example.com", "x@example.com", resolver=resolver)
    assert result.result is SpfResultCode.FAIL and result.void_lookups == 0


async def test_spf_void_limit_names_the_void_names() -> None:
    resolver = zone(
        {("example.com", "TXT"): ["v=spf1 a:n1.example.com mx:n2.example.com exists:n3.example.com"]}
    )
    result = await check_host(IP, "example.com", "x@example.com", resolver=resolver)
    assert result.result is SpfResultCode.PERMERROR and result.reason == "spf.void_lookup_limit"
    assert all(name in result.explanation for name in ("n1.example.com", "n2.example.com", "n3.example.com"))
    assert result.void_lookups == 3


async def test_spf_eleventh_lookup_is_a_permerror_and_stops_querying() -> None:
    terms = " ".join(f"a:h{i}.example.com" for i in range(10_000))
    records = {("example.com", "TXT"): [f"v=spf1 {terms} -all"]}
    records.update({(f"h{i}.example.com", "A"): ["198.51.100.1"] for i in range(20)})
    resolver = zone(records)
    started = time.perf_counter()
    result = await check_host(IP, "example.com", "x@example.com", resolver=resolver)
    assert time.perf_counter() - started < 5
    assert result.result is SpfResultCode.PERMERROR and result.reason == "spf.too_many_lookups"
    assert result.lookups == 11 and len(result.queries) == 1 + 2 * 10


async def test_spf_mx_limit_and_concurrent_host_lookups() -> None:
    records = {("example.com", "TXT"): ["v=spf1 mx -all"]}
    records[("example.com", "MX")] = [f"{i} mx{i}.example.com" for i in range(10)]
    for i in range(10):
        records[(f"mx{i}.example.com", "A")] = [f"198.51.100.{i}"]
    records[("mx9.example.com", "A")] = [IP]

    class SlowZone(ZoneResolver):
        """The zone, answering after a delay and tracking how many queries are in flight."""

        in_flight = 0
        peak = 0

        async def query(self, name: str, rtype: str) -> DnsAnswer:
            SlowZone.in_flight += 1
            SlowZone.peak = max(SlowZone.peak, SlowZone.in_flight)
            await asyncio.sleep(0.01)
            SlowZone.in_flight -= 1
            return await super().query(name, rtype)

    result = await check_host(IP, "example.com", "x@example.com", resolver=SlowZone(records=records))
    assert result.result is SpfResultCode.PASS and result.lookups == 1
    assert SlowZone.peak == 10  # the ten exchange hosts were asked at once
    records[("example.com", "MX")] = [*records[("example.com", "MX")], "99 extra.example.com"]
    over = await check_host(IP, "example.com", "x@example.com", resolver=zone(records))
    assert over.result is SpfResultCode.PERMERROR and over.reason == "spf.mx_limit"


async def test_spf_include_loop_and_redirect_loop_are_permerrors() -> None:
    resolver = zone(
        {
            ("a.example.com", "TXT"): ["v=spf1 include:b.example.com -all"],
            ("b.example.com", "TXT"): ["v=spf1 include:a.example.com -all"],
            ("self.example.com", "TXT"): ["v=spf1 redirect=self.example.com"],
        }
    )
    loop = await check_host(IP, "a.example.com", "x@a.example.com", resolver=resolver)
    assert loop.result is SpfResultCode.PERMERROR and loop.reason == "spf.include_loop"
    again = await check_host(IP, "self.example.com", "x@self.example.com", resolver=resolver)
    assert again.result is SpfResultCode.PERMERROR and again.reason == "spf.redirect_loop"


async def test_spf_cname_loop_in_zone_is_a_temperror_naming_the_query() -> None:
    resolver = zone(
        {
            ("example.com", "TXT"): ["v=spf1 a:loop.example.com -all"],
            ("loop.example.com", "CNAME"): ["loop2.example.com"],
            ("loop2.example.com", "CNAME"): ["loop.example.com"],
        }
    )
    result = await check_host(IP, "example.com", "x@example.com", resolver=resolver)
    assert result.result is SpfResultCode.TEMPERROR and result.reason == "spf.dns_error"
    assert "loop.example.com" in result.explanation


async def test_spf_dns_timeout_is_a_temperror_naming_the_query() -> None:
    resolver = zone(
        {("example.com", "TXT"): ["v=spf1 include:slow.example.net -all"]},
        failures={("slow.example.net", "TXT"): DnsStatus.TIMEOUT},
    )
    result = await check_host(IP, "example.com", "x@example.com", resolver=resolver)
    assert result.result is SpfResultCode.TEMPERROR
    assert "TXT slow.example.net" in result.explanation
    assert result.to_check().verdict is Verdict.ERROR


async def test_spf_hanging_or_raising_resolver_never_hangs_or_raises() -> None:
    class Hanging:
        async def query(self, name: str, rtype: str) -> DnsAnswer:
            await asyncio.sleep(3600)
            raise AssertionError("unreachable")

    class Raising:
        async def query(self, name: str, rtype: str) -> DnsAnswer:
            raise OSError("network unreachable")

    hung = await check_host(IP, "example.com", "x@example.com", resolver=Hanging(), timeout=0.05)
    assert hung.result is SpfResultCode.TEMPERROR and hung.reason == "spf.timeout"
    broken = await check_host(IP, "example.com", "x@example.com", resolver=Raising())
    assert broken.result is SpfResultCode.TEMPERROR and "OSError" in broken.explanation


async def test_spf_macro_bomb_in_record_and_exp_stays_bounded() -> None:
    exp_text = " ".join(["%{s}"] * 5000)
    resolver = zone(
        {
            ("example.com", "TXT"): [
                "v=spf1 exists:%{l99999999r}.%{d9999}.bl.example.net -all exp=x.example.com"
            ],
            ("x.example.com", "TXT"): [exp_text],
        }
    )
    result = await check_host(IP, "example.com", "a.b.c@example.com", resolver=resolver)
    assert result.result is SpfResultCode.FAIL
    assert result.explanation_text is not None and len(result.explanation_text) <= 8192


async def test_spf_bad_input_is_reported_not_raised() -> None:
    resolver = zone({})
    result = await check_host("not-an-ip", "example.com", "x@example.com", resolver=resolver)
    assert result.input_error is not None and result.reason == "input.invalid_ip"
    assert "IPv4 or IPv6" in result.input_error.fix
    assert result.to_check().verdict is Verdict.ERROR
    literal = await check_sender(IP, "user@[192.0.2.1]", "helo.example.com", resolver=resolver)
    assert literal.result is SpfResultCode.NONE and literal.reason == "spf.invalid_domain"


async def test_spf_ipv4_mapped_client_matches_ip4_only() -> None:
    resolver = zone({("example.com", "TXT"): ["v=spf1 ip6:::ffff:0:0/96 ip4:192.0.2.0/24 -all"]})
    result = await check_host("::ffff:192.0.2.10", "example.com", "x@example.com", resolver=resolver)
    assert result.result is SpfResultCode.PASS and result.mechanism == "ip4:192.0.2.0/24"
    assert result.ip == IP


async def test_spf_helo_identity_when_mail_from_is_empty() -> None:
    resolver = zone(
        {("mail.example.com", "TXT"): ["v=spf1 -all exp=e.example.com"], ("e.example.com", "TXT"): ["%{s}"]}
    )
    result = await check_sender(IP, "", "mail.example.com", resolver=resolver)
    assert result.domain == "mail.example.com" and result.explanation_text == "postmaster@mail.example.com"
