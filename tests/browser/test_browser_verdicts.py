"""Verdict-first results and the follow-up views, in real headless Chromium at 1280 and 390 px.

The bounce verdict (first step, who acts, the entry; the recipient's line of a Microsoft 365 NDR; the
code explained when nothing matches), the IP verdict with removal links, the Received timeline (SVG),
the Gmail / Yahoo / Outlook.com sender-rules matrix, the DMARC next-step and SPF reduction cards, and
the small check on entry pages. The real worker answers; DNS comes from the local DoH server serving
the zone fixtures (sender-requirements.yml, dmarc-next-step.yml, spf-reduction.yml, ipcheck.yml, ...).
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from conftest import ZONES, merged_zone, new_watched_page, open_on_resolver

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
ZONE_DIR = REPO / "tests" / "fixtures" / "zones"
# Later files win: the three follow-up zones over the analyzer's usual ones.
VERDICT_ZONES = (
    *ZONES,
    ZONE_DIR / "sender-requirements.yml",
    ZONE_DIR / "dmarc-next-step.yml",
    ZONE_DIR / "spf-reduction.yml",
)
EXCHANGE_NDR = REPO / "tests" / "bounce" / "samples" / "exchange.txt"
NEWSLETTER = Path(__file__).parent / "fixtures" / "newsletter-dmarc-fail.eml"
GMAIL_DMARC_BOUNCE = (
    "550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's\n"
    "550 5.7.26 DMARC policy. gsmtp"
)
WIDTHS = [1280, 390]


def _off_host(urls: list[str]) -> list[str]:
    parsed = [(url, urlparse(url)) for url in urls]
    return [url for url, part in parsed if part.scheme in ("http", "https") and part.hostname != "127.0.0.1"]


@pytest.fixture(scope="module")
def verdict_doh():
    from dohserver import DohServer

    with DohServer(merged_zone(VERDICT_ZONES)) as server:
        yield server


@pytest.fixture(params=WIDTHS, ids=[f"{width}px" for width in WIDTHS])
def width(request) -> int:
    return request.param


@pytest.fixture
def browser_page(chromium, width):
    """A fresh context (empty storage) at the test's width; the page logs requests, errors and CSP."""
    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = new_watched_page(context)
    page.width = width
    yield page
    assert not page.errors, page.errors
    assert not page.csp_violations(), page.csp_violations()
    assert not _off_host(page.requests), _off_host(page.requests)
    context.close()


def shot(screenshot, page, locator, name: str) -> None:
    """A PNG of just ``locator`` (the part under test), in the screenshot fixture's folder."""
    path = screenshot(page, name, full_page=False)
    locator.screenshot(path=str(path))


def run_form(page, kind: str) -> str:
    page.click(f"#an-panel-{kind} button[type=submit]")
    page.wait_for_selector(f"#an-result-{kind}[data-state=done]", timeout=90_000)
    return page.inner_text(f"#an-result-{kind}")


def href_path(page, selector: str) -> str:
    return urlparse(page.get_attribute(selector, "href")).path


def no_sideways_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def overview_widths(page) -> dict:
    """The domain overview table's width and that of the box it sits in (wider = cut off, scrolling)."""
    return page.eval_on_selector(
        "#an-result-domain table.an-overview",
        "table => ({table: table.getBoundingClientRect().width, box: table.parentElement.clientWidth,"
        " scroll: table.parentElement.scrollWidth})",
    )


# ---------------------------------------------------------------- 1. bounce verdict


def test_bounce_leads_with_first_step_who_acts_and_entry(browser_page, site_url, verdict_doh, screenshot):
    page = browser_page
    open_on_resolver(page, site_url, verdict_doh, tab="bounce")
    page.fill("#an-bounce-text", GMAIL_DMARC_BOUNCE)
    run_form(page, "bounce")
    first = page.locator("#an-result-bounce .an-view > *").first
    assert "an-lead-verdict" in first.get_attribute("class")
    assert first.get_attribute("data-verdict") == "match"
    lead = first.inner_text()
    assert lead.startswith(
        "First step (the sending side's mail administrator): Find which sending service"
    ), lead
    assert (
        href_path(page, "#an-result-bounce .an-lead-verdict .an-lead-entry a")
        == "/errors/550-5-7-26-gmail-dmarc-reject/"
    )
    shot(screenshot, page, page.locator("#an-result-bounce"), f"bounce-verdict-{page.width}")


