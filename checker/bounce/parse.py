"""parse_bounce: a whole DSN, a pasted NDR body or one line, to a per-recipient ``BounceReport``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from checker.bounce.classify import classify
from checker.bounce.dsn import DsnFields, parse_dsn_fields, typed_value
from checker.bounce.formats import (
    ADDRESS,
    TextRecipient,
    cut_original,
    detect_format,
    extract_recipients,
    find_codes,
    find_command,
    find_remote_host,
)
from checker.bounce.mime import MessageParts, normalise_newlines, split_message
from checker.bounce.model import BounceReport, MessageKind, RecipientStatus
from checker.bounce.provider import guess_provider
from checker.result import InputError

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
_STATUS_VALUE = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_ADDRESS = re.compile(ADDRESS)
_REPORTING_HOST = re.compile(
    r"This is the mail system at host\s+([\w.-]+\w)|Generating server:\s*([\w.-]+\w)|"
    r"Mail Agent v[\d.]+ at\s+([\w.-]+\w)|Reporting-MTA:\s*dns;\s*([\w.-]+\w)",
    re.IGNORECASE,
)
_FEEDBACK_FIELD = re.compile(r"^([A-Za-z][\w-]*):\s*(.*)$", re.MULTILINE)


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


def _status(value: str | None) -> str | None:
    found = _STATUS_VALUE.search(value or "")
    return f"{found.group(1)}.{int(found.group(2))}.{int(found.group(3))}" if found else None


def _choose_status(status_field: str | None, from_diagnostic: str | None) -> str | None:
    """The Status field, unless it is a bare class ("5.0.0") and the server's reply is more precise."""
    if not status_field:
        return from_diagnostic
    if (
        from_diagnostic
        and status_field.endswith(".0.0")
        and not from_diagnostic.endswith(".0.0")
        and from_diagnostic[0] == status_field[0]
    ):
        return from_diagnostic
    return status_field


def _text_for(
    address: str | None, index: int, count: int, found: list[TextRecipient]
) -> TextRecipient | None:
    """The readable-text block about this DSN recipient: same address, else the same position."""
    if address:
        for block in found:
            if block.recipient and block.recipient.lower() == address.lower():
                return block
    if len(found) == count or len(found) == 1:
        return found[min(index, len(found) - 1)]
    return None


def _from_dsn(group: dict[str, str], text_block: TextRecipient | None) -> RecipientStatus:
    recipient = typed_value(
        group.get("final-recipient")
        or group.get("x-actual-recipient")
        or group.get("original-recipient")
        or ""
    )
    recipient_match = _ADDRESS.search(recipient)
    diagnostic = typed_value(group.get("diagnostic-code", "")) or None
    if diagnostic is None and text_block is not None and text_block.diagnostic:
        diagnostic = text_block.diagnostic
    reply, enhanced = find_codes(diagnostic or "")
    if reply is None and text_block is not None:
        reply = text_block.reply_code
    if enhanced is None and text_block is not None:
        enhanced = text_block.enhanced_status
    command = find_command(diagnostic or "") or (text_block.last_command if text_block else None)
    remote = typed_value(group.get("remote-mta", "")) or (text_block.remote_mta if text_block else None)
    original = typed_value(group.get("original-recipient", "")) or None
    return RecipientStatus(
        recipient=recipient_match.group(0) if recipient_match else (recipient or None),
        action=(group.get("action") or "").split()[0].lower() if group.get("action", "").strip() else None,
        reply_code=reply,
        enhanced_status=_choose_status(_status(group.get("status")), enhanced),
        diagnostic=diagnostic,
        remote_mta=remote or (find_remote_host(diagnostic) if diagnostic else None),
        last_command=command,
        original_recipient=original,
    )


def _from_text(block: TextRecipient, fallback_recipient: str | None) -> RecipientStatus:
    return RecipientStatus(
        recipient=block.recipient or fallback_recipient,
        action=None,
        reply_code=block.reply_code,
        enhanced_status=block.enhanced_status,
        diagnostic=block.diagnostic or None,
        remote_mta=block.remote_mta,
        last_command=block.last_command,
    )


def _feedback_fields(parts: MessageParts) -> dict[str, str]:
    fields: dict[str, str] = {}
    for text in parts.feedback:
        for name, value in _FEEDBACK_FIELD.findall(text):
            fields.setdefault(name.lower(), value.strip())
    return fields


def _refused(size: int) -> BounceReport:
    problem = InputError(
        f"The paste is {size:,} bytes; the limit is {MAX_BOUNCE_BYTES:,} bytes (5 MB).",
        "the pasted bounce",
        "Paste only the bounce text and its delivery report, without the attached original message.",
        "input.too_large",
    )
    return BounceReport(MessageKind.NOT_A_BOUNCE, "unknown", (), None, None, None, None, (problem,))


