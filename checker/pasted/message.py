"""Read what people paste as "a message": a whole .eml, only its headers, or a copy from a web page.

Pastes are messy: CRLF, LF or CR line ends, a "Show original" banner above the headers, ``> `` quoting
from a forwarded mail, header lines that lost their colon, 8-bit or binary junk. The parser keeps
going through all of that and lists what it had to tolerate in ``problems``; it never raises.

Header values are unfolded and RFC 2047 decoded for display; ``raw`` keeps each header and the whole
message byte-exact except for line ends, which are normalised to CRLF as DKIM expects.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re
from dataclasses import dataclass

from checker.shared.result import InputError

MAX_INPUT_BYTES = 5 * 1024 * 1024
"""Pastes larger than this (5 MiB) are refused: no real header block or bounce is that big."""
MAX_HEADER_LINES = 20_000
"""Header sections longer than this many lines are refused (10,000 Received lines still fit)."""

# RFC 5322 field name: printable ASCII except colon; tolerate blanks before the colon (seen in pastes).
_HEADER_START = re.compile(r"^([!-9;-~]+)[ \t]*:")
_QUOTE_PREFIX = re.compile(rb"^> ?", re.MULTILINE)
# A non-blank line that does not start with ">" (possessive: each line is scanned once).
_UNQUOTED_LINE = re.compile(rb"^(?!>)[ \t\x0b\x0c]*+[^\s]", re.MULTILINE)
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_ENCODED_WORDS = re.compile(r"(\?=)[ \t\r\n]+(=\?)")
# Headers that open a real message (what a mail server writes first), as opposed to a web page's summary
# table ("From: ...", "SPF: PASS") that some "Show original" banners put above the message.
_MESSAGE_OPENERS = frozenset(
    {
        "received",
        "return-path",
        "delivered-to",
        "x-received",
        "dkim-signature",
        "arc-seal",
        "arc-message-signature",
        "arc-authentication-results",
        "authentication-results",
        "message-id",
        "mime-version",
        "date",
        "x-original-to",
        "received-spf",
    }
)
_MAX_BANNER_LINES = 200
_MAX_SPLIT_LINES = _MAX_BANNER_LINES + MAX_HEADER_LINES + 2


@dataclass(frozen=True)
class Header:
    """One header field: ``value`` unfolded and decoded for display, ``raw`` as pasted (CRLF folds)."""

    name: str
    value: str
    raw: str
    line: int  # 1-based line number in the pasted text where the field starts


@dataclass(frozen=True)
class ParsedMessage:
    """A pasted message.

    ``body`` is ``None`` when only headers were pasted (no blank line after them) and ``b""`` when a
    blank line ends the headers but nothing follows. ``raw`` is the message from its first header,
    with CRLF line ends, suitable for DKIM verification when the paste was a whole message.
    """

    headers: tuple[Header, ...]
    body: bytes | None
    raw: bytes
    problems: tuple[InputError, ...] = ()
    skipped_lines: int = 0  # lines of banner, blank lines or junk before the first header

    def get_all(self, name: str) -> tuple[Header, ...]:
        """Every header with this name (case-insensitive), in message order."""
        wanted = name.lower()
        return tuple(header for header in self.headers if header.name.lower() == wanted)

    def get(self, name: str) -> str | None:
        """The decoded value of the first header with this name, or ``None``."""
        found = self.get_all(name)
        return found[0].value if found else None

    @property
    def headers_only(self) -> bool:
        """True when the paste held headers but no body separator."""
        return self.body is None


def to_bytes(text: str | bytes) -> bytes:
    """Pasted text as bytes: UTF-8, undecodable bytes kept (surrogateescape); a lone surrogate (which a
    browser's string can hold) becomes U+FFFD instead of raising."""
    if not isinstance(text, str):
        return bytes(text)
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace")


def _decode_text(data: bytes) -> str:
    """UTF-8 where valid, else Latin-1 (which maps every byte), so 8-bit junk never raises."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _decode_word(charset: str, encoding: str, payload: str) -> str | None:
    """One RFC 2047 encoded word, or ``None`` when it cannot be decoded (then it is shown as is)."""
    try:
        if encoding.lower() == "b":
            data = base64.b64decode(payload + "=" * (-len(payload) % 4), validate=True)
        else:
            data = quopri.decodestring(payload.encode("ascii", "replace"), header=True)
        charset = charset.split("*", 1)[0]  # RFC 2231 language suffix: "utf-8*en"
        return data.decode(charset, "replace")
    except (binascii.Error, LookupError, ValueError):
        return None


def decode_encoded_words(value: str) -> str:
    """Decode RFC 2047 encoded words (``=?utf-8?B?...?=``) for display; undecodable words stay as is."""
    if "=?" not in value:
        return value
    # Whitespace between two adjacent encoded words is not part of the text (RFC 2047 section 6.2).
    value = _BETWEEN_ENCODED_WORDS.sub(r"\1\2", value)

    def replace(found: re.Match[str]) -> str:
        decoded = _decode_word(found.group(1), found.group(2), found.group(3))
        return found.group(0) if decoded is None else decoded

    return _ENCODED_WORD.sub(replace, value)


def _unquote(data: bytes) -> bytes:
    """Strip one level of ``> `` quoting when every non-blank line of the paste (LF line ends) is quoted."""
    if not data.strip() or _UNQUOTED_LINE.search(data):
        return data
    return _QUOTE_PREFIX.sub(b"", data)


def _header_runs(texts: list[str], limit: int) -> list[int]:
    """Indexes of lines that start a run of header lines (a header line after a blank or junk line)."""
    starts = []
    previous_was_header = False
    for index, text in enumerate(texts[:limit]):
        is_header = bool(_HEADER_START.match(text))
        if is_header and not previous_was_header:
            starts.append(index)
        previous_was_header = is_header or (previous_was_header and text[:1] in (" ", "\t"))
    return starts


def _find_header_start(texts: list[str]) -> int | None:
    """Where the message's headers begin, skipping a banner or summary table above them.

    The first run of header lines is taken unless it holds none of the headers a mail server writes
    (Received, Return-Path, DKIM-Signature, ...) and a later run within the first lines does.
    """
    starts = _header_runs(texts, _MAX_BANNER_LINES)
    if not starts:
        return None
    for start in starts:
        for text in texts[start:]:
            found = _HEADER_START.match(text)
            if found is None and text[:1] not in (" ", "\t"):
                break
            if found and found.group(1).lower() in _MESSAGE_OPENERS:
                return start
    return starts[0]


def _refused(what: str, fix: str) -> ParsedMessage:
    problem = InputError(what, "the pasted message", fix, "input.too_large")
    return ParsedMessage(headers=(), body=None, raw=b"", problems=(problem,))


def parse_pasted_message(text: str | bytes) -> ParsedMessage:
    """Parse a pasted message or header block; problems are reported in the result, never raised."""
    data = to_bytes(text)
    if len(data) > MAX_INPUT_BYTES:
        return _refused(
            f"The paste is {len(data):,} bytes; the limit is {MAX_INPUT_BYTES:,} bytes (5 MB).",
            "Paste only the headers (everything above the first blank line), or remove large attachments.",
        )
    problems: list[InputError] = []
    if b"\x00" in data:
        problems.append(
            InputError(
                "The paste contains NUL bytes (binary data).",
                "the pasted message",
                "Paste the message source as text (in most mail programs: 'Show original' or 'View source').",
                "input.binary",
            )
        )
    # One normalised copy, then only the lines that can be headers are split out: splitting a 5 MB paste
    # of bare CR line ends into millions of line objects took over 500 MB. The body stays one bytes object.
    # (bytes.replace, not re.sub: re.sub keeps a list entry per match, 450 MB for 5 MB of bare CRs)
    data = _unquote(data.replace(b"\r\n", b"\n").replace(b"\r", b"\n"))
    lines = data.split(b"\n", _MAX_SPLIT_LINES)
    tail_cut = len(lines) > _MAX_SPLIT_LINES
    if tail_cut:
        lines.pop()  # the unsplit rest: only ever body, or past the header line limit
    ends_with_line_end = not tail_cut and len(lines) > 1 and lines[-1] == b""
    if ends_with_line_end:
        lines.pop()  # the piece after the final line end is not a line
    texts = [_decode_text(line) for line in lines]
    start = _find_header_start(texts)
    if start is None:
        problems.append(
            InputError(
                'No header line ("Name: value") was found.',
                "the pasted message",
                "Paste the full message source, starting with its headers (Received:, From:, ...).",
                "input.no_headers",
            )
        )
        return ParsedMessage((), None, b"", tuple(problems), skipped_lines=len(lines))

    headers: list[Header] = []
    current: list[int] = []  # line indexes of the field being read
    body_index: int | None = None

    def finish() -> None:
        if not current:
            return
        first = texts[current[0]]
        found = _HEADER_START.match(first)
        if found is None:
            return
        name = found.group(1)
        raw_field = "\r\n".join(texts[i] for i in current)
        unfolded = " ".join(texts[i].strip() for i in current)
        value = unfolded[unfolded.index(":") + 1 :].strip()
        headers.append(Header(name, decode_encoded_words(value), raw_field, current[0] + 1))
        current.clear()

    for index in range(start, len(lines) + (1 if tail_cut else 0)):
        if index - start >= MAX_HEADER_LINES or index >= len(lines):
            return _refused(
                f"The header section is longer than {MAX_HEADER_LINES:,} lines.",
                "Paste one message at a time; a real header section is at most a few hundred lines.",
            )
        line_text = texts[index]
        if line_text == "" or (not line_text.strip() and not current):
            body_index = index + 1
            break
        if line_text[:1] in (" ", "\t") and current:
            current.append(index)
            continue
        finish()
        if _HEADER_START.match(line_text):
            current.append(index)
        else:
            shown = line_text if len(line_text) <= 80 else line_text[:77] + "..."
            problems.append(
                InputError(
                    f'Line {index + 1} is not a header (it has no "Name:" before a colon): "{shown}".',
                    f"line {index + 1}",
                    "Check that the paste was not cut or wrapped; the line was skipped.",
                    "input.header_without_colon",
                )
            )
    finish()

    header_end = len(lines) if body_index is None else body_index - 1
    header_bytes = b"".join(lines[i] + b"\r\n" for i in range(start, header_end))
    if body_index is None:
        return ParsedMessage(tuple(headers), None, header_bytes, tuple(problems), start)
    body_offset = sum(len(lines[i]) + 1 for i in range(body_index))
    body = data[body_offset:].replace(b"\n", b"\r\n")
    return ParsedMessage(tuple(headers), body, header_bytes + b"\r\n" + body, tuple(problems), start)
