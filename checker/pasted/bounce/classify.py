"""Tell a bounce from a delay notice, a feedback report (RFC 5965), an auto-reply (RFC 3834), other mail."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from checker.pasted.bounce.model import MessageKind

_BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery (?:status notification|failure|failed|has failed|problem)|returned mail|"
    r"mail delivery (?:failed|failure|subsystem|system)|failure notice|non[- ]?delivery|"
    r"could not be delivered|"
    r"rejected|bounce|error|failed delivery|delivery report|fehlgeschlagen|unzustellbar|エラー|不達|未達",
    re.IGNORECASE,
)
_BOUNCE_SENDER = re.compile(
    r"mailer-daemon|post_?master|mail delivery (?:sub)?system|mail-daemon", re.IGNORECASE
)
_DELAY_WORDS = re.compile(
    r"\(Delay\)|delivery (?:has been |is )?delayed|has not yet been delivered|will (?:continue|keep) trying|"
    r"will retry|Warning: (?:could not send|message still undelivered)|still (?:trying|undelivered)|"
    r"delivery attempts will continue|will be retried|THIS IS A WARNING ONLY|Delayed Mail",
    re.IGNORECASE,
)
_BOUNCE_TEXT = re.compile(
    r"could ?n[o']t be delivered|undeliverable|unable to deliver|delivery (?:to the following [\w()]+ )?"
    r"(?:has )?failed|failed permanently|permanent (?:fatal )?errors?|not a member of this mailing list",
    re.IGNORECASE,
)
# How a server's refusal reads when someone pastes only its words, without a code.
_REFUSAL_TEXT = re.compile(
    r"\b(?:rejected|refused|denied|not accepted|not allowed|not permitted|blocked|black-?listed|"
    r"block-?listed|does(?: not|n't) exist|no such (?:user|mailbox|recipient|domain)|user unknown|"
    r"unknown (?:user|recipient)|over[\s_-]*quota|quota exceeded|"
    r"mailbox (?:is )?(?:full|unavailable|disabled)|"
    r"unrouteable|relaying|greylist|try again later|too many|unauthenticated|policy)\b",
    re.IGNORECASE,
)
_SHORT_PASTE = 2000
_AUTO_REPLY_SUBJECT = re.compile(
    r"^(?:auto(?:matic)?[ -]?(?:reply|response|antwort)|out of (?:the )?office|vacation|absence|abwesen|"
    r"autoreply|auto:)",
    re.IGNORECASE,
)
_FAILED_ACTIONS = {"failed"}
_DELAY_ACTIONS = {"delayed"}
# "deliverable" is not in RFC 3464 but some MTAs answer address-verification probes with it.
_SUCCESS_ACTIONS = {"delivered", "relayed", "expanded", "deliverable"}


def classify(
    *,
    headers: Mapping[str, str],
    report_type: str | None,
    has_feedback_part: bool,
    actions: Sequence[str],
    has_delivery_status: bool,
    text: str,
    codes_found: bool,
    format_name: str | None,
    transient_only: bool = False,
) -> MessageKind:
    """The kind of automatic message, from report type, DSN actions, headers and wording.

    ``headers`` maps lower-cased header names of the pasted message to their values;
    ``transient_only`` says every SMTP code found is temporary (4xx, 4.x.x).
    """
    if report_type == "feedback-report" or has_feedback_part:
        return MessageKind.FEEDBACK_REPORT
    lowered_actions = {action.lower() for action in actions if action}
    if lowered_actions:
        if lowered_actions & _FAILED_ACTIONS:
            return MessageKind.BOUNCE
        if lowered_actions <= _DELAY_ACTIONS:
            return MessageKind.DELAY
        if lowered_actions <= _SUCCESS_ACTIONS:
            return MessageKind.DELIVERED
    subject = headers.get("subject", "")
    sender = headers.get("from", "")
    looks_like_bounce = (
        has_delivery_status
        or report_type == "delivery-status"
        or format_name is not None
        or bool(_BOUNCE_SUBJECT.search(subject))
        or bool(_BOUNCE_SENDER.search(sender))
        or bool(_BOUNCE_TEXT.search(text[:5000]))
        or (not headers and len(text) <= _SHORT_PASTE and bool(_REFUSAL_TEXT.search(text)))
    )
    auto_submitted = headers.get("auto-submitted", "").strip().lower()
    auto_reply = (
        auto_submitted.startswith("auto-replied")
        or "x-autoreply" in headers
        or "x-autorespond" in headers
        or headers.get("precedence", "").strip().lower() == "auto_reply"
        or bool(_AUTO_REPLY_SUBJECT.search(subject.strip()))
    )
    if auto_reply and not (has_delivery_status or _BOUNCE_SENDER.search(sender) or format_name):
        return MessageKind.AUTO_REPLY
    if looks_like_bounce or codes_found:
        if _DELAY_WORDS.search(subject) or _DELAY_WORDS.search(text[:5000]):
            return MessageKind.DELAY
        # A bare SMTP reply with only 4xx codes ("421 4.7.0 ... deferred") is a temporary refusal the
        # sending server retries; a bounce that says it failed keeps BOUNCE (retries may have run out).
        if transient_only and not looks_like_bounce:
            return MessageKind.DELAY
        return MessageKind.BOUNCE
    return MessageKind.NOT_A_BOUNCE
