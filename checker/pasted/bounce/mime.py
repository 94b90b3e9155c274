"""Take a bounce message apart: its headers, readable text, delivery-status and feedback parts.

The stdlib ``email`` parser does the MIME work with its default policy, compat32, which records
defects instead of raising. (Not named through ``email.policy``: importing that module brings the
modern header classes this parser never uses, about 160 ms of the analyzer's start-up in a browser.)
The returned message part (the copy of what was sent) is kept apart so its text is not mistaken
for the server's explanation.
"""

from __future__ import annotations

import email
import email.errors
import re
from dataclasses import dataclass, field
from email.message import Message

from checker.pasted.message import decode_encoded_words

# "[^<>]" rather than "[^>]": on a run of "<" without ">" each try stops at the next "<", so stripping
# tags is linear (with "[^>]*" every "<" scanned to the end of the text: 100 kB of "<" took 8 s).
_TAG = re.compile(r"<[^<>]*+>")
_BLOCK_TAG = re.compile(r"<[^\S\n]*+(?:br|/p|/div|/tr|/li|p|div|tr|li)\b[^<>]*+>", re.IGNORECASE)
_ORIGINAL_TYPES = {"message/rfc822", "text/rfc822-headers", "message/rfc822-headers", "message/partial"}
_STATUS_TYPES = {"message/delivery-status", "message/global-delivery-status"}
_FEEDBACK_TYPES = {"message/feedback-report"}
_MAX_PARTS = 200


@dataclass
class MessageParts:
    """The pieces of a bounce that the parser reads."""

    headers: list[tuple[str, str]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    delivery_status: list[str] = field(default_factory=list)
    feedback: list[str] = field(default_factory=list)
    original_headers: list[tuple[str, str]] = field(default_factory=list)
    forwarded_reports: list[str] = field(default_factory=list)  # a DSN attached to a forwarded mail
    content_type: str = "text/plain"
    report_type: str | None = None


_NEWLINES = re.compile(r"\r++\n?")  # a whole CR run at once (r"\r+\n|\r" rescanned it: quadratic)
_CR_RUN = re.compile(r"\r*")
_CHUNK = 64 * 1024


def _line_ends(found: re.Match[str]) -> str:
    run = found.group(0)
    return "\n" if run.endswith("\n") else "\n" * len(run)


def normalise_newlines(text: str) -> str:
    """LF line ends; CR runs before LF (seen as CR CR LF in the wild) count as one line end.

    Done in chunks: ``re.sub`` keeps an entry per match, so 5 MB of bare CRs in one call took 450 MB.
    A chunk never ends inside a CR run that an LF closes, so the result is the same as one call.
    """
    if "\r" not in text:
        return text
    out: list[str] = []
    position, length = 0, len(text)
    while position < length:
        end = min(position + _CHUNK, length)
        if end < length and text[end - 1] == "\r":
            run_end = _CR_RUN.match(text, end).end()
            if run_end < length and text[run_end] == "\n":
                end = run_end + 1
        out.append(_NEWLINES.sub(_line_ends, text[position:end]))
        position = end
    return "".join(out)


def _decode_payload(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if payload is None:
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    if not isinstance(payload, bytes):
        return str(payload)
    charset = part.get_content_charset() or "utf-8"
    for candidate in (charset, "utf-8"):
        try:
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("latin-1")


def _html_to_text(markup: str) -> str:
    import html  # here: few bounces carry only HTML, and the import is ~35 ms of the browser's start-up

    return html.unescape(_TAG.sub("", _BLOCK_TAG.sub("\n", markup)))


def _fields_text(part: Message) -> str:
    """A delivery-status or feedback part as "Name: value" lines, blocks split by blank lines."""
    payload = part.get_payload()
    if isinstance(payload, list):
        blocks = []
        for block in payload:
            if isinstance(block, Message):
                lines = [f"{name}: {' '.join(str(value).split())}" for name, value in block.items()]
                body = block.get_payload()
                if isinstance(body, str) and body.strip():
                    lines.append(body)  # fields after a stray blank line inside a block
                blocks.append("\n".join(lines))
        return "\n\n".join(blocks)
    return _decode_payload(part)


def _headers_of(part: Message) -> list[tuple[str, str]]:
    return [(str(name), decode_encoded_words(" ".join(str(value).split()))) for name, value in part.items()]


def _as_string(message: Message) -> str | None:
    """The message as text again, or ``None`` when the generator refuses it.

    Since Python 3.13 (and the 3.12 security releases) the generator raises ``HeaderWriteError`` for a
    header that would fold into a new line, e.g. one holding a form feed; a pasted bounce may hold one.
    """
    try:
        return message.as_string()
    except (email.errors.MessageError, ValueError, TypeError, LookupError, RecursionError):
        return None


def _walk(part: Message, parts: MessageParts, budget: list[int]) -> None:
    budget[0] -= 1
    if budget[0] < 0:
        return
    content_type = part.get_content_type()
    if content_type in _ORIGINAL_TYPES:
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            parts.original_headers.extend(_headers_of(inner[0]))
            if inner[0].get_content_type() == "multipart/report":
                flat = _as_string(inner[0])
                if flat is not None:
                    parts.forwarded_reports.append(flat)
        elif isinstance(inner, str):
            parsed = email.message_from_string(normalise_newlines(inner).lstrip("\n"))
            parts.original_headers.extend(_headers_of(parsed))
        return
    if content_type in _STATUS_TYPES:
        parts.delivery_status.append(normalise_newlines(_fields_text(part)))
        return
    if content_type in _FEEDBACK_TYPES:
        parts.feedback.append(normalise_newlines(_fields_text(part)))
        return
    if part.is_multipart():
        for child in part.get_payload():
            if isinstance(child, Message):
                _walk(child, parts, budget)
        return
    # A multipart type whose boundary never appears arrives as one string: read it as text.
    if content_type.startswith(("text/", "multipart/")) or content_type == "application/octet-stream":
        text = _decode_payload(part)
        if content_type == "text/html":
            text = _html_to_text(text)
        parts.texts.append(normalise_newlines(text))


def split_message(text: str) -> MessageParts:
    """Split a pasted bounce into headers, text parts, DSN parts and the returned message's headers."""
    message = email.message_from_string(text)
    parts = MessageParts(headers=_headers_of(message), content_type=message.get_content_type())
    report_type = message.get_param("report-type") if parts.content_type == "multipart/report" else None
    parts.report_type = report_type.lower() if isinstance(report_type, str) else None
    _walk(message, parts, [_MAX_PARTS])
    return parts
