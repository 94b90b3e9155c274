"""Judges for the transport and message rules: reverse DNS, TLS, unsubscribe, headers and spam rate."""

from __future__ import annotations

import re
from typing import Any

from checker.analyses.requirements.facts import Facts
from checker.analyses.requirements.finding import MET, NOT_MET, UNKNOWN, Finding
from checker.analyses.requirements.providers import GMAIL_POSTMASTER_TOOLS, YAHOO_CFL, RuleSpec
from checker.mechanisms.dmarc.author import author_domains

# RFC 5322 section 3.6: fields that may appear at most once.
SINGLE_INSTANCE = (
    "Date",
    "From",
    "Sender",
    "Reply-To",
    "To",
    "Cc",
    "Bcc",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Subject",
)
_MSG_ID = re.compile(r"^<[^<>@\s]+@[^<>@\s]+>$")
_COMMENT = re.compile(r"\([^()]*\)")


def reverse_dns(facts: Facts, spec: RuleSpec) -> Finding:
    """The connecting IP has a PTR name that resolves back to it."""
    ip = facts.analysis.connecting_ip
    report = facts.ip_report
    if ip is None:
        return Finding(
            UNKNOWN,
            "The Received headers show no public address the message came from, so the "
            "sending IP's reverse DNS cannot be checked.",
        )
    evidence: dict[str, Any] = {"ip": ip}
    reverse = getattr(report, "reverse", None)
    if report is None:
        return Finding(UNKNOWN, f"The sending IP {ip} was not checked (run the IP check for it).", evidence)
    if reverse is None:
        why = report.checks[0].explanation if report.checks else "it was not looked up"
        return Finding(UNKNOWN, f"The reverse DNS of {ip} was not checked: {why}", evidence)
    evidence.update(
        {
            "ptr": list(reverse.names),
            "confirmed_by": list(reverse.confirmed_by),
            "query": f"PTR {reverse.reverse_name}",
        }
    )
    if reverse.ptr.failed:
        return Finding(
            UNKNOWN,
            f"The PTR lookup for {ip} failed: {reverse.ptr.describe_failure()}",
            evidence,
            lookup_failed=True,
        )
    if not reverse.names:
        return Finding(
            NOT_MET,
            f"{ip} has no PTR (reverse DNS) name. Ask whoever runs the address to set one "
            "that resolves back to it.",
            evidence,
        )
    if reverse.confirmed:
        return Finding(
            MET, f"{ip} has the PTR name {reverse.confirmed_by[0]}, which resolves back to {ip}.", evidence
        )
    failed = next((answer for answer in reverse.forward if answer.failed), None)
    if failed is not None:
        return Finding(
            UNKNOWN,
            f"{ip} has the PTR name {reverse.names[0]}, but its forward lookup failed: "
            f"{failed.describe_failure()}",
            evidence,
            lookup_failed=True,
        )
    return Finding(
        NOT_MET,
        f"{ip} has the PTR name {reverse.names[0]}, but that name does not resolve back "
        f"to {ip} (no forward confirmation).",
        evidence,
    )


def tls(facts: Facts, spec: RuleSpec) -> Finding:
    """The first external hop of the Received chain was made over TLS."""
    hop = facts.first_external_hop
    if hop is None:
        return Finding(
            UNKNOWN,
            "The Received headers do not show where the message entered the receiving "
            "side, so the transport is unknown.",
        )
    sender = hop.from_name or hop.from_helo or hop.from_ip or "the sender"
    evidence = {
        "hop": hop.position,
        "by": hop.by,
        "from": sender,
        "protocol": hop.protocol,
        "tls": hop.tls,
        "tls_version": hop.tls_version,
        "cipher": hop.cipher,
    }
    where = f"hop {hop.position}, {sender} to {hop.by or 'the receiver'}"
    if hop.tls:
        version = f" ({hop.tls_version})" if hop.tls_version else ""
        return Finding(MET, f"The first external hop ({where}) used TLS{version}.", evidence)
    if hop.tls is False:
        return Finding(
            NOT_MET,
            f"The first external hop ({where}) was received with "
            f"{hop.protocol or 'plain SMTP'}, without TLS. Enable STARTTLS on the sending server.",
            evidence,
        )
    return Finding(
        UNKNOWN,
        f"The Received header of the first external hop ({where}) does not say whether TLS was used.",
        evidence,
    )


_UNSUB_PROBLEMS = {
    "listunsub.malformed": "the List-Unsubscribe header has no link in angle brackets",
    "listunsub.http_not_https": "the unsubscribe link is plain http, not https",
    "listunsub.no_https": "List-Unsubscribe has no https link",
    "listunsub.one_click_missing": "there is no List-Unsubscribe-Post: List-Unsubscribe=One-Click header",
    "listunsub.one_click_invalid": "List-Unsubscribe-Post is not exactly List-Unsubscribe=One-Click",
    "listunsub.one_click_without_https": "List-Unsubscribe-Post is set but there is no https link to post to",
    "listunsub.no_dkim_signature": "no DKIM signature covers the unsubscribe headers (RFC 8058 section 4)",
    "listunsub.dkim_not_covered": "the DKIM signature's h= tag does not list both unsubscribe headers "
    "(RFC 8058 section 4)",
}
_EXEMPT = " This applies to marketing and subscribed mail; transactional messages are exempt."


