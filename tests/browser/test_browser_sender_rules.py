"""The Gmail / Yahoo / Outlook.com sender-rules matrix on a phone (issue 7): at 390 px each rule is one
compact row (its name, then the three providers' verdicts side by side as badges under each provider's
name), so the page neither scrolls sideways nor grows to a card of four lines per rule; at 1280 px the
side-by-side table is unchanged. Real worker, real DNS answers from the local DoH server
(sender-requirements.yml over the analyzer's zones).
Screenshots: rules-matrix-1280.png, rules-matrix-390.png."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import ZONES, merged_zone, new_watched_page, open_on_resolver

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
RULE_ZONES = (*ZONES, REPO / "tests" / "fixtures" / "zones" / "sender-requirements.yml")
PROVIDERS = ["Gmail", "Yahoo", "Outlook.com"]
# A phone row is the rule's name, the providers' names with their "page" links, and the badges: about
# three short lines. The old card (a labelled line per column) took 142 px per rule at 390 px.
MAX_PHONE_PX_PER_RULE = 90

# Where every part of the matrix is drawn: rows, cells, and the label each cell shows before its badge.
MATRIX_LAYOUT = """() => {
  const table = document.querySelector("#an-rules-matrix table");
  const box = (node) => {
    const r = node.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
  };
  return {
    display: getComputedStyle(table).display,
    theadShown: getComputedStyle(table.tHead).display !== "none",
    table: box(table),
    tbodyHeight: table.tBodies[0].getBoundingClientRect().height,
    parts: [...table.querySelectorAll("tbody td, tbody .an-verdict, tbody a, tbody .an-not-stated")].map(box),
    rows: [...table.tBodies[0].rows].map((row) => ({
      rule: row.dataset.rule,
      height: row.getBoundingClientRect().height,
      cells: [...row.cells].map((cell) => ({
        ...box(cell),
        label: getComputedStyle(cell, "::before").content,
        text: cell.innerText,
        outcome: (cell.querySelector(".an-cell") || {dataset: {}}).dataset.outcome || null,
      })),
    })),
    pageScrollWidth: document.documentElement.scrollWidth,
    viewportWidth: document.documentElement.clientWidth,
  };
}"""

WORDS = {"met": "Met", "not_met": "Not met", "could_not_check": "Could not check", "not_stated": "Not stated"}


@pytest.fixture(scope="module")
def rules_doh():
    from dohserver import DohServer

    with DohServer(merged_zone(RULE_ZONES)) as server:
        yield server


def signed_message() -> str:
    sys.path.insert(0, str(REPO / "tests" / "requirements"))
    from test_sender_requirements import message

    return message()


@pytest.fixture(params=[1280, 390], ids=["1280px", "390px"])
def rules_page(request, chromium, site_url, rules_doh):
    """The Headers result of a signed newsletter with its sender rules drawn, at the test's width."""
    width = request.param
    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = new_watched_page(context)
    open_on_resolver(page, site_url, rules_doh, tab="headers")
    page.fill("#an-headers-text", signed_message())
    page.click("#an-panel-headers button[type=submit]")
    page.wait_for_selector("#an-result-headers[data-state=done]", timeout=90_000)
    page.click("#an-result-headers [data-action=sender-rules]")
    page.wait_for_selector("#an-result-headers [data-plan=rules][data-state=done]", timeout=90_000)
    page.width = width
    yield page
    assert not page.errors, page.errors
    context.close()


def take_matrix_shot(page, screenshot) -> None:
    # Tall enough for the whole matrix, so the sticky site header does not cover part of the picture.
    page.set_viewport_size({"width": page.width, "height": 2200})
    matrix = page.locator("#an-rules-matrix")
    matrix.scroll_into_view_if_needed()
    matrix.screenshot(path=str(screenshot(page, f"rules-matrix-{page.width}", full_page=False)))
    page.set_viewport_size({"width": page.width, "height": 900})


def test_rules_matrix_fits_a_phone_and_keeps_the_desktop_table(rules_page, screenshot):
    page = rules_page
    layout = page.evaluate(MATRIX_LAYOUT)
    rows = layout["rows"]
    assert len(rows) >= 10, rows  # every rule of the three providers, not a sample
    # The same verdicts at both widths (the sample message meets SPF everywhere; Outlook.com has no
    # "SPF or DKIM" rule; no message shows the spam rate).
    outcomes = {row["rule"]: [cell["outcome"] for cell in row["cells"][1:]] for row in rows}
    assert outcomes["spf_pass"] == ["met", "met", "met"]
    assert outcomes["spf_or_dkim"][2] == "not_stated"
    assert outcomes["spam_rate"][0] == "could_not_check"
    for row in rows:
        for cell in row["cells"][1:]:
            assert WORDS[cell["outcome"]] in cell["text"], (row["rule"], cell)
    # Nothing scrolls sideways and nothing sticks out of the matrix.
    assert layout["pageScrollWidth"] <= layout["viewportWidth"], layout["pageScrollWidth"]
    table = layout["table"]
    overflowing = [
        part
        for part in layout["parts"]
        if part["right"] > table["right"] + 0.5 or part["left"] < table["left"] - 0.5
    ]
    assert not overflowing, overflowing

    if page.width >= 1280:
        # The desktop table, unchanged: a header row, and each rule on one line of four columns.
        assert layout["display"] == "table" and layout["theadShown"]
        headers = page.eval_on_selector_all("#an-rules-matrix thead th", "ths => ths.map(t => t.innerText)")
        assert headers == ["Rule", *PROVIDERS], headers
        for row in rows:
            tops = {round(cell["top"]) for cell in row["cells"]}
            lefts = [cell["left"] for cell in row["cells"]]
            assert len(tops) == 1 and lefts == sorted(lefts), row
            assert all(cell["label"] in ("none", "normal") for cell in row["cells"]), row
    else:
        # One compact row per rule: the name across the top, then the three providers side by side,
        # each badge under its provider's name.
        assert not layout["theadShown"]
        for row in rows:
            name, *providers = row["cells"]
            assert name["label"] in ("none", "normal"), row
            assert [cell["label"] for cell in providers] == [f'"{provider}"' for provider in PROVIDERS], row
            assert all(cell["top"] >= name["bottom"] - 0.5 for cell in providers), row
            assert len({round(cell["top"]) for cell in providers}) == 1, row
            lefts = [cell["left"] for cell in providers]
            assert lefts == sorted(lefts) and len(set(lefts)) == 3, row
        per_rule = layout["tbodyHeight"] / len(rows)
        assert per_rule <= MAX_PHONE_PX_PER_RULE, (
            f"{per_rule:.0f} px per rule ({layout['tbodyHeight']:.0f} px)"
        )
    take_matrix_shot(page, screenshot)
