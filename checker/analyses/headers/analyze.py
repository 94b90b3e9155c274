"""The "paste your headers" analysis: sequences message parsing, SPF, DKIM, ARC, DMARC and list checks.

This module only orders the work and decides what to trust; every mechanism lives in its own module.
Independent parts run concurrently, and a part that fails becomes an ``error`` check while the rest
goes on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from checker.analyses.headers.identity import dkim_identities, envelope_sender, helo_name, spf_identity
from checker.analyses.headers.report import Summary, part_checks, summarize
from checker.mechanisms.authres.trust import AuthResEntry, auth_results_checks, classify_auth_results
from checker.mechanisms.dmarc import (
    RFC7489,
    RFC9989,
    AlignmentRow,
    DmarcDiscovery,
    DmarcEvaluation,
    discover_dmarc,
)
from checker.mechanisms.dmarc.author import AuthorDomains, author_domains, combine_evaluations
from checker.mechanisms.dmarc.checks import dmarc_checks
from checker.mechanisms.dmarc.evaluate import verify_dmarc
from checker.shared.dns.model import Resolver
from checker.shared.orgdomain import PublicSuffixes, default_public_suffixes
from checker.shared.result import Check, InputError, Verdict

__all__ = ["HeadersAnalysis", "Summary", "analyze_headers"]

T = TypeVar("T")


@dataclass(frozen=True)
class HeadersAnalysis:
    """Everything the headers say about authentication, each part with its own verdicts."""

    summary: Summary
    checks: list[Check]
    hops: tuple[Any, ...] = ()
    alignment: tuple[AlignmentRow, ...] = ()
    auth_results: tuple[AuthResEntry, ...] = ()
    dkim: Any = None
    arc: Any = None
    spf: Any = None
    dmarc: DmarcEvaluation | None = None
    problems: tuple[InputError, ...] = ()
    from_domains: tuple[str, ...] = ()
    mail_from: str | None = None
    connecting_ip: str | None = None
    dmarc_rfc9989: DmarcEvaluation | None = None
    received: Any = None
    notes: tuple[str, ...] = field(default_factory=tuple)


async def _guard(name: str, reason: str, work: Callable[[], Awaitable[T]]) -> tuple[T | None, Check | None]:
    # Whatever one part does (a missing module, a bug, a resolver raising), the others still report.
    try:
        return await work(), None
    except Exception as exc:  # the failure is shown to the user as an error check, never raised
        return None, Check(
            name,
            Verdict.ERROR,
            reason,
            f"The {name} part of the analysis could not be completed ({type(exc).__name__}: {exc}); "
            "the other results are still valid.",
            {"error": repr(exc)},
        )


async def analyze_headers(
    text: str | bytes, *, resolver: Resolver, now: float | None = None, psl: PublicSuffixes | None = None
) -> HeadersAnalysis:
    """Analyse pasted headers (or a whole message): who sent it, what authenticated, and what DMARC says.

    ``now`` (Unix seconds) is passed to DKIM and SPF for expiry checks; ``psl`` defaults to the bundled
    Public Suffix List.
    """
    try:
        from checker.pasted.message import parse_pasted_message

        message = parse_pasted_message(text)
    except Exception as exc:  # reported, never raised
        error = InputError(
            f"The paste could not be read ({exc}).", "pasted text", "Paste the raw message source."
        )
        return _refused(error)
    if not message.headers:
        return _refused(
            message.problems[0]
            if message.problems
            else InputError(
                "No email headers were found.",
                "pasted text",
                "Paste the headers as shown by 'Show original' / 'View source', "
                "starting with a line like 'Received:'.",
            )
        )
    checks: list[Check] = []
    received, error = await _guard("Received chain", "headers.received_error", _async(_received, message))
    checks += [error] if error else []
    entries = classify_auth_results(message.headers)
    trusted = next((e.parsed for e in entries if e.trusted), None)
    authors = _authors(message)
    mail_from = envelope_sender(message, trusted)
    ip = getattr(received, "connecting_ip", None)
    helo = helo_name(received, trusted)
    psl = psl or default_public_suffixes()

    # Only a paste without a header/body separator has no body. A separator followed by nothing (or only
    # blank lines) is an empty body and is hashed as one; when that hash does not match, the paste is most
    # likely a header block copied with the blank line after it, so the signature is judged on its
    # headers alone rather than reported as "the body was changed".
    headers_only = message.body is None
    blank_body = message.body is not None and not message.body.strip()

    async def run_dkim() -> Any:
        from checker.mechanisms.dkim import verify_dkim

        report = await verify_dkim(message, resolver=resolver, headers_only=headers_only, now=now)
        if blank_body and any(s.reason == "dkim.body_hash_mismatch" for s in report.signatures):
            report = await verify_dkim(message, resolver=resolver, headers_only=True, now=now)
        return report

    async def run_arc() -> Any:
        from checker.mechanisms.arc import verify_arc

        raw = message.raw
        if blank_body and message.body is not None:
            raw = raw[: len(raw) - len(message.body)].removesuffix(b"\r\n")  # drop the blank line too
        return await verify_arc(raw, resolver=resolver)

    async def run_spf() -> Any:
        if not ip or not (mail_from or helo):
            return None
        from checker.mechanisms.spf import check_host

        sender = mail_from if mail_from and "@" in mail_from else f"postmaster@{helo}"
        return await check_host(ip, sender.rsplit("@", 1)[1], sender, resolver=resolver, helo=helo, now=now)

    async def run_discovery(domain: str) -> DmarcDiscovery:
        return await discover_dmarc(domain, resolver=resolver, psl=psl, check_reports=False)

    parts = await asyncio.gather(
        _guard("DKIM", "dkim.error", run_dkim),
        _guard("ARC", "arc.error", run_arc),
        _guard("SPF", "spf.error", run_spf),
        *(_guard("DMARC", "dmarc.error", lambda d=d: run_discovery(d)) for d in authors.domains),
    )
    (dkim, dkim_err), (arc, arc_err), (spf, spf_err) = parts[:3]
    checks += [c for c in (dkim_err, arc_err, spf_err) if c]
    discoveries = [d for d, _ in parts[3:]]
    checks += [c for _, c in parts[3:] if c]
    # The HELO name stands in for the MAIL FROM domain only when MAIL FROM is null (<>, RFC 7489 section
    # 3.1.2); when the paste simply does not show it, a HELO pass proves nothing about the From domain.
    spf_domain, spf_result = spf_identity(spf if mail_from is not None else None, mail_from, helo, trusted)
    dkim_results = dkim_identities(dkim, trusted)
    dmarc, dmarc_9989, dmarc_err = await _evaluate(
        authors.domains, discoveries, spf_result, spf_domain, dkim_results, resolver, psl
    )
    checks += [dmarc_err] if dmarc_err else []
    checks += auth_results_checks(entries)
    checks += part_checks(received, spf, dkim, arc, mail_from)
    claimed = trusted.by_method("dmarc")[0].result if trusted and trusted.by_method("dmarc") else None
    checks += dmarc_checks(authors, dmarc, dmarc_9989, claimed)
    body_caveat = _body_caveat(dmarc, dkim)
    checks += [body_caveat] if body_caveat else []
    unsub, unsub_err = await _guard(
        "List-Unsubscribe", "headers.listunsub_error", _async(_listunsub, message)
    )
    checks += list(unsub or ()) + ([unsub_err] if unsub_err else [])
    summary = summarize(authors, dmarc, spf_domain, spf_result, dkim_results, arc, dkim)
    if body_caveat and summary.verdict is Verdict.PASS:
        summary = replace(summary, explanation=f"{summary.explanation} {body_caveat.explanation}".strip())
    return HeadersAnalysis(
        summary=summary,
        checks=checks,
        hops=tuple(getattr(received, "hops", ()) or ()),
        alignment=dmarc.alignment if dmarc else (),
        auth_results=entries,
        dkim=dkim,
        arc=arc,
        spf=spf,
        dmarc=dmarc,
        problems=tuple(message.problems) + ((authors.error,) if authors.error else ()),
        from_domains=authors.domains,
        mail_from=mail_from,
        connecting_ip=ip,
        dmarc_rfc9989=dmarc_9989,
        received=received,
        notes=tuple(n for n in (authors.note,) if n),
    )


def _body_caveat(dmarc: DmarcEvaluation | None, dkim: Any) -> Check | None:
    """When DMARC passes only through DKIM signatures checked over the headers (no body was pasted), say
    that the pass holds only if the body is intact."""
    if dmarc is None or dmarc.result != "pass" or not getattr(dkim, "headers_only", False):
        return None
    if any(row.aligned and row.source == "spf" for row in dmarc.alignment):
        return None  # an aligned SPF pass does not depend on the body
    return Check(
        "DMARC",
        Verdict.INFO,
        "dmarc.pass_if_body_intact",
        "DMARC passes only if the body is intact: no body was pasted, so the DKIM signature DMARC relies "
        "on was checked over the headers alone and its body hash could not be compared.",
        {},
    )


def _authors(message: Any) -> AuthorDomains:
    """The From domains; a parser failure becomes an error for that part, never a lost analysis."""
    try:
        return author_domains([h.value for h in message.get_all("From")])
    except Exception as exc:  # reported as the From problem, the rest of the analysis goes on
        error = InputError(
            f"The From header could not be read ({type(exc).__name__}).",
            "From header",
            "A real From header holds one address such as Name <user@example.com>; check the paste.",
            reason="dmarc.bad_from",
        )
        return AuthorDomains((), (), error)


def _async(function: Callable[[Any], T], argument: Any) -> Callable[[], Awaitable[T]]:
    async def run() -> T:
        return function(argument)

    return run


def _received(message: Any) -> Any:
    from checker.pasted.received.chain import parse_received_chain

    return parse_received_chain(message.headers)


def _listunsub(message: Any) -> Any:
    from checker.mechanisms.listunsub import check_list_unsubscribe

    return check_list_unsubscribe(message.headers)


async def _evaluate(
    domains: tuple[str, ...],
    discoveries: list[DmarcDiscovery | None],
    spf_result: str | None,
    spf_domain: str | None,
    dkim_results: list[tuple[str, str]],
    resolver: Resolver,
    psl: PublicSuffixes,
) -> tuple[DmarcEvaluation | None, DmarcEvaluation | None, Check | None]:
    if not domains or any(d is None for d in discoveries):
        return None, None, None

    async def both() -> tuple[DmarcEvaluation, DmarcEvaluation]:
        results = {}
        for method in (RFC7489, RFC9989):
            evaluations = await asyncio.gather(
                *(
                    verify_dmarc(
                        domain,
                        spf_result,
                        spf_domain,
                        dkim_results,
                        resolver=resolver,
                        psl=psl,
                        method=method,
                        discovery=discovery,
                    )
                    for domain, discovery in zip(domains, discoveries, strict=True)
                )
            )
            results[method] = combine_evaluations(evaluations)
        return results[RFC7489], results[RFC9989]

    pair, error = await _guard("DMARC", "dmarc.error", both)
    return (pair[0], pair[1], None) if pair else (None, None, error)


def _refused(error: InputError) -> HeadersAnalysis:
    return HeadersAnalysis(
        summary=Summary(Verdict.ERROR, "Nothing to analyse", f"{error.what} {error.fix}"),
        checks=[
            Check("Input", Verdict.ERROR, error.reason, f"{error.what} {error.fix}", {"where": error.where})
        ],
        problems=(error,),
    )
