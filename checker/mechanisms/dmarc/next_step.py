"""The next safe step toward p=reject: from a domain's DMARC audit, the record to publish next and why.

The path is none -> quarantine (pct 10, 50, 100) -> reject (pct 10, 50, 100) -> subdomains too, one
step at a time, each only after the aggregate reports (RFC 7489 section 7.2) show that the domain's
own mail passes. Never more than one step: the point is not to lose legitimate mail on the way.
"""

from __future__ import annotations

from dataclasses import dataclass

from checker.mechanisms.dmarc.audit import DmarcAudit, audit_dmarc
from checker.mechanisms.dmarc.record import KNOWN_TAGS, DmarcRecord
from checker.shared.dns.model import Resolver
from checker.shared.orgdomain import PublicSuffixes, default_public_suffixes
from checker.shared.result import Check, Verdict

PCT_RAMP = (10, 50, 100)
_STRENGTH = {"none": 0, "quarantine": 1, "reject": 2}
_TAG_ORDER = ("v", "p", "sp", "np", "pct", "t", "adkim", "aspf", "rua", "ruf", "fo", "ri", "rf", "psd")
_FATAL = ("dmarc.syntax_error", "dmarc.duplicate_tag", "dmarc.bad_version")
_RFC = "https://www.rfc-editor.org/rfc/rfc7489#section-"
REF_TAGS = _RFC + "6.3"  # the record's tags
REF_DISCOVERY = _RFC + "6.6.3"  # sp= for subdomains
REF_SAMPLING = _RFC + "6.6.4"  # pct=
REF_ALIGNMENT = _RFC + "3.1"  # adkim= / aspf=
REF_EXTERNAL = _RFC + "7.1"  # reports to another domain
REF_AGGREGATE = _RFC + "7.2"  # aggregate reports

_WATCH_START = (
    "Every source IP in the aggregate reports (<source_ip> and <count>): which services send mail as "
    "the domain.",
    "For each source you recognise: does DKIM pass with d= in the domain, or SPF pass for a Return-Path "
    "in the domain (<policy_evaluated> dkim/spf = pass)? Fix the ones that fail, usually by having the "
    "service sign with your domain.",
    "Sources you do not recognise: spoofing, or a service someone set up without telling you.",
    "Wait long enough for rare mail (monthly invoices, quarterly newsletters) to show up.",
)
_WATCH_QUARANTINE = (
    "Rows with <disposition>quarantine</disposition>: any of your own services among them is mail "
    "you are sending to spam; fix it before going further.",
    "Forwarded and mailing-list mail that breaks SPF and DKIM fails DMARC whatever you do; check that it "
    "is a small share.",
    "New sources that appear after the change (a new ESP or CRM) must be aligned before they send.",
)
_WATCH_REJECT = (
    "Rows with <disposition>reject</disposition> from your own services: that mail is now refused, "
    "not delivered to spam.",
    "Quarantined rows at the previous step must have been only spoofing for a few weeks before this one.",
    "Forwarded and mailing-list mail that fails DMARC: it is now rejected.",
)


@dataclass(frozen=True)
class DmarcNextStep:
    """The proposed next record for a domain, why it is the safe next step, and what to watch first.

    ``stage`` names the step (``start_monitoring``, ``add_reports``, ``start_quarantine``,
    ``raise_quarantine_pct``, ``start_reject``, ``raise_reject_pct``, ``tighten_subdomains``,
    ``leave_test_mode``, ``fix_record``, ``at_reject``, ``multiple_records``, ``lookup_failed``,
    ``invalid_domain``); ``proposed_record`` is None when there is nothing safe to propose yet.
    """

    domain: str
    record_domain: str | None
    current_record: str | None
    current_policy: str | None
    current_pct: int | None
    stage: str
    proposed_record: str | None
    proposed_policy: str | None
    reason: str
    explanation: str
    watch: tuple[str, ...]
    warnings: tuple[Check, ...]
    references: tuple[str, ...]


