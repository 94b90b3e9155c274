"""The evidence the requirement rules read, gathered once from the analyses already made (no DNS)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from checker.analyses.headers.identity import dkim_identities, spf_identity
from checker.shared.result import Verdict


@dataclass(frozen=True)
class Facts:
    """What the message, the From domain's audit and the connecting IP's check showed.

    ``spf_source`` / ``dkim_source`` say where a result came from: ``"re-checked"`` (this checker
    evaluated it again) or ``"receiver"`` (the trusted Authentication-Results header).
    """

    analysis: Any  # checker.analyses.headers.analyze.HeadersAnalysis
    message: Any  # checker.pasted.message.ParsedMessage, or None
    domain_audit: Any  # checker.analyses.domain.audit.DomainAudit, or None
    ip_report: Any  # checker.analyses.ip.IpReport, or None
    from_domain: str | None
    spf_domain: str | None
    spf_result: str | None
    spf_source: str | None
    dkim_results: tuple[tuple[str, str], ...]
    dkim_source: str | None
    listunsub_reasons: frozenset[str]

    @property
    def dmarc(self) -> Any:
        """The RFC 7489 DMARC evaluation of the message, or None."""
        return getattr(self.analysis, "dmarc", None)

    @property
    def dmarc_audit(self) -> Any:
        """The DMARC section of the From domain's audit (``DmarcAudit``), when it audited that domain."""
        audit = self.domain_audit
        if audit is None or self.from_domain is None or getattr(audit, "domain", None) != self.from_domain:
            return None
        section = audit.section("DMARC")
        return getattr(section, "detail", None) if section is not None else None

    @property
    def first_external_hop(self) -> Any:
        """The Received hop where the message entered the receiving side, or None."""
        return getattr(getattr(self.analysis, "received", None), "first_external", None)

    def headers_named(self, name: str) -> tuple[str, ...]:
        """The values of every header called ``name`` in the pasted message."""
        if self.message is None:
            return ()
        return tuple(header.value for header in self.message.get_all(name))


def gather_facts(
    analysis: Any, message: Any = None, domain_audit: Any = None, ip_report: Any = None
) -> Facts:
    """Read SPF, DKIM and List-Unsubscribe results the way the headers analysis judged them."""
    trusted = next((entry.parsed for entry in analysis.auth_results if entry.trusted), None)
    # The analysis re-checks SPF against MAIL FROM; without MAIL FROM its re-check was for HELO only.
    rechecked = analysis.spf if analysis.mail_from is not None else None
    spf_domain, spf_result = spf_identity(rechecked, analysis.mail_from, None, trusted)
    spf_source = "re-checked" if rechecked is not None else ("receiver" if spf_result else None)
    dkim = tuple(dkim_identities(analysis.dkim, trusted))
    dkim_source = "re-checked" if analysis.dkim is not None else ("receiver" if dkim else None)
    reasons = frozenset(
        check.reason
        for check in analysis.checks
        if check.reason.startswith("listunsub.") and check.verdict is not Verdict.ERROR
    )
    return Facts(
        analysis=analysis,
        message=message,
        domain_audit=domain_audit,
        ip_report=ip_report,
        from_domain=analysis.from_domains[0] if analysis.from_domains else None,
        spf_domain=spf_domain,
        spf_result=(spf_result or None) and str(spf_result).lower(),
        spf_source=spf_source,
        dkim_results=dkim,
        dkim_source=dkim_source,
        listunsub_reasons=reasons,
    )
