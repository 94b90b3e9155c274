"""Running a Node script of this folder (real Pyodide under Node) from a test, and reading what it printed."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def run_node(script: str, *args: str, timeout: int, env: Mapping[str, str] | None = None):
    """``node tests/pyodide/<script> args...`` from the repository; fails the test when Node is missing."""
    if shutil.which("node") is None:
        pytest.fail("Node is not installed; the Pyodide tests need it (see README: make test).")
    return subprocess.run(
        ["node", str(REPO / "tests" / "pyodide" / script), *args],
        cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False, env=env,
    )


def tail(completed: subprocess.CompletedProcess) -> str:
    return f"{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"


def marked_json(completed: subprocess.CompletedProcess, marker: str) -> dict:
    """The JSON on the last line that starts with ``marker`` and a space; fails the test without one."""
    lines = [line for line in completed.stdout.splitlines() if line.startswith(f"{marker} ")]
    assert lines, f"no {marker} line from the Pyodide run:\n{tail(completed)}"
    return json.loads(lines[-1].removeprefix(f"{marker} "))
