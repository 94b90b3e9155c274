"""audit_dmarc: one check per finding, with stable reason codes."""

from checker.mechanisms.dmarc import audit_dmarc
from checker.shared.dns.model import DnsStatus
from checker.shared.dns.zone import ZoneResolver
from checker.shared.orgdomain import PublicSuffixes
from checker.shared.result import Verdict, to_json

PSL = PublicSuffixes()


async def _audit(record=None, domain="example.com", **zone_kw):
    records = dict(zone_kw.pop("records", {}))
    if record is not None:
        records[("_dmarc.example.com", "TXT")] = record if isinstance(record, list) else [record]
    return await audit_dmarc(domain, resolver=ZoneResolver(records=records, **zone_kw), psl=PSL)


def _by_reason(audit):
    return {check.reason: check for check in audit.checks}


async def test_no_record_fails_with_a_suggested_record():
    audit = await _audit()
    check = _by_reason(audit)["dmarc.no_record"]
    assert check.verdict is Verdict.FAIL
    assert check.evidence["suggested_record"] == "v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com"


async def test_monitoring_only_partial_pct_and_weak_sp():
    audit = await _audit("v=DMARC1; p=none; rua=mailto:d@example.com")
    assert _by_reason(audit)["dmarc.monitoring_only"].verdict is Verdict.WARN
    audit = await _audit("v=DMARC1; p=reject; sp=none; np=quarantine; pct=50; rua=mailto:d@example.com")
    reasons = _by_reason(audit)
    assert reasons["dmarc.enforced"].verdict is Verdict.PASS
    assert reasons["dmarc.partial_pct"].verdict is Verdict.WARN
    assert reasons["dmarc.sp_weaker"].verdict is Verdict.WARN
    assert reasons["dmarc.np_weaker"].verdict is Verdict.WARN
    assert reasons["dmarc.removed_in_rfc9989"].verdict is Verdict.INFO


async def test_no_rua_warns():
    assert _by_reason(await _audit("v=DMARC1; p=reject"))["dmarc.no_rua"].verdict is Verdict.WARN


async def test_multiple_records_fail():
    audit = await _audit(["v=DMARC1; p=reject", "v=DMARC1; p=none"])
    assert _by_reason(audit)["dmarc.multiple_records"].verdict is Verdict.FAIL


async def test_syntax_errors_are_reported_with_position():
    audit = await _audit("v=DMARC1; p=none; reject; foo=1")
    reasons = _by_reason(audit)
    assert reasons["dmarc.syntax_error"].verdict is Verdict.FAIL
    assert reasons["dmarc.syntax_error"].evidence["position"] == 18
    assert reasons["dmarc.unknown_tag"].verdict is Verdict.INFO


async def test_missing_p():
    audit = await _audit("v=DMARC1; rua=mailto:d@example.com")
    assert _by_reason(audit)["dmarc.p_missing"].verdict is Verdict.WARN


async def test_external_report_destinations():
    record = (
        "v=DMARC1; p=reject; rua=mailto:a@reports.example.net,mailto:b@vendor.example; "
        "ruf=mailto:c@example.com"
    )
    audit = await _audit(
        record,
        records={
            ("example.com._report._dmarc.reports.example.net", "TXT"): ["v=DMARC1"],
        },
    )
    by_uri = {item.uri: item for item in audit.report_authorizations}
    assert set(by_uri) == {"mailto:a@reports.example.net", "mailto:b@vendor.example"}  # own domain skipped
    assert by_uri["mailto:a@reports.example.net"].authorized is True
    assert by_uri["mailto:b@vendor.example"].authorized is False
    assert by_uri["mailto:b@vendor.example"].query_name == "example.com._report._dmarc.vendor.example"
    reasons = _by_reason(audit)
    assert reasons["dmarc.rua_unauthorized"].verdict is Verdict.FAIL
    assert reasons["dmarc.report_auth_ok"].verdict is Verdict.PASS


async def test_report_authorization_dns_failure_is_error():
    audit = await _audit(
        "v=DMARC1; p=reject; rua=mailto:a@vendor.example",
        failures={("example.com._report._dmarc.vendor.example", "TXT"): DnsStatus.TIMEOUT},
    )
    assert audit.report_authorizations[0].authorized is None
    assert _by_reason(audit)["dmarc.report_auth_dns_error"].verdict is Verdict.ERROR


async def test_dns_failure_and_invalid_domain():
    audit = await _audit(failures={("_dmarc.example.com", "TXT"): DnsStatus.SERVFAIL})
    assert _by_reason(audit)["dmarc.dns_error"].verdict is Verdict.ERROR
    audit = await audit_dmarc("exa mple.com", resolver=ZoneResolver(), psl=PSL)
    assert _by_reason(audit)["dmarc.invalid_domain"].verdict is Verdict.ERROR


async def test_inherited_record_and_method_difference():
    audit = await audit_dmarc(
        "a.b.example.com",
        resolver=ZoneResolver(
            records={
                ("_dmarc.b.example.com", "TXT"): ["v=DMARC1; p=reject; psd=n; rua=mailto:d@example.com"],
                ("_dmarc.example.com", "TXT"): ["v=DMARC1; p=none; rua=mailto:d@example.com"],
            }
        ),
        psl=PSL,
    )
    reasons = _by_reason(audit)
    assert reasons["dmarc.inherited"].verdict is Verdict.INFO
    assert reasons["dmarc.methods_differ"].verdict is Verdict.INFO
    to_json(audit)
