"""DMARC verdicts as displayable checks, for the message (headers) analysis."""

from __future__ import annotations

from checker.mechanisms.dmarc.author import AuthorDomains
from checker.mechanisms.dmarc.evaluate import DmarcEvaluation
from checker.shared.result import Check, Verdict

VERDICT_OF_DMARC = {
    "pass": Verdict.PASS,
    "fail": Verdict.FAIL,
    "none": Verdict.WARN,
    "temperror": Verdict.ERROR,
    "permerror": Verdict.FAIL,
}


def dmarc_checks(
    authors: AuthorDomains,
    dmarc: DmarcEvaluation | None,
    dmarc_9989: DmarcEvaluation | None = None,
    receiver_result: str | None = None,
) -> list[Check]:
    """Checks for a message's DMARC verdict: the verdict, one per alignment row, and disagreements.

    ``dmarc_9989`` is the same message judged by RFC 9989 rules; ``receiver_result`` is the dmarc=
    result the receiving server recorded in its trusted Authentication-Results header.
    """
    if authors.error is not None:
        return [
            Check("DMARC", Verdict.ERROR, authors.error.reason, f"{authors.error.what} {authors.error.fix}")
        ]
    if dmarc is None:
        return []
    evidence = {
        "record": dmarc.record.raw if dmarc.record else None,
        "record_domain": dmarc.record_domain,
        "policy": dmarc.policy,
        "disposition": dmarc.disposition,
        "sampling": dmarc.sampling,
        "aligned_by": list(dmarc.aligned_by),
        "fixes": list(dmarc.fixes),
    }
    checks = [
        Check(
            "DMARC",
            VERDICT_OF_DMARC.get(dmarc.result, Verdict.ERROR),
            f"dmarc.{dmarc.result}",
            dmarc.explanation,
            evidence,
        )
    ]
    for row in dmarc.alignment:
        checks.append(
            Check(
                f"Alignment ({row.source} {row.domain})",
                Verdict.PASS if row.aligned else Verdict.INFO,
                "dmarc.aligned" if row.aligned else "dmarc.not_aligned",
                row.why,
                {"relaxed": row.relaxed, "strict": row.strict, "mode": row.mode},
            )
        )
    if dmarc_9989 is not None and (dmarc_9989.result, dmarc_9989.policy) != (dmarc.result, dmarc.policy):
        checks.append(
            Check(
                "DMARC (RFC 9989)",
                Verdict.INFO,
                "dmarc.methods_differ",
                f"Under the newer RFC 9989 rules the result would be {dmarc_9989.result} "
                f"(policy {dmarc_9989.policy}) instead of {dmarc.result} (policy {dmarc.policy}).",
                {"rfc9989_record_domain": dmarc_9989.record_domain},
            )
        )
    claimed = receiver_result
    if claimed and dmarc.result == "temperror":
        # A lookup that failed now says nothing about what the receiver saw then: no "may have changed".
        checks.append(
            Check(
                "DMARC (receiver)",
                Verdict.INFO,
                "dmarc.receiver_unconfirmed",
                f"The receiving server recorded dmarc={claimed}. It could not be checked again here because "
                "a DNS lookup failed, so that result is neither confirmed nor contradicted.",
                {"receiver": claimed, "now": dmarc.result},
            )
        )
    elif claimed and claimed != dmarc.result:
        checks.append(
            Check(
                "DMARC (receiver)",
                Verdict.INFO,
                "dmarc.receiver_disagrees",
                f"The receiving server recorded dmarc={claimed}, but re-checking now gives "
                f"{dmarc.result}; DNS records or the message may have changed since delivery.",
                {"receiver": claimed, "now": dmarc.result},
            )
        )
    return checks
