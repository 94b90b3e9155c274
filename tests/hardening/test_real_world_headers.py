"""Issue 9, real-world headers: Microsoft 365 and Gmail Authentication-Results, DKIM i= in
quoted-printable, empty bodies, pct=0 and key errors as permerror."""

from __future__ import annotations

from pathlib import Path

import dkim

from checker.analyses.headers.analyze import analyze_headers
from checker.mechanisms.authres.parse import AuthenticationResults, parse_authentication_results
from checker.mechanisms.dkim import verify_dkim
from checker.mechanisms.dkim.signature import decode_qp_identity, parse_signature
from checker.mechanisms.dmarc import RFC7489
from checker.mechanisms.dmarc.evaluate import verify_dmarc
from checker.shared.dns.zone import ZoneResolver
from checker.shared.orgdomain import default_public_suffixes

DATA = Path(__file__).resolve().parents[1] / "corpora" / "dkim" / "dkimpy-data"
PRIVATE = (DATA / "test.private").read_bytes()
KEY_NAME = "test._domainkey.example.com"
KEY_RECORD = (DATA / "test.txt").read_text().strip()
HEADERS = (
    b"From: Test User <test@example.com>\r\nTo: somebody@example.com\r\nSubject: Testing\r\n"
    b"Date: Mon, 01 Jan 2011 01:02:03 +0400\r\nMessage-ID: <example@example.com>\r\n"
)
NOW = 1_700_000_000


def _zone(**records: list[str]) -> ZoneResolver:
    base = {(KEY_NAME, "TXT"): [KEY_RECORD], ("_dmarc.example.com", "TXT"): ["v=DMARC1; p=reject"]}
    base.update({(name.replace("__", "."), "TXT"): values for name, values in records.items()})
    return ZoneResolver(records=base)


def _sign(message: bytes) -> bytes:
    include = [b"from", b"to", b"subject", b"date", b"message-id"]
    return dkim.sign(message, b"test", b"example.com", PRIVATE, include_headers=include) + message


# -- Authentication-Results as real servers write them ------------------------------------------------
M365 = (
    "spf=pass (sender IP is 40.107.1.1) smtp.mailfrom=x.com; contoso.com; dkim=pass (signature was "
    "verified) header.d=x.com;contoso.com; dmarc=pass action=none header.from=x.com;compauth=pass reason=100"
)
GMAIL = (
    "mx.google.com; dkim=pass header.i=@x.com header.s=s1 header.b=abc; spf=pass (google.com: domain of "
    "a@x.com designates 192.0.2.1 as permitted sender) smtp.mailfrom=a@x.com; gateway.spf=pass; "
    "dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=x.com"
)


def test_microsoft_365_receiving_domain_between_results_keeps_spf_dkim_dmarc() -> None:
    parsed = parse_authentication_results(M365)
    assert isinstance(parsed, AuthenticationResults)
    found = [(r.method, r.result) for r in parsed.results][:3]
    assert found == [("spf", "pass"), ("dkim", "pass"), ("dmarc", "pass")]
    assert parsed.by_method("dkim")[0].get("header", "d") == "x.com"
    assert any(p.startswith('Skipped "contoso.com"') for p in parsed.problems)


def test_gmail_gateway_spf_does_not_lose_the_header() -> None:
    parsed = parse_authentication_results(GMAIL)
    assert isinstance(parsed, AuthenticationResults)
    assert {r.method for r in parsed.results} == {"dkim", "spf", "dmarc"}
    assert any("gateway.spf=pass" in p for p in parsed.problems)


def test_every_readable_result_is_recovered_and_the_skipped_ones_named() -> None:
    parsed = parse_authentication_results(
        'mx.example; spf=pass smtp.mailfrom=a@x.com; dkim=pass header.d=x.com junk; bad result "unclosed; '
        "dmarc=fail header.from=x.com"
    )
    assert isinstance(parsed, AuthenticationResults)
    assert [r.method for r in parsed.results] == ["spf"]  # the rest is inside the unclosed quote
    parsed = parse_authentication_results("mx.example; spf=pass smtp.mailfrom=a@x.com; ???; dmarc=fail")
    assert [r.method for r in parsed.results] == ["spf", "dmarc"]
    assert any(p.startswith('Skipped "???"') for p in parsed.problems)


