"""The analyzer's tailored result views and the home page's bounce handoff, in real headless Chromium."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
SIGNED_MESSAGE = REPO / "tests" / "corpora" / "dkim" / "mailauth" / "rfc8463-a3" / "signed.eml"
# An ESP newsletter: SPF and DKIM pass for the ESP's domains, neither aligns with shop.example (p=reject).
NEWSLETTER = FIXTURES / "newsletter-dmarc-fail.eml"
ARC_LIST = REPO / "tests" / "qa" / "fixtures" / "m365_arc_list.eml"
GMAIL_DMARC_BOUNCE = (
    "550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's\n"
    "550 5.7.26 DMARC policy. gsmtp"
)


def _off_host(urls: list[str]) -> list[str]:
    parsed = [(url, urlparse(url)) for url in urls]
    return [url for url, part in parsed if part.scheme in ("http", "https") and part.hostname != "127.0.0.1"]


def run_form(page, kind: str) -> str:
    page.click(f"#an-panel-{kind} button[type=submit]")
    page.wait_for_selector(f"#an-result-{kind}[data-state=done]", timeout=60_000)
    return page.inner_text(f"#an-result-{kind}")


def alignment_rows(page) -> list[dict[str, str]]:
    return page.eval_on_selector_all(
        "#an-result-headers tr.an-align",
        "rows => rows.map(r => ({source: r.dataset.source, domain: r.dataset.domain,"
        " aligned: r.dataset.aligned || null, text: r.innerText}))",
    )


def test_signed_sample_shows_verdict_first_and_an_alignment_row_per_identifier(analyzer):
    page = analyzer.open_analyzer(dohformat="wire", tab="headers")
    page.fill("#an-headers-text", SIGNED_MESSAGE.read_text(encoding="utf-8"))
    text = run_form(page, "headers")
    first = page.locator("#an-result-headers .an-view > *").first
    assert "an-summary" in first.get_attribute("class") and "Pass" in first.inner_text(), text
    rows = alignment_rows(page)
    assert [row["source"] for row in rows] == ["from", "spf", "dkim", "dkim"], rows
    assert rows[0]["domain"] == "football.example.com"
    # No Return-Path in the sample: the MAIL FROM row says it is unknown and why.
    assert rows[1]["aligned"] == "unknown" and "Return-Path" in rows[1]["text"]
    for row, selector in zip(rows[2:], ("s=brisbane", "s=test"), strict=True):
        assert row["domain"] == "football.example.com" and row["aligned"] == "true", row
        assert selector in row["text"] and "pass" in row["text"] and "relaxed (adkim=r)" in row["text"]
        assert "relaxed yes, strict yes" in row["text"]
    signatures = page.locator("#an-result-headers .an-dkim-sig")
    assert signatures.count() == 2
    assert "ed25519-sha256" in signatures.nth(0).inner_text() and "matches" in signatures.nth(0).inner_text()
    assert "rsa-sha256" in signatures.nth(1).inner_text()
    assert page.locator("#an-result-headers details.an-json").count() == 1
    assert not page.errors and not _off_host(page.requests)


def test_dmarc_failure_shows_why_each_identifier_does_not_align(analyzer):
    page = analyzer.open_analyzer(dohformat="json", tab="headers")
    page.fill("#an-headers-text", NEWSLETTER.read_text(encoding="utf-8"))
    text = run_form(page, "headers")
    assert page.locator("#an-result-headers .an-summary--fail").count() == 1, text
    rows = {row["source"]: row for row in alignment_rows(page)}
    assert rows["spf"]["domain"] == "em.esp.example" and rows["spf"]["aligned"] == "false"
    assert rows["dkim"]["domain"] == "esp.example" and rows["dkim"]["aligned"] == "false"
    assert "unrelated to the From domain shop.example" in rows["dkim"]["text"]
    assert "d=shop.example" in page.inner_text("#an-result-headers [data-block=dmarc] .an-fixes")
    spf = page.inner_text("#an-result-headers [data-block=spf]")
    assert "203.0.113.7" in spf and "ip4:203.0.113.0/24" in spf and "0 of 10 allowed" in spf
    trust = page.eval_on_selector_all(
        "#an-result-headers [data-block=authres] tbody tr", "rows => rows.map(r => r.dataset.trusted)"
    )
    assert trust == ["true", "false"]
    hops = page.locator("#an-result-headers [data-block=received] tbody tr")
    assert hops.count() == 3
    assert "(slowest)" in hops.nth(1).inner_text() and "203.0.113.7" in hops.nth(1).inner_text()
    assert "3 min" in page.inner_text("#an-result-headers [data-block=received] tfoot")
    unsubscribe = page.locator("#an-result-headers [data-block=listunsub] tbody tr")
    assert unsubscribe.count() == 5
    assert "One-click" in page.inner_text("#an-result-headers [data-block=listunsub]")
    assert not page.errors and not _off_host(page.requests)


def test_arc_chain_lists_each_sealing_hop(analyzer):
    page = analyzer.open_analyzer(tab="headers")
    page.fill("#an-headers-text", ARC_LIST.read_text(encoding="utf-8"))
    run_form(page, "headers")
    block = page.locator("#an-result-headers [data-block=arc]")
    assert "cv=pass" in block.inner_text()
    row = block.locator("tr[data-instance='1']")
    row_text = row.inner_text()
    assert "lists.example" in row_text and "valid" in row_text and "dmarc=pass" in row_text
    assert not page.errors


def test_domain_audit_shows_spf_tree_counts_mx_table_and_both_dmarc_methods(analyzer):
    page = analyzer.open_analyzer(tab="domain")
    page.fill("#an-domain-name", "acme.example")
    page.fill("#an-domain-selectors", "selector1 nosuch")
    run_form(page, "domain")
    result = page.locator("#an-result-domain")
    counts = dict(page.eval_on_selector_all(
        "#an-result-domain .an-spf-node",
        "nodes => nodes.map(n => [n.dataset.domain,"
        " n.querySelector(':scope > .an-spf-head [data-lookups]').dataset.lookups])",
    ))
    assert counts == {
        "acme.example": "3", "_spf.mailer.example": "2", "_netblocks.mailer.example": "0",
        "_netblocks6.mailer.example": "0", "spf.crm.example": "1",
    }
    assert "6 of 10 allowed" in result.locator("[data-total=lookups]").inner_text()
    assert "0 of 2 allowed" in result.locator("[data-total=void]").inner_text()
    mx = result.locator("[data-section=MX] tbody tr")
    assert mx.count() == 3
    assert "192.0.2.20" in mx.nth(2).inner_text() and "confirmed" in mx.nth(2).inner_text()
    assert result.locator("[data-section=DMARC] tr[data-method]").count() == 2
    assert "not found" in result.locator("[data-section=DKIM] tr[data-selector=nosuch]").inner_text()
    assert "found" in result.locator("[data-section=DKIM] tr[data-selector=selector1]").inner_text()
    assert result.locator(".an-overview tr[data-section]").count() >= 6
    assert not page.errors and not _off_host(page.requests)


def test_ip_blocklist_table_separates_listed_not_listed_and_could_not_check(analyzer):
    page = analyzer.open_analyzer(tab="ip")
    page.fill("#an-ip-address", "203.0.113.7")
    run_form(page, "ip")
    rows = dict(
        page.eval_on_selector_all(
            "#an-result-ip tr[data-list]", "rows => rows.map(r => [r.dataset.list, r.innerText])"
        )
    )
    assert "Listed" in rows["spamhaus-zen"] and "127.0.0.2" in rows["spamhaus-zen"]
    assert "Not listed" in rows["barracuda"]
    page.fill("#an-ip-address", "203.0.113.11")
    run_form(page, "ip")
    spamcop = page.inner_text("#an-result-ip tr[data-list=spamcop]")
    # A DNS failure names the query that failed and why.
    assert "Could not check" in spamcop and "11.113.0.203.bl.spamcop.net" in spamcop
    assert "SERVFAIL" in spamcop.upper()
    assert not page.errors and not _off_host(page.requests)


def test_code_only_bounce_says_the_number_alone_does_not_identify_the_cause(analyzer):
    page = analyzer.open_analyzer(tab="bounce")
    page.fill("#an-bounce-text", "550 5.7.1 rejected")
    run_form(page, "bounce")
    notice = page.locator("#an-result-bounce .an-generic")
    assert notice.count() == 1 and "number alone does not identify the cause" in notice.inner_text()
    href = page.locator("#an-result-bounce .an-match a").first.get_attribute("href")
    assert urlparse(href).path.startswith("/errors/") and href.endswith("/")
    page.fill("#an-bounce-text", GMAIL_DMARC_BOUNCE)
    run_form(page, "bounce")
    assert page.locator("#an-result-bounce .an-generic").count() == 0


def test_home_page_hands_the_bounce_to_the_analyzer_without_sending_it(analyzer, site_url):
    page = analyzer
    page.goto(f"{site_url}/")
    assert page.get_attribute("#se-handoff-text", "name") is None  # nothing a form could submit
    assert page.locator("label[for=se-handoff-text]").count() == 1
    page.fill("#se-handoff-text", GMAIL_DMARC_BOUNCE)
    page.click("#se-handoff button[type=submit]")
    page.wait_for_url("**/analyzer/**")
    page.wait_for_selector("#an-result-bounce[data-state=done]", timeout=120_000)
    assert page.get_attribute("#an-tab-bounce", "aria-selected") == "true"
    assert page.input_value("#an-bounce-text") == GMAIL_DMARC_BOUNCE
    best = page.locator("#an-result-bounce .an-match").first
    assert best.get_attribute("data-entry-id") == "550-5-7-26-gmail-dmarc-reject"
    assert page.evaluate("sessionStorage.getItem('smtp-analyzer:handoff')") is None
    assert not any("Unauthenticated" in url or "5.7.26" in url for url in page.requests), page.requests
    assert not page.errors and not _off_host(page.requests)


def test_bounce_in_the_url_fragment_is_analysed_and_removed_from_the_address(analyzer, site_url):
    page = analyzer
    page.goto(f"{site_url}/analyzer/#bounce=550%205.7.1%20rejected")
    page.wait_for_selector("#an-result-bounce[data-state=done]", timeout=120_000)
    assert page.input_value("#an-bounce-text") == "550 5.7.1 rejected"
    assert "#bounce" not in page.url
    assert not _off_host(page.requests)
