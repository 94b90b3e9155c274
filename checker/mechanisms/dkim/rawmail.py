"""Split a raw message into header fields and body the way DKIM needs them (exact bytes kept)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

_BARE_LF = re.compile(rb"(?<!\r)\n")
# The name keeps any blanks before the colon: "simple" canonicalisation hashes them as they are.
_HEADER_NAME = re.compile(rb"([\x21-\x39\x3b-\x7e]+[ \t]*):")


class ParsedMessageLike(Protocol):
    """What ``checker.pasted.message.ParsedMessage`` offers: CRLF bytes, ``body is None`` for headers only."""

    @property
    def raw(self) -> bytes:
        """The whole message as bytes."""

    @property
    def body(self) -> object | None:
        """The body, or None when only headers were given."""


@dataclass(frozen=True)
class RawMessage:
    """Header fields as ``(name, value)`` byte pairs, value keeping its folding and final CRLF.

    ``body`` is None when only the header block was given. ``skipped_lines`` counts header-block
    lines that were neither a field nor a continuation (an mbox ``From `` line, pasted junk).
    """

    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes | None
    skipped_lines: int = 0


def to_crlf(raw: bytes) -> bytes:
    """Turn bare LF into CRLF: pasted and saved messages often lose the CR, DKIM hashes CRLF."""
    return _BARE_LF.sub(b"\r\n", raw)


def split_message(raw: bytes, *, headers_only: bool | None = None) -> RawMessage:
    """Split ``raw`` into header fields and body.

    With ``headers_only=None`` the message counts as headers only when no blank line ends the
    header block; ``True`` forces it (the body, if any, is ignored); ``False`` treats a missing
    blank line as an empty body.
    """
    data = to_crlf(raw)
    # A pasted block may start with blank lines; they are not the separator when a field follows.
    stripped = data.lstrip(b"\r\n")
    if len(stripped) != len(data) and _HEADER_NAME.match(stripped):
        data = stripped
    separator = data.find(b"\r\n\r\n")
    if separator == -1:
        head = data
        body: bytes | None = None if headers_only is not False else b""
    else:
        head = data[: separator + 2]
        body = None if headers_only else data[separator + 4 :]
    # Each field collects its lines in a list: concatenating bytes per folded line is quadratic.
    fields: list[tuple[bytes, list[bytes]]] = []
    skipped = 0
    for line in head.split(b"\r\n"):
        if not line:
            continue
        if line[:1] in (b" ", b"\t"):
            if fields:
                fields[-1][1].append(line)
            else:
                skipped += 1
            continue
        match = _HEADER_NAME.match(line)
        if match is None:
            skipped += 1
            continue
        fields.append((match.group(1), [line[match.end() :]]))
    headers = tuple((name, b"\r\n".join(lines) + b"\r\n") for name, lines in fields)
    return RawMessage(headers, body, skipped)