def test_m365_ndr_shows_only_the_remote_server_line(browser_page, site_url, verdict_doh, screenshot):
    page = browser_page
    open_on_resolver(page, site_url, verdict_doh, tab="bounce")
    page.fill("#an-bounce-text", EXCHANGE_NDR.read_text(encoding="utf-8"))
    run_form(page, "bounce")
    lead = page.locator("#an-result-bounce .an-lead-verdict")
    said = lead.locator(".an-said code").inner_text()
    assert said == "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup", (
        said
    )
    assert "The recipient's server returned" in lead.inner_text()
    assert "First step (the person who sent the message)" in lead.inner_text()
    assert "Generating server" not in lead.inner_text()
    # The whole notice stays available, folded away.
    assert page.locator("#an-result-bounce details.an-ndr").count() == 1
    assert page.locator("#an-result-bounce details.an-ndr").get_attribute("open") is None
    shot(screenshot, page, page.locator("#an-result-bounce"), f"bounce-m365-{page.width}")


def test_unmatched_code_is_explained_with_the_closest_generic_page(
    browser_page, site_url, verdict_doh, screenshot
):
    page = browser_page
    open_on_resolver(page, site_url, verdict_doh, tab="bounce")
    page.fill("#an-bounce-text", "550 5.3.99 Something odd happened here")
    text = run_form(page, "bounce")
    lead = page.locator("#an-result-bounce .an-lead-verdict")
    assert lead.get_attribute("data-verdict") == "code"
    words = lead.inner_text()
    assert words.startswith("5.3.99: Permanent failure"), words
    assert "subject 3 is the receiving mail system" in words
    assert href_path(page, "#an-result-bounce .an-lead-verdict .an-lead-entry a") == (
        "/errors/554-5-3-0-other-mail-system-status/"
    )
    assert "No catalog entry matches this text. Search" not in text
    # A temporary code says so too.
    page.fill("#an-bounce-text", "451 4.3.99 Try again later please")
    run_form(page, "bounce")
    assert "Temporary failure" in page.inner_text("#an-result-bounce .an-lead-verdict")
    shot(screenshot, page, page.locator("#an-result-bounce"), f"bounce-code-{page.width}")


# ---------------------------------------------------------------- 2. IP verdict


def test_ip_verdict_and_removal_links(browser_page, site_url, verdict_doh, screenshot):
    page = browser_page
    open_on_resolver(page, site_url, verdict_doh, tab="ip")
    page.fill("#an-ip-address", "203.0.113.7")
    run_form(page, "ip")
    first = page.locator("#an-result-ip .an-view > *").first
    assert first.get_attribute("data-verdict") == "fail"
    assert "Listed on 2 blocklists" in first.inner_text()
    verdict_links = page.eval_on_selector_all(
        "#an-result-ip .an-ip-verdict a", "links => links.map(a => a.href)"
    )
    assert verdict_links[:2] == ["https://check.spamhaus.org/", "https://www.spamcop.net/bl.shtml"], (
        verdict_links
    )
    assert urlparse(verdict_links[2]).path == "/errors/554-5-7-1-client-ip-blocklisted/"
    links = dict(
        page.eval_on_selector_all(
            "#an-result-ip tr[data-list]",
            "rows => rows.map(r => [r.dataset.list, (r.querySelector('a.an-list-link') || {}).href || null])",
        )
    )
    assert links == {
        "spamhaus-zen": "https://check.spamhaus.org/",
        "spamcop": "https://www.spamcop.net/bl.shtml",
        "barracuda": "https://www.barracudacentral.org/rbl/removal-request",
    }
    assert page.inner_text("#an-result-ip tr[data-list=spamcop] a.an-list-link") == "Removal request"
    shot(screenshot, page, page.locator("#an-result-ip"), f"ip-listed-{page.width}")
    page.fill("#an-ip-address", "192.0.2.10")
    run_form(page, "ip")
    verdict = page.locator("#an-result-ip .an-ip-verdict")
    assert verdict.get_attribute("data-verdict") == "pass" and "Not listed" in verdict.inner_text()
    page.fill("#an-ip-address", "203.0.113.8")  # Spamhaus refuses the public resolver
    run_form(page, "ip")
    verdict = page.locator("#an-result-ip .an-ip-verdict")
    assert verdict.get_attribute("data-verdict") == "error"
    assert "could not check 1" in verdict.inner_text() and "not a listing" in verdict.inner_text()


