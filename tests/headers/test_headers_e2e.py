"""End-to-end analyze_headers on realistic messages signed in the test with a dkimpy test key."""

from __future__ import annotations

import json
import time
from pathlib import Path

import dkim

from checker.analyses.headers.analyze import analyze_headers
from checker.shared.dns.model import DnsStatus
from checker.shared.dns.zone import ZoneResolver
from checker.shared.result import Verdict, to_json, to_jsonable

DATA = Path(__file__).resolve().parents[1] / "corpora" / "dkim" / "dkimpy-data"
PRIVATE_KEY = (DATA / "test.private").read_bytes()
PUBLIC_KEY = (DATA / "test.txt").read_text(encoding="utf-8").strip()
SENDER_IP = "185.12.64.10"
NOW = time.time()


def _signed(d: str, from_addr: str) -> str:
    """The sender's part of the message (what the sender wrote), DKIM-signed with d=."""
    head = (
        f"From: Shop Newsletter <{from_addr}>\r\n"
        "To: Alice <alice@inbox.example>\r\n"
        "Subject: Your November deals\r\n"
        "Date: Wed, 25 Nov 2026 09:59:58 +0000\r\n"
        "Message-ID: <deal-42@shop.example>\r\n"
        "List-Unsubscribe: <https://shop.example/u/42>, <mailto:unsub@shop.example?subject=42>\r\n"
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
    )
    body = "Hello Alice,\r\n\r\nThis week's deals are in.\r\n"
    message = (head + "\r\n" + body).encode()
    signature = dkim.sign(
        message,
        b"test",
        d.encode(),
        PRIVATE_KEY,
        canonicalize=(b"relaxed", b"relaxed"),
        include_headers=[
            b"from",
            b"to",
            b"subject",
            b"date",
            b"message-id",
            b"list-unsubscribe",
            b"list-unsubscribe-post",
        ],
    )
    return (signature + message).decode()


def _pasted(sender_part: str, return_path: str) -> str:
    receiver_part = (
        "Authentication-Results: mx1.inbox.example; spf=pass smtp.mailfrom=" + return_path + ";\r\n"
        "\tdkim=pass header.d=shop.example; dmarc=pass header.from=shop.example\r\n"
        f"Return-Path: <{return_path}>\r\n"
        f"Received: from mail.shop.example (mail.shop.example [{SENDER_IP}])\r\n"
        "\tby mx1.inbox.example (Postfix) with ESMTPS id 4Xyz12 for <alice@inbox.example>;\r\n"
        "\tWed, 25 Nov 2026 10:00:02 +0000\r\n"
        # Written by the sender below the receiver's trace: must never be trusted.
        "Authentication-Results: mx1.inbox.example; spf=pass smtp.mailfrom=x@shop.example; dmarc=pass\r\n"
    )
    return (receiver_part + sender_part).replace("\r\n", "\n")


def _zone(**extra) -> ZoneResolver:
    zone = ZoneResolver(
        records={
            ("test._domainkey.shop.example", "TXT"): [PUBLIC_KEY],
            ("test._domainkey.esp.example", "TXT"): [PUBLIC_KEY],
            ("_dmarc.shop.example", "TXT"): ["v=DMARC1; p=reject; rua=mailto:dmarc@shop.example"],
            ("mail.shop.example", "TXT"): [f"v=spf1 ip4:{SENDER_IP} -all"],
            ("esp.example", "TXT"): [f"v=spf1 ip4:{SENDER_IP} -all"],
            ("shop.example", "A"): ["185.12.64.1"],
            ("mail.shop.example", "A"): [SENDER_IP],
        },
        **extra,
    )
    return zone


def _check(analysis, reason: str):
    return [c for c in analysis.checks if c.reason == reason]


async def test_aligned_message_passes():
    text = _pasted(_signed("shop.example", "news@shop.example"), "bounce@mail.shop.example")
    analysis = await analyze_headers(text, resolver=_zone(), now=NOW)
    assert analysis.summary.verdict is Verdict.PASS, analysis.summary
    assert analysis.dmarc.result == "pass"
    assert analysis.from_domains == ("shop.example",)
    assert analysis.mail_from == "bounce@mail.shop.example"
    assert analysis.connecting_ip == SENDER_IP
    assert [s.result for s in analysis.dkim.signatures] == ["pass"]
    dkim_row = next(r for r in analysis.alignment if r.source == "dkim")
    assert dkim_row.strict and dkim_row.aligned
    spf_row = next(r for r in analysis.alignment if r.source == "spf")
    assert spf_row.relaxed and not spf_row.strict and spf_row.aligned
    assert str(analysis.spf.result) == "pass"
    trusted = [e for e in analysis.auth_results if e.trusted]
    assert len(trusted) == 1 and trusted[0].position == 0
    forged = [e for e in analysis.auth_results if not e.trusted]
    assert len(forged) == 1 and "forged" in forged[0].why
    assert not [c for c in analysis.checks if c.verdict is Verdict.ERROR], analysis.checks
    json.loads(to_json(analysis))  # the whole result serialises


