"""What a requirement judge answers: met, not met or could not check, with its evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MET = "met"
NOT_MET = "not_met"
UNKNOWN = "could_not_check"


@dataclass(frozen=True)
class Finding:
    """A judge's answer; ``lookup_failed`` marks "could not check" caused by DNS trouble, not by the input."""

    outcome: str
    explanation: str
    evidence: dict[str, Any] = field(default_factory=dict)
    lookup_failed: bool = False
