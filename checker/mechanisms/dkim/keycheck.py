"""Look up DKIM key records by selector and judge them (type, size, flags), without a message."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from checker.mechanisms.dkim.keys import (
    DkimKey,
    fetch_key,
    is_valid_domain,
    is_valid_selector,
    key_query_name,
)
from checker.shared.dns.model import Resolver
from checker.shared.dns.names import fold_name
from checker.shared.result import Check, Verdict

COMMON_SELECTORS: tuple[str, ...] = (
    "google",  # Google Workspace
    "selector1",  # Microsoft 365
    "selector2",  # Microsoft 365
    "k1",  # Mailchimp
    "k2",  # Mailchimp
    "k3",  # Mailchimp
    "s1",  # SendGrid
    "s2",  # SendGrid
    "mandrill",  # Mailchimp Transactional (Mandrill)
    "smtp",  # Mailgun
    "fm1",  # Fastmail
    "fm2",  # Fastmail
    "fm3",  # Fastmail
    "protonmail",  # Proton Mail
    "protonmail2",  # Proton Mail
    "protonmail3",  # Proton Mail
    "zoho",  # Zoho Mail
    "default",  # cPanel, many self-hosted setups
    "dkim",
    "mail",
)
"""Selectors worth trying. DNS cannot list a domain's selectors (there is no way to enumerate the
names under ``_domainkey``), so a probe can only guess; a miss proves nothing. The selector of a
real message is in the ``s=`` tag of its DKIM-Signature."""

# Probing many selectors at once is fine for a resolver, but not unbounded.
MAX_PROBE_SELECTORS = 50
_RECOMMENDED_RSA_BITS = 2048


@dataclass(frozen=True)
class DkimKeyCheck:
    """The verdict on one ``<selector>._domainkey.<domain>`` key record.

    ``status`` is ``found``, ``not_found``, ``dns_error`` or ``invalid_input``.
    """

    domain: str
    selector: str
    query_name: str
    status: str
    verdict: Verdict
    reason: str
    explanation: str
    key: DkimKey | None = None
    dns_error: str | None = None

    def to_check(self) -> Check:
        """This result as a ``Check``."""
        evidence: dict[str, Any] = {"query": self.query_name, "status": self.status}
        if self.key is not None:
            evidence.update(record=self.key.record, key_type=self.key.key_type, bits=self.key.bits)
            if self.key.flags:
                evidence["flags"] = list(self.key.flags)
        if self.dns_error:
            evidence["dns_error"] = self.dns_error
        return Check(f"DKIM key {self.selector}", self.verdict, self.reason, self.explanation, evidence)


def _judge_key(key: DkimKey, *, probing: bool) -> tuple[Verdict, str, str]:
    size = f"{key.bits}-bit {key.key_type.upper() if key.key_type == 'rsa' else 'Ed25519'}"
    if key.problem == "dkim.key_revoked":
        verdict = Verdict.INFO if probing else Verdict.FAIL
        return (
            verdict,
            key.problem,
            "The key is published empty (p=), which means it was deliberately revoked.",
        )
    if key.problem is not None:
        return Verdict.FAIL, key.problem, f"The key record cannot be used: {key.problem_detail}."
    if key.key_type == "rsa" and (key.bits or 0) < 1024:
        text = (
            f"The key is a {size} key; receivers reject RSA keys under 1024 bits (RFC 8301). "
            "Publish a 2048-bit key."
        )
        return Verdict.FAIL, "dkim.key_too_small", text
    if key.hash_algorithms is not None and "sha256" not in key.hash_algorithms:
        text = (
            "The key only allows SHA-1 signatures (h=sha1), which receivers no longer accept. "
            "Remove h= or add sha256."
        )
        return Verdict.FAIL, "dkim.key_sha1_only", text
    if key.testing:
        text = (
            f"The {size} key is marked as testing (t=y): receivers treat failures as if the mail were "
            "unsigned. "
            "Remove t=y once DKIM signing works."
        )
        return Verdict.WARN, "dkim.key_testing", text
    if key.key_type == "rsa" and (key.bits or 0) < _RECOMMENDED_RSA_BITS:
        text = f"The key is a {size} key: accepted today, but 2048 bits is recommended. Plan a rotation."
        return Verdict.WARN, "dkim.key_weak", text
    return Verdict.PASS, "dkim.key_ok", f"A valid {size} DKIM key is published."


async def check_dkim_key(
    domain: str, selector: str, *, resolver: Resolver, probing: bool = False
) -> DkimKeyCheck:
    """Fetch and judge the key at ``<selector>._domainkey.<domain>``.

    With ``probing`` a missing or revoked key is INFO rather than FAIL (a guess that missed).
    """
    domain = fold_name(domain.strip())
    selector = selector.strip().lower()
    query = key_query_name(selector, domain)
    if not is_valid_domain(domain) or not is_valid_selector(selector):
        bad = "domain" if not is_valid_domain(domain) else "selector"
        text = f"The {bad} is not a valid DNS name; check for typos, spaces or a pasted address."
        return DkimKeyCheck(domain, selector, query, "invalid_input", Verdict.ERROR, "input.invalid", text)
    lookup = await fetch_key(resolver, selector, domain)
    answer = lookup.answer
    if answer.failed:
        text = f"{answer.describe_failure()} The key could not be checked; try again later."
        return DkimKeyCheck(
            domain, selector, query, "dns_error", Verdict.ERROR, "dkim.temperror", text, None, answer.error
        )
    if lookup.key is None:
        verdict = Verdict.INFO if probing else Verdict.FAIL
        text = f"No DKIM key is published at {query}."
        if probing:
            text += " Selectors cannot be listed from DNS, so this only means this guess missed."
        return DkimKeyCheck(domain, selector, query, "not_found", verdict, "dkim.key_not_found", text)
    verdict, reason, text = _judge_key(lookup.key, probing=probing)
    if lookup.record_count > 1:
        text += f" Note: {lookup.record_count} TXT records are published there; there should be exactly one."
    return DkimKeyCheck(domain, selector, query, "found", verdict, reason, text, lookup.key)


async def probe_selectors(
    domain: str, selectors: Iterable[str] = COMMON_SELECTORS, *, resolver: Resolver
) -> list[DkimKeyCheck]:
    """Try each selector concurrently and return one result per selector, in the order given.

    Selectors cannot be listed from DNS, only guessed: a miss is INFO, not a failure.
    """
    unique = list(dict.fromkeys(s.strip().lower() for s in selectors if s.strip()))[:MAX_PROBE_SELECTORS]
    return list(
        await asyncio.gather(*(check_dkim_key(domain, s, resolver=resolver, probing=True) for s in unique))
    )
