"""QA regressions: one test per problem the previous QA pass left, through the API, the CLI and local DoH."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import dkim
import pytest
from qa_helpers import FIXTURES, REPO_ROOT, ZONES, run_cli, serve_doh

from checker.analyses.domain.audit import audit_domain
from checker.analyses.headers.analyze import analyze_headers
from checker.analyses.ip import check_ip
from checker.frontends.browser import check_ip_json
from checker.mechanisms.authres.parse import parse_authentication_results
from checker.mechanisms.dkim import verify_dkim
from checker.shared.dns.zone import ZoneResolver
from checker.shared.dns.zonefile import load_zone
from checker.shared.result import Verdict

DKIM_DATA = REPO_ROOT / "tests" / "corpora" / "dkim" / "dkimpy-data"


@pytest.fixture(scope="module")
def ip_doh_url() -> Iterator[str]:
    yield from serve_doh(ZONES / "ipcheck.yml")


# 1. A domain that does not exist -------------------------------------------------------------------
async def test_nxdomain_is_said_once_first_and_no_section_advises_publishing(qa_zone) -> None:
    audit = await audit_domain("shpo.example", resolver=qa_zone)
    first = audit.sections[0]
    assert first.name == "Domain"
    (only,) = first.checks
    assert only.verdict is Verdict.FAIL and only.reason == "mx.domain_missing"
    assert "MX shpo.example" in only.explanation and "NXDOMAIN" in only.explanation
    assert only.evidence["query"] == "MX shpo.example"
    later = [check for section in audit.sections[1:] for check in section.checks]
    assert [check.reason for check in later] == ["domain.not_checked_nxdomain"] * len(later)
    assert all(check.verdict is Verdict.INFO for check in later)
    assert not any("publish" in check.explanation.lower() for check in audit.checks)
    assert (
        sum("does not exist" in check.explanation and check.verdict is Verdict.FAIL for check in audit.checks)
        == 1
    )


async def test_nxdomain_subdomain_keeps_the_parent_dmarc_policy_that_covers_it(qa_zone) -> None:
    audit = await audit_domain("ghost.shop.example", resolver=qa_zone, probe_common_selectors=False)
    assert audit.sections[0].checks[0].reason == "mx.domain_missing"
    dmarc = audit.section("DMARC")
    assert dmarc is not None and "dmarc.enforced" in {check.reason for check in dmarc.checks}
    spf = audit.section("SPF")
    assert spf is not None and [c.reason for c in spf.checks] == ["domain.not_checked_nxdomain"]


def test_cli_nxdomain_over_doh_opens_with_the_domain_section(qa_doh_url: str) -> None:
    run = run_cli("domain", "shpo.example", "--no-probe", "--resolver", "doh-wire", "--doh-url", qa_doh_url)
    assert run.returncode == 1, run.stderr
    lines = run.stdout.splitlines()
    assert lines[2] == "== Domain"
    assert "NXDOMAIN" in run.stdout and "Publish" not in run.stdout and "publish" not in run.stdout


# 2. Send-only domain without MX ------------------------------------------------------------------
async def test_send_only_domain_without_mx_is_a_warning_that_explains_null_mx() -> None:
    zone = ZoneResolver(
        records={("sendonly.example", "TXT"): ["v=spf1 ip4:192.0.2.1 -all"]}, existing=["sendonly.example"]
    )
    audit = await audit_domain("sendonly.example", resolver=zone, probe_common_selectors=False)
    mx = audit.section("MX")
    assert mx is not None
    (only,) = mx.checks
    assert (only.reason, only.verdict) == ("mx.missing", Verdict.WARN)
    for words in ("bounces", "replies", "null MX", "'0 .'", "RFC 7505"):
        assert words in only.explanation


async def test_null_mx_is_information_not_a_problem() -> None:
    zone = ZoneResolver(records={("nomail.example", "MX"): ["0 ."]}, existing=["nomail.example"])
    audit = await audit_domain("nomail.example", resolver=zone, probe_common_selectors=False)
    mx = audit.section("MX")
    assert mx is not None
    assert [(c.reason, c.verdict) for c in mx.checks] == [("mx.null_mx", Verdict.INFO)]


# 3. A catalog of the wrong structure -----------------------------------------------------------
@pytest.mark.parametrize(
    ("catalog", "words"),
    [
        ([{"id": "x"}], "found a list"),
        ({"errors": []}, "found an object with the keys 'errors'"),
        ({"entries": {"a": 1}}, '"entries" as an object'),
        ({"entries": [{"title": "no id"}]}, "Entry 1"),
        ({"entries": ["550 5.1.1"]}, "Entry 1"),
    ],
)
def test_cli_bounce_with_a_wrongly_shaped_catalog_is_an_input_error(
    tmp_path: Path, catalog: object, words: str
) -> None:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(catalog), encoding="utf-8")
    run = run_cli("bounce", str(FIXTURES / "postfix_dsn.eml"), "--catalog", str(path))
    assert run.returncode == 2, run.stdout
    assert "No catalog entry matches" not in run.stdout and "Traceback" not in run.stderr
    assert "wrong structure" in run.stderr or "is not an entry" in run.stderr
    assert words in run.stderr
    assert f"where: --catalog {path}" in run.stderr and "fix:" in run.stderr


# 4. Angle brackets around smtp.mailfrom --------------------------------------------------------
def test_authres_mailfrom_in_angle_brackets_is_read_and_noted() -> None:
    parsed = parse_authentication_results(
        "mx.example.net; spf=pass smtp.mailfrom=<bounce@esp.example>; dkim=pass header.d=esp.example"
    )
    assert not hasattr(parsed, "what"), parsed
    assert [r.method for r in parsed.results] == ["spf", "dkim"]
    assert parsed.results[0].get("smtp", "mailfrom") == "bounce@esp.example"
    assert any("angle brackets" in problem for problem in parsed.problems)


def test_authres_unbalanced_angle_bracket_is_still_an_error() -> None:
    parsed = parse_authentication_results("mx.example.net; spf=pass smtp.mailfrom=<bounce@esp.example")
    assert getattr(parsed, "reason", None) == "authres.syntax_error"


# 5. ARC pass on a headers-only paste -------------------------------------------------------------
async def test_headers_only_arc_summary_says_the_body_was_not_checked(qa_zone, paste) -> None:
    raw = paste("m365_arc_list.eml")
    separator = b"\r\n\r\n" if b"\r\n\r\n" in raw else b"\n\n"
    headers_only = raw.split(separator, 1)[0] + separator[: len(separator) // 2]
    analysis = await analyze_headers(headers_only, resolver=qa_zone)
    explanation = analysis.summary.explanation
    assert "ARC seals were checked" in explanation
    assert "body could not be checked" in explanation
    assert "valid ARC seal shows" not in explanation


# 6. DKIM l= with text appended after the signed length ------------------------------------------
MESSAGE = (
    b"From: Test User <test@example.com>\r\nTo: somebody@example.com\r\nSubject: Testing\r\n"
    b"Date: Mon, 01 Jan 2011 01:02:03 +0400\r\nMessage-ID: <example@example.com>\r\n\r\n"
    b"This is a test message.\r\n"
)


async def test_dkim_body_length_says_what_is_not_covered() -> None:
    signature = dkim.sign(
        MESSAGE,
        b"test",
        b"example.com",
        (DKIM_DATA / "test.private").read_bytes(),
        include_headers=[b"from", b"to", b"subject"],
        length=True,
    )
    appended = b"Click here to claim your prize: https://evil.example/\r\n"
    zone = ZoneResolver(
        records={("test._domainkey.example.com", "TXT"): [(DKIM_DATA / "test.txt").read_text().strip()]}
    )
    report = await verify_dkim(signature + MESSAGE + appended, resolver=zone, now=1_700_000_000)
    (result,) = report.signatures
    assert (result.reason, result.result) == ("dkim.pass", "pass")
    signed_length = int(result.tags["l"])
    assert "exactly as" not in result.explanation
    assert f"first {signed_length} bytes" in result.explanation
    assert result.unsigned_body_bytes == len(appended)
    assert f"{len(appended)} bytes after them are not covered" in result.explanation
    checks = report.to_checks()
    assert checks[0].verdict is Verdict.PASS
    note = next(check for check in checks if check.reason == "dkim.body_length_unsigned")
    assert note.verdict is Verdict.WARN
    assert "RFC 6376 section 8.2" in note.explanation and str(len(appended)) in note.explanation


# 7. The blocklist retry hint depends on where the check runs ------------------------------------
async def test_blocklist_refusal_hint_without_cli_option_by_default() -> None:
    report = await check_ip("203.0.113.8", resolver=load_zone(ZONES / "ipcheck.yml").resolver())
    check = next(c for c in report.checks if c.reason == "dnsbl.unusable_answer")
    assert "--resolver" not in check.explanation and "not a listing" in check.explanation


async def test_blocklist_refusal_hint_in_the_browser_names_the_resolver_setting() -> None:
    answer = json.loads(
        await check_ip_json(
            json.dumps({"address": "203.0.113.8"}), resolver=load_zone(ZONES / "ipcheck.yml").resolver()
        )
    )
    text = json.dumps(answer)
    assert "dnsbl.unusable_answer" in text
    assert "--resolver" not in text
    assert "resolver setting on this page" in text


def test_blocklist_refusal_hint_on_the_command_line_names_the_option(ip_doh_url: str) -> None:
    run = run_cli("ip", "203.0.113.8", "--resolver", "doh-wire", "--doh-url", ip_doh_url)
    assert "dnsbl.unusable_answer" in run.stdout, run.stderr
    assert "--resolver system" in " ".join(run.stdout.split())


# 8. The headline of a malformed DMARC record ------------------------------------------------------
PASTE = (
    b"From: Ann <ann@nearly.example>\r\nTo: bob@example.org\r\nSubject: hi\r\n"
    b"Date: Wed, 25 Nov 2026 10:00:00 +0000\r\nMessage-ID: <1@nearly.example>\r\n"
)


async def test_headline_names_the_malformed_dmarc_record() -> None:
    zone = ZoneResolver(
        records={("_dmarc.nearly.example", "TXT"): ["v=DMARC1 p=reject"]}, existing=["nearly.example"]
    )
    analysis = await analyze_headers(PASTE, resolver=zone)
    headline = analysis.summary.headline
    assert "has no DMARC policy" not in headline
    assert "malformed" in headline and "v=DMARC1 p=reject" in headline and "_dmarc.nearly.example" in headline


async def test_headline_without_any_record_still_says_no_policy() -> None:
    zone = ZoneResolver(records={}, existing=["nearly.example"])
    analysis = await analyze_headers(PASTE, resolver=zone)
    assert analysis.summary.headline == "nearly.example has no DMARC policy"


# 9. Formatting ----------------------------------------------------------------------------------
def test_checker_package_is_ruff_formatted() -> None:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed in this environment")
    run = subprocess.run(
        [ruff, "format", "--check", "checker"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr
