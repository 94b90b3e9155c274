"""checker/frontends/interrupt.py in CPython: SIGINT stops checker code as AnalysisStopped, and only it.

The worker raises SIGINT in Pyodide (tests/pyodide/test_stall_guard.py runs it there); here the signal
is raised by hand, with frames named as the checker's, the event loop's or nobody's.
"""

from __future__ import annotations

import asyncio
import json
import signal

import pytest

from checker.frontends import browser, interrupt


@pytest.fixture
def handler_installed():
    previous = signal.getsignal(signal.SIGINT)
    interrupt.install(15)
    yield
    signal.signal(signal.SIGINT, previous)


RAISE_AND_RETURN = "def work():\n    signal.raise_signal(signal.SIGINT)\n    return 'done'\n"


def _run_as(module: str, source: str) -> dict:
    namespace = {"__name__": module, "signal": signal}
    exec(compile(source, f"{module}.py", "exec"), namespace)
    return namespace


def test_checker_code_is_stopped_with_a_base_exception_that_per_part_guards_let_through(handler_installed):
    probe = _run_as("checker.probe", """
def parse():
    try:
        signal.raise_signal(signal.SIGINT)
    except Exception:
        return "carried on"
    return "not stopped"
""")
    with pytest.raises(interrupt.AnalysisStopped, match="more than 15 s without a break"):
        probe["parse"]()


def test_library_code_called_by_the_checker_is_stopped_too(handler_installed):
    library = _run_as("email.fake", RAISE_AND_RETURN)
    caller = _run_as("checker.caller", "def analyse(work):\n    return work()\n")
    with pytest.raises(interrupt.AnalysisStopped):
        caller["analyse"](library["work"])


@pytest.mark.parametrize("module", ["asyncio.fake", "pyodide.webloop", "_pyodide._base"])
def test_event_loop_code_between_the_signal_and_the_checker_is_left_alone(handler_installed, module):
    loop_code = _run_as(module, RAISE_AND_RETURN)
    caller = _run_as("checker.caller", "def analyse(step):\n    return step()\n")
    assert caller["analyse"](loop_code["work"]) == "done"


def test_code_outside_the_checker_is_left_alone(handler_installed):
    outside = _run_as("tests.outside", RAISE_AND_RETURN)
    assert outside["work"]() == "done"


def test_an_analysis_already_stopped_finishes_its_answer(handler_installed):
    probe = _run_as("checker.probe", """
def cleanup_after_stop(log):
    try:
        signal.raise_signal(signal.SIGINT)
    finally:
        signal.raise_signal(signal.SIGINT)  # asked again while unwinding: not raised twice
        log.append("cleaned up")
""")
    log: list[str] = []
    with pytest.raises(interrupt.AnalysisStopped):
        probe["cleanup_after_stop"](log)
    assert log == ["cleaned up"]


@pytest.mark.parametrize(
    ("where", "reason", "words"),
    [("Bounce", "input.too_slow", "pasted text"), ("Headers", "input.too_slow", "pasted text"),
     ("IP", "input.dns_too_slow", "DNS answers")],
)
def test_the_entry_point_answers_a_stopped_analysis_as_an_error_that_names_the_cause(
    handler_installed, where, reason, words
):
    probe = _run_as("checker.probe", "def parse():\n    signal.raise_signal(signal.SIGINT)\n")

    async def analysis(_request):
        return probe["parse"]()

    answer = json.loads(asyncio.run(browser._run("{}", where, analysis)))
    assert answer["ok"] is False
    assert answer["error"]["reason"] == reason and words in answer["error"]["what"]
    assert answer["error"]["fix"]
