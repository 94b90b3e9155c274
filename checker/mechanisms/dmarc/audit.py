"""Audit a domain's published DMARC setup: one Check per finding, in words a non-expert understands."""

from __future__ import annotations

from dataclasses import dataclass

from checker.mechanisms.dmarc.discovery import DmarcDiscovery, PolicyLookup, discover_dmarc
from checker.mechanisms.dmarc.evaluate import suggest_record
from checker.mechanisms.dmarc.record import REMOVED_IN_9989, DmarcRecord
from checker.mechanisms.dmarc.reports import ReportAuthorization
from checker.shared.dns.model import Resolver
from checker.shared.orgdomain import PublicSuffixes
from checker.shared.result import Check, Verdict

_STRENGTH = {"none": 0, "quarantine": 1, "reject": 2}


@dataclass(frozen=True)
class DmarcAudit:
    """Everything found about one domain's DMARC record, and the checks that follow from it."""

    domain: str
    discovery: DmarcDiscovery
    record: DmarcRecord | None
    record_domain: str | None
    report_authorizations: tuple[ReportAuthorization, ...]
    checks: list[Check]


async def audit_dmarc(domain: str, *, resolver: Resolver, psl: PublicSuffixes) -> DmarcAudit:
    """Discover (both ways) and audit the DMARC record that applies to ``domain``; never raises."""
    discovery = await discover_dmarc(domain, resolver=resolver, psl=psl)
    if discovery.error is not None or discovery.rfc7489 is None:
        error = discovery.error
        check = Check(
            "DMARC record",
            Verdict.ERROR,
            "dmarc.invalid_domain",
            f"{error.what if error else 'The domain is not valid.'} {error.fix if error else ''}".strip(),
            {"domain": domain},
        )
        return DmarcAudit(str(domain), discovery, None, None, (), [check])
    lookup = discovery.rfc7489
    record = lookup.record
    authorizations = discovery.report_authorizations if record is not None else ()
    checks = _lookup_checks(discovery.domain, lookup)
    if lookup.status == "none" and lookup.malformed:
        checks = _malformed_checks(lookup)
    if record is not None:
        checks += _record_checks(discovery.domain, lookup, record)
        checks += _authorization_checks(authorizations)
    if discovery.differences:
        checks.append(
            Check(
                "RFC 7489 vs RFC 9989",
                Verdict.INFO,
                "dmarc.methods_differ",
                "The older (RFC 7489) and newer (RFC 9989) ways of finding the DMARC record disagree "
                "for this "
                "domain, so receivers may treat its mail differently. " + " ".join(discovery.differences),
                {"rfc7489": _where(lookup), "rfc9989": _where(discovery.rfc9989)},
            )
        )
    return DmarcAudit(discovery.domain, discovery, record, lookup.record_domain, authorizations, checks)


def _where(lookup: PolicyLookup | None) -> dict[str, object]:
    if lookup is None:
        return {}
    return {"status": lookup.status, "record_domain": lookup.record_domain, "org_domain": lookup.org_domain}


def _lookup_checks(domain: str, lookup: PolicyLookup) -> list[Check]:
    evidence = {"queried": list(lookup.queried), "org_domain": lookup.org_domain}
    if lookup.status == "temperror":
        return [
            Check(
                "DMARC record",
                Verdict.ERROR,
                "dmarc.dns_error",
                f"The DMARC record could not be looked up: {lookup.error} Try again later.",
                evidence,
            )
        ]
    if lookup.status == "multiple":
        return [
            Check(
                "DMARC record",
                Verdict.FAIL,
                "dmarc.multiple_records",
                f"_dmarc.{lookup.record_domain} has more than one DMARC record, so receivers ignore DMARC "
                "for this domain altogether. Keep exactly one.",
                evidence,
            )
        ]
    if lookup.status == "none":
        return [
            Check(
                "DMARC record",
                Verdict.FAIL,
                "dmarc.no_record",
                f"{domain} has no DMARC record, so anyone can send mail that claims to be from it and "
                f"receivers get no instructions. {suggest_record(lookup.org_domain)} to start monitoring.",
                {
                    **evidence,
                    "suggested_record": f"v=DMARC1; p=none; rua=mailto:dmarc-reports@{lookup.org_domain}",
                },
            )
        ]
    evidence["record"] = lookup.record.raw if lookup.record else None
    if lookup.record_domain != domain:
        return [
            Check(
                "DMARC record",
                Verdict.INFO,
                "dmarc.inherited",
                f"{domain} has no record of its own; the record of its organizational domain "
                f"{lookup.record_domain} applies (through sp= if present).",
                evidence,
            )
        ]
    return [
        Check(
            "DMARC record",
            Verdict.PASS,
            "dmarc.found",
            f"{domain} publishes a DMARC record at _dmarc.{domain}.",
            evidence,
        )
    ]


