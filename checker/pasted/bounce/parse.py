"""parse_bounce: a whole DSN, a pasted NDR body or one line, to a per-recipient ``BounceReport``."""

from __future__ import annotations

import email
import re
from collections.abc import Mapping
from typing import Any

from checker.pasted.bounce.amazonses import parse_ses_notification
from checker.pasted.bounce.classify import classify
from checker.pasted.bounce.dsn import DsnFields, parse_dsn_fields, typed_value
from checker.pasted.bounce.formats import (
    ADDRESS,
    MAX_TEXT_CHARS,
    detect_format,
    extract_recipients,
    split_original,
)
from checker.pasted.bounce.mime import MessageParts, normalise_newlines, split_message
from checker.pasted.bounce.model import BounceReport, MessageKind, RecipientStatus
from checker.pasted.bounce.provider import guess_provider
from checker.pasted.bounce.recipients import (
    fallback_recipient,
    feedback_fields,
    feedback_recipient,
    from_dsn,
    from_text,
    text_block_for,
)
from checker.pasted.message import to_bytes
from checker.shared.result import InputError

MAX_RECIPIENTS = 1000
"""At most this many recipients are reported; a larger list is cut and says so."""
MAX_BOUNCE_BYTES = 5 * 1024 * 1024
"""Bounces larger than this (5 MiB) are refused; the explanation is always near the top."""

_HEADER_LINE = re.compile(r"^[!-9;-~]+:")
_MESSAGE_HEADERS = frozenset(
    {
        "from",
        "to",
        "subject",
        "date",
        "received",
        "return-path",
        "content-type",
        "message-id",
        "mime-version",
        "x-failed-recipients",
        "auto-submitted",
        "delivered-to",
        "reply-to",
    }
)
_ADDRESS = re.compile(ADDRESS)
_REPORTING_HOST = re.compile(
    r"This is the mail system at host\s+([\w.-]+\w)|Generating server:\s*([\w.-]+\w)|"
    r"Mail Agent v[\d.]+ at\s+([\w.-]+\w)|Reporting-MTA:\s*dns;\s*([\w.-]+\w)|"
    r"qmail-send program at\s+([\w.-]+\w)",
    re.IGNORECASE,
)


def _to_text(text: str | bytes) -> str:
    if isinstance(text, str):
        return text
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError:
        return text.decode("latin-1")


def _unquote(text: str) -> str:
    lines = text.split("\n")
    non_blank = [line for line in lines if line.strip()]
    if non_blank and all(line.startswith(">") for line in non_blank):
        return "\n".join(re.sub(r"^> ?", "", line) for line in lines)
    return text


def _looks_like_message(text: str) -> bool:
    """True when the paste starts with mail headers (else it is a body or a single line)."""
    names = []
    lines = text.split("\n")[:60]
    if lines and lines[0].startswith("From "):
        lines = lines[1:]  # an mbox separator line ("From <> Thu Apr 29 ...")
    for line in lines:
        if not line.strip():
            break
        if _HEADER_LINE.match(line):
            names.append(line.split(":", 1)[0].strip().lower())
        elif line[:1] not in (" ", "\t"):
            return False
    return any(name in _MESSAGE_HEADERS for name in names)


def _addresses(value: str) -> set[str]:
    return {found.lower() for found in _ADDRESS.findall(value or "")}


def _unread(problem: InputError) -> BounceReport:
    """The empty report for a paste that could not be read at all, carrying the reason."""
    return BounceReport(MessageKind.NOT_A_BOUNCE, "unknown", (), None, None, None, None, (problem,))


def parse_bounce(text: str | bytes, *, providers: Mapping[str, Any] | None = None) -> BounceReport:
    """Parse a bounce (DSN, NDR text or a single line) into a per-recipient report. Never raises.

    ``providers`` is ``catalog.json``'s provider map (id -> name and host patterns); without it the
    provider is guessed from wording only.
    """
    size = len(to_bytes(text))
    if size > MAX_BOUNCE_BYTES:
        return _unread(
            InputError(
                f"The paste is {size:,} bytes; the limit is {MAX_BOUNCE_BYTES:,} bytes (5 MB).",
                "the pasted bounce",
                "Paste only the bounce text and its delivery report, without the attached original message.",
                "input.too_large",
            )
        )
    try:
        return _parse(_to_text(text), providers)
    except Exception as exc:  # a paste parser ends with a result or a structured error, never raises
        # The email package can still trip on pathological MIME; say so instead of crashing the page.
        return _unread(
            InputError(
                f"The bounce could not be read ({type(exc).__name__}).",
                "the pasted bounce",
                "Paste the bounce as plain text (the message source or just the error lines).",
                "bounce.unreadable",
            )
        )


def _transient(status: RecipientStatus) -> bool:
    """True when the recipient's codes are temporary (4xx reply, 4.x.x status) and none is permanent."""
    codes = [str(status.reply_code or ""), status.enhanced_status or ""]
    return all(code[:1] in ("", "4") for code in codes) and any(code for code in codes)