# ---------------------------------------------------------------- 3. Received timeline


def test_received_hops_timeline_is_an_accessible_svg_next_to_the_table(
    browser_page, site_url, verdict_doh, screenshot
):
    page = browser_page
    open_on_resolver(page, site_url, verdict_doh, tab="headers")
    page.fill("#an-headers-text", NEWSLETTER.read_text(encoding="utf-8"))
    run_form(page, "headers")
    block = page.locator("#an-result-headers [data-block=received]")
    hops = block.locator(".an-timeline li")
    assert hops.count() == 3
    bars = page.eval_on_selector_all(
        "#an-result-headers .an-timeline li",
        "items => items.map(li => ({share: Number(li.dataset.share),"
        " width: li.querySelector('svg .an-bar__fill').getBoundingClientRect().width,"
        " track: li.querySelector('svg .an-bar__track').getBoundingClientRect().width,"
        " label: li.querySelector('svg').getAttribute('aria-label'),"
        " title: li.querySelector('svg title').textContent, text: li.innerText}))",
    )
    slowest = max(bars, key=lambda bar: bar["share"])
    assert slowest["share"] == 1 and abs(slowest["width"] - slowest["track"]) < 1, bars
    assert "(slowest)" in slowest["text"] and "3 min" in slowest["text"]
    for bar in bars:
        assert abs(bar["width"] - bar["share"] * bar["track"]) <= max(1.0, 0.01 * bar["track"]), bars
        assert bar["label"].startswith("Hop ") and bar["label"] == bar["title"]
    assert block.locator("figure.an-timeline figcaption").count() == 1
    assert block.locator("table.an-hops tbody tr").count() == 3  # the table stays
    assert page.locator("script[src*='cdn'], link[href*='cdn']").count() == 0
    block.scroll_into_view_if_needed()
    shot(screenshot, page, block, f"timeline-{page.width}")


# ---------------------------------------------------------------- 4. sender rules


def _signed_message() -> str:
    sys.path.insert(0, str(REPO / "tests" / "requirements"))
    from test_sender_requirements import message

    return message()


def test_sender_rules_matrix_from_the_headers_result(browser_page, site_url, verdict_doh, screenshot):
    page = browser_page
    open_on_resolver(page, site_url, verdict_doh, tab="headers")
    page.fill("#an-headers-text", _signed_message())
    run_form(page, "headers")
    block = page.locator("#an-result-headers [data-block=sender-rules]")
    assert block.count() == 1
    page.click("#an-result-headers [data-action=sender-rules]")
    page.wait_for_selector("#an-result-headers [data-plan=rules][data-state=done]", timeout=90_000)
    cells = page.eval_on_selector_all(
        "#an-result-headers .an-view--rules tr[data-rule] .an-cell",
        "cells => cells.map(c => [c.closest('tr').dataset.rule, c.dataset.provider, c.dataset.outcome,"
        " (c.querySelector('a') || {}).href || null])",
    )
    by_cell = {(rule, provider): (outcome, href) for rule, provider, outcome, href in cells}
    assert by_cell[("spf_pass", "gmail")][0] == "met"
    assert by_cell[("spf_pass", "outlook")][0] == "met"
    assert by_cell[("spf_or_dkim", "outlook")] == ("not_stated", None)
    assert by_cell[("spam_rate", "gmail")][0] == "could_not_check"
    assert by_cell[("spf_pass", "gmail")][1].startswith("https://support.google.com/")
    hrefs = [href for _, href in by_cell.values() if href]
    assert hrefs and all(href.startswith("https://") for href in hrefs)
    headers = page.eval_on_selector_all("#an-rules-matrix thead th", "ths => ths.map(t => t.innerText)")
    assert headers[1:] == ["Gmail", "Yahoo", "Outlook.com"], headers
    lead = page.inner_text("#an-result-headers .an-rules-lead")
    assert "Gmail" in lead and "6 of 7 met" in lead
    page.locator("#an-result-headers [data-block=sender-rules]").scroll_into_view_if_needed()
    shot(
        screenshot,
        page,
        page.locator("#an-result-headers [data-block=sender-rules]"),
        f"sender-rules-{page.width}",
    )


