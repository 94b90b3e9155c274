"""RFC 7208 check_host(): evaluate a domain's SPF policy for one client IP, over the injected resolver."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from dataclasses import dataclass

from checker.mechanisms.spf import explain
from checker.mechanisms.spf.lookups import (
    EvaluationAborted,
    LimitedLookups,
    temperror_for,
)
from checker.mechanisms.spf.macros import MacroContext
from checker.mechanisms.spf.mechanisms import (
    Session,
    expand_target,
    explanation_text,
    match_a,
    match_exists,
    match_mx,
    match_ptr,
)
from checker.mechanisms.spf.model import QUALIFIER_RESULTS, SpfResult, SpfResultCode
from checker.mechanisms.spf.names import ascii_domain, domain_problem, parse_ip
from checker.mechanisms.spf.records import select_record
from checker.mechanisms.spf.syntax import Mechanism, Modifier, SpfRecord, parse_record
from checker.shared.dns.model import Resolver
from checker.shared.result import InputError

DEFAULT_TIMEOUT = 20.0  # section 4.6.4: the overall limit SHOULD allow at least 20 seconds


@dataclass(frozen=True)
class _Outcome:
    result: SpfResultCode
    reason: str
    explanation: str
    mechanism: str | None = None
    record: str | None = None
    record_domain: str | None = None
    explanation_text: str | None = None
    trail: tuple[str, ...] = ()


async def check_host(
    ip: str,
    domain: str,
    sender: str,
    *,
    resolver: Resolver,
    helo: str | None = None,
    receiver: str = "unknown",
    now: float | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> SpfResult:
    """Evaluate the SPF policy of ``domain`` for a message from ``ip`` with envelope ``sender``.

    Never raises for bad input or DNS trouble: problems come back as permerror, temperror or
    an ``input_error``. ``timeout`` bounds the whole evaluation (temperror when exceeded).
    """
    address = parse_ip(ip)
    domain = ascii_domain(domain)
    if domain.endswith("."):
        domain = domain[:-1]
    if address is None:
        problem = InputError(
            what=f"{ip!r} is not an IP address",
            where="client IP",
            fix="give the connecting server's IPv4 or IPv6 address, e.g. 192.0.2.1 or 2001:db8::1",
        )
        return SpfResult(
            SpfResultCode.NONE,
            "input.invalid_ip",
            f"SPF needs the sending server's IP address, and {ip!r} is not one.",
            domain,
            ip,
            input_error=problem,
        )
    local_part, at, sender_domain = sender.strip().rpartition("@")
    if not at:
        local_part, sender_domain = "", sender.strip()
    local_part = local_part or "postmaster"  # section 4.3
    context = MacroContext(
        sender=f"{local_part}@{sender_domain}",
        local_part=local_part,
        sender_domain=sender_domain,
        domain=domain,
        ip=address,
        helo=helo or "unknown",
        receiver=receiver,
        now=int(time.time() if now is None else now),
    )
    session = Session(LimitedLookups(resolver), address, context, {})
    lookups = session.lookups
    try:
        outcome = await asyncio.wait_for(_check(session, domain, (domain.lower(),), True, None), timeout)
    except EvaluationAborted as stop:
        detail = stop.detail
        if stop.record_domain and stop.record_domain not in detail:
            detail += f" (in the SPF record of {stop.record_domain})"
        outcome = _Outcome(
            SpfResultCode(stop.result),
            stop.reason,
            explain.describe_error(SpfResultCode(stop.result), detail),
            stop.mechanism,
            stop.record,
            stop.record_domain,
        )
    except TimeoutError:
        detail = f"the evaluation took longer than {timeout:g} seconds"
        outcome = _Outcome(
            SpfResultCode.TEMPERROR, "spf.timeout", explain.describe_error(SpfResultCode.TEMPERROR, detail)
        )
    return SpfResult(
        result=outcome.result,
        reason=outcome.reason,
        explanation=outcome.explanation,
        domain=domain,
        ip=str(address),
        mechanism=outcome.mechanism,
        record=outcome.record,
        record_domain=outcome.record_domain,
        explanation_text=outcome.explanation_text,
        lookups=lookups.terms,
        void_lookups=lookups.voids,
        queries=tuple(lookups.log),
        trail=outcome.trail,
    )


async def check_sender(
    ip: str,
    mail_from: str,
    helo: str,
    *,
    resolver: Resolver,
    receiver: str = "unknown",
    now: float | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> SpfResult:
    """Check the MAIL FROM identity, or the HELO identity when MAIL FROM is empty (section 2.4)."""
    mail_from = mail_from.strip().strip("<>")
    if not mail_from:
        return await check_host(
            ip,
            helo,
            f"postmaster@{helo}",
            resolver=resolver,
            helo=helo,
            receiver=receiver,
            now=now,
            timeout=timeout,
        )
    domain = mail_from.rpartition("@")[2]
    return await check_host(
        ip, domain, mail_from, resolver=resolver, helo=helo, receiver=receiver, now=now, timeout=timeout
    )


async def _check(
    session: Session, domain: str, chain: tuple[str, ...], want_explanation: bool, via: str | None
) -> _Outcome:
    """check_host() proper, recursive through include and redirect; ``via`` is the term that led here."""
    problem = domain_problem(domain)
    if problem:
        return _Outcome(
            SpfResultCode.NONE,
            "spf.invalid_domain",
            explain.describe_none("spf.invalid_domain", domain, problem),
        )
    domain = domain[:-1] if domain.endswith(".") else domain
    lookups = session.lookups
    answer = await lookups.query(domain, "TXT")
    selection = select_record(answer)
    if selection.status == "failed":
        raise temperror_for(answer)
    if via and answer.is_void:
        lookups.count_void(domain, via)
    if selection.status in ("nxdomain", "no_record"):
        reason = "spf.domain_not_found" if selection.status == "nxdomain" else "spf.no_record"
        return _Outcome(SpfResultCode.NONE, reason, explain.describe_none(reason, domain, ""))
    if selection.status == "multiple":
        raise EvaluationAborted(
            "permerror",
            "spf.multiple_records",
            f"{domain} publishes {len(selection.candidates)} SPF records; there must be exactly one",
        )
    assert selection.record is not None
    record = parse_record(selection.record)
    if record.problems:
        stop = EvaluationAborted(
            "permerror",
            "spf.syntax_error",
            f"the SPF record of {domain} has a syntax error. {record.problems[0].describe()}",
        )
        stop.locate(record.problems[0].term, record.text, domain)
        raise stop
    try:
        return await _evaluate(session, record, domain, chain, want_explanation)
    except EvaluationAborted as stop:
        stop.locate(None, record.text, domain)
        raise


async def _evaluate(
    session: Session, record: SpfRecord, domain: str, chain: tuple[str, ...], want_explanation: bool
) -> _Outcome:
    """Run the mechanisms in order, then redirect, then the default (sections 4.6.2 and 4.7)."""
    ip_text = str(session.ip)
    context = dataclasses.replace(session.context, domain=domain)
    for mechanism in record.mechanisms:
        try:
            matched, trail = await _matches(session, mechanism, context, chain)
        except EvaluationAborted as stop:
            stop.locate(mechanism.text, record.text, domain)
            raise
        if not matched:
            continue
        result = QUALIFIER_RESULTS[mechanism.qualifier]
        trail = (f"{domain}: {mechanism.text}", *trail)
        text = None
        if result is SpfResultCode.FAIL and want_explanation:
            text = await explanation_text(session, record, context)
        return _Outcome(
            result,
            "spf.mechanism_matched",
            explain.describe_match(result, ip_text, chain[0], mechanism.text, domain, trail),
            mechanism.text,
            record.text,
            domain,
            text,
            trail,
        )
    redirect = record.modifier("redirect")
    # Section 6.1: redirect is ignored when the record has "all"; the loop above always matches then.
    if redirect is not None:
        try:
            return await _redirect(session, redirect, context, chain, want_explanation)
        except EvaluationAborted as stop:
            stop.locate(redirect.text, record.text, domain)
            raise
    return _Outcome(
        SpfResultCode.NEUTRAL,
        "spf.default_neutral",
        explain.describe_default(ip_text, chain[0], domain),
        None,
        record.text,
        domain,
    )


async def _redirect(
    session: Session,
    redirect: Modifier,
    context: MacroContext,
    chain: tuple[str, ...],
    want_explanation: bool,
) -> _Outcome:
    """Section 6.1: the result of the redirect target's policy replaces this one; none becomes permerror."""
    domain = context.domain
    session.lookups.count_term(redirect.text)
    target = await expand_target(session, redirect.value, context)
    if target is None or target.lower() in chain:
        why = "points back to a domain already being evaluated" if target else "expands to no valid name"
        raise EvaluationAborted(
            "permerror",
            "spf.redirect_loop" if target else "spf.redirect_none",
            f"'{redirect.text}' in the SPF record of {domain} {why}",
        )
    inner = await _check(session, target, (*chain, target.lower()), want_explanation, redirect.text)
    if inner.result is SpfResultCode.NONE:
        raise EvaluationAborted(
            "permerror",
            "spf.redirect_none",
            f"'{redirect.text}' in the SPF record of {domain} points to {target}, which has no SPF record",
        )
    return dataclasses.replace(inner, trail=(f"{domain}: {redirect.text}", *inner.trail))


