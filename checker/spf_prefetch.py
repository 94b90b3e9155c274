"""Warm a per-run DNS cache with a domain's whole SPF tree, one include level per round trip.

The SPF audit follows includes one after another, which is simple and correct but makes its DNS
latency the number of records times the round-trip time. Fetching the tree breadth-first here,
every name at one depth together, fills the shared ``CachingResolver`` first, so the audit's own
queries join queries already in flight and the wall time becomes (include depth) round trips.
Only static targets are fetched (no macros); the SPF audit stays the one source of verdicts.
"""

from __future__ import annotations

import asyncio

from checker.dns.model import DnsAnswer, Resolver

# Same bounds as the audit: never fetch more than a hostile tree could justify.
MAX_PREFETCH_RECORDS = 60
MAX_PREFETCH_DEPTH = 12
_MAX_MX_HOSTS = 10


def _static(tokens: object, domain: str) -> str | None:
    from checker.spf.macros import Literal

    if tokens is None:
        return domain
    if not isinstance(tokens, tuple) or not all(isinstance(t, Literal) and not t.escape for t in tokens):
        return None
    name = "".join(t.text for t in tokens).strip().rstrip(".").lower()
    return name or None


async def prefetch_spf(domain: str, *, resolver: Resolver) -> int:
    """Fetch the SPF tree of ``domain`` breadth-first into ``resolver``'s cache; returns records seen.

    Never raises: it is only a speed-up, so any trouble just leaves the audit to ask for itself.
    """
    try:
        return await _prefetch(domain, resolver)
    except Exception:  # the SPF audit reports every problem; the prefetch must not add its own
        return 0


async def _prefetch(domain: str, resolver: Resolver) -> int:
    from checker.spf.records import select_record
    from checker.spf.syntax import Mechanism, parse_record

    level = [domain.lower()]
    seen: set[str] = set()
    depth = 0
    pending: list[asyncio.Future[list[object]]] = []
    while level and len(seen) < MAX_PREFETCH_RECORDS and depth < MAX_PREFETCH_DEPTH:
        depth += 1
        seen.update(level)
        answers: list[DnsAnswer] = await asyncio.gather(*(resolver.query(name, "TXT") for name in level))
        next_level: list[str] = []
        side_queries: list[tuple[str, str]] = []
        mx_targets: list[str] = []
        for name, answer in zip(level, answers, strict=True):
            selection = select_record(answer)
            if selection.status != "found" or selection.record is None:
                continue
            record = parse_record(selection.record)
            for term in record.terms:
                if isinstance(term, Mechanism):
                    target = _static(term.domain_spec, name)
                    if target is None:
                        continue
                    if term.kind == "include":
                        next_level.append(target)
                    elif term.kind == "a":
                        side_queries += [(target, "A"), (target, "AAAA")]
                    elif term.kind == "exists":
                        side_queries.append((target, "A"))
                    elif term.kind == "mx":
                        mx_targets.append(target)
            redirect = record.modifier("redirect")
            if redirect is not None:
                target = _static(redirect.value, name)
                if target is not None:
                    next_level.append(target)
        level = [n for n in dict.fromkeys(next_level) if n not in seen]
        # a/exists/mx lookups hang off this level: they run alongside the next TXT level, not before it
        pending.append(
            asyncio.ensure_future(
                asyncio.gather(
                    *(resolver.query(n, t) for n, t in side_queries),
                    *(_mx_addresses(target, resolver) for target in mx_targets),
                )
            )
        )
    await asyncio.gather(*pending)
    return len(seen)


async def _mx_addresses(target: str, resolver: Resolver) -> None:
    answer = await resolver.query(target, "MX")
    hosts = []
    for record in answer.records[:_MAX_MX_HOSTS]:
        parts = record.split()
        if len(parts) == 2 and parts[1] not in (".", ""):
            hosts.append(parts[1].rstrip(".").lower())
    await asyncio.gather(*(resolver.query(h, t) for h in hosts for t in ("A", "AAAA")))
