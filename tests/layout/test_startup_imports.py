"""The analyzer's start-up imports only what an analysis uses: modules that only the command line needs
(urllib.request, http.client) or that the parser never uses (email.policy's modern header classes)
each cost tens of milliseconds of WebAssembly before the page is ready (scripts/bench_browser.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
# Imported by the browser's warm-up before: 670 ms of import and warm-up in Pyodide, about 480 without.
NOT_AT_START_UP = ("email.policy", "email.headerregistry", "urllib.request", "http.client", "html")
# Offered only under a first result, which comes after the worker has imported the whole bundle.
FOLLOW_UPS = (
    "checker.analyses.requirements",
    "checker.mechanisms.dmarc.next_step",
    "checker.mechanisms.spf.reduce",
)

WARM_UP = """
import json, sys
import checker.frontends.browser as browser
report = json.loads(browser.warm_up())
print(json.dumps({"ok": report["ok"], "modules": sorted(sys.modules)}))
"""


def test_warm_up_leaves_out_what_no_analysis_needs_at_start() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", WARM_UP],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    loaded = json.loads(completed.stdout.strip().splitlines()[-1])
    assert loaded["ok"]
    assert "checker.pasted.bounce.mime" in loaded["modules"]  # the warm-up did import the analyses
    assert [name for name in NOT_AT_START_UP if name in loaded["modules"]] == []
    assert [name for name in FOLLOW_UPS if name in loaded["modules"]] == []
