"""analyze_bounce: per-recipient catalog matches and the plain-English explanation."""

from __future__ import annotations

from pathlib import Path

from checker.pasted.bounce import MessageKind, analyze_bounce
from checker.pasted.bounce.catalog import prepare_catalog
from checker.shared.result import to_json

SAMPLES = Path(__file__).resolve().parent / "samples"

CATALOG = {
    "entries": [
        {
            "id": "550-5-1-1-gmail-account-does-not-exist",
            "title": "550 5.1.1 Gmail: the account does not exist",
            "reply_code": 550,
            "enhanced_code": "5.1.1",
            "match": {
                "patterns": [r"account that you tried to reach does not exist"],
                "providers": ["gmail"],
            },
        },
        {
            "id": "550-5-1-1-generic",
            "title": "550 5.1.1 Mailbox does not exist",
            "reply_code": 550,
            "enhanced_code": "5.1.1",
            "match": {"generic": True},
        },
        {
            "id": "550-5-7-26-gmail-dmarc-reject",
            "title": "550 5.7.26 Gmail: DMARC policy rejected the message",
            "reply_code": 550,
            "enhanced_code": "5.7.26",
            "match": {"patterns": [r"DMARC policy"], "providers": ["gmail"]},
        },
    ],
    "providers": {
        "gmail": {"name": "Gmail / Google Workspace", "hosts": [r"(^|\.)google\.com$"]},
        "any": {"name": "Any mail server", "hosts": []},
    },
}


def test_specific_match_names_provider_and_reason() -> None:
    analysis = analyze_bounce((SAMPLES / "rfc3464-postfix.eml").read_bytes(), catalog=CATALOG)
    assert analysis.report.provider == "gmail"
    recipient = analysis.recipients[0]
    assert recipient.specific
    assert recipient.matches[0].entry_id == "550-5-1-1-gmail-account-does-not-exist"
    assert any("does not exist" in reason for reason in recipient.matches[0].decided_by)
    assert recipient.explanation.startswith(
        "Gmail / Google Workspace refused the message to nobody@gmail.com"
    )
    assert "Gmail / Google Workspace refused" in analysis.explanation


def test_code_only_match_says_the_code_cannot_tell() -> None:
    analysis = analyze_bounce((SAMPLES / "exim.txt").read_text(), catalog=CATALOG)
    recipient = analysis.recipients[0]
    assert not recipient.specific
    assert recipient.matches[0].entry_id == "550-5-1-1-generic"
    assert "code alone cannot tell" in recipient.explanation
    assert "Mailbox does not exist" in recipient.explanation


def test_no_match_says_so() -> None:
    analysis = analyze_bounce("554 5.3.4 Message too big for system", catalog=CATALOG)
    assert analysis.recipients[0].matches == ()
    assert "No catalog entry matches" in analysis.explanation


def test_one_line_gmail_dmarc() -> None:
    line = "550-5.7.26 Unauthenticated email from example.com is not accepted due to its DMARC policy. gsmtp"
    analysis = analyze_bounce(line, catalog=CATALOG)
    assert analysis.recipients[0].matches[0].entry_id == "550-5-7-26-gmail-dmarc-reject"
    assert "sent by Gmail / Google Workspace" in analysis.recipients[0].matches[0].decided_by


def test_not_bounces_are_explained() -> None:
    arf = analyze_bounce((SAMPLES / "arf.eml").read_bytes(), catalog=CATALOG)
    assert arf.report.kind is MessageKind.FEEDBACK_REPORT
    assert arf.recipients == ()
    assert "feedback report" in arf.explanation and "abuse" in arf.explanation
    auto = analyze_bounce((SAMPLES / "autoreply.eml").read_bytes(), catalog=CATALOG)
    assert "automatic reply" in auto.explanation
    nothing = analyze_bounce("hello", catalog=CATALOG)
    assert "does not look like a bounce" in nothing.explanation


def test_bad_catalog_is_a_problem_not_an_exception() -> None:
    broken = {"entries": [{"id": "x", "match": {"patterns": ["("]}}]}
    analysis = analyze_bounce("550 5.1.1 user unknown", catalog=broken)
    assert analysis.problems and analysis.problems[0].reason == "bounce.catalog_invalid"
    assert "x: match.patterns[0]" in analysis.problems[0].what
    missing = analyze_bounce("550 5.1.1 user unknown", catalog={})
    assert missing.problems[0].reason == "bounce.catalog_invalid"
    assert missing.recipients[0].status.enhanced_status == "5.1.1"


def test_result_serialises_to_json() -> None:
    analysis = analyze_bounce((SAMPLES / "rfc3464-postfix.eml").read_bytes(), catalog=CATALOG)
    text = to_json(analysis)
    assert '"kind": "bounce"' in text and "nobody@gmail.com" in text


def test_blocklist_is_cited_not_named_as_the_refusing_server() -> None:
    catalog = {
        "entries": [],
        "providers": {"spamhaus": {"name": "Spamhaus (blocklist)", "hosts": []}},
    }
    text = (
        "<a@example.com>: host mx.example.com[192.0.2.2] said: 554 5.7.1 Service unavailable; "
        "Client host [192.0.2.9] blocked using zen.spamhaus.org (in reply to RCPT TO command)"
    )
    analysis = analyze_bounce(text, catalog=catalog)
    assert analysis.report.provider == "spamhaus"
    explanation = analysis.recipients[0].explanation
    assert explanation.startswith("mx.example.com (citing Spamhaus (blocklist)) refused")


def test_a_prepared_catalog_gives_the_same_analysis_as_the_parsed_one() -> None:
    prepared = prepare_catalog(CATALOG)
    assert prepared.problem is None and len(prepared.entries) == 3
    assert prepare_catalog(prepared) is prepared
    for sample in (SAMPLES / "rfc3464-postfix.eml", SAMPLES / "exim.txt", SAMPLES / "arf.eml"):
        text = sample.read_bytes()
        expected = to_json(analyze_bounce(text, catalog=CATALOG))
        assert to_json(analyze_bounce(text, catalog=prepared)) == expected


def test_a_prepared_broken_catalog_still_reports_the_problem_with_each_bounce() -> None:
    prepared = prepare_catalog({"entries": [{"id": "x", "match": {"patterns": ["("]}}]})
    assert prepared.entries == () and prepared.problem.reason == "bounce.catalog_invalid"
    analysis = analyze_bounce("550 5.1.1 user unknown", catalog=prepared)
    assert analysis.problems == (prepared.problem,)
    assert analysis.recipients[0].status.enhanced_status == "5.1.1"
