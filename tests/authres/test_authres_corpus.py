"""The authres 1.2.0 doctest corpus (23 Authentication-Results values), run in full."""

import json
from pathlib import Path

import pytest

from checker.mechanisms.authres.parse import AuthenticationResults, parse_authentication_results
from checker.shared.result import InputError

CORPUS = Path(__file__).resolve().parents[1] / "corpora" / "authres" / "authres-doctest-cases.json"
CASES = json.loads(CORPUS.read_text(encoding="utf-8"))["cases"]


def _as_authres_structure(parsed: AuthenticationResults) -> dict:
    return {
        "authserv_id": parsed.authserv_id,
        "version": parsed.version,
        "results": [
            {
                "method": result.method,
                "version": result.method_version,
                "result": result.result,
                "reason": result.reason,
                "properties": [
                    {"type": p.ptype, "name": p.name, "value": p.value} for p in result.properties
                ],
            }
            for result in parsed.results
        ],
    }


def test_corpus_has_23_cases():
    assert len(CASES) == 23


@pytest.mark.parametrize("case", CASES, ids=[f"line{c['doctest_line']}" for c in CASES])
def test_authres_doctest_case(case):
    parsed = parse_authentication_results(case["header_value"])
    if case["expected"] == "parsed":
        assert isinstance(parsed, AuthenticationResults), parsed
        assert _as_authres_structure(parsed) == case["parsed"]
    elif isinstance(parsed, AuthenticationResults):
        # Issue 9: an imperfect header keeps every readable result and says what it skipped, where a
        # strict parser (the corpus's) rejects the whole header.
        assert any(problem.startswith("Skipped ") for problem in parsed.problems), parsed
    else:
        assert isinstance(parsed, InputError), parsed
        assert parsed.what and parsed.where and parsed.fix
