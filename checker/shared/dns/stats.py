"""Wrappers that count queries and sequential rounds, and cap how many queries one run may make.

A "round" is a step on the longest chain of queries where each one started only after the one
before it had been answered; with every independent query issued together this equals the
dependency depth of the audit, and wall time is about rounds x round-trip time.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from checker.shared.dns.model import DnsAnswer, DnsStatus, Resolver

DEFAULT_QUERY_BUDGET = 300


@dataclass(frozen=True)
class QueryRecord:
    """One query that went to the inner resolver, with its timing and the round it belongs to."""

    name: str
    rtype: str
    status: DnsStatus
    round: int
    started: float
    finished: float


@dataclass
class CountingResolver:
    """Passes queries through and records each one; ``rounds`` is the longest sequential chain."""

    inner: Resolver
    records: list[QueryRecord] = field(default_factory=list)
    _deepest_answered: int = field(default=0, init=False, repr=False)

    async def query(self, name: str, rtype: str) -> DnsAnswer:
        """Forward the query and log it with its round number."""
        # Any answer received before this query started could have caused it, so it sits one round
        # after the deepest answered query.
        query_round = self._deepest_answered + 1
        started = time.perf_counter()
        answer = await self.inner.query(name, rtype)
        finished = time.perf_counter()
        self._deepest_answered = max(self._deepest_answered, query_round)
        self.records.append(QueryRecord(name, rtype, answer.status, query_round, started, finished))
        return answer

    @property
    def queries(self) -> int:
        """How many queries reached the inner resolver."""
        return len(self.records)

    @property
    def rounds(self) -> int:
        """The longest chain of queries that each waited for an earlier answer."""
        return max((record.round for record in self.records), default=0)

    def by_round(self) -> dict[int, list[str]]:
        """Queries grouped by round, as ``"TXT example.com"`` strings (for reports and debugging)."""
        grouped: dict[int, list[str]] = {}
        for record in sorted(self.records, key=lambda r: (r.round, r.started)):
            grouped.setdefault(record.round, []).append(f"{record.rtype} {record.name}")
        return grouped


@dataclass
class BudgetResolver:
    """Stops a runaway audit: after ``budget`` queries every further query is an ERROR answer."""

    inner: Resolver
    budget: int = DEFAULT_QUERY_BUDGET
    used: int = 0

    async def query(self, name: str, rtype: str) -> DnsAnswer:
        """Forward the query while budget remains."""
        if self.used >= self.budget:
            return DnsAnswer(
                name,
                rtype,
                DnsStatus.ERROR,
                error=f"not sent: this run already made {self.budget} DNS queries, the most allowed",
            )
        self.used += 1
        return await self.inner.query(name, rtype)


@dataclass
class LatencyResolver:
    """Adds a fixed delay before every answer: simulates a network round trip in tests and benchmarks."""

    inner: Resolver
    delay: float = 0.05

    async def query(self, name: str, rtype: str) -> DnsAnswer:
        """Wait ``delay`` seconds, then answer from the inner resolver."""
        await asyncio.sleep(self.delay)
        return await self.inner.query(name, rtype)
