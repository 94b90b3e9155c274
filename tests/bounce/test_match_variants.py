"""The matcher reads real-world variants of bounce text: spacing, multi-line replies, providers."""

from __future__ import annotations

import pytest

from checker.pasted.bounce.analyze import analyze_bounce
from checker.pasted.bounce.match import compile_catalog, lenient_pattern, normalise_text, rank_entries

ENTRIES = [
    {
        "id": "gmail-over-quota",
        "title": "Gmail: mailbox over quota",
        "providers": ["gmail"],
        "reply_code": 552,
        "enhanced_code": "5.2.2",
        "match": {"patterns": ["over quota"], "providers": ["gmail"]},
        "who_acts": "recipient-admin",
        "first_step": "Tell the recipient their mailbox is full by another channel.",
    },
    {
        "id": "any-over-quota",
        "title": "Mailbox over quota",
        "providers": ["any"],
        "reply_code": 552,
        "enhanced_code": "5.2.2",
        "match": {"patterns": ["over quota", "mailbox (?:is )?full"]},
    },
    {
        "id": "any-user-unknown",
        "title": "User unknown",
        "providers": ["any"],
        "reply_code": 550,
        "enhanced_code": "5.1.1",
        "match": {"patterns": ["user unknown", "no such user"]},
    },
    {
        "id": "any-bad-sequence",
        "title": "Bad sequence of commands",
        "providers": ["any"],
        "reply_code": 503,
        "enhanced_code": "5.5.1",
        "match": {"patterns": ["need RCPT command", "bad sequence of commands"]},
    },
    {
        "id": "any-rfc-5321",
        "title": "Message not RFC 5321 compliant",
        "providers": ["any"],
        "reply_code": 550,
        "enhanced_code": "5.7.1",
        "match": {"patterns": ["not RFC 5321 compliant"]},
    },
    {
        "id": "m365-dmarc",
        "title": "Microsoft 365 DMARC reject",
        "providers": ["microsoft-365"],
        "reply_code": 550,
        "enhanced_code": "5.7.509",
        "match": {"patterns": ["DMARC policy"], "providers": ["microsoft-365"]},
    },
]
CATALOG = compile_catalog(ENTRIES)
PROVIDERS = {
    "gmail": {"name": "Gmail", "hosts": [r"(^|\.)google\.com$"]},
    "zoho": {"name": "Zoho Mail", "hosts": [r"(^|\.)zoho\.com$"]},
    "outlook-com": {"name": "Outlook.com", "hosts": [r"(^|\.)hotmail\.com$"]},
    "microsoft-365": {"name": "Microsoft 365", "hosts": [r"(^|\.)protection\.outlook\.com$"]},
}


def _top(text: str, provider: str | None = None) -> str | None:
    ranked = rank_entries(text, CATALOG, provider=provider)
    return ranked[0].entry_id if ranked else None


@pytest.mark.parametrize(
    "text",
    [
        "552 5.2.2 mailbox overquota",
        "552 5.2.2 Mailbox over-quota",
        "552 5.2.2 User is over_quota",
        "552 5.2.2 user over   quota\n",
    ],
)
def test_spaces_in_patterns_match_hyphens_underscores_and_nothing(text: str) -> None:
    assert _top(text) == "any-over-quota"


@pytest.mark.parametrize("variant", ["RFC 5321", "RFC-5321", "RFC5321", "rfc_5321"])
def test_rfc_number_written_any_way(variant: str) -> None:
    assert _top(f"550 5.7.1 Message is not {variant} compliant") == "any-rfc-5321"


def test_lenient_pattern_keeps_classes_quantified_spaces_and_escapes() -> None:
    assert lenient_pattern(r"a b") == r"a[\s_-]*b"
    assert lenient_pattern(r"a ?b") == r"a ?b"
    assert lenient_pattern(r"[a b]c") == r"[a b]c"
    assert lenient_pattern(r"a\ b") == r"a\ b"
    assert lenient_pattern(r"[]x ]y z") == r"[]x ]y[\s_-]*z"


