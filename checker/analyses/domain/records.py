"""Policy TXT records beside the big three: MTA-STS (RFC 8461), TLS-RPT (RFC 8460) and BIMI.

Each audit is one round: the TXT query (plus, for MTA-STS, the policy host's address) go out
together. The MTA-STS policy file itself is not fetched: it lives at an HTTPS URL on another
site, which a browser page cannot read (no CORS headers), and the checker does no HTTPS fetches.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from checker.shared.dns.model import DnsAnswer, Resolver
from checker.shared.dns.query import safe_query
from checker.shared.result import Check, Verdict
from checker.shared.taglist import tag_values

_MTA_STS_ID = re.compile(r"^[A-Za-z0-9]{1,32}$")


@dataclass(frozen=True)
class _PolicyKind:
    """What tells one kind of policy record apart in its checks."""

    title: str  # the check name shown to people
    code: str  # the reason-code prefix
    noun: str  # how the record is named in sentences
    version: str  # the v= value that marks the record


_MTA_STS = _PolicyKind("MTA-STS", "mta_sts", "MTA-STS", "STSv1")
_TLS_RPT = _PolicyKind("TLS reporting (TLS-RPT)", "tls_rpt", "TLS-RPT", "TLSRPTv1")
_BIMI = _PolicyKind("BIMI (brand logo)", "bimi", "BIMI", "BIMI1")


@dataclass(frozen=True)
class PolicyRecord:
    """One policy TXT lookup: the name asked, the matching record (if exactly one) and its tags."""

    name: str
    record: str | None
    tags: dict[str, str]
    checks: tuple[Check, ...]


def _select(answer: DnsAnswer, version: str) -> tuple[list[str], Check | None]:
    """Records starting with ``v=<version>``, or a check saying why there is nothing to read."""
    evidence = {"query": f"TXT {answer.name}", "records": list(answer.records)}
    if answer.failed:
        return [], Check(version, Verdict.ERROR, "lookup_failed", answer.describe_failure(), evidence)
    pattern = re.compile(rf"^v\s*=\s*{re.escape(version)}\s*(;|$)", re.I)
    return [record for record in answer.records if pattern.match(record.strip())], None


async def audit_mta_sts(domain: str, *, resolver: Resolver) -> PolicyRecord:
    """Check ``_mta-sts.<domain>`` (``v=STSv1; id=``) and that the policy host ``mta-sts.<domain>`` exists."""
    name = f"_mta-sts.{domain}"
    host = f"mta-sts.{domain}"
    answer, host_a, host_aaaa = await asyncio.gather(
        safe_query(resolver, name, "TXT"), safe_query(resolver, host, "A"), safe_query(resolver, host, "AAAA")
    )
    title = _MTA_STS.title
    evidence = {"query": f"TXT {name}", "records": list(answer.records)}
    found = _single_record(
        name,
        answer,
        _MTA_STS,
        f"{domain} publishes no MTA-STS policy. MTA-STS is optional: it tells senders to insist on "
        "encrypted, verified connections to your mail servers, which stops downgrade attacks.",
        "RFC 8461 says senders then ignore MTA-STS entirely. Keep exactly one.",
    )
    if isinstance(found, PolicyRecord):
        return found
    tags = tag_values(found)
    checks: list[Check] = []
    policy_id = tags.get("id", "")
    if not _MTA_STS_ID.match(policy_id):
        checks.append(
            Check(
                title,
                Verdict.FAIL,
                "mta_sts.bad_id",
                f"The MTA-STS record of {domain} has no valid id= (1 to 32 letters and digits). Senders "
                "use the id to notice a new policy, so without it the record is ignored.",
                {**evidence, "id": policy_id},
            )
        )
    else:
        checks.append(
            Check(
                title,
                Verdict.PASS,
                "mta_sts.record_ok",
                f"{domain} announces an MTA-STS policy (id {policy_id}).",
                {**evidence, "id": policy_id},
            )
        )
    if not host_a.records and not host_aaaa.records:
        reason, verdict = (
            ("mta_sts.policy_host_lookup_failed", Verdict.ERROR)
            if (host_a.failed or host_aaaa.failed)
            else ("mta_sts.policy_host_missing", Verdict.FAIL)
        )
        checks.append(
            Check(
                "MTA-STS policy host",
                verdict,
                reason,
                f"The host {host}, which must serve the policy file over HTTPS, has no address, so senders "
                "cannot fetch the policy and MTA-STS has no effect.",
                {"A": list(host_a.records), "AAAA": list(host_aaaa.records)},
            )
        )
    checks.append(
        Check(
            "MTA-STS policy file",
            Verdict.INFO,
            "mta_sts.policy_not_fetched",
            f"The policy file at https://{host}/.well-known/mta-sts.txt was not checked: a web page cannot "
            "read files from another site, and this checker makes only DNS queries. Open that URL in your "
            "browser to see it.",
            {"url": f"https://{host}/.well-known/mta-sts.txt"},
        )
    )
    return PolicyRecord(name, found, tags, tuple(checks))


async def audit_tls_rpt(domain: str, *, resolver: Resolver) -> PolicyRecord:
    """Check ``_smtp._tls.<domain>`` (``v=TLSRPTv1; rua=``)."""
    name = f"_smtp._tls.{domain}"
    answer = await safe_query(resolver, name, "TXT")
    title = _TLS_RPT.title
    evidence = {"query": f"TXT {name}", "records": list(answer.records)}
    found = _single_record(
        name,
        answer,
        _TLS_RPT,
        f"{domain} asks for no TLS reports. TLS-RPT is optional: with it, senders email you daily "
        "summaries of failed encrypted connections, which helps catch MTA-STS or certificate problems.",
        "RFC 8460 says senders then send no reports. Keep one.",
    )
    if isinstance(found, PolicyRecord):
        return found
    tags = tag_values(found)
    destinations = [uri.strip() for uri in tags.get("rua", "").split(",") if uri.strip()]
    bad = [uri for uri in destinations if not re.match(r"^(mailto:[^@\s]+@[^@\s]+|https://\S+)$", uri, re.I)]
    if not destinations or bad:
        check = Check(
            title,
            Verdict.FAIL,
            "tls_rpt.bad_rua",
            f"The TLS-RPT record of {domain} needs rua= with mailto: or https: addresses for reports"
            + (f"; these are not valid: {', '.join(bad)}." if bad else ", and it has none."),
            {**evidence, "rua": destinations},
        )
    else:
        check = Check(
            title,
            Verdict.PASS,
            "tls_rpt.ok",
            f"{domain} asks for TLS reports at {', '.join(destinations)}.",
            {**evidence, "rua": destinations},
        )
    return PolicyRecord(name, found, tags, (check,))


async def audit_bimi(domain: str, *, resolver: Resolver, selector: str = "default") -> PolicyRecord:
    """Check ``<selector>._bimi.<domain>`` (``v=BIMI1; l=<https SVG>; a=<https PEM>``)."""
    name = f"{selector}._bimi.{domain}"
    answer = await safe_query(resolver, name, "TXT")
    title = _BIMI.title
    evidence = {"query": f"TXT {name}", "records": list(answer.records)}
    found = _single_record(
        name,
        answer,
        _BIMI,
        f"{domain} publishes no BIMI record. BIMI is optional: it lets some mailboxes show your logo, "
        "and needs DMARC at p=quarantine or p=reject first.",
        "receivers then ignore BIMI. Keep one.",
    )
    if isinstance(found, PolicyRecord):
        return found
    tags = tag_values(found)
    logo, authority = tags.get("l", ""), tags.get("a", "")
    checks: list[Check] = []
    if not logo and not authority:
        checks.append(
            Check(
                title,
                Verdict.INFO,
                "bimi.declined",
                f"{domain} publishes an empty BIMI record, which says it chooses not to show a logo.",
                evidence,
            )
        )
    elif logo and not logo.lower().startswith("https://"):
        checks.append(
            Check(
                title,
                Verdict.FAIL,
                "bimi.logo_not_https",
                f"The BIMI logo address {logo} must be an https:// URL of an SVG file; receivers ignore "
                "others.",
                {**evidence, "l": logo},
            )
        )
    else:
        checks.append(
            Check(
                title,
                Verdict.PASS,
                "bimi.record_ok",
                f"{domain} publishes a BIMI logo at {logo}.",
                {**evidence, "l": logo, "a": authority},
            )
        )
        if not authority:
            checks.append(
                Check(
                    "BIMI certificate",
                    Verdict.INFO,
                    "bimi.no_certificate",
                    "The BIMI record has no a= certificate (VMC or CMC). Gmail and Apple Mail show a logo "
                    "only with one; some other mailboxes do without.",
                    evidence,
                )
            )
        elif not authority.lower().startswith("https://"):
            checks.append(
                Check(
                    "BIMI certificate",
                    Verdict.FAIL,
                    "bimi.certificate_not_https",
                    f"The BIMI certificate address {authority} must be an https:// URL.",
                    {**evidence, "a": authority},
                )
            )
    return PolicyRecord(name, found, tags, tuple(checks))


def _single_record(
    name: str, answer: DnsAnswer, kind: _PolicyKind, missing: str, why_one: str
) -> str | PolicyRecord:
    """The one record of ``kind`` in ``answer``, or the finished result saying why there is not exactly one.

    ``name`` is the name asked (a resolver may report a CNAME target); ``missing`` explains an absent
    record; ``why_one`` says what receivers do when there are several.
    """
    records, problem = _select(answer, kind.version)
    evidence = {"query": f"TXT {name}", "records": list(answer.records)}
    if problem is not None:
        return PolicyRecord(name, None, {}, (_renamed(problem, kind.title, kind.code),))
    if not records:
        check = Check(kind.title, Verdict.INFO, f"{kind.code}.missing", missing, evidence)
        return PolicyRecord(name, None, {}, (check,))
    if len(records) > 1:
        check = Check(
            kind.title,
            Verdict.FAIL,
            f"{kind.code}.multiple_records",
            f"{name} has {len(records)} {kind.noun} records; {why_one}",
            evidence,
        )
        return PolicyRecord(name, None, {}, (check,))
    return records[0]


def _renamed(check: Check, title: str, prefix: str) -> Check:
    return Check(
        title, check.verdict, f"{prefix}.{check.reason}", check.explanation, check.evidence, check.link
    )
