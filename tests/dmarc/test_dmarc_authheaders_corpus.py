"""ValiMail authheaders 0.16.3 cases (15): the expected Authentication-Results, method by method.

DMARC results (result token, header.from, policy.dmarc) are checked against our DMARC modules;
dkim= and arc= parts against the DKIM and ARC modules (written by other helpers). authheaders'
own comment wording ("Used Org Domain Record") is not portable and is not compared.
"""

from __future__ import annotations

import email
import json
from pathlib import Path

import pytest

from checker.mechanisms.authres.parse import AuthenticationResults, parse_authentication_results
from checker.mechanisms.dmarc import RFC7489, RFC9989, verify_dmarc
from checker.mechanisms.dmarc.author import author_domains, combine_evaluations
from checker.shared.dns.zone import ZoneResolver
from checker.shared.orgdomain import PublicSuffixes

CORPORA = Path(__file__).resolve().parents[1] / "corpora"
BASE = CORPORA / "dmarc" / "authheaders"
DATA = json.loads((BASE / "authheaders-cases.json").read_text(encoding="utf-8"))
CASES = DATA["cases"]
PSL = PublicSuffixes.from_file(CORPORA / "psl" / "public_suffix_list.dat")
DKIM_TEST_KEY = (CORPORA / "dkim" / "dkimpy-data" / "test.txt").read_text(encoding="utf-8").strip()
NOW = 1_600_000_000.0  # signatures in these messages carry t= from 2018-2021 and no x=


def _resolver() -> ZoneResolver:
    records: dict[tuple[str, str], list[str]] = {}
    existing: list[str] = []
    for name, value in DATA["dns_table"].items():
        if value is None:
            continue  # NXDOMAIN
        if name.startswith("_dmarc.") or "._domainkey." in name:
            if name == "test._domainkey.example.com":
                value = DKIM_TEST_KEY
            value = value.split(" (ARC tests)")[0]
            if value:
                records[(name, "TXT")] = [value]
            else:
                existing.append(name)
        else:
            existing.append(name)  # an existence probe that answered: the name exists
    return ZoneResolver(records=records, existing=existing)


def _expected(case: dict) -> AuthenticationResults:
    parsed = parse_authentication_results(case["expected_authentication_results"])
    assert isinstance(parsed, AuthenticationResults), parsed
    return parsed


def test_corpus_has_15_cases():
    assert len(CASES) == 15


@pytest.mark.parametrize("case", [c for c in CASES if c["checks"]["dmarc"]], ids=lambda c: c["id"])
async def test_authheaders_dmarc(case):
    expected = _expected(case).by_method("dmarc")[0]
    raw = (BASE / case["message"]).read_bytes()
    message = email.message_from_bytes(raw)
    authors = author_domains(message.get_all("From") or [])
    if authors.error is not None:
        assert expected.result == "permerror"
        assert expected.get("header", "from") == "none"
        return
    resolver = _resolver()
    dkim_results: list[tuple[str, str]] = []
    if case["prev_authentication_results"]:
        prev = parse_authentication_results(case["prev_authentication_results"])
        assert isinstance(prev, AuthenticationResults)
        dkim_results = [(r.get("header", "d"), r.result) for r in prev.by_method("dkim")]
    if case["checks"]["dkim"]:
        from checker.mechanisms.dkim import verify_dkim

        report = await verify_dkim(raw, resolver=resolver, now=NOW)
        dkim_results += [(s.domain, s.result) for s in report.signatures]
    method = RFC9989 if case["checks"]["dmarcbis"] else RFC7489
    evaluations = [
        await verify_dmarc(domain, None, None, dkim_results, resolver=resolver, psl=PSL, method=method)
        for domain in authors.domains
    ]
    evaluation = combine_evaluations(evaluations)
    assert evaluation.result == expected.result, evaluation
    if expected.get("header", "from") is not None:
        assert evaluation.from_domain == expected.get("header", "from")
    if expected.get("policy", "dmarc") is not None:
        assert (evaluation.policy or "none") == expected.get("policy", "dmarc"), evaluation


@pytest.mark.parametrize("case", [c for c in CASES if c["checks"]["dkim"]], ids=lambda c: c["id"])
async def test_authheaders_dkim(case):
    from checker.mechanisms.dkim import verify_dkim

    raw = (BASE / case["message"]).read_bytes()
    report = await verify_dkim(raw, resolver=_resolver(), now=NOW)
    want = [(r.result, r.get("header", "d")) for r in _expected(case).by_method("dkim")]
    if case["prev_authentication_results"]:
        prev = parse_authentication_results(case["prev_authentication_results"])
        want = want[len(prev.by_method("dkim")) :]
    assert [(s.result, s.domain) for s in report.signatures] == want


@pytest.mark.parametrize("case", [c for c in CASES if c["checks"]["arc"]], ids=lambda c: c["id"])
async def test_authheaders_arc(case):
    from checker.mechanisms.arc import verify_arc

    raw = (BASE / case["message"]).read_bytes()
    report = await verify_arc(raw, resolver=_resolver())
    assert report.cv == _expected(case).by_method("arc")[0].result