def test_multi_line_reply_is_read_once_without_repeated_prefixes() -> None:
    text = (
        "550-5.1.1 The email account that you tried to reach does not exist.\n"
        "550-5.1.1 no such\n550 5.1.1 user here"
    )
    assert normalise_text(text).startswith("550 5.1.1 The email account")
    assert "no such user" in normalise_text(text)
    assert _top(text) == "any-user-unknown"


def test_follow_up_reply_is_not_the_cause() -> None:
    text = (
        "host mx.example.net[192.0.2.1] said: 550 5.1.1 <a@example.net>: Recipient address rejected: "
        "User unknown (in reply to RCPT TO command) 503 5.5.1 Error: need RCPT command "
        "(in reply to DATA command)"
    )
    assert "need RCPT" not in normalise_text(text)
    assert _top(text) == "any-user-unknown"
    # A pasted follow-up alone still finds its own entry.
    assert _top("503 5.5.1 Error: need RCPT command") == "any-bad-sequence"


def test_provider_specific_entry_loses_to_any_provider_entry_for_another_provider() -> None:
    text = "552 5.2.2 The recipient's mailbox is over quota"
    assert _top(text, provider="zoho") == "any-over-quota"
    assert _top(text, provider="gmail") == "gmail-over-quota"
    ranked = rank_entries(text, CATALOG, provider="zoho", limit=5)
    assert [m.entry_id for m in ranked] == ["any-over-quota", "gmail-over-quota"]


def test_providers_of_one_family_do_not_disagree() -> None:
    text = "550 5.7.509 Access denied, sending domain example.com does not pass DMARC policy"
    assert _top(text, provider="outlook-com") == "m365-dmarc"
    first = rank_entries(text, CATALOG, provider="outlook-com")[0]
    assert first.score >= 100


def test_match_carries_who_acts_and_first_step() -> None:
    first = rank_entries("552 5.2.2 over quota - gsmtp", CATALOG, provider="gmail")[0]
    assert first.who_acts == "recipient-admin"
    assert first.first_step.startswith("Tell the recipient")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Recipient address rejected: User unknown in virtual mailbox table", "any-user-unknown"),
        ("Sorry, the mailbox is full", "any-over-quota"),
    ],
)
def test_codeless_refusal_is_a_bounce_and_matches_by_words(text: str, expected: str) -> None:
    catalog = {"entries": ENTRIES, "providers": PROVIDERS}
    result = analyze_bounce(text, catalog=catalog)
    assert result.report.kind == "bounce", result.explanation
    assert result.recipients and result.recipients[0].matches[0].entry_id == expected


def test_codeless_text_without_refusal_words_is_still_not_a_bounce() -> None:
    result = analyze_bounce(
        "Hello, see you at lunch tomorrow.", catalog={"entries": ENTRIES, "providers": PROVIDERS}
    )
    assert result.report.kind == "not-a-bounce"


def test_code_without_any_entry_is_explained_by_class_and_subject() -> None:
    catalog = {
        "entries": [
            *ENTRIES,
            {
                "id": "any-6-0-generic",
                "title": "5.6.0 Message content problem",
                "providers": ["any"],
                "reply_code": 554,
                "enhanced_code": "5.6.0",
                "match": {"generic": True, "enhanced_codes": ["5.6.0"]},
            },
        ],
        "providers": PROVIDERS,
    }
    result = analyze_bounce("554 5.6.99 Your message was rejected by the content engine X", catalog=catalog)
    recipient = result.recipients[0]
    assert recipient.code is not None
    assert recipient.code.verdict == "permanent"
    assert recipient.code.closest_entry == "any-6-0-generic"
    assert "message content or media" in recipient.explanation
    assert "not in the IANA registry" in recipient.explanation
    registered = analyze_bounce("452 4.3.1 Insufficient system storage here", catalog=catalog).recipients[0]
    assert registered.code.verdict == "temporary"
    assert 'names 3.1 "Mail system full"' in registered.code.explanation


def test_pattern_hit_explanation_leads_with_first_step() -> None:
    catalog = {"entries": ENTRIES, "providers": PROVIDERS}
    result = analyze_bounce(
        "host gmail-smtp-in.l.google.com[192.0.2.1] said: 552 5.2.2 over quota - gsmtp", catalog=catalog
    )
    explanation = result.recipients[0].explanation
    assert explanation.startswith("First step (the recipient's mail administrator): Tell the recipient")
