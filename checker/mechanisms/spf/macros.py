"""The RFC 7208 section 7 macro language: parse a macro-string once, expand it per check."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import quote

_LETTERS = frozenset("slodiphcrtv")
_EXP_ONLY_LETTERS = frozenset("crt")  # section 7.2: only meaningful in explanation text
_MACRO_BODY = re.compile(r"([A-Za-z])([0-9]*)([rR]?)([.\-+,/_=]*)")
_ESCAPES = {"%": "%", "_": " ", "-": "%20"}
# Expansion output is capped: a record may repeat long macros, and nothing downstream needs more.
MAX_EXPANSION = 8192


@dataclass(frozen=True)
class Literal:
    """Literal text; ``escape`` marks the %%, %_ and %- forms, which count as macros in the grammar."""

    text: str
    escape: bool = False


@dataclass(frozen=True)
class Macro:
    """One ``%{...}`` expansion: letter, right-hand part count, reversal, split characters."""

    letter: str
    keep: int | None
    reverse: bool
    delimiters: str
    url_escape: bool
    text: str


Token = Literal | Macro


@dataclass(frozen=True)
class MacroError:
    """Why a macro-string is malformed, and at which character."""

    message: str
    offset: int


def parse_macro_string(
    text: str, *, explanation: bool = False, allow_space: bool = False
) -> tuple[tuple[Token, ...], MacroError | None]:
    """Split ``text`` into literals and macros; ``explanation`` allows the c, r and t letters."""
    tokens: list[Token] = []
    literal: list[str] = []
    i = 0

    def flush() -> None:
        if literal:
            tokens.append(Literal("".join(literal)))
            literal.clear()

    while i < len(text):
        char = text[i]
        if char == "%":
            follower = text[i + 1 : i + 2]
            if follower in _ESCAPES:
                flush()
                tokens.append(Literal(_ESCAPES[follower], escape=True))
                i += 2
                continue
            if follower != "{":
                return (), MacroError("a '%' must be followed by '{', '%', '_' or '-'", i)
            end = text.find("}", i + 2)
            if end < 0:
                return (), MacroError("a '%{' macro is not closed with '}'", i)
            macro, error = _parse_macro(text[i : end + 1], explanation, i)
            if error:
                return (), error
            flush()
            tokens.append(macro)
            i = end + 1
            continue
        if not ("\x21" <= char <= "\x7e" or (allow_space and char == " ")):
            return (), MacroError(f"character {char!r} is not allowed here", i)
        literal.append(char)
        i += 1
    flush()
    return tuple(tokens), None


def _parse_macro(text: str, explanation: bool, offset: int) -> tuple[Macro, MacroError | None]:
    placeholder = Macro("d", None, False, "", False, text)
    body = _MACRO_BODY.fullmatch(text[2:-1])
    if not body:
        return placeholder, MacroError(f"malformed macro {text!r}", offset)
    letter, digits, reverse, delimiters = body.groups()
    lower = letter.lower()
    if lower not in _LETTERS:
        return placeholder, MacroError(f"unknown macro letter {letter!r} in {text!r}", offset)
    if lower in _EXP_ONLY_LETTERS and not explanation:
        return placeholder, MacroError(f"macro {text!r} is only allowed in exp= explanation text", offset)
    # Digit strings of any length are legal; capping avoids huge int parsing, and 128 parts is plenty.
    keep = None
    if digits:
        significant = digits.lstrip("0")
        keep = min(int(significant or "0"), 128) if len(significant) <= 4 else 128
    if keep == 0:
        return placeholder, MacroError(f"macro {text!r} asks for zero parts", offset)
    return Macro(lower, keep, bool(reverse), delimiters, letter.isupper(), text), None


def uses_letter(tokens: tuple[Token, ...], letter: str) -> bool:
    """True when some macro in ``tokens`` expands ``letter``."""
    return any(isinstance(token, Macro) and token.letter == letter for token in tokens)


def has_macros(tokens: tuple[Token, ...]) -> bool:
    """True when ``tokens`` contain a ``%{...}`` macro (escapes do not count)."""
    return any(isinstance(token, Macro) for token in tokens)


@dataclass(frozen=True)
class MacroContext:
    """The values macros draw from, fixed for one check_host() call except ``domain``."""

    sender: str
    local_part: str
    sender_domain: str
    domain: str
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address
    helo: str
    receiver: str
    now: int
    validated_name: str = "unknown"

    def value(self, letter: str) -> str:
        """The raw (untransformed) value of one macro letter."""
        ip = self.ip
        if letter == "i":
            if ip.version == 4:
                return str(ip)
            return ".".join(ip.exploded.replace(":", ""))
        if letter == "c":
            return str(ip)
        if letter == "v":
            return "in-addr" if ip.version == 4 else "ip6"
        values = {
            "s": self.sender,
            "l": self.local_part,
            "o": self.sender_domain,
            "d": self.domain,
            "h": self.helo,
            "r": self.receiver,
            "t": str(self.now),
            "p": self.validated_name,
        }
        return values[letter]


def expand(tokens: tuple[Token, ...], context: MacroContext) -> str:
    """Expand parsed tokens; the result is capped at ``MAX_EXPANSION`` characters."""
    pieces: list[str] = []
    size = 0
    for token in tokens:
        piece = token.text if isinstance(token, Literal) else _expand_macro(token, context)
        pieces.append(piece)
        size += len(piece)
        if size > MAX_EXPANSION:
            break
    return "".join(pieces)[:MAX_EXPANSION]


def _expand_macro(macro: Macro, context: MacroContext) -> str:
    value = context.value(macro.letter)
    if macro.keep is not None or macro.reverse or macro.delimiters:
        pattern = "[" + re.escape(macro.delimiters or ".") + "]"
        parts = re.split(pattern, value)
        if macro.reverse:
            parts.reverse()
        if macro.keep is not None:
            parts = parts[-macro.keep :]
        value = ".".join(parts)
    if macro.url_escape:
        value = quote(value, safe="")
    return value
