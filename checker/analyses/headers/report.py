"""What the headers analysis tells a person: the headline summary and the checks each part contributes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from checker.mechanisms.dmarc import DmarcEvaluation
from checker.mechanisms.dmarc.evaluate import join_distinct
from checker.shared.result import Check, Verdict

_POLICY_VERB = {"reject": "reject", "quarantine": "quarantine (spam-folder)", "none": "still deliver"}


@dataclass(frozen=True)
class Summary:
    """One headline verdict and one to three plain sentences."""

    verdict: Verdict
    headline: str
    explanation: str


def part_checks(received: Any, spf: Any, dkim: Any, arc: Any, mail_from: str | None) -> list[Check]:
    """The checks each part contributes: the Received chain, SPF (or why not), DKIM and ARC."""
    checks = []
    if received is not None and getattr(received, "explanation", None):
        checks.append(
            Check(
                "Received chain",
                Verdict.INFO,
                "headers.hops",
                received.explanation,
                {"hops": len(received.hops), "connecting_ip": received.connecting_ip},
            )
        )
    if spf is not None:
        checks.append(spf.to_check())
        if mail_from is None:
            checks.append(
                Check(
                    "SPF identity",
                    Verdict.INFO,
                    "headers.spf_helo_only",
                    "The envelope sender (Return-Path) is not in the paste, so SPF above was checked for "
                    f"the server name {getattr(spf, 'domain', None) or 'given in HELO'} only, and DMARC "
                    "does not count it. Paste the headers with the Return-Path line to check the sender.",
                    {"helo_domain": getattr(spf, "domain", None)},
                )
            )
    else:
        checks.append(
            Check(
                "SPF",
                Verdict.INFO,
                "headers.spf_not_rechecked",
                "SPF could not be re-checked: the Received headers show no public address the message came "
                "from, or no envelope sender. DMARC uses the receiving server's recorded SPF result instead.",
                {"connecting_ip": getattr(received, "connecting_ip", None)},
            )
        )
    if dkim is not None:
        checks += dkim.to_checks()
    if arc is not None:
        checks += arc.to_checks()
    return checks


def summarize(
    authors: Any,
    dmarc: DmarcEvaluation | None,
    spf_domain: str | None,
    spf_result: str | None,
    dkim_results: list[tuple[str, str]],
    arc: Any = None,
    dkim: Any = None,
) -> Summary:
    """The headline verdict: what DMARC says for the From domain, and why, in plain words."""
    if authors.error is not None:
        return Summary(Verdict.ERROR, "No usable From address", f"{authors.error.what} {authors.error.fix}")
    if dmarc is None:
        return Summary(
            Verdict.ERROR,
            "DMARC could not be checked",
            "The DMARC part of the analysis failed; see the error checks below.",
        )
    domain = dmarc.from_domain
    if dmarc.result == "fail":
        passed = [
            f"SPF for {dmarc_domain}" for dmarc_domain in ([spf_domain] if spf_result == "pass" else [])
        ]
        passed += [f"DKIM for d={d}" for d, r in dkim_results if r == "pass"]
        mailed = (
            f"{join_distinct(passed)} passed, but not for a domain that matches {domain} as its DMARC "
            "record requires, so they do not count. "
            if passed
            else "Neither SPF nor DKIM passed for it. "
        )
        fix = f"To fix: {_first_fix(dmarc, dkim)}" if dmarc.fixes else ""
        return Summary(
            Verdict.FAIL,
            f"DMARC fails for {domain}",
            f"This message claims to be from {domain} but failed DMARC, and {_policy_owner(dmarc)} asks "
            f"receivers to {_POLICY_VERB.get(dmarc.policy or 'none')} such mail "
            f"({dmarc.policy_tag}={dmarc.policy}). "
            f"{mailed}{_arc_rescue(arc)}{fix}".strip(),
        )
    if dmarc.result == "pass":
        return Summary(Verdict.PASS, f"Authenticated: DMARC passes for {domain}", dmarc.explanation)
    if dmarc.result == "none":
        return Summary(Verdict.WARN, _no_policy_headline(dmarc), dmarc.explanation)
    if dmarc.result == "temperror":
        # Said in words: "temperror" is the RFC's term, not the reader's.
        return Summary(
            Verdict.ERROR, f"DMARC could not be checked for {domain} (a DNS lookup failed)", dmarc.explanation
        )
    return Summary(Verdict.FAIL, f"DMARC {dmarc.result} for {domain}", dmarc.explanation)


def _no_policy_headline(dmarc: DmarcEvaluation) -> str:
    """Why DMARC does not apply, named: no record, a record receivers cannot read, or more than one."""
    domain = dmarc.from_domain
    if dmarc.record is None and dmarc.malformed_records:
        where, text = dmarc.malformed_records[0]
        return f'The DMARC record at {where} is malformed and ignored: "{_shorten(text)}"'
    if dmarc.record is None and dmarc.lookup_status == "multiple":
        return f"{domain} publishes more than one DMARC record, so receivers ignore them"
    if dmarc.record is not None:
        return f"{domain}'s DMARC record sets no policy (no p=)"
    return f"{domain} has no DMARC policy"


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _policy_owner(dmarc: DmarcEvaluation) -> str:
    """Who asks: the From domain, or the parent domain whose record covers it (sp=, np=)."""
    owner = dmarc.record_domain
    if owner and owner != dmarc.from_domain:
        return f"the DMARC record of {owner}, which covers {dmarc.from_domain},"
    return dmarc.from_domain


def _first_fix(dmarc: DmarcEvaluation, dkim: Any) -> str:
    """DMARC's first fix, made specific when the aligned DKIM signature broke because the body changed."""
    fix = dmarc.fixes[0]
    for signature in getattr(dkim, "signatures", ()) or ():
        if signature.reason == "dkim.body_hash_mismatch" and f"d={signature.domain} would align" in fix:
            return (
                f"The DKIM signature with d={signature.domain} would count, but the body changed after "
                "signing. If a mailing list, forwarder or your own gateway adds a footer or disclaimer, "
                "have it stop, or sign after it (or, for a list, rewrite From to the list's address)."
            )
    return fix


def _arc_rescue(arc: Any) -> str:
    """A sentence when a valid ARC chain shows an earlier hop saw DMARC pass (RFC 8617 section 7.2)."""
    if getattr(arc, "cv", None) != "pass":
        return ""
    for arc_set in sorted(getattr(arc, "sets", ()), key=lambda s: s.instance):
        recorded = dict(arc_set.auth_results.results) if arc_set.auth_results else {}
        if recorded.get("dmarc") == "pass":
            sealer = arc_set.seal_domain or "an earlier server"
            if not getattr(arc, "body_checked", True):
                # Without the body the AMS body hashes are unchecked, so the chain is only half verified.
                return (
                    f"The ARC headers say that {sealer}, which passed the message on, saw DMARC pass when "
                    "the message reached it. The ARC seals were checked and are valid, but the body could "
                    "not be checked because only headers were pasted, so the chain is not fully verified; "
                    "paste the whole message to check it. "
                )
            return (
                f"But a valid ARC seal shows that {sealer}, which passed the message on, saw DMARC pass "
                f"when the message reached it; receivers that trust {sealer}'s ARC (Gmail and Microsoft "
                "365 do for known lists and forwarders) may deliver it anyway. "
            )
    return ""
