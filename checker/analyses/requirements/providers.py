"""What Gmail, Yahoo and Outlook.com ask of senders, rule by rule, as their own pages state it.

Every rule here is taken from a provider page captured in ``tests/fixtures/provider-docs/`` (see its
README); ``url`` is the live page that states it. A rule a provider does not state is not listed for
that provider: the side-by-side matrix shows it as "not stated" rather than inventing one.
"""

from __future__ import annotations

from dataclasses import dataclass

GMAIL_GUIDELINES = "https://support.google.com/mail/answer/81126"
GMAIL_FAQ = "https://support.google.com/a/answer/14229414"
GMAIL_POSTMASTER_TOOLS = "https://postmaster.google.com/"
YAHOO_REQUIREMENTS = "https://senders.yahooinc.com/best-practices/"
YAHOO_FAQ = "https://senders.yahooinc.com/faqs/"
YAHOO_CFL = "https://senders.yahooinc.com/complaint-feedback-loop/"
OUTLOOK_REQUIREMENTS = (
    "https://techcommunity.microsoft.com/blog/microsoftdefenderforoffice365blog/"
    "strengthening-email-ecosystem-outlooks-new-requirements-for-high-volume-senders/4399730"
)

ALL_SENDERS = "all"
BULK_SENDERS = "bulk"
REQUIRED = "required"
RECOMMENDED = "recommended"


@dataclass(frozen=True)
class Provider:
    """A mailbox provider, who counts as a bulk sender there, and where its rules are published."""

    id: str
    name: str
    bulk_threshold: str
    pages: tuple[str, ...]


@dataclass(frozen=True)
class RuleSpec:
    """One provider's rule: ``rule`` is the shared id (one matrix row), ``variant`` how it is judged."""

    provider: str
    rule: str
    requirement: str
    applies_to: str  # ALL_SENDERS or BULK_SENDERS
    level: str  # REQUIRED or RECOMMENDED
    url: str
    variant: str = "default"


PROVIDERS = (
    Provider(
        "gmail",
        "Gmail",
        "close to 5,000 or more messages a day to personal Gmail accounts, counted per primary domain "
        "(since February 2024; a bulk sender stays one)",
        (GMAIL_GUIDELINES, GMAIL_FAQ),
    ),
    Provider(
        "yahoo",
        "Yahoo",
        "a 'significant volume' of mail; Yahoo publishes no threshold (since February 2024)",
        (YAHOO_REQUIREMENTS, YAHOO_FAQ),
    ),
    Provider(
        "outlook",
        "Outlook.com",
        "more than 5,000 messages a day to Outlook.com, Hotmail and Live addresses (since May 2025)",
        (OUTLOOK_REQUIREMENTS,),
    ),
)

# Shared ids, in the order the side-by-side matrix shows them.
RULE_ORDER = (
    "spf_or_dkim",
    "spf_pass",
    "dkim_pass",
    "dmarc_record",
    "dmarc_alignment",
    "dmarc_pass",
    "reverse_dns",
    "tls",
    "unsubscribe",
    "from_header",
    "single_headers",
    "message_id",
    "spam_rate",
)

