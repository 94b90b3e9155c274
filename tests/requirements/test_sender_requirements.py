"""Gmail, Yahoo and Outlook.com sender requirements, end to end on real signed messages and zone fixtures.

Every rule is driven to met, not met and could not check; DNS comes from
``tests/fixtures/zones/sender-requirements.yml`` (in memory, and once over the local DoH server).
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import dkim
import pytest
from dohserver import fixture_zone

from checker.analyses.headers.analyze import analyze_headers
from checker.analyses.requirements import RULE_ORDER, RULES, check_sender_requirements, evaluate_requirements
from checker.frontends.browser import sender_requirements_json
from checker.pasted.message import parse_pasted_message
from checker.shared.result import Verdict, to_json

DATA = Path(__file__).resolve().parents[1] / "corpora" / "dkim" / "dkimpy-data"
PRIVATE_KEY = (DATA / "test.private").read_bytes()
NOW = time.time()
TLS = "ESMTPS id 4Xyz12 (version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384 bits=256/256)"
PLAIN = "SMTP id 4Xyz12"
SIGNED = [b"from", b"to", b"subject", b"date", b"message-id", b"list-unsubscribe", b"list-unsubscribe-post"]
ONE_CLICK = (
    "List-Unsubscribe: <https://shop.example/u/42>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
)


def message(
    *,
    from_header: str = "Shop <news@shop.example>",
    d: str | None = "shop.example",
    return_path: str | None = "bounce@shop.example",
    ip: str | None = "203.0.113.25",
    received_with: str | None = TLS,
    unsubscribe: str = ONE_CLICK,
    extra: str = "",
    message_id: str | None = "<deal-42@shop.example>",
    signed: list[bytes] = SIGNED,
) -> str:
    """A message as the receiver shows it: its trace on top of what the sender wrote, DKIM-signed with d=."""
    head = (
        f"From: {from_header}\r\nTo: Alice <alice@inbox.example>\r\nSubject: Your November deals\r\n"
        "Date: Wed, 25 Nov 2026 09:59:58 +0000\r\n"
        + (f"Message-ID: {message_id}\r\n" if message_id else "")
        + unsubscribe
        + extra
        + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
    )
    sent = (head + "\r\nHello Alice,\r\n\r\nThis week's deals are in.\r\n").encode()
    if d is not None:
        sent = dkim.sign(sent, b"test", d.encode(), PRIVATE_KEY, include_headers=signed) + sent
    trace = f"Return-Path: <{return_path}>\r\n" if return_path else ""
    if ip:
        clause = f"with {received_with}" if received_with else "id 4Xyz12"
        trace += (
            f"Received: from mail.sender.example (mail.sender.example [{ip}])\r\n"
            f"\tby mx.inbox.example {clause};\r\n\tWed, 25 Nov 2026 10:00:02 +0000\r\n"
        )
    return (trace + sent.decode()).replace("\r\n", "\n")


@pytest.fixture(scope="module")
def zone():
    return fixture_zone("sender-requirements.yml")


async def run(text: str, zone, **options):
    return await check_sender_requirements(text, resolver=zone.resolver(), now=NOW, **options)


def outcomes(result, provider: str) -> dict[str, str]:
    group = next(g for g in result.providers if g.provider == provider)
    return {row.rule: row.outcome for row in group.rows}


def row(result, provider: str, rule: str):
    group = next(g for g in result.providers if g.provider == provider)
    return next(r for r in group.rows if r.rule == rule)


async def test_compliant_message_meets_every_checkable_rule(zone) -> None:
    result = await run(message(), zone)
    assert result.from_domain == "shop.example" and result.connecting_ip == "203.0.113.25"
    assert result.inputs == {"headers": True, "message": True, "domain_audit": True, "ip_check": True}
    for provider in ("gmail", "yahoo", "outlook"):
        unchecked = {rule for rule, outcome in outcomes(result, provider).items() if outcome != "met"}
        assert unchecked <= {"spam_rate", "unsubscribe"}, (provider, unchecked)
    assert row(result, "gmail", "spam_rate").verdict is Verdict.INFO
    assert "https://postmaster.google.com/" in row(result, "gmail", "spam_rate").explanation
    assert "Sender Hub" in row(result, "yahoo", "spam_rate").explanation
    assert row(result, "outlook", "unsubscribe").outcome == "could_not_check"
    assert row(result, "gmail", "unsubscribe").reason == "requirements.unsubscribe.met"
    assert "203.0.113.25" in row(result, "gmail", "reverse_dns").explanation
    assert "TLS" in row(result, "gmail", "tls").explanation
    gmail = result.providers[0]
    assert gmail.verdict is Verdict.PASS
    assert (
        gmail.summary == "Gmail: All senders: 6 of 7 met (1 could not be checked). Bulk senders: 5 of 5 met."
    )
    json.loads(to_json(result))


async def test_third_party_sender_without_alignment_tls_or_reverse_dns(zone) -> None:
    text = message(
        d="esp.example",
        return_path="bounces@esp.example",
        ip="203.0.113.26",
        received_with=PLAIN,
        unsubscribe="List-Unsubscribe: <mailto:unsub@esp.example?subject=42>\r\n",
    )
    result = await run(text, zone)
    gmail, yahoo, outlook = (outcomes(result, p) for p in ("gmail", "yahoo", "outlook"))
    assert gmail["spf_pass"] == gmail["dkim_pass"] == "met"
    assert gmail["dmarc_alignment"] == yahoo["dmarc_alignment"] == outlook["dmarc_alignment"] == "not_met"
    assert yahoo["dmarc_pass"] == "not_met"
    assert gmail["reverse_dns"] == yahoo["reverse_dns"] == "not_met"
    assert "does not resolve back" in row(result, "gmail", "reverse_dns").explanation
    assert gmail["tls"] == "not_met"
    assert gmail["unsubscribe"] == "not_met" and yahoo["unsubscribe"] == "met"
    assert "mailto" in row(result, "yahoo", "unsubscribe").explanation
    alignment = row(result, "gmail", "dmarc_alignment")
    assert alignment.verdict is Verdict.FAIL and "esp.example" in alignment.explanation
    assert "forwarded" in alignment.explanation
    assert result.providers[0].verdict is Verdict.FAIL
    assert "not met: " in result.providers[0].summary


async def test_unauthenticated_sender_without_dmarc(zone) -> None:
    text = message(
        from_header="News <news@nodmarc.example>",
        d=None,
        return_path="bounce@nodmarc.example",
        ip="203.0.113.27",
        received_with=None,
        unsubscribe="",
    )
    result = await run(text, zone)
    gmail, yahoo = outcomes(result, "gmail"), outcomes(result, "yahoo")
    assert gmail["spf_pass"] == gmail["dkim_pass"] == gmail["spf_or_dkim"] == "not_met"
    assert "softfail" in row(result, "gmail", "spf_pass").explanation
    assert "no DKIM-Signature" in row(result, "gmail", "dkim_pass").explanation
    assert gmail["dmarc_record"] == yahoo["dmarc_record"] == "not_met"
    assert yahoo["dmarc_pass"] == "not_met"
    assert gmail["reverse_dns"] == "not_met" and "no PTR" in row(result, "gmail", "reverse_dns").explanation
    assert gmail["tls"] == "could_not_check" and row(result, "gmail", "tls").verdict is Verdict.INFO
    assert gmail["unsubscribe"] == yahoo["unsubscribe"] == "not_met"
    assert "transactional" in row(result, "gmail", "unsubscribe").explanation


async def test_dmarc_record_without_policy(zone) -> None:
    text = message(
        from_header="<news@nopolicy.example>", d="nopolicy.example", return_path="b@nopolicy.example"
    )
    result = await run(text, zone)
    record_row = row(result, "gmail", "dmarc_record")
    assert record_row.outcome == "not_met" and "p=" in record_row.explanation
    assert row(result, "outlook", "dmarc_record").outcome == "not_met"


async def test_dns_failures_are_could_not_check_errors(zone) -> None:
    text = message(
        from_header="<news@flaky.example>",
        d="flaky.example",
        return_path="bounce@flaky.example",
        ip="203.0.113.28",
    )
    result = await run(text, zone)
    for rule in ("spf_pass", "dkim_pass", "spf_or_dkim", "dmarc_record", "reverse_dns"):
        checked = row(result, "gmail", rule)
        assert (checked.outcome, checked.verdict) == ("could_not_check", Verdict.ERROR), (rule, checked)
    assert row(result, "yahoo", "dmarc_pass").verdict is Verdict.ERROR
    assert row(result, "gmail", "dmarc_alignment").outcome == "could_not_check"
    assert result.providers[0].verdict is Verdict.ERROR


async def test_header_format_rules(zone) -> None:
    text = message(
        from_header="news@shop.example, sales@shop.example",
        extra="Subject: Again\r\n",
        message_id="not-an-id",
    )
    result = await run(text, zone)
    gmail = outcomes(result, "gmail")
    assert gmail["from_header"] == gmail["single_headers"] == gmail["message_id"] == "not_met"
    assert "2 addresses" in row(result, "gmail", "from_header").explanation
    assert "Subject (2 times)" in row(result, "gmail", "single_headers").explanation
    assert outcomes(result, "yahoo")["from_header"] == "not_met"
    assert (
        row(result, "outlook", "from_header").verdict is Verdict.WARN
    )  # a recommendation, not a requirement
    missing = await run(message(message_id=None), zone)
    assert row(missing, "gmail", "message_id").explanation == "The message has no Message-ID header."


async def test_one_click_headers_not_signed_is_not_rfc8058(zone) -> None:
    text = message(signed=[b"from", b"to", b"subject", b"date", b"message-id"])
    result = await run(text, zone)
    gmail_row = row(result, "gmail", "unsubscribe")
    assert gmail_row.outcome == "not_met" and "RFC 8058 section 4" in gmail_row.explanation
    assert (
        row(result, "yahoo", "unsubscribe").outcome == "met"
    )  # Yahoo asks for the header, not the signature


async def test_missing_inputs_are_could_not_check_info(zone) -> None:
    text = message()
    analysis = await analyze_headers(text, resolver=zone.resolver(), now=NOW)
    result = evaluate_requirements(analysis)
    assert result.inputs == {"headers": True, "message": False, "domain_audit": False, "ip_check": False}
    for rule in ("from_header", "single_headers", "message_id", "reverse_dns"):
        assert (row(result, "gmail", rule).outcome, row(result, "gmail", rule).verdict) == (
            "could_not_check",
            Verdict.INFO,
        )
    # Without the domain audit the message's own DMARC lookup still answers.
    assert row(result, "gmail", "dmarc_record").outcome == "met"
    # No DKIM verification and no receiver's record of one: unknown, not failed.
    blind = evaluate_requirements(dataclasses.replace(analysis, dkim=None, auth_results=()))
    assert row(blind, "gmail", "dkim_pass").outcome == "could_not_check"


async def test_paste_without_trace_headers(zone) -> None:
    text = message(return_path=None, ip=None)
    result = await run(text, zone)
    gmail = outcomes(result, "gmail")
    assert gmail["spf_pass"] == gmail["tls"] == gmail["reverse_dns"] == "could_not_check"
    assert gmail["dkim_pass"] == "met" and gmail["spf_or_dkim"] == "met"
    assert result.inputs["ip_check"] is False


async def test_no_from_domain_leaves_dmarc_rules_unchecked(zone) -> None:
    analysis = await analyze_headers(
        message(from_header="undisclosed-recipients:;"), resolver=zone.resolver()
    )
    result = evaluate_requirements(analysis, message=parse_pasted_message(message()))
    assert result.from_domain is None
    for rule in ("dmarc_record", "dmarc_alignment"):
        assert row(result, "gmail", rule).outcome == "could_not_check"
    assert row(result, "yahoo", "dmarc_pass").outcome == "could_not_check"


def test_matrix_shows_rules_side_by_side() -> None:
    stated = {(rule.provider, rule.rule) for rule in RULES}
    assert len(stated) == len(RULES)  # one row per provider and rule
    assert {rule.rule for rule in RULES} == set(RULE_ORDER)
    assert ("outlook", "spam_rate") not in stated and ("yahoo", "tls") not in stated


async def test_matrix_cells(zone) -> None:
    result = await run(message(), zone)
    cells = {row.rule: row.cells for row in result.matrix}
    assert list(cells) == list(RULE_ORDER)
    assert cells["spam_rate"] == {
        "gmail": "could_not_check",
        "yahoo": "could_not_check",
        "outlook": "not_stated",
    }
    assert cells["tls"]["yahoo"] == "not_stated" and cells["dmarc_pass"]["gmail"] == "not_stated"


async def test_reason_codes_and_links(zone) -> None:
    result = await run(message(), zone)
    for group in result.providers:
        for item in group.rows:
            assert item.reason == f"requirements.{item.rule}.{item.outcome}"
            assert item.source_url in group.pages
            assert item.explanation and item.requirement


async def test_browser_entry_point_refuses_bad_input(zone) -> None:
    empty = json.loads(await sender_requirements_json(json.dumps({"text": " "}), resolver=zone.resolver()))
    assert empty["ok"] is False and empty["error"]["reason"] == "input.empty"
    garbage = json.loads(
        await sender_requirements_json(json.dumps({"text": "no headers"}), resolver=zone.resolver())
    )
    assert garbage["ok"] is False
    flags = json.loads(
        await sender_requirements_json(
            json.dumps({"text": message(), "ip_check": 1}), resolver=zone.resolver()
        )
    )
    assert flags["ok"] is False and "ip_check" in flags["error"]["what"]


async def test_outlook_prefers_both_identifiers_aligned(zone) -> None:
    # Signed by the From domain, bounced through the ESP: only DKIM is aligned.
    text = message(return_path="bounces@esp.example", ip="203.0.113.26")
    result = await run(text, zone)
    outlook = row(result, "outlook", "dmarc_alignment")
    assert outlook.outcome == "met" and "only DKIM is" in outlook.explanation
    assert "prefers" not in row(result, "gmail", "dmarc_alignment").explanation
    assert row(result, "yahoo", "dmarc_pass").outcome == "met"
