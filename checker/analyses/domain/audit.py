"""Audit a domain's whole email setup in one go: MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT and BIMI.

This module only sequences the mechanisms. Every section starts at once (``asyncio.gather``) over
one per-run ``CachingResolver``, so a name asked by two sections is queried once and the audit
takes as many sequential DNS round trips as its deepest dependency chain:

- MX: MX -> A/AAAA of each host -> PTR of each address -> A/AAAA of each PTR name = 4
- SPF: TXT -> include/redirect TXT -> ... (1 + include nesting; an ``mx`` term adds MX -> A)
- DMARC: ``_dmarc.<domain>`` with the RFC 9989 tree-walk candidates asked together, then any
  external report-authorisation records = 2 to 3
- DKIM key probes, MTA-STS (TXT + policy host A/AAAA), TLS-RPT and BIMI = 1 each

So a typical domain needs 4 rounds (MX reverse-DNS confirmation), or 1 + its SPF include depth
when that is deeper.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from checker.analyses.advice import NEUTRAL_ADVICE, FrontEndAdvice
from checker.shared.dns.cache import per_run_cache
from checker.shared.dns.model import DnsAnswer, DnsStatus, Resolver
from checker.shared.dns.query import safe_query
from checker.shared.orgdomain import PublicSuffixes, default_public_suffixes, normalize_domain
from checker.shared.result import Check, InputError, Verdict

# Documented above; scripts/bench_dns.py compares measured rounds with it.
MX_DEPENDENCY_DEPTH = 4


@dataclass(frozen=True)
class Section:
    """One mechanism's checks, with its own result object for callers who want details."""

    name: str
    checks: tuple[Check, ...]
    detail: Any = None


@dataclass(frozen=True)
class DomainAudit:
    """The audit of one domain: sections in reading order, or the input error that stopped it."""

    domain: str
    sections: tuple[Section, ...]
    input_error: InputError | None = None

    @property
    def checks(self) -> tuple[Check, ...]:
        """Every check of every section, in order."""
        return tuple(check for section in self.sections for check in section.checks)

    def section(self, name: str) -> Section | None:
        """The section called ``name`` ("MX", "SPF", "DKIM", "DMARC", "MTA-STS", "TLS-RPT", "BIMI")."""
        return next((section for section in self.sections if section.name == name), None)


async def audit_domain(
    domain: str,
    *,
    resolver: Resolver,
    selectors: Iterable[str] | None = None,
    psl: PublicSuffixes | None = None,
    probe_common_selectors: bool = True,
    advice: FrontEndAdvice = NEUTRAL_ADVICE,
) -> DomainAudit:
    """Audit every mail-related DNS record of ``domain``; never raises.

    ``selectors`` are DKIM selectors known to be in use (a missing key is then a failure);
    common selectors are probed as well unless ``probe_common_selectors`` is False. ``psl`` is a
    ``checker.shared.orgdomain.PublicSuffixes`` (the bundled list when None). ``advice`` says how the reader
    can act in the front end showing the result (e.g. how to check a DKIM selector there).
    """
    normalized = normalize_domain(domain)
    if isinstance(normalized, InputError):
        check = Check(
            "Domain",
            Verdict.ERROR,
            "domain.invalid",
            f"{normalized.what} {normalized.fix}",
            {"input": domain},
        )
        return DomainAudit(str(domain), (Section("Domain", (check,)),), normalized)
    cached = per_run_cache(resolver)
    known_selectors = tuple(dict.fromkeys(s.strip().lower() for s in (selectors or ()) if s.strip()))
    runs: list[tuple[str, Callable[[], Awaitable[Section]]]] = [
        ("MX", lambda: _mx(normalized, cached)),
        ("SPF", lambda: _spf(normalized, cached)),
        ("DKIM", lambda: _dkim(normalized, cached, known_selectors, probe_common_selectors, advice)),
        ("DMARC", lambda: _dmarc(normalized, cached, psl)),
        ("MTA-STS", lambda: _policy("MTA-STS", "audit_mta_sts", normalized, cached)),
        ("TLS-RPT", lambda: _policy("TLS-RPT", "audit_tls_rpt", normalized, cached)),
        ("BIMI", lambda: _policy("BIMI", "audit_bimi", normalized, cached)),
    ]
    # The MX section asks the same question; the per-run cache sends it once, so this costs no round trip.
    existence, *sections = await asyncio.gather(
        safe_query(cached, normalized, "MX"), *(_guarded(name, run) for name, run in runs)
    )
    if existence.status is DnsStatus.NXDOMAIN:
        return DomainAudit(normalized, _missing_domain(normalized, existence, tuple(sections)))
    return DomainAudit(normalized, _cross_checks(tuple(sections)))


