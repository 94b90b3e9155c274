"""An in-memory zone resolver for tests and fixtures: keeps NXDOMAIN apart from NODATA, records calls."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from checker.shared.dns.model import DnsAnswer, DnsStatus

_MAX_CNAME_CHAIN = 8


def _norm(name: str) -> str:
    return name.rstrip(".").lower()


@dataclass
class ZoneResolver:
    """Answers from a static zone.

    ``records`` maps ``(name, rtype)`` to record texts in ``DnsAnswer`` presentation form.
    A name exists (NODATA rather than NXDOMAIN for other types) when it has any record, or is
    listed in ``existing``. ``failures`` forces a status (SERVFAIL, TIMEOUT, ERROR) for a query.
    CNAMEs are followed for other types; a CNAME loop is an ERROR answer. Every query is appended
    to ``queries`` in order, so tests can assert what was asked and how often.
    """

    records: Mapping[tuple[str, str], Iterable[str]] = field(default_factory=dict)
    existing: Iterable[str] = ()
    failures: Mapping[tuple[str, str], DnsStatus] = field(default_factory=dict)
    queries: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._records: dict[tuple[str, str], tuple[str, ...]] = {
            (_norm(name), rtype.upper()): tuple(values) for (name, rtype), values in self.records.items()
        }
        self._names = {name for name, _ in self._records} | {_norm(n) for n in self.existing}
        self._failures = {(_norm(n), t.upper()): s for (n, t), s in self.failures.items()}

    def add(self, name: str, rtype: str, *values: str) -> None:
        """Add records (test set-up convenience)."""
        key = (_norm(name), rtype.upper())
        self._records[key] = self._records.get(key, ()) + tuple(values)
        self._names.add(key[0])

    async def query(self, name: str, rtype: str) -> DnsAnswer:
        rtype = rtype.upper()
        self.queries.append((_norm(name), rtype))
        return self._lookup(_norm(name), rtype, _norm(name), 0)

    def _lookup(self, name: str, rtype: str, asked: str, depth: int) -> DnsAnswer:
        forced = self._failures.get((name, rtype))
        if forced is not None:
            return DnsAnswer(asked, rtype, forced, error=f"{forced.value} (fixture)")
        values = self._records.get((name, rtype))
        if values:
            return DnsAnswer(asked, rtype, DnsStatus.OK, values)
        cname = self._records.get((name, "CNAME"))
        if cname and rtype != "CNAME":
            if depth >= _MAX_CNAME_CHAIN:
                return DnsAnswer(asked, rtype, DnsStatus.ERROR, error="CNAME chain too long or looping")
            return self._lookup(_norm(cname[0]), rtype, asked, depth + 1)
        if name in self._names:
            return DnsAnswer(asked, rtype, DnsStatus.NODATA)
        return DnsAnswer(asked, rtype, DnsStatus.NXDOMAIN)
