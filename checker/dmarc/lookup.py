"""Per-call DNS helpers for DMARC: a de-duplicating query cache and the TXT-to-record step."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass

from checker.dmarc.record import DmarcRecord, is_dmarc_record, parse_dmarc_record
from checker.dns.model import DnsAnswer, DnsStatus, Resolver


class QueryCache:
    """Runs each (name, type) query once per analysis, so overlapping walks share answers.

    Lives only as long as one discovery or evaluation call; nothing is kept between calls.
    """

    def __init__(self, resolver: Resolver) -> None:
        self._resolver = resolver
        self._tasks: dict[tuple[str, str], asyncio.Future[DnsAnswer]] = {}

    def query(self, name: str, rtype: str) -> asyncio.Future[DnsAnswer]:
        key = (name.rstrip(".").lower(), rtype.upper())
        if key not in self._tasks:
            self._tasks[key] = asyncio.ensure_future(_safe_query(self._resolver, *key))
        return self._tasks[key]

    async def many(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], DnsAnswer]:
        """Ask every query at once and wait for all of them."""
        wanted = [(name.rstrip(".").lower(), rtype.upper()) for name, rtype in keys]
        answers = await asyncio.gather(*(self.query(name, rtype) for name, rtype in wanted))
        return dict(zip(wanted, answers, strict=True))


async def _safe_query(resolver: Resolver, name: str, rtype: str) -> DnsAnswer:
    # A resolver should never raise, but a broken one must not take the whole analysis down.
    try:
        return await resolver.query(name, rtype)
    except Exception as exc:
        return DnsAnswer(name, rtype, DnsStatus.ERROR, error=f"resolver raised {type(exc).__name__}: {exc}")


@dataclass(frozen=True)
class TxtLookup:
    """What one ``_dmarc`` TXT query returned, with the DMARC records picked out."""

    name: str
    status: DnsStatus
    dmarc_texts: tuple[str, ...]
    other_texts: tuple[str, ...]
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.status in (DnsStatus.SERVFAIL, DnsStatus.TIMEOUT, DnsStatus.ERROR)

    @property
    def single_record(self) -> DmarcRecord | None:
        return parse_dmarc_record(self.dmarc_texts[0]) if len(self.dmarc_texts) == 1 else None


def txt_lookup(answer: DnsAnswer, name: str | None = None) -> TxtLookup:
    """Split a TXT answer into DMARC records (``v=DMARC1`` first) and anything else.

    ``name`` is the name that was asked (a resolver may report the CNAME target instead).
    """
    records = answer.records if answer.ok else ()
    dmarc = tuple(text for text in records if is_dmarc_record(text))
    other = tuple(text for text in records if not is_dmarc_record(text))
    error = answer.describe_failure() if answer.failed else None
    return TxtLookup(name or answer.name, answer.status, dmarc, other, error)
