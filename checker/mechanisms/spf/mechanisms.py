"""How each DNS-querying mechanism matches (RFC 7208 section 5), the %{p} name and exp= text."""

from __future__ import annotations

import dataclasses
import ipaddress
from dataclasses import dataclass

from checker.mechanisms.spf.lookups import (
    MAX_MX_NAMES,
    MAX_PTR_NAMES,
    EvaluationAborted,
    LimitedLookups,
    temperror_for,
)
from checker.mechanisms.spf.macros import MacroContext, Token, expand, parse_macro_string, uses_letter
from checker.mechanisms.spf.names import is_within, parse_ip, target_name
from checker.mechanisms.spf.syntax import Mechanism, SpfRecord
from checker.shared.dns.model import DnsAnswer
from checker.shared.dns.reverse import IpAddress, reverse_name


@dataclass
class Session:
    """State for one check_host() call: the limited resolver, the client, the macro values."""

    lookups: LimitedLookups
    ip: IpAddress
    context: MacroContext
    validated_names: dict[str, str]

    @property
    def address_type(self) -> str:
        """The address record type that matches the client IP: A or AAAA."""
        return "A" if self.ip.version == 4 else "AAAA"


def _in_network(session: Session, addresses: tuple[str, ...], mechanism: Mechanism) -> bool:
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


async def match_a(session: Session, mechanism: Mechanism, target: str) -> bool:
    """Section 5.3: does an address of ``target`` (within the CIDR length) equal the client IP?"""
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


async def match_mx(session: Session, mechanism: Mechanism, target: str) -> bool:
    """Section 5.4: is the client one of ``target``'s mail exchangers (at most 10 of them)?"""
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


async def _validated_names(session: Session, names: list[str]) -> list[str]:
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


async def _ptr_names(session: Session) -> tuple[DnsAnswer, list[str]]:
    answer = await session.lookups.query(reverse_name(session.ip), "PTR")
    names = [record.rstrip(".") for record in answer.records if record.rstrip(".")] if answer.ok else []
    return answer, names[:MAX_PTR_NAMES]


async def match_ptr(session: Session, mechanism: Mechanism, target: str) -> bool:
    """Section 5.5: does a validated reverse name of the client lie within ``target``?"""
    answer, names = await _ptr_names(session)
    if answer.is_void:
        session.lookups.count_void(answer.name, mechanism.text)
    # Only names inside the target can match, so only those are worth validating.
    candidates = [name for name in names if is_within(name, target)]
    return bool(candidates) and bool(await _validated_names(session, candidates))


async def match_exists(session: Session, mechanism: Mechanism, target: str) -> bool:
    """Section 5.7: does ``target`` have any A record, whatever the client's address family?"""
    answer = await session.lookups.query(target, "A")
    if answer.failed:
        raise temperror_for(answer)
    if answer.is_void:
        session.lookups.count_void(target, mechanism.text)
        return False
    return True


async def validated_name(session: Session, domain: str) -> str:
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


async def _expand(session: Session, tokens: tuple[Token, ...], context: MacroContext) -> str:
    if uses_letter(tokens, "p"):
        context = dataclasses.replace(context, validated_name=await validated_name(session, context.domain))
    return expand(tokens, context)


async def expand_target(session: Session, tokens: tuple[Token, ...], context: MacroContext) -> str | None:
    """Expand a domain-spec into a name to query, or None when no valid name results."""
    return target_name(await _expand(session, tokens, context))


async def explanation_text(session: Session, record: SpfRecord, context: MacroContext) -> str | None:
    """The exp= text (section 6.2); any problem with it means no explanation, never an error."""
    modifier = record.modifier("exp")
    if modifier is None:
        return None
    name = await expand_target(session, modifier.value, context)
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
