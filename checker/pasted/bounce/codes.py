"""What an SMTP status code says by itself: its class and subject (RFC 3463) and the registry's name.

A bounce whose code has no catalog page still gets a plain explanation from these tables, and the
closest generic page (same class and subject) is named so the reader has somewhere to go.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from checker.pasted.bounce.match import CompiledEntry

CLASSES = {
    "2": "success: the message was accepted",
    "4": (
        "a temporary failure (RFC 3463 class 4): the same message may go through later, and the sending "
        "server keeps retrying on its own until it gives up (typically after 4 to 5 days)"
    ),
    "5": (
        "a permanent failure (RFC 3463 class 5): sending the same message again will fail the same way "
        "until something is changed"
    ),
}
SUBJECTS = {
    "0": "other or undefined status: the code does not say which part of delivery failed",
    "1": "addressing: something is wrong with the sender's or the recipient's address",
    "2": "the recipient's mailbox: it exists but cannot take the message now (full, disabled, limits)",
    "3": "the receiving mail system: it cannot accept the message (storage, size, configuration)",
    "4": (
        "network and routing: the message could not be carried to the destination "
        "(DNS, connections, loops, time-outs)"
    ),
    "5": "the mail protocol: a command, its syntax or its arguments were wrong for the server",
    "6": "message content or media: the message's format, encoding or character set could not be handled",
    "7": (
        "security or policy: the receiver refused it on purpose "
        "(authentication, reputation, permissions, encryption)"
    ),
}
REPLY_CLASSES = {
    "2": "success",
    "4": "a temporary failure (retry later)",
    "5": "a permanent failure (do not retry unchanged)",
}
# The IANA "SMTP Enhanced Status Codes" registry's names, by subject.detail.
REGISTRY_NAMES = {
    "0.0": "Other undefined Status",
    "1.0": "Other address status",
    "1.1": "Bad destination mailbox address",
    "1.2": "Bad destination system address",
    "1.3": "Bad destination mailbox address syntax",
    "1.4": "Destination mailbox address ambiguous",
    "1.5": "Destination address valid",
    "1.6": "Destination mailbox has moved, No forwarding address",
    "1.7": "Bad sender's mailbox address syntax",
    "1.8": "Bad sender's system address",
    "1.9": "Message relayed to non-compliant mailer",
    "1.10": "Recipient address has null MX",
    "2.0": "Other or undefined mailbox status",
    "2.1": "Mailbox disabled, not accepting messages",
    "2.2": "Mailbox full",
    "2.3": "Message length exceeds administrative limit",
    "2.4": "Mailing list expansion problem",
    "3.0": "Other or undefined mail system status",
    "3.1": "Mail system full",
    "3.2": "System not accepting network messages",
    "3.3": "System not capable of selected features",
    "3.4": "Message too big for system",
    "3.5": "System incorrectly configured",
    "3.6": "Requested priority was changed",
    "4.0": "Other or undefined network or routing status",
    "4.1": "No answer from host",
    "4.2": "Bad connection",
    "4.3": "Directory server failure",
    "4.4": "Unable to route",
    "4.5": "Mail system congestion",
    "4.6": "Routing loop detected",
    "4.7": "Delivery time expired",
    "5.0": "Other or undefined protocol status",
    "5.1": "Invalid command",
    "5.2": "Syntax error",
    "5.3": "Too many recipients",
    "5.4": "Invalid command arguments",
    "5.5": "Wrong protocol version",
    "5.6": "Authentication Exchange line is too long",
    "6.0": "Other or undefined media error",
    "6.1": "Media not supported",
    "6.2": "Conversion required and prohibited",
    "6.3": "Conversion required but not supported",
    "6.4": "Conversion with loss performed",
    "6.5": "Conversion Failed",
    "6.6": "Message content not available",
    "6.7": "Non-ASCII addresses not permitted for that sender/recipient",
    "6.8": "UTF-8 string reply required but not permitted by client",
    "6.9": "UTF-8 header message cannot be transferred",
    "7.0": "Other or undefined security status",
    "7.1": "Delivery not authorized, message refused",
    "7.2": "Mailing list expansion prohibited",
    "7.3": "Security conversion required but not possible",
    "7.4": "Security features not supported",
    "7.5": "Cryptographic failure",
    "7.6": "Cryptographic algorithm not supported",
    "7.7": "Message integrity failure",
    "7.8": "Authentication credentials invalid",
    "7.9": "Authentication mechanism is too weak",
    "7.10": "Encryption Needed",
    "7.11": "Encryption required for requested auth mechanism",
    "7.12": "A password transition is needed",
    "7.13": "User Account Disabled",
    "7.14": "Trust relationship required",
    "7.15": "Priority Level is too low",
    "7.16": "Message is too big for the specified priority",
    "7.17": "Mailbox owner has changed",
    "7.18": "Domain owner has changed",
    "7.19": "RRVS test cannot be completed",
    "7.20": "No passing DKIM signature found",
    "7.21": "No acceptable DKIM signature found",
    "7.22": "No valid author-matched DKIM signature found",
    "7.23": "SPF validation failed",
    "7.24": "SPF validation error",
    "7.25": "Reverse DNS validation failed",
    "7.26": "Multiple authentication checks failed",
    "7.27": "Sender address has null MX",
    "7.28": "Mail flood detected",
    "7.29": "ARC validation failure",
    "7.30": "REQUIRETLS support required",
}
_ENHANCED = re.compile(r"^([245])\.(\d{1,3})\.(\d{1,3})$")


@dataclass(frozen=True)
class CodeExplanation:
    """A code explained from the registries alone, with the closest generic catalog page if any."""

    code: str
    verdict: str  # "temporary", "permanent", "success" or "unknown"
    reason: str  # "code.registered", "code.subject_only", "code.reply_only"
    explanation: str
    closest_entry: str | None = None
    closest_title: str | None = None


def _closest(
    enhanced: str | None, reply_code: int | None, catalog: Iterable[CompiledEntry]
) -> CompiledEntry | None:
    """The generic entry for the same subject (same detail first), else one for the same reply code."""
    generic = [entry for entry in catalog if entry.generic]
    if enhanced:
        _, subject, detail = enhanced.split(".")
        same_code = [
            e for e in generic if any(c.split(".")[1:] == [subject, detail] for c in e.enhanced_codes)
        ]
        if same_code:
            return min(same_code, key=lambda e: e.entry_id)
        same_subject = [e for e in generic if any(c.split(".")[1] == subject for c in e.enhanced_codes)]
        if same_subject:

            def detail_of(entry: CompiledEntry) -> int:
                return min(int(c.split(".")[2]) for c in entry.enhanced_codes if c.split(".")[1] == subject)

            return min(same_subject, key=lambda e: (detail_of(e), e.entry_id))
    if reply_code:
        same_reply = [e for e in generic if reply_code in e.reply_codes]
        if same_reply:
            return min(same_reply, key=lambda e: e.entry_id)
    return None


def explain_code(
    reply_code: int | None, enhanced: str | None, catalog: Iterable[CompiledEntry] = ()
) -> CodeExplanation | None:
    """Explain ``550``/``5.7.99`` from RFC 3463's class and subject; None when there is no code."""
    parsed = _ENHANCED.match(enhanced or "")
    closest = _closest(enhanced if parsed else None, reply_code, catalog)
    extra = {"closest_entry": closest.entry_id, "closest_title": closest.title} if closest else {}
    if parsed:
        klass, subject, detail = parsed.groups()
        name = REGISTRY_NAMES.get(f"{subject}.{detail}")
        verdict = {"2": "success", "4": "temporary", "5": "permanent"}[klass]
        subject_text = SUBJECTS.get(subject, "a subject RFC 3463 does not define")
        named = (
            f' The registry names {subject}.{detail} "{name}".'
            if name
            else (
                f" The detail {detail} is not in the IANA registry: it is this server's own code"
                " within that subject."
            )
        )
        return CodeExplanation(
            enhanced,
            verdict,
            "code.registered" if name else "code.subject_only",
            f"{enhanced} is {CLASSES[klass]}; subject {subject} is {subject_text}.{named}",
            **extra,
        )
    if reply_code and str(reply_code)[0] in REPLY_CLASSES:
        first = str(reply_code)[0]
        verdict = {"2": "success", "4": "temporary", "5": "permanent"}[first]
        return CodeExplanation(
            str(reply_code),
            verdict,
            "code.reply_only",
            f"Reply code {reply_code} is {REPLY_CLASSES[first]} (RFC 5321 section 4.2.1); without an "
            "enhanced status code, only the server's words say which cause it is.",
            **extra,
        )
    return None
