"""Check one IP address the way a receiving mail server would: reverse DNS, forward confirmation, blocklists.

Dependency depth 2: the PTR query and every blocklist query go out together; the forward
(A/AAAA) queries for the PTR names follow once the PTR answer is in.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass

from checker.analyses.advice import NEUTRAL_ADVICE, FrontEndAdvice
from checker.shared.dns.blocklists import DEFAULT_BLOCKLISTS, Blocklist, BlocklistAnswer, Listing, interpret
from checker.shared.dns.model import DnsAnswer, Resolver
from checker.shared.dns.query import safe_query
from checker.shared.dns.reverse import IpAddress, dnsbl_name, reverse_name
from checker.shared.result import Check, InputError, Verdict

# Receivers follow only a few PTR names; an address with dozens is itself suspicious.
MAX_PTR_NAMES = 5
_DOCUMENTATION_NETWORKS = tuple(
    ipaddress.ip_network(net)
    for net in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
)
# Words ISPs put in names of dynamic / end-user ranges; receivers treat such PTRs as "generic".
_GENERIC_PTR = re.compile(
    r"(?:^|[.-])(?:dyn|dynamic|dhcp|pool|dsl|adsl|cable|broadband|ppp|customer|client|unassigned)(?:[.-]|\d|$)",
    re.I,
)
PTR_LINK = "/errors/550-5-7-25-gmail-ptr-record-missing/"


def parse_address(text: str) -> IpAddress | InputError:
    """An IPv4 or IPv6 address from user text (``[1.2.3.4]`` and ``IPv6:`` prefixes accepted)."""
    cleaned = text.strip().strip("[]")
    if cleaned.lower().startswith("ipv6:"):
        cleaned = cleaned[5:]
    # "2001:db8::5%eth0" (copied from `ip addr`): the zone names a local interface, not part of the
    # address the world sees; kept, it makes the address unequal to every AAAA record.
    cleaned = cleaned.split("%", 1)[0] if ":" in cleaned else cleaned
    try:
        parsed = ipaddress.ip_address(cleaned)
    except ValueError:
        return InputError(
            f"{text!r} is not an IP address.",
            "address",
            "Give an IPv4 address like 192.0.2.1 or IPv6 like 2001:db8::1.",
        )
    # an IPv4-mapped IPv6 address (::ffff:192.0.2.1) is an IPv4 sender; receivers look it up as IPv4
    mapped = getattr(parsed, "ipv4_mapped", None)
    return mapped if mapped is not None else parsed


def address_scope(address: IpAddress) -> str:
    """``"public"``, ``"documentation"`` (RFC 5737/3849 example ranges) or the reason it is not public."""
    if any(address in network for network in _DOCUMENTATION_NETWORKS):
        return "documentation"
    for label, flag in (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
    ):
        if flag:
            return label
    return "public"


@dataclass(frozen=True)
class ReverseDns:
    """PTR names of an address and whether any of them points back to it (FCrDNS)."""

    address: str
    reverse_name: str
    ptr: DnsAnswer
    names: tuple[str, ...]
    forward: tuple[DnsAnswer, ...]
    confirmed_by: tuple[str, ...]

    @property
    def confirmed(self) -> bool:
        """True when a PTR name resolves back to the address (forward-confirmed reverse DNS)."""
        return bool(self.confirmed_by)


async def reverse_dns(address: IpAddress, *, resolver: Resolver) -> ReverseDns:
    """PTR lookup, then A or AAAA for each PTR name (concurrently), keeping names that map back."""
    name = reverse_name(address)
    ptr = await safe_query(resolver, name, "PTR")
    names = tuple(dict.fromkeys(record.lower() for record in ptr.records))[:MAX_PTR_NAMES]
    forward_type = "A" if address.version == 4 else "AAAA"
    forward = tuple(await asyncio.gather(*(safe_query(resolver, host, forward_type) for host in names)))
    confirmed = tuple(host for host, answer in zip(names, forward, strict=True) if _contains(answer, address))
    return ReverseDns(str(address), name, ptr, names, forward, confirmed)


def _contains(answer: DnsAnswer, address: IpAddress) -> bool:
    for record in answer.records:
        try:
            if ipaddress.ip_address(record) == address:
                return True
        except ValueError:
            continue
    return False


@dataclass(frozen=True)
class BlocklistResult:
    """One blocklist's verdict on the address, with the name that was queried."""

    blocklist_id: str
    blocklist_name: str
    query: str | None
    listing: Listing
    codes: tuple[str, ...]
    meanings: tuple[str, ...]
    lookup_url: str | None = None  # the list's own lookup and removal page (https)


