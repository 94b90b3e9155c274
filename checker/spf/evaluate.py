"""RFC 7208 check_host(): evaluate a domain's SPF policy for one client IP, over the injected resolver."""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import time
from dataclasses import dataclass

from checker.dns.model import DnsAnswer, Resolver
from checker.result import InputError
from checker.spf import explain
from checker.spf.lookups import (
    MAX_MX_NAMES,
    MAX_PTR_NAMES,
    EvaluationAborted,
    LimitedLookups,
    temperror_for,
)
from checker.spf.macros import MacroContext, Token, expand, parse_macro_string, uses_letter
from checker.spf.model import QUALIFIER_RESULTS, SpfResult, SpfResultCode
from checker.spf.names import IpAddress, domain_problem, is_within, parse_ip, target_name
from checker.spf.records import select_record
from checker.spf.syntax import Mechanism, SpfRecord, parse_record

DEFAULT_TIMEOUT = 20.0  # section 4.6.4: the overall limit SHOULD allow at least 20 seconds


@dataclass
class _Session:
    """State for one check_host() call: the limited resolver, the client, the macro values."""

    lookups: LimitedLookups
    ip: IpAddress
    context: MacroContext
    validated_names: dict[str, str]

    @property
    def address_type(self) -> str:
        return "A" if self.ip.version == 4 else "AAAA"


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
    domain = domain.strip()
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
    session = _Session(LimitedLookups(resolver), address, context, {})
    lookups = session.lookups
    try:
        outcome = await asyncio.wait_for(_check(session, domain, (domain.lower(),), True, None), timeout)
    except EvaluationAborted as stop:
        outcome = _Outcome(
            SpfResultCode(stop.result),
            stop.reason,
            explain.describe_error(SpfResultCode(stop.result), stop.detail),
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
    session: _Session, domain: str, chain: tuple[str, ...], want_explanation: bool, via: str | None
) -> _Outcome:
    """check_host() proper, recursive through include and redirect; ``via`` is the term that led here."""
    ip_text = str(session.ip)
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
        raise EvaluationAborted(
            "permerror",
            "spf.syntax_error",
            f"the SPF record of {domain} has a syntax error. {record.problems[0].describe()}",
        )
    context = dataclasses.replace(session.context, domain=domain)
    for mechanism in record.mechanisms:
        matched, trail = await _matches(session, mechanism, context, chain)
        if not matched:
            continue
        result = QUALIFIER_RESULTS[mechanism.qualifier]
        trail = (f"{domain}: {mechanism.text}", *trail)
        text = None
        if result is SpfResultCode.FAIL and want_explanation:
            text = await _explanation(session, record, context)
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
        lookups.count_term(redirect.text)
        target = await _target(session, redirect.value, context)
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
                f"'{redirect.text}' in the SPF record of {domain} points to {target}, "
                "which has no SPF record",
            )
        return dataclasses.replace(inner, trail=(f"{domain}: {redirect.text}", *inner.trail))
    return _Outcome(
        SpfResultCode.NEUTRAL,
        "spf.default_neutral",
        explain.describe_default(ip_text, chain[0], domain),
        None,
        record.text,
        domain,
    )


