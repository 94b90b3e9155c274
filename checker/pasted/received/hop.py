"""One Received header read into a hop: from (HELO, name, IP), by, with, TLS, id, for and the date.

Each hop is parsed tolerantly (Postfix, Exim, Sendmail, qmail, Exchange and Gmail write different shapes);
what cannot be read stays ``None`` instead of failing.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

_MAX_HEADER_CHARS = 4000
_CLAUSE_WORDS = ("from", "by", "via", "with", "id", "for")
_BRACKETED_IP = re.compile(r"\[(?:IPv6:)?([0-9A-Fa-f:.]+)(?:%\w+)?\]")
_BARE_IP = re.compile(
    r"(?<![\w.:])((?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})(?![\w.:])"
)
_PORT_SUFFIX = re.compile(r"\]:\d+$")  # Exim: "([192.0.2.1]:43215)"
_HELO_IN_COMMENT = re.compile(r"\b(?:HELO|EHLO)[ =]([^\s()\[\]]+)|\bhelo=([^\s()\[\]]+)", re.IGNORECASE)
_TLS_VERSION = re.compile(r"\b(TLS|SSL)[ _]?v?(\d)(?:[._](\d))?\b", re.IGNORECASE)
_CIPHER = re.compile(
    r"cipher[= ]([A-Za-z0-9_-]+)|\btls ([A-Z0-9_]{8,})|\bwith cipher ([A-Za-z0-9_-]+)", re.IGNORECASE
)
_TLS_PROTOCOLS = {"ESMTPS", "ESMTPSA", "SMTPS", "LMTPS", "UTF8SMTPS", "UTF8SMTPSA"}
_PLAIN_PROTOCOLS = {"SMTP", "ESMTP", "ESMTPA", "LMTP", "UTF8SMTP", "UTF8SMTPA"}
_TLS_WORDS = re.compile(
    r"Google Transport Security|version=TLS|using TLS|\(TLS|\bTLS1|\bSTARTTLS\b", re.IGNORECASE
)
_DATE_CLEANUP = re.compile(r"\([^)]*\)")
# Go's time format (SendGrid: "2026-11-25 10:00:01.123456789 +0000 UTC") puts a blank before the offset.
_ISO_DATE = re.compile(
    r"(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d(?::\d\d)?)(?:\.(\d+))?(?: ?(Z|[+-]\d\d:?\d\d))?(?![\d:])"
)


@dataclass(frozen=True)
class Hop:
    """One Received header, read as far as it could be.

    ``position`` counts in travel order: 1 is the first server the message reached (the bottom
    header). ``delay_seconds`` is the time since the previous hop's stamp; negative means a clock
    is wrong somewhere (``clock_skew``).
    """

    position: int
    from_helo: str | None
    from_name: str | None
    from_ip: str | None
    by: str | None
    protocol: str | None
    tls: bool | None
    tls_version: str | None
    cipher: str | None
    id: str | None
    for_address: str | None
    timestamp: datetime | None
    delay_seconds: float | None
    clock_skew: bool
    raw: str


def _top_level_words(text: str) -> list[tuple[str, list[str]]]:
    """Split into words outside parentheses, each with the comments that follow it."""
    words: list[tuple[str, list[str]]] = []
    depth = 0
    word = []
    comment = []
    for char in text:
        if char == "(":
            if depth == 0 and word:
                words.append(("".join(word), []))
                word = []
            if depth > 0:
                comment.append(char)
            depth += 1
        elif char == ")" and depth > 0:
            depth -= 1
            if depth == 0:
                if words:
                    words[-1][1].append("".join(comment))
                else:
                    words.append(("", ["".join(comment)]))
                comment = []
            else:
                comment.append(char)
        elif depth > 0:
            comment.append(char)
        elif char.isspace():
            if word:
                words.append(("".join(word), []))
                word = []
        else:
            word.append(char)
    if word:
        words.append(("".join(word), []))
    return words


def _clauses(text: str) -> dict[str, tuple[list[str], list[str]]]:
    """Map each clause keyword (from, by, with, ...) to its words and comments; the first wins."""
    clauses: dict[str, tuple[list[str], list[str]]] = {}
    current: tuple[list[str], list[str]] | None = None
    for word, comments in _top_level_words(text):
        keyword = word.lower()
        if keyword in _CLAUSE_WORDS and keyword not in clauses:
            current = ([], list(comments))
            clauses[keyword] = current
        elif current is not None:
            if word:
                current[0].append(word)
            current[1].extend(comments)
    return clauses


def _valid_ip(candidate: str) -> str | None:
    try:
        return str(ipaddress.ip_address(candidate.strip("[]").removeprefix("IPv6:").removeprefix("ipv6:")))
    except ValueError:
        return None


def _find_ip(texts: Iterable[str]) -> str | None:
    for text in texts:
        for found in _BRACKETED_IP.finditer(text):
            if ip := _valid_ip(found.group(1)):
                return ip
    for text in texts:
        for found in _BARE_IP.finditer(text):
            if ip := _valid_ip(found.group(1)):
                return ip
    return None


def _host_word(text: str) -> str | None:
    """A host name from a word: no brackets, no trailing dot, not 'unknown' and not an address."""
    cleaned = _PORT_SUFFIX.sub("]", text).strip("[]<>;,").rstrip(".")
    if not cleaned or cleaned.lower() == "unknown" or _valid_ip(cleaned) or "=" in cleaned:
        return None
    return cleaned.lower()


def _parse_timestamp(text: str) -> datetime | None:
    """An RFC 5322 date, tolerating comments, missing commas and ISO dates; naive means UTC."""
    cleaned = " ".join(_DATE_CLEANUP.sub(" ", text).split())
    if not cleaned:
        return None
    try:
        stamp = parsedate_to_datetime(cleaned)
    except (TypeError, ValueError, IndexError, OverflowError):
        stamp_or_none = _iso_timestamp(cleaned)
        if stamp_or_none is None:
            return None
        stamp = stamp_or_none
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def _iso_timestamp(text: str) -> datetime | None:
    """An ISO-style stamp anywhere in ``text``; digits beyond microseconds are cut (Go writes nine)."""
    found = _ISO_DATE.search(text)
    if not found:
        return None
    day, clock, fraction, offset = found.groups()
    fraction = f".{fraction[:6]}" if fraction else ""
    try:
        return datetime.fromisoformat(f"{day}T{clock}{fraction}{offset or ''}".replace("Z", "+00:00"))
    except ValueError:
        return None


def _tls(protocol: str | None, text: str) -> tuple[bool | None, str | None, str | None]:
    version_found = _TLS_VERSION.search(text)
    version = None
    if version_found:
        family = version_found.group(1).upper()
        minor = version_found.group(3)
        version = f"{family}v{version_found.group(2)}" + (f".{minor}" if minor is not None else "")
    cipher_found = _CIPHER.search(text)
    cipher = next((g for g in cipher_found.groups() if g), None) if cipher_found else None
    upper = (protocol or "").upper()
    if upper in _TLS_PROTOCOLS or version or cipher or _TLS_WORDS.search(text):
        return True, version, cipher
    if upper in _PLAIN_PROTOCOLS:
        return False, None, None
    return None, None, None


def parse_received(value: str, position: int = 0) -> Hop:
    """Parse one Received header value (unfolded) into a hop; unreadable parts stay ``None``."""
    value = value[:_MAX_HEADER_CHARS]
    head, _, date_text = value.rpartition(";")
    if not head:
        head, date_text = value, ""
        # SendGrid's relays write the stamp without the ";" (RFC 5321 requires it): take an ISO one.
        if (found := _ISO_DATE.search(value)) is not None:
            head, date_text = value[: found.start()], value[found.start() :]
    clauses = _clauses(head)
    from_words, from_comments = clauses.get("from", ([], []))
    by_words, _ = clauses.get("by", ([], []))
    with_words, _ = clauses.get("with", ([], []))
    id_words, _ = clauses.get("id", ([], []))
    for_words, _ = clauses.get("for", ([], []))

    first = from_words[0] if from_words else None
    helo_in_comment = None
    for comment in from_comments:
        if found := _HELO_IN_COMMENT.search(comment):
            helo_in_comment = found.group(1) or found.group(2)
            break
    comment_host = None
    for comment in from_comments:
        for word in comment.replace("[", " [").split():
            if host := _host_word(word):
                if "helo" not in host and host != "may":
                    comment_host = host
                break
        if comment_host:
            break
    if helo_in_comment:
        from_helo = helo_in_comment.strip("[]").rstrip(".")
        from_name = _host_word(first) if first else None
    else:
        from_helo = first.strip("[]").rstrip(".") if first else None
        from_name = comment_host
    from_ip = _find_ip([*from_comments, *from_words]) if from_words or from_comments else None
    protocol = with_words[0] if with_words else None
    if protocol == "Microsoft":  # "with Microsoft SMTP Server (version=...)"
        protocol = " ".join(with_words[:3])
    tls, tls_version, cipher = _tls(protocol, value)
    return Hop(
        position=position,
        from_helo=from_helo or None,
        from_name=from_name,
        from_ip=from_ip,
        by=(_host_word(by_words[0]) or _valid_ip(by_words[0])) if by_words else None,
        protocol=protocol,
        tls=tls,
        tls_version=tls_version,
        cipher=cipher,
        id=id_words[0].rstrip(";") if id_words else None,
        for_address=for_words[0].strip("<>;") if for_words else None,
        timestamp=_parse_timestamp(date_text),
        delay_seconds=None,
        clock_skew=False,
        raw=value,
    )
