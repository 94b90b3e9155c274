"""The "paste your headers" analysis: sequences message parsing, SPF, DKIM, ARC, DMARC and list checks.

This module only orders the work and decides what to trust; every mechanism lives in its own module.
Independent parts run concurrently, and a part that fails becomes an ``error`` check while the rest
goes on.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from checker.authres import AuthenticationResults
from checker.authres_trust import AuthResEntry, auth_results_checks, classify_auth_results
from checker.dmarc import RFC7489, RFC9989, AlignmentRow, DmarcDiscovery, DmarcEvaluation, discover_dmarc
from checker.dmarc.author import author_domains, combine_evaluations
from checker.dmarc.checks import dmarc_checks
from checker.dmarc.evaluate import join_distinct, verify_dmarc
from checker.dns.model import Resolver
from checker.orgdomain import PublicSuffixes, default_public_suffixes
from checker.result import Check, InputError, Verdict

T = TypeVar("T")
_ANGLE_ADDRESS = re.compile(r"<([^<>]*)>")
_POLICY_VERB = {"reject": "reject", "quarantine": "quarantine (spam-folder)", "none": "still deliver"}


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


def _mail_from(message: Any, trusted: AuthenticationResults | None) -> str | None:
    return_path = message.get("Return-Path")
    if return_path is not None:
        # "<bounce@example.com>", "<>", or a bare address, possibly followed by a (comment)
        found = _ANGLE_ADDRESS.search(return_path)
        return (found.group(1) if found else return_path.split("(", 1)[0]).strip()
    for result in trusted.by_method("spf") if trusted else ():
        value = result.get("smtp", "mailfrom")
        if value:
            return value
    return None


async def analyze_headers(
    text: str | bytes, *, resolver: Resolver, now: float | None = None, psl: PublicSuffixes | None = None
) -> HeadersAnalysis:
    """Analyse pasted headers (or a whole message): who sent it, what authenticated, and what DMARC says.

    ``now`` (Unix seconds) is passed to DKIM and SPF for expiry checks; ``psl`` defaults to the bundled
    Public Suffix List.
    """
    try:
        from checker.message import parse_pasted_message

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
    psl = psl or default_public_suffixes()

    # A header block copied with the blank line after it has an empty body; hashing that would report
    # "the body was changed" for every signature, so a blank body counts as headers only.
    headers_only = message.body is None or not message.body.strip()

    async def run_dkim() -> Any:
        from checker.dkim import verify_dkim

        return await verify_dkim(message, resolver=resolver, headers_only=headers_only, now=now)

    async def run_arc() -> Any:
        from checker.arc import verify_arc

        raw = message.raw
        if headers_only and message.body is not None:
            raw = raw[: len(raw) - len(message.body)].removesuffix(b"\r\n")  # drop the blank line too
        return await verify_arc(raw, resolver=resolver)

    async def run_spf() -> Any:
        if not ip or not (mail_from or helo):
            return None
        from checker.spf import check_host

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
    spf_domain, spf_result = _spf_identity(spf if mail_from is not None else None, mail_from, helo, trusted)
    dkim_results = _dkim_identities(dkim, trusted)
    dmarc, dmarc_9989, dmarc_err = await _evaluate(
        authors.domains, discoveries, spf_result, spf_domain, dkim_results, resolver, psl
    )
    checks += [dmarc_err] if dmarc_err else []
    checks += auth_results_checks(entries)
    checks += _part_checks(received, spf, dkim, arc, mail_from)
    claimed = trusted.by_method("dmarc")[0].result if trusted and trusted.by_method("dmarc") else None
    checks += dmarc_checks(authors, dmarc, dmarc_9989, claimed)
    unsub, unsub_err = await _guard(
        "List-Unsubscribe", "headers.listunsub_error", _async(_listunsub, message)
    )
    checks += list(unsub or ()) + ([unsub_err] if unsub_err else [])
    return HeadersAnalysis(
        summary=_summary(authors, dmarc, spf_domain, spf_result, dkim_results, arc, dkim),
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


def _part_checks(received: Any, spf: Any, dkim: Any, arc: Any, mail_from: str | None) -> list[Check]:
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
        if mail_from is None:
            checks.append(
                Check(
                    "SPF identity",
                    Verdict.INFO,
                    "headers.spf_helo_only",
                    "The envelope sender (Return-Path) is not in the paste, so SPF above was checked for "
                    f"the server name {getattr(spf, 'domain', None) or 'given in HELO'} only, and DMARC "
                    "does not count it. Paste the headers with the Return-Path line to check the sender.",
                    {"helo_domain": getattr(spf, "domain", None)},
                )
            )
    else:
        checks.append(
            Check(
                "SPF",
                Verdict.INFO,
                "headers.spf_not_rechecked",
                "SPF could not be re-checked: the Received headers show no public address the message came "
                "from, or no envelope sender. DMARC uses the receiving server's recorded SPF result instead.",
                {"connecting_ip": getattr(received, "connecting_ip", None)},
            )
        )
    if dkim is not None:
        checks += dkim.to_checks()
    if arc is not None:
        checks += arc.to_checks()
    return checks


def _summary(
    authors: Any,
    dmarc: DmarcEvaluation | None,
    spf_domain: str | None,
    spf_result: str | None,
    dkim_results: list[tuple[str, str]],
    arc: Any = None,
    dkim: Any = None,
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
            f"{join_distinct(passed)} passed, but not for a domain that matches {domain} as its DMARC "
            "record requires, so they do not count. "
            if passed
            else "Neither SPF nor DKIM passed for it. "
        )
        fix = f"To fix: {_first_fix(dmarc, dkim)}" if dmarc.fixes else ""
        return Summary(
            Verdict.FAIL,
            f"DMARC fails for {domain}",
            f"This message claims to be from {domain} but failed DMARC, and {_policy_owner(dmarc)} asks "
            f"receivers to {_POLICY_VERB.get(dmarc.policy or 'none')} such mail "
            f"({dmarc.policy_tag}={dmarc.policy}). "
            f"{mailed}{_arc_rescue(arc)}{fix}".strip(),
        )
    if dmarc.result == "pass":
        return Summary(Verdict.PASS, f"Authenticated: DMARC passes for {domain}", dmarc.explanation)
    if dmarc.result == "none":
        return Summary(Verdict.WARN, _no_policy_headline(dmarc), dmarc.explanation)
    return Summary(
        Verdict.ERROR if dmarc.result == "temperror" else Verdict.FAIL,
        f"DMARC {dmarc.result} for {domain}",
        dmarc.explanation,
    )


def _no_policy_headline(dmarc: DmarcEvaluation) -> str:
    """Why DMARC does not apply, named: no record, a record receivers cannot read, or more than one."""
    domain = dmarc.from_domain
    if dmarc.record is None and dmarc.malformed_records:
        where, text = dmarc.malformed_records[0]
        return f'The DMARC record at {where} is malformed and ignored: "{_shorten(text)}"'
    if dmarc.record is None and dmarc.lookup_status == "multiple":
        return f"{domain} publishes more than one DMARC record, so receivers ignore them"
    if dmarc.record is not None:
        return f"{domain}'s DMARC record sets no policy (no p=)"
    return f"{domain} has no DMARC policy"


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _policy_owner(dmarc: DmarcEvaluation) -> str:
    """Who asks: the From domain, or the parent domain whose record covers it (sp=, np=)."""
    owner = dmarc.record_domain
    if owner and owner != dmarc.from_domain:
        return f"the DMARC record of {owner}, which covers {dmarc.from_domain},"
    return dmarc.from_domain


def _first_fix(dmarc: DmarcEvaluation, dkim: Any) -> str:
    """DMARC's first fix, made specific when the aligned DKIM signature broke because the body changed."""
    fix = dmarc.fixes[0]
    for signature in getattr(dkim, "signatures", ()) or ():
        if signature.reason == "dkim.body_hash_mismatch" and f"d={signature.domain} would align" in fix:
            return (
                f"The DKIM signature with d={signature.domain} would count, but the body changed after "
                "signing. If a mailing list, forwarder or your own gateway adds a footer or disclaimer, "
                "have it stop, or sign after it (or, for a list, rewrite From to the list's address)."
            )
    return fix


