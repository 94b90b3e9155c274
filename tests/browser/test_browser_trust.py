"""Trust and privacy of the site and the analyzer (GitHub issue 7), in real headless Chromium: a resolver
named in a link is only proposed, every page carries a Content-Security-Policy that nothing violates,
pasted text does not outlive the tab, and results show pasted text as text and link only https:."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
from conftest import analyzer_query, new_watched_page, open_on_resolver, wait_ready

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
NEWSLETTER = Path(__file__).parent / "fixtures" / "newsletter-dmarc-fail.eml"
GMAIL_DMARC_ENTRY = "550-5-7-26-gmail-dmarc-reject"
BOUNCE = (
    "550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's\n"
    "550 5.7.26 DMARC policy. gsmtp"
)
MARKER = "pasted-secret-7f3a"


def run_form(page, kind: str) -> str:
    page.click(f"#an-panel-{kind} button[type=submit]")
    page.wait_for_selector(f"#an-result-{kind}[data-state=done]", timeout=60_000)
    return page.inner_text(f"#an-result-{kind}")


def dead_resolver_url() -> str:
    """An http://127.0.0.1 address where nothing listens (a port just released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/dns-query"


def choose_custom_resolver(page, url: str, dohformat: str = "wire") -> None:
    page.click("#an-settings > summary")
    page.select_option("#an-resolver", "custom")
    page.fill("#an-custom-url", url)
    page.dispatch_event("#an-custom-url", "change")
    page.select_option("#an-custom-format", dohformat)


# ---------------------------------------------------------------- 1. a link only proposes a resolver


