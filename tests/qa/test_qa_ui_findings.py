"""QA round 3: what the UI engineer saw in checker output, tested through the API, the browser entry
points (the JSON the page gets) and the command line over the local DoH server."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator

import pytest
import yaml
from qa_helpers import FIXTURES, REPO_ROOT, ZONES, run_cli, serve_doh

from checker.analyses.advice import NEUTRAL_ADVICE, FrontEndAdvice
from checker.analyses.domain.audit import audit_domain
from checker.analyses.headers.analyze import analyze_headers
from checker.analyses.ip import check_ip
from checker.frontends.browser import analyze_headers_json, audit_domain_json, check_ip_json
from checker.mechanisms.arc import verify_arc
from checker.shared.dns.zonefile import load_zone
from checker.shared.result import Verdict

ANALYZER_ZONE = REPO_ROOT / "tests" / "browser" / "fixtures" / "analyzer-zone.yml"
NEWSLETTER = REPO_ROOT / "tests" / "browser" / "fixtures" / "newsletter-dmarc-fail.eml"
SIGNED_TWICE = REPO_ROOT / "tests" / "corpora" / "dkim" / "mailauth" / "rfc8463-a3" / "signed.eml"
BIMI_ZONE = FIXTURES / "bimi-dmarc-servfail.yml"
ARC_SUITE = REPO_ROOT / "tests" / "corpora" / "arc" / "arc-draft-validation-tests.yml"

# Command-line advice: an option such as --selector (not the "xn--" of an IDNA label) or "python -m".
CLI_ADVICE = re.compile(r"(?<![\w-])--[a-z][a-z-]*|python -m")


@pytest.fixture(scope="module")
def bimi_doh_url() -> Iterator[str]:
    yield from serve_doh(BIMI_ZONE)


def _explanations(payload: object) -> list[str]:
    """Every ``explanation`` string anywhere in a JSON answer from a browser entry point."""
    found: list[str] = []
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key in ("explanation", "fix") and isinstance(value, str):
                found.append(value)
            else:
                found += _explanations(value)
    elif isinstance(payload, list):
        for item in payload:
            found += _explanations(item)
    return found


# 1. The summary names each passing identifier once ------------------------------------------------
async def test_two_passing_signatures_by_one_domain_are_named_once_in_the_summary() -> None:
    # RFC 8463 A.3: one message, an ed25519 and an RSA signature, both d=football.example.com.
    analysis = await analyze_headers(SIGNED_TWICE.read_bytes(), resolver=load_zone(ANALYZER_ZONE).resolver())
    assert analysis.summary.verdict is Verdict.PASS
    text = analysis.summary.explanation
    assert text.count("DKIM for d=football.example.com") == 1, text
    # The alignment table still has a row per signature: only the sentence is de-duplicated.
    assert [row.source for row in analysis.alignment].count("dkim") == 2


async def test_failing_summary_names_each_passing_identifier_once(qa_zone) -> None:
    # The platform's DKIM-Signature twice (a relay added its copy again): two passes for d=esp.example.
    raw = NEWSLETTER.read_bytes()
    start = raw.index(b"DKIM-Signature:")
    end = raw.index(b"From: Shop")
    doubled = raw[:end] + raw[start:end] + raw[end:]
    analysis = await analyze_headers(doubled, resolver=qa_zone)
    assert analysis.summary.verdict is Verdict.FAIL
    text = analysis.summary.explanation
    assert text.count("DKIM for d=esp.example") == 1, text
    assert "SPF for em.esp.example and DKIM for d=esp.example passed" in text
    fixes = analysis.dmarc.fixes if analysis.dmarc else ()
    assert len(fixes) == len(set(fixes)), fixes


async def test_browser_headers_summary_is_not_repeated() -> None:
    answer = json.loads(
        await analyze_headers_json(
            json.dumps({"text": SIGNED_TWICE.read_text(encoding="utf-8")}),
            resolver=load_zone(ANALYZER_ZONE).resolver(),
        )
    )
    summary = answer["result"]["summary"]["explanation"]
    assert "football.example.com and DKIM for d=football.example.com" not in summary, summary


# 2. DKIM selector advice fits the front end -----------------------------------------------------
async def test_browser_dkim_advice_names_the_selector_field_not_an_option(qa_zone) -> None:
    answer = json.loads(await audit_domain_json(json.dumps({"domain": "lax.example"}), resolver=qa_zone))
    dkim = next(s for s in answer["result"]["sections"] if s["name"] == "DKIM")
    (check,) = [c for c in dkim["checks"] if c["reason"] == "dkim.no_common_selector"]
    assert "--selector" not in check["explanation"] and "--" not in check["explanation"]
    # The field's name and where it is: the entry pages' small check, which shares this advice, has none.
    assert "DKIM selectors to check\" field of the analyzer's Domain tab" in check["explanation"]


async def test_api_dkim_advice_names_no_front_end_by_default(qa_zone) -> None:
    for probe in (True, False):
        audit = await audit_domain("lax.example", resolver=qa_zone, probe_common_selectors=probe)
        dkim = audit.section("DKIM")
        assert dkim is not None
        (check,) = dkim.checks
        assert check.reason in ("dkim.no_common_selector", "dkim.no_selector_checked")
        assert not CLI_ADVICE.search(check.explanation), check.explanation
        assert NEUTRAL_ADVICE.dkim_selector in check.explanation


async def test_dkim_and_blocklist_advice_come_from_one_front_end_object(qa_zone) -> None:
    advice = FrontEndAdvice(blocklist_retry="ASK-AGAIN-HERE.", dkim_selector="TYPE-IT-HERE.")
    audit = await audit_domain("lax.example", resolver=qa_zone, advice=advice)
    assert any(c.explanation.endswith("TYPE-IT-HERE.") for c in audit.checks)
    report = await check_ip(
        "203.0.113.8", resolver=load_zone(ZONES / "ipcheck.yml").resolver(), advice=advice
    )
    refused = next(c for c in report.checks if c.reason == "dnsbl.unusable_answer")
    assert refused.explanation.endswith("ASK-AGAIN-HERE.")


def test_cli_dkim_advice_names_the_selector_option(qa_doh_url: str) -> None:
    run = run_cli("domain", "lax.example", "--resolver", "doh-wire", "--doh-url", qa_doh_url)
    assert "dkim.no_common_selector" in run.stdout, run.stderr
    assert "--selector NAME" in " ".join(run.stdout.split())
    assert "DKIM selectors to check" not in run.stdout


# 3. A failed _dmarc query is not a missing DMARC policy -------------------------------------------
@pytest.mark.parametrize(
    ("domain", "status"), [("logo.example", "SERVFAIL"), ("slowlogo.example", "timeout")]
)
async def test_bimi_says_dmarc_could_not_be_checked_when_the_dmarc_query_fails(
    domain: str, status: str
) -> None:
    audit = await audit_domain(domain, resolver=load_zone(BIMI_ZONE).resolver(), probe_common_selectors=False)
    bimi = audit.section("BIMI")
    assert bimi is not None
    (cross,) = [c for c in bimi.checks if c.name == "BIMI needs DMARC"]
    assert (cross.reason, cross.verdict) == ("bimi.dmarc_unknown", Verdict.ERROR)
    assert "missing" not in cross.explanation and "could not be checked" in cross.explanation
    assert f"TXT _dmarc.{domain}" in cross.explanation and status.lower() in cross.explanation.lower()
    assert cross.evidence["query"] == f"TXT _dmarc.{domain}"


async def test_bimi_without_any_dmarc_record_still_says_the_policy_is_missing() -> None:
    audit = await audit_domain(
        "nologo-policy.example", resolver=load_zone(BIMI_ZONE).resolver(), probe_common_selectors=False
    )
    bimi = audit.section("BIMI")
    assert bimi is not None
    (cross,) = [c for c in bimi.checks if c.name == "BIMI needs DMARC"]
    assert (cross.reason, cross.verdict) == ("bimi.dmarc_not_enforced", Verdict.WARN)
    assert "missing" in cross.explanation


def test_cli_bimi_with_dmarc_servfail_over_doh(bimi_doh_url: str) -> None:
    run = run_cli("domain", "logo.example", "--no-probe", "--resolver", "doh-wire", "--doh-url", bimi_doh_url)
    assert run.returncode in (1, 3), run.stdout + run.stderr
    text = " ".join(run.stdout.split())
    assert "bimi.dmarc_unknown" in text and "DMARC policy is missing" not in text
    assert "TXT _dmarc.logo.example" in text


# 4. ARC oldest-pass (RFC 8617 section 5.2) ------------------------------------------------------
def _arc_suite() -> tuple[dict, dict[tuple[str, str], list[str]]]:
    suite = next(yaml.safe_load_all(ARC_SUITE.read_text()))
    keys = {(name, "TXT"): ["".join(str(value).split("\n"))] for name, value in suite["txt-records"].items()}
    return suite["tests"], keys


async def test_broken_two_hop_chain_has_no_oldest_pass() -> None:
    from checker.shared.dns.zone import ZoneResolver

    tests, keys = _arc_suite()
    report = await verify_arc(
        tests["cv_fail_i2_ams_invalid"]["message"].encode(), resolver=ZoneResolver(keys)
    )
    assert (report.cv, report.broken_at, len(report.sets)) == ("fail", 2, 2)
    assert report.oldest_pass is None
    assert report.to_checks()[0].evidence["oldest_pass"] is None


async def test_oldest_pass_is_never_beyond_the_chain_and_only_set_when_it_validates() -> None:
    from checker.shared.dns.zone import ZoneResolver

    tests, keys = _arc_suite()
    seen_pass = seen_fail = 0
    for test_id, case in tests.items():
        report = await verify_arc(case["message"].encode(), resolver=ZoneResolver(keys))
        if report.cv == "pass":
            seen_pass += 1
            assert report.oldest_pass is not None and 0 <= report.oldest_pass <= len(report.sets), test_id
            all_valid = all(s.ams_valid for s in report.sets)
            assert (report.oldest_pass == 0) == all_valid, test_id
        else:
            seen_fail += report.cv == "fail"
            assert report.oldest_pass is None, (test_id, report.oldest_pass)
    assert seen_pass and seen_fail


# 5. No command-line advice anywhere the browser shows ---------------------------------------------
# Paths under checker/; checker/frontends/browser.py never imports them.
CLI_ONLY_MODULES = {"frontends/cli.py", "__main__.py", "frontends/catalog_source.py"}


def test_checker_strings_outside_the_cli_name_no_command_line_option() -> None:
    offenders = []
    for path in sorted((REPO_ROOT / "checker").rglob("*.py")):
        if path.relative_to(REPO_ROOT / "checker").as_posix() in CLI_ONLY_MODULES:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            text = node.value if isinstance(node, ast.Constant) and id(node) not in docstrings else None
            if isinstance(text, str) and CLI_ADVICE.search(text):
                offenders.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno}: {text[:70]!r}")
    assert not offenders, "\n".join(offenders)


def test_browser_never_imports_the_cli_only_modules() -> None:
    source = (REPO_ROOT / "checker" / "frontends" / "browser.py").read_text(encoding="utf-8")
    assert "checker.frontends.cli" not in source and "catalog_source" not in source


async def test_browser_answers_carry_no_command_line_advice(qa_zone) -> None:
    answers = []
    for domain in ("lax.example", "heavy.example", "shop.example", "contoso.example", "shpo.example"):
        answers.append(await audit_domain_json(json.dumps({"domain": domain}), resolver=qa_zone))
    answers.append(
        await audit_domain_json(
            json.dumps({"domain": "logo.example"}), resolver=load_zone(BIMI_ZONE).resolver()
        )
    )
    for address in ("203.0.113.8", "192.0.2.10"):
        answers.append(
            await check_ip_json(
                json.dumps({"address": address}), resolver=load_zone(ZONES / "ipcheck.yml").resolver()
            )
        )
    for name in ("gmail_esp.txt", "m365_arc_list.eml", "forwarded_footer.eml", "helo_only.txt"):
        text = (FIXTURES / name).read_text(encoding="utf-8", errors="replace")
        answers.append(await analyze_headers_json(json.dumps({"text": text}), resolver=qa_zone))
    texts = [t for answer in answers for t in _explanations(json.loads(answer))]
    assert len(texts) > 50
    leaked = [t for t in texts if CLI_ADVICE.search(t)]
    assert not leaked, leaked
