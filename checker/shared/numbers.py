"""Whole numbers read from pasted text, without the traps of ``str.isdigit`` and ``int``.

``"²".isdigit()`` is true but ``int("²")`` raises, and ``int`` refuses strings of more than 4,300
digits (CPython's integer string conversion limit). Pasted headers and records may hold either, so
every parser reads numbers through :func:`parse_uint`, which never raises.
"""

from __future__ import annotations

import re

_ASCII_DIGITS = re.compile(r"[0-9]+")
MAX_DIGITS = 20
"""More digits than any tag, instance number or port needs (2**64 has 20)."""


def parse_uint(text: str | bytes, max_digits: int = MAX_DIGITS) -> int | None:
    """``text`` as a non-negative integer when it is 1 to ``max_digits`` ASCII digits, else ``None``."""
    if isinstance(text, bytes):
        text = text.decode("ascii", "replace")
    if not text or len(text) > max_digits or not _ASCII_DIGITS.fullmatch(text):
        return None
    return int(text)
