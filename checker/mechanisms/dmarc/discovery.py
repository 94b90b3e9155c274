"""DMARC policy discovery both ways: RFC 7489 (PSL) and RFC 9989 (DNS tree walk), and where they differ."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from checker.mechanisms.dmarc.lookup import TxtLookup, txt_lookup
from checker.mechanisms.dmarc.record import DmarcRecord
from checker.mechanisms.dmarc.reports import ReportAuthorization, check_report_authorizations
from checker.shared.dns.cache import per_run_cache
from checker.shared.dns.model import DnsStatus, Resolver
from checker.shared.dns.query import query_all
from checker.shared.orgdomain import (
    PublicSuffixes,
    TreeWalkOrgDomain,
    normalize_domain,
    org_domain_from_walk,
    tree_walk_names,
)
from checker.shared.result import InputError

# A TXT record that starts like DMARC ("v=dmarc1", "v=DMARC1 p=...", "v = DMARC1") but did not qualify.
_NEAR_MISS = re.compile(r"^\s*v\s*=\s*dmarc", re.IGNORECASE)

RFC7489 = "rfc7489"
RFC9989 = "rfc9989"


@dataclass(frozen=True)
class PolicyLookup:
    """Where one discovery method found (or did not find) a policy record.

    ``status`` is ``found``, ``none`` (no record: DMARC does not apply), ``multiple`` (more than one
    DMARC record at a name: discovery stops, DMARC does not apply) or ``temperror`` (DNS failed).
    """

    method: str
    status: str
    record: DmarcRecord | None
    record_domain: str | None
    org_domain: str
    org_rule: str
    queried: tuple[str, ...]
    explanation: str
    error: str | None = None
    # (name, text) of TXT records at the queried names that start like DMARC but are not valid
    # ("v=DMARC1 p=reject"): receivers ignore them, but their owner thinks DMARC is set up.
    malformed: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class DmarcDiscovery:
    """Both discoveries for one domain, whether the domain exists, and how the two methods differ."""

    domain: str
    rfc7489: PolicyLookup | None
    rfc9989: PolicyLookup | None
    domain_exists: bool | None  # None: the existence test failed (DNS trouble)
    differences: tuple[str, ...] = ()
    error: InputError | None = None
    report_authorizations: tuple[ReportAuthorization, ...] = ()

    def lookup(self, method: str = RFC7489) -> PolicyLookup | None:
        """The policy lookup done by ``method`` (RFC7489 or RFC9989); None for an invalid domain."""
        return self.rfc9989 if method == RFC9989 else self.rfc7489


async def discover_dmarc(
    domain: str,
    *,
    resolver: Resolver,
    psl: PublicSuffixes,
    check_reports: bool = True,
) -> DmarcDiscovery:
    """Find the DMARC record for ``domain`` by RFC 7489 and RFC 9989 at once; never raises.

    With ``check_reports`` the external rua/ruf destinations of the record found (RFC 7489 section
    7.1) are checked too, all at once, after discovery.
    """
    normalized = normalize_domain(domain)
    if isinstance(normalized, InputError):
        return DmarcDiscovery(str(domain), None, None, None, error=normalized)
    cached = per_run_cache(resolver)
    org_7489 = psl.organizational_domain(normalized)
    walk = tree_walk_names(normalized)
    # Walk order first, so the queries go out in the RFC 9989 sequence; the PSL name is usually on it.
    names = list(dict.fromkeys([*walk, org_7489]))
    keys = [(f"_dmarc.{name}", "TXT") for name in names] + [(normalized, t) for t in ("A", "AAAA", "MX")]
    answers = await query_all(cached, keys)
    lookups = {name: txt_lookup(answers[(f"_dmarc.{name}", "TXT")], f"_dmarc.{name}") for name in names}
    exists = _exists([answers[(normalized, t)].status for t in ("A", "AAAA", "MX")])
    old = _discover_7489(normalized, org_7489, lookups)
    new = _discover_9989(normalized, walk, lookups)
    authorizations: tuple[ReportAuthorization, ...] = ()
    found = old if old.record is not None else new
    if check_reports and found.record is not None and found.record_domain:
        authorizations = await check_report_authorizations(
            found.record_domain, found.record, resolver=cached, psl=psl
        )
    differences = _differences(normalized, exists, old, new)
    return DmarcDiscovery(normalized, old, new, exists, differences, None, authorizations)


def _exists(statuses: list[DnsStatus]) -> bool | None:
    # RFC 9989 follows RFC 8020: only NXDOMAIN proves a name does not exist; NODATA means it exists.
    if any(status in (DnsStatus.OK, DnsStatus.NODATA) for status in statuses):
        return True
    if all(status is DnsStatus.NXDOMAIN for status in statuses):
        return False
    return None


def _at(lookup: TxtLookup, method: str, org: str, rule: str, queried: list[str]) -> PolicyLookup | None:
    """A terminal PolicyLookup when this name settles discovery, else None (keep going)."""
    if lookup.failed:
        return PolicyLookup(
            method,
            "temperror",
            None,
            None,
            org,
            rule,
            tuple(queried),
            f"The DMARC lookup could not be completed: {lookup.error}",
            lookup.error,
        )
    name = lookup.name.removeprefix("_dmarc.")
    if len(lookup.dmarc_texts) > 1:
        return PolicyLookup(
            method,
            "multiple",
            None,
            name,
            org,
            rule,
            tuple(queried),
            f"{name} publishes {len(lookup.dmarc_texts)} DMARC records; "
            "receivers then ignore DMARC entirely.",
        )
    if len(lookup.dmarc_texts) == 1:
        return PolicyLookup(
            method,
            "found",
            lookup.single_record,
            name,
            org,
            rule,
            tuple(queried),
            f"The DMARC record was found at _dmarc.{name}.",
        )
    return None


def _discover_7489(domain: str, org: str, lookups: dict[str, TxtLookup]) -> PolicyLookup:
    queried = [f"_dmarc.{domain}"]
    rule = "psl"
    found = _at(lookups[domain], RFC7489, org, rule, queried)
    if found is not None:
        return found
    if org != domain:
        queried.append(f"_dmarc.{org}")
        found = _at(lookups[org], RFC7489, org, rule, queried)
        if found is not None:
            return found
    return PolicyLookup(
        RFC7489,
        "none",
        None,
        None,
        org,
        rule,
        tuple(queried),
        f"No DMARC record at _dmarc.{domain}" + (f" or at _dmarc.{org}." if org != domain else "."),
        malformed=_malformed(lookups, [domain, org]),
    )


def _discover_9989(domain: str, walk: list[str], lookups: dict[str, TxtLookup]) -> PolicyLookup:
    org = walk_org_domain(domain, lookups)
    queried = [f"_dmarc.{name}" for name in walk]
    for index, name in enumerate(walk):
        found = _at(lookups[name], RFC9989, org.org_domain, org.rule, queried[: index + 1])
        if found is not None:
            # Every walk name was asked at once (for the organizational domain), so list them all.
            return replace(found, queried=tuple(queried))
    return PolicyLookup(
        RFC9989,
        "none",
        None,
        None,
        org.org_domain,
        org.rule,
        tuple(queried),
        f"No DMARC record anywhere on the tree walk from {domain} up to {walk[-1]}.",
        malformed=_malformed(lookups, walk),
    )


def _malformed(lookups: dict[str, TxtLookup], names: list[str]) -> tuple[tuple[str, str], ...]:
    found = []
    for name in dict.fromkeys(names):
        lookup = lookups.get(name)
        for text in lookup.other_texts if lookup else ():
            if _NEAR_MISS.match(text):
                found.append((f"_dmarc.{name}", text))
    return tuple(found)


def walk_org_domain(domain: str, lookups: dict[str, TxtLookup]) -> TreeWalkOrgDomain:
    """RFC 9989 organizational domain from already-made walk lookups."""
    psd_by_name: dict[str, str | None] = {}
    for name in tree_walk_names(domain):
        lookup = lookups.get(name)
        record = lookup.single_record if lookup else None
        if record is not None:
            psd_by_name[name] = record.psd
    return org_domain_from_walk(domain, psd_by_name)


async def tree_walk_org_domains(domains: list[str], *, resolver: Resolver) -> dict[str, TreeWalkOrgDomain]:
    """RFC 9989 organizational domains for several domains, all walk queries asked at once."""
    clean = [d for d in (normalize_domain(x) for x in domains) if isinstance(d, str)]
    names = list(dict.fromkeys(name for domain in clean for name in tree_walk_names(domain)))
    answers = await query_all(resolver, ((f"_dmarc.{name}", "TXT") for name in names))
    lookups = {name: txt_lookup(answers[(f"_dmarc.{name}", "TXT")], f"_dmarc.{name}") for name in names}
    return {domain: walk_org_domain(domain, lookups) for domain in clean}


def _differences(domain: str, exists: bool | None, old: PolicyLookup, new: PolicyLookup) -> tuple[str, ...]:
    notes: list[str] = []
    if old.status != new.status or old.record_domain != new.record_domain:
        old_where = f"_dmarc.{old.record_domain}" if old.record_domain else "nothing"
        new_where = f"_dmarc.{new.record_domain}" if new.record_domain else "nothing"
        notes.append(
            f"RFC 7489 discovery finds {old_where} ({old.status}); the RFC 9989 tree walk finds "
            f"{new_where} ({new.status})."
        )
    if old.org_domain != new.org_domain:
        notes.append(
            f"The organizational domain is {old.org_domain} by the Public Suffix List (RFC 7489) but "
            f"{new.org_domain} by the DNS tree walk (RFC 9989), which changes relaxed alignment."
        )
    old_policy = _applied(domain, exists, old)
    new_policy = _applied(domain, exists, new)
    if old_policy != new_policy:
        notes.append(
            f"The policy applied to {domain} is {_show(old_policy)} under RFC 7489 but {_show(new_policy)} "
            "under RFC 9989."
        )
    return tuple(notes)


def _applied(domain: str, exists: bool | None, lookup: PolicyLookup) -> tuple[str | None, str | None]:
    if lookup.record is None:
        return None, None
    return select_policy(
        lookup.record, domain, lookup.record_domain, lookup.org_domain, exists, lookup.method
    )


def _show(policy: tuple[str | None, str | None]) -> str:
    tag, value = policy
    return f"{tag}={value}" if tag and value else "no policy"


def select_policy(
    record: DmarcRecord,
    from_domain: str,
    record_domain: str | None,
    from_org: str,
    exists: bool | None,
    method: str,
) -> tuple[str | None, str | None]:
    """Which tag governs ``from_domain``: p at the record's own domain, else np (non-existent) or sp."""
    at_author = record_domain in (None, from_domain)
    # RFC 9989: when the author domain is the organizational domain (e.g. one below a psd=y PSD), p applies.
    if at_author or (method == RFC9989 and from_domain == from_org):
        return "p", record.policy
    if exists is False and record.np:
        return "np", record.np
    if record.sp:
        return "sp", record.sp
    return "p", record.policy
