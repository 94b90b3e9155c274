"""Asking an injected resolver safely: a resolver that raises becomes an ERROR answer, never an exception."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from checker.shared.dns.model import DnsAnswer, DnsStatus, Resolver


async def safe_query(resolver: Resolver, name: str, rtype: str) -> DnsAnswer:
    """Ask ``resolver``; if it breaks its contract and raises, answer ERROR naming the exception."""
    try:
        return await resolver.query(name, rtype)
    except Exception as exc:  # an injected resolver may raise anything; the analysis must go on
        return DnsAnswer(name, rtype, DnsStatus.ERROR, error=f"resolver raised {type(exc).__name__}: {exc}")


async def query_all(
    resolver: Resolver, questions: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], DnsAnswer]:
    """Ask independent ``(name, type)`` questions at once; answers keyed by the question as asked."""
    asked = list(dict.fromkeys(questions))
    answers = await asyncio.gather(*(safe_query(resolver, name, rtype) for name, rtype in asked))
    return dict(zip(asked, answers, strict=True))
