"""Amazon SES notifications (Bounce, Complaint, Delivery) mailed as JSON, bare or inside an SNS envelope."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from checker.pasted.bounce.dsn import typed_value
from checker.pasted.bounce.formats import find_codes, find_remote_host
from checker.pasted.bounce.model import MessageKind, RecipientStatus

_MAX_JSON = 1_000_000
_KINDS = {
    "bounce": MessageKind.BOUNCE,
    "complaint": MessageKind.FEEDBACK_REPORT,
    "delivery": MessageKind.DELIVERED,
}


@dataclass(frozen=True)
class SesNotification:
    """What an SES notification says, in the parser's terms."""

    kind: MessageKind
    recipients: tuple[RecipientStatus, ...]
    reporting_mta: str | None
    feedback_type: str | None


def _load(text: str) -> dict[str, Any] | None:
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start or end - start > _MAX_JSON:
        return None
    candidate = text[start : end + 1]
    # Mail transport may wrap long JSON lines; try the text as is, then with the wraps undone.
    for variant in (candidate, candidate.replace("\n", ""), re.sub(r"\n[ \t]?", "", candidate)):
        try:
            data = json.loads(variant)
        except ValueError:
            continue
        if isinstance(data, dict) and isinstance(data.get("Message"), str):  # the SNS envelope
            try:
                data = json.loads(data["Message"])
            except ValueError:
                return None
        return data if isinstance(data, dict) else None
    return None


def _recipient(address: Any, action: Any, status: Any, diagnostic: Any) -> RecipientStatus:
    diagnostic_text = typed_value(str(diagnostic)) if diagnostic else None
    reply, enhanced = find_codes(diagnostic_text or "")
    status_text = str(status) if status else None
    return RecipientStatus(
        recipient=str(address) if address else None,
        action=str(action).lower() if action else None,
        reply_code=reply,
        enhanced_status=status_text or enhanced,
        diagnostic=diagnostic_text,
        remote_mta=find_remote_host(diagnostic_text) if diagnostic_text else None,
        last_command=None,
    )


def parse_ses_notification(text: str) -> SesNotification | None:
    """The SES notification in ``text``, or ``None`` when there is none (or it is not valid JSON)."""
    if "notificationType" not in text:
        return None
    data = _load(text)
    if data is None:
        return None
    kind = _KINDS.get(str(data.get("notificationType", "")).lower())
    if kind is None:
        return None
    detail = data.get(str(data["notificationType"]).lower())
    detail = detail if isinstance(detail, dict) else {}
    recipients: list[RecipientStatus] = []
    feedback_type = None
    if kind is MessageKind.BOUNCE:
        for item in detail.get("bouncedRecipients") or []:
            if isinstance(item, dict):
                recipients.append(
                    _recipient(
                        item.get("emailAddress"),
                        item.get("action"),
                        item.get("status"),
                        item.get("diagnosticCode"),
                    )
                )
    elif kind is MessageKind.FEEDBACK_REPORT:
        feedback_type = detail.get("complaintFeedbackType")
        for item in detail.get("complainedRecipients") or []:
            if isinstance(item, dict):
                recipients.append(_recipient(item.get("emailAddress"), None, None, feedback_type))
    else:
        for address in detail.get("recipients") or []:
            recipients.append(_recipient(address, "delivered", None, detail.get("smtpResponse")))
    reporting = typed_value(str(detail.get("reportingMTA") or "")) or None
    return SesNotification(kind, tuple(recipients), reporting, str(feedback_type) if feedback_type else None)
