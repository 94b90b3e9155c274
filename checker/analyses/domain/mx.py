"""MX audit: does the domain take mail, can every mail host be reached, do its addresses have reverse DNS.

Dependency depth 4: MX -> A/AAAA of each host -> PTR of each address -> A/AAAA of each PTR name
(forward confirmation). Every query at one level is issued together.
"""

from __future__ import annotations

import asyncio
import ipaddress
from dataclasses import dataclass

from checker.analyses.ip import ReverseDns, address_scope, reverse_dns, reverse_dns_checks
from checker.shared.dns.model import DnsAnswer, DnsStatus, Resolver
from checker.shared.dns.names import fold_name
from checker.shared.dns.query import safe_query
from checker.shared.numbers import parse_uint
from checker.shared.result import Check, Verdict


@dataclass(frozen=True)
class MxHost:
    """One MX target with its addresses and their reverse DNS."""

    preference: int
    host: str
    addresses: tuple[str, ...]
    reverse: tuple[ReverseDns, ...]


@dataclass(frozen=True)
class MxAudit:
    """The MX records of a domain, each host's addresses, and the checks to show."""

    domain: str
    null_mx: bool
    hosts: tuple[MxHost, ...]
    checks: tuple[Check, ...]


def parse_mx(record: str) -> tuple[int, str] | None:
    """``"10 mx.example.com"`` -> ``(10, "mx.example.com")``; ``None`` when it is not an MX record."""
    parts = record.split()
    preference = parse_uint(parts[0], max_digits=5) if len(parts) == 2 else None
    if preference is None:
        return None
    host = fold_name(parts[1]) or "."
    return preference, host


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


async def audit_mx(domain: str, *, resolver: Resolver) -> MxAudit:
    """Look up MX, each host's A/AAAA, and reverse DNS of every address; all queries per level at once."""
    answer = await safe_query(resolver, domain, "MX")
    if answer.status is not DnsStatus.OK:
        return MxAudit(domain, False, (), tuple(await _no_mx_checks(domain, answer, resolver)))
    parsed = sorted({mx for mx in (parse_mx(record) for record in answer.records) if mx is not None})
    evidence = {"query": f"MX {domain}", "records": list(answer.records)}
    if any(host == "." for _, host in parsed):
        if len(parsed) == 1:
            check = Check(
                "MX",
                Verdict.INFO,
                "mx.null_mx",
                f"{domain} publishes a null MX (RFC 7505): it says it accepts no email at all. That is "
                "right for a domain that never receives mail; anyone writing to it gets an immediate "
                "bounce.",
                evidence,
            )
            return MxAudit(domain, True, (), (check,))
        check = Check(
            "MX",
            Verdict.FAIL,
            "mx.null_mx_mixed",
            f"{domain} mixes a null MX ('0 .', meaning 'no mail') with real mail servers. RFC 7505 forbids "
            "this; senders may refuse to deliver. Remove the '0 .' record if the domain receives mail.",
            evidence,
        )
        return MxAudit(domain, True, (), (check,))
    checks: list[Check] = []
    if len(parsed) < len(answer.records):
        checks.append(
            Check(
                "MX",
                Verdict.WARN,
                "mx.unparsable",
                f"Some MX records of {domain} could not be read.",
                evidence,
            )
        )
    hosts = [(pref, host) for pref, host in parsed if not _is_ip_literal(host)]
    for _, host in parsed:
        if _is_ip_literal(host):
            checks.append(
                Check(
                    f"MX {host}",
                    Verdict.FAIL,
                    "mx.host_is_ip",
                    f"The MX record of {domain} names an IP address ({host}) instead of a host name. MX "
                    "records must name a host that has A/AAAA records; many senders ignore this record.",
                    evidence,
                )
            )
    checks.insert(
        0,
        Check(
            "MX",
            Verdict.PASS,
            "mx.ok",
            f"{domain} receives mail at {', '.join(host for _, host in parsed)}.",
            evidence,
        ),
    )
    lookups = await asyncio.gather(*(_host_addresses(host, resolver) for _, host in hosts))
    audited_hosts: list[MxHost] = []
    reverse_jobs = []
    for (pref, host), (a_answer, aaaa_answer) in zip(hosts, lookups, strict=True):
        addresses = tuple(a_answer.records) + tuple(aaaa_answer.records)
        checks.extend(_address_checks(host, a_answer, aaaa_answer))
        reverse_jobs.append((pref, host, addresses))
    reverse_results = await asyncio.gather(
        *(
            asyncio.gather(
                *(reverse_dns(ipaddress.ip_address(ip), resolver=resolver) for ip in _valid(addresses))
            )
            for _, _, addresses in reverse_jobs
        )
    )
    for (pref, host, addresses), reverses in zip(reverse_jobs, reverse_results, strict=True):
        audited_hosts.append(MxHost(pref, host, addresses, tuple(reverses)))
        for reverse in reverses:
            for check in reverse_dns_checks(reverse, subject=f"{reverse.address} ({host})"):
                # inbound MX hosts need no PTR to receive; it matters when the same host also sends
                verdict = Verdict.WARN if check.verdict is Verdict.FAIL else check.verdict
                checks.append(
                    Check(
                        # a host with IPv4 and IPv6 gets one line per address: name both apart
                        f"{check.name}: {host}" + (f" ({reverse.address})" if len(reverses) > 1 else ""),
                        verdict,
                        "mx." + check.reason.split(".", 1)[1],
                        check.explanation,
                        check.evidence,
                        check.link,
                    )
                )
    return MxAudit(domain, False, tuple(audited_hosts), tuple(checks))