async def _matches(
    session: Session, mechanism: Mechanism, context: MacroContext, chain: tuple[str, ...]
) -> tuple[bool, tuple[str, ...]]:
    """Whether one mechanism matches the client; the trail says how, for include."""
    kind = mechanism.kind
    if kind == "all":
        return True, ()
    if kind in ("ip4", "ip6"):
        return mechanism.network is not None and session.ip in mechanism.network, ()
    session.lookups.count_term(mechanism.text)
    target = context.domain
    if mechanism.domain_spec is not None:
        expanded = await expand_target(session, mechanism.domain_spec, context)
        if expanded is None:
            if kind == "include":
                raise EvaluationAborted(
                    "permerror", "spf.include_none", f"'{mechanism.text}' expands to no valid domain name"
                )
            return False, ()  # an unqueryable name is treated as non-existent
        target = expanded
    if kind == "include":
        return await _include(session, mechanism, target, chain)
    if kind == "a":
        return await match_a(session, mechanism, target), ()
    if kind == "mx":
        return await match_mx(session, mechanism, target), ()
    if kind == "ptr":
        return await match_ptr(session, mechanism, target), ()
    return await match_exists(session, mechanism, target), ()


async def _include(
    session: Session, mechanism: Mechanism, target: str, chain: tuple[str, ...]
) -> tuple[bool, tuple[str, ...]]:
    if target.lower() in chain:
        raise EvaluationAborted(
            "permerror",
            "spf.include_loop",
            f"'{mechanism.text}' includes {target}, which is already being evaluated: an include loop",
        )
    inner = await _check(session, target, (*chain, target.lower()), False, mechanism.text)
    if inner.result is SpfResultCode.NONE:
        raise EvaluationAborted(
            "permerror",
            "spf.include_none",
            f"'{mechanism.text}' includes {target}, which has no SPF record",
        )
    return inner.result is SpfResultCode.PASS, inner.trail