@dataclass(frozen=True)
class IpReport:
    """Everything found about one address; ``checks`` is what to show."""

    address: str
    version: int | None
    scope: str | None
    reverse: ReverseDns | None
    blocklists: tuple[BlocklistResult, ...]
    checks: tuple[Check, ...]
    input_error: InputError | None = None


async def check_ip(
    address: str,
    *,
    resolver: Resolver,
    blocklists: Sequence[Blocklist] = DEFAULT_BLOCKLISTS,
    check_reserved: bool = False,
    advice: FrontEndAdvice = NEUTRAL_ADVICE,
) -> IpReport:
    """Reverse DNS, forward-confirmed reverse DNS and blocklist status of ``address``.

    Private and reserved addresses get one info check and no queries, because the answers would
    say nothing about how the internet sees them; ``check_reserved=True`` queries them anyway
    (test fixtures use documentation ranges, and DNSBLs list 127.0.0.2 as a test entry).
    ``advice`` says how the reader can act in the front end showing the result; its
    ``blocklist_retry`` ends the explanation when a blocklist refused to answer.
    """
    parsed = parse_address(address)
    if isinstance(parsed, InputError):
        check = Check(
            "IP address", Verdict.ERROR, "ip.invalid", f"{parsed.what} {parsed.fix}", {"input": address}
        )
        return IpReport(address, None, None, None, (), (check,), parsed)
    scope = address_scope(parsed)
    if scope not in ("public", "documentation") and not check_reserved:
        check = Check(
            "IP address",
            Verdict.INFO,
            "ip.not_public",
            f"{parsed} is a {scope} address, which is not reachable from the internet, so no receiver sees "
            "mail from it and there is nothing to look up in public DNS or blocklists.",
            {"address": str(parsed), "scope": scope},
        )
        return IpReport(str(parsed), parsed.version, scope, None, (), (check,))
    asked = [bl for bl in blocklists if parsed.version == 4 or bl.ipv6]
    reverse, *answers = await asyncio.gather(
        reverse_dns(parsed, resolver=resolver),
        *(safe_query(resolver, dnsbl_name(parsed, bl.zone), "A") for bl in asked),
    )
    by_id = {bl.id: (bl, answer) for bl, answer in zip(asked, answers, strict=True)}
    results: list[BlocklistResult] = []
    checks = list(reverse_dns_checks(reverse))
    for bl in blocklists:
        if bl.id not in by_id:
            results.append(BlocklistResult(bl.id, bl.name, None, Listing.SKIPPED, (), (), bl.lookup_url))
            checks.append(_skipped_check(bl, parsed))
            continue
        answer = by_id[bl.id][1]
        meaning = interpret(bl, answer)
        results.append(
            BlocklistResult(
                bl.id, bl.name, answer.name, meaning.listing, meaning.codes, meaning.meanings, bl.lookup_url
            )
        )
        checks.append(_blocklist_check(bl, answer, meaning, parsed, advice.blocklist_retry))
    return IpReport(str(parsed), parsed.version, scope, reverse, tuple(results), tuple(checks))