def _malformed_checks(lookup: PolicyLookup) -> list[Check]:
    """A failing check per TXT record at a queried ``_dmarc`` name that was meant as DMARC but is invalid."""
    return [
        Check(
            "DMARC record",
            Verdict.FAIL,
            "dmarc.malformed_record",
            f'The TXT record at {name} looks meant as DMARC but is not valid: "{text}". It must '
            'start with exactly "v=DMARC1" followed by a semicolon (e.g. "v=DMARC1; p=reject"); '
            "until then receivers ignore it and treat the domain as having no DMARC record.",
            {"queried": list(lookup.queried), "record": text, "name": name},
        )
        for name, text in lookup.malformed
    ]


def _record_checks(domain: str, lookup: PolicyLookup, record: DmarcRecord) -> list[Check]:
    checks: list[Check] = []
    for problem in record.problems:
        if problem.code == "dmarc.p_missing":
            continue
        verdict = {"error": Verdict.FAIL, "warning": Verdict.WARN}[problem.severity]
        if problem.code == "dmarc.unknown_tag":
            verdict = Verdict.INFO
        checks.append(
            Check(
                "DMARC syntax",
                verdict,
                problem.code,
                problem.message,
                {"tag": problem.tag, "position": problem.position, "record": record.raw},
            )
        )
    policy = record.policy
    if record.p is None:
        checks.append(
            Check(
                "DMARC policy",
                Verdict.WARN if policy else Verdict.FAIL,
                "dmarc.p_missing",
                "The record has no valid p= tag. "
                + (
                    "With rua= present it works as p=none (monitoring only)."
                    if policy
                    else "Without p= or rua= it has no effect at all."
                ),
                {"record": record.raw},
            )
        )
    elif policy == "none":
        checks.append(
            Check(
                "DMARC policy",
                Verdict.WARN,
                "dmarc.monitoring_only",
                "p=none is monitoring only: receivers deliver mail that fails DMARC as usual, "
                "so spoofing is not "
                "blocked. Once reports show your real mail passes, move to p=quarantine and then p=reject.",
                {"p": policy},
            )
        )
    else:
        checks.append(
            Check(
                "DMARC policy",
                Verdict.PASS,
                "dmarc.enforced",
                f"p={policy}: receivers are asked to {policy} mail that fails DMARC.",
                {"p": policy},
            )
        )
    if "pct" in record.tags and record.pct < 100:
        checks.append(
            Check(
                "DMARC pct",
                Verdict.WARN,
                "dmarc.partial_pct",
                f"pct={record.pct}: the policy covers only {record.pct}% of failing mail under RFC 7489, "
                "and RFC 9989 "
                "drops pct altogether (use t=y for a trial instead).",
                {"pct": record.pct},
            )
        )
    for tag, value in (("sp", record.sp), ("np", record.np)):
        if value and policy and _STRENGTH[value] < _STRENGTH[policy]:
            what = "subdomains" if tag == "sp" else "subdomains that do not exist"
            checks.append(
                Check(
                    "DMARC subdomain policy",
                    Verdict.WARN,
                    f"dmarc.{tag}_weaker",
                    f"{tag}={value} is weaker than p={policy}, so mail from {what} of "
                    f"{lookup.record_domain} gets less "
                    "protection than the domain itself; spoofers can use those names.",
                    {tag: value, "p": policy},
                )
            )
    if not record.rua:
        checks.append(
            Check(
                "DMARC reports",
                Verdict.WARN,
                "dmarc.no_rua",
                "No rua= address: you get no aggregate reports, so you cannot see who sends mail "
                "as your domain "
                f"or whether your own mail passes. Add rua=mailto:dmarc-reports@{lookup.org_domain}.",
                {},
            )
        )
    removed = [tag for tag in REMOVED_IN_9989 if tag in record.tags]
    if removed:
        checks.append(
            Check(
                "DMARC obsolete tags",
                Verdict.INFO,
                "dmarc.removed_in_rfc9989",
                ", ".join(t + "=" for t in removed)
                + " are removed in RFC 9989; newer receivers ignore them.",
                {"tags": removed},
            )
        )
    if record.t == "y":
        checks.append(
            Check(
                "DMARC test mode",
                Verdict.INFO,
                "dmarc.test_mode",
                "t=y (RFC 9989 test mode): receivers apply one step less than the policy "
                "(reject becomes quarantine, "
                "quarantine becomes none).",
                {"t": "y"},
            )
        )
    return checks


def _authorization_checks(authorizations: tuple[ReportAuthorization, ...]) -> list[Check]:
    checks = []
    for item in authorizations:
        evidence = {"uri": item.uri, "query": item.query_name}
        if item.authorized is None:
            checks.append(
                Check(
                    "DMARC report destination",
                    Verdict.ERROR,
                    "dmarc.report_auth_dns_error",
                    item.explanation,
                    evidence,
                )
            )
        elif item.authorized:
            checks.append(
                Check(
                    "DMARC report destination",
                    Verdict.PASS,
                    "dmarc.report_auth_ok",
                    item.explanation,
                    evidence,
                )
            )
        else:
            checks.append(
                Check(
                    "DMARC report destination",
                    Verdict.FAIL,
                    f"dmarc.{item.tag}_unauthorized",
                    item.explanation + f" Ask {item.destination_domain} to publish "
                    f'"v=DMARC1" at {item.query_name}, or use an address in your own domain.',
                    evidence,
                )
            )
    return checks
