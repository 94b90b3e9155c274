"""Shared helpers for the issue 9 hardening tests: CPU timing and a resolver with nothing in it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from checker.shared.dns.zone import ZoneResolver

RECEIVED = "Received: from a.example (a.example [192.0.2.1]) by b.example; Mon, 1 Jan 2024 00:00:00 +0000\r\n"
CPU_SECONDS_PER_100KB = 1.0


def cpu_seconds(work: Callable[[], Any]) -> tuple[float, Any]:
    """CPU seconds ``work`` took in this process, and what it returned."""
    start = time.process_time()
    result = work()
    return time.process_time() - start, result


def analyze(text: str | bytes, resolver: Any = None) -> Any:
    from checker.analyses.headers.analyze import analyze_headers

    return asyncio.run(analyze_headers(text, resolver=resolver or ZoneResolver()))


STALL_FACTOR = 10


def within_budget(size_bytes: int, seconds: float) -> bool:
    """No stall: under ten times the issue's target of 1 s CPU per 100 KB (floor 1 s).

    The target itself is a benchmark (``python scripts/fuzz.py`` prints the figures); this guard only
    catches the quadratic and exponential blow-ups the issue found (23 s, minutes), on any machine.
    """
    return seconds < STALL_FACTOR * max(1.0, CPU_SECONDS_PER_100KB * size_bytes / 100_000)
