"""The analyzer page in real headless Chromium, against the built site and a local DoH server."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
GMAIL_DMARC_ENTRY = "550-5-7-26-gmail-dmarc-reject"
GMAIL_DMARC_BOUNCE = (
    "550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's\n"
    "550-5.7.26 DMARC policy. Please contact the administrator of example.com domain if\n"
    "550-5.7.26 this was a legitimate mail. To learn about the DMARC initiative, go to\n"
    "550 5.7.26  https://support.google.com/mail/?p=DmarcRejection a1si123456qkb.2 - gsmtp"
)
SIGNED_MESSAGE = REPO / "tests" / "corpora" / "dkim" / "mailauth" / "rfc8463-a3" / "signed.eml"


def _off_host(urls: list[str]) -> list[str]:
    """Requests that went anywhere but 127.0.0.1 (the site and the DoH server both live there)."""
    parsed = [(url, urlparse(url)) for url in urls]
    return [url for url, part in parsed if part.scheme in ("http", "https") and part.hostname != "127.0.0.1"]


def run_form(page, kind: str) -> str:
    """Submit the form of ``kind`` and wait for its result; return the result region's text."""
    page.click(f"#an-panel-{kind} button[type=submit]")
    page.wait_for_selector(f"#an-result-{kind}[data-state=done]", timeout=60_000)
    return page.inner_text(f"#an-result-{kind}")


def test_gmail_dmarc_bounce_ranks_the_gmail_dmarc_entry_first_with_a_working_link(analyzer):
    page = analyzer.open_analyzer(tab="bounce")
    page.fill("#an-bounce-text", GMAIL_DMARC_BOUNCE)
    run_form(page, "bounce")
    best = page.locator("#an-result-bounce .an-match").first
    assert best.get_attribute("data-entry-id") == GMAIL_DMARC_ENTRY
    href = best.locator("a").first.get_attribute("href")
    assert href.endswith(f"/errors/{GMAIL_DMARC_ENTRY}/")
    # Fetch the entry page without rendering it (other pages may load site-wide extras).
    response = page.request.get(href)
    assert response.status == 200 and GMAIL_DMARC_ENTRY.split("-")[0] in response.text()
    assert page.locator("#an-result-bounce .an-decided").first.is_visible()
    assert not page.errors and not _off_host(page.requests)


def test_signed_message_shows_dkim_and_dmarc_verdicts(analyzer):
    page = analyzer.open_analyzer(dohformat="json", tab="headers")
    page.fill("#an-headers-text", SIGNED_MESSAGE.read_text(encoding="utf-8"))
    text = run_form(page, "headers")
    assert page.locator("#an-result-headers .an-summary").count() == 1
    checks = page.locator("#an-result-headers .an-check")
    dkim_pass = page.locator("#an-result-headers .an-dkim-sig[data-result=pass]")
    dmarc_checks = checks.filter(has_text="DMARC")
    assert dkim_pass.count() == 2, text
    assert dmarc_checks.count() >= 1, text
    assert dmarc_checks.and_(page.locator(".an-check--pass")).count() >= 1, text
    assert not page.errors and not _off_host(page.requests)


def test_domain_audit_through_local_doh_shows_dmarc_record_and_spf_lookups(analyzer, doh_server):
    page = analyzer.open_analyzer(dohformat="wire", tab="domain")
    doh_server.clear_log()
    page.fill("#an-domain-name", "acme.example")
    page.fill("#an-domain-selectors", "selector1 google")
    text = run_form(page, "domain")
    assert "v=DMARC1; p=reject" in text, text
    assert "lookup" in text.lower(), text
    asked = {(query.name, query.rtype) for query in doh_server.log}
    assert ("_dmarc.acme.example", "TXT") in asked and ("acme.example", "TXT") in asked
    assert not page.errors and not _off_host(page.requests)


def test_ip_check_shows_reverse_dns_from_the_local_resolver(analyzer):
    page = analyzer.open_analyzer(dohformat="json", tab="ip")
    page.fill("#an-ip-address", "192.0.2.10")
    text = run_form(page, "ip")
    assert "mx1.acme.example" in text, text
    assert page.locator("#an-result-ip .an-check--pass").count() >= 1
    assert not page.errors and not _off_host(page.requests)


def test_malformed_input_gets_a_clear_message(analyzer):
    page = analyzer.open_analyzer(tab="bounce")
    run_form(page, "bounce")  # nothing pasted
    error = page.locator("#an-result-bounce .an-error")
    assert error.count() == 1
    assert "empty" in error.inner_text() and "How to fix" in error.inner_text()
    page.click("#an-tab-domain")
    page.fill("#an-domain-name", "not a domain!!")
    run_form(page, "domain")
    error = page.locator("#an-result-domain .an-error")
    assert error.count() >= 1 and "How to fix" in error.first.inner_text()
    assert not page.errors


def test_pasted_input_survives_a_reload(analyzer):
    page = analyzer.open_analyzer(tab="headers")
    page.fill("#an-headers-text", "Subject: kept across reloads")
    page.reload()
    assert page.input_value("#an-headers-text") == "Subject: kept across reloads"
    assert page.get_attribute("#an-tab-headers", "aria-selected") == "true"


def test_tabs_work_from_the_keyboard(analyzer):
    page = analyzer.open_analyzer(tab="bounce")
    page.focus("#an-tab-bounce")
    page.keyboard.press("ArrowRight")
    assert page.get_attribute("#an-tab-headers", "aria-selected") == "true"
    assert page.is_visible("#an-headers-text") and not page.is_visible("#an-bounce-text")
    page.keyboard.press("End")
    assert page.get_attribute("#an-tab-ip", "aria-selected") == "true"


def test_no_request_leaves_127_0_0_1_and_phases_are_timed(analyzer):
    page = analyzer.open_analyzer()
    timings = page.evaluate("window.analyzerTimings")
    for phase in ("runtime", "wheels", "import", "ready"):
        assert isinstance(timings.get(phase), (int, float)), timings
    assert any("/pyodide/pyodide.asm.wasm" in url for url in page.requests)
    assert any(url.endswith("/startup.tar.gz") for url in page.requests)
    # The catalog and the rest of the checker are fetched after "ready", from this site too.
    later = ("/catalog.json", "/deferred.tar.gz")
    for _ in range(300):
        if all(any(url.endswith(name) for url in page.requests) for name in later):
            break
        page.wait_for_timeout(100)
    assert any(url.endswith("/catalog.json") for url in page.requests)
    assert any(url.endswith("/deferred.tar.gz") for url in page.requests)
    assert not _off_host(page.requests)