def parse_bounce(text: str | bytes, *, providers: Mapping[str, Any] | None = None) -> BounceReport:
    """Parse a bounce (DSN, NDR text or a single line) into a per-recipient report. Never raises.

    ``providers`` is ``catalog.json``'s provider map (id -> name and host patterns); without it the
    provider is guessed from wording only.
    """
    size = len(text.encode("utf-8", "surrogateescape")) if isinstance(text, str) else len(text)
    if size > MAX_BOUNCE_BYTES:
        return _refused(size)
    try:
        return _parse(_to_text(text), providers)
    except (ValueError, LookupError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        # The email package can still trip on pathological MIME; say so instead of crashing the page.
        problem = InputError(
            f"The bounce could not be read ({type(exc).__name__}).",
            "the pasted bounce",
            "Paste the bounce as plain text (the message source or just the error lines).",
            "bounce.unreadable",
        )
        return BounceReport(MessageKind.NOT_A_BOUNCE, "unknown", (), None, None, None, None, (problem,))


def _parse(text: str, providers: Mapping[str, Any] | None) -> BounceReport:
    text = _unquote(normalise_newlines(text.replace("\x00", "")))
    stripped = text.lstrip("\n \t")
    # A body or a single line pasted alone: "Diagnostic-Code: ..." must not be read as a header.
    parts = split_message(stripped) if _looks_like_message(stripped) else MessageParts(texts=[stripped])
    headers = {name.lower(): value for name, value in reversed(parts.headers)}
    readable = "\n".join(cut_original(part) for part in parts.texts)
    dsn = parse_dsn_fields("\n\n".join(parts.delivery_status)) if parts.delivery_status else DsnFields()
    if not dsn.recipients:
        inline = parse_dsn_fields(readable)
        if inline.recipients:
            dsn = inline
    format_name = detect_format(readable)
    excluded = _addresses(headers.get("to", "")) | _addresses(headers.get("from", ""))
    original_from = next((value for name, value in parts.original_headers if name.lower() == "from"), "")
    excluded |= _addresses(original_from)
    text_blocks = extract_recipients(readable, excluded)
    fallback_recipient = _fallback_recipient(headers, parts)
    recipients: list[RecipientStatus] = []
    if dsn.recipients:
        count = len(dsn.recipients)
        for index, group in enumerate(dsn.recipients):
            address = typed_value(group.get("final-recipient", "") or group.get("original-recipient", ""))
            recipients.append(_from_dsn(group, _text_for(address, index, count, text_blocks)))
    else:
        recipients = [_from_text(block, fallback_recipient) for block in text_blocks]
    feedback = _feedback_fields(parts)
    codes_found = any(r.reply_code or r.enhanced_status for r in recipients)
    kind = classify(
        headers=headers,
        report_type=parts.report_type,
        has_feedback_part=bool(parts.feedback),
        actions=[r.action or "" for r in recipients],
        has_delivery_status=bool(parts.delivery_status) or bool(dsn.recipients),
        text=readable,
        codes_found=codes_found,
        format_name=format_name,
    )
    if kind is MessageKind.FEEDBACK_REPORT:
        recipients = [_feedback_recipient(feedback, headers, parts)]
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
    return BounceReport(
        kind=kind,
        format="rfc3464"
        if parts.delivery_status
        else (format_name or ("dsn-fields" if dsn.recipients else "text")),
        recipients=tuple(recipients),
        reporting_mta=reporting,
        provider=provider,
        feedback_type=feedback.get("feedback-type"),
        subject=headers.get("subject"),
    )


def _fallback_recipient(headers: Mapping[str, str], parts: MessageParts) -> str | None:
    """A recipient when the text names none: X-Failed-Recipients, else the returned message's To."""
    for value in (headers.get("x-failed-recipients", ""),):
        if found := _ADDRESS.search(value):
            return found.group(0)
    for name, value in parts.original_headers:
        if name.lower() in ("to", "x-original-to") and (found := _ADDRESS.search(value)):
            return found.group(0)
    return None


def _feedback_recipient(
    feedback: dict[str, str], headers: Mapping[str, str], parts: MessageParts
) -> RecipientStatus:
    """For an ARF report: whose mailbox complained (Original-Rcpt-To / Removal-Recipient, else To)."""
    candidates = [feedback.get("original-rcpt-to", ""), feedback.get("removal-recipient", "")]
    candidates += [value for name, value in parts.original_headers if name.lower() == "to"]
    recipient = next((found.group(0) for value in candidates if (found := _ADDRESS.search(value))), None)
    return RecipientStatus(
        recipient=recipient,
        action=None,
        reply_code=None,
        enhanced_status=None,
        diagnostic=feedback.get("feedback-type"),
        remote_mta=None,
        last_command=None,
    )
