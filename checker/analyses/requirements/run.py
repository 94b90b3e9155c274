"""Run what the requirements need, with the injected resolver: headers, then the domain and IP checks."""

from __future__ import annotations

import asyncio
from typing import Any

from checker.analyses.advice import NEUTRAL_ADVICE, FrontEndAdvice
from checker.analyses.requirements.evaluate import SenderRequirements, evaluate_requirements
from checker.shared.dns.cache import per_run_cache
from checker.shared.dns.model import Resolver
from checker.shared.orgdomain import PublicSuffixes


async def check_sender_requirements(
    text: str | bytes,
    *,
    resolver: Resolver,
    audit_domain: bool = True,
    check_ip: bool = True,
    now: float | None = None,
    psl: PublicSuffixes | None = None,
    advice: FrontEndAdvice = NEUTRAL_ADVICE,
) -> SenderRequirements:
    """Analyse a pasted message, then audit its From domain and check its connecting IP at once.

    One per-run cache serves all three, so the From domain's DMARC record is asked once. The domain
    audit checks the DKIM selectors the message's signatures name instead of guessing common ones;
    the IP check looks up reverse DNS only (blocklists are not part of any provider rule).
    """
    from checker.analyses.headers.analyze import analyze_headers
    from checker.pasted.message import parse_pasted_message

    cached = per_run_cache(resolver)
    analysis = await analyze_headers(text, resolver=cached, now=now, psl=psl)
    message = parse_pasted_message(text)  # pure and cheap; the analysis does not keep the headers
    domain = analysis.from_domains[0] if analysis.from_domains else None
    selectors = sorted({s.selector for s in getattr(analysis.dkim, "signatures", ()) if s.domain == domain})
    jobs: list[Any] = [
        _audit(domain, cached, selectors, psl, advice) if audit_domain and domain else _none(),
        _ip(analysis.connecting_ip, cached, advice) if check_ip and analysis.connecting_ip else _none(),
    ]
    domain_audit, ip_report = await asyncio.gather(*jobs)
    return evaluate_requirements(analysis, message=message, domain_audit=domain_audit, ip_report=ip_report)


async def _none() -> None:
    return None


async def _audit(
    domain: str, resolver: Resolver, selectors: list[str], psl: PublicSuffixes | None, advice: FrontEndAdvice
) -> Any:
    from checker.analyses.domain.audit import audit_domain

    return await audit_domain(
        domain, resolver=resolver, selectors=selectors, psl=psl, probe_common_selectors=False, advice=advice
    )


async def _ip(address: str, resolver: Resolver, advice: FrontEndAdvice) -> Any:
    from checker.analyses.ip import check_ip

    return await check_ip(address, resolver=resolver, blocklists=(), advice=advice)
