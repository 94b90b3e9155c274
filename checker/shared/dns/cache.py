"""Per-run answer cache that also merges identical queries already in flight."""

from __future__ import annotations

import asyncio

from checker.shared.dns.model import DnsAnswer, Resolver
from checker.shared.dns.names import fold_name
from checker.shared.dns.query import safe_query


class CachingResolver:
    """Remembers every answer for the life of this object (one audit run) and de-duplicates.

    Two mechanisms asking for the same name and type at the same moment share one query: the
    second caller awaits the first caller's task. Failed answers are cached too, so one run sees
    one consistent view of DNS; a resolver that raises is cached as an ERROR answer.
    """

    def __init__(self, inner: Resolver) -> None:
        self.inner = inner
        self._answers: dict[tuple[str, str], asyncio.Future[DnsAnswer]] = {}
        self.hits = 0

    async def query(self, name: str, rtype: str) -> DnsAnswer:
        """Answer from the cache, join an identical query in flight, or ask the inner resolver."""
        key = (fold_name(name), rtype.upper())
        pending = self._answers.get(key)
        if pending is None:
            pending = asyncio.ensure_future(safe_query(self.inner, *key))
            self._answers[key] = pending
        else:
            self.hits += 1
        # shield: a caller that gives up must not cancel the query other callers are waiting on
        return await asyncio.shield(pending)

    def cancel_pending(self) -> None:
        """Stop every query still in flight because the run gave up waiting; do not query this cache after."""
        for pending in self._answers.values():
            pending.cancel()


def per_run_cache(resolver: Resolver) -> CachingResolver:
    """``resolver`` itself when it already caches for this run, else a new ``CachingResolver`` around it."""
    return resolver if isinstance(resolver, CachingResolver) else CachingResolver(resolver)
