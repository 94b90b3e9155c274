"""The Received chain: each server the message passed, how long it stayed there, where it came in.

Every server that relays a message puts a Received header on top, so the newest hop is first. Each
hop is parsed tolerantly (Postfix, Exim, Sendmail, qmail, Exchange and Gmail write different shapes);
what cannot be read stays ``None`` instead of failing the chain.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

MAX_HOPS = 200
"""Only the top 200 Received headers are parsed; more is a mail loop or a hostile paste."""
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
_INTERNAL_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "0.0.0.0/8", "fc00::/7")
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


@dataclass(frozen=True)
class ReceivedChain:
    """All hops (newest first, as in the message), the first external hop and the delays."""

    hops: tuple[Hop, ...]
    first_external: Hop | None
    connecting_ip: str | None
    total_delay_seconds: float | None
    slowest_hop: Hop | None
    truncated: bool
    received_count: int
    explanation: str


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


def _org_domain(host: str | None) -> str | None:
    """A rough organisational domain: the last two labels, three under a two-letter country suffix.

    Good enough to tell "mx1.example.net" and "mx2.example.net" belong together; the checker's public
    suffix module gives the exact answer where it matters (DMARC alignment).
    """
    if not host or "." not in host:
        return None
    labels = host.lower().split(".")
    keep = 3 if len(labels) >= 3 and len(labels[-1]) == 2 and len(labels[-2]) <= 3 else 2
    return ".".join(labels[-keep:])


def _is_public(ip: str | None) -> bool:
    """Reachable from the internet: not RFC 1918, CGNAT, loopback, link-local, ULA and the like.

    Documentation ranges (192.0.2.0/24, 2001:db8::/32) count as public so examples behave like real
    addresses.
    """
    if not ip:
        return False
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return not (
        address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or any(address in network for network in _INTERNAL_NETWORKS)
    )


def _is_own(hop: Hop, own_hosts: frozenset[str]) -> bool:
    """True when the sending side of this hop is one of the receiver's declared hosts, domains or IPs."""
    if not own_hosts:
        return False
    if hop.from_ip and hop.from_ip in own_hosts:
        return True
    for host in (hop.from_name, hop.from_helo):
        if host and any(host.lower() == own or host.lower().endswith("." + own) for own in own_hosts):
            return True
    return False


def _first_external(hops: list[Hop], own_hosts: frozenset[str] = frozenset()) -> Hop | None:
    """The first hop, from the top, that a server outside the receiver's own systems connected to.

    Walking down from the newest header: hops with no sender address or a private one (10/8,
    192.168/16, loopback, ...) are internal relays. A hop from a public address counts as internal
    too when the sending host has the same organisational domain as the receiving host (Microsoft
    365 and Google relay between their own public servers) and a lower hop also came from a public
    address. Hops from ``own_hosts`` (domains, host names or IPs the caller declares as the receiver's)
    are internal too. The first public hop that is not internal is where the message entered: its IP
    is what SPF judged.
    """
    public_positions = [
        index for index, hop in enumerate(hops) if _is_public(hop.from_ip) and not _is_own(hop, own_hosts)
    ]
    for index in public_positions:
        hop = hops[index]
        sender_org = _org_domain(hop.from_name) or _org_domain(hop.from_helo)
        receiver_org = _org_domain(hop.by)
        lower_public = any(other > index for other in public_positions)
        if sender_org and sender_org == receiver_org and lower_public:
            continue
        return hop
    return None


def _duration(seconds: float) -> str:
    """'3 h 12 min', '45 s': how long, in words a reader scans quickly."""
    seconds = abs(seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days {hours % 24} h"


def _explain(
    hops: list[Hop],
    total: float | None,
    slowest: Hop | None,
    truncated: bool,
    count: int,
    external: Hop | None,
) -> str:
    if not hops:
        return "The message has no Received headers, so its path cannot be traced."
    parts = [f"The message passed {len(hops)} server{'s' if len(hops) != 1 else ''}."]
    if truncated:
        parts = [f"The message has {count} Received headers; only the newest {len(hops)} were read."]
    if total is not None:
        parts.append(f"From the first to the last stamp it took {_duration(total)}.")
    if slowest is not None and slowest.delay_seconds and slowest.delay_seconds >= 60:
        by_position = {hop.position: hop for hop in hops}
        holder = by_position.get(slowest.position - 1)
        holder_name = (holder.by if holder else None) or slowest.from_name or slowest.from_helo or "unknown"
        parts.append(
            f"Most of the delay ({_duration(slowest.delay_seconds)}) was at hop {slowest.position - 1}, "
            f"{holder_name}, which probably queued the message before hop {slowest.position} "
            f"({slowest.by or 'unknown'}) accepted it."
        )
    if external is not None:
        sender = external.from_name or external.from_helo or "an unnamed server"
        parts.append(
            f"It entered the receiving side at hop {external.position} ({external.by or 'unknown'}), sent by "
            f"{sender} from {external.from_ip}; that is the address SPF checks."
        )
    skewed = [hop for hop in hops if hop.clock_skew]
    if skewed:
        parts.append(
            f"Hop {skewed[0].position} ({skewed[0].by or 'unknown'}) is stamped earlier than the hop before "
            "it, so at least one server's clock is wrong; delays around it are not reliable."
        )
    return " ".join(parts)


def parse_received_chain(headers: Iterable[object], *, own_hosts: Iterable[str] = ()) -> ReceivedChain:
    """Parse the Received headers among ``headers`` (``Header`` objects, ``(name, value)`` pairs or values).

    Only Received headers are used; other headers are ignored. At most ``MAX_HOPS`` are parsed.
    ``own_hosts`` lists domains, host names or IPs of the receiver's own relays (a gateway in front
    of the mailbox provider, say) so they are not taken for the sender.
    """
    own = frozenset(host.lower().strip().rstrip(".") for host in own_hosts if host and host.strip())
    values: list[str] = []
    count = 0
    for header in headers:
        if isinstance(header, str):
            name, value = "received", header
        elif isinstance(header, tuple) and len(header) == 2:
            name, value = str(header[0]), str(header[1])
        else:
            name, value = str(getattr(header, "name", "")), str(getattr(header, "value", ""))
        if name.lower() != "received":
            continue
        count += 1
        if len(values) < MAX_HOPS:
            values.append(value)
    truncated = count > len(values)
    parsed = [parse_received(value, position=len(values) - index) for index, value in enumerate(values)]
    hops: list[Hop] = []
    for index, hop in enumerate(parsed):
        older = parsed[index + 1] if index + 1 < len(parsed) else None
        delay = None
        if older and hop.timestamp and older.timestamp:
            delay = (hop.timestamp - older.timestamp).total_seconds()
        hops.append(
            Hop(**{**hop.__dict__, "delay_seconds": delay, "clock_skew": delay is not None and delay < 0})
        )
    stamps = [hop.timestamp for hop in hops if hop.timestamp]
    total = (stamps[0] - stamps[-1]).total_seconds() if len(stamps) >= 2 else None
    delayed = [hop for hop in hops if hop.delay_seconds is not None and hop.delay_seconds > 0]
    slowest = max(delayed, key=lambda hop: hop.delay_seconds or 0.0) if delayed else None
    external = _first_external(hops, own)
    return ReceivedChain(
        hops=tuple(hops),
        first_external=external,
        connecting_ip=external.from_ip if external else None,
        total_delay_seconds=total,
        slowest_hop=slowest,
        truncated=truncated,
        received_count=count,
        explanation=_explain(hops, total, slowest, truncated, count, external),
    )