def _valid(addresses: tuple[str, ...]) -> list[str]:
    valid = []
    for text in addresses:
        try:
            ipaddress.ip_address(text)
        except ValueError:
            continue
        valid.append(text)
    return valid


async def _host_addresses(host: str, resolver: Resolver) -> tuple[DnsAnswer, DnsAnswer]:
    a_answer, aaaa_answer = await asyncio.gather(
        safe_query(resolver, host, "A"), safe_query(resolver, host, "AAAA")
    )
    return a_answer, aaaa_answer


def _address_checks(host: str, a_answer: DnsAnswer, aaaa_answer: DnsAnswer) -> list[Check]:
    evidence = {"A": list(a_answer.records), "AAAA": list(aaaa_answer.records)}
    if not a_answer.records and not aaaa_answer.records:
        if a_answer.failed or aaaa_answer.failed:
            failure = a_answer if a_answer.failed else aaaa_answer
            return [
                Check(
                    f"MX host {host}",
                    Verdict.ERROR,
                    "mx.host_lookup_failed",
                    f"Could not look up the address of mail server {host}. {failure.describe_failure()}",
                    evidence,
                )
            ]
        return [
            Check(
                f"MX host {host}",
                Verdict.FAIL,
                "mx.host_no_address",
                f"The mail server {host} has no IPv4 or IPv6 address, so mail for this host cannot be "
                "delivered. Add an A record for it or remove it from the MX records.",
                evidence,
            )
        ]
    checks = []
    for text in (*a_answer.records, *aaaa_answer.records):
        try:
            scope = address_scope(ipaddress.ip_address(text))
        except ValueError:
            continue
        if scope not in ("public", "documentation"):
            checks.append(
                Check(
                    f"MX host {host}",
                    Verdict.FAIL,
                    "mx.host_private_address",
                    f"The mail server {host} resolves to {text}, a {scope} address that other mail servers "
                    "on the internet cannot reach.",
                    evidence,
                )
            )
    return checks


async def _no_mx_checks(domain: str, answer: DnsAnswer, resolver: Resolver) -> list[Check]:
    evidence = {"query": f"MX {domain}", "status": answer.status.value}
    if answer.status is DnsStatus.NXDOMAIN:
        return [
            Check(
                "MX",
                Verdict.FAIL,
                "mx.domain_missing",
                f"The domain {domain} does not exist in DNS: the query MX {domain} was answered NXDOMAIN "
                "(no such domain), so it can neither receive mail nor pass authentication checks. Check "
                "the spelling; a newly registered domain needs its DNS set up at the registrar first.",
                evidence,
            )
        ]
    if answer.failed:
        return [Check("MX", Verdict.ERROR, "mx.lookup_failed", answer.describe_failure(), evidence)]
    a_answer, aaaa_answer = await _host_addresses(domain, resolver)
    if a_answer.records or aaaa_answer.records:
        return [
            Check(
                "MX",
                Verdict.WARN,
                "mx.implicit",
                f"{domain} has no MX record, so senders fall back to its own address (RFC 5321 'implicit "
                "MX'). That works but is fragile; publish an MX record, or a null MX ('0 .') if it takes "
                "no mail.",
                {**evidence, "A": list(a_answer.records), "AAAA": list(aaaa_answer.records)},
            )
        ]
    # A send-only domain is legitimate, so this is a warning: what breaks is the return path.
    return [
        Check(
            "MX",
            Verdict.WARN,
            "mx.missing",
            f"{domain} has no MX record and no address, so nobody can send mail to it. If it sends mail, "
            "bounces and replies to that mail need somewhere to go: publish MX records for the servers "
            "that should receive them. If the domain should never receive mail, publish a null MX "
            "('0 .', RFC 7505) so senders learn that at once instead of retrying.",
            evidence,
        )
    ]
