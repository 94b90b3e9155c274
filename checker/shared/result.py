"""The shape every analysis returns: checks with a verdict, a reason code and an explanation."""

from __future__ import annotations

import dataclasses
import enum
import json
from dataclasses import dataclass, field
from typing import Any


class Verdict(enum.StrEnum):
    """How a single check came out, from the reader's point of view."""

    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    INFO = "info"
    ERROR = "error"  # the check could not be made (DNS failure, malformed input...)


@dataclass(frozen=True)
class Check:
    """One verdict with its stable reason code, the evidence and a plain-English explanation.

    ``reason`` is a stable dotted code such as ``"spf.too_many_lookups"``; ``explanation`` is one
    to three sentences a non-expert understands; ``link`` is a catalog entry id or a path on the
    site (``"/errors/550-5-7-26-gmail-unauthenticated/"``) where one applies.
    """

    name: str
    verdict: Verdict
    reason: str
    explanation: str
    evidence: dict[str, Any] = field(default_factory=dict)
    link: str | None = None


@dataclass(frozen=True)
class InputError:
    """Bad input, said clearly: what is wrong, where, and how to fix it."""

    what: str
    where: str
    fix: str
    reason: str = "input.invalid"


def to_jsonable(value: Any) -> Any:
    """Turn dataclasses, enums, tuples, bytes and dates into JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def to_json(value: Any, *, indent: int | None = None) -> str:
    """Serialise any result object to a JSON string."""
    return json.dumps(to_jsonable(value), indent=indent, ensure_ascii=False)
