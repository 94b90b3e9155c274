"""Judges for the authentication rules: SPF, DKIM, DMARC record, alignment and DMARC pass."""

from __future__ import annotations

from typing import Any

from checker.analyses.requirements.facts import Facts
from checker.analyses.requirements.finding import MET, NOT_MET, UNKNOWN, Finding
from checker.analyses.requirements.providers import RuleSpec

_FATAL_DMARC = ("dmarc.syntax_error", "dmarc.duplicate_tag", "dmarc.bad_version")


def spf_pass(facts: Facts, spec: RuleSpec) -> Finding:
    """SPF passes, by our re-check against the connecting IP or the receiver's trusted record."""
    result, domain = facts.spf_result, facts.spf_domain
    evidence = {
        "spf_domain": domain,
        "spf_result": result,
        "source": facts.spf_source,
        "connecting_ip": facts.analysis.connecting_ip,
    }
    source = _source_words(facts.spf_source, facts.analysis.connecting_ip)
    if result is None:
        return Finding(
            UNKNOWN,
            "SPF could not be judged: the paste shows neither an envelope sender "
            "(Return-Path) with a public connecting address nor an SPF result recorded by the "
            "receiving server. Paste the full headers of a received copy.",
            evidence,
        )
    if result == "pass":
        return Finding(MET, f"SPF passed for {domain} ({source}).", evidence)
    if result == "temperror":
        return Finding(
            UNKNOWN,
            f"SPF for {domain} gave a temporary DNS error ({source}); check again.",
            evidence,
            lookup_failed=True,
        )
    hint = " The record breaks a limit or has a syntax error (permerror)." if result == "permerror" else ""
    return Finding(
        NOT_MET,
        f"SPF for {domain} is {result}, not pass ({source}).{hint} The sending "
        "server's address must be listed in the SPF record of the envelope sender's domain.",
        evidence,
    )


def dkim_pass(facts: Facts, spec: RuleSpec) -> Finding:
    """At least one DKIM signature passes."""
    results = facts.dkim_results
    evidence = {"signatures": [{"d": d, "result": r} for d, r in results], "source": facts.dkim_source}
    passing = [d for d, r in results if r == "pass"]
    if passing:
        return Finding(
            MET,
            f"DKIM passed for d={', d='.join(passing)} ({_source_words(facts.dkim_source, None)}).",
            evidence,
        )
    if not results:
        if facts.analysis.dkim is None:
            return Finding(
                UNKNOWN,
                "DKIM could not be judged: it was not verified and no trusted "
                "Authentication-Results header records a DKIM result.",
                evidence,
            )
        return Finding(NOT_MET, "The message has no DKIM-Signature header, so DKIM cannot pass.", evidence)
    listed = "; ".join(f"d={d}: {r}" for d, r in results)
    if any(r == "temperror" for _, r in results):
        return Finding(
            UNKNOWN,
            f"No DKIM signature passed and at least one key lookup failed ({listed}); check again.",
            evidence,
            lookup_failed=True,
        )
    return Finding(NOT_MET, f"No DKIM signature passed ({listed}).", evidence)


def spf_or_dkim(facts: Facts, spec: RuleSpec) -> Finding:
    """SPF or DKIM passes (the all-senders rule of Gmail and Yahoo)."""
    spf, dkim = spf_pass(facts, spec), dkim_pass(facts, spec)
    evidence = {"spf": spf.evidence, "dkim": dkim.evidence}
    if MET in (spf.outcome, dkim.outcome):
        winner = spf if spf.outcome == MET else dkim
        return Finding(MET, winner.explanation, evidence)
    if spf.outcome == NOT_MET and dkim.outcome == NOT_MET:
        return Finding(NOT_MET, f"Neither passed. {spf.explanation} {dkim.explanation}", evidence)
    return Finding(
        UNKNOWN,
        f"Neither passed for certain. {spf.explanation} {dkim.explanation}",
        evidence,
        lookup_failed=spf.lookup_failed or dkim.lookup_failed,
    )


def dmarc_record(facts: Facts, spec: RuleSpec) -> Finding:
    """The From domain publishes a usable DMARC record with a p= policy (none is enough)."""
    domain = facts.from_domain
    if domain is None:
        return Finding(UNKNOWN, "No From domain could be read, so its DMARC record was not looked up.")
    audit, evaluation = facts.dmarc_audit, facts.dmarc
    if audit is not None:
        lookup = audit.discovery.rfc7489
        status = lookup.status if lookup is not None else "none"
        record, record_domain, source = audit.record, audit.record_domain, "the domain audit"
    elif evaluation is not None:
        status, record = evaluation.lookup_status, evaluation.record
        record_domain, source = evaluation.record_domain, "the message's DMARC check"
    else:
        return Finding(
            UNKNOWN,
            f"The DMARC record of {domain} could not be looked up.",
            {"domain": domain},
            lookup_failed=True,
        )
    evidence = {
        "domain": domain,
        "record": getattr(record, "raw", None),
        "record_domain": record_domain,
        "status": status,
        "source": source,
    }
    if status == "temperror":
        return Finding(
            UNKNOWN,
            f"The DMARC lookup for {domain} failed ({_lookup_error(audit, evaluation)}); check again.",
            evidence,
            lookup_failed=True,
        )
    if status == "multiple":
        return Finding(
            NOT_MET,
            f"{domain} publishes more than one DMARC record, so receivers ignore all "
            "of them. Keep exactly one.",
            evidence,
        )
    if record is None:
        return Finding(
            NOT_MET,
            f"{domain} publishes no DMARC record (no valid TXT record at _dmarc.{domain} "
            "or its organizational domain). Start with v=DMARC1; p=none and a rua= address.",
            evidence,
        )
    fatal = next((p for p in record.problems if p.code in _FATAL_DMARC), None)
    if fatal is not None:
        return Finding(
            NOT_MET,
            f"The DMARC record of {domain} is malformed ({fatal.message}), so it is ignored.",
            evidence,
        )
    if record.p is None:
        return Finding(
            NOT_MET,
            f'The DMARC record "{record.raw}" has no valid p= tag, so it states no policy; '
            "add p=none (or stronger).",
            evidence,
        )
    where = f"_dmarc.{record_domain}"
    inherited = (
        f" (inherited from the organizational domain {record_domain})" if record_domain != domain else ""
    )
    text = f"{domain} has a DMARC record with p={record.p} at {where}{inherited}."
    if spec.provider == "yahoo" and not record.rua:
        text += " It has no rua= address; Yahoo strongly recommends one to receive aggregate reports."
    return Finding(MET, text, evidence)