# -- DKIM i= is dkim-quoted-printable -----------------------------------------------------------------
def test_dkim_identity_is_quoted_printable() -> None:
    assert decode_qp_identity("jlong@messiah=2Eedu") == "jlong@messiah.edu"
    fields = parse_signature(
        b"DKIM-Signature",
        b"v=1; a=rsa-sha256; d=messiah.edu; s=s; h=from; bh=AAAA; i=jlong@messiah=2Eedu; b=AAAA",
        kind="dkim",
    )
    assert fields.problem is None and fields.identity == "jlong@messiah.edu"


# -- empty and absent bodies ---------------------------------------------------------------------------
async def test_separator_and_empty_body_hashes_the_empty_body() -> None:
    signed = _sign(HEADERS + b"\r\n")
    analysis = await analyze_headers(signed, resolver=_zone(), now=NOW)
    (signature,) = analysis.dkim.signatures
    assert (signature.result, signature.reason, signature.body_checked) == ("pass", "dkim.pass", True)
    assert "dmarc.pass_if_body_intact" not in {c.reason for c in analysis.checks}


async def test_absent_body_dmarc_passes_only_if_the_body_is_intact() -> None:
    signed = _sign(HEADERS + b"\r\nHello, world.\r\n")
    headers_only = signed.split(b"\r\n\r\n", 1)[0] + b"\r\n"
    analysis = await analyze_headers(headers_only, resolver=_zone(), now=NOW)
    assert analysis.dkim.signatures[0].reason == "dkim.pass_headers_only"
    assert analysis.dmarc is not None and analysis.dmarc.result == "pass"
    caveat = next(c for c in analysis.checks if c.reason == "dmarc.pass_if_body_intact")
    assert "only if the body is intact" in caveat.explanation
    assert "only if the body is intact" in analysis.summary.explanation


# -- DMARC pct=0 ---------------------------------------------------------------------------------------
async def test_pct_0_disposition_falls_to_the_next_lower_policy() -> None:
    psl = default_public_suffixes()
    for published, lower in (("reject", "quarantine"), ("quarantine", "none")):
        zone = ZoneResolver(records={("_dmarc.example.com", "TXT"): [f"v=DMARC1; p={published}; pct=0"]})
        evaluation = await verify_dmarc(
            "example.com", "fail", "example.com", [], resolver=zone, psl=psl, method=RFC7489
        )
        assert evaluation.result == "fail"
        assert evaluation.disposition == lower and evaluation.policy == lower
        assert "pct=0" in (evaluation.sampling or "")


# -- key errors are permerror (RFC 8601) ----------------------------------------------------------------
async def test_missing_revoked_and_small_keys_are_permerror() -> None:
    signed = _sign(HEADERS + b"\r\nbody\r\n")
    small = "v=DKIM1; k=rsa; p=MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAMWX8i6K6Yc1vTY0h3SGkFv3YF5iDGMmiYFpeoVqC6f3"
    cases = {
        "dkim.key_not_found": ZoneResolver(),
        "dkim.key_revoked": ZoneResolver(records={(KEY_NAME, "TXT"): ["v=DKIM1; p="]}),
        "dkim.key_invalid": ZoneResolver(records={(KEY_NAME, "TXT"): ["v=DKIM1; p=!!!"]}),
    }
    for reason, zone in cases.items():
        report = await verify_dkim(signed, resolver=zone, now=NOW)
        assert [(s.result, s.reason) for s in report.signatures] == [("permerror", reason)]
    report = await verify_dkim(signed, resolver=ZoneResolver(records={(KEY_NAME, "TXT"): [small]}), now=NOW)
    assert report.signatures[0].result == "permerror"