def next_dmarc_step(audit: DmarcAudit) -> DmarcNextStep:
    """Propose the next record from a DMARC audit (the DMARC section detail of ``audit_domain``); pure."""
    lookup = audit.discovery.rfc7489
    org = lookup.org_domain if lookup is not None else audit.domain
    placeholder = f"mailto:dmarc-reports@{org}"
    base = {"domain": audit.domain, "record_domain": audit.record_domain}
    if lookup is None:
        return _step(
            base,
            None,
            "invalid_domain",
            None,
            f"{audit.domain} is not a domain name that can have a DMARC record.",
            (),
            (),
            (),
        )
    if lookup.status == "temperror":
        return _step(
            base,
            None,
            "lookup_failed",
            None,
            f"The DMARC record of {audit.domain} could not be looked up "
            f"({_lower_first((lookup.error or 'DNS error').rstrip('.'))}), so no next step can be proposed; "
            "try again.",
            (),
            (),
            (),
        )
    if lookup.status == "multiple":
        return _step(
            base,
            None,
            "multiple_records",
            None,
            f"_dmarc.{lookup.record_domain} has more than one "
            "DMARC record, so receivers ignore all of them. Delete all but one first; then ask again.",
            (),
            (),
            (REF_TAGS,),
        )
    record = audit.record
    if record is None:
        proposed = f"v=DMARC1; p=none; rua={placeholder}"
        broken = f' The TXT record "{lookup.malformed[0][1]}" is not valid DMARC.' if lookup.malformed else ""
        return _step(
            base,
            None,
            "start_monitoring",
            proposed,
            f"{audit.domain} has no DMARC record.{broken} Start with p=none: nothing changes for your "
            f"mail, and the aggregate reports sent to rua= show who sends as {org}. Replace the rua= "
            "address with a mailbox you read or your DMARC report service.",
            _WATCH_START,
            _warnings(audit, None),
            (REF_TAGS, REF_AGGREGATE),
        )
    warnings = _warnings(audit, record)
    fatal = next((p for p in record.problems if p.code in _FATAL), None)
    policy = record.p or ("none" if record.rua else None)
    pct = record.pct if "pct" in _tags(record) else 100
    if fatal is not None or policy is None:
        why = (
            _lower_first(fatal.message.rstrip("."))
            if fatal
            else "it has neither p= nor rua=, so it has no effect"
        )
        changes = {"p": policy or "none"} | ({} if record.rua else {"rua": placeholder})
        return _step(
            base,
            record,
            "fix_record",
            build_record(record, changes),
            f"The current record is not usable ({why}). Publish it corrected first, with the same "
            "policy; move on only once it is valid.",
            _WATCH_START,
            warnings,
            (REF_TAGS,),
        )
    if not record.rua:
        return _step(
            base,
            record,
            "add_reports",
            build_record(record, {"rua": placeholder}),
            f"The record asks for no aggregate reports (no rua=), so you cannot see whether your own "
            f"mail passes. Add rua= before tightening p={policy}: every next step depends on the reports.",
            _WATCH_START,
            warnings,
            (REF_TAGS, REF_AGGREGATE),
        )
    if record.t == "y" and policy != "none":
        return _step(
            base,
            record,
            "leave_test_mode",
            build_record(record, {"t": None}),
            f"t=y asks receivers that follow RFC 9989 to apply one step less than p={policy}. When the "
            "reports show only spoofing failing, drop t=y.",
            _WATCH_QUARANTINE if policy == "quarantine" else _WATCH_REJECT,
            warnings,
            (REF_SAMPLING,),
        )
    if policy == "none":
        return _step(
            base,
            record,
            "start_quarantine",
            build_record(record, {"p": "quarantine", "pct": "10"}),
            "p=none only monitors. When the reports show every legitimate source passing DMARC, move "
            "to p=quarantine for 10% of failing mail (pct=10): receivers send that share to spam and "
            "treat the rest as p=none (RFC 7489 section 6.6.4), so a missed source hurts little.",
            _WATCH_START,
            warnings,
            (REF_SAMPLING, REF_AGGREGATE),
        )
    if pct < 100:
        next_pct = next(value for value in PCT_RAMP if value > pct)
        stage = f"raise_{policy}_pct"
        changes = {"pct": None if next_pct == 100 else str(next_pct)}
        return _step(
            base,
            record,
            stage,
            build_record(record, changes),
            f"p={policy} applies to {pct}% of failing mail now. Raise it to {next_pct}% when the reports "
            f"show no legitimate mail with disposition {policy}"
            + (" (100% is the default, so pct= goes away)." if next_pct == 100 else "."),
            _WATCH_QUARANTINE if policy == "quarantine" else _WATCH_REJECT,
            warnings,
            (REF_SAMPLING,),
        )
    if policy == "quarantine":
        return _step(
            base,
            record,
            "start_reject",
            build_record(record, {"p": "reject", "pct": "10"}),
            "All failing mail is quarantined. When the reports show only spoofing being quarantined, "
            "move to p=reject for 10% (pct=10): receivers reject that share and quarantine the rest "
            "(RFC 7489 section 6.6.4).",
            _WATCH_QUARANTINE,
            warnings,
            (REF_SAMPLING,),
        )
    weaker = [tag for tag in ("sp", "np") if getattr(record, tag) and _STRENGTH[getattr(record, tag)] < 2]
    if weaker:
        changes = dict.fromkeys(weaker, "reject")
        return _step(
            base,
            record,
            "tighten_subdomains",
            build_record(record, changes),
            f"p=reject protects {record_domain_of(audit)} itself, but "
            f"{', '.join(f'{t}={getattr(record, t)}' for t in weaker)} "
            "leaves subdomains open to spoofing. When the reports show no subdomain mail failing, "
            "raise it to reject (RFC 7489 section 6.6.3).",
            _WATCH_REJECT,
            warnings,
            (REF_DISCOVERY,),
        )
    return _step(
        base,
        record,
        "at_reject",
        None,
        f"p=reject is in force for all failing mail{'' if record.sp else ' and subdomains follow it'}: "
        "nothing further to tighten. Keep reading the reports for new sources.",
        _WATCH_REJECT,
        warnings,
        (REF_AGGREGATE,),
    )


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def record_domain_of(audit: DmarcAudit) -> str:
    """Where the record is published (the organizational domain when inherited)."""
    return audit.record_domain or audit.domain


