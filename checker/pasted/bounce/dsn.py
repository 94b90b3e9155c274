"""RFC 3464 delivery-status fields: per-message (Reporting-MTA) and per-recipient (Status, Action...).

Works on the text of a ``message/delivery-status`` part, and on any text that carries the same
"Name: value" fields (a pasted DSN, or an NDR that prints them in its body).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_FIELD = re.compile(r"^([A-Za-z][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*)$")
PER_MESSAGE_FIELDS = frozenset(
    {"reporting-mta", "received-from-mta", "arrival-date", "original-envelope-id", "dsn-gateway"}
)
PER_RECIPIENT_FIELDS = frozenset(
    {
        "final-recipient",
        "original-recipient",
        "x-actual-recipient",
        "action",
        "status",
        "remote-mta",
        "diagnostic-code",
        "last-attempt-date",
        "will-retry-until",
        "final-log-id",
    }
)
_RECIPIENT_EVIDENCE = ("final-recipient", "original-recipient", "status", "action", "diagnostic-code")
_MAX_LINES = 5000


@dataclass
class DsnFields:
    """Fields found: one dict for the message, one per recipient group (lower-cased names)."""

    per_message: dict[str, str] = field(default_factory=dict)
    recipients: list[dict[str, str]] = field(default_factory=list)


def typed_value(value: str) -> str:
    """The value after an RFC 3464 type prefix: ``rfc822; a@b`` gives ``a@b``, ``dns; mx`` gives ``mx``."""
    head, separator, tail = value.partition(";")
    if separator and re.fullmatch(r"\s*[A-Za-z][\w.-]*\s*", head):
        value = tail
    return " ".join(value.split()).strip().strip("<>").strip()


def parse_dsn_fields(text: str) -> DsnFields:
    """Read RFC 3464 fields from text; a blank line or a repeated recipient field starts a new group."""
    fields = DsnFields()
    current: dict[str, str] = {}
    last_name: str | None = None
    target: dict[str, str] | None = None

    def close() -> None:
        nonlocal current
        if any(name in current for name in _RECIPIENT_EVIDENCE):
            fields.recipients.append(current)
        current = {}

    for line in text.split("\n")[:_MAX_LINES]:
        if not line.strip():
            close()
            last_name, target = None, None
            continue
        if line[:1] in (" ", "\t") and last_name and target is not None:
            target[last_name] = f"{target[last_name]} {line.strip()}"
            continue
        found = _FIELD.match(line)
        if not found:
            last_name, target = None, None
            continue
        name, value = found.group(1).lower(), found.group(2).strip()
        if name in PER_MESSAGE_FIELDS:
            fields.per_message.setdefault(name, value)
            last_name, target = name, fields.per_message
        elif name in PER_RECIPIENT_FIELDS:
            if name in current:
                close()
            current[name] = value
            last_name, target = name, current
        else:
            last_name, target = None, None
    close()
    return fields
