"""The worker's entry points (checker.frontends.browser), end to end over the in-memory zone resolver.

This folder also runs inside Pyodide (run_checker_tests.mjs), so these prove the browser's
code path there: JSON text in, JSON text out, structured errors, never an exception.
"""

import json
from pathlib import Path

from checker.frontends.browser import (
    _prepared_catalog,
    analyze_bounce_json,
    analyze_headers_json,
    audit_domain_json,
    check_ip_json,
    prepare_catalog_json,
    warm_up,
)
from checker.shared.dns.zone import ZoneResolver

TESTS = Path(__file__).resolve().parents[2]
if not (TESTS / "corpora").is_dir():  # inside Pyodide the tests live at /repo/tests
    TESTS = Path("tests")
SIGNED = TESTS / "corpora" / "dkim" / "mailauth" / "rfc8463-a3" / "signed.eml"
CATALOG = {
    "version": 1,
    "providers": {"gmail": {"name": "Gmail / Google Workspace", "hosts": [r"(^|\.)google\.com$"]}},
    "entries": [
        {
            "id": "550-5-7-26-gmail-dmarc-reject",
            "title": "550 5.7.26 Gmail: unauthenticated email not accepted due to domain's DMARC policy",
            "reply_code": 550,
            "enhanced_code": "5.7.26",
            "match": {
                "patterns": ["domain's DMARC policy"],
                "reply_codes": [550],
                "enhanced_codes": ["5.7.26"],
                "providers": ["gmail"],
            },
        },
        {
            "id": "550-5-1-1-user-unknown",
            "title": "550 5.1.1 The mailbox does not exist",
            "reply_code": 550,
            "enhanced_code": "5.1.1",
            "match": {"patterns": ["user unknown", "does not exist"], "reply_codes": [550]},
        },
    ],
}
BOUNCE = "550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy."
ZONE = ZoneResolver(
    records={
        ("brisbane._domainkey.football.example.com", "TXT"): [
            "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
        ],
        ("_dmarc.football.example.com", "TXT"): ["v=DMARC1; p=reject"],
        ("example.org", "TXT"): ["v=spf1 -all"],
        ("_dmarc.example.org", "TXT"): ["v=DMARC1; p=none"],
    }
)


def _answer(text: str) -> dict:
    answer = json.loads(text)
    assert isinstance(answer, dict) and isinstance(answer["ok"], bool)
    return answer


async def test_bounce_ranks_the_matching_entry_first():
    answer = _answer(await analyze_bounce_json(json.dumps({"text": BOUNCE}), json.dumps(CATALOG)))
    assert answer["ok"], answer
    first = answer["result"]["recipients"][0]["matches"][0]
    assert first["entry_id"] == "550-5-7-26-gmail-dmarc-reject"
    assert first["decided_by"]


async def test_bounce_without_a_catalog_says_so():
    answer = _answer(await analyze_bounce_json(json.dumps({"text": BOUNCE}), ""))
    assert not answer["ok"] and answer["error"]["where"] == "catalog.json"


async def test_headers_of_a_signed_message_pass_dkim_and_dmarc():
    request = json.dumps({"text": SIGNED.read_text(encoding="utf-8")})
    answer = _answer(await analyze_headers_json(request, resolver=ZONE))
    assert answer["ok"], answer
    result = answer["result"]
    assert result["summary"]["verdict"] == "pass", result["summary"]
    verdicts = {check["reason"]: check["verdict"] for check in result["checks"]}
    assert verdicts.get("dmarc.pass") == "pass", verdicts


async def test_domain_audit_reports_each_section():
    request = json.dumps({"domain": "example.org", "selectors": "s1, s2"})
    answer = _answer(await audit_domain_json(request, resolver=ZONE))
    assert answer["ok"], answer
    names = [section["name"] for section in answer["result"]["sections"]]
    assert {"SPF", "DMARC", "DKIM", "MX"} <= set(names)


async def test_ip_check_answers_for_a_documentation_address():
    answer = _answer(await check_ip_json(json.dumps({"address": "192.0.2.1"}), resolver=ZONE))
    assert answer["ok"], answer
    assert answer["result"]["checks"]


async def test_bad_requests_come_back_as_errors_with_a_fix():
    cases = [
        await analyze_bounce_json("{", json.dumps(CATALOG)),
        await analyze_bounce_json("[]", json.dumps(CATALOG)),
        await analyze_headers_json(json.dumps({"text": "   "}), resolver=ZONE),
        await audit_domain_json(json.dumps({"domain": "x" * 2_000_000}), resolver=ZONE),
        await audit_domain_json(json.dumps({"domain": "example.org", "selectors": [1, 2]}), resolver=ZONE),
        await check_ip_json(json.dumps({}), resolver=ZONE),
    ]
    for text in cases:
        answer = _answer(text)
        assert answer["ok"] is False, answer
        assert answer["error"]["what"] and answer["error"]["where"] and answer["error"]["fix"]


async def test_unusable_resolver_settings_are_refused_before_any_query():
    bad_settings = [
        ({"url": "ftp://dns.example/", "format": "json"}, "input.doh_url"),
        ({"url": "http://localhost.attacker.example/", "format": "json"}, "input.doh_url"),
        ({"url": "", "format": "json"}, "input.doh_url"),
        ({"url": "https://dns.example/dns-query", "format": "xml"}, "input.doh_format"),
    ]
    for doh, reason in bad_settings:
        answer = _answer(await audit_domain_json(json.dumps({"domain": "example.org", "doh": doh})))
        assert answer["ok"] is False and answer["error"]["reason"] == reason, answer


def test_warm_up_imports_every_analysis_module():
    answer = json.loads(warm_up())
    assert answer["ok"], answer["modules"]


async def test_the_catalog_is_prepared_once_and_then_used_by_every_bounce():
    text = json.dumps(CATALOG)
    prepared = json.loads(prepare_catalog_json(text))
    assert prepared["ok"] and prepared["entries"] == len(CATALOG["entries"]), prepared
    # The same text (a new string, as the worker sends it each time) finds that prepared catalog.
    hits = _prepared_catalog.cache_info().hits
    assert json.loads(prepare_catalog_json("".join(text)))["ok"]
    answer = _answer(await analyze_bounce_json(json.dumps({"text": BOUNCE}), "".join(text)))
    assert _prepared_catalog.cache_info().hits == hits + 2
    assert answer["result"]["recipients"][0]["matches"][0]["entry_id"] == "550-5-7-26-gmail-dmarc-reject"


async def test_a_catalog_that_cannot_be_prepared_is_named_not_raised():
    assert json.loads(prepare_catalog_json("{not json"))["ok"] is False
    bad_pattern = {"entries": [{"id": "x", "match": {"patterns": ["("]}}]}
    broken = json.loads(prepare_catalog_json(json.dumps(bad_pattern)))
    assert broken["ok"] is False and "x: match.patterns[0]" in broken["error"]
