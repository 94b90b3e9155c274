"""Audit a domain's SPF policy without a client IP: walk every include and redirect, count lookups.

check_host() stops at the first match, so whether a record trips the limit of 10 can depend
on the connecting IP. The audit evaluates nothing against an IP; it visits every term that a
worst-case evaluation could reach and counts as RFC 7208 section 4.6.4 does.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Awaitable
from dataclasses import dataclass, field

from checker.mechanisms.spf.audit_checks import build_checks
from checker.mechanisms.spf.evaluate import DEFAULT_TIMEOUT
from checker.mechanisms.spf.lookups import MAX_MX_NAMES, LimitedLookups
from checker.mechanisms.spf.macros import Macro, MacroContext, Token, expand
from checker.mechanisms.spf.mechanisms import mx_hosts
from checker.mechanisms.spf.names import ascii_domain, domain_problem, target_name
from checker.mechanisms.spf.records import select_record
from checker.mechanisms.spf.syntax import Mechanism, Modifier, parse_record
from checker.mechanisms.spf.tree import Finding, SpfAudit, SpfNode
from checker.shared.dns.cache import CachingResolver
from checker.shared.dns.model import DnsAnswer, Resolver

MAX_NODES = 200  # records visited; a hostile fan-out of includes must not walk forever
MAX_DEPTH = 20
_AUDIT_IP = ipaddress.IPv4Address("192.0.2.1")  # never matched; only fills the macro context


@dataclass
class _Walk:
    """Mutable state of one audit: the query cache, the node budget, what was found."""

    lookups: LimitedLookups
    root: str
    # Each question is asked (and logged) once per audit, even when concurrent terms ask it together.
    cache: CachingResolver = field(init=False)
    nodes: int = 0
    findings: list[Finding] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.cache = CachingResolver(self.lookups)

    async def query(self, name: str, rtype: str) -> DnsAnswer:
        return await self.cache.query(name, rtype)

    async def query_many(self, questions: list[tuple[str, str]]) -> list[DnsAnswer]:
        return list(await asyncio.gather(*(self.query(name, rtype) for name, rtype in questions)))

    def note(
        self, kind: str, domain: str, detail: str, term: str | None = None, position: int | None = None
    ) -> None:
        self.findings.append(Finding(kind, domain, detail, term, position))


async def audit_spf(domain: str, *, resolver: Resolver, timeout: float = DEFAULT_TIMEOUT) -> SpfAudit:
    """Walk the whole SPF tree of ``domain`` and report lookups, voids, loops and risky terms.

    ``timeout`` bounds the whole walk; when it runs out the audit reports that instead of a tree.
    """
    domain = ascii_domain(domain).rstrip(".")
    walk = _Walk(LimitedLookups(resolver), domain.lower())
    try:
        tree = await asyncio.wait_for(_visit(walk, domain, "root", (), 0), timeout)
    except TimeoutError:
        walk.cache.cancel_pending()
        detail = f"the DNS lookups took longer than {timeout:g} seconds in total"
        walk.findings[:] = [Finding("timeout", domain, detail, "root")]
        tree = _leaf(domain, "root", detail)
    void_total = _sum_voids(tree)
    findings = tuple(walk.findings)
    checks = build_checks(tree, findings, tree.lookups_cumulative, void_total)
    return SpfAudit(
        domain, tree, tree.lookups_cumulative, void_total, checks, findings, tuple(walk.lookups.log)
    )


def _sum_voids(node: SpfNode) -> int:
    return node.void_here + sum(_sum_voids(child) for child in node.children)


def _leaf(domain: str, via: str, error: str, void_names: tuple[str, ...] = ()) -> SpfNode:
    return SpfNode(domain, None, (), 0, 0, len(void_names), (), (error,), via, void_names)


async def _visit(walk: _Walk, domain: str, via: str, ancestors: tuple[str, ...], depth: int) -> SpfNode:
    """Audit one record and, through include and redirect, everything below it."""
    problem = domain_problem(domain)
    if problem:
        walk.note("invalid_domain", domain, problem, via)
        return _leaf(domain, via, problem)
    walk.nodes += 1
    if walk.nodes > MAX_NODES or depth > MAX_DEPTH:
        detail = f"not followed: the tree has more than {MAX_NODES} records or is deeper than {MAX_DEPTH}"
        walk.note("truncated", domain, detail, via)
        return _leaf(domain, via, detail)
    answer = await walk.query(domain, "TXT")
    selection = select_record(answer)
    # An include or redirect target that does not exist is a void lookup, as in check_host().
    voids = (domain,) if via != "root" and answer.is_void else ()
    if voids:
        walk.note("void", domain, domain, via)
    if selection.status == "failed":
        walk.note("dns_error", domain, answer.describe_failure(), via)
        return _leaf(domain, via, answer.describe_failure())
    if selection.status in ("nxdomain", "no_record"):
        why = (
            "the domain does not exist"
            if selection.status == "nxdomain"
            else "it publishes no TXT record that starts with v=spf1"
        )
        walk.note("no_record", domain, why, via)
        return _leaf(domain, via, f"no SPF record: {why}", voids)
    if selection.status == "multiple":
        detail = f"{len(selection.candidates)} SPF records published; there must be exactly one"
        walk.note("multiple_records", domain, detail, via)
        return _leaf(domain, via, detail)
    assert selection.record is not None
    return await _visit_record(
        walk, domain, selection.record, via, (*ancestors, domain.lower()), depth, voids
    )


async def _visit_record(
    walk: _Walk,
    domain: str,
    text: str,
    via: str,
    ancestors: tuple[str, ...],
    depth: int,
    voids: tuple[str, ...],
) -> SpfNode:
    record = parse_record(text)
    errors = [problem.describe() for problem in record.problems]
    for problem in record.problems:
        walk.note("syntax_error", domain, problem.describe(), problem.term, problem.position)
    size = len(text.encode())
    if size > 255:
        walk.note("record_length", domain, f"{size} bytes")
    void_names = list(voids)
    notes: list[str] = []
    pending: list[Awaitable[_TermOutcome]] = []
    lookups_here = 0
    all_term: Mechanism | None = None
    top_policy = via == "root" or via.startswith("redirect")
    for term in record.terms:
        if isinstance(term, Modifier):
            continue
        if all_term is not None:
            walk.note(
                "after_all", domain, f"'{term.text}' comes after '{all_term.text}'", term.text, term.position
            )
            continue
        if term.kind == "all":
            all_term = term
            if term.qualifier == "+":
                walk.note("plus_all", domain, term.text, term.text, term.position)
            elif term.qualifier == "?" and top_policy:
                walk.note("neutral_all", domain, term.text, term.text, term.position)
            continue
        if not term.queries_dns:
            continue
        lookups_here += 1
        if term.kind == "ptr":
            walk.note("ptr", domain, term.text, term.text, term.position)
            continue
        if _needs_message(term.domain_spec):
            notes.append(f"{term.text}: depends on the sender or client IP, not looked up")
            walk.note("macro_term", domain, term.text, term.text, term.position)
            continue
        target = _static_target(walk, term.domain_spec, domain)
        if target is None:
            notes.append(f"{term.text}: names no valid domain, so it never matches")
            continue
        pending.append(_visit_term(walk, domain, term, target, ancestors, depth))
    redirect = record.modifier("redirect")
    if redirect is not None and all_term is not None:
        notes.append(f"{redirect.text}: ignored because the record has '{all_term.text}'")
        walk.note("redirect_ignored", domain, redirect.text, redirect.text, redirect.position)
    elif redirect is not None:
        lookups_here += 1
        target = _static_target(walk, redirect.value, domain)
        if _needs_message(redirect.value):
            notes.append(f"{redirect.text}: depends on the sender or client IP, not looked up")
            walk.note("macro_term", domain, redirect.text, redirect.text, redirect.position)
        elif target is None:
            walk.note("invalid_domain", domain, f"'{redirect.text}' names no valid domain", redirect.text)
        else:
            pending.append(_follow_term(walk, target, redirect.text, ancestors, depth))
    elif all_term is None and top_policy and not record.problems:
        walk.note("no_all", domain, text)
    # Terms are independent in an audit, so they are looked up together; results keep term order.
    children: list[SpfNode] = []
    for outcome in await asyncio.gather(*pending):
        if outcome.child is not None:
            children.append(outcome.child)
        void_names += outcome.voids
        notes += outcome.notes
    cumulative = lookups_here + sum(child.lookups_cumulative for child in children)
    terms = tuple(term.text for term in record.terms)
    return SpfNode(
        domain,
        text,
        terms,
        lookups_here,
        cumulative,
        len(void_names),
        tuple(children),
        tuple(errors),
        via,
        tuple(void_names),
        tuple(notes),
    )


@dataclass(frozen=True)
class _TermOutcome:
    """What auditing one term added to its node."""

    child: SpfNode | None = None
    voids: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


async def _visit_term(
    walk: _Walk, domain: str, term: Mechanism, target: str, ancestors: tuple[str, ...], depth: int
) -> _TermOutcome:
    """Look up one include, a, mx or exists term of a record."""
    if term.kind == "include":
        return await _follow_term(walk, target, term.text, ancestors, depth)
    notes: list[str] = []
    if term.kind == "a":
        answers = await walk.query_many([(target, "A"), (target, "AAAA")])
        voids = _void_or_note(walk, domain, term.text, target, answers, notes)
    elif term.kind == "exists":
        voids = _void_or_note(walk, domain, term.text, target, [await walk.query(target, "A")], notes)
    else:
        voids = await _visit_mx(walk, domain, term, target, notes)
    return _TermOutcome(None, tuple(voids), tuple(notes))


async def _follow_term(
    walk: _Walk, target: str, term: str, ancestors: tuple[str, ...], depth: int
) -> _TermOutcome:
    return _TermOutcome(await _follow(walk, target, term, ancestors, depth))


async def _follow(walk: _Walk, target: str, term: str, ancestors: tuple[str, ...], depth: int) -> SpfNode:
    if target.lower() in ancestors:
        detail = f"'{term}' leads back to {target}, which is already being evaluated (a loop)"
        walk.note("loop", target, detail, term)
        return _leaf(target, term, detail)
    return await _visit(walk, target, term, ancestors, depth + 1)


def _void_or_note(
    walk: _Walk, domain: str, term: str, target: str, answers: list[DnsAnswer], notes: list[str]
) -> list[str]:
    """Void when every answer is empty or NXDOMAIN; a failed query is noted, never counted."""
    failed = [answer for answer in answers if answer.failed]
    for answer in failed:
        walk.note("dns_error", domain, answer.describe_failure(), term)
        notes.append(f"{term}: {answer.describe_failure()}")
    if not failed and all(answer.is_void for answer in answers):
        walk.note("void", domain, target, term)
        return [target]
    return []


async def _visit_mx(walk: _Walk, domain: str, term: Mechanism, target: str, notes: list[str]) -> list[str]:
    answer = await walk.query(target, "MX")
    voids = _void_or_note(walk, domain, term.text, target, [answer], notes)
    if not answer.ok:
        return voids
    if len(answer.records) > MAX_MX_NAMES:
        walk.note(
            "mx_limit", domain, f"{target} has {len(answer.records)} MX records", term.text, term.position
        )
    hosts = mx_hosts(answer)[:MAX_MX_NAMES]
    answers = await walk.query_many([(host, rtype) for host in hosts for rtype in ("A", "AAAA")])
    for index, host in enumerate(hosts):
        pair = answers[2 * index : 2 * index + 2]
        if all(a.is_void for a in pair):
            notes.append(f"{term.text}: mail server {host} has no IPv4 or IPv6 address")
    return voids


def _needs_message(tokens: tuple[Token, ...] | None) -> bool:
    """True when a domain-spec uses macros only a real message fills in (all but %{d} and %{o})."""
    return tokens is not None and any(isinstance(t, Macro) and t.letter not in ("d", "o") for t in tokens)


def _static_target(walk: _Walk, tokens: tuple[Token, ...] | None, domain: str) -> str | None:
    """The name a domain-spec names for the audit, or None when it expands to no valid name."""
    if tokens is None:
        return domain
    if _needs_message(tokens):
        return None
    context = MacroContext(
        sender=f"postmaster@{walk.root}",
        local_part="postmaster",
        sender_domain=walk.root,
        domain=domain,
        ip=_AUDIT_IP,
        helo="unknown",
        receiver="unknown",
        now=0,
    )
    return target_name(expand(tokens, context))
