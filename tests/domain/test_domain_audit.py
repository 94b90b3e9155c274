"""audit_domain end to end over the real DoH server, and its round trips with a latency resolver."""

from __future__ import annotations

import json

from dohserver import DohServer

from checker.analyses.domain.audit import MX_DEPENDENCY_DEPTH, audit_domain
from checker.shared.dns.cache import CachingResolver
from checker.shared.dns.doh_wire import DohWireResolver
from checker.shared.dns.model import DnsAnswer
from checker.shared.dns.stats import CountingResolver, LatencyResolver
from checker.shared.dns.streamfetch import make_stream_fetch
from checker.shared.dns.zonefile import ZoneData
from checker.shared.result import Verdict, to_json


def reasons(audit) -> set[str]:
    return {check.reason for check in audit.checks}


async def test_healthy_domain_over_doh(mail_doh_server: DohServer, psl) -> None:
    resolver = DohWireResolver(make_stream_fetch(2.0), mail_doh_server.url)
    audit = await audit_domain("ACME.example.", resolver=resolver, selectors=["selector1"], psl=psl)
    assert audit.domain == "acme.example" and audit.input_error is None
    assert [s.name for s in audit.sections] == ["MX", "SPF", "DKIM", "DMARC", "MTA-STS", "TLS-RPT", "BIMI"]
    assert {
        "mx.ok",
        "mx.ptr_ok",
        "mx.fcrdns_ok",
        "dkim.key_ok",
        "dmarc.found",
        "mta_sts.record_ok",
    } <= reasons(audit)
    assert {"tls_rpt.ok", "bimi.record_ok", "mta_sts.policy_not_fetched"} <= reasons(audit)
    assert not [c for c in audit.checks if c.verdict in (Verdict.FAIL, Verdict.ERROR)]
    # each distinct question went over the wire exactly once
    asked = [(q.name, q.rtype) for q in mail_doh_server.log]
    assert len(asked) == len(set(asked))
    assert json.loads(to_json(audit))["domain"] == "acme.example"


async def test_sloppy_domain_findings(mail_zone: ZoneData, psl) -> None:
    audit = await audit_domain("sloppy.example", resolver=mail_zone.resolver(), psl=psl)
    found = reasons(audit)
    assert {"mx.host_no_address", "mx.fcrdns_mismatch", "spf.plus_all", "dmarc.no_record"} <= found
    assert {
        "mta_sts.bad_id",
        "mta_sts.policy_host_missing",
        "tls_rpt.bad_rua",
        "bimi.logo_not_https",
    } <= found
    assert "dkim.no_common_selector" in found


async def test_null_mx_and_missing_domain(mail_zone: ZoneData, psl) -> None:
    nomail = await audit_domain("nomail.example", resolver=mail_zone.resolver(), psl=psl)
    assert nomail.section("MX").checks[0].reason == "mx.null_mx"
    missing = await audit_domain("missing.example", resolver=mail_zone.resolver(), psl=psl)
    assert "mx.domain_missing" in reasons(missing)


async def test_named_selector_missing_is_a_failure(mail_zone: ZoneData, psl) -> None:
    audit = await audit_domain(
        "acme.example",
        resolver=mail_zone.resolver(),
        selectors=["s2024"],
        psl=psl,
        probe_common_selectors=False,
    )
    dkim = audit.section("DKIM").checks
    assert [(c.reason, c.verdict) for c in dkim] == [("dkim.key_not_found", Verdict.FAIL)]


async def test_rounds_equal_dependency_depth(mail_zone: ZoneData, psl) -> None:
    counting = CountingResolver(LatencyResolver(mail_zone.resolver(), 0.02))
    await audit_domain("acme.example", resolver=CachingResolver(counting), psl=psl)
    assert counting.rounds == MX_DEPENDENCY_DEPTH
    assert len({(r.name, r.rtype) for r in counting.records}) == counting.queries  # no query twice
    first_round = counting.by_round()[1]
    for independent in (
        "MX acme.example",
        "TXT acme.example",
        "TXT _dmarc.acme.example",
        "TXT _mta-sts.acme.example",
    ):
        assert independent in first_round


async def test_invalid_domain_is_an_input_error_without_queries(mail_zone: ZoneData) -> None:
    resolver = mail_zone.resolver()
    audit = await audit_domain("exa mple..com", resolver=resolver)
    assert audit.input_error is not None and audit.checks[0].reason == "domain.invalid"
    assert resolver.queries == []


class ExplodingResolver:
    async def query(self, name: str, rtype: str) -> DnsAnswer:
        raise RuntimeError("resolver bug")


async def test_a_crashing_section_becomes_an_error_check(psl) -> None:
    audit = await audit_domain("acme.example", resolver=ExplodingResolver(), psl=psl)
    assert audit.checks and all(c.verdict is Verdict.ERROR for c in audit.checks)
    assert {c.reason for c in audit.checks} <= {"domain.section_failed", "dmarc.invalid_domain"} | {
        c.reason for c in audit.checks if c.reason.endswith(("temperror", "lookup_failed", "dns_error"))
    }


async def test_spf_include_depth_sets_the_rounds(psl) -> None:
    from checker.shared.dns.zone import ZoneResolver

    records = {
        ("deep.test", "TXT"): ["v=spf1 include:l1a.test include:l1b.test include:l1c.test -all"],
        ("l1a.test", "TXT"): ["v=spf1 include:l2.test ~all"],
        ("l1b.test", "TXT"): ["v=spf1 ip4:192.0.2.0/24 ~all"],
        ("l1c.test", "TXT"): ["v=spf1 a:host.l1c.test ~all"],
        ("l2.test", "TXT"): ["v=spf1 include:l3.test ~all"],
        ("l3.test", "TXT"): ["v=spf1 include:l4.test ~all"],
        ("l4.test", "TXT"): ["v=spf1 ip4:198.51.100.0/24 ~all"],
        ("host.l1c.test", "A"): ["192.0.2.9"],
        ("deep.test", "MX"): ["0 ."],
    }
    counting = CountingResolver(LatencyResolver(ZoneResolver(records=records), 0.02))
    audit = await audit_domain("deep.test", resolver=counting, psl=psl, probe_common_selectors=False)
    assert "spf.lookup_count" in reasons(audit)
    assert counting.rounds == 5  # deep.test -> l1a -> l2 -> l3 -> l4, every sibling asked together
