"""Run the checker's core suites inside Pyodide under Node and require them to pass there too."""

import json
import sys
from pathlib import Path

import pytest
from node_runs import marked_json, run_node

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
import build_wheels  # noqa: E402
import pyodide_test_wheels  # noqa: E402

pytestmark = [pytest.mark.pyodide, pytest.mark.slow]
# The core suites passed 1,203 tests in Pyodide when this was written; far fewer means suites went missing.
MIN_PASSED = 1000


@pytest.fixture(scope="module")
def pyodide_run() -> dict:
    build_wheels.build(quiet=True)
    pyodide_test_wheels.fetch_test_wheels()
    completed = run_node("run_checker_tests.mjs", timeout=900)
    printed = marked_json(completed, "PYODIDE_SUMMARY")
    summary = json.loads((REPO / "build" / "pyodide-test-results.json").read_text(encoding="utf-8"))
    assert summary["exit_code"] == printed["exit_code"]
    summary["output"] = completed.stdout
    return summary


def test_runs_in_python_314_webassembly(pyodide_run):
    assert pyodide_run["platform"] == "emscripten"
    assert pyodide_run["python"].startswith("3.14")


def test_core_suites_pass_in_pyodide(pyodide_run):
    tail = pyodide_run["output"][-4000:]
    assert pyodide_run["failed"] == 0 and pyodide_run["error"] == 0, tail
    assert pyodide_run["exit_code"] == 0, tail
    assert pyodide_run["passed"] >= MIN_PASSED, tail


def test_ed25519_dkim_passes_in_pyodide(pyodide_run):
    # It must have passed inside Pyodide: ed25519 is our own code, the one path dkimpy does not cover.
    ed25519_test = (
        "tests/pyodide/inside/test_pyodide_smoke.py::test_ed25519_and_rsa_signatures_of_rfc8463_pass"
    )
    assert ed25519_test in pyodide_run["passed_ids"], pyodide_run["output"][-3000:]
