"""Repeated analyses in one page keep nothing behind: the page holds only the current result, and
neither the page, the worker nor the Python in it grows per analysis once the first ones have imported
what they use. Readings come from scripts/worker_probe.py (DevTools, after a garbage collection).

Bounds are per run of ``REPEATS`` analyses, far below what one kept result costs (its DOM, its JSON,
a proxy per call), and far above the noise of a run with nothing kept. scripts/bench_memory.py prints
the same readings over hundreds of analyses.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from worker_probe import Sample, WorkerProbe  # noqa: E402

WARM_UP = 8  # the first analyses import modules and fill bounded caches
REPEATS = 40
BOUNCE = (
    "550-5.7.26 Unauthenticated email from {domain} is not accepted due to domain's DMARC policy. "
    "Please contact the administrator of {domain} domain if this was a legitimate mail."
)


# Set, not filled: Playwright's fill() types, and Chromium keeps each replaced text in the textarea's
# undo history (browser-owned, capped at 1,000 steps): one node more per analysis that is not ours.
SET_TEXT = "(box, text) => { box.value = text; box.dispatchEvent(new Event('input', { bubbles: true })); }"


def run_bounces(page, numbers: range) -> None:
    for number in numbers:
        page.locator("#an-bounce-text").evaluate(SET_TEXT, BOUNCE.format(domain=f"example{number}.com"))
        page.evaluate("document.getElementById('an-result-bounce').removeAttribute('data-state')")
        page.click("#an-panel-bounce button[type=submit]")
        # A locator, not wait_for_selector(): a returned element handle would keep its element alive.
        page.locator("#an-result-bounce[data-state=done]").wait_for(state="attached", timeout=60_000)


def grew(before: Sample, after: Sample, key: str) -> list[str]:
    """Python types or containers with more entries after the repeats than before them."""
    old, new = before.python[key], after.python[key]
    return [f"{name} +{new[name] - old.get(name, 0)}" for name in new if new[name] - old.get(name, 0) > 2]


def test_repeated_bounces_keep_nothing_per_analysis(analyzer):
    page = analyzer.open_analyzer(tab="bounce")
    probe = WorkerProbe(page.context, page)
    run_bounces(page, range(WARM_UP))
    before, page_before, worker_before = probe.sample(WARM_UP), probe.page_census(), probe.worker_census()
    run_bounces(page, range(WARM_UP, WARM_UP + REPEATS))
    after, page_after = probe.sample(WARM_UP + REPEATS), probe.page_census()
    worker_after = probe.worker_census()

    # The page: only the last result is in the document, no old one is held detached, and the values
    # its scripts keep do not grow (one kept parsed result is about 4 KB).
    assert page.locator("#an-result-bounce .an-result-frame").count() == 1
    shown = page.locator("#an-result-bounce").inner_text()
    assert f"example{WARM_UP + REPEATS - 1}.com" in shown
    assert f"example{WARM_UP + REPEATS - 2}.com" not in shown
    assert after.nodes - before.nodes <= 10, (before.nodes, after.nodes)
    assert after.listeners - before.listeners <= 2, (before.listeners, after.listeners)
    assert page_after.size - page_before.size < 32 * 1024, (page_before, page_after)

    # The worker: no answer, request or Python proxy kept on the JavaScript side (each would be at
    # least one value per analysis, REPEATS in all; a clean run still varies by up to 15 values: V8's
    # own feedback and code caches) ...
    assert worker_after.count - worker_before.count < REPEATS * 3 // 4, (worker_before, worker_after)
    assert worker_after.size - worker_before.size < 8 * 1024, (worker_before, worker_after)
    # ... and none in Python: no cache keyed by input, no copy of the 0.5 MB catalog, no result.
    assert before.malloc_used is not None and after.malloc_used is not None
    assert after.malloc_used - before.malloc_used < 64 * 1024, (before.malloc_used, after.malloc_used)
    assert after.py_objects - before.py_objects <= 60, grew(before, after, "types")
    assert not grew(before, after, "containers")
    assert after.wasm == before.wasm
