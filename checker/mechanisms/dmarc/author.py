"""The RFC5322.From author domain(s) DMARC is about, and combining per-author verdicts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import getaddresses

from checker.mechanisms.dmarc.evaluate import DmarcEvaluation
from checker.shared.orgdomain import normalize_domain
from checker.shared.result import InputError

MAX_AUTHOR_DOMAINS = 5
"""DMARC is evaluated for at most this many distinct author domains; more are listed but not checked."""
MAX_FROM_NESTING = 32
"""Deeper nesting of groups (``g:``) or comments (``(``) in From is refused before the stdlib parser
sees it: its recursive descent would exhaust the stack (RecursionError in CPython, a crash in WASM)."""
MAX_FROM_CHARS = 1024 * 1024

_RESULT_RANK = {"fail": 5, "temperror": 4, "permerror": 3, "none": 2, "pass": 1}
_POLICY_RANK = {"reject": 3, "quarantine": 2, "none": 1, None: 0}


@dataclass(frozen=True)
class AuthorDomains:
    """The From addresses and their distinct domains; ``error`` when no domain can be taken from them."""

    addresses: tuple[str, ...]
    domains: tuple[str, ...]
    error: InputError | None = None
    note: str | None = None


def author_domains(from_values: Sequence[str]) -> AuthorDomains:
    """Extract the author domain(s) from the From header value(s) of a message.

    RFC 7489 section 6.6.1: with several authors in different domains, DMARC is applied to each and
    the strictest outcome wins, so every distinct domain is returned.
    """
    if not from_values:
        return AuthorDomains(
            (),
            (),
            InputError(
                "The message has no From header, so DMARC has no domain to check.",
                "From header",
                "Paste the full header block, including the From: line.",
                reason="dmarc.no_from",
            ),
        )
    unreadable = _too_complex(from_values)
    if unreadable is None:
        try:
            addresses = _addresses(list(from_values))
        except (RecursionError, ValueError, TypeError, IndexError, AttributeError) as exc:
            unreadable = f"the address parser gave up ({type(exc).__name__})"
    if unreadable is not None:
        return AuthorDomains(
            (),
            (),
            InputError(
                f"The From header could not be read: {unreadable}.",
                "From header",
                "A real From header holds one address such as Name <user@example.com>; check the paste.",
                reason="dmarc.bad_from",
            ),
        )
    domains: list[str] = []
    for address in addresses:
        if "@" not in address:
            continue
        domain = normalize_domain(address.rsplit("@", 1)[1])
        if isinstance(domain, str) and domain not in domains:
            domains.append(domain)
    if not domains:
        shown = "; ".join(from_values)[:120]
        return AuthorDomains(
            addresses,
            (),
            InputError(
                f"Unable to extract a From domain from {shown!r}.",
                "From header",
                "The From header needs an address such as Name <user@example.com>.",
                reason="dmarc.bad_from",
            ),
        )
    note = None
    skipped = domains[MAX_AUTHOR_DOMAINS:]
    domains = domains[:MAX_AUTHOR_DOMAINS]
    if skipped:
        note = (
            f"The From header names {len(domains) + len(skipped)} author domains; DMARC was evaluated for "
            f"the first {MAX_AUTHOR_DOMAINS} only ({len(skipped)} not checked)."
        )
    elif len(from_values) > 1:
        note = "The message has more than one From header, which RFC 5322 forbids; many receivers reject it."
    elif len(addresses) > 1:
        note = (
            f"The From header lists {len(addresses)} authors; DMARC is applied to each domain "
            "and the strictest outcome wins."
        )
    return AuthorDomains(addresses, tuple(domains), None, note)


def _too_complex(values: Sequence[str]) -> str | None:
    """Why the From values are too big or too deeply nested to hand to the stdlib parser, or ``None``."""
    if sum(len(value) for value in values) > MAX_FROM_CHARS:
        return f"it is longer than {MAX_FROM_CHARS:,} characters"
    for value in values:
        depth = deepest = groups = 0
        quoted = escaped = False
        for char in value:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif quoted:
                quoted = char != '"'
            elif char == '"' and depth == 0:
                quoted = True
            elif char == "(":
                depth += 1
                deepest = max(deepest, depth)
            elif char == ")" and depth:
                depth -= 1
            elif char == ":" and depth == 0:
                groups += 1
        if deepest > MAX_FROM_NESTING:
            return f"its comments are nested {deepest} deep"
        if groups > MAX_FROM_NESTING:
            return f"it opens {groups} address groups"
    return None


def _addresses(values: list[str]) -> tuple[str, ...]:
    """The addresses in From values: the strict parse, else the lenient one.

    Since the CVE-2023-27043 fix, ``getaddresses`` gives up on an old-style comment holding a comma,
    ``j@example.com (Doe, John)``, which RFC 5322 allows; the lenient parse reads it correctly. It is
    tried only when the strict one finds nothing, so an ambiguous From is never read more loosely.
    """
    found = tuple(address for _, address in getaddresses(values) if address)
    if found:
        return found
    try:
        lenient = getaddresses(values, strict=False)
    except TypeError:  # a Python without the strict parameter already parsed leniently above
        return found
    return tuple(address for _, address in lenient if address)


def combine_evaluations(evaluations: Sequence[DmarcEvaluation]) -> DmarcEvaluation:
    """The verdict that governs a message with several author domains: the worst result, strictest policy."""
    return max(
        evaluations,
        key=lambda item: (_RESULT_RANK.get(item.result, 0), _POLICY_RANK.get(item.policy, 0)),
    )
