"""Read the human-readable text of a bounce: which format wrote it, each recipient and what was said.

Non-standard NDRs (qmail, Exim, Postfix's text part, Sendmail transcripts, Exchange, Gmail,
DragonFly, OpenSMTPD...) differ in wording but share a shape: a recipient address on its own line
or at the start of a line, followed by the remote server's reply. So one tolerant reader, guided by
a few per-format phrases, serves them all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# An address as bounces print it. The lookbehind and possessive quantifiers keep matching linear on
# hostile input (a 200 kB run of letters): a local part is tried once per run, never re-scanned.
_LOCAL_CHARS = "A-Za-z0-9!#$%&'*+/=?^_`{|}~.-"
ADDRESS = (
    rf"(?<![{_LOCAL_CHARS}])[{_LOCAL_CHARS}]{{1,64}}+"  # local part, from the start of its run
    r"@[A-Za-z0-9-]{1,63}+(?:\.[A-Za-z0-9-]{1,63}+)++"  # domain labels, never given back
)
_ADDRESS = re.compile(ADDRESS)
# Where the copy of the original message starts; nothing below is the server's explanation.
_ORIGINAL_MARKERS = re.compile(
    r"^\s*(?:"
    r"-+\s*Below this line is a copy of the message|"
    r"-+\s*This is a copy of the message|"
    r"-+\s*(?:The\s+)?(?:Original|Returned|Unsent|Undelivered|Rejected)\s+(?:message|mail)|"
    r"-+\s*Original message follows|"
    r"Message headers follow|"
    r"Original message headers:|"
    r"-+\s*The header of the original message|"
    r"Content-Type:\s*(?:message/rfc822|text/rfc822-headers)"
    r")",
    re.IGNORECASE | re.MULTILINE,
)
FORMAT_PHRASES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("qmail", r"qmail-send program|\bqmail\b"),
        (
            "exim",
            r"created automatically by mail delivery software|SMTP error from remote mail server|\bExim\b",
        ),
        ("postfix", r"This is the mail system at host|\bPostfix\b"),
        ("sendmail", r"Transcript of session follows|The original message was received at"),
        (
            "exchange",
            r"Remote Server returned|Diagnostic information for administrators|"
            r"Delivery has failed to these recipients|Microsoft Exchange",
        ),
        (
            "gmail",
            r"The response from the remote server was|Technical details of (?:permanent|temporary) failure|"
            r"Google tried to deliver your message",
        ),
        ("dragonfly", r"DragonFly Mail Agent"),
        ("opensmtpd", r"OpenSMTPD|This is the MAILER-DAEMON, please DO NOT REPLY"),
        ("amazonses", r"amazonses\.com"),
    )
)
_ALONE = re.compile(rf"^\s*[<\"]?({ADDRESS})[>\"]?\s*(?:\([^()]{{0,300}}\))?\s*:?\s*$")
_LINE_START = re.compile(rf"^\s*<({ADDRESS})>\s*(?:\(expanded from[^()]{{0,300}}\))?\s*:?\s*(.*)$")
_LEADING = re.compile(rf"^\s*<?({ADDRESS})>?(?=[\s:;,]|$)")
_RCPT = re.compile(rf"RCPT\s+TO\s*:\s*<?({ADDRESS})", re.IGNORECASE)
_SENDMAIL = re.compile(rf"<?({ADDRESS})>?\.\.\.\s*(.*)$")
_CONTEXT = re.compile(
    rf"\b(?:to|for|recipients?|address(?:es)?|mailbox|user|userid|attempts|destinataire|empfänger)\b"
    rf"\W{{0,4}}<?({ADDRESS})",
    re.IGNORECASE,
)
_NOT_RECIPIENT_CONTEXT = re.compile(r"(?:MAIL\s+FROM|envelope-from|Sender|From)\s*[:=]?\s*<?$", re.IGNORECASE)
_REPLY = re.compile(r"(?<![\w.#-])([45]\d\d)(?=[ :,;-]|$)", re.MULTILINE)
_REPLY_SUCCESS = re.compile(r"(?<![\w.#-])(2[05]\d)(?=[ -]\d\.\d)", re.MULTILINE)
# "550-'5.7.1 ..." or "550 5.1.1": the enhanced code that belongs to the reply code.
_PAIR = re.compile(r"(?<![\w.#-])([45]\d\d)[ -]['\"(]?([45]\.\d{1,3}\.\d{1,3})(?![\w.]*\d)")
_ENHANCED = re.compile(r"(?<![\w.])([245]\.\d{1,3}\.\d{1,3})(?![\w.]*\d)")
_COMMAND = re.compile(
    r"(?:after|in reply to|in response to|did not like our|response to|for)\s+(?:the\s+)?(?:end of\s+)?"
    r"(RCPT\s+TO|MAIL\s+FROM|DATA|HELO|EHLO|STARTTLS|AUTH|RCPT|MAIL|CONNECT|BDAT)\b",
    re.IGNORECASE,
)
_TRANSCRIPT_COMMAND = re.compile(
    r"^>>>\s*(RCPT\s+TO|MAIL\s+FROM|DATA|HELO|EHLO|STARTTLS|\.)", re.IGNORECASE | re.MULTILINE
)
_REMOTE_HOST = re.compile(
    r"\bhost\s+([A-Za-z0-9][\w.-]*\.[A-Za-z]{2,})\.?\s*\[|"
    r"\bremote host\s+(?!said\b)([\w.:-]+\w)|"
    r"^([\w.:-]+\w) does not like recipient|"
    r"\bwhile talking to\s+([\w.-]+\w)|"
    r"\bby\s+([A-Za-z0-9][\w.-]*\.[A-Za-z]{2,})\.?\s*\[[\d.:a-fA-F]+\]|"
    r"^([A-Za-z0-9][\w.-]*\.[A-Za-z]{2,})\s*\[[\d.:a-fA-F]+\]\s+(?:did not like|said)|"
    r"\bRemote Server at\s+([\w.-]+)",
    re.IGNORECASE | re.MULTILINE,
)
MAX_TEXT_CHARS = 200_000
"""Only this much readable bounce text is searched for recipients; the rest is reported as cut."""
_MAX_LINE = 2_000  # longer lines are not read for addresses: real bounce lines are short
_MAX_DIAGNOSTIC = 4_000


@dataclass(frozen=True)
class TextRecipient:
    """One recipient found in readable bounce text with the text about it."""

    recipient: str | None
    diagnostic: str
    reply_code: int | None
    enhanced_status: str | None
    remote_mta: str | None
    last_command: str | None


def split_original(text: str) -> tuple[str, str]:
    """(explanation, returned message): the text above and below the "original message" marker."""
    found = _ORIGINAL_MARKERS.search(text)
    if not found:
        return text, ""
    below = text[found.end() :].split("\n", 1)
    return text[: found.start()], below[1] if len(below) > 1 else ""


def cut_original(text: str) -> str:
    """The text above the copy of the original message (all of it when there is no marker)."""
    return split_original(text)[0]


def detect_format(text: str) -> str | None:
    """The software or service that wrote this bounce text, from its typical phrases."""
    for name, pattern in FORMAT_PHRASES:
        if pattern.search(text):
            return name
    return None


def find_codes(text: str) -> tuple[int | None, str | None]:
    """The failure reply code and enhanced status code in text, preferring those on the same line."""
    pair = _PAIR.search(text)
    if pair:
        return int(pair.group(1)), pair.group(2)
    reply_found = _REPLY.search(text) or _REPLY_SUCCESS.search(text)
    enhanced_matches = [m for m in _ENHANCED.finditer(text) if not m.group(1).startswith("2")]
    enhanced_matches = enhanced_matches or list(_ENHANCED.finditer(text))
    reply = int(reply_found.group(1)) if reply_found else None
    enhanced = enhanced_matches[0].group(1) if enhanced_matches else None
    if reply_found and enhanced_matches:
        line_start = text.rfind("\n", 0, reply_found.start()) + 1
        line_end = text.find("\n", reply_found.end())
        line_end = len(text) if line_end < 0 else line_end
        same_line = [m.group(1) for m in enhanced_matches if line_start <= m.start() < line_end]
        if same_line:
            enhanced = same_line[0]
    return reply, enhanced


def find_command(text: str) -> str | None:
    """The SMTP command the remote server was answering ("RCPT TO", "DATA"...), if the text says."""
    found = _COMMAND.search(text)
    if found:
        command = " ".join(found.group(1).upper().split())
    else:
        commands = _TRANSCRIPT_COMMAND.findall(text)
        if not commands:
            return None
        command = " ".join(commands[-1].upper().split())
        command = "DATA" if command == "." else command
    return {"RCPT": "RCPT TO", "MAIL": "MAIL FROM"}.get(command, command)


def find_remote_host(text: str) -> str | None:
    """The remote server's host name as the bounce text names it."""
    found = _REMOTE_HOST.search(text)
    if not found:
        return None
    return next(group for group in found.groups() if group).rstrip(".").lower()