def alignment(facts: Facts, spec: RuleSpec) -> Finding:
    """Relaxed (organizational) alignment of a passing SPF or DKIM domain with the From domain."""
    if facts.from_domain is None:
        return Finding(UNKNOWN, "No From domain could be read, so alignment cannot be judged.")
    rows = tuple(getattr(facts.analysis, "alignment", ()) or ())
    evidence = {
        "from_domain": facts.from_domain,
        "rows": [
            {"source": r.source, "domain": r.domain, "result": r.auth_result, "same_organization": r.relaxed}
            for r in rows
        ],
    }
    aligned = [row for row in rows if row.authenticated and row.relaxed]
    if aligned:
        row = aligned[0]
        how = "the same domain as" if row.strict else "in the same organization as"
        text = f"{row.source.upper()} passed for {row.domain}, {how} the From domain {facts.from_domain}."
        sources = {item.source for item in aligned}
        if spec.provider == "outlook" and len(sources) == 1:
            text += f" Outlook.com prefers both SPF and DKIM aligned; only {row.source.upper()} is."
        return Finding(MET, text, evidence)
    if not rows:
        if facts.dmarc is None:
            return Finding(
                UNKNOWN,
                "The DMARC check of the message did not run, so alignment is unknown.",
                evidence,
                lookup_failed=True,
            )
        return Finding(NOT_MET, "No SPF or DKIM identity was found to align with the From domain.", evidence)
    parts = [f"{r.source.upper()} {r.domain} ({_row_words(r)})" for r in rows]
    if any(r.auth_result == "temperror" for r in rows):
        return Finding(
            UNKNOWN,
            f"Nothing aligned passed and a lookup failed: {'; '.join(parts)}.",
            evidence,
            lookup_failed=True,
        )
    note = (
        " Gmail does not require alignment for forwarded or mailing-list mail."
        if spec.provider == "gmail"
        else ""
    )
    return Finding(
        NOT_MET,
        f"No passing SPF or DKIM domain belongs to the organization of the From domain "
        f"{facts.from_domain}: {'; '.join(parts)}.{note}",
        evidence,
    )


def dmarc_pass(facts: Facts, spec: RuleSpec) -> Finding:
    """The message passes DMARC (Yahoo's bulk rule)."""
    dmarc = facts.dmarc
    if dmarc is None:
        return Finding(
            UNKNOWN,
            "The DMARC check of the message did not run (no usable From domain or an internal error).",
        )
    evidence = {"result": dmarc.result, "policy": dmarc.policy, "aligned_by": list(dmarc.aligned_by)}
    if dmarc.result == "pass":
        return Finding(
            MET, f"DMARC passes for {dmarc.from_domain} (aligned: {', '.join(dmarc.aligned_by)}).", evidence
        )
    if dmarc.result == "temperror":
        return Finding(UNKNOWN, dmarc.explanation, evidence, lookup_failed=True)
    return Finding(
        NOT_MET,
        f"DMARC does not pass for {dmarc.from_domain} (result {dmarc.result}). {dmarc.explanation}",
        evidence,
    )


def _lookup_error(audit: Any, evaluation: Any) -> str:
    lookup = getattr(getattr(audit, "discovery", None), "rfc7489", None)
    error = getattr(lookup, "error", None) if lookup is not None else None
    if not error and evaluation is not None and evaluation.result == "temperror":
        return "a DNS error"
    text = (error or "a DNS error").rstrip(".")
    return text[:1].lower() + text[1:]  # it continues a sentence


def _row_words(row: Any) -> str:
    """How one SPF or DKIM identity stands against the From domain, in a few words."""
    if row.auth_result == "temperror":
        return "temperror: it could not be verified"
    if row.relaxed:
        return f"{row.auth_result}: same organization, but it did not pass"
    return f"{row.auth_result}, organization {row.org_domain}"


def _source_words(source: str | None, ip: str | None) -> str:
    if source == "re-checked":
        return f"re-checked for the connecting IP {ip}" if ip else "re-checked by this tool"
    return "as recorded by the receiving server"
