"""The audit's data: the SPF tree of records, what was noticed in it, and the audit result."""

from __future__ import annotations

from dataclasses import dataclass

from checker.mechanisms.spf.lookups import SpfQuery
from checker.shared.result import Check


@dataclass(frozen=True)
class Finding:
    """Something the audit noticed at one node; ``audit_checks`` turns findings into checks."""

    kind: str
    domain: str
    detail: str
    term: str | None = None
    position: int | None = None


@dataclass(frozen=True)
class SpfNode:
    """One SPF record in the tree, reached from its parent ``via`` an include or redirect term.

    ``lookups_here`` counts this record's DNS-querying terms; ``lookups_cumulative`` adds
    every descendant's. ``void_names`` are the names that were void lookups here.
    """

    domain: str
    record: str | None
    terms: tuple[str, ...]
    lookups_here: int
    lookups_cumulative: int
    void_here: int
    children: tuple[SpfNode, ...]
    errors: tuple[str, ...]
    via: str = "root"
    void_names: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SpfAudit:
    """The whole policy tree of ``domain``, its totals and the checks drawn from it."""

    domain: str
    tree: SpfNode
    total_lookups: int
    void_lookups: int
    checks: list[Check]
    findings: tuple[Finding, ...] = ()
    queries: tuple[SpfQuery, ...] = ()

    @property
    def lookup_count_incomplete(self) -> bool:
        return lookup_count_incomplete(self.findings)


def lookup_count_incomplete(findings: tuple[Finding, ...]) -> bool:
    """True when a record in the tree could not be looked up: the lookup count is then a lower bound."""
    return any(finding.kind == "dns_error" for finding in findings)