def _recipient_on_line(line: str, excluded: set[str]) -> tuple[str, str] | None:
    """(address, rest of the line) when this line names a recipient."""
    if "@" not in line:
        return None
    line = line[:_MAX_LINE]
    for pattern in (_ALONE, _LINE_START, _RCPT, _SENDMAIL, _LEADING, _CONTEXT):
        for found in pattern.finditer(line):
            address = found.group(1).strip(".'")
            if address.lower() in excluded or _NOT_RECIPIENT_CONTEXT.search(line[: found.start(1)]):
                continue
            rest = found.group(2) if pattern is _LINE_START else ("" if pattern is _ALONE else line)
            return address, rest
    return None


def _block_result(recipient: str | None, lines: list[str]) -> TextRecipient:
    block = "\n".join(lines).strip()[: _MAX_DIAGNOSTIC * 2]
    reply, enhanced = find_codes(block)
    diagnostic = " ".join(block.split())[:_MAX_DIAGNOSTIC]
    return TextRecipient(recipient, diagnostic, reply, enhanced, find_remote_host(block), find_command(block))


def extract_recipients(text: str, excluded: set[str]) -> list[TextRecipient]:
    """Recipient blocks in readable bounce text: each recipient with the lines that follow it.

    ``excluded`` holds lower-cased addresses that are not recipients (the bounce's own To and From).
    Consecutive mentions of the same address (a Sendmail transcript) form one block.
    """
    lines = text[:MAX_TEXT_CHARS].split("\n")
    blocks: list[tuple[str | None, list[str]]] = []
    preamble: list[str] = []
    for line in lines:
        found = _recipient_on_line(line, excluded)
        if found:
            address, rest = found
            if blocks and blocks[-1][0] and blocks[-1][0].lower() == address.lower():
                blocks[-1][1].append(rest or line)
            else:
                blocks.append((address, [rest] if rest else []))
        elif blocks:
            blocks[-1][1].append(line)
        else:
            preamble.append(line)
    if not blocks:
        return [_block_result(None, preamble)]
    results: dict[str, TextRecipient] = {}
    order: list[str] = []
    before = _block_result(None, preamble)  # computed once: many recipients must not re-read it
    for address, block_lines in blocks:
        key = (address or "").lower()
        result = _block_result(address, block_lines)
        if result.reply_code is None and result.enhanced_status is None and (
            before.reply_code or before.enhanced_status
        ):
            # The reply sometimes comes before the address (Exchange, some Japanese MTAs).
            result = TextRecipient(
                address,
                f"{before.diagnostic} {result.diagnostic}".strip()[:_MAX_DIAGNOSTIC],
                before.reply_code,
                before.enhanced_status,
                result.remote_mta or before.remote_mta,
                result.last_command or before.last_command,
            )
        if key not in results:
            order.append(key)
            results[key] = result
        elif (results[key].reply_code is None and result.reply_code) or (
            results[key].enhanced_status is None and result.enhanced_status
        ):
            results[key] = result
    return [results[key] for key in order]