# ---------------------------------------------------------------- 5. DMARC and SPF cards


def test_domain_result_has_dmarc_next_step_and_spf_reduction_cards(
    browser_page, site_url, verdict_doh, screenshot
):
    page = browser_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    open_on_resolver(page, site_url, verdict_doh, tab="domain")
    page.fill("#an-domain-name", "big.example")
    run_form(page, "domain")
    page.wait_for_selector("#an-result-domain [data-plan=spf][data-state=done]", timeout=90_000)
    dmarc = page.locator("#an-result-domain [data-block=dmarc-next]")
    assert dmarc.get_attribute("data-stage") == "start_monitoring"
    proposed = dmarc.locator(".an-proposed__record").inner_text()
    assert proposed == "v=DMARC1; p=none; rua=mailto:dmarc-reports@big.example"
    dmarc.locator("[data-action=copy-record]").click()
    assert dmarc.locator("[data-action=copy-record]").get_attribute("data-copied") == proposed
    assert page.evaluate("navigator.clipboard.readText()") == proposed
    spf = page.locator("#an-result-domain [data-block=spf-reduce]")
    text = spf.inner_text()
    assert "19 of 10 lookups" in text and "over the limit" in text
    actions = spf.locator(".an-steps li").evaluate_all("items => items.map(i => i.dataset.action)")
    assert actions[:3] == ["remove_ptr", "remove_duplicate", "remove_dead_include"], actions
    first_step = spf.locator(".an-steps li").first.inner_text()
    assert first_step.startswith("Drop ptr (saves 1 lookup)"), first_step
    assert "After these steps: 8 of 10 lookups" in text
    assert spf.locator(".an-proposed__record").inner_text().startswith("v=spf1 ")
    assert spf.locator("[data-action=copy-record]").count() == 1
    page.locator("#an-result-domain [data-block=plans]").scroll_into_view_if_needed()
    shot(screenshot, page, page.locator("#an-result-domain [data-block=plans]"), f"domain-plans-{page.width}")
    # The long "over the limit" chip wraps inside the card instead of widening the page, and the
    # overview (a card per part on a phone) fits its box instead of hiding its last column.
    assert no_sideways_scroll(page), page.evaluate("document.documentElement.scrollWidth")
    widths = overview_widths(page)
    assert widths["table"] <= widths["box"] + 0.5 and widths["scroll"] <= widths["box"], widths
    if page.width == 390:
        # A card per part: the finding sits under the part's name and verdict, across the card.
        overview = page.locator("#an-result-domain table.an-overview")
        stacked = overview.evaluate(
            "table => [...table.querySelectorAll('tbody tr')].map((row) =>"
            " row.lastElementChild.getBoundingClientRect().top"
            " >= row.querySelector('th').getBoundingClientRect().bottom - 0.5)"
        )
        assert stacked and all(stacked), stacked
        page.locator("#an-result-domain .an-view--domain").scroll_into_view_if_needed()
        shot(screenshot, page, overview, "domain-overview-390")
    # A domain further along: the next quarantine step.
    page.fill("#an-domain-name", "q10.example")
    run_form(page, "domain")
    page.wait_for_selector("#an-result-domain [data-plan=spf][data-state=done]", timeout=90_000)
    assert page.inner_text("#an-result-domain [data-block=dmarc-next] .an-proposed__record") == (
        "v=DMARC1; p=quarantine; pct=50; rua=mailto:dmarc@q10.example"
    )


# ---------------------------------------------------------------- 6. checks on entry pages


