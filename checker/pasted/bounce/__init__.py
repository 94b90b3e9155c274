"""Bounce (DSN / NDR) parsing and matching bounce text to catalog entries.

``parse_bounce`` reads a bounce into a per-recipient report; ``analyze_bounce`` adds the catalog
entries that fit each recipient's diagnostic (via the shared ``match`` module) and explains them.
"""

from checker.pasted.bounce.analyze import analyze_bounce
from checker.pasted.bounce.model import (
    BounceAnalysis,
    BounceReport,
    MessageKind,
    RecipientAnalysis,
    RecipientStatus,
)
from checker.pasted.bounce.parse import MAX_BOUNCE_BYTES, parse_bounce

__all__ = [
    "MAX_BOUNCE_BYTES",
    "BounceAnalysis",
    "BounceReport",
    "MessageKind",
    "RecipientAnalysis",
    "RecipientStatus",
    "analyze_bounce",
    "parse_bounce",
]