RULES = (
    # Gmail: "Requirements for all senders" and "... 5,000 or more messages per day" (answer 81126),
    # enforcement table and error codes in the FAQ (answer 14229414).
    RuleSpec(
        "gmail", "spf_or_dkim", "The message passes SPF or DKIM.", ALL_SENDERS, REQUIRED, GMAIL_GUIDELINES
    ),
    RuleSpec(
        "gmail",
        "reverse_dns",
        "The sending IP has a PTR name that points back to the same IP (forward-confirmed reverse DNS).",
        ALL_SENDERS,
        REQUIRED,
        GMAIL_GUIDELINES,
    ),
    RuleSpec(
        "gmail",
        "tls",
        "The message reached Gmail over a TLS connection.",
        ALL_SENDERS,
        REQUIRED,
        GMAIL_GUIDELINES,
    ),
    RuleSpec(
        "gmail",
        "from_header",
        "The From header holds exactly one email address (RFC 5322).",
        ALL_SENDERS,
        REQUIRED,
        GMAIL_GUIDELINES,
    ),
    RuleSpec(
        "gmail",
        "single_headers",
        "Single-instance headers (From, To, Subject, Date, Message-ID...) appear only once (RFC 5322).",
        ALL_SENDERS,
        REQUIRED,
        GMAIL_GUIDELINES,
    ),
    RuleSpec(
        "gmail", "message_id", "The message has a valid Message-ID.", ALL_SENDERS, REQUIRED, GMAIL_GUIDELINES
    ),
    RuleSpec(
        "gmail",
        "spam_rate",
        "The spam rate reported in Postmaster Tools stays below 0.3%.",
        ALL_SENDERS,
        REQUIRED,
        GMAIL_GUIDELINES,
    ),
    RuleSpec("gmail", "spf_pass", "The message passes SPF.", BULK_SENDERS, REQUIRED, GMAIL_FAQ),
    RuleSpec("gmail", "dkim_pass", "The message passes DKIM.", BULK_SENDERS, REQUIRED, GMAIL_FAQ),
    RuleSpec(
        "gmail",
        "dmarc_record",
        "The From domain publishes a DMARC record with a policy (p=none is enough).",
        BULK_SENDERS,
        REQUIRED,
        GMAIL_GUIDELINES,
    ),
    RuleSpec(
        "gmail",
        "dmarc_alignment",
        "The From domain's organization matches the domain that passed SPF or DKIM (direct mail).",
        BULK_SENDERS,
        REQUIRED,
        GMAIL_FAQ,
    ),
    RuleSpec(
        "gmail",
        "unsubscribe",
        "Marketing and subscribed messages offer one-click unsubscribe (RFC 8058: an https List-Unsubscribe "
        "link and List-Unsubscribe-Post).",
        BULK_SENDERS,
        REQUIRED,
        GMAIL_GUIDELINES,
        "rfc8058",
    ),
    # Yahoo: "Requirements for All Senders" and "Requirements for Bulk Senders" (best-practices page).
    RuleSpec(
        "yahoo", "spf_or_dkim", "The message passes SPF or DKIM.", ALL_SENDERS, REQUIRED, YAHOO_REQUIREMENTS
    ),
    RuleSpec(
        "yahoo",
        "reverse_dns",
        "The sending IP has valid forward and reverse DNS.",
        ALL_SENDERS,
        REQUIRED,
        YAHOO_REQUIREMENTS,
    ),
    RuleSpec(
        "yahoo",
        "from_header",
        "The From header is valid (RFC 5322).",
        ALL_SENDERS,
        REQUIRED,
        YAHOO_REQUIREMENTS,
    ),
    RuleSpec(
        "yahoo",
        "single_headers",
        "The headers follow RFC 5322: single-instance headers appear once.",
        ALL_SENDERS,
        REQUIRED,
        YAHOO_REQUIREMENTS,
    ),
    RuleSpec(
        "yahoo",
        "spam_rate",
        "The spam complaint rate stays below 0.3%.",
        ALL_SENDERS,
        REQUIRED,
        YAHOO_REQUIREMENTS,
    ),
    RuleSpec(
        "yahoo",
        "spf_pass",
        "The message passes SPF (bulk senders need both SPF and DKIM).",
        BULK_SENDERS,
        REQUIRED,
        YAHOO_REQUIREMENTS,
    ),
    RuleSpec(
        "yahoo",
        "dkim_pass",
        "The message passes DKIM (bulk senders need both SPF and DKIM).",
        BULK_SENDERS,
        REQUIRED,
        YAHOO_REQUIREMENTS,
    ),
    RuleSpec(
        "yahoo",
        "dmarc_record",
        "The From domain publishes a valid DMARC policy, at least p=none.",
        BULK_SENDERS,
        REQUIRED,
        YAHOO_REQUIREMENTS,
    ),
    RuleSpec(
        "yahoo",
        "dmarc_alignment",
        "The From domain is aligned with the SPF or the DKIM domain (relaxed alignment is acceptable).",
        BULK_SENDERS,
        REQUIRED,
        YAHOO_REQUIREMENTS,
    ),
    RuleSpec("yahoo", "dmarc_pass", "The message passes DMARC.", BULK_SENDERS, REQUIRED, YAHOO_REQUIREMENTS),
    RuleSpec(
        "yahoo",
        "unsubscribe",
        "Marketing and subscribed messages carry a List-Unsubscribe header supporting one-click unsubscribe "
        "(the RFC 8058 POST method is highly recommended; mailto is acceptable).",
        BULK_SENDERS,
        REQUIRED,
        YAHOO_REQUIREMENTS,
        "post_or_mailto",
    ),
    # Outlook.com: the April 2025 announcement; everything applies to domains sending over 5,000 a day.
    RuleSpec(
        "outlook",
        "spf_pass",
        "The message passes SPF for the sending domain.",
        BULK_SENDERS,
        REQUIRED,
        OUTLOOK_REQUIREMENTS,
    ),
    RuleSpec(
        "outlook", "dkim_pass", "The message passes DKIM.", BULK_SENDERS, REQUIRED, OUTLOOK_REQUIREMENTS
    ),
    RuleSpec(
        "outlook",
        "dmarc_record",
        "The From domain publishes DMARC with at least p=none.",
        BULK_SENDERS,
        REQUIRED,
        OUTLOOK_REQUIREMENTS,
    ),
    RuleSpec(
        "outlook",
        "dmarc_alignment",
        "The From domain is aligned with SPF or DKIM (preferably both).",
        BULK_SENDERS,
        REQUIRED,
        OUTLOOK_REQUIREMENTS,
    ),
    RuleSpec(
        "outlook",
        "from_header",
        "The From address is valid and reflects the true sending domain (a hygiene recommendation).",
        BULK_SENDERS,
        RECOMMENDED,
        OUTLOOK_REQUIREMENTS,
    ),
    RuleSpec(
        "outlook",
        "unsubscribe",
        "Messages give a clearly visible, working way to unsubscribe (a hygiene recommendation).",
        BULK_SENDERS,
        RECOMMENDED,
        OUTLOOK_REQUIREMENTS,
        "visible_link",
    ),
)


def provider_rules(provider: str) -> tuple[RuleSpec, ...]:
    """The rules one provider states, all-sender rules first."""
    return tuple(rule for rule in RULES if rule.provider == provider)