def test_resolver_in_the_link_is_not_used_before_the_reader_accepts_it(
    chromium, site_url, doh_server, screenshot
):
    context = chromium.new_context()
    page = new_watched_page(context)
    # The reader's own, explicit choice (here a local resolver that is down, so nothing leaves the machine).
    page.goto(f"{site_url}/analyzer/")
    wait_ready(page)
    dead = dead_resolver_url()
    choose_custom_resolver(page, dead)
    doh_server.clear_log()

    page.goto(f"{site_url}/analyzer/{analyzer_query(doh_server, 'wire', 'domain')}&domain=acme.example")
    wait_ready(page)
    proposal = page.locator("#an-proposal")
    assert proposal.is_visible()
    text = proposal.inner_text()
    assert f"127.0.0.1:{doh_server.port}" in page.inner_text("#an-proposal-host")
    assert "see every DNS name" in text and "forge" in text
    # The menu still shows the reader's choice, and a ?domain= link waits for the decision.
    assert page.inner_text("#an-resolver-name") == urlparse(dead).netloc
    page.wait_for_timeout(500)
    assert page.locator("#an-result-domain[data-state]").count() == 0
    screenshot(page, "trust-proposal-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "trust-proposal-390")
    page.set_viewport_size({"width": 1280, "height": 800})

    # Declining keeps the reader's resolver: the check runs through it, the proposed server hears nothing.
    page.click("#an-proposal-reject")
    page.wait_for_selector("#an-result-domain[data-state=done]", timeout=60_000)
    assert doh_server.log == [] and doh_server.preflights == 0
    assert "doh=" not in page.url

    # Opened again: proposed again; accepted, it becomes the reader's choice and is the one asked.
    page.goto(f"{site_url}/analyzer/{analyzer_query(doh_server, 'wire', 'domain')}")
    wait_ready(page)
    page.fill("#an-domain-name", "acme.example")
    run_form(page, "domain")
    assert doh_server.log == [], "queried the proposed resolver before consent"
    page.click("#an-proposal-accept")
    assert page.inner_text("#an-resolver-name") == f"127.0.0.1:{doh_server.port}"
    assert page.input_value("#an-custom-url") == doh_server.url
    run_form(page, "domain")
    assert any(query.name == "_dmarc.acme.example" for query in doh_server.log)
    assert not page.errors and not page.csp_violations()
    context.close()


def test_a_non_https_resolver_in_the_link_cannot_be_accepted(chromium, site_url):
    context = chromium.new_context()
    page = new_watched_page(context)
    page.goto(f"{site_url}/analyzer/?doh={quote('http://dns.example/dns-query', safe='')}")
    wait_ready(page)
    assert page.locator("#an-proposal-bad").is_visible()
    assert not page.locator("#an-proposal-accept").is_visible()
    assert page.inner_text("#an-resolver-name") == "Cloudflare"
    context.close()


# ---------------------------------------------------------------- 2. Content-Security-Policy everywhere

CSP_META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">')
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>", re.I)


def site_pages(page, site_url) -> dict[str, str]:
    page.goto(f"{site_url}/browse/")
    hub = page.eval_on_selector_all("a[href*='codes/']", "links => links.map(a => a.href)")
    if not hub:
        page.goto(f"{site_url}/errors/{GMAIL_DMARC_ENTRY}/")
        hub = page.eval_on_selector_all("a[href*='codes/']", "links => links.map(a => a.href)")
    assert hub, "no hub page linked from browse or the entry page"
    return {
        "home": f"{site_url}/",
        "entry": f"{site_url}/errors/{GMAIL_DMARC_ENTRY}/",
        "hub": hub[0],
        "browse": f"{site_url}/browse/",
        "contributing": f"{site_url}/contributing/",
    }


def test_every_page_has_a_strict_csp_and_nothing_violates_it(analyzer, site_url, doh_server):
    page = analyzer
    pages = site_pages(page, site_url)
    for name, url in {**pages, "analyzer": f"{site_url}/analyzer/"}.items():
        html = page.request.get(url).text()
        policies = CSP_META.findall(html)
        assert len(policies) == 1, f"{name}: {len(policies)} CSP meta tags"
        policy = dict(part.strip().split(" ", 1) for part in policies[0].split(";") if part.strip())
        assert policy["script-src"] == "'self' 'wasm-unsafe-eval'", (name, policy)
        assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
        assert policy["worker-src"] == "'self'" and policy["object-src"] == "'none'"
        assert policy["connect-src"].split() == [
            "'self'",
            "https://cloudflare-dns.com/dns-query",
            "https://dns.google/resolve",
            "https://dns.quad9.net/dns-query",
        ], (name, policy["connect-src"])
        # The policy is the first thing after the charset, so it covers every script and style.
        assert html.index("Content-Security-Policy") < html.index("<script") and html.index(
            "Content-Security-Policy"
        ) < html.index("<link")
        # No script that would need 'unsafe-inline': only data blocks (JSON) are inline.
        inline = [attrs for attrs in INLINE_SCRIPT.findall(html) if "json" not in attrs]
        assert not inline, f"{name}: inline scripts {inline}"
        assert not re.search(r"\son[a-z]+=\"", html), f"{name}: inline event handler"
        page.goto(url)
        page.wait_for_load_state("load")
        assert not page.csp_violations(), (name, page.csp_violations())
    # The menu offers exactly the resolvers the policy allows (one list in mkdocs.yml).
    page.goto(f"{site_url}/analyzer/")
    offered = page.eval_on_selector_all(
        "#an-resolver option[data-url]", "options => options.map(o => o.dataset.url)"
    )
    assert offered == [
        "https://cloudflare-dns.com/dns-query",
        "https://dns.google/resolve",
        "https://dns.quad9.net/dns-query",
    ]
    # A full analyzer run, every tab, under the policy.
    page.open_analyzer(dohformat="json", tab="bounce")
    page.fill("#an-bounce-text", BOUNCE)
    run_form(page, "bounce")
    page.click("#an-tab-headers")
    page.fill("#an-headers-text", NEWSLETTER.read_text(encoding="utf-8"))
    assert "shop.example" in run_form(page, "headers")
    page.click("#an-tab-domain")
    page.fill("#an-domain-name", "acme.example")
    assert "v=DMARC1" in run_form(page, "domain")
    page.click("#an-tab-ip")
    page.fill("#an-ip-address", "192.0.2.10")
    assert "mx1.acme.example" in run_form(page, "ip")
    page.click("#an-result-ip [data-action=download]")
    assert not page.csp_violations(), page.csp_violations()
    assert not page.errors
    # The watch itself works: an inline script added now is refused and recorded.
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.ran = 1'; document.head.append(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.ran") is None and page.csp_violations()


# ---------------------------------------------------------------- 3. pasted text stays in the tab


def storage_dump(page) -> str:
    return page.evaluate("() => JSON.stringify({local: {...localStorage}, session: {...sessionStorage}})")


def test_pasted_text_does_not_outlive_the_tab(chromium, site_url, doh_server):
    context = chromium.new_context()
    page = new_watched_page(context)
    page.goto(f"{site_url}/analyzer/{analyzer_query(doh_server, 'json')}")
    wait_ready(page)
    page.click("#an-tab-headers")
    page.fill("#an-headers-text", f"Subject: {MARKER}\nFrom: a@shop.example")
    page.click("#an-tab-bounce")
    page.fill("#an-bounce-text", f"550 5.7.1 {MARKER}")
    assert MARKER not in page.evaluate("() => JSON.stringify({...localStorage})")
    assert MARKER in page.evaluate("() => JSON.stringify({...sessionStorage})")  # the tab keeps it
    page.reload()
    wait_ready(page)
    assert MARKER in page.input_value("#an-bounce-text")  # a reload of the same tab keeps it
    page.close()
    # A new tab of the same browser profile: nothing pasted is there, and nothing in localStorage.
    again = new_watched_page(context)
    again.goto(f"{site_url}/analyzer/")
    wait_ready(again)
    assert again.input_value("#an-bounce-text") == "" and again.input_value("#an-headers-text") == ""
    assert MARKER not in storage_dump(again)
    context.close()


def test_clear_wipes_inputs_results_and_every_stored_copy(chromium, site_url, doh_server, screenshot):
    context = chromium.new_context()
    page = new_watched_page(context)
    open_on_resolver(page, site_url, doh_server, "json")
    # Opt in: "Remember on this device" keeps the text in localStorage, and the page says so beside it.
    assert "local storage" in page.inner_text("#an-remember-hint")
    page.check("#an-remember")
    page.fill("#an-bounce-text", f"550 5.7.26 DMARC policy {MARKER}")
    run_form(page, "bounce")
    page.click("#an-tab-domain")
    page.fill("#an-domain-name", "acme.example")
    run_form(page, "domain")
    assert MARKER in page.evaluate("() => JSON.stringify({...localStorage})")
    remembered = new_watched_page(context)
    remembered.goto(f"{site_url}/analyzer/")
    assert MARKER in remembered.input_value("#an-bounce-text")
    assert remembered.is_checked("#an-remember")
    remembered.close()
    screenshot(page, "trust-before-clear-1280")

    page.click("#an-clear")
    for selector in (
        "#an-bounce-text",
        "#an-headers-text",
        "#an-domain-name",
        "#an-domain-selectors",
        "#an-ip-address",
    ):
        assert page.input_value(selector) == "", selector
    assert page.locator(".an-result > *").count() == 0
    assert not page.is_checked("#an-remember")
    dump = storage_dump(page)
    assert MARKER not in dump and "acme.example" not in dump, dump
    assert "domain=" not in page.url
    fresh = new_watched_page(context)
    fresh.goto(f"{site_url}/analyzer/")
    assert fresh.input_value("#an-bounce-text") == "" and MARKER not in storage_dump(fresh)
    context.close()


# ---------------------------------------------------------------- 4. text stays text, links are https:


def test_pasted_markup_is_shown_as_text_and_result_links_are_https_or_on_this_site(analyzer, site_url):
    page = analyzer.open_analyzer(dohformat="json", tab="bounce")
    hostile = (
        '550 5.7.1 <img src=x id=injected onerror="window.pwned=1"><a href="javascript:alert(1)">x</a> gsmtp'
    )
    page.fill("#an-bounce-text", hostile)
    text = run_form(page, "bounce")
    assert page.locator("#injected").count() == 0 and page.evaluate("window.pwned") is None
    assert "<img src=x" in text
    page.click("#an-tab-headers")
    page.fill("#an-headers-text", NEWSLETTER.read_text(encoding="utf-8"))
    run_form(page, "headers")
    hrefs = page.eval_on_selector_all(".an-result a[href]", "links => links.map(a => a.getAttribute('href'))")
    assert hrefs
    for href in hrefs:
        assert href.startswith(("https:", f"{site_url}/", "#")), href
    links = page.evaluate(
        """() => import(new URL("assets/analyzer/dom.js", location.origin + "/").href).then((dom) => [
            "javascript:alert(1)", "http://example.com/", "data:text/html,x", "//evil.example/",
            "https://example.com/x", "/codes/550/", "550-5-7-26-gmail-dmarc-reject",
        ].map((target) => dom.siteLink(target)))"""
    )
    assert links[:4] == [None, None, None, None], links
    assert links[4] == "https://example.com/x"
    assert (
        links[5] == f"{site_url}/codes/550/"
        and links[6] == f"{site_url}/errors/550-5-7-26-gmail-dmarc-reject/"
    )
