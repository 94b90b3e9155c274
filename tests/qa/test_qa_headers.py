"""QA: the headers analysis on realistic pastes, judged as a deliverability engineer would."""

from __future__ import annotations

from checker.analyses.headers.analyze import analyze_headers
from checker.mechanisms.authres.parse import AuthenticationResults, parse_authentication_results
from checker.mechanisms.authres.trust import classify_auth_results
from checker.mechanisms.dmarc.author import author_domains
from checker.pasted.message import parse_pasted_message
from checker.shared.dns.model import DnsStatus
from checker.shared.dns.zone import ZoneResolver
from checker.shared.result import Verdict, to_json

M365_AR = (
    "spf=pass (sender IP is 192.0.2.50) smtp.mailfrom=lists.example; dkim=fail (body hash did not "
    "verify) header.d=contoso.example;dmarc=fail action=oreject header.from=contoso.example;"
    "compauth=pass reason=130"
)


def _reasons(analysis) -> set[str]:
    return {check.reason for check in analysis.checks}


async def test_gmail_show_original_platform_dkim_does_not_hide_dmarc_fail(qa_zone, paste) -> None:
    analysis = await analyze_headers(paste("gmail_esp.txt"), resolver=qa_zone)
    summary = analysis.summary
    assert summary.verdict is Verdict.FAIL
    assert summary.headline == "DMARC fails for shop.example"
    assert "p=reject" in summary.explanation
    assert "DKIM for d=esp.example passed" in summary.explanation
    assert "d=shop.example" in summary.explanation  # says what to change
    dkim = [c for c in analysis.checks if c.name.startswith("DKIM signature")]
    assert [c.reason for c in dkim] == ["dkim.pass"]
    spf = next(c for c in analysis.checks if c.name == "SPF")
    assert spf.verdict is Verdict.PASS and "em.esp.example" in spf.explanation
    assert analysis.connecting_ip == "203.0.113.25"
    to_json(analysis)


async def test_gmail_paste_crlf_and_lf_agree(qa_zone, paste) -> None:
    lf = await analyze_headers(paste("gmail_esp.txt"), resolver=qa_zone)
    crlf = await analyze_headers(paste("gmail_esp.txt").replace(b"\n", b"\r\n"), resolver=qa_zone)
    assert lf.summary == crlf.summary
    assert [(c.reason, c.verdict) for c in lf.checks] == [(c.reason, c.verdict) for c in crlf.checks]


def test_microsoft_365_authentication_results_without_authserv_id_is_read() -> None:
    parsed = parse_authentication_results(M365_AR)
    assert isinstance(parsed, AuthenticationResults)
    assert parsed.authserv_id == ""
    assert [(r.method, r.result) for r in parsed.results] == [
        ("spf", "pass"),
        ("dkim", "fail"),
        ("dmarc", "fail"),
        ("compauth", "pass"),
    ]
    assert parsed.results[0].get("smtp", "mailfrom") == "lists.example"
    assert any("authserv-id" in problem for problem in parsed.problems)


def test_microsoft_365_authentication_results_is_trusted_between_its_own_hops(paste) -> None:
    message = parse_pasted_message(paste("m365_arc_list.eml"))
    entries = classify_auth_results(message.headers)
    top = next(e for e in entries if e.header == "Authentication-Results")
    assert top.error is None
    assert top.trusted


async def test_mailing_list_with_valid_arc_says_receivers_may_still_deliver(qa_zone, paste) -> None:
    analysis = await analyze_headers(paste("m365_arc_list.eml"), resolver=qa_zone)
    assert analysis.summary.verdict is Verdict.FAIL  # DMARC still fails
    assert "authres.unparseable" not in _reasons(analysis)
    assert "arc.pass" in _reasons(analysis)
    assert "dkim.body_hash_mismatch" in _reasons(analysis)
    assert "valid ARC seal" in analysis.summary.explanation
    assert "lists.example" in analysis.summary.explanation


async def test_forwarded_with_footer_fails_with_body_changed(qa_zone, paste) -> None:
    analysis = await analyze_headers(paste("forwarded_footer.eml"), resolver=qa_zone)
    assert analysis.summary.headline == "DMARC fails for shop.example"
    assert "dkim.body_hash_mismatch" in _reasons(analysis)
    assert "valid ARC seal" not in analysis.summary.explanation
    # The fix names the cause (the body changed), not a generic "check the published key".
    assert "body changed after signing" in analysis.summary.explanation
    assert "check the published key" not in analysis.summary.explanation
    chain = next(c for c in analysis.checks if c.reason == "headers.hops")
    assert "47 min" in chain.explanation and "relay.forward.example" in chain.explanation


async def test_helo_pass_without_envelope_sender_does_not_authenticate_from(qa_zone, paste) -> None:
    # No Return-Path in the paste: the HELO stands in for MAIL FROM only when MAIL FROM is null.
    analysis = await analyze_headers(paste("helo_only.txt"), resolver=qa_zone)
    assert analysis.dmarc is not None and analysis.dmarc.result != "pass"
    assert analysis.summary.verdict is not Verdict.PASS
    assert "headers.spf_helo_only" in _reasons(analysis)


async def test_null_return_path_still_uses_helo_for_dmarc(qa_zone, paste) -> None:
    text = b"Return-Path: <>\n" + paste("helo_only.txt")
    analysis = await analyze_headers(text, resolver=qa_zone)
    assert analysis.dmarc is not None and analysis.dmarc.result == "pass"
    assert "headers.spf_helo_only" not in _reasons(analysis)


