"""analyze_bounce: parse a bounce, then rank the catalog's entries for each recipient and explain."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checker.pasted.bounce.catalog import PreparedCatalog, prepare_catalog
from checker.pasted.bounce.codes import CodeExplanation, explain_code
from checker.pasted.bounce.match import EntryMatch, rank_entries
from checker.pasted.bounce.model import (
    BounceAnalysis,
    BounceReport,
    MessageKind,
    RecipientAnalysis,
    RecipientStatus,
)
from checker.pasted.bounce.parse import parse_bounce
from checker.pasted.bounce.provider import guess_provider

TOP_MATCHES = 3
# Providers that are blocklists, not mail servers: a bounce cites them, it is not sent by them.
_CITED_PROVIDERS = frozenset({"spamhaus"})

_KIND_EXPLANATIONS = {
    MessageKind.FEEDBACK_REPORT: (
        "This is a feedback report (RFC 5965), not a bounce: a mailbox provider tells you that a recipient "
        "reported your message{feedback}. Remove that recipient from your list."
    ),
    MessageKind.AUTO_REPLY: (
        "This is an automatic reply (RFC 3834), such as an out-of-office or vacation message, not a bounce: "
        "your message was delivered."
    ),
    MessageKind.DELIVERED: "This is a delivery report that says the message was delivered; nothing failed.",
    MessageKind.NOT_A_BOUNCE: (
        "This does not look like a bounce: no delivery status, SMTP error code or failure notice was found. "
        "Paste the whole bounce message, or the line with the error code."
    ),
}


def _codes(status: RecipientStatus) -> str:
    parts = [str(code) for code in (status.reply_code, status.enhanced_status) if code]
    return " ".join(parts) if parts else "no code"


WHO_ACTS = {
    "sender-admin": "the sending side's mail administrator",
    "recipient-admin": "the recipient's mail administrator",
    "sender": "the person who sent the message",
    "nobody": "nobody yet: the sending server retries on its own",
}


def first_step_line(match: EntryMatch) -> str | None:
    """The entry's first step and who takes it, as the line a bounce verdict leads with."""
    if not match.first_step:
        return None
    who = WHO_ACTS.get(match.who_acts or "")
    return f"First step ({who}): {match.first_step}" if who else f"First step: {match.first_step}"


def _explain_recipient(
    status: RecipientStatus,
    matches: list[EntryMatch],
    who: str,
    kind: MessageKind,
    code: CodeExplanation | None,
) -> str:
    recipient = status.recipient or "the recipient"
    verb = "delayed the message to" if kind is MessageKind.DELAY else "refused the message to"
    if matches and matches[0].pattern_hit:
        top = matches[0]
        reasons = _join(list(top.decided_by)) or "the text"
        step = first_step_line(top)
        lead = f"{step} " if step else ""
        return f"{lead}{who} {verb} {recipient}: {top.title}. This entry fits because {reasons}."
    if matches:
        return (
            f"{who} {verb} {recipient} with {_codes(status)}. The code alone cannot tell the exact cause; "
            f'the general entry for it is "{matches[0].title}". Read the server\'s text for details.'
        )
    if code is not None:
        closest = f' The closest general page is "{code.closest_title}".' if code.closest_title else ""
        return (
            f"{who} {verb} {recipient} with {_codes(status)}. No catalog entry matches this text. "
            f"What the code itself says: {code.explanation}{closest}"
        )
    return f"{who} {verb} {recipient}, but the bounce gives no SMTP code or reason that could be matched."


def _recipient_provider(
    status: RecipientStatus, report: BounceReport, providers: Mapping[str, Any]
) -> str | None:
    """The provider that refused this recipient: one bounce can hold refusals from several providers.

    The recipient's own Remote-MTA and diagnostic decide; the message-wide guess is used only when the
    recipient names no remote server (a pasted line, an NDR without Remote-MTA).
    """
    own = guess_provider(
        remote_hosts=[status.remote_mta] if status.remote_mta else [],
        text=status.diagnostic or "",
        providers=providers,
    )
    if own is not None or status.remote_mta:
        return own
    return report.provider


def _join(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c': a list a reader scans in one go."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def _who(provider: str | None, remote_mta: str | None, providers: Mapping[str, Any]) -> str:
    """Who refused, for the explanation: the provider's name, else the remote host, else a generic phrase."""
    info = providers.get(provider or "", {})
    name = info.get("name") if isinstance(info, Mapping) else None
    if name and provider not in _CITED_PROVIDERS:
        return str(name)
    who = remote_mta or "The receiving server"
    return f"{who} (citing {name})" if name else who


def _summary(report: BounceReport, analyses: list[RecipientAnalysis]) -> str:
    if report.kind in _KIND_EXPLANATIONS:
        feedback = f" (feedback type: {report.feedback_type})" if report.feedback_type else ""
        return _KIND_EXPLANATIONS[report.kind].format(feedback=feedback)
    if not analyses:
        return "This looks like a bounce, but no recipient or error could be read from it."
    lines = [analysis.explanation for analysis in analyses[:3]]
    if report.kind is MessageKind.DELAY:
        lines.append("This is a delay notice: the sender keeps retrying; nothing needs resending yet.")
    if len(analyses) > 3:
        lines.append(f"{len(analyses) - 3} more recipients failed; see the list below.")
    return " ".join(lines)


def _provider_name(provider: str | None, providers: Mapping[str, Any]) -> str | None:
    """The display name of a provider id from the catalog's provider table, if it has one."""
    info = providers.get(provider) if provider else None
    name = info.get("name") if isinstance(info, Mapping) else None
    return name if isinstance(name, str) and name else None


def analyze_bounce(text: str | bytes, *, catalog: Mapping[str, Any] | PreparedCatalog) -> BounceAnalysis:
    """Parse a bounce and rank catalog entries per recipient; problems come back in the result.

    ``catalog`` is the parsed ``catalog.json`` (``{"entries": [...], "providers": {id: {name, hosts}}}``)
    or, for many bounces in a row, that catalog prepared once with ``prepare_catalog``.
    """
    prepared = prepare_catalog(catalog)
    compiled, providers = prepared.entries, prepared.providers
    report = parse_bounce(text, providers=providers)
    fallback_remote = next((r.remote_mta for r in report.recipients if r.remote_mta), None)
    analyses = []
    if report.kind in (MessageKind.BOUNCE, MessageKind.DELAY):
        for status in report.recipients:
            provider = _recipient_provider(status, report, providers)
            who = _who(provider, status.remote_mta or fallback_remote, providers)
            matches = rank_entries(
                status.diagnostic or "",
                compiled,
                reply_code=status.reply_code,
                enhanced_code=status.enhanced_status,
                provider=provider,
                provider_name=_provider_name(provider, providers),
                limit=TOP_MATCHES,
            )
            code = explain_code(status.reply_code, status.enhanced_status, compiled)
            analyses.append(
                RecipientAnalysis(
                    status=status,
                    matches=tuple(matches),
                    specific=any(match.pattern_hit for match in matches),
                    explanation=_explain_recipient(status, matches, who, report.kind, code),
                    code=code,
                )
            )
    problems = report.problems + ((prepared.problem,) if prepared.problem else ())
    return BounceAnalysis(report, tuple(analyses), _summary(report, analyses), problems)