def unsubscribe(facts: Facts, spec: RuleSpec) -> Finding:
    """List-Unsubscribe as each provider asks: RFC 8058 one-click, POST or mailto, or a body link."""
    reasons = facts.listunsub_reasons
    evidence = {
        "list_unsubscribe": list(facts.headers_named("List-Unsubscribe")),
        "list_unsubscribe_post": list(facts.headers_named("List-Unsubscribe-Post")),
        "checks": sorted(reasons),
    }
    if spec.variant == "visible_link":
        header = "carry" if "listunsub.present" in reasons else "do not carry"
        return Finding(
            UNKNOWN,
            "Outlook.com asks for a clearly visible unsubscribe link in the message, "
            f"which only the rendered body shows; the headers {header} a List-Unsubscribe link.",
            evidence,
        )
    if not reasons:
        return Finding(UNKNOWN, "The List-Unsubscribe check did not run.", evidence)
    if "listunsub.missing" in reasons:
        return Finding(NOT_MET, "The message has no List-Unsubscribe header." + _EXEMPT, evidence)
    if spec.variant == "post_or_mailto":
        if "listunsub.one_click_ok" in reasons:
            return Finding(
                MET,
                "List-Unsubscribe has an https link and List-Unsubscribe-Post asks for "
                "one-click (RFC 8058 POST method).",
                evidence,
            )
        if "listunsub.mailto_present" in reasons:
            return Finding(
                MET,
                "List-Unsubscribe has a mailto: address, which Yahoo accepts; it highly "
                "recommends the RFC 8058 POST method (an https link plus List-Unsubscribe-Post).",
                evidence,
            )
    elif "listunsub.one_click_ok" in reasons and "listunsub.dkim_covered" in reasons:
        return Finding(
            MET,
            "List-Unsubscribe has an https link, List-Unsubscribe-Post asks for one-click, and "
            "a DKIM signature covers both headers (RFC 8058).",
            evidence,
        )
    problems = [text for code, text in _UNSUB_PROBLEMS.items() if code in reasons]
    detail = "; ".join(problems) or "one-click unsubscribe is not offered"
    return Finding(NOT_MET, f"One-click unsubscribe is not set up: {detail}." + _EXEMPT, evidence)


def from_header(facts: Facts, spec: RuleSpec) -> Finding:
    """Exactly one From header holding exactly one address."""
    if facts.message is None:
        return Finding(UNKNOWN, "The message headers were not available.")
    values = facts.headers_named("From")
    evidence: dict[str, Any] = {"from": list(values)}
    if not values:
        return Finding(NOT_MET, "The message has no From header; RFC 5322 requires exactly one.", evidence)
    if len(values) > 1:
        return Finding(
            NOT_MET, f"The message has {len(values)} From headers; RFC 5322 allows exactly one.", evidence
        )
    authors = author_domains(values)
    evidence["addresses"] = list(authors.addresses)
    if authors.error is not None:
        return Finding(NOT_MET, f"{authors.error.what} {authors.error.fix}", evidence)
    if len(authors.addresses) > 1:
        return Finding(
            NOT_MET,
            f"The From header lists {len(authors.addresses)} addresses "
            f"({', '.join(authors.addresses)}); it should hold exactly one.",
            evidence,
        )
    text = f"The From header holds one address, {authors.addresses[0]}."
    if spec.provider == "outlook":
        text += " Whether it can receive replies cannot be seen in the headers."
    return Finding(MET, text, evidence)


def single_headers(facts: Facts, spec: RuleSpec) -> Finding:
    """RFC 5322 single-instance headers appear at most once, and Date is present."""
    if facts.message is None:
        return Finding(UNKNOWN, "The message headers were not available.")
    counts = {name: len(facts.headers_named(name)) for name in SINGLE_INSTANCE}
    repeated = [f"{name} ({count} times)" for name, count in counts.items() if count > 1]
    evidence = {"repeated": repeated, "date_present": counts["Date"] > 0}
    if repeated:
        return Finding(
            NOT_MET,
            f"These headers appear more than once, which RFC 5322 forbids: {', '.join(repeated)}.",
            evidence,
        )
    if not counts["Date"]:
        return Finding(NOT_MET, "The message has no Date header, which RFC 5322 requires.", evidence)
    return Finding(
        MET,
        "Each single-instance header (From, To, Subject, Date, Message-ID...) appears at "
        "most once, and Date is present.",
        evidence,
    )


def message_id(facts: Facts, spec: RuleSpec) -> Finding:
    """Exactly one Message-ID of the form <left@right>."""
    if facts.message is None:
        return Finding(UNKNOWN, "The message headers were not available.")
    values = facts.headers_named("Message-ID")
    evidence = {"message_id": list(values)}
    if not values:
        return Finding(NOT_MET, "The message has no Message-ID header.", evidence)
    if len(values) > 1:
        return Finding(
            NOT_MET, f"The message has {len(values)} Message-ID headers; it must have one.", evidence
        )
    value = _COMMENT.sub("", values[0]).strip()
    if not _MSG_ID.match(value):
        return Finding(
            NOT_MET,
            f'The Message-ID "{values[0].strip()}" is not of the form <unique@domain> '
            "(RFC 5322 section 3.6.4).",
            evidence,
        )
    return Finding(MET, f"The message has the Message-ID {value}.", evidence)


def spam_rate(facts: Facts, spec: RuleSpec) -> Finding:
    """Never checkable from a message: says where the provider shows it."""
    if spec.provider == "gmail":
        return Finding(
            UNKNOWN,
            "Only Google knows the user-reported spam rate: see the Spam Rate dashboard "
            f"of Postmaster Tools ({GMAIL_POSTMASTER_TOOLS}). Keep it below 0.1% and never let it "
            "reach 0.3%.",
            {"where_to_check": GMAIL_POSTMASTER_TOOLS},
        )
    return Finding(
        UNKNOWN,
        "Only Yahoo knows the complaint rate (counted on mail delivered to the inbox): "
        f"enroll in the Complaint Feedback Loop in Sender Hub ({YAHOO_CFL}) to follow it.",
        {"where_to_check": YAHOO_CFL},
    )