def test_entry_page_domain_check_runs_in_place_with_the_saved_resolver(
    browser_page, site_url, verdict_doh, screenshot
):
    page = browser_page
    # Before any choice: the site's first resolver is named, and nothing loads until the form is used.
    page.goto(f"{site_url}/errors/550-5-7-26-gmail-dmarc-reject/?doh=https%3A%2F%2Fevil.example%2Fdns-query")
    page.wait_for_selector(".se-embed:not([hidden]) form[data-kind=domain]")
    assert "Cloudflare" in page.inner_text(".se-embed .an-hint")
    assert "evil.example" not in page.inner_text(".se-embed")
    page.wait_for_timeout(500)
    assert not [url for url in page.requests if "/pyodide/" in url or "worker.mjs" in url]
    # The reader accepts the local resolver in the analyzer; the entry page then uses that choice.
    open_on_resolver(page, site_url, verdict_doh, tab="domain")
    page.goto(f"{site_url}/errors/550-5-7-26-gmail-dmarc-reject/")
    embed = page.locator(".se-embed")
    assert "127.0.0.1" in embed.locator(".an-hint").inner_text()
    assert embed.locator("h2").inner_text() == "Check your domain"
    asked_before = len(verdict_doh.log)
    page.fill("#se-embed-domain", "Alice <alice@q10.example>")
    page.click(".se-embed form[data-kind=domain] button[type=submit]")
    page.wait_for_selector(".se-embed__result[data-state=done]", timeout=120_000)
    assert len(verdict_doh.log) > asked_before
    parts = embed.locator(".se-embed__parts li").evaluate_all("items => items.map(i => i.dataset.section)")
    assert parts == ["SPF", "DKIM", "DMARC"], parts
    assert "pct=10" in embed.locator("li[data-section=DMARC]").inner_text()
    full = urlparse(embed.locator("a.se-embed__full").get_attribute("href"))
    assert full.path == "/analyzer/" and parse_qs(full.query) == {"domain": ["q10.example"]}
    shot(screenshot, page, embed, f"embed-domain-{page.width}")


def test_entry_page_ip_check_and_bounce_paste(browser_page, site_url, verdict_doh, screenshot):
    page = browser_page
    open_on_resolver(page, site_url, verdict_doh, tab="ip")
    page.goto(f"{site_url}/errors/554-5-7-1-client-ip-blocklisted/")
    embed = page.locator(".se-embed")
    assert embed.locator("h2").inner_text() == "Check your sending IP"
    page.fill("#se-embed-ip", "203.0.113.7")
    page.click(".se-embed form[data-kind=ip] button[type=submit]")
    page.wait_for_selector(".se-embed__result[data-state=done]", timeout=120_000)
    verdict = embed.locator(".an-ip-verdict")
    assert "Listed on 2 blocklists" in verdict.inner_text()
    assert verdict.locator("a.an-list-link").count() == 2
    full = urlparse(embed.locator("a.se-embed__full").get_attribute("href"))
    assert full.path == "/analyzer/" and parse_qs(full.query) == {"ip": ["203.0.113.7"]}
    shot(screenshot, page, embed, f"embed-ip-{page.width}")
    embed.locator("details.se-embed__bounce summary").click()
    page.fill(
        "#se-embed-bounce",
        "554 5.7.1 Service unavailable; Client host [203.0.113.7] blocked using zen.spamhaus.org",
    )
    page.click(".se-embed form[data-kind=bounce] button[type=submit]")
    page.wait_for_selector(".se-embed__answer[data-kind=bounce]", timeout=120_000)
    lead = embed.locator(".an-lead-verdict")
    assert lead.inner_text().startswith("First step"), lead.inner_text()
    assert lead.locator(".an-lead-entry a").get_attribute("href")
    shot(screenshot, page, embed, f"embed-bounce-{page.width}")


def test_entry_pages_of_other_categories_have_no_embedded_check(browser_page, site_url):
    page = browser_page
    page.goto(f"{site_url}/errors/552-5-2-2-mailbox-full/")
    page.wait_for_load_state("load")
    assert page.locator(".se-embed").count() == 0
    assert not [url for url in page.requests if "embed.js" in url or "worker.mjs" in url]
