"""Tag lists (``v=DMARC1; p=reject``): how DMARC, MTA-STS, TLS-RPT and BIMI records are written.

DKIM keys and signatures use the stricter RFC 6376 grammar (dkimpy parses those); this splitter is
lenient and positional, so a record parser can both read the tags and say where a bad piece is.
"""

from __future__ import annotations

from dataclasses import dataclass

# RFC 7489 / 8461 / 8460 allow SP and HTAB around tags; CR and LF can arrive from pasted text.
_PIECE_SPACE = " \t\r\n"
_TAG_SPACE = " \t"


@dataclass(frozen=True)
class TagPiece:
    """One ``;``-separated piece of a tag list: a ``name=value`` tag, or text that is not one."""

    text: str  # the piece as written, without surrounding white space
    position: int  # offset of ``text`` in the record, from 0
    name: str | None  # lower-cased tag name; None when the piece has no "="
    value: str = ""


def split_tag_list(record: str) -> list[TagPiece]:
    """Every non-empty piece of ``record`` in order, with its position; never raises."""
    pieces: list[TagPiece] = []
    offset = 0
    for chunk in record.split(";"):
        start = offset
        offset += len(chunk) + 1
        text = chunk.strip(_PIECE_SPACE)
        if not text:
            continue
        position = start + (len(chunk) - len(chunk.lstrip(_PIECE_SPACE)))
        if "=" not in text:
            pieces.append(TagPiece(text, position, None))
            continue
        name, _, value = text.partition("=")
        pieces.append(TagPiece(text, position, name.strip(_TAG_SPACE).lower(), value.strip(_TAG_SPACE)))
    return pieces


def tag_values(record: str) -> dict[str, str]:
    """``"v=STSv1; id=abc"`` -> ``{"v": "STSv1", "id": "abc"}``; later duplicates do not overwrite."""
    tags: dict[str, str] = {}
    for piece in split_tag_list(record):
        if piece.name is not None:
            tags.setdefault(piece.name, piece.value)
    return tags
