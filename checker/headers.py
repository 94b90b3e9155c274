"""The "paste your headers" analysis: sequences message parsing, SPF, DKIM, ARC, DMARC and list checks.

This module only orders the work and decides what to trust; every mechanism lives in its own module.
Independent parts run concurrently, and a part that fails becomes an ``error`` check while the rest
goes on.
"""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from checker.authres import (
    AuthenticationResults,
    parse_arc_authentication_results,
    parse_authentication_results,
)
from checker.dmarc import RFC7489, RFC9989, AlignmentRow, DmarcDiscovery, DmarcEvaluation, discover_dmarc
from checker.dmarc.author import author_domains, combine_evaluations
from checker.dmarc.evaluate import verify_dmarc
from checker.dns.model import Resolver
from checker.orgdomain import PublicSuffixes
from checker.result import Check, InputError, Verdict

T = TypeVar("T")
_BY_HOST = re.compile(r"\bby\s+([A-Za-z0-9.-]+)", re.IGNORECASE)
_POLICY_VERB = {"reject": "reject", "quarantine": "quarantine (spam-folder)", "none": "still deliver"}
_VERDICT_OF_DMARC = {
    "pass": Verdict.PASS,
    "fail": Verdict.FAIL,
    "none": Verdict.WARN,
    "temperror": Verdict.ERROR,
    "permerror": Verdict.FAIL,
}


@dataclass(frozen=True)
class AuthResEntry:
    """One Authentication-Results (or ARC-Authentication-Results) header and whether to believe it."""

    header: str
    position: int  # index among all headers, 0 = topmost
    line: int | None
    value: str
    parsed: AuthenticationResults | None
    error: InputError | None
    trusted: bool
    why: str


@dataclass(frozen=True)
class Summary:
    """One headline verdict and one to three plain sentences."""

    verdict: Verdict
    headline: str
    explanation: str


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


def classify_auth_results(headers: Sequence[Any]) -> tuple[AuthResEntry, ...]:
    """Parse every (ARC-)Authentication-Results header and mark the one written by the receiving system.

    Trusted is the topmost Authentication-Results above the topmost Received header (added after the
    last hop), or else the topmost one whose authserv-id belongs to the server named in the Received
    header just above it (Gmail writes its result below its own Received). Every lower header was
    written before the message reached the receiver, possibly by the sender, so it proves nothing.
    """
    names = [str(getattr(h, "name", "")).lower() for h in headers]
    received_at = [i for i, n in enumerate(names) if n == "received"]
    top_received = received_at[0] if received_at else len(headers)
    trusted_index: int | None = None
    for index, name in enumerate(names):
        if name != "authentication-results":
            continue
        if index < top_received:
            trusted_index = index
            break
        above = [i for i in received_at if i < index]
        parsed = parse_authentication_results(str(headers[index].value))
        by_match = _BY_HOST.search(str(headers[above[-1]].value)) if above else None
        if (
            isinstance(parsed, AuthenticationResults)
            and by_match
            and _same_org(parsed.authserv_id, by_match[1])
        ):
            trusted_index = index
        break
    entries = []
    for index, name in enumerate(names):
        if name not in ("authentication-results", "arc-authentication-results"):
            continue
        header = headers[index]
        value = str(header.value)
        is_arc = name.startswith("arc-")
        parsed = parse_arc_authentication_results(value) if is_arc else parse_authentication_results(value)
        ok = isinstance(parsed, AuthenticationResults)
        trusted = index == trusted_index
        entries.append(
            AuthResEntry(
                "ARC-Authentication-Results" if is_arc else "Authentication-Results",
                index,
                getattr(header, "line", None),
                value,
                parsed if ok else None,
                None if ok else parsed,
                trusted,
                _trust_reason(index, trusted, trusted_index, top_received, is_arc),
            )
        )
    return tuple(entries)


def _same_org(authserv_id: str, host: str) -> bool:
    tail = lambda text: ".".join(text.lower().rstrip(".").split(".")[-2:])  # noqa: E731 - tiny local helper
    return bool(authserv_id) and tail(authserv_id) == tail(host)


def _trust_reason(
    index: int, trusted: bool, trusted_index: int | None, top_received: int, is_arc: bool
) -> str:
    if trusted:
        return (
            "Trusted: this is the topmost Authentication-Results, added by the receiving system itself "
            "after the message arrived."
        )
    if is_arc:
        return (
            "Informational: ARC-Authentication-Results record what an earlier server saw; they count only "
            "if the ARC chain validates and the receiver trusts that server."
        )
    if trusted_index is None:
        return (
            "Not trusted: no Authentication-Results header could be tied to the receiving system, "
            "so this one "
            "may have been written by an earlier server or by the sender."
        )
    return (
        "Not trusted: it sits below the receiver's own header, so it was added before the message arrived, "
        "by an earlier server or possibly forged by the sender."
    )


def _mail_from(message: Any, trusted: AuthenticationResults | None) -> str | None:
    return_path = message.get("Return-Path")
    if return_path is not None:
        return return_path.strip().strip("<>").strip()
    for result in trusted.by_method("spf") if trusted else ():
        value = result.get("smtp", "mailfrom")
        if value:
            return value
    return None


