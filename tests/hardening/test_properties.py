"""Issue 9, evidence: property-based tests. Every paste parser, given any text, ends with a result or a
structured error (never an exception), quickly. A small budget here; ``scripts/fuzz.py`` runs longer."""

from __future__ import annotations

import asyncio
import ipaddress
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.analyses.headers.analyze import HeadersAnalysis, analyze_headers
from checker.analyses.ip import parse_address
from checker.mechanisms.arc import verify_arc
from checker.mechanisms.authres.parse import (
    AuthenticationResults,
    parse_arc_authentication_results,
    parse_authentication_results,
)
from checker.mechanisms.dkim.keys import DkimKey, parse_key_record
from checker.mechanisms.dkim.signature import SignatureFields, parse_signature
from checker.mechanisms.dmarc.author import author_domains
from checker.mechanisms.dmarc.record import DmarcRecord, parse_dmarc_record
from checker.mechanisms.spf.macros import MacroContext, expand, parse_macro_string
from checker.mechanisms.spf.syntax import SpfRecord, parse_record
from checker.pasted.bounce.model import BounceReport
from checker.pasted.bounce.parse import parse_bounce
from checker.pasted.message import ParsedMessage, parse_pasted_message
from checker.pasted.received.chain import parse_received_chain
from checker.pasted.received.hop import parse_received
from checker.shared.dns.names import normalize_domain
from checker.shared.dns.zone import ZoneResolver
from checker.shared.result import InputError

SETTINGS = settings(
    max_examples=50, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
# Text that looks like mail: header syntax, folding, separators, nesting and hostile characters mixed in.
TOKENS = st.sampled_from(
    [
        "Received: ", "from ", "by ", "with ESMTPS ", "id ", "for ", "; ", "(", ")", "[", "]", "<", ">",
        "From: ", "To: ", "Subject: ", "DKIM-Signature: ", "ARC-Seal: ", "ARC-Message-Signature: ",
        "ARC-Authentication-Results: ", "Authentication-Results: ", "v=1; ", "a=rsa-sha256; ", "d=", "s=",
        "h=from:to; ", "bh=", "b=", "i=", "cv=pass; ", "spf=pass ", "dkim=fail ", "dmarc=pass ",
        "smtp.mailfrom=", "header.d=", "example.com", "@", ":", ",", ";", "\"", "\\", "=", "=2E",
        "=?utf-8?B?", "?=", "\r\n", "\n", "\r", "\r\n\t", "\r\n ", "\r\n\r\n", " ", "\t", "\x00", "\x0c",
        "\x1b[31m",
        "\u00b2", "\u202e", "\udcff", "192.0.2.1", "2001:db8::1", "550 5.1.1 ", "Diagnostic-Code: smtp; ",
        "Content-Type: multipart/report; boundary=B\n", "--B\n", "Content-Type: message/delivery-status\n",
        "Final-Recipient: rfc822; ", "Action: failed\n", "Status: 5.1.1\n", "g:", "((", "))", "9" * 30,
    ]
)
MAILISH = st.one_of(st.lists(TOKENS, max_size=60).map("".join), st.text(max_size=400))
RECORDISH = st.one_of(
    st.lists(
        st.sampled_from(
            [
                "v=spf1", "v=DMARC1", "v=DKIM1", " ", ";", "=", "p=", "reject", "none", "pct=", "0", "100",
                "rua=mailto:a@b.example", "k=rsa", "k=ed25519", "t=s", "h=sha256", "p=MIIB", "include:",
                "a", "mx", "ip4:", "192.0.2.0/24", "/", "ip6:", "::1/128", "-all", "~all", "redirect=",
                "exp=", "%{", "}", "%{ir}", "%{d2}", "%{l-}", "%%", "%_", "%-", "exists:", "\u00b2", "9" * 50,
                "\x00", "sp=", "adkim=s", "aspf=r", "np=", "t=y", "fo=1", "ri=", ".", "example.com",
            ]
        ),
        max_size=40,
    ).map("".join),
    st.text(max_size=300),
)


def _quick(work, limit: float = 2.0):
    start = time.process_time()
    result = work()
    assert time.process_time() - start < limit
    return result


@SETTINGS
@given(MAILISH)
def test_message_parser_never_raises(text: str) -> None:
    assert isinstance(_quick(lambda: parse_pasted_message(text)), ParsedMessage)


@SETTINGS
@given(MAILISH)
def test_headers_analysis_never_raises(text: str) -> None:
    analysis = _quick(lambda: asyncio.run(analyze_headers(text, resolver=ZoneResolver())), 5.0)
    assert isinstance(analysis, HeadersAnalysis)


@SETTINGS
@given(MAILISH)
def test_received_parsers_never_raise(text: str) -> None:
    parse_received(text)
    parse_received_chain(parse_pasted_message("Received: " + text).headers)


@SETTINGS
@given(MAILISH)
def test_authentication_results_parsers_never_raise(text: str) -> None:
    for parser in (parse_authentication_results, parse_arc_authentication_results):
        assert isinstance(parser(text), (AuthenticationResults, InputError))
    assert isinstance(parse_arc_authentication_results("i=1; " + text), (AuthenticationResults, InputError))


@SETTINGS
@given(MAILISH, RECORDISH)
def test_dkim_signature_and_key_parsers_never_raise(text: str, record: str) -> None:
    value = text.encode("utf-8", "surrogatepass")
    for kind in ("dkim", "ams", "as"):
        assert isinstance(parse_signature(b"DKIM-Signature", value, kind=kind), SignatureFields)
    assert isinstance(parse_key_record(record), DkimKey)


@SETTINGS
@given(MAILISH)
def test_arc_verification_never_raises(text: str) -> None:
    raw = f"ARC-Seal: i=1; {text}\r\nARC-Message-Signature: i=1; {text}\r\nFrom: a@b.example\r\n\r\nx\r\n"
    report = asyncio.run(verify_arc(raw.encode("utf-8", "surrogatepass"), resolver=ZoneResolver()))
    assert report.cv in ("none", "pass", "fail", "temperror")


@SETTINGS
@given(RECORDISH)
def test_dmarc_and_spf_records_never_raise(record: str) -> None:
    assert isinstance(parse_dmarc_record(record), DmarcRecord)
    assert isinstance(parse_record(record), SpfRecord)


CONTEXT = MacroContext(
    sender="user@example.com",
    local_part="user",
    sender_domain="example.com",
    domain="example.com",
    ip=ipaddress.ip_address("192.0.2.1"),
    helo="mx.example.com",
    receiver="mx.example.net",
    now=1_700_000_000,
)


@SETTINGS
@given(RECORDISH, st.booleans())
def test_spf_macros_never_raise(text: str, explanation: bool) -> None:
    tokens, error = parse_macro_string(text, explanation=explanation, allow_space=True)
    if error is None:
        assert isinstance(_quick(lambda: expand(tokens, CONTEXT)), str)


@SETTINGS
@given(MAILISH)
def test_bounce_parser_never_raises(text: str) -> None:
    assert isinstance(_quick(lambda: parse_bounce(text)), BounceReport)
    assert isinstance(parse_bounce(text.encode("utf-8", "surrogatepass")), BounceReport)


@SETTINGS
@given(
    st.one_of(
        st.text(max_size=80), st.ip_addresses().map(str), st.sampled_from(["::ffff:192.0.2.1", "1.2.3"])
    )
)
def test_ip_and_domain_input_never_raise(text: str) -> None:
    parse_address(text)
    normalize_domain(text)


@SETTINGS
@given(MAILISH)
def test_from_parser_never_raises(text: str) -> None:
    author_domains([text])
