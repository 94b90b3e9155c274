"""QA: domain and IP audits and the command line, through the local DoH server like a user would."""

from __future__ import annotations

import pytest
from qa_helpers import FIXTURES, ZONES, run_cli

from checker.analyses.domain.audit import audit_domain
from checker.analyses.ip import check_ip
from checker.frontends.cli import cli_advice, main
from checker.shared.dns.zone import ZoneResolver
from checker.shared.dns.zonefile import load_zone
from checker.shared.result import Verdict


async def test_no_probe_without_selectors_says_nothing_was_checked(qa_zone) -> None:
    # The command line's advice names its option; other front ends pass their own (test_qa_ui_findings).
    audit = await audit_domain(
        "lax.example", resolver=qa_zone, probe_common_selectors=False, advice=cli_advice("system")
    )
    dkim = next(section for section in audit.sections if section.name == "DKIM")
    (only,) = dkim.checks
    assert only.reason == "dkim.no_selector_checked"
    assert "0 common" not in only.explanation
    assert "--selector" in only.explanation


async def test_spf_mistakes_and_monitoring_policy(qa_zone) -> None:
    reasons = {}
    for name in ("heavy.example", "twice.example", "lax.example"):
        audit = await audit_domain(name, resolver=qa_zone, probe_common_selectors=False)
        reasons[name] = {check.reason for check in audit.checks}
    assert "spf.too_many_lookups" in reasons["heavy.example"]
    assert "spf.multiple_records" in reasons["twice.example"]
    assert "dmarc.monitoring_only" in reasons["lax.example"]


def test_cli_headers_over_doh(qa_doh_url: str) -> None:
    run = run_cli(
        "headers", str(FIXTURES / "gmail_esp.txt"), "--resolver", "doh-wire", "--doh-url", qa_doh_url
    )
    assert run.returncode == 1, run.stderr
    assert run.stdout.startswith("✘ FAIL  DMARC fails for shop.example")
    assert "Traceback" not in run.stderr


def test_cli_bounce_headline_is_words_not_an_enum() -> None:
    run = run_cli("bounce", str(FIXTURES / "postfix_dsn.eml"))
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == "Bounce: delivery failed"


class _ClosedPipe:
    """Standard output whose reader has gone (``| head -1``)."""

    encoding = "utf-8"

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")


def test_cli_output_into_a_closed_pipe_is_quiet(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["bounce", str(FIXTURES / "postfix_dsn.eml")], stdout=_ClosedPipe())  # type: ignore[arg-type]
    assert code == 0
    assert "Internal error" not in capsys.readouterr().err


@pytest.mark.parametrize("address", ["10.1.2.3", "fe80::1", "999.1.1.1"])
def test_cli_ip_private_or_invalid_is_explained(address: str, qa_doh_url: str) -> None:
    run = run_cli("ip", address, "--resolver", "doh-wire", "--doh-url", qa_doh_url)
    assert "Traceback" not in run.stderr
    assert run.returncode in (0, 2)
    assert ("not reachable from the internet" in run.stdout) or ("not an IP address" in run.stderr)


@pytest.mark.parametrize("record", ["v=DMARC1 p=reject", "v=dmarc1; p=reject", "V=DMARC1;p=none"])
async def test_dmarc_record_that_almost_qualifies_is_named_not_called_missing(record: str) -> None:
    zone = ZoneResolver(records={("_dmarc.nearly.example", "TXT"): [record]}, existing=["nearly.example"])
    audit = await audit_domain("nearly.example", resolver=zone, probe_common_selectors=False)
    dmarc = next(section for section in audit.sections if section.name == "DMARC")
    (only,) = dmarc.checks
    assert only.reason == "dmarc.malformed_record"
    assert only.verdict is Verdict.FAIL
    assert record in only.explanation and "v=DMARC1;" in only.explanation


def test_cli_bounce_does_not_print_the_same_explanation_twice() -> None:
    run = run_cli("bounce", str(FIXTURES / "exchange_ndr.eml"))
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("refused the message to partner@fabrikam.example") == 1


async def test_mx_host_with_ipv4_and_ipv6_has_one_distinct_line_per_address() -> None:
    zone = load_zone(ZONES / "acme-mail.yml").resolver()
    audit = await audit_domain("acme.example", resolver=zone, probe_common_selectors=False)
    mx = next(section for section in audit.sections if section.name == "MX")
    names = [check.name for check in mx.checks]
    assert len(names) == len(set(names)), names
    assert "Reverse DNS: mx1.acme.example (2001:db8::10)" in names


async def test_ipv6_with_zone_index_is_checked_as_the_plain_address(qa_zone) -> None:
    report = await check_ip("2001:db8::5%eth0", resolver=qa_zone)
    assert report.input_error is None
    assert report.address == "2001:db8::5"
    assert "ip.fcrdns_ok" in {check.reason for check in report.checks}