async def analyze_headers(
    text: str | bytes, *, resolver: Resolver, now: float | None = None
) -> HeadersAnalysis:
    """Analyse pasted headers (or a whole message): who sent it, what authenticated, and what DMARC says."""
    from checker.message import parse_pasted_message

    try:
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
    authors = author_domains([h.value for h in message.get_all("From")])
    mail_from = _mail_from(message, trusted)
    ip = getattr(received, "connecting_ip", None)
    helo = _helo(received, trusted)
    psl = PublicSuffixes()

    async def run_dkim() -> Any:
        from checker.dkim import verify_dkim

        return await verify_dkim(message, resolver=resolver, headers_only=message.body is None, now=now)

    async def run_arc() -> Any:
        from checker.arc import verify_arc

        return await verify_arc(message.raw, resolver=resolver)

    async def run_spf() -> Any:
        if not ip or not (mail_from or helo):
            return None
        from checker.spf import check_host

        sender = mail_from if mail_from and "@" in mail_from else f"postmaster@{helo}"
        result = check_host(ip, sender.rsplit("@", 1)[1], sender, resolver=resolver, helo=helo)
        return await result if inspect.isawaitable(result) else result

    async def run_discovery(domain: str) -> DmarcDiscovery:
        return await discover_dmarc(domain, resolver=resolver, psl=psl)

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
    spf_domain, spf_result = _spf_identity(spf, mail_from, helo, trusted)
    dkim_results = _dkim_identities(dkim, trusted)
    dmarc, dmarc_9989, dmarc_err = await _evaluate(
        authors.domains, discoveries, spf_result, spf_domain, dkim_results, resolver, psl
    )
    checks += [dmarc_err] if dmarc_err else []
    checks += _entry_checks(entries)
    checks += _part_checks(received, spf, dkim, arc)
    checks += _dmarc_checks(authors, dmarc, dmarc_9989, trusted)
    unsub, unsub_err = await _guard(
        "List-Unsubscribe", "headers.listunsub_error", _async(_listunsub, message)
    )
    checks += list(unsub or ()) + ([unsub_err] if unsub_err else [])
    return HeadersAnalysis(
        summary=_summary(authors, dmarc, spf_domain, spf_result, dkim_results),
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


def _async(function: Callable[[Any], T], argument: Any) -> Callable[[], Awaitable[T]]:
    async def run() -> T:
        return function(argument)

    return run


def _received(message: Any) -> Any:
    from checker.received import parse_received_chain

    return parse_received_chain(message.headers)


def _listunsub(message: Any) -> Any:
    from checker.listunsub import check_list_unsubscribe

    return check_list_unsubscribe(message.headers)


def _helo(received: Any, trusted: AuthenticationResults | None) -> str | None:
    for result in trusted.by_method("spf") if trusted else ():
        if result.get("smtp", "helo"):
            return result.get("smtp", "helo")
    hop = getattr(received, "first_external", None)
    return getattr(hop, "from_helo", None) or getattr(hop, "from_name", None)


def _spf_identity(
    spf: Any, mail_from: str | None, helo: str | None, trusted: AuthenticationResults | None
) -> tuple[str | None, str | None]:
    """The SPF-checked domain and its result: our re-evaluation, else what the receiver recorded."""
    if spf is not None:
        return getattr(spf, "domain", None), str(getattr(spf.result, "value", spf.result))
    for result in trusted.by_method("spf") if trusted else ():
        domain = result.get("smtp", "mailfrom") or result.get("smtp", "helo")
        if domain:
            return domain.rsplit("@", 1)[-1], result.result
    if mail_from and "@" in mail_from:
        return mail_from.rsplit("@", 1)[1], None
    return None, None


def _dkim_identities(dkim: Any, trusted: AuthenticationResults | None) -> list[tuple[str, str]]:
    if dkim is not None:
        return [(s.domain, s.result) for s in dkim.signatures if s.domain]
    return [
        (r.get("header", "d") or (r.get("header", "i") or "").rsplit("@", 1)[-1], r.result)
        for r in (trusted.by_method("dkim") if trusted else ())
    ]


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


def _entry_checks(entries: tuple[AuthResEntry, ...]) -> list[Check]:
    checks = []
    for entry in entries:
        evidence = {
            "header": entry.header,
            "position": entry.position,
            "line": entry.line,
            "value": entry.value,
        }
        if entry.error is not None:
            checks.append(
                Check(
                    entry.header,
                    Verdict.WARN,
                    "authres.unparseable",
                    f"{entry.error.what} {entry.why}",
                    evidence,
                )
            )
            continue
        reason = "authres.trusted" if entry.trusted else "authres.untrusted"
        checks.append(Check(entry.header, Verdict.INFO, reason, entry.why, evidence))
    return checks


def _part_checks(received: Any, spf: Any, dkim: Any, arc: Any) -> list[Check]:
    checks = []
    if received is not None and getattr(received, "explanation", None):
        checks.append(
            Check(
                "Received chain",
                Verdict.INFO,
                "headers.hops",
                received.explanation,
                {"hops": len(received.hops), "connecting_ip": received.connecting_ip},
            )
        )
    if spf is not None:
        checks.append(spf.to_check())
    if dkim is not None:
        checks += dkim.to_checks()
    if arc is not None:
        checks += arc.to_checks()
    return checks


def _dmarc_checks(
    authors: Any,
    dmarc: DmarcEvaluation | None,
    dmarc_9989: DmarcEvaluation | None,
    trusted: AuthenticationResults | None,
) -> list[Check]:
    if authors.error is not None:
        return [
            Check("DMARC", Verdict.ERROR, authors.error.reason, f"{authors.error.what} {authors.error.fix}")
        ]
    if dmarc is None:
        return []
    evidence = {
        "record": dmarc.record.raw if dmarc.record else None,
        "record_domain": dmarc.record_domain,
        "policy": dmarc.policy,
        "disposition": dmarc.disposition,
        "sampling": dmarc.sampling,
        "aligned_by": list(dmarc.aligned_by),
        "fixes": list(dmarc.fixes),
    }
    checks = [
        Check(
            "DMARC",
            _VERDICT_OF_DMARC.get(dmarc.result, Verdict.ERROR),
            f"dmarc.{dmarc.result}",
            dmarc.explanation,
            evidence,
        )
    ]
    for row in dmarc.alignment:
        checks.append(
            Check(
                f"Alignment ({row.source} {row.domain})",
                Verdict.PASS if row.aligned else Verdict.INFO,
                "dmarc.aligned" if row.aligned else "dmarc.not_aligned",
                row.why,
                {"relaxed": row.relaxed, "strict": row.strict, "mode": row.mode},
            )
        )
    if dmarc_9989 is not None and (dmarc_9989.result, dmarc_9989.policy) != (dmarc.result, dmarc.policy):
        checks.append(
            Check(
                "DMARC (RFC 9989)",
                Verdict.INFO,
                "dmarc.methods_differ",
                f"Under the newer RFC 9989 rules the result would be {dmarc_9989.result} "
                f"(policy {dmarc_9989.policy}) instead of {dmarc.result} (policy {dmarc.policy}).",
                {"rfc9989_record_domain": dmarc_9989.record_domain},
            )
        )
    claimed = trusted.by_method("dmarc")[0].result if trusted and trusted.by_method("dmarc") else None
    if claimed and claimed != dmarc.result:
        checks.append(
            Check(
                "DMARC (receiver)",
                Verdict.INFO,
                "dmarc.receiver_disagrees",
                f"The receiving server recorded dmarc={claimed}, but re-checking now gives "
                f"{dmarc.result}; DNS records or the message may have changed since delivery.",
                {"receiver": claimed, "now": dmarc.result},
            )
        )
    return checks


def _summary(
    authors: Any,
    dmarc: DmarcEvaluation | None,
    spf_domain: str | None,
    spf_result: str | None,
    dkim_results: list[tuple[str, str]],
) -> Summary:
    if authors.error is not None:
        return Summary(Verdict.ERROR, "No usable From address", f"{authors.error.what} {authors.error.fix}")
    if dmarc is None:
        return Summary(
            Verdict.ERROR,
            "DMARC could not be checked",
            "The DMARC part of the analysis failed; see the error checks below.",
        )
    domain = dmarc.from_domain
    if dmarc.result == "fail":
        passed = [
            f"SPF for {dmarc_domain}" for dmarc_domain in ([spf_domain] if spf_result == "pass" else [])
        ]
        passed += [f"DKIM for d={d}" for d, r in dkim_results if r == "pass"]
        mailed = (
            f"{' and '.join(passed)} passed, but not for a domain that matches {domain} as its DMARC "
            "record requires, so they do not count. "
            if passed
            else "Neither SPF nor DKIM passed for it. "
        )
        fix = f"To fix: {dmarc.fixes[0]}" if dmarc.fixes else ""
        return Summary(
            Verdict.FAIL,
            f"DMARC fails for {domain}",
            f"This message claims to be from {domain} but failed DMARC, and {domain} asks receivers "
            f"to {_POLICY_VERB.get(dmarc.policy or 'none')} such mail ({dmarc.policy_tag}={dmarc.policy}). "
            f"{mailed}{fix}".strip(),
        )
    if dmarc.result == "pass":
        return Summary(Verdict.PASS, f"Authenticated: DMARC passes for {domain}", dmarc.explanation)
    if dmarc.result == "none":
        return Summary(Verdict.WARN, f"{domain} has no DMARC policy", dmarc.explanation)
    return Summary(
        Verdict.ERROR if dmarc.result == "temperror" else Verdict.FAIL,
        f"DMARC {dmarc.result} for {domain}",
        dmarc.explanation,
    )


def _refused(error: InputError) -> HeadersAnalysis:
    return HeadersAnalysis(
        summary=Summary(Verdict.ERROR, "Nothing to analyse", f"{error.what} {error.fix}"),
        checks=[
            Check("Input", Verdict.ERROR, error.reason, f"{error.what} {error.fix}", {"where": error.where})
        ],
        problems=(error,),
    )
