"""The DMARC record builder: from each starting policy, the next safe record toward p=reject.

In memory only (this suite also runs inside Pyodide); the entry point over the local DoH server is
tested in tests/requirements/test_entry_points_doh.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.analyses.domain.audit import audit_domain
from checker.frontends.browser import dmarc_next_step_json
from checker.mechanisms.dmarc.next_step import build_record, next_dmarc_step, plan_dmarc_next_step
from checker.mechanisms.dmarc.record import parse_dmarc_record
from checker.shared.dns.zonefile import load_zone
from checker.shared.result import to_json

ZONES = Path(__file__).resolve().parents[1] / "fixtures" / "zones"


@pytest.fixture(scope="module")
def zone():
    return load_zone(ZONES / "dmarc-next-step.yml")


async def step(domain: str, zone):
    return await plan_dmarc_next_step(domain, resolver=zone.resolver())


def warning_codes(result) -> set[str]:
    return {check.reason for check in result.warnings}


# domain -> (stage, proposed record)
LADDER = {
    "nothing.example": ("start_monitoring", "v=DMARC1; p=none; rua=mailto:dmarc-reports@nothing.example"),
    "norua.example": ("add_reports", "v=DMARC1; p=none; rua=mailto:dmarc-reports@norua.example"),
    "monitor.example": (
        "start_quarantine",
        "v=DMARC1; p=quarantine; pct=10; rua=mailto:dmarc@monitor.example",
    ),
    "q10.example": ("raise_quarantine_pct", "v=DMARC1; p=quarantine; pct=50; rua=mailto:dmarc@q10.example"),
    "q50.example": ("raise_quarantine_pct", "v=DMARC1; p=quarantine; rua=mailto:dmarc@q50.example; fo=1"),
    "q100.example": (
        "start_reject",
        "v=DMARC1; p=reject; sp=quarantine; pct=10; rua=mailto:dmarc@q100.example",
    ),
    "r10.example": ("raise_reject_pct", "v=DMARC1; p=reject; pct=50; rua=mailto:dmarc@r10.example"),
    "rweak.example": ("tighten_subdomains", "v=DMARC1; p=reject; sp=reject; rua=mailto:dmarc@rweak.example"),
    "trial.example": ("leave_test_mode", "v=DMARC1; p=reject; rua=mailto:dmarc@trial.example"),
    "broken.example": ("fix_record", "v=DMARC1; p=quarantine; rua=mailto:dmarc@broken.example"),
    "typo.example": ("start_monitoring", "v=DMARC1; p=none; rua=mailto:dmarc-reports@typo.example"),
}


@pytest.mark.parametrize("domain", LADDER)
async def test_next_step_from_each_starting_point(domain: str, zone) -> None:
    stage, proposed = LADDER[domain]
    result = await step(domain, zone)
    assert (result.stage, result.proposed_record) == (stage, proposed)
    assert result.reason == f"dmarc_next.{stage}"
    assert result.watch and result.references
    assert all(ref.startswith("https://www.rfc-editor.org/rfc/rfc7489#section-") for ref in result.references)
    reparsed = parse_dmarc_record(result.proposed_record)
    assert not reparsed.has_errors, reparsed.problems  # every proposal is a valid record
    assert reparsed.p == result.proposed_policy


async def test_the_ladder_only_ever_moves_one_step(zone) -> None:
    strength = {"none": 0, "quarantine": 1, "reject": 2}
    for domain in LADDER:
        result = await step(domain, zone)
        if result.current_policy and result.proposed_policy:
            assert strength[result.proposed_policy] - strength[result.current_policy] <= 1, domain


async def test_at_reject_proposes_nothing(zone) -> None:
    result = await step("done.example", zone)
    assert result.stage == "at_reject" and result.proposed_record is None
    assert "nothing further" in result.explanation


async def test_blocked_stages(zone) -> None:
    multiple = await step("multi.example", zone)
    assert (multiple.stage, multiple.proposed_record) == ("multiple_records", None)
    failed = await step("flaky.example", zone)
    assert (failed.stage, failed.proposed_record) == ("lookup_failed", None)
    assert "servfail" in failed.explanation
    invalid = await step("not a domain", zone)
    assert invalid.stage == "invalid_domain"


async def test_warnings(zone) -> None:
    strict = await step("strict.example", zone)
    assert "dmarc_next.strict_alignment" in warning_codes(strict)
    assert "adkim=s; aspf=s" in strict.proposed_record  # kept, but warned about
    assert "dmarc_next.pct_rfc9989" in warning_codes(await step("monitor.example", zone))
    assert "dmarc_next.pct_rfc9989" not in warning_codes(await step("norua.example", zone))
    inherited = await step("news.inherit.example", zone)
    assert inherited.record_domain == "inherit.example"
    assert "dmarc_next.inherited" in warning_codes(inherited)
    external = await step("external.example", zone)
    assert "dmarc_next.reports_not_authorized" in warning_codes(external)
    assert "dmarc_next.sp_follows_p" in warning_codes(await step("q10.example", zone))


async def test_from_the_domain_audit_section(zone) -> None:
    audit = await audit_domain("q10.example", resolver=zone.resolver(), probe_common_selectors=False)
    result = next_dmarc_step(audit.section("DMARC").detail)
    assert result.stage == "raise_quarantine_pct"
    assert json.loads(to_json(result))["proposed_record"].startswith("v=DMARC1; p=quarantine; pct=50")


def test_build_record_orders_tags_and_drops_unknown_ones() -> None:
    record = parse_dmarc_record("v=DMARC1; rua=mailto:a@example.com; p=none; foo=bar; adkim=r")
    assert build_record(record, {"p": "quarantine", "pct": "10"}) == (
        "v=DMARC1; p=quarantine; pct=10; adkim=r; rua=mailto:a@example.com"
    )
    assert build_record(record, {"adkim": None}) == "v=DMARC1; p=none; rua=mailto:a@example.com"


async def test_browser_entry_point(zone) -> None:
    request = json.dumps({"domain": "monitor.example"})
    answer = json.loads(await dmarc_next_step_json(request, resolver=zone.resolver()))
    assert answer["ok"], answer
    result = answer["result"]
    assert result["stage"] == "start_quarantine" and result["proposed_policy"] == "quarantine"
    assert {"current_record", "proposed_record", "reason", "explanation", "watch", "warnings"} <= set(result)
    bad = json.loads(
        await dmarc_next_step_json(json.dumps({"domain": "user@x.example"}), resolver=zone.resolver())
    )
    assert bad["ok"] is False and bad["error"]["where"] == "DMARC next step"