async def test_dmarc_fail_dominates_a_passing_third_party_signature():
    text = _pasted(_signed("esp.example", "news@shop.example"), "bounces@esp.example")
    analysis = await analyze_headers(text, resolver=_zone(), now=NOW)
    assert [s.result for s in analysis.dkim.signatures] == ["pass"]  # esp.example's own signature is fine
    assert analysis.dmarc.result == "fail"
    assert analysis.dmarc.policy == "reject"
    assert analysis.summary.verdict is Verdict.FAIL
    assert "esp.example" in analysis.summary.explanation
    assert any("d=shop.example" in fix for fix in analysis.dmarc.fixes)
    assert any("Return-Path" in fix for fix in analysis.dmarc.fixes)
    # The receiver's AR said dmarc=pass; our re-check disagrees and says so.
    assert _check(analysis, "dmarc.receiver_disagrees")


async def test_dns_failure_becomes_error_and_rest_goes_on():
    text = _pasted(_signed("shop.example", "news@shop.example"), "bounce@mail.shop.example")
    zone = _zone(failures={("_dmarc.shop.example", "TXT"): DnsStatus.SERVFAIL})
    analysis = await analyze_headers(text, resolver=zone, now=NOW)
    assert analysis.dmarc.result == "temperror"
    assert analysis.summary.verdict is Verdict.ERROR
    # The headline in words, not the RFC's "temperror".
    assert analysis.summary.headline == "DMARC could not be checked for shop.example (a DNS lookup failed)"
    assert [s.result for s in analysis.dkim.signatures] == ["pass"]


async def test_a_failed_recheck_neither_confirms_nor_contradicts_the_receiver():
    # The receiver recorded dmarc=pass; our DMARC lookup failed, which says nothing about a change.
    text = _pasted(_signed("shop.example", "news@shop.example"), "bounce@mail.shop.example")
    zone = _zone(failures={("_dmarc.shop.example", "TXT"): DnsStatus.TIMEOUT})
    analysis = await analyze_headers(text, resolver=zone, now=NOW)
    assert analysis.dmarc.result == "temperror"
    assert not _check(analysis, "dmarc.receiver_disagrees")
    [unconfirmed] = _check(analysis, "dmarc.receiver_unconfirmed")
    assert "may have changed" not in unconfirmed.explanation
    assert "dmarc=pass" in unconfirmed.explanation and "DNS lookup failed" in unconfirmed.explanation


class _ExplodingResolver:
    async def query(self, name: str, rtype: str):
        raise RuntimeError("network unreachable")


async def test_resolver_that_raises_does_not_escape():
    text = _pasted(_signed("shop.example", "news@shop.example"), "bounce@mail.shop.example")
    analysis = await analyze_headers(text, resolver=_ExplodingResolver(), now=NOW)
    assert analysis.summary.verdict in (Verdict.ERROR, Verdict.FAIL)
    to_jsonable(analysis)


async def test_garbage_input_is_refused_clearly():
    analysis = await analyze_headers("hello, this is not an email", resolver=_zone(), now=NOW)
    assert analysis.summary.verdict is Verdict.ERROR
    assert analysis.problems and analysis.problems[0].fix


async def test_missing_from_is_reported():
    text = (
        "Received: from a.example (a.example [185.12.64.10]) by mx.example; Wed, 25 Nov 2026 10:00:02 +0000\n"
        "Subject: no author\n"
    )
    analysis = await analyze_headers(text, resolver=_zone(), now=NOW)
    assert analysis.summary.verdict is Verdict.ERROR
    assert analysis.summary.headline == "No usable From address"


async def test_headers_only_paste_still_analyses():
    text = _pasted(_signed("shop.example", "news@shop.example"), "bounce@mail.shop.example")
    headers_only = text.split("\n\n", 1)[0] + "\n"
    analysis = await analyze_headers(headers_only, resolver=_zone(), now=NOW)
    assert analysis.dkim.headers_only is True
    assert analysis.dmarc is not None and analysis.dmarc.result in ("pass", "fail")
    assert analysis.summary.verdict in (Verdict.PASS, Verdict.FAIL)


async def test_no_public_hop_falls_back_to_receiver_spf():
    sender = _signed("esp.example", "news@shop.example")
    text = (
        "Authentication-Results: mx1.inbox.example; spf=pass smtp.mailfrom=bounce@mail.shop.example\n"
        "Received: from relay.internal (relay.internal [10.0.0.5]) by mx1.inbox.example; "
        "Wed, 25 Nov 2026 10:00:02 +0000\n" + sender.replace("\r\n", "\n")
    )
    analysis = await analyze_headers(text, resolver=_zone(), now=NOW)
    assert analysis.spf is None
    assert [c for c in analysis.checks if c.reason == "headers.spf_not_rechecked"]
    spf_row = next(r for r in analysis.alignment if r.source == "spf")
    assert spf_row.domain == "mail.shop.example" and spf_row.aligned
    assert analysis.dmarc.result == "pass"


async def test_several_authors_strictest_verdict_wins():
    sender = _signed("shop.example", "news@shop.example").replace(
        "From: Shop Newsletter <news@shop.example>", "From: Shop <news@shop.example>, Other <x@other.example>"
    )
    zone = _zone()
    zone.add("_dmarc.other.example", "TXT", "v=DMARC1; p=reject")
    analysis = await analyze_headers(_pasted(sender, "bounce@mail.shop.example"), resolver=zone, now=NOW)
    assert analysis.from_domains == ("shop.example", "other.example")
    assert analysis.dmarc.from_domain == "other.example" and analysis.dmarc.result == "fail"
    assert analysis.notes and "2 authors" in analysis.notes[0]