async def _matches(
    session: _Session, mechanism: Mechanism, context: MacroContext, chain: tuple[str, ...]
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
        expanded = await _target(session, mechanism.domain_spec, context)
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
        return await _a(session, mechanism, target), ()
    if kind == "mx":
        return await _mx(session, mechanism, target), ()
    if kind == "ptr":
        return await _ptr(session, mechanism, target), ()
    return await _exists(session, mechanism, target), ()


async def _include(
    session: _Session, mechanism: Mechanism, target: str, chain: tuple[str, ...]
) -> tuple[bool, tuple[str, ...]]:
    if target.lower() in chain:
        raise EvaluationAborted(
            "permerror",
            "spf.include_loop",
            f"'{mechanism.text}' includes {target}, which is already being evaluated (an include loop)",
        )
    inner = await _check(session, target, (*chain, target.lower()), False, mechanism.text)
    if inner.result is SpfResultCode.NONE:
        raise EvaluationAborted(
            "permerror",
            "spf.include_none",
            f"'{mechanism.text}' includes {target}, which has no SPF record",
        )
    return inner.result is SpfResultCode.PASS, inner.trail


def _in_network(session: _Session, addresses: tuple[str, ...], mechanism: Mechanism) -> bool:
    ip = session.ip
    prefix = (
        (mechanism.cidr4 if mechanism.cidr4 is not None else 32)
        if ip.version == 4
        else (mechanism.cidr6 if mechanism.cidr6 is not None else 128)
    )
    for address in addresses:
        try:
            network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
        except ValueError:
            continue
        if network.version == ip.version and ip in network:
            return True
    return False


async def _a(session: _Session, mechanism: Mechanism, target: str) -> bool:
    own_type = session.address_type
    other_type = "AAAA" if own_type == "A" else "A"
    # Both families are asked together so a single-stack name is not taken for a void lookup.
    own, other = await session.lookups.query_many([(target, own_type), (target, other_type)])
    if own.failed:
        raise temperror_for(own)
    if own.is_void and other.is_void:
        session.lookups.count_void(target, mechanism.text)
    return _in_network(session, own.records, mechanism)


def mx_hosts(answer: DnsAnswer) -> list[str]:
    """Exchange host names from an MX answer, in answer order; a null MX (RFC 7505) gives none."""
    hosts = []
    for record in answer.records:
        host = record.split()[-1] if record.split() else ""
        host = host.rstrip(".")
        if host:
            hosts.append(host)
    return hosts


async def _mx(session: _Session, mechanism: Mechanism, target: str) -> bool:
    lookups = session.lookups
    answer = await lookups.query(target, "MX")
    if answer.failed:
        raise temperror_for(answer)
    if answer.is_void:
        lookups.count_void(target, mechanism.text)
        return False
    if len(answer.records) > MAX_MX_NAMES:
        raise EvaluationAborted(
            "permerror",
            "spf.mx_limit",
            f"'{mechanism.text}' found {len(answer.records)} MX records for {target}; SPF allows at most "
            f"{MAX_MX_NAMES}",
        )
    hosts = mx_hosts(answer)
    answers = await lookups.query_many([(host, session.address_type) for host in hosts])
    # Answers are read in MX order, so a failure after a match changes nothing, as if asked one by one.
    for host_answer in answers:
        if host_answer.failed:
            raise temperror_for(host_answer)
        if _in_network(session, host_answer.records, mechanism):
            return True
    return False


async def _validated_names(session: _Session, names: list[str]) -> list[str]:
    """The names (of a PTR answer) whose own addresses include the client IP (section 5.5)."""
    answers = await session.lookups.query_many([(name, session.address_type) for name in names])
    validated = []
    for name, answer in zip(names, answers, strict=True):
        # A DNS error on one name skips that name only.
        if answer.ok and any(_same_ip(record, session.ip) for record in answer.records):
            validated.append(name)
    return validated


def _same_ip(text: str, ip: IpAddress) -> bool:
    return parse_ip(text) == ip


async def _ptr_names(session: _Session) -> tuple[DnsAnswer, list[str]]:
    answer = await session.lookups.query(session.ip.reverse_pointer, "PTR")
    names = [record.rstrip(".") for record in answer.records if record.rstrip(".")] if answer.ok else []
    return answer, names[:MAX_PTR_NAMES]


async def _ptr(session: _Session, mechanism: Mechanism, target: str) -> bool:
    answer, names = await _ptr_names(session)
    if answer.is_void:
        session.lookups.count_void(answer.name, mechanism.text)
    # Only names inside the target can match, so only those are worth validating.
    candidates = [name for name in names if is_within(name, target)]
    return bool(candidates) and bool(await _validated_names(session, candidates))


async def _exists(session: _Session, mechanism: Mechanism, target: str) -> bool:
    answer = await session.lookups.query(target, "A")
    if answer.failed:
        raise temperror_for(answer)
    if answer.is_void:
        session.lookups.count_void(target, mechanism.text)
        return False
    return True


async def _validated_name(session: _Session, domain: str) -> str:
    """The %{p} value: a validated name for the client, preferring ``domain`` and its subdomains."""
    key = domain.lower()
    if key not in session.validated_names:
        _answer, names = await _ptr_names(session)
        validated = await _validated_names(session, names) if names else []
        exact = [name for name in validated if name.lower() == key]
        inside = [name for name in validated if is_within(name, domain)]
        best = (exact or inside or validated or ["unknown"])[0]
        session.validated_names[key] = best
    return session.validated_names[key]


async def _expand(session: _Session, tokens: tuple[Token, ...], context: MacroContext) -> str:
    if uses_letter(tokens, "p"):
        context = dataclasses.replace(context, validated_name=await _validated_name(session, context.domain))
    return expand(tokens, context)


async def _target(session: _Session, tokens: tuple[Token, ...], context: MacroContext) -> str | None:
    return target_name(await _expand(session, tokens, context))


async def _explanation(session: _Session, record: SpfRecord, context: MacroContext) -> str | None:
    """The exp= text (section 6.2); any problem with it means no explanation, never an error."""
    modifier = record.modifier("exp")
    if modifier is None:
        return None
    name = await _target(session, modifier.value, context)
    if name is None:
        return None
    # Not counted toward the limits: the result is already decided (section 4.6.4).
    answer = await session.lookups.query(name, "TXT")
    if not answer.ok or len(answer.records) != 1 or not answer.records[0].isascii():
        return None
    tokens, error = parse_macro_string(answer.records[0], explanation=True, allow_space=True)
    if error:
        return None
    return await _expand(session, tokens, context)