async def test_headers_only_paste_checks_header_signature(qa_zone, paste) -> None:
    headers = paste("gmail_esp.txt").split(b"\n\nHi Alice", 1)[0] + b"\n"
    analysis = await analyze_headers(headers, resolver=qa_zone)
    assert "dkim.pass_headers_only" in _reasons(analysis)
    assert analysis.summary.headline == "DMARC fails for shop.example"


def test_from_with_old_style_comment_holding_a_comma_has_a_domain() -> None:
    authors = author_domains(["j.doe@shop.example (Doe, John)"])
    assert authors.error is None
    assert authors.domains == ("shop.example",)


def _sent_through_esp(author: str) -> str:
    """Headers of a message from ``author`` relayed by esp.example's 203.0.113.25 (SPF passes there)."""
    return (
        "Return-Path: <bounce@esp.example>\n"
        "Received: from o1.esp.example (o1.esp.example [203.0.113.25]) by mx.inbox.example with ESMTPS "
        "id 1; Wed, 25 Nov 2026 10:00:02 +0000\n"
        f"From: News <{author}>\nSubject: x\n"
    )


async def test_subdomain_policy_is_credited_to_the_parent_record_and_named_sp() -> None:
    zone = ZoneResolver(
        records={
            ("_dmarc.shop.example", "TXT"): ["v=DMARC1; p=reject; sp=none"],
            ("news.shop.example", "A"): ["203.0.113.1"],
            ("esp.example", "TXT"): ["v=spf1 ip4:203.0.113.0/24 -all"],
        },
        existing=["shop.example"],
    )
    analysis = await analyze_headers(_sent_through_esp("a@news.shop.example"), resolver=zone)
    assert "the DMARC record of shop.example, which covers news.shop.example" in analysis.summary.explanation
    dmarc = next(check for check in analysis.checks if check.reason == "dmarc.fail")
    assert "sp=none only monitors" in dmarc.explanation


async def test_dns_timeout_explanations_have_clean_punctuation(paste) -> None:
    names = ("_dmarc.shop.example", "em.esp.example", "s1._domainkey.esp.example")
    zone = ZoneResolver(records={}, failures={(name, "TXT"): DnsStatus.TIMEOUT for name in names})
    analysis = await analyze_headers(paste("gmail_esp.txt"), resolver=zone)
    texts = [analysis.summary.explanation] + [check.explanation for check in analysis.checks]
    assert any("could not be looked up" in text for text in texts)
    assert not [text for text in texts if ".." in text or ".)" in text]


async def test_header_block_copied_with_its_blank_line_is_not_a_changed_body(qa_zone, paste) -> None:
    headers = paste("gmail_esp.txt").split(b"\n\nHi Alice", 1)[0]
    for ending in (b"\n\n", b"\n\n\n", b"\r\n\r\n"):
        analysis = await analyze_headers(headers + ending, resolver=qa_zone)
        assert "dkim.body_hash_mismatch" not in _reasons(analysis)
        assert "dkim.pass_headers_only" in _reasons(analysis)


async def test_return_path_with_a_comment_gives_the_plain_envelope_sender(qa_zone, paste) -> None:
    text = paste("gmail_esp.txt").replace(
        b"Return-Path: <bounces+12345-ab12-alice=gmail.example@em.esp.example>",
        b"Return-Path: <bounces+12345-ab12-alice=gmail.example@em.esp.example> (via platform)",
    )
    analysis = await analyze_headers(text, resolver=qa_zone)
    assert analysis.mail_from == "bounces+12345-ab12-alice=gmail.example@em.esp.example"
    assert next(c for c in analysis.checks if c.name == "SPF").verdict is Verdict.PASS


async def test_message_from_a_domain_with_a_broken_dmarc_record_names_the_record() -> None:
    zone = ZoneResolver(
        records={
            ("_dmarc.shop.example", "TXT"): ["v=DMARC1 p=reject"],
            ("esp.example", "TXT"): ["v=spf1 ip4:203.0.113.0/24 -all"],
        },
        existing=["shop.example"],
    )
    analysis = await analyze_headers(_sent_through_esp("a@shop.example"), resolver=zone)
    assert "not valid" in analysis.summary.explanation
    assert "v=DMARC1 p=reject" in analysis.summary.explanation
    assert "publishes no DMARC record" not in analysis.summary.explanation


def test_authentication_results_from_another_co_uk_domain_is_not_trusted() -> None:
    text = (
        "Received: from mail.sender.example (mail.sender.example [203.0.113.5]) by mx1.receiver.co.uk "
        "with ESMTPS id 1; Wed, 25 Nov 2026 10:00:02 +0000\n"
        "Authentication-Results: spoofer.co.uk; spf=pass smtp.mailfrom=bank.co.uk; dmarc=pass "
        "header.from=bank.co.uk\n"
        "Authentication-Results: mx2.receiver.co.uk; spf=pass smtp.mailfrom=bank.co.uk\n"
        "From: a@bank.co.uk\n"
    )
    entries = classify_auth_results(parse_pasted_message(text).headers)
    assert [entry.trusted for entry in entries] == [False, False]
    own = text.replace("spoofer.co.uk;", "mx2.receiver.co.uk;", 1)
    assert [e.trusted for e in classify_auth_results(parse_pasted_message(own).headers)] == [True, False]
