"""The one place SPF talks to DNS: logs every query and enforces the RFC 7208 section 4.6.4 limits."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from checker.shared.dns.model import DnsAnswer, Resolver
from checker.shared.dns.query import safe_query

MAX_DNS_TERMS = 10
MAX_VOID_LOOKUPS = 2
MAX_MX_NAMES = 10
MAX_PTR_NAMES = 10


@dataclass(frozen=True)
class SpfQuery:
    """One DNS query made while evaluating SPF, and how it came out."""

    name: str
    rtype: str
    status: str


class EvaluationAborted(Exception):
    """Stops evaluation with permerror or temperror; check_host turns it into an ``SpfResult``."""

    def __init__(self, result: str, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.result = result
        self.reason = reason
        self.detail = detail
        # Filled in by the innermost record being evaluated when the evaluation stopped.
        self.mechanism: str | None = None
        self.record: str | None = None
        self.record_domain: str | None = None

    def locate(self, mechanism: str | None, record: str, record_domain: str) -> None:
        """Remember where evaluation stopped, unless a deeper record already did."""
        if self.record is None:
            self.mechanism, self.record, self.record_domain = mechanism, record, record_domain


@dataclass
class LimitedLookups:
    """Wraps the resolver for one evaluation: counts DNS-querying terms and void lookups.

    Counting lives here, not in the mechanism code: a mechanism calls ``count_term`` once
    before its lookups and ``count_void`` when its lookup found nothing.
    """

    resolver: Resolver
    max_terms: int = MAX_DNS_TERMS
    max_voids: int = MAX_VOID_LOOKUPS
    terms: int = 0
    voids: int = 0
    void_names: list[str] = field(default_factory=list)
    log: list[SpfQuery] = field(default_factory=list)

    def count_term(self, term: str) -> None:
        """Count one include, a, mx, ptr, exists or redirect; over the limit is a permerror."""
        self.terms += 1
        if self.terms > self.max_terms:
            raise EvaluationAborted(
                "permerror",
                "spf.too_many_lookups",
                f"evaluating {term!r} needed DNS-querying term number {self.terms}, but SPF allows at most "
                f"{self.max_terms} (include, a, mx, ptr, exists and redirect each count)",
            )

    def count_void(self, name: str, term: str) -> None:
        """Count a lookup that found no records or no such name; over the limit is a permerror."""
        self.voids += 1
        self.void_names.append(name)
        if self.voids > self.max_voids:
            raise EvaluationAborted(
                "permerror",
                "spf.void_lookup_limit",
                f"{term!r} looked up {name}, which does not exist or has no records; that is void lookup "
                f"number {self.voids}, over the limit of {self.max_voids} "
                f"(void names: {', '.join(self.void_names)})",
            )

    async def query(self, name: str, rtype: str) -> DnsAnswer:
        """Ask the resolver; a resolver that raises is reported as an ERROR answer, not propagated."""
        answer = await safe_query(self.resolver, name, rtype)
        self.log.append(SpfQuery(name, rtype, answer.status.value))
        return answer

    async def query_many(self, questions: list[tuple[str, str]]) -> list[DnsAnswer]:
        """Ask independent questions concurrently; answers come back in question order."""
        return list(await asyncio.gather(*(self.query(name, rtype) for name, rtype in questions)))


def temperror_for(answer: DnsAnswer) -> EvaluationAborted:
    """The temperror for a failed query, naming it."""
    return EvaluationAborted("temperror", "spf.dns_error", answer.describe_failure())