def _missing_domain(domain: str, answer: DnsAnswer, sections: tuple[Section, ...]) -> tuple[Section, ...]:
    """Say once, first, that the domain does not exist; the sections then have nothing to advise.

    Advice to publish SPF or DMARC for a name that is not in DNS misleads (usually it is a typo).
    A DMARC record found at a parent domain still applies (its np= or sp= covers missing
    subdomains), so that section is kept.
    """
    evidence = {"query": f"MX {domain}", "status": answer.status.value}
    mx = next((s for s in sections if s.name == "MX"), None)
    first = next((c for c in (mx.checks if mx else ()) if c.reason == "mx.domain_missing"), None)
    if first is None:  # the MX section broke; say it here all the same
        first = Check(
            "Domain exists",
            Verdict.FAIL,
            "mx.domain_missing",
            f"The domain {domain} does not exist in DNS: the query MX {domain} was answered NXDOMAIN "
            "(no such domain). Check the spelling.",
            evidence,
        )
    kept = []
    for section in sections:
        dmarc_record = getattr(section.detail, "record", None) if section.name == "DMARC" else None
        if dmarc_record is not None:
            kept.append(section)
            continue
        skipped = Check(
            section.name,
            Verdict.INFO,
            "domain.not_checked_nxdomain",
            f"Not checked: {domain} does not exist, so it has no {section.name} records to check.",
            evidence,
        )
        kept.append(Section(section.name, (skipped,), section.detail))
    return (Section("Domain", (replace(first, name="Domain exists"),)), *kept)


async def _guarded(name: str, run: Callable[[], Awaitable[Section]]) -> Section:
    """Run one section; a missing module or a bug in it becomes an ERROR check, not a crash."""
    try:
        return await run()
    except ImportError as missing:
        text = f"The {name} check is not available in this build ({missing}); the other checks still ran."
        return Section(name, (Check(name, Verdict.ERROR, "domain.section_unavailable", text),))
    except Exception as bug:  # one broken mechanism must not take the whole audit down
        text = (
            f"The {name} check stopped on an internal error ({type(bug).__name__}: {bug}); please report it."
        )
        return Section(name, (Check(name, Verdict.ERROR, "domain.section_failed", text),))


async def _mx(domain: str, resolver: Resolver) -> Section:
    from checker.analyses.domain.mx import audit_mx

    result = await audit_mx(domain, resolver=resolver)
    return Section("MX", result.checks, result)


async def _spf(domain: str, resolver: Resolver) -> Section:
    from checker.mechanisms.spf.audit import audit_spf

    result = await audit_spf(domain, resolver=resolver)
    return Section("SPF", tuple(result.checks), result)


async def _dkim(
    domain: str, resolver: Resolver, known: Sequence[str], probe_common: bool, advice: FrontEndAdvice
) -> Section:
    from checker.mechanisms.dkim import COMMON_SELECTORS, check_dkim_key, probe_selectors

    probes = [s for s in COMMON_SELECTORS if s not in known] if probe_common else []
    named, probed = await asyncio.gather(
        asyncio.gather(*(check_dkim_key(domain, s, resolver=resolver) for s in known)),
        probe_selectors(domain, probes, resolver=resolver) if probes else _nothing(),
    )
    checks = [result.to_check() for result in named]
    found = [result for result in probed if result.status != "not_found"]
    checks.extend(result.to_check() for result in found)
    if not known and not probes:
        checks.append(
            Check(
                "DKIM",
                Verdict.INFO,
                "dkim.no_selector_checked",
                "DKIM was not checked: no selector was given and guessing common selectors was turned off. "
                "The s= value in the DKIM-Signature of a message you sent names the selector. "
                f"{advice.dkim_selector}",
                {"selectors_tried": []},
            )
        )
    elif not known and not found:
        checks.append(
            Check(
                "DKIM",
                Verdict.INFO,
                "dkim.no_common_selector",
                f"No DKIM key was found under {len(probes)} common selector names. DNS cannot list a "
                "domain's selectors, so this proves nothing: the s= value in the DKIM-Signature of a "
                f"message you sent names the selector in use. {advice.dkim_selector}",
                {"selectors_tried": probes},
            )
        )
    return Section("DKIM", tuple(checks), {"named": list(named), "probed": list(probed)})


