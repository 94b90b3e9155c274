"""verify_arc behaviour beyond the cv value: which hop broke, oldest-pass, AAR summaries, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from checker.mechanisms.arc import verify_arc
from checker.shared.dns.model import DnsStatus
from checker.shared.dns.zone import ZoneResolver
from checker.shared.result import Verdict, to_json

SUITE_FILE = Path(__file__).resolve().parents[1] / "corpora" / "arc" / "arc-draft-validation-tests.yml"
SUITE = next(yaml.safe_load_all(SUITE_FILE.read_text()))  # the "Chain Validation" scenario
CHAIN = SUITE["tests"]
KEY = ("dummy._domainkey.example.org", "TXT")
RESOLVER_RECORDS = {KEY: ["".join(str(SUITE["txt-records"]["dummy._domainkey.example.org"]).split("\n"))]}


def resolver(**kw: object) -> ZoneResolver:
    return ZoneResolver(records=RESOLVER_RECORDS, **kw)


def message(test_id: str) -> bytes:
    return CHAIN[test_id]["message"].encode()


async def test_arc_pass_reports_every_hop_with_aar_summary() -> None:
    report = await verify_arc(message("cv_pass_i2_1"), resolver=resolver())
    assert (report.cv, report.reason, report.oldest_pass, report.broken_at) == ("pass", "arc.pass", 0, None)
    assert [s.instance for s in report.sets] == [1, 2]
    first = report.sets[0]
    assert first.auth_results is not None and first.auth_results.authserv_id == "lists.example.org"
    assert ("spf", "pass") in first.auth_results.results and ("dkim", "pass") in first.auth_results.results
    checks = report.to_checks()
    assert checks[0].verdict is Verdict.PASS and len(checks) == 3
    assert "lists.example.org" in checks[1].explanation
    to_json(report)


async def test_arc_oldest_pass_when_an_old_ams_no_longer_validates() -> None:
    report = await verify_arc(message("cv_pass_i2_1_ams1_invalid"), resolver=resolver())
    assert report.cv == "pass"
    assert report.oldest_pass == 2
    assert report.sets[0].ams_valid is False and report.sets[1].ams_valid is True


async def test_arc_names_the_hop_that_broke() -> None:
    broken_seal = await verify_arc(message("cv_fail_i2_as1_invalid"), resolver=resolver())
    assert (broken_seal.cv, broken_seal.reason, broken_seal.broken_at) == ("fail", "arc.seal_invalid", 1)
    newest_ams = await verify_arc(message("cv_fail_i2_ams_invalid"), resolver=resolver())
    assert (newest_ams.reason, newest_ams.broken_at) == ("arc.ams_invalid", 2)
    bad_cv = await verify_arc(message("cv_fail_i2_as2_none"), resolver=resolver())
    assert (bad_cv.reason, bad_cv.broken_at) == ("arc.bad_cv", 2)
    sealed_failed = await verify_arc(message("cv_fail_i2_as2_fail"), resolver=resolver())
    assert (sealed_failed.cv, sealed_failed.reason) == ("fail", "arc.sealed_as_failed")


async def test_arc_missing_field_is_structure_failure() -> None:
    report = await verify_arc(message("cv_fail_i2_ams_na"), resolver=resolver())
    assert (report.cv, report.reason) == ("fail", "arc.bad_structure")
    assert "ARC-Message-Signature" in report.explanation


async def test_arc_none_without_headers() -> None:
    report = await verify_arc(message("cv_base1"), resolver=resolver())
    assert (report.cv, report.reason) == ("none", "arc.none")
    assert report.to_checks()[0].verdict is Verdict.INFO


async def test_arc_body_change_breaks_newest_ams() -> None:
    report = await verify_arc(message("cv_pass_i1_1") + b"footer added by a gateway\n", resolver=resolver())
    assert (report.cv, report.reason) == ("fail", "arc.ams_invalid")
    assert "body" in report.explanation


async def test_arc_dns_timeout_is_could_not_check_with_the_query_named() -> None:
    # Issue 9: with DNS down, ARC must not say the message changed after the last forwarder sealed it.
    report = await verify_arc(message("cv_pass_i1_1"), resolver=resolver(failures={KEY: DnsStatus.TIMEOUT}))
    assert (report.cv, report.reason) == ("temperror", "arc.temperror")
    assert "dummy._domainkey.example.org" in report.explanation
    assert "changed after" not in report.explanation
    assert report.to_checks()[0].verdict is Verdict.ERROR


async def test_arc_too_many_instances_is_structure_failure() -> None:
    fields = b"".join(
        b"ARC-Seal: i=%d; cv=pass; a=rsa-sha256; d=example.org; s=dummy; b=AAAA\r\n"
        b"ARC-Message-Signature: i=%d; a=rsa-sha256; d=example.org; s=dummy; h=from; bh=AAAA; b=AAAA\r\n"
        b"ARC-Authentication-Results: i=%d; mx.example.org; spf=pass\r\n" % (i, i, i)
        for i in range(51, 0, -1)
    )
    zone = resolver()
    report = await verify_arc(fields + b"From: a@example.org\r\n\r\nbody\r\n", resolver=zone)
    assert (report.cv, report.reason) == ("fail", "arc.bad_structure")
    assert zone.queries == []


@pytest.mark.parametrize("raw", [b"", b"\x00\xff", "ARC-Seal: i=x\r\n\r\n", b"ARC-Seal: \xff\r\n\r\n"])
async def test_arc_garbage_input_never_raises(raw: bytes | str) -> None:
    report = await verify_arc(raw, resolver=resolver())
    assert report.cv in ("none", "fail") and report.explanation


async def test_arc_headers_only_checks_headers_and_says_body_unchecked() -> None:
    headers = message("cv_pass_i2_1").split(b"\n\n", 1)[0] + b"\n"
    report = await verify_arc(headers, resolver=resolver())
    assert report.cv == "pass"
    assert "only headers were pasted" in report.explanation
    assert report.evidence["body_checked"] is False


async def test_arc_accepts_parsed_message_like_input() -> None:
    class Pasted:
        raw = message("cv_pass_i1_1").replace(b"\n", b"\r\n")
        body = b"ignored"

    assert (await verify_arc(Pasted(), resolver=resolver())).cv == "pass"
