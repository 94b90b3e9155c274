"""The Received chain: each server the message passed, how long it stayed there, where it came in.

Every server that relays a message puts a Received header on top, so the newest hop is first. One
header is read by ``checker.pasted.received.hop``; the entry point is found by
``checker.pasted.received.entry``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from checker.pasted.received.entry import first_external_hop
from checker.pasted.received.hop import Hop, parse_received

__all__ = ["MAX_HOPS", "Hop", "ReceivedChain", "parse_received", "parse_received_chain"]

MAX_HOPS = 200
"""Only the top 200 Received headers are parsed; more is a mail loop or a hostile paste."""


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


def explain_chain(
    hops: list[Hop],
    total: float | None,
    slowest: Hop | None,
    truncated: bool,
    count: int,
    external: Hop | None,
) -> str:
    """The chain in plain sentences: hops, total time, slowest hop, entry point, clock skew."""
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
        # Named by the hop the timeline marks as slowest (the delay before it), then who held the message.
        parts.append(
            f"Most of the delay ({_duration(slowest.delay_seconds)}) came before hop {slowest.position} "
            f"({slowest.by or 'unknown'}) accepted the message: hop {slowest.position - 1}, {holder_name}, "
            "probably queued it."
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
    external = first_external_hop(hops, own)
    return ReceivedChain(
        hops=tuple(hops),
        first_external=external,
        connecting_ip=external.from_ip if external else None,
        total_delay_seconds=total,
        slowest_hop=slowest,
        truncated=truncated,
        received_count=count,
        explanation=explain_chain(hops, total, slowest, truncated, count, external),
    )