async def _nothing() -> list[Any]:
    return []


async def _dmarc(domain: str, resolver: Resolver, psl: PublicSuffixes | None) -> Section:
    from checker.mechanisms.dmarc import audit_dmarc

    result = await audit_dmarc(
        domain, resolver=resolver, psl=psl if psl is not None else default_public_suffixes()
    )
    return Section("DMARC", tuple(result.checks), result)


async def _policy(name: str, function: str, domain: str, resolver: Resolver) -> Section:
    from checker.analyses.domain import records

    result = await getattr(records, function)(domain, resolver=resolver)
    return Section(name, result.checks, result)


def _cross_checks(sections: tuple[Section, ...]) -> tuple[Section, ...]:
    """Findings that need two sections: BIMI is ignored unless DMARC is enforced."""
    by_name = {section.name: section for section in sections}
    bimi, dmarc = by_name.get("BIMI"), by_name.get("DMARC")
    if bimi is None or dmarc is None or not any(c.reason == "bimi.record_ok" for c in bimi.checks):
        return sections
    record = getattr(dmarc.detail, "record", None)
    policy = getattr(record, "p", None)
    if policy in ("quarantine", "reject"):
        return sections
    unknown = _dmarc_unknown(dmarc)
    if unknown is not None:
        extra = Check(
            "BIMI needs DMARC",
            Verdict.ERROR,
            "bimi.dmarc_unknown",
            f"The domain publishes a BIMI logo, but whether its DMARC policy allows the logo to show could "
            f"not be checked: {unknown['problem']} Mailboxes show BIMI logos only for domains with DMARC "
            "at p=quarantine or p=reject.",
            {key: value for key, value in unknown.items() if key != "problem"},
        )
    else:
        extra = Check(
            "BIMI needs DMARC",
            Verdict.WARN,
            "bimi.dmarc_not_enforced",
            f"The domain publishes a BIMI logo but its DMARC policy is {policy or 'missing'}. Mailboxes show "
            "BIMI logos only for domains with DMARC at p=quarantine or p=reject.",
            {"dmarc_policy": policy},
        )
    return tuple(Section(s.name, (*s.checks, extra), s.detail) if s.name == "BIMI" else s for s in sections)


def _dmarc_unknown(dmarc: Section) -> dict[str, Any] | None:
    """Why the DMARC policy is unknown (a failed ``_dmarc`` query, a broken section), or None if it is known.

    A lookup that failed proves nothing about the policy, so it must not be reported as "missing".
    """
    if getattr(dmarc.detail, "record", None) is not None:
        return None
    lookup = getattr(getattr(dmarc.detail, "discovery", None), "rfc7489", None)
    if lookup is not None and lookup.status == "temperror":
        problem = (lookup.error or "the DNS lookup of the DMARC record failed").rstrip(".") + "."
        problem = problem[:1].lower() + problem[1:]  # it continues a sentence
        return {
            "problem": problem,
            "dmarc_lookup": "temperror",
            "query": f"TXT {lookup.queried[-1]}" if lookup.queried else None,
            "queried": list(lookup.queried),
        }
    failed = next((check for check in dmarc.checks if check.verdict is Verdict.ERROR), None)
    if dmarc.detail is None or failed is not None:
        return {
            "problem": "the DMARC check itself could not be made (see the DMARC section).",
            "dmarc": failed.reason if failed else "dmarc.unavailable",
        }
    return None
