"""SPF lookup reduction on real trees over the limit of 10 (tests/fixtures/zones/spf-reduction.yml).

In memory only (this suite also runs inside Pyodide); the entry point over the local DoH server is
tested in tests/requirements/test_entry_points_doh.py.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from checker.frontends.browser import spf_reduction_json
from checker.mechanisms.spf import audit_spf
from checker.mechanisms.spf.reduce import plan_spf_reduction, reduce_spf
from checker.mechanisms.spf.syntax import parse_record
from checker.shared.dns.zonefile import load_zone

ZONES = Path(__file__).resolve().parents[1] / "fixtures" / "zones"


@pytest.fixture(scope="module")
def zone():
    return load_zone(ZONES / "spf-reduction.yml")


def actions(result) -> list[tuple[str, str]]:
    return [(step.action, step.term) for step in result.steps]


async def test_tree_over_the_limit_is_brought_under_it(zone) -> None:
    result = await plan_spf_reduction("big.example", resolver=zone.resolver())
    assert (result.lookups, result.over_limit) == (19, True)
    # Costliest first, nested includes named.
    assert [(c.term, c.lookups) for c in result.costs[:2]] == [
        ("include:_spf.esp-two.example", 4),
        ("include:nested.crm.example", 4),
    ]
    esp_two = result.costs[0]
    assert esp_two.nested_includes == ("a.esp-two.example", "b.esp-two.example", "c.esp-two.example")
    assert esp_two.flattenable and not result.costs[1].flattenable  # crm uses a: and mx
    assert actions(result) == [
        ("remove_ptr", "ptr"),
        ("remove_duplicate", "include:_spf.esp-one.example"),
        ("remove_dead_include", "include:gone.example"),
        ("remove_duplicate", "include:_netblocks.esp-one.example"),
        ("replace_with_ips", "a"),
        ("replace_with_ips", "mx"),
        ("flatten_include", "include:_spf.esp-one.example"),
    ]
    steps = {step.term: step for step in result.steps}
    assert steps["mx"].replacement == ("ip4:192.0.2.11", "ip6:2001:db8::11")
    assert (
        "already included through include:_spf.esp-one.example"
        in steps["include:_netblocks.esp-one.example"].explanation
    )
    assert steps["include:_spf.esp-one.example"].replacement == ("ip4:198.51.100.0/25", "ip6:2001:db8:1::/48")
    assert result.proposed_record == (
        "v=spf1 ip4:192.0.2.10 ip4:192.0.2.11 ip6:2001:db8::11 include:_spf.esp-two.example "
        "ip4:198.51.100.0/25 ip6:2001:db8:1::/48 include:nested.crm.example ~all"
    )
    assert (result.proposed_lookups, result.under_limit_after, result.reason) == (
        8,
        True,
        "spf_reduce.reduced",
    )
    assert not parse_record(result.proposed_record).problems
    assert any("nested include" in note for note in result.notes)


async def test_the_new_count_is_what_an_audit_of_the_new_record_finds(zone) -> None:
    result = await plan_spf_reduction("big.example", resolver=zone.resolver())
    records = {**zone.records, ("big.example", "TXT"): (result.proposed_record,)}
    audit = await audit_spf("big.example", resolver=dataclasses.replace(zone, records=records).resolver())
    assert audit.total_lookups == result.proposed_lookups


async def test_without_addresses_a_and_mx_stay_and_more_is_flattened(zone) -> None:
    audit = await audit_spf("big.example", resolver=zone.resolver())
    result = reduce_spf(audit)  # pure: no addresses for a/mx were resolved
    assert ("replace_with_ips", "a") not in actions(result)
    assert result.proposed_lookups <= 10 and " a mx " in result.proposed_record


async def test_still_over_lists_what_only_the_owner_can_decide(zone) -> None:
    result = await plan_spf_reduction("crowded.example", resolver=zone.resolver())
    assert (result.lookups, result.proposed_lookups, result.reason) == (13, 13, "spf_reduce.still_over")
    assert result.under_limit_after is False
    decide = [step for step in result.steps if step.action == "decide"]
    assert decide[0].term == "include:s5.saas.example" and decide[0].saves == 3
    assert not any(cost.flattenable for cost in result.costs)
    assert result.proposed_record == result.record


async def test_under_the_limit_only_safe_cleanups(zone) -> None:
    result = await plan_spf_reduction("tidy.example", resolver=zone.resolver())
    assert result.over_limit is False and result.reason == "spf_reduce.cleaned_up"
    assert actions(result) == [
        ("remove_ptr", "ptr"),
        ("remove_duplicate", "include:_netblocks.esp-one.example"),
    ]
    assert result.proposed_record == "v=spf1 include:_netblocks.esp-one.example -all"
    assert result.proposed_lookups == 1


async def test_clean_record_and_missing_record(zone) -> None:
    acme = load_zone(ZONES / "acme-mail.yml").resolver()
    clean = await plan_spf_reduction("acme.example", resolver=acme)
    assert (clean.reason, clean.steps, clean.proposed_record) == ("spf_reduce.under_limit", (), clean.record)
    missing = await plan_spf_reduction("nospf.example", resolver=zone.resolver())
    assert (missing.reason, missing.proposed_record) == ("spf_reduce.no_record", None)


async def test_browser_entry_point(zone) -> None:
    answer = json.loads(
        await spf_reduction_json(json.dumps({"domain": "big.example"}), resolver=zone.resolver())
    )
    assert answer["ok"], answer
    result = answer["result"]
    assert (result["lookups"], result["proposed_lookups"]) == (19, 8)
    assert result["steps"][0] == {
        "action": "remove_ptr",
        "term": "ptr",
        "replacement": [],
        "saves": 1,
        "reason": "spf_reduce.remove_ptr",
        "explanation": result["steps"][0]["explanation"],
    }
    empty = json.loads(await spf_reduction_json(json.dumps({"domain": ""}), resolver=zone.resolver()))
    assert empty["ok"] is False and empty["error"]["reason"] == "input.empty"


async def test_an_include_that_failed_to_resolve_is_kept(zone) -> None:
    result = await plan_spf_reduction("shaky.example", resolver=zone.resolver())
    assert actions(result) == [("remove_dead_include", "include:gone2.example")]
    assert "permerror" in result.steps[0].explanation
    assert result.proposed_record == "v=spf1 include:down.example ip4:192.0.2.0/24 -all"


async def test_explanations_count_lookups_in_good_english(zone) -> None:
    # "costs 1 lookups" was shown to readers; every count of one is singular.
    texts = []
    for domain in ("big.example", "crowded.example", "tidy.example"):
        result = await plan_spf_reduction(domain, resolver=zone.resolver())
        texts += [step.explanation for step in result.steps]
    assert any(re.search(r"\b1 lookup\b", text) for text in texts), texts
    assert not any(re.search(r"\b1 lookups\b", text) for text in texts), texts


async def test_a_tree_with_a_record_that_could_not_be_read_gives_a_lower_bound(zone) -> None:
    shaky = await plan_spf_reduction("shaky.example", resolver=zone.resolver())
    assert shaky.incomplete is True
    assert shaky.notes[0].startswith(f"At least {shaky.lookups} lookup")
    # Every record in the tree answered: the count is exact.
    tidy = await plan_spf_reduction("tidy.example", resolver=zone.resolver())
    assert tidy.incomplete is False and not any("At least" in note for note in tidy.notes)
    # Nothing to change, but a record could not be read: not "nothing to do".
    lone = load_zone(ZONES / "spf-reduction.yml")
    records = {**lone.records, ("lone.example", "TXT"): ("v=spf1 include:down.example -all",)}
    resolver = dataclasses.replace(lone, records=records).resolver()
    partial = await plan_spf_reduction("lone.example", resolver=resolver)
    assert (partial.reason, partial.incomplete) == ("spf_reduce.incomplete", True)
    assert "at least 1 of the 10" in partial.explanation and "nothing to do" not in partial.explanation