def _parse(text: str, providers: Mapping[str, Any] | None, depth: int = 0) -> BounceReport:
    text = _unquote(normalise_newlines(text.replace("\x00", "")))
    stripped = text.lstrip("\n \t")
    # A body or a single line pasted alone: "Diagnostic-Code: ..." must not be read as a header.
    parts = split_message(stripped) if _looks_like_message(stripped) else MessageParts(texts=[stripped])
    headers = {name.lower(): value for name, value in reversed(parts.headers)}
    pieces = [split_original(part) for part in parts.texts]
    readable = "\n".join(above for above, _ in pieces)
    below = next((below for _, below in pieces if below.strip()), "")
    if below and not parts.original_headers:
        returned = email.message_from_string(below.lstrip("\n"))
        parts.original_headers = [(str(name), str(value)) for name, value in returned.items()]
    if ses := parse_ses_notification(readable):
        return BounceReport(
            kind=ses.kind,
            format="amazonses-json",
            recipients=ses.recipients[:MAX_RECIPIENTS],
            reporting_mta=ses.reporting_mta,
            provider=None,
            feedback_type=ses.feedback_type,
            subject=headers.get("subject"),
        )
    dsn = parse_dsn_fields("\n\n".join(parts.delivery_status)) if parts.delivery_status else DsnFields()
    if not dsn.recipients:
        inline = parse_dsn_fields(readable)
        if inline.recipients:
            dsn = inline
    if not dsn.recipients and parts.forwarded_reports and depth == 0:
        # Someone forwarded the bounce as an attachment: the report inside is what matters.
        return _parse(parts.forwarded_reports[0], providers, depth + 1)
    format_name = detect_format(readable)
    excluded = _addresses(headers.get("to", "")) | _addresses(headers.get("from", ""))
    original_from = next((value for name, value in parts.original_headers if name.lower() == "from"), "")
    excluded |= _addresses(original_from)
    text_blocks = extract_recipients(readable, excluded)
    if not any(block.recipient for block in text_blocks) and not headers.get("x-failed-recipients"):
        # Some bounces go back to the failed address itself (test systems, forwarding loops).
        text_blocks = extract_recipients(readable, set())
    fallback_address = fallback_recipient(headers, parts)
    recipients: list[RecipientStatus] = []
    if dsn.recipients:
        count = len(dsn.recipients)
        for index, group in enumerate(dsn.recipients):
            address = typed_value(group.get("final-recipient", "") or group.get("original-recipient", ""))
            recipients.append(from_dsn(group, text_block_for(address, index, count, text_blocks)))
    else:
        recipients = [from_text(block, fallback_address) for block in text_blocks]
    feedback = feedback_fields(parts)
    codes_found = any(r.reply_code or r.enhanced_status for r in recipients)
    coded = [r for r in recipients if r.reply_code or r.enhanced_status]
    transient_only = bool(coded) and all(_transient(r) for r in coded)
    kind = classify(
        headers=headers,
        report_type=parts.report_type,
        has_feedback_part=bool(parts.feedback),
        actions=[r.action or "" for r in recipients],
        has_delivery_status=bool(parts.delivery_status) or bool(dsn.recipients),
        text=readable,
        codes_found=codes_found,
        format_name=format_name,
        transient_only=transient_only,
    )
    if kind is MessageKind.FEEDBACK_REPORT:
        recipients = [feedback_recipient(feedback, headers, parts)]
    elif kind in (MessageKind.AUTO_REPLY, MessageKind.NOT_A_BOUNCE):
        recipients = [r for r in recipients if r.reply_code or r.enhanced_status]
    reporting = typed_value(dsn.per_message.get("reporting-mta", "")) or None
    if reporting is None and (found := _REPORTING_HOST.search(readable)):
        reporting = next(group for group in found.groups() if group)
    provider = guess_provider(
        remote_hosts=[r.remote_mta for r in recipients if r.remote_mta],
        text=" ".join(r.diagnostic or "" for r in recipients) or readable[:5000],
        reporting_hosts=[reporting] if reporting else [],
        providers=providers,
    )
    problems = []
    if len(recipients) > MAX_RECIPIENTS or len(readable) > MAX_TEXT_CHARS:
        recipients = recipients[:MAX_RECIPIENTS]
        problems.append(
            InputError(
                f"The bounce is very long; only the first {MAX_RECIPIENTS} recipients or "
                f"{MAX_TEXT_CHARS:,} characters of its text were read.",
                "the pasted bounce",
                "Paste one bounce at a time, without the returned message.",
                "bounce.truncated",
            )
        )
    return BounceReport(
        kind=kind,
        format=format_name or ("rfc3464" if dsn.recipients or parts.delivery_status else "text"),
        recipients=tuple(recipients),
        reporting_mta=reporting,
        provider=provider,
        feedback_type=feedback.get("feedback-type"),
        subject=headers.get("subject"),
        problems=tuple(problems),
        dsn=bool(dsn.recipients),
    )
