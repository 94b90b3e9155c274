"""Per-run answer cache that also merges identical queries already in flight."""

from __future__ import annotations

import asyncio

from checker.dns.model import DnsAnswer, Resolver


class CachingResolver:
    """Remembers every answer for the life of this object (one audit run) and de-duplicates.

    Two mechanisms asking for the same name and type at the same moment share one query: the
    second caller awaits the first caller's task. Failed answers are cached too, so one run sees
    one consistent view of DNS.
    """

    def __init__(self, inner: Resolver) -> None:
        self.inner = inner
        self._answers: dict[tuple[str, str], asyncio.Future[DnsAnswer]] = {}
        self.hits = 0

    async def query(self, name: str, rtype: str) -> DnsAnswer:
        """Answer from the cache, join an identical query in flight, or ask the inner resolver."""
        key = (name.rstrip(".").lower(), rtype.upper())
        pending = self._answers.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self.inner.query(*key))
            self._answers[key] = pending
        else:
            self.hits += 1
        # shield: a caller that gives up must not cancel the query other callers are waiting on
        return await asyncio.shield(pending)