def build_record(record: DmarcRecord, changes: dict[str, str | None]) -> str:
    """The record text with ``changes`` applied (None removes a tag); unknown tags are dropped."""
    tags = {name: value for name, value in _tags(record).items() if name in KNOWN_TAGS and name != "v"}
    for name, value in changes.items():
        if value is None:
            tags.pop(name, None)
        else:
            tags[name] = value
    # p= right after v= (RFC 7489 section 6.3), then the policy tags, then the rest.
    tags = dict(sorted(tags.items(), key=lambda item: _TAG_ORDER.index(item[0])))
    return "; ".join(["v=DMARC1", *(f"{name}={value}" for name, value in tags.items())])


def _tags(record: DmarcRecord) -> dict[str, str]:
    return {name.lower(): value.strip() for name, value in record.tags.items()}


def _warnings(audit: DmarcAudit, record: DmarcRecord | None) -> tuple[Check, ...]:
    warnings = []
    if audit.record_domain and audit.record_domain != audit.domain:
        warnings.append(
            Check(
                "DMARC record location",
                Verdict.INFO,
                "dmarc_next.inherited",
                f"{audit.domain} has no record of its own; the record at _dmarc.{audit.record_domain} "
                "applies (its sp= for subdomains), so the proposal is for that record. Publish one at "
                f"_dmarc.{audit.domain} to move this subdomain on its own.",
                {"record_domain": audit.record_domain},
                REF_DISCOVERY,
            )
        )
    if record is None:
        return tuple(warnings)
    strict = [f"{tag}=s" for tag in ("adkim", "aspf") if getattr(record, tag) == "s"]
    if strict:
        warnings.append(
            Check(
                "Strict alignment",
                Verdict.WARN,
                "dmarc_next.strict_alignment",
                f"{' and '.join(strict)} asks for strict alignment: DKIM d= or the Return-Path domain "
                "must equal the From domain exactly, so mail signed by a subdomain (d=mail.example.com) "
                "or bounced through one fails DMARC. Check the reports for such failures before each "
                "step, or go back to relaxed.",
                {"adkim": record.adkim, "aspf": record.aspf},
                REF_ALIGNMENT,
            )
        )
    if record.p in ("quarantine", "reject", "none") and not record.sp and record.p != "reject":
        warnings.append(
            Check(
                "Subdomains",
                Verdict.INFO,
                "dmarc_next.sp_follows_p",
                "No sp= tag: subdomains follow p=, so each step applies to mail from subdomains too. "
                "Check that subdomains appear passing in the reports, or set sp= explicitly.",
                {"p": record.p},
                REF_DISCOVERY,
            )
        )
    refused = [item for item in audit.report_authorizations if item.authorized is False]
    if refused:
        warnings.append(
            Check(
                "Report destination",
                Verdict.WARN,
                "dmarc_next.reports_not_authorized",
                f"Reports to {refused[0].destination_domain} are not authorized (no record at "
                f"{refused[0].query_name}), so receivers will not send them there; fix that before "
                "relying on reports.",
                {"uri": refused[0].uri},
                REF_EXTERNAL,
            )
        )
    return tuple(warnings)


def _pct_warning() -> Check:
    return Check(
        "pct under RFC 9989",
        Verdict.INFO,
        "dmarc_next.pct_rfc9989",
        "RFC 9989, which updates DMARC, drops pct=: receivers that follow it apply the policy to all failing "
        "mail (t=y is its trial mode). The pct ramp protects you only at receivers still on RFC 7489.",
        {},
        REF_SAMPLING,
    )


def _step(
    base: dict[str, str | None],
    record: DmarcRecord | None,
    stage: str,
    proposed: str | None,
    explanation: str,
    watch: tuple[str, ...],
    warnings: tuple[Check, ...],
    references: tuple[str, ...],
) -> DmarcNextStep:
    proposed_policy = None
    if "pct=" in (proposed or "") or (record is not None and "pct" in _tags(record)):
        warnings = (*warnings, _pct_warning())
    if proposed:
        proposed_policy = next(
            (part.split("=", 1)[1].strip() for part in proposed.split(";") if part.strip().startswith("p=")),
            None,
        )
    return DmarcNextStep(
        domain=str(base["domain"]),
        record_domain=base["record_domain"],
        current_record=record.raw if record else None,
        current_policy=(record.p or ("none" if record.rua else None)) if record else None,
        current_pct=record.pct if record else None,
        stage=stage,
        proposed_record=proposed,
        proposed_policy=proposed_policy,
        reason=f"dmarc_next.{stage}",
        explanation=explanation,
        watch=watch,
        warnings=warnings,
        references=references,
    )


async def plan_dmarc_next_step(
    domain: str, *, resolver: Resolver, psl: PublicSuffixes | None = None
) -> DmarcNextStep:
    """Audit ``domain``'s DMARC record with the injected resolver, then propose the next step."""
    audit = await audit_dmarc(domain, resolver=resolver, psl=psl or default_public_suffixes())
    return next_dmarc_step(audit)
