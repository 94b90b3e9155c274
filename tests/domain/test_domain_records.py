"""MTA-STS, TLS-RPT, BIMI and MX audits on small in-memory zones."""

from __future__ import annotations

import pytest

from checker.analyses.domain.mx import audit_mx, parse_mx
from checker.analyses.domain.records import audit_bimi, audit_mta_sts, audit_tls_rpt
from checker.shared.dns.model import DnsStatus
from checker.shared.dns.zone import ZoneResolver
from checker.shared.result import Verdict
from checker.shared.taglist import tag_values


def zone(records: dict, failures: dict | None = None) -> ZoneResolver:
    return ZoneResolver(records=records, failures=failures or {})


def reasons(result) -> list[str]:
    return [check.reason for check in result.checks]


def test_tag_values() -> None:
    assert tag_values("v=STSv1; id=abc ;x") == {"v": "STSv1", "id": "abc"}
    assert tag_values("v=BIMI1; l=https://a/b.svg?x=1; l=ignored")["l"] == "https://a/b.svg?x=1"


@pytest.mark.parametrize(
    ("txt", "expected"),
    [
        (["v=STSv1; id=20240101"], ["mta_sts.record_ok", "mta_sts.policy_not_fetched"]),
        (["v=STSv1; id=bad-id!"], ["mta_sts.bad_id", "mta_sts.policy_not_fetched"]),
        (["v=STSv1; id=a", "v=STSv1; id=b"], ["mta_sts.multiple_records"]),
        (["something else"], ["mta_sts.missing"]),
    ],
)
async def test_mta_sts(txt: list[str], expected: list[str]) -> None:
    resolver = zone({("_mta-sts.d.test", "TXT"): txt, ("mta-sts.d.test", "A"): ["192.0.2.1"]})
    assert reasons(await audit_mta_sts("d.test", resolver=resolver)) == expected


async def test_mta_sts_policy_host_and_dns_failure() -> None:
    no_host = zone({("_mta-sts.d.test", "TXT"): ["v=STSv1; id=1"]})
    assert "mta_sts.policy_host_missing" in reasons(await audit_mta_sts("d.test", resolver=no_host))
    failing = zone({}, {("_mta-sts.d.test", "TXT"): DnsStatus.SERVFAIL})
    result = await audit_mta_sts("d.test", resolver=failing)
    assert reasons(result) == ["mta_sts.lookup_failed"] and result.checks[0].verdict is Verdict.ERROR


@pytest.mark.parametrize(
    ("txt", "expected"),
    [
        (["v=TLSRPTv1; rua=mailto:tls@d.test"], "tls_rpt.ok"),
        (["v=TLSRPTv1; rua=mailto:a@d.test,https://r.d.test/x"], "tls_rpt.ok"),
        (["v=TLSRPTv1; rua=tls@d.test"], "tls_rpt.bad_rua"),
        (["v=TLSRPTv1"], "tls_rpt.bad_rua"),
        (["v=TLSRPTv1; rua=mailto:a@d.test", "v=TLSRPTv1; rua=mailto:b@d.test"], "tls_rpt.multiple_records"),
        ([], "tls_rpt.missing"),
    ],
)
async def test_tls_rpt(txt: list[str], expected: str) -> None:
    resolver = zone({("_smtp._tls.d.test", "TXT"): txt} if txt else {})
    assert reasons(await audit_tls_rpt("d.test", resolver=resolver)) == [expected]


@pytest.mark.parametrize(
    ("txt", "expected"),
    [
        ("v=BIMI1; l=https://d.test/l.svg; a=https://d.test/v.pem", ["bimi.record_ok"]),
        ("v=BIMI1; l=https://d.test/l.svg", ["bimi.record_ok", "bimi.no_certificate"]),
        (
            "v=BIMI1; l=https://d.test/l.svg; a=http://d.test/v.pem",
            ["bimi.record_ok", "bimi.certificate_not_https"],
        ),
        ("v=BIMI1; l=http://d.test/l.svg", ["bimi.logo_not_https"]),
        ("v=BIMI1; l=; a=;", ["bimi.declined"]),
    ],
)
async def test_bimi(txt: str, expected: list[str]) -> None:
    resolver = zone({("default._bimi.d.test", "TXT"): [txt]})
    assert reasons(await audit_bimi("d.test", resolver=resolver)) == expected


def test_parse_mx() -> None:
    assert parse_mx("10 MX.d.test.") == (10, "mx.d.test")
    assert parse_mx("0 .") == (0, ".")
    assert parse_mx("mx.d.test") is None


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        ({("d.test", "MX"): ["0 ."]}, ["mx.null_mx"]),
        ({("d.test", "MX"): ["0 .", "10 mx.d.test"]}, ["mx.null_mx_mixed"]),
        ({("d.test", "A"): ["192.0.2.1"]}, ["mx.implicit"]),
        ({("d.test", "TXT"): ["x"]}, ["mx.missing"]),
        ({}, ["mx.domain_missing"]),
    ],
)
async def test_mx_without_hosts(records: dict, expected: list[str]) -> None:
    assert reasons(await audit_mx("d.test", resolver=zone(records))) == expected


async def test_mx_host_problems() -> None:
    resolver = zone(
        {
            ("d.test", "MX"): ["10 192.0.2.7", "20 inside.d.test", "30 gone.d.test"],
            ("inside.d.test", "A"): ["10.0.0.5"],
        }
    )
    found = reasons(await audit_mx("d.test", resolver=resolver))
    assert {"mx.host_is_ip", "mx.host_private_address", "mx.host_no_address", "mx.ptr_missing"} <= set(found)
    # an MX host without PTR can still receive mail: a warning, not a failure
    audit = await audit_mx("d.test", resolver=resolver)
    assert next(c for c in audit.checks if c.reason == "mx.ptr_missing").verdict is Verdict.WARN


async def test_mx_lookup_failure_is_an_error() -> None:
    resolver = zone({}, {("d.test", "MX"): DnsStatus.TIMEOUT})
    audit = await audit_mx("d.test", resolver=resolver)
    assert reasons(audit) == ["mx.lookup_failed"] and audit.checks[0].verdict is Verdict.ERROR
