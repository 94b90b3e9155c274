"""verify_dkim behaviour: verdicts, reason codes, headers-only, DNS trouble and hostile input."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import dkim
import pytest

from checker.mechanisms.dkim import verify_dkim
from checker.shared.dns.model import DnsStatus
from checker.shared.dns.zone import ZoneResolver
from checker.shared.result import Verdict, to_json

DATA = Path(__file__).resolve().parents[1] / "corpora" / "dkim" / "dkimpy-data"
PRIVATE = (DATA / "test.private").read_bytes()
KEY_NAME = "test._domainkey.example.com"
KEY_RECORD = (DATA / "test.txt").read_text().strip()
MESSAGE = (
    b"From: Test User <test@example.com>\r\nTo: somebody@example.com\r\nSubject: Testing\r\n"
    b"Date: Mon, 01 Jan 2011 01:02:03 +0400\r\nMessage-ID: <example@example.com>\r\n\r\n"
    b"This is a test message.\r\n"
)
NOW = 1_700_000_000


def sign(message: bytes = MESSAGE, **kw: object) -> bytes:
    kw.setdefault("include_headers", [b"from", b"to", b"subject", b"date", b"message-id"])
    return dkim.sign(message, b"test", b"example.com", PRIVATE, **kw) + message


def zone(record: str = KEY_RECORD, **kw: object) -> ZoneResolver:
    return ZoneResolver(records={(KEY_NAME, "TXT"): [record]}, **kw)


def with_signature(tags: str, message: bytes = MESSAGE) -> bytes:
    return b"DKIM-Signature: " + tags.encode() + b"\r\n" + message


VALID_TAGS = "v=1; a=rsa-sha256; d=example.com; s=test; h=from:to; bh=AAAA; b=AAAA"


async def test_dkim_valid_signature_passes_with_plain_explanation() -> None:
    report = await verify_dkim(sign(), resolver=zone(), now=NOW)
    (only,) = report.signatures
    assert (only.result, only.reason, only.body_checked) == ("pass", "dkim.pass", True)
    assert only.key_bits == 1024 and only.key_type == "rsa"
    assert report.passing_domains == ("example.com",)
    check = only.to_check()
    assert check.verdict is Verdict.PASS and "example.com" in check.explanation
    assert '"reason": "dkim.pass"' in to_json(report)


async def test_dkim_bare_lf_message_verifies_like_crlf() -> None:
    signed = sign()
    report = await verify_dkim(signed.replace(b"\r\n", b"\n"), resolver=zone(), now=NOW)
    assert report.signatures[0].reason == "dkim.pass"


@pytest.mark.parametrize("canon", [(b"simple", b"simple"), (b"relaxed", b"relaxed")])
async def test_dkim_headers_only_checks_header_signature(canon: tuple) -> None:
    signed = sign(canonicalize=canon)
    headers = signed.split(b"\r\n\r\n", 1)[0] + b"\r\n"
    report = await verify_dkim(headers, resolver=zone(), now=NOW)
    (only,) = report.signatures
    assert report.headers_only and not only.body_checked
    assert (only.result, only.reason) == ("pass", "dkim.pass_headers_only")
    assert "the body hash could not be checked because only headers were pasted" in only.explanation
    assert "header signature was checked" in only.explanation


async def test_dkim_headers_only_flag_ignores_a_body() -> None:
    report = await verify_dkim(sign() + b"changed body", resolver=zone(), headers_only=True, now=NOW)
    assert report.signatures[0].reason == "dkim.pass_headers_only"


async def test_dkim_parsed_message_like_input_headers_only() -> None:
    @dataclass(frozen=True)
    class Pasted:
        raw: bytes
        body: str | None

    headers = sign().split(b"\r\n\r\n", 1)[0] + b"\r\n"
    report = await verify_dkim(Pasted(headers, None), resolver=zone(), now=NOW)
    assert report.signatures[0].reason == "dkim.pass_headers_only"


async def test_dkim_headers_only_with_changed_header_fails_and_says_body_unchecked() -> None:
    headers = sign().split(b"\r\n\r\n", 1)[0].replace(b"Subject: Testing", b"Subject: [list] Testing")
    report = await verify_dkim(headers, resolver=zone(), now=NOW)
    (only,) = report.signatures
    assert (only.result, only.reason) == ("fail", "dkim.signature_mismatch")
    assert "only headers were pasted" in (only.detail or "")


async def test_dkim_body_changed_is_explained_for_non_experts() -> None:
    report = await verify_dkim(sign() + b"-- \r\nSent via the list\r\n", resolver=zone(), now=NOW)
    (only,) = report.signatures
    assert (only.result, only.reason) == ("fail", "dkim.body_hash_mismatch")
    assert "mailing lists, forwarders, footers or disclaimers" in only.explanation
    assert only.to_check().evidence["computed_body_hash"] != only.tags["bh"]


async def test_dkim_header_changed_is_signature_mismatch() -> None:
    report = await verify_dkim(
        sign().replace(b"Subject: Testing", b"Subject: Tested"), resolver=zone(), now=NOW
    )
    assert report.signatures[0].reason == "dkim.signature_mismatch"
    assert report.signatures[0].body_hash_ok is True


async def test_dkim_expired_signature_uses_now_parameter() -> None:
    message = with_signature(VALID_TAGS + "; t=1000; x=2000")
    report = await verify_dkim(message, resolver=zone(), now=NOW)
    assert (report.signatures[0].result, report.signatures[0].reason) == ("fail", "dkim.expired")
    assert "1970-01-01" in report.signatures[0].explanation
    later = await verify_dkim(message, resolver=zone(), now=1500)
    assert later.signatures[0].reason != "dkim.expired"


async def test_dkim_revoked_key() -> None:
    report = await verify_dkim(sign(), resolver=zone("v=DKIM1; k=rsa; p="), now=NOW)
    assert (report.signatures[0].result, report.signatures[0].reason) == ("permerror", "dkim.key_revoked")


async def test_dkim_key_not_found_nxdomain_and_nodata() -> None:
    nxdomain = await verify_dkim(sign(), resolver=ZoneResolver(), now=NOW)
    nodata = await verify_dkim(sign(), resolver=ZoneResolver(existing=[KEY_NAME]), now=NOW)
    for report in (nxdomain, nodata):
        assert report.signatures[0].reason == "dkim.key_not_found"
        assert KEY_NAME in report.signatures[0].explanation


@pytest.mark.parametrize("status", [DnsStatus.TIMEOUT, DnsStatus.SERVFAIL])
async def test_dkim_dns_failure_is_temperror_naming_the_query(status: DnsStatus) -> None:
    resolver = zone(failures={(KEY_NAME, "TXT"): status})
    report = await verify_dkim(sign(), resolver=resolver, now=NOW)
    (only,) = report.signatures
    assert (only.result, only.reason) == ("temperror", "dkim.temperror")
    assert KEY_NAME in only.explanation
    assert only.to_check().verdict is Verdict.ERROR


async def test_dkim_resolver_that_raises_is_temperror_not_crash() -> None:
    class Broken:
        async def query(self, name: str, rtype: str) -> None:
            raise RuntimeError("boom")

    report = await verify_dkim(sign(), resolver=Broken(), now=NOW)
    assert report.signatures[0].reason == "dkim.temperror"


@pytest.mark.parametrize(
    ("tags", "reason"),
    [
        ("v=1; a=rsa-sha256; d=example.com; s=test; h=from; b=AAAA", "dkim.missing_tag"),  # no bh=
        (VALID_TAGS.replace("v=1", "v=2"), "dkim.bad_version"),
        (VALID_TAGS.replace("rsa-sha256", "rsa-md5"), "dkim.unknown_algorithm"),
        (VALID_TAGS.replace("b=AAAA", "b=!!not*base64!!"), "dkim.malformed_signature"),
        (VALID_TAGS.replace("b=AAAA", "b=AAA"), "dkim.malformed_signature"),
        (VALID_TAGS.replace("h=from:to", "h=to:subject"), "dkim.from_not_signed"),
        (VALID_TAGS + "; i=@evil.example", "dkim.identity_mismatch"),
        (VALID_TAGS.replace("d=example.com", "d=exa mple.com"), "dkim.malformed_signature"),
        (VALID_TAGS + "; l=ten", "dkim.malformed_signature"),
        (VALID_TAGS + "; c=fancy/simple", "dkim.malformed_signature"),
        (VALID_TAGS + "; q=https", "dkim.malformed_signature"),
        (VALID_TAGS + "; t=50; x=10", "dkim.malformed_signature"),
        ("this is not a tag list", "dkim.malformed_signature"),
        (VALID_TAGS + "; d=example.org", "dkim.malformed_signature"),  # duplicate tag
    ],
)
async def test_dkim_malformed_signature_is_permerror(tags: str, reason: str) -> None:
    resolver = zone()
    report = await verify_dkim(with_signature(tags), resolver=resolver, now=NOW)
    (only,) = report.signatures
    assert (only.result, only.reason) == ("permerror", reason)
    assert only.explanation and only.to_check().verdict is Verdict.FAIL
    assert resolver.queries == []  # nothing is fetched for a signature that cannot be verified


async def test_dkim_rsa_sha1_is_flagged_obsolete() -> None:
    report = await verify_dkim(sign(signature_algorithm=b"rsa-sha1"), resolver=zone(), now=NOW)
    (only,) = report.signatures
    assert (only.result, only.reason) == ("policy", "dkim.sha1_obsolete")
    assert "RFC 8301" in only.explanation and not only.passed
    assert only.to_check().verdict is Verdict.WARN


async def test_dkim_key_too_small() -> None:
    small = (
        "v=DKIM1; k=rsa; p=MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAIWmlgix/84GJ+dfgjm7LTc9EPdfkftlgiPpCq4/"
        "kbDAZmU0VvYKDljj"
        "leJ1dfvS+CGy9U/kk1tG3EeEvb82xAcCAwEAAQ=="
    )
    report = await verify_dkim(sign(), resolver=zone(small), now=NOW)
    assert (report.signatures[0].reason, report.signatures[0].key_bits) == ("dkim.key_too_small", 512)


async def test_dkim_key_type_mismatch_is_key_invalid() -> None:
    ed_record = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
    report = await verify_dkim(sign(), resolver=zone(ed_record), now=NOW)
    assert report.signatures[0].reason == "dkim.key_invalid"
    assert "k=ed25519" in report.signatures[0].explanation


async def test_dkim_added_from_field_fails() -> None:
    report = await verify_dkim(b"From: attacker@evil.example\r\n" + sign(), resolver=zone(), now=NOW)
    assert report.signatures[0].reason == "dkim.extra_from"


async def test_dkim_body_length_limit_is_mentioned() -> None:
    report = await verify_dkim(sign(length=True), resolver=zone(), now=NOW)
    assert report.signatures[0].reason == "dkim.pass"
    assert "l=" in report.signatures[0].explanation


async def test_dkim_keys_fetched_once_and_concurrently() -> None:
    signed = sign()
    twice = dkim.sign(signed, b"test", b"example.com", PRIVATE, include_headers=[b"from"]) + signed
    resolver = zone()
    report = await verify_dkim(twice, resolver=resolver, now=NOW)
    assert [s.reason for s in report.signatures] == ["dkim.pass", "dkim.pass"]
    assert resolver.queries == [(KEY_NAME, "TXT")]


async def test_dkim_hostile_many_headers_and_signatures_is_bounded() -> None:
    junk = b"".join(b"X-Junk-%d: %s\r\n" % (i, b"a" * 50) for i in range(20_000))
    signatures = b"".join(with_signature(VALID_TAGS, b"") for _ in range(40))
    started = time.perf_counter()
    report = await verify_dkim(signatures + junk + MESSAGE, resolver=zone(), now=NOW)
    assert time.perf_counter() - started < 5
    assert len(report.signatures) == 20
    assert "dkim.too_many_signatures" in [c.reason for c in report.to_checks()]


async def test_dkim_huge_h_list_is_refused() -> None:
    tags = VALID_TAGS.replace("h=from:to", "h=from" + ":x" * 5000)
    report = await verify_dkim(with_signature(tags), resolver=zone(), now=NOW)
    assert report.signatures[0].reason == "dkim.malformed_signature"


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"   \r\n",
        b"\x00\xff\xfe garbage \x80",
        b"DKIM-Signature: \xff\xfe\r\n\r\n",
        b": no name\r\n\r\nbody",
    ],
)
async def test_dkim_garbage_input_never_raises(raw: bytes) -> None:
    report = await verify_dkim(raw, resolver=zone(), now=NOW)
    assert report.to_checks()
    to_json(report)


async def test_dkim_empty_input_is_a_clear_input_error() -> None:
    report = await verify_dkim(b"", resolver=zone(), now=NOW)
    assert report.input_error is not None and report.input_error.fix
    assert report.to_checks()[0].reason == "input.empty"


async def test_dkim_accepts_parsed_pasted_message() -> None:
    message_module = pytest.importorskip("checker.pasted.message")
    whole = message_module.parse_pasted_message(sign().replace(b"\r\n", b"\n"))
    assert (await verify_dkim(whole, resolver=zone(), now=NOW)).signatures[0].reason == "dkim.pass"
    headers = message_module.parse_pasted_message(sign().split(b"\r\n\r\n", 1)[0].decode())
    report = await verify_dkim(headers, resolver=zone(), now=NOW)
    assert report.signatures[0].reason == "dkim.pass_headers_only"


async def test_dkim_deeply_folded_header_stays_linear() -> None:
    # 300,000 continuation lines: joining folded lines must not be quadratic.
    folded = b"Subject: x" + b"\r\n y" * 300_000 + b"\r\n"
    started = time.perf_counter()
    report = await verify_dkim(folded + sign(), resolver=zone(), now=NOW)
    assert time.perf_counter() - started < 5
    assert report.signatures[0].reason == "dkim.pass"


async def test_dkim_testing_key_is_said() -> None:
    report = await verify_dkim(sign(), resolver=zone(KEY_RECORD + "; t=y"), now=NOW)
    assert report.signatures[0].key_testing
    assert "t=y" in report.signatures[0].explanation


async def test_dkim_unicode_domain_is_queried_as_a_label() -> None:
    tags = VALID_TAGS.replace("d=example.com", "d=bücher.example") + "; i=@bücher.example"
    resolver = ZoneResolver()
    report = await verify_dkim(with_signature(tags), resolver=resolver, now=NOW)
    assert resolver.queries == [("test._domainkey.xn--bcher-kva.example", "TXT")]
    assert report.signatures[0].reason == "dkim.key_not_found"