def _arc_rescue(arc: Any) -> str:
    """A sentence when a valid ARC chain shows an earlier hop saw DMARC pass (RFC 8617 section 7.2)."""
    if getattr(arc, "cv", None) != "pass":
        return ""
    for arc_set in sorted(getattr(arc, "sets", ()), key=lambda s: s.instance):
        recorded = dict(arc_set.auth_results.results) if arc_set.auth_results else {}
        if recorded.get("dmarc") == "pass":
            sealer = arc_set.seal_domain or "an earlier server"
            if not getattr(arc, "body_checked", True):
                # Without the body the AMS body hashes are unchecked, so the chain is only half verified.
                return (
                    f"The ARC headers say that {sealer}, which passed the message on, saw DMARC pass when "
                    "the message reached it. The ARC seals were checked and are valid, but the body could "
                    "not be checked because only headers were pasted, so the chain is not fully verified; "
                    "paste the whole message to check it. "
                )
            return (
                f"But a valid ARC seal shows that {sealer}, which passed the message on, saw DMARC pass "
                f"when the message reached it; receivers that trust {sealer}'s ARC (Gmail and Microsoft "
                "365 do for known lists and forwarders) may deliver it anyway. "
            )
    return ""


def _refused(error: InputError) -> HeadersAnalysis:
    return HeadersAnalysis(
        summary=Summary(Verdict.ERROR, "Nothing to analyse", f"{error.what} {error.fix}"),
        checks=[
            Check("Input", Verdict.ERROR, error.reason, f"{error.what} {error.fix}", {"where": error.where})
        ],
        problems=(error,),
    )
