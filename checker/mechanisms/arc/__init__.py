"""ARC chain validation (RFC 8617), DNS through an injected resolver."""

from checker.mechanisms.arc.verify import ArcReport, ArcSetResult, verify_arc

__all__ = ["ArcReport", "ArcSetResult", "verify_arc"]
