"""Get an SPF record under the limit of 10 DNS lookups (RFC 7208 section 4.6.4), from the audit's tree.

Safe clean-ups come first and are always proposed: ``ptr`` (RFC 7208 section 5.5 says not to use it),
includes listed twice or already pulled in by another include, includes of names with no SPF record
(each one is a permerror, RFC 7208 section 5.2). Only when the record is still over the limit does
it propose what costs upkeep: ``a``/``mx`` written out as ``ip4``/``ip6``, then flattening the
costliest includes whose whole subtree is plain addresses. Whatever is left is for the owner to
decide, costliest first: a sender that is no longer used, or one that could send from a subdomain.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

from checker.mechanisms.spf.audit import audit_spf
from checker.mechanisms.spf.lookups import MAX_DNS_TERMS, MAX_MX_NAMES
from checker.mechanisms.spf.macros import Literal
from checker.mechanisms.spf.mechanisms import mx_hosts
from checker.mechanisms.spf.syntax import Mechanism, Modifier, SpfRecord, parse_record
from checker.mechanisms.spf.tree import SpfAudit, SpfNode
from checker.shared.dns.cache import per_run_cache
from checker.shared.dns.model import Resolver
from checker.shared.dns.query import safe_query

MAX_REPLACEMENT_ADDRESSES = 10  # more than this written out is not a simplification
_RFC = "https://www.rfc-editor.org/rfc/rfc7208#section-"


def _lookups(count: int) -> str:
    return f"{count} lookup" if count == 1 else f"{count} lookups"


@dataclass(frozen=True)
class TermCost:
    """One DNS-querying term of the published record and the lookups it costs, nested ones included."""

    term: str
    kind: str
    target: str | None
    lookups: int
    nested_includes: tuple[str, ...]
    flattenable: bool
    note: str | None = None


@dataclass(frozen=True)
class ReductionStep:
    """One change to the record: what to do with ``term``, what replaces it, and the lookups it saves."""

    action: (
        str  # remove_ptr, remove_duplicate, remove_dead_include, replace_with_ips, flatten_include, decide
    )
    term: str
    replacement: tuple[str, ...]
    saves: int
    reason: str
    explanation: str


@dataclass(frozen=True)
class SpfReduction:
    """The record, its cost per term (costliest first), the steps, and the record after them."""

    domain: str
    record: str | None
    lookups: int
    limit: int
    over_limit: bool
    costs: tuple[TermCost, ...]
    steps: tuple[ReductionStep, ...]
    proposed_record: str | None
    proposed_lookups: int
    under_limit_after: bool
    reason: str
    explanation: str
    notes: tuple[str, ...] = ()
    references: tuple[str, ...] = (_RFC + "4.6.4", _RFC + "5.5", _RFC + "5.2")
    # A record in the tree could not be looked up: ``lookups`` is a lower bound, not the count.
    incomplete: bool = False


def reduce_spf(audit: SpfAudit, *, addresses: Mapping[str, tuple[str, ...]] | None = None) -> SpfReduction:
    """Plan the reduction from an SPF audit; ``addresses`` maps a root a/mx term to its ip4:/ip6: terms."""
    tree = audit.tree
    if tree.record is None:
        return SpfReduction(
            audit.domain,
            None,
            0,
            MAX_DNS_TERMS,
            False,
            (),
            (),
            None,
            0,
            True,
            "spf_reduce.no_record",
            f"{audit.domain} publishes no usable SPF record, so there is nothing to reduce.",
            tree.errors,
        )
    record = parse_record(tree.record)
    children = _children_by_term(tree)
    costs = [_cost(term, tree.domain, children) for term in _dns_terms(record)]
    terms: list[str] = [term.text for term in record.terms]
    steps: list[ReductionStep] = []
    # Only a name with no SPF record is dead; a DNS failure or a loop is not a reason to drop the include.
    dead = {finding.domain.lower() for finding in audit.findings if finding.kind == "no_record"}
    _safe_cleanups(record, children, terms, steps, dead)
    count = _count(terms, children)
    notes: list[str] = []
    if count > MAX_DNS_TERMS:
        count = _replace_hosts(record, addresses or {}, terms, steps, count)
    if count > MAX_DNS_TERMS:
        count = _flatten(costs, terms, steps, children, count)
    if count > MAX_DNS_TERMS:
        for cost in sorted(costs, key=lambda c: -c.lookups):
            if cost.term in terms and cost.kind == "include":
                steps.append(
                    ReductionStep(
                        "decide",
                        cost.term,
                        (),
                        cost.lookups,
                        "spf_reduce.decide",
                        f"{cost.term} costs {_lookups(cost.lookups)}. If that service no longer sends for "
                        f"{tree.domain}, drop it; if it does, let it send with a Return-Path in its own "
                        "subdomain (e.g. bounce.example.com) so its SPF is checked there, not here.",
                    )
                )
    for cost in {c.term: c for c in costs}.values():
        if cost.nested_includes and cost.kind == "include":
            notes.append(
                f"{cost.term} pulls in {len(cost.nested_includes)} nested include(s) "
                f"({', '.join(cost.nested_includes)}); its owner controls them, not you."
            )
    proposed = " ".join(["v=spf1", *terms])
    if len(proposed) > 255:
        notes.append(
            f"The proposed record is {len(proposed)} characters: publish it as several quoted strings "
            "of at most 255 characters in one TXT record."
        )
    total = tree.lookups_cumulative
    changed = proposed != tree.record
    incomplete = audit.lookup_count_incomplete
    if incomplete:
        notes.insert(
            0,
            f"At least {_lookups(total)}: a record in the tree could not be looked up, so the full count "
            "is not known. Run the check again before changing the record.",
        )
    if total <= MAX_DNS_TERMS and not changed and incomplete:
        reason, text = (
            "spf_reduce.incomplete",
            f"The record needs at least {total} of the 10 lookups allowed; part of it could not be read.",
        )
    elif total <= MAX_DNS_TERMS and not changed:
        reason, text = (
            "spf_reduce.under_limit",
            f"The record needs {total} of the 10 lookups allowed; nothing to do.",
        )
    elif count <= MAX_DNS_TERMS:
        reason = "spf_reduce.reduced" if total > MAX_DNS_TERMS else "spf_reduce.cleaned_up"
        text = f"The record needs {total} lookups; after the steps below it needs {count} (limit 10)."
    else:
        reason = "spf_reduce.still_over"
        text = (
            f"The record needs {total} lookups; the automatic steps bring it to {count}, still over 10. "
            "The remaining includes are listed costliest first: only you know which senders are still used."
        )
    return SpfReduction(
        audit.domain,
        tree.record,
        total,
        MAX_DNS_TERMS,
        total > MAX_DNS_TERMS,
        tuple(sorted(costs, key=lambda c: (-c.lookups, c.term))),
        tuple(steps),
        proposed if changed else tree.record,
        count,
        count <= MAX_DNS_TERMS,
        reason,
        text,
        tuple(notes),
        incomplete=incomplete,
    )


def _dns_terms(record: SpfRecord) -> list[Mechanism | Modifier]:
    """The terms that count toward the limit: include, a, mx, ptr, exists and redirect=."""
    return [
        term
        for term in record.terms
        if (term.queries_dns if isinstance(term, Mechanism) else term.name == "redirect")
    ]


def _children_by_term(tree: SpfNode) -> dict[str, SpfNode]:
    return {child.via.lower(): child for child in tree.children}


def _target(term: Mechanism | Modifier, domain: str) -> str | None:
    tokens = term.value if isinstance(term, Modifier) else term.domain_spec
    if tokens is None:
        return domain
    if not all(isinstance(token, Literal) and not token.escape for token in tokens):
        return None  # a macro: the name depends on the message
    return "".join(token.text for token in tokens).rstrip(".").lower()


def _subtree(node: SpfNode) -> list[SpfNode]:
    return [node, *(n for child in node.children for n in _subtree(child))]


def _cost(term: Mechanism | Modifier, domain: str, children: dict[str, SpfNode]) -> TermCost:
    kind = "redirect" if isinstance(term, Modifier) else term.kind
    child = children.get(term.text.lower())
    if child is None:
        note = "depends on the message (macro)" if _target(term, domain) is None else None
        return TermCost(term.text, kind, _target(term, domain), 1, (), False, note)
    nested = tuple(n.domain for n in _subtree(child)[1:])
    note = None if child.record else f"no SPF record at {child.domain}"
    return TermCost(
        term.text,
        kind,
        child.domain,
        1 + child.lookups_cumulative,
        nested,
        _flat_ips(child) is not None,
        note,
    )


def _flat_ips(node: SpfNode) -> list[str] | None:
    """Every address an include of ``node`` can pass, or None when its tree is more than plain addresses."""
    ips: list[str] = []
    for current in _subtree(node):
        if current.record is None or current.errors:
            return None
        for term in parse_record(current.record).terms:
            if isinstance(term, Modifier):
                if term.name == "redirect":
                    return None
                continue
            if term.kind == "all":
                if term.qualifier in ("", "+"):
                    return None  # +all passes everything: never flatten that
                continue
            if term.kind == "include":
                continue  # its own node is in the subtree
            if term.kind not in ("ip4", "ip6") or term.qualifier not in ("", "+"):
                return None
            text = term.text.lstrip("+")
            if text not in ips:
                ips.append(text)
    return ips


def _nested_names(children: dict[str, SpfNode], other: Mechanism, term: Mechanism) -> set[str]:
    """The domains ``other`` pulls in below itself (empty for ``term`` itself or an unaudited include)."""
    node = children.get(other.text.lower())
    if other is term or node is None:
        return set()
    return {n.domain.lower() for n in _subtree(node)[1:]}


def _count(terms: list[str], children: dict[str, SpfNode]) -> int:
    """Lookups of the record made of ``terms``, counted as the audit counted each include."""
    total = 0
    for text in terms:
        parsed = parse_record("v=spf1 " + text).terms
        if not parsed:
            continue
        term = parsed[0]
        if isinstance(term, Modifier) and term.name != "redirect":
            continue
        if isinstance(term, Mechanism) and not term.queries_dns:
            continue
        child = children.get(text.lower())
        total += 1 + (child.lookups_cumulative if child else 0)
    return total


def _safe_cleanups(
    record: SpfRecord,
    children: dict[str, SpfNode],
    terms: list[str],
    steps: list[ReductionStep],
    dead: set[str],
) -> None:
    """Always safe: drop ptr, includes listed twice or already included, and includes of dead names."""
    seen: set[str] = set()
    includes = [t for t in record.terms if isinstance(t, Mechanism) and t.kind == "include"]
    for term in record.terms:
        if not isinstance(term, Mechanism):
            continue
        if term.kind == "ptr":
            terms.remove(term.text)
            steps.append(
                ReductionStep(
                    "remove_ptr",
                    term.text,
                    (),
                    1,
                    "spf_reduce.remove_ptr",
                    f"{term.text} is slow and unreliable and RFC 7208 section 5.5 says not to use "
                    "it; list the addresses it stands for as ip4:/ip6: instead (or nothing, if "
                    "another term covers them).",
                )
            )
            continue
        if term.kind != "include":
            continue
        child = children.get(term.text.lower())
        target = child.domain.lower() if child else term.text.split(":", 1)[-1].lower()
        cost = 1 + (child.lookups_cumulative if child else 0)
        covering = next((other for other in includes if target in _nested_names(children, other, term)), None)
        if target in seen or covering is not None:
            why = (
                f"{term.text} is listed twice; the second one only costs lookups."
                if target in seen
                else f"{term.text} is already included through {covering.text}, so listing it again "
                f"costs {_lookups(cost)} for nothing."
            )
            terms.remove(term.text)
            steps.append(
                ReductionStep("remove_duplicate", term.text, (), cost, "spf_reduce.remove_duplicate", why)
            )
        elif child is not None and child.record is None and target in dead:
            terms.remove(term.text)
            steps.append(
                ReductionStep(
                    "remove_dead_include",
                    term.text,
                    (),
                    cost,
                    "spf_reduce.remove_dead_include",
                    f"{target} publishes no SPF record ({'; '.join(child.errors)}), so "
                    f"{term.text} makes every SPF check end in permerror (RFC 7208 section 5.2); "
                    "remove it.",
                )
            )
        seen.add(target)


def _replace_hosts(
    record: SpfRecord,
    addresses: Mapping[str, tuple[str, ...]],
    terms: list[str],
    steps: list[ReductionStep],
    count: int,
) -> int:
    """Over the limit: write a/mx terms out as the addresses they resolve to (one lookup each)."""
    for term in record.terms:
        if count <= MAX_DNS_TERMS:
            break
        if not isinstance(term, Mechanism) or term.kind not in ("a", "mx") or term.text not in terms:
            continue
        found = addresses.get(term.text)
        if not found or len(found) > MAX_REPLACEMENT_ADDRESSES or term.qualifier not in ("", "+"):
            continue
        index = terms.index(term.text)
        replacement = tuple(ip for ip in found if ip not in terms)
        terms[index : index + 1] = list(replacement)
        what = "mail servers" if term.kind == "mx" else "host"
        steps.append(
            ReductionStep(
                "replace_with_ips",
                term.text,
                replacement,
                1,
                "spf_reduce.replace_with_ips",
                f"{term.text} costs a lookup each time; its {what} resolve to "
                f"{', '.join(replacement)}. Writing them out saves the lookup, but you must "
                "update the record whenever those addresses change.",
            )
        )
        count -= 1
    return count


def _flatten(
    costs: list[TermCost],
    terms: list[str],
    steps: list[ReductionStep],
    children: dict[str, SpfNode],
    count: int,
) -> int:
    """Still over: write out the includes whose whole tree is plain addresses, as few as needed."""
    while count > MAX_DNS_TERMS:
        candidates = [c for c in costs if c.kind == "include" and c.flattenable and c.term in terms]
        if not candidates:
            break
        # The cheapest include that is enough on its own, else the costliest: flatten as little as possible.
        enough = [c for c in candidates if count - c.lookups <= MAX_DNS_TERMS]
        cost = min(enough, key=lambda c: c.lookups) if enough else max(candidates, key=lambda c: c.lookups)
        child = children[cost.term.lower()]
        ips = tuple(ip for ip in (_flat_ips(child) or []) if ip not in terms)
        index = terms.index(cost.term)
        terms[index : index + 1] = list(ips)
        steps.append(
            ReductionStep(
                "flatten_include",
                cost.term,
                ips,
                cost.lookups,
                "spf_reduce.flatten_include",
                f"{cost.term} costs {_lookups(cost.lookups)} and its whole tree is plain address "
                f"ranges ({len(ips)} of them). Writing them out saves {_lookups(cost.lookups)}, but "
                f"{cost.target}'s owner can change them at any time: check them regularly, or "
                "prefer moving that sender to its own subdomain.",
            )
        )
        count -= cost.lookups
    return count


async def plan_spf_reduction(domain: str, *, resolver: Resolver) -> SpfReduction:
    """Audit ``domain``'s SPF tree with the injected resolver, resolve its a/mx terms, plan the reduction."""
    cached = per_run_cache(resolver)
    audit = await audit_spf(domain, resolver=cached)
    addresses: dict[str, tuple[str, ...]] = {}
    if audit.tree.record:
        record = parse_record(audit.tree.record)
        hosts = [t for t in record.terms if isinstance(t, Mechanism) and t.kind in ("a", "mx")]
        found = await asyncio.gather(*(_host_addresses(t, audit.tree.domain, cached) for t in hosts))
        addresses = {t.text: ips for t, ips in zip(hosts, found, strict=True) if ips}
    return reduce_spf(audit, addresses=addresses)


async def _host_addresses(term: Mechanism, domain: str, resolver: Resolver) -> tuple[str, ...]:
    target = _target(term, domain)
    if target is None:
        return ()
    names = [target]
    if term.kind == "mx":
        answer = await safe_query(resolver, target, "MX")
        if not answer.ok:
            return ()
        names = mx_hosts(answer)[:MAX_MX_NAMES]
    questions = [(name, rtype) for name in names for rtype in ("A", "AAAA")]
    answers = await asyncio.gather(*(safe_query(resolver, name, rtype) for name, rtype in questions))
    if any(answer.failed for answer in answers):
        return ()  # a partial list would silently drop a server
    ips: list[str] = []
    for (_, rtype), answer in zip(questions, answers, strict=True):
        for value in answer.records:
            prefix = term.cidr4 if rtype == "A" else term.cidr6
            try:
                network = ipaddress.ip_network(
                    f"{value}/{prefix}" if prefix is not None else value, strict=False
                )
            except ValueError:
                continue
            full = network.prefixlen == network.max_prefixlen
            text = f"{'ip4' if rtype == 'A' else 'ip6'}:{network.network_address if full else network}"
            if text not in ips:
                ips.append(text)
    return tuple(ips)
