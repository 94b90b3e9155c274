"""Every provider rule is stated on the provider's own page: the captured text holds the words it rests on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from checker.analyses.requirements import PROVIDERS, RULES

DOCS = Path(__file__).resolve().parents[1] / "fixtures" / "provider-docs"
CAPTURES = {
    "gmail": ("google-81126-email-sender-guidelines.txt", "google-14229414-email-sender-guidelines-faq.txt"),
    "yahoo": ("yahoo-senders-best-practices.txt", "yahoo-senders-faq.txt"),
    "outlook": ("microsoft-new-requirements-for-high-volume-senders.txt",),
}
# (provider, rule) -> words of the provider's page the rule rests on (whitespace-insensitive).
GROUNDS = {
    ("gmail", "spf_or_dkim"): "Set up SPF or DKIM email authentication for your sending domains.",
    ("gmail", "reverse_dns"): "have valid forward and reverse DNS records, also referred to as PTR records",
    ("gmail", "tls"): "Use a TLS connection for transmitting email.",
    ("gmail", "from_header"): "From: headers should include only one email address.",
    ("gmail", "single_headers"): "Make sure single-instance message headers are included only once",
    ("gmail", "message_id"): "Make sure every message includes a valid Message-ID.",
    ("gmail", "spam_rate"): "Keep spam rates reported in Postmaster Tools below 0.3%.",
    ("gmail", "spf_pass"): "Gmail requires all bulk email senders to authenticate their email with SPF.",
    ("gmail", "dkim_pass"): "Gmail requires all email bulk senders to authenticate their email with DKIM.",
    ("gmail", "dmarc_record"): "Your DMARC enforcement policy can be set to none.",
    ("gmail", "dmarc_alignment"): "must be aligned with either the SPF organizational domain or the DKIM "
    "organizational domain",
    ("gmail", "unsubscribe"): "Marketing messages and subscribed messages must support one-click unsubscribe",
    ("yahoo", "spf_or_dkim"): "Implement SPF or DKIM at a minimum",
    ("yahoo", "reverse_dns"): "Have a valid forward and reverse DNS record for your sending IPs",
    ("yahoo", "from_header"): "Comply with RFCs 5321 and 5322",
    ("yahoo", "single_headers"): "Comply with RFCs 5321 and 5322",
    ("yahoo", "spam_rate"): "Keep your spam rate below 0.3%",
    ("yahoo", "spf_pass"): "Implement both SPF & DKIM",
    ("yahoo", "dkim_pass"): "Implement both SPF & DKIM",
    ("yahoo", "dmarc_record"): "Publish a valid DMARC policy with at least p=none",
    (
        "yahoo",
        "dmarc_alignment",
    ): "Ensure the domain in the From: header is aligned with either the SPF domain or the DKIM domain.",
    ("yahoo", "dmarc_pass"): "DMARC must pass",
    ("yahoo", "unsubscribe"): "The mail-to: method is acceptable",
    ("outlook", "spf_pass"): "Must Pass for the sending domain.",
    ("outlook", "dkim_pass"): "Must Pass to validate email integrity and authenticity.",
    ("outlook", "dmarc_record"): "At least p=none",
    ("outlook", "dmarc_alignment"): "align with either SPF or DKIM (preferably both)",
    ("outlook", "from_header"): "Ensure the “From” or “Reply‐To” address is valid",
    ("outlook", "unsubscribe"): "Provide an easy, clearly visible way for recipients to opt out",
}


def _text(provider: str) -> str:
    return " ".join(
        " ".join((DOCS / name).read_text(encoding="utf-8").split()) for name in CAPTURES[provider]
    )


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: f"{rule.provider}-{rule.rule}")
def test_rule_is_grounded_in_the_captured_page(rule) -> None:
    words = " ".join(GROUNDS[(rule.provider, rule.rule)].split())
    assert words in _text(rule.provider), (rule.provider, rule.rule)


def test_every_rule_has_grounds_and_links_to_the_readme_urls() -> None:
    assert set(GROUNDS) == {(rule.provider, rule.rule) for rule in RULES}
    readme = (DOCS / "README.md").read_text(encoding="utf-8")
    for provider in PROVIDERS:
        for page in provider.pages:
            if provider.id == "outlook":
                continue  # the README names the blog post without its address
            # The README gives Yahoo's FAQ as a path relative to the best-practices address.
            assert page.rstrip("/") in readme or page.removeprefix("https://senders.yahooinc.com") in readme
    assert all(re.match(r"https://", rule.url) for rule in RULES)
