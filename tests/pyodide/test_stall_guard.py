"""The analyzer worker's stall guard with the checker's SIGINT handler, in real Pyodide under Node.

An analysis that holds Python without a break is stopped from inside the worker (issue 9: a shared worker
cannot be terminated), answered as a structured error that names the cause, and the same Python serves
the next analysis. Work that gives the thread back, start-up, and code that is not the checker's are
never stopped. The limit here is 0.4 s instead of the worker's 15 s; stall_guard_run.mjs plants a
runaway (a loop that never ends, a regular expression that backtracks for ever) in code named as part
of the checker, since no real input runs away any more.
"""

import sys
from pathlib import Path

import pytest
from node_runs import marked_json, run_node

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
import build_wheels  # noqa: E402

pytestmark = [pytest.mark.pyodide, pytest.mark.slow]
LIMIT_MS = 400


@pytest.fixture(scope="module")
def cases() -> dict:
    build_wheels.build(quiet=True)
    completed = run_node("stall_guard_run.mjs", str(LIMIT_MS), timeout=300)
    return marked_json(completed, "STALL_GUARD")["cases"]


@pytest.mark.parametrize("case", ["spin", "backtrack"])
def test_a_runaway_on_pasted_text_is_stopped_near_the_limit_and_blames_the_text(cases, case):
    outcome = cases[case]
    assert outcome["ok"] is False and outcome["reason"] == "input.too_slow", outcome
    assert "pasted text" in outcome["what"] and "DNS" not in outcome["what"], outcome
    assert LIMIT_MS <= outcome["ms"] < LIMIT_MS + 1500, outcome


def test_a_runaway_on_dns_answers_says_so(cases):
    outcome = cases["dns_kind"]
    assert outcome["ok"] is False and outcome["reason"] == "input.dns_too_slow", outcome
    assert "DNS answers" in outcome["what"], outcome


def test_the_same_python_answers_the_next_analysis(cases):
    assert cases["after_stop"] == {**cases["after_stop"], "ok": True, "result": "fine"}


def test_work_that_gives_the_thread_back_is_never_stopped(cases):
    # 2.5 times the limit in all, in bursts of a quarter of it with short waits between them.
    outcome = cases["yielding"]
    assert outcome.get("finished") is True, outcome
    assert outcome["ms"] >= LIMIT_MS * 2.5, outcome


@pytest.mark.parametrize("case", ["unarmed", "outside_checker"])
def test_start_up_and_code_outside_the_checker_are_not_stopped(cases, case):
    outcome = cases[case]
    assert outcome.get("result") == "done", outcome
    assert outcome["ms"] >= LIMIT_MS * 2, outcome