def reverse_dns_checks(reverse: ReverseDns, *, subject: str | None = None) -> list[Check]:
    """Checks for PTR presence, a generic-looking PTR name, and forward confirmation."""
    who = subject or reverse.address
    evidence = {
        "address": reverse.address,
        "query": f"PTR {reverse.reverse_name}",
        "ptr": list(reverse.names),
    }
    if reverse.ptr.failed:
        return [
            Check(
                "Reverse DNS",
                Verdict.ERROR,
                "ip.ptr_lookup_failed",
                f"The reverse DNS (PTR) lookup for {who} failed, so it is unknown whether it has a name. "
                f"{reverse.ptr.describe_failure()}",
                evidence,
            )
        ]
    if not reverse.names:
        return [
            Check(
                "Reverse DNS",
                Verdict.FAIL,
                "ip.ptr_missing",
                f"{who} has no reverse DNS (PTR) name. Gmail, Outlook and many other receivers refuse or "
                "delay mail from addresses without one; ask whoever runs the address (your host or ISP) "
                "to set it.",
                evidence,
                PTR_LINK,
            )
        ]
    checks = [
        Check(
            "Reverse DNS",
            Verdict.PASS,
            "ip.ptr_ok",
            f"{who} has the reverse DNS name {', '.join(reverse.names)}.",
            evidence,
        )
    ]
    generic = [name for name in reverse.names if _looks_generic(name, reverse.address)]
    if generic:
        checks.append(
            Check(
                "Reverse DNS name",
                Verdict.WARN,
                "ip.ptr_generic",
                f"The name {generic[0]} looks like an ISP's automatic name for an end-user address. "
                "Receivers trust mail servers more when the PTR is a specific name such as "
                "mail.example.com.",
                evidence,
            )
        )
    forward_evidence = {
        **evidence,
        "forward": {
            name: list(ans.records) for name, ans in zip(reverse.names, reverse.forward, strict=True)
        },
    }
    if reverse.confirmed:
        checks.append(
            Check(
                "Forward-confirmed reverse DNS",
                Verdict.PASS,
                "ip.fcrdns_ok",
                f"The name {reverse.confirmed_by[0]} points back to {reverse.address}, so the reverse DNS "
                "is confirmed, as receivers expect.",
                forward_evidence,
            )
        )
    elif any(ans.failed for ans in reverse.forward):
        failure = next(ans for ans in reverse.forward if ans.failed)
        checks.append(
            Check(
                "Forward-confirmed reverse DNS",
                Verdict.ERROR,
                "ip.fcrdns_lookup_failed",
                f"Could not confirm the reverse DNS of {who}. {failure.describe_failure()}",
                forward_evidence,
            )
        )
    else:
        checks.append(
            Check(
                "Forward-confirmed reverse DNS",
                Verdict.FAIL,
                "ip.fcrdns_mismatch",
                f"The PTR name {reverse.names[0]} does not point back to {reverse.address}. Receivers "
                "check that the name and the address match; add an A/AAAA record for the name or change "
                "the PTR.",
                forward_evidence,
                PTR_LINK,
            )
        )
    return checks


def _looks_generic(name: str, address: str) -> bool:
    if _GENERIC_PTR.search(name):
        return True
    parts = [p for p in re.split(r"[.:]", address) if p and p != "0"]
    # an address written inside its own name ("192-0-2-10.isp.example") marks an automatic name
    return len(parts) >= 3 and all(part in re.split(r"[-.]", name) for part in parts[-3:])


def _skipped_check(blocklist: Blocklist, address: IpAddress) -> Check:
    return Check(
        f"Blocklist: {blocklist.name}",
        Verdict.INFO,
        "dnsbl.ipv6_unsupported",
        f"{blocklist.name} publishes no IPv6 list, so {address} was not looked up there.",
        {"blocklist": blocklist.zone},
    )


def _blocklist_check(
    blocklist: Blocklist, answer: DnsAnswer, result: BlocklistAnswer, address: IpAddress, retry_advice: str
) -> Check:
    evidence = {"blocklist": blocklist.zone, "query": f"A {answer.name}", "answer": list(answer.records)}
    name = f"Blocklist: {blocklist.name}"
    if result.listing is Listing.NOT_LISTED:
        return Check(
            name, Verdict.PASS, "dnsbl.not_listed", f"{address} is not on {blocklist.name}.", evidence
        )
    if result.listing is Listing.FAILED:
        return Check(
            name,
            Verdict.ERROR,
            "dnsbl.lookup_failed",
            f"Could not check {blocklist.name}: {answer.describe_failure()}",
            evidence,
        )
    if result.listing is Listing.UNUSABLE:
        return Check(
            name,
            Verdict.ERROR,
            "dnsbl.unusable_answer",
            f"Could not check {blocklist.name}: {result.meanings[0]}. This is not a listing. {retry_advice}",
            evidence,
            blocklist.lookup_url,
        )
    policy_only = result.verdict is Verdict.WARN
    reason = "dnsbl.policy_listed" if policy_only else "dnsbl.listed"
    advice = (
        "That is normal for a home or office connection, but a mail server on this address will be "
        "refused by receivers that use the list: send through your provider's mail server instead."
        if policy_only
        else "Receivers that use this list will refuse its mail until it is removed; fix the cause, then "
        "request removal."
    )
    return Check(
        name,
        result.verdict,
        reason,
        f"{address} is listed: {'; '.join(result.meanings)}. {advice}",
        {**evidence, "codes": list(result.codes)},
        blocklist.lookup_url,
    )
