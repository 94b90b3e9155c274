"""The DoH resolvers run unchanged in Pyodide: pyodide_fetch against the real local DoH server, under Node."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from dohserver import DohServer, fixture_zone

pytestmark = [pytest.mark.pyodide, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]


def test_pyodide_fetch_speaks_both_doh_formats_in_webassembly() -> None:
    if shutil.which("node") is None:
        pytest.fail("Node is not installed; the Pyodide tests need it (see README: make test).")
    if not (REPO / "dist" / "wheels" / "pyodide-lock.json").exists():
        pytest.fail("dist/wheels is empty: run scripts/build_wheels.py first.")
    with DohServer(fixture_zone("acme-mail.yml")) as server:
        completed = subprocess.run(
            ["node", str(REPO / "tests" / "dns" / "pyodide_doh_smoke.mjs"), server.base_url],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("PYODIDE_DOH ")]
    assert lines, completed.stdout[-2000:] + completed.stderr[-2000:]
    result = json.loads(lines[-1].removeprefix("PYODIDE_DOH "))
    assert result["platform"] == "emscripten" and result["python"].startswith("3.14")
    expected = ["ok", ["10 mx1.acme.example", "20 mx2.acme.example"], "nxdomain"]
    assert result["answers"] == {"wire-get": expected, "wire-post": expected, "json": expected}
    assert result["verdicts"] == ["info", "pass"] and result["checks"] >= 15
    assert result["unreachable"] == "error"
