"""Gmail, Yahoo and Outlook.com sender requirements judged side by side from analyses already made.

Pure: it reads a ``HeadersAnalysis`` (and, when given, the parsed message, the From domain's
``DomainAudit`` and the connecting IP's ``IpReport``) and does no DNS of its own.

Verdicts: met is ``pass``; not met is ``fail`` for a requirement and ``warn`` for a recommendation;
could not check is ``error`` when a DNS lookup failed and ``info`` when the evidence cannot be in a
message at all (spam rate, the rendered body) or was not supplied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from checker.analyses.requirements.facts import gather_facts
from checker.analyses.requirements.judges import JUDGES, MET, NOT_MET, UNKNOWN, Finding
from checker.analyses.requirements.providers import (
    ALL_SENDERS,
    PROVIDERS,
    RECOMMENDED,
    RULE_ORDER,
    Provider,
    RuleSpec,
    provider_rules,
)
from checker.shared.result import InputError, Verdict

_LABELS = {
    "spf_or_dkim": "SPF or DKIM passes",
    "spf_pass": "SPF passes",
    "dkim_pass": "DKIM passes",
    "dmarc_record": "DMARC record published",
    "dmarc_alignment": "From aligned with SPF or DKIM",
    "dmarc_pass": "DMARC passes",
    "reverse_dns": "PTR and forward-confirmed reverse DNS",
    "tls": "TLS in transit",
    "unsubscribe": "Unsubscribe",
    "from_header": "Valid From header",
    "single_headers": "Single-instance headers once",
    "message_id": "Message-ID present",
    "spam_rate": "Spam rate under 0.3%",
}


@dataclass(frozen=True)
class RequirementRow:
    """One provider's rule and how this message measures up to it."""

    provider: str
    rule: str
    name: str
    requirement: str
    applies_to: str  # "all" senders or "bulk" senders
    level: str  # "required" or "recommended"
    outcome: str  # "met", "not_met" or "could_not_check"
    verdict: Verdict
    reason: str  # requirements.<rule>.<outcome>
    explanation: str
    evidence: dict[str, Any] = field(default_factory=dict)
    source_url: str = ""


@dataclass(frozen=True)
class ProviderRequirements:
    """One provider's rows, its bulk-sender threshold and a one-line summary."""

    provider: str
    name: str
    verdict: Verdict
    summary: str
    bulk_threshold: str
    pages: tuple[str, ...]
    rows: tuple[RequirementRow, ...]


@dataclass(frozen=True)
class MatrixRow:
    """One rule across providers: each cell is an outcome, or ``not_stated`` when the provider is silent."""

    rule: str
    name: str
    cells: dict[str, str]


@dataclass(frozen=True)
class SenderRequirements:
    """The three providers' rules for one message, grouped by provider, plus the side-by-side matrix."""

    from_domain: str | None
    connecting_ip: str | None
    providers: tuple[ProviderRequirements, ...]
    matrix: tuple[MatrixRow, ...]
    inputs: dict[str, bool]
    input_error: InputError | None = None


def evaluate_requirements(
    analysis: Any, *, message: Any = None, domain_audit: Any = None, ip_report: Any = None
) -> SenderRequirements:
    """Judge every provider rule from a ``HeadersAnalysis`` and the optional extra evidence; no DNS."""
    facts = gather_facts(analysis, message, domain_audit, ip_report)
    groups = tuple(_provider(provider, facts) for provider in PROVIDERS)
    matrix = tuple(
        MatrixRow(
            rule,
            _LABELS[rule],
            {group.provider: _cell(group, rule) for group in groups},
        )
        for rule in RULE_ORDER
    )
    problems = getattr(analysis, "problems", ())
    refused = not getattr(analysis, "checks", None) or (
        len(analysis.checks) == 1 and analysis.checks[0].reason.startswith("input.")
    )
    return SenderRequirements(
        from_domain=facts.from_domain,
        connecting_ip=analysis.connecting_ip,
        providers=groups,
        matrix=matrix,
        inputs={
            "headers": True,
            "message": message is not None,
            "domain_audit": facts.dmarc_audit is not None,
            "ip_check": ip_report is not None,
        },
        input_error=problems[0] if refused and problems else None,
    )


def _cell(group: ProviderRequirements, rule: str) -> str:
    outcomes = [row.outcome for row in group.rows if row.rule == rule]
    return outcomes[0] if outcomes else "not_stated"


def _provider(provider: Provider, facts: Any) -> ProviderRequirements:
    rows = tuple(_row(spec, JUDGES[spec.rule](facts, spec)) for spec in provider_rules(provider.id))
    verdict = _overall(rows)
    return ProviderRequirements(
        provider.id,
        provider.name,
        verdict,
        _summary(provider, rows),
        provider.bulk_threshold,
        provider.pages,
        rows,
    )


def _row(spec: RuleSpec, finding: Finding) -> RequirementRow:
    if finding.outcome == MET:
        verdict = Verdict.PASS
    elif finding.outcome == NOT_MET:
        verdict = Verdict.WARN if spec.level == RECOMMENDED else Verdict.FAIL
    else:
        verdict = Verdict.ERROR if finding.lookup_failed else Verdict.INFO
    return RequirementRow(
        provider=spec.provider,
        rule=spec.rule,
        name=_LABELS[spec.rule],
        requirement=spec.requirement,
        applies_to=spec.applies_to,
        level=spec.level,
        outcome=finding.outcome,
        verdict=verdict,
        reason=f"requirements.{spec.rule}.{finding.outcome}",
        explanation=finding.explanation,
        evidence=finding.evidence,
        source_url=spec.url,
    )


def _overall(rows: tuple[RequirementRow, ...]) -> Verdict:
    verdicts = {row.verdict for row in rows}
    for verdict in (Verdict.FAIL, Verdict.ERROR, Verdict.WARN):
        if verdict in verdicts:
            return verdict
    return Verdict.PASS


def _summary(provider: Provider, rows: tuple[RequirementRow, ...]) -> str:
    """One line: per audience, how many rules are met, which are not, how many could not be checked."""
    parts = []
    for audience, label in ((ALL_SENDERS, "All senders:"), ("bulk", "Bulk senders:")):
        group = [row for row in rows if row.applies_to == audience]
        if not group:
            continue
        met = sum(row.outcome == MET for row in group)
        missed = [row.name for row in group if row.outcome == NOT_MET]
        unknown = sum(row.outcome == UNKNOWN for row in group)
        details = ([f"not met: {', '.join(missed)}"] if missed else []) + (
            [f"{unknown} could not be checked"] if unknown else []
        )
        parts.append(f"{label} {met} of {len(group)} met" + (f" ({'; '.join(details)})" if details else ""))
    return f"{provider.name}: " + ". ".join(parts) + "."
