"""Build each recipient's status from the DSN fields and the readable text about that recipient."""

from __future__ import annotations

import re
from collections.abc import Mapping

from checker.pasted.bounce.dsn import typed_value
from checker.pasted.bounce.formats import (
    ADDRESS,
    TextRecipient,
    collapse_reply_lines,
    find_codes,
    find_command,
    find_remote_host,
)
from checker.pasted.bounce.mime import MessageParts
from checker.pasted.bounce.model import RecipientStatus

_STATUS_VALUE = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_ADDRESS = re.compile(ADDRESS)
_FEEDBACK_FIELD = re.compile(r"^([A-Za-z][\w-]*):\s*(.*)$", re.MULTILINE)


def status_code(value: str | None) -> str | None:
    """The RFC 3463 code in a Status value ("5.1.1 (user unknown)" gives "5.1.1"), normalised."""
    found = _STATUS_VALUE.search(value or "")
    return f"{found.group(1)}.{int(found.group(2))}.{int(found.group(3))}" if found else None


def choose_status(status_field: str | None, from_diagnostic: str | None) -> str | None:
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


def text_block_for(
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


def from_dsn(group: dict[str, str], text_block: TextRecipient | None) -> RecipientStatus:
    """One recipient from its DSN fields, gaps filled from the readable text about it."""
    recipient = typed_value(
        group.get("final-recipient")
        or group.get("x-actual-recipient")
        or group.get("original-recipient")
        or ""
    )
    recipient_match = _ADDRESS.search(recipient)
    diagnostic = collapse_reply_lines(typed_value(group.get("diagnostic-code", ""))) or None
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
    address = recipient_match.group(0) if recipient_match else None
    if address is None and text_block is not None and text_block.recipient:
        # Final-Recipient is a file path or "@host" (pipe and file deliveries): the text names the address.
        address = text_block.recipient
    return RecipientStatus(
        recipient=address or recipient or None,
        action=(group.get("action") or "").split()[0].lower() if group.get("action", "").strip() else None,
        reply_code=reply,
        enhanced_status=choose_status(status_code(group.get("status")), enhanced),
        diagnostic=diagnostic,
        remote_mta=remote or (find_remote_host(diagnostic) if diagnostic else None),
        last_command=command,
        original_recipient=original,
    )


def from_text(block: TextRecipient, fallback_recipient: str | None) -> RecipientStatus:
    """One recipient from a readable-text block (NDRs without DSN fields)."""
    return RecipientStatus(
        recipient=block.recipient or fallback_recipient,
        action=None,
        reply_code=block.reply_code,
        enhanced_status=block.enhanced_status,
        diagnostic=block.diagnostic or None,
        remote_mta=block.remote_mta,
        last_command=block.last_command,
    )


def feedback_fields(parts: MessageParts) -> dict[str, str]:
    """The fields of the message/feedback-report parts (RFC 5965), lower-cased names."""
    fields: dict[str, str] = {}
    for text in parts.feedback:
        for name, value in _FEEDBACK_FIELD.findall(text):
            fields.setdefault(name.lower(), value.strip())
    return fields


def fallback_recipient(headers: Mapping[str, str], parts: MessageParts) -> str | None:
    """A recipient when the text names none: X-Failed-Recipients, else the returned message's To."""
    if found := _ADDRESS.search(headers.get("x-failed-recipients", "")):
        return found.group(0)
    for name, value in parts.original_headers:
        if name.lower() in ("to", "x-original-to") and (found := _ADDRESS.search(value)):
            return found.group(0)
    return None


def feedback_recipient(
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
