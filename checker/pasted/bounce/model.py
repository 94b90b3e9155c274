"""What a parsed bounce holds: the message kind and, per recipient, what the servers said."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from checker.pasted.bounce.codes import CodeExplanation
from checker.pasted.bounce.match import EntryMatch
from checker.shared.result import InputError


class MessageKind(enum.StrEnum):
    """What kind of automatic message was pasted."""

    BOUNCE = "bounce"  # delivery failed (RFC 3464 DSN or a non-standard NDR)
    DELAY = "delay"  # delivery is delayed and will be retried
    DELIVERED = "delivered"  # a success DSN (Action: delivered/relayed/expanded)
    FEEDBACK_REPORT = "feedback-report"  # RFC 5965 ARF: a spam complaint or similar
    AUTO_REPLY = "auto-reply"  # RFC 3834 auto-reply: vacation, out of office
    NOT_A_BOUNCE = "not-a-bounce"


@dataclass(frozen=True)
class RecipientStatus:
    """One recipient's outcome, as far as the bounce says it."""

    recipient: str | None
    action: str | None
    reply_code: int | None
    enhanced_status: str | None
    diagnostic: str | None
    remote_mta: str | None
    last_command: str | None
    original_recipient: str | None = None


@dataclass(frozen=True)
class BounceReport:
    """A parsed bounce: its kind, format family, the reporting server and each recipient."""

    kind: MessageKind
    format: str  # who wrote it: "postfix", "exim", "qmail", "sendmail", "exchange", "gmail", ... or "rfc3464"
    recipients: tuple[RecipientStatus, ...]
    reporting_mta: str | None
    provider: str | None
    feedback_type: str | None
    subject: str | None
    problems: tuple[InputError, ...] = ()
    dsn: bool = False  # True when RFC 3464 delivery-status fields were found


@dataclass(frozen=True)
class RecipientAnalysis:
    """One recipient with the catalog entries that fit its diagnostic, best first."""

    status: RecipientStatus
    matches: tuple[EntryMatch, ...]
    specific: bool  # True when a pattern in an entry matched, not only the codes
    explanation: str
    code: CodeExplanation | None = None  # the codes explained by class and subject (RFC 3463)


@dataclass(frozen=True)
class BounceAnalysis:
    """``parse_bounce``'s report plus catalog matches and a plain-English summary."""

    report: BounceReport
    recipients: tuple[RecipientAnalysis, ...]
    explanation: str
    problems: tuple[InputError, ...] = ()
