"""Checks that run inside Pyodide (run_checker_tests.mjs always includes this folder) and in CPython.

They pin what the browser build relies on: async tests run, ed25519 DKIM verifies with our own
pure-Python code, and the browser entry points answer JSON for bad input instead of raising.
"""

import asyncio
import importlib
import json
import pkgutil
from pathlib import Path

import checker
from checker.frontends.browser import analyze_bounce_json, audit_domain_json
from checker.mechanisms.dkim.verify import verify_dkim
from checker.shared.dns.zone import ZoneResolver

CORPUS = Path(__file__).resolve().parents[2] / "tests" / "corpora" / "dkim" / "mailauth" / "rfc8463-a3"
if not CORPUS.is_dir():  # inside Pyodide the tests live at /repo/tests
    CORPUS = Path("tests/corpora/dkim/mailauth/rfc8463-a3")


def _zone_from_mailauth_dns(path: Path) -> ZoneResolver:
    records = {}
    for name, types in json.loads(path.read_text()).items():
        for rtype, values in types.items():
            records[(name, rtype)] = ["".join(v) if isinstance(v, list) else v for v in values]
    return ZoneResolver(records=records)


async def test_event_loop_runs_coroutines():
    assert await asyncio.sleep(0, result="ok") == "ok"


async def test_ed25519_and_rsa_signatures_of_rfc8463_pass():
    resolver = _zone_from_mailauth_dns(CORPUS / "dns.json")
    report = await verify_dkim((CORPUS / "signed.eml").read_bytes(), resolver=resolver, now=1528637909)
    verdicts = {s.to_check().evidence.get("algorithm", i): s.passed for i, s in enumerate(report.signatures)}
    assert len(report.signatures) == 2
    assert all(verdicts.values()), [s.to_check() for s in report.signatures]


async def test_browser_entry_point_answers_bad_input_with_json():
    answer = json.loads(await analyze_bounce_json("not json"))
    assert answer["ok"] is False
    assert answer["error"]["what"] and answer["error"]["fix"]
    empty_zone = ZoneResolver(records={})
    answer = json.loads(await audit_domain_json(json.dumps({"domain": ""}), resolver=empty_zone))
    assert answer["ok"] is False and answer["error"]["reason"] == "input.empty"


def test_every_checker_module_imports():
    # In Pyodide this proves no module needs something the self-hosted runtime lacks.
    failures = {}
    for module in pkgutil.walk_packages(checker.__path__, "checker."):
        if module.name.endswith("__main__"):  # importing it runs the CLI
            continue
        try:
            importlib.import_module(module.name)
        except Exception as exc:
            failures[module.name] = repr(exc)
    assert not failures, failures
