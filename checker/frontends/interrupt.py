"""Stopping an analysis that holds the browser's Python too long, without ending the worker.

The analyzer's worker (overrides/assets/analyzer/stall-guard.mjs) raises SIGINT in Python when one
analysis has run for too long without giving the thread back. The handler installed here turns it into
:class:`AnalysisStopped`, which the browser entry points catch and answer as a structured error, so the
same Python serves the next analysis. It derives from BaseException so that the checker's per-part
guards (``except Exception``) let it through instead of carrying on with the next part.

A signal can arrive anywhere, including inside the event loop's own bookkeeping, where an exception
would leave a task that never finishes. So the handler stops only code that runs on behalf of the
checker: walking out from the interrupted frame (which may be the standard library or a dependency the
checker called), a frame of the checker's own must come before any frame of asyncio or Pyodide's event
loop. Elsewhere it declines, and the worker asks again a moment later.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType

_CHECKER_PACKAGE = __name__.split(".", 1)[0]
# Code that runs tasks, not analyses: an exception raised in it would not reach the analysis.
_EVENT_LOOP_MODULES = ("asyncio", "pyodide", "_pyodide")


class AnalysisStopped(BaseException):
    """One analysis held Python longer than the worker allows; it was stopped, nothing else."""


def _module_of(frame: FrameType) -> str:
    return str(frame.f_globals.get("__name__", ""))


def _runs_for_the_checker(frame: FrameType | None) -> bool:
    """True when the innermost frame that is either the checker's or the event loop's is the checker's."""
    while frame is not None:
        module = _module_of(frame)
        top = module.split(".", 1)[0]
        if top == _CHECKER_PACKAGE:
            return True
        if top in _EVENT_LOOP_MODULES:
            return False
        frame = frame.f_back
    return False


def install(limit_seconds: float) -> None:
    """Make SIGINT stop the running analysis (``limit_seconds`` is the worker's limit, for the message).

    Pure Python state, so it survives in the worker's memory snapshot.
    """

    def handler(_signum: int, frame: FrameType | None) -> None:
        # The worker asks again while the thread stays busy: an analysis already stopped and unwinding
        # (its finally blocks, the entry point's except clause) is left to answer.
        if isinstance(sys.exception(), AnalysisStopped) or not _runs_for_the_checker(frame):
            return
        raise AnalysisStopped(f"held the analyzer for more than {limit_seconds:g} s without a break")

    signal.signal(signal.SIGINT, handler)
