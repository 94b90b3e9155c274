"""Clarity of the analyzer (GitHub issue 7), in real headless Chromium at 1280 px and 390 px: the tab bar
on a phone, focus after "Analyse", one notice for an unreachable resolver, plain words instead of codes,
the wrong tab, tables, dark mode, shareable links, copy/download and .eml files.

Screenshots go to $ANALYZER_SCREENSHOTS (or pytest's temp folder) for a person to look at."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import new_watched_page, open_on_resolver, wait_ready

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FIXTURES = Path(__file__).parent / "fixtures"
NEWSLETTER = FIXTURES / "newsletter-dmarc-fail.eml"
BOUNCE = (
    "550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's\n"
    "550 5.7.26 DMARC policy. gsmtp"
)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def run_form(page, kind: str) -> str:
    page.click(f"#an-panel-{kind} button[type=submit]")
    page.wait_for_selector(f"#an-result-{kind}[data-state=done]", timeout=60_000)
    return page.inner_text(f"#an-result-{kind}")


def no_sideways_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


# ---------------------------------------------------------------- phone tab bar


def test_tab_bar_fits_a_phone_screen(analyzer, screenshot):
    page = analyzer
    page.set_viewport_size(PHONE)
    page.open_analyzer(tab="ip")
    assert no_sideways_scroll(page)
    tabs = page.eval_on_selector_all(
        "[role=tab]",
        "tabs => tabs.map(t => { const r = t.getBoundingClientRect();"
        " return {text: t.innerText, left: r.left, right: r.right}; })",
    )
    assert [tab["text"] for tab in tabs] == ["Bounce", "Headers", "Domain", "IP"]
    for tab in tabs:
        assert tab["left"] >= 0 and tab["right"] <= PHONE["width"], tab
    assert page.is_visible("#an-tab-ip")
    heights = page.eval_on_selector_all(
        "[role=tab]", "tabs => tabs.map(t => t.getBoundingClientRect().height)"
    )
    assert max(heights) - min(heights) < 1 and max(heights) < 60, heights  # one line each, no broken words
    screenshot(page, "clarity-tabs-390", full_page=False)


# ---------------------------------------------------------------- focus and keyboard


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_analyse_focuses_the_result_heading_and_ctrl_enter_submits(analyzer, viewport, screenshot):
    page = analyzer
    page.set_viewport_size(viewport)
    page.open_analyzer(tab="bounce")
    page.fill("#an-bounce-text", BOUNCE)
    page.focus("#an-bounce-text")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#an-result-bounce[data-state=done]", timeout=60_000)
    focused = page.evaluate("() => document.activeElement.className")
    assert "an-result-title" in focused
    box = page.evaluate("() => document.activeElement.getBoundingClientRect().toJSON()")
    header = page.evaluate("() => document.querySelector('.md-header').getBoundingClientRect().bottom")
    assert header - 1 <= box["top"] < viewport["height"] - box["height"], (box, header)
    assert page.inner_text("#an-result-bounce .an-result-title").startswith("What the bounce means")
    screenshot(page, f"clarity-bounce-result-{viewport['width']}", full_page=False)


# ---------------------------------------------------------------- unreachable resolver


def dead_resolver_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/dns-query"


def use_dead_resolver(page) -> None:
    """Point the page at a port nothing listens on: every DNS question fails in transport."""
    page.click("#an-settings > summary")
    page.fill("#an-custom-url", dead_resolver_url())
    page.dispatch_event("#an-custom-url", "change")


def run_with_dead_resolver(page, viewport: dict, kind: str, fields: dict[str, str]):
    """Run ``kind`` with every DNS question failing; check the one notice and the one "not checked" line.

    Returns the result's text, its locator, and the words of that line.
    """
    page.set_viewport_size(viewport)
    page.open_analyzer(dohformat="json", tab=kind)
    use_dead_resolver(page)
    for selector, value in fields.items():
        page.fill(selector, value)
    text = run_form(page, kind)
    result = page.locator(f"#an-result-{kind}")
    assert result.locator(".an-resolver-down").count() == 1
    assert text.count("could not be reached") == 1, text
    summary = result.locator("[data-not-checked]")
    assert summary.count() == 1, text
    return text, result, summary.inner_text()


# What a failed lookup must never leak into the visible result: the browser's and the checker's raw words.
RAW_FAILURE_WORDS = ("Failed to fetch", "DoH server", "dns_error", "did not answer")


def test_unreachable_resolver_is_said_once_with_a_switch_and_retry(analyzer, doh_server, screenshot):
    page = analyzer.open_analyzer(dohformat="json", tab="headers")
    # "Google" is answered by the local DoH server: the retry target, without leaving the machine.
    page.context.route(
        "https://dns.google/resolve*",
        lambda route: route.fulfill(
            response=route.fetch(url=doh_server.json_url + "?" + urlparse(route.request.url).query)
        ),
    )
    use_dead_resolver(page)
    page.fill("#an-headers-text", NEWSLETTER.read_text(encoding="utf-8"))
    text = run_form(page, "headers")
    notice = page.locator("#an-result-headers .an-resolver-down")
    assert notice.count() == 1
    words = notice.inner_text()
    assert "could not be reached" in words and "SPF" in words and "DMARC" in words
    assert text.count("could not be reached") == 1, text  # in the notice, not once per check
    assert not [raw for raw in RAW_FAILURE_WORDS if raw in text], text
    lowered = text.lower()
    assert "dns error" not in lowered
    assert "no body pasted" not in lowered  # the body was pasted
    assert "deliver normally" not in lowered  # a temperror decides nothing
    # No conclusion from lookups that failed: the resolver is the cause, not a change since delivery,
    # and two discovery methods that found nothing do not "reach the same record".
    assert "may have changed" not in lowered and "reach the same record" not in lowered, text
    assert "methods disagree" not in lowered, text
    screenshot(page, "clarity-resolver-down-1280")
    page.set_viewport_size(PHONE)
    assert no_sideways_scroll(page)
    screenshot(page, "clarity-resolver-down-390")
    page.set_viewport_size(DESKTOP)
    # The control is right there: switch to another resolver and run again.
    page.select_option("#an-result-headers .an-resolver-down select", "google")
    page.click("#an-result-headers [data-retry=headers]")
    page.wait_for_selector("#an-result-headers[data-state=done] .an-result-title", timeout=60_000)
    page.wait_for_selector("#an-result-headers .an-summary", timeout=60_000)
    assert page.locator("#an-result-headers .an-resolver-down").count() == 0
    assert page.inner_text("#an-resolver-name") == "Google"
    assert "203.0.113.7" in page.inner_text("#an-result-headers [data-block=spf]")
    assert not page.errors


def test_dkim_key_and_dmarc_failures_are_worded_for_what_happened(chromium, site_url, own_doh_server):
    context = chromium.new_context()
    page = new_watched_page(context)
    open_on_resolver(page, site_url, own_doh_server, "json", "headers")
    own_doh_server.fail("s1._domainkey.esp.example", "TXT", "servfail")
    own_doh_server.fail("_dmarc.shop.example", "TXT", "servfail")
    page.fill("#an-headers-text", NEWSLETTER.read_text(encoding="utf-8"))
    text = run_form(page, "headers")
    body_hash = page.inner_text("#an-result-headers .an-dkim-sig")
    assert "no body pasted" not in body_hash and "not checked" in body_hash, body_hash
    assert "could not look up the key" in body_hash, body_hash
    dmarc = page.inner_text("#an-result-headers [data-block=dmarc] .an-facts")
    assert "deliver normally" not in dmarc and "undecided" in dmarc, dmarc
    assert "none found" not in dmarc, dmarc  # the record was not missing: it could not be looked up
    assert "dns_error" not in text
    # Some answers came back, so this is not the "resolver could not be reached" case.
    assert page.locator("#an-result-headers .an-resolver-down").count() == 0
    context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_a_dead_resolver_leaves_one_line_of_what_the_domain_audit_skipped(analyzer, viewport, screenshot):
    page = analyzer
    text, result, words = run_with_dead_resolver(
        page, viewport, "domain", {"#an-domain-name": "acme.example", "#an-domain-selectors": "s1 s2"}
    )
    for part in ("MX", "SPF", "DKIM (20 selectors)", "DMARC", "MTA-STS", "TLS-RPT", "BIMI"):
        assert part in words, words
    assert not [raw for raw in RAW_FAILURE_WORDS if raw in text], text
    # Once in the notice ('marked "Not checked" below') and once in the summary: never per selector or check.
    assert text.count("Not checked") <= 2, text
    assert result.locator("[data-selector], .an-check, .an-audit-section, table").count() == 0, text
    # Nothing ran, so nothing passed: no green badge, no "within the limit".
    assert result.locator(".an-verdict--pass").count() == 0
    assert "within the limit" not in text and "agree" not in text, text
    assert len([line for line in text.splitlines() if line.strip()]) < 25, text  # it was 120 lines
    assert result.locator(".an-json").count() == 1  # the raw result is still there for whoever needs it
    assert no_sideways_scroll(page)
    screenshot(page, f"clarity-domain-resolver-down-{viewport['width']}")
    assert not page.errors


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_a_dead_resolver_is_not_a_blocklist_verdict_on_the_ip_tab(analyzer, viewport, screenshot):
    page = analyzer
    text, result, words = run_with_dead_resolver(page, viewport, "ip", {"#an-ip-address": "192.0.2.10"})
    assert "reverse DNS" in words and "blocklists" in words and "not a listing" in words, words
    # Each list's own web lookup needs no DNS from this page: offered right there.
    assert result.locator("[data-not-checked] a.an-list-link").count() >= 1
    assert not [raw for raw in RAW_FAILURE_WORDS if raw in text], text
    # The cause is the resolver, not a list refusing public resolvers; and nothing is "Not listed".
    assert "often refused" not in text and "Not listed" not in text, text
    assert result.locator(".an-verdict--pass, .an-check, table").count() == 0, text
    assert "192.0.2.10" in text and "documentation" in text  # what needs no DNS is still shown
    assert no_sideways_scroll(page)
    screenshot(page, f"clarity-ip-resolver-down-{viewport['width']}")
    assert not page.errors


def test_failed_lookups_are_marked_and_the_rest_of_the_audit_stands(
    chromium, site_url, own_doh_server, screenshot
):
    context = chromium.new_context(viewport=DESKTOP)
    page = new_watched_page(context)
    open_on_resolver(page, site_url, own_doh_server, "json", "domain")
    own_doh_server.fail("_dmarc.acme.example", "TXT", "http500")
    own_doh_server.fail("s1._domainkey.acme.example", "TXT", "http500")
    own_doh_server.fail("google._domainkey.acme.example", "TXT", "servfail")
    own_doh_server.fail("spf.crm.example", "TXT", "http500")
    page.fill("#an-domain-name", "acme.example")
    page.fill("#an-domain-selectors", "s1 s2")
    run_form(page, "domain")
    # Answers came back, so no "could not be reached" notice: only what failed is marked.
    assert page.locator("#an-result-domain .an-resolver-down").count() == 0
    audit = "#an-result-domain .an-audit-section"
    overview = page.inner_text("#an-result-domain .an-overview")
    audit_text = "\n".join([overview, *page.locator(audit).all_inner_texts()])
    assert not [raw for raw in RAW_FAILURE_WORDS if raw in audit_text], audit_text
    # What answered is shown as usual.
    assert page.locator(f"{audit}[data-section=MX] tr[data-host]").count() >= 2
    assert page.locator(f"{audit}[data-section=MX] .an-verdict--pass").count() >= 1
    # DMARC got no answer: one line saying so in plain words, no method table, no "both methods agree".
    dmarc = page.locator(f"{audit}[data-section=DMARC]")
    assert dmarc.locator(".an-not-checked").count() == 1 and dmarc.locator("table").count() == 0
    assert "HTTP 500" in dmarc.inner_text() and "agree" not in dmarc.inner_text()
    # DKIM: the named selector that failed is marked; the guessed one that failed is counted, not listed.
    dkim = page.locator(f"{audit}[data-section=DKIM]")
    assert "Not checked" in dkim.locator("tr[data-selector=s1]").inner_text()
    assert dkim.locator("tr[data-selector=google]").count() == 0
    assert dkim.locator("tr[data-selector=selector1]").count() == 1  # found among the guesses
    assert "1 could not be looked up" in dkim.inner_text() and "SERVFAIL" in dkim.inner_text()
    # SPF: an include could not be read, so the lookup count is incomplete and never "within the limit".
    spf = page.locator(f"{audit}[data-section=SPF]")
    assert "within the limit" not in spf.inner_text(), spf.inner_text()
    assert "not fully counted" in spf.inner_text()
    # The plans below say the same: no "no DMARC record" or "nothing to change" for a record never read,
    # and a lookup count that is a lower bound.
    page.wait_for_selector("#an-result-domain [data-plan=spf][data-state=done]", timeout=90_000)
    next_step = page.locator("#an-result-domain [data-block=dmarc-next]")
    assert next_step.get_attribute("data-stage") == "lookup_failed"
    assert "Not checked" in next_step.inner_text(), next_step.inner_text()
    for wrong in ("No DMARC record is published", "Nothing to change", *RAW_FAILURE_WORDS):
        assert wrong not in next_step.inner_text(), next_step.inner_text()
    plan = page.inner_text("#an-result-domain [data-block=spf-reduce]")
    assert "at least" in plan and "not fully counted" in plan and "within the limit" not in plan, plan
    screenshot(page, "clarity-domain-partial-failure-1280")
    assert not page.errors
    context.close()


# ---------------------------------------------------------------- technical details


def test_reason_codes_and_timings_only_in_the_technical_view(analyzer, screenshot):
    page = analyzer.open_analyzer(dohformat="json", tab="domain")
    page.fill("#an-domain-name", "acme.example")
    run_form(page, "domain")
    reasons = page.locator("#an-result-domain .an-reason")
    assert reasons.count() > 0
    assert not any(reasons.nth(i).is_visible() for i in range(reasons.count()))
    assert not page.is_visible("#an-result-domain .an-elapsed") and not page.is_visible("#an-timings")
    assert "dmarc.pass" not in page.inner_text("#an-result-domain") and "mx.ok" not in page.inner_text(
        "#an-result-domain"
    )
    screenshot(page, "clarity-domain-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, "clarity-domain-390")
    page.set_viewport_size(DESKTOP)
    page.check("#an-technical")
    assert reasons.first.is_visible() and page.is_visible("#an-result-domain .an-elapsed")
    assert page.is_visible("#an-timings")


# ---------------------------------------------------------------- wrong tab, domain field


def test_a_bounce_in_the_headers_tab_is_offered_as_a_bounce_and_the_reverse(analyzer, screenshot):
    page = analyzer.open_analyzer(tab="headers")
    page.fill("#an-headers-text", BOUNCE)
    page.click("#an-panel-headers button[type=submit]")
    page.wait_for_selector("#an-result-headers[data-state=offer] .an-wrong-tab")
    offer = page.locator("#an-result-headers .an-wrong-tab")
    assert offer.count() == 1 and "looks like a bounce" in offer.inner_text()
    screenshot(page, "clarity-wrong-tab-1280", full_page=False)
    page.click("#an-result-headers [data-switch=bounce]")
    page.wait_for_selector("#an-result-bounce[data-state=done]", timeout=60_000)
    assert page.get_attribute("#an-tab-bounce", "aria-selected") == "true"
    assert page.input_value("#an-bounce-text") == BOUNCE
    assert (
        page.locator("#an-result-bounce .an-match").first.get_attribute("data-entry-id")
        == "550-5-7-26-gmail-dmarc-reject"
    )
    # Headers in the Bounce tab: offered the Headers tab.
    page.fill(
        "#an-bounce-text",
        NEWSLETTER.read_text(encoding="utf-8").split("\n\n")[0].replace("Authentication-Results", "X-AR"),
    )
    page.click("#an-panel-bounce button[type=submit]")
    page.wait_for_selector("#an-result-bounce[data-state=offer] .an-wrong-tab[data-suggest=headers]")
    # "Explain as a bounce anyway" runs what was asked.
    page.click("#an-result-bounce [data-stay=bounce]")
    page.wait_for_selector("#an-result-bounce[data-state=done] .an-result-title", timeout=60_000)
    assert page.locator("#an-result-bounce .an-wrong-tab").count() == 0


TESTS = Path(__file__).resolve().parents[1]
REAL_BOUNCES = sorted(
    path
    for path in (TESTS / "corpora" / "bounces-sisimai" / "maildir-bsd").glob("*.eml")
    if path.name.startswith(("lhost-", "rhost-", "rfc3464-"))  # not the feedback reports or auto-replies
)
REAL_MESSAGES = [
    FIXTURES / "newsletter-dmarc-fail.eml",
    *(TESTS / "qa" / "fixtures" / name for name in ("forwarded_footer.eml", "m365_arc_list.eml")),
    TESTS / "qa" / "fixtures" / "gmail_esp.txt",
    *sorted((TESTS / "corpora" / "dmarc" / "authheaders" / "messages").glob("*.eml")),
]
SUGGEST_ALL = """async ([kind, texts]) => {
  const script = document.querySelector('script[src*="assets/analyzer/analyzer.js"]');
  const { suggestTab } = await import(new URL("input.js", script.src).href);
  return texts.map((text) => suggestTab(kind, text));
}"""


def test_real_bounces_pasted_as_headers_are_offered_the_bounce_tab_and_real_messages_are_not(analyzer):
    # Sisimai's public samples: notices of Postfix, Exchange, Domino, Notes, qmail... Many quote the
    # original message's headers below the notice, so "it has headers" cannot decide on its own.
    page = analyzer.open_analyzer(tab="headers")
    bounces = [path.read_text(encoding="latin-1") for path in REAL_BOUNCES]
    bounces.append((TESTS / "bounce" / "samples" / "exchange.txt").read_text(encoding="utf-8"))
    offered = page.evaluate(SUGGEST_ALL, ["headers", bounces])
    missed = [path.name for path, tab in zip(REAL_BOUNCES, offered, strict=False) if tab != "bounce"]
    assert len(bounces) > 350 and offered[-1] == "bounce"
    assert len(missed) <= len(bounces) // 50, missed  # 5 of 381 when written: SES JSON, Japanese-only notices
    messages = [path.read_text(encoding="utf-8", errors="replace") for path in REAL_MESSAGES]
    assert len(messages) == 6
    assert page.evaluate(SUGGEST_ALL, ["headers", messages]) == [None] * len(messages)
    # The reverse: a message's headers pasted into the Bounce tab are offered the Headers tab.
    headers_only = [text.split("\n\n", 1)[0] for text in messages]
    assert "headers" in page.evaluate(SUGGEST_ALL, ["bounce", headers_only])


@pytest.mark.parametrize(
    "typed", ["https://www.acme.example/contact?x=1", "Ann <ann@acme.example>", "mailto:ann@acme.example"]
)
def test_the_domain_field_takes_the_domain_from_a_url_or_an_email_address(analyzer, typed):
    page = analyzer.open_analyzer(dohformat="json", tab="domain")
    page.fill("#an-domain-name", typed)
    run_form(page, "domain")
    expected = "www.acme.example" if typed.startswith("https") else "acme.example"
    assert page.input_value("#an-domain-name") == expected
    assert page.inner_text("#an-result-domain .an-result-title") == f"Domain audit: {expected}"
    assert page.locator("#an-result-domain .an-error").count() == 0 or expected.startswith("www")


# ---------------------------------------------------------------- tables


def test_tables_scroll_instead_of_clipping_and_hop_values_stay_whole(analyzer, screenshot):
    page = analyzer.open_analyzer(dohformat="json", tab="headers")
    page.fill("#an-headers-text", NEWSLETTER.read_text(encoding="utf-8"))
    run_form(page, "headers")
    assert no_sideways_scroll(page)
    geometry = page.evaluate(
        """() => {
          const table = document.querySelector("#an-result-headers tr.an-align").closest("table");
          const wrap = table.closest(".an-table-wrap");
          const content = document.querySelector(".md-content__inner").getBoundingClientRect();
          wrap.scrollLeft = wrap.scrollWidth;
          const last = table.querySelector("thead th:last-child").getBoundingClientRect();
          const box = wrap.getBoundingClientRect();
          return {overflow: getComputedStyle(wrap).overflowX, wrapRight: box.right,
                  contentRight: content.right,
                  lastRight: last.right, lastLeft: last.left, boxLeft: box.left};
        }"""
    )
    assert geometry["overflow"] in ("auto", "scroll"), geometry
    assert geometry["wrapRight"] <= geometry["contentRight"] + 1, geometry
    assert (
        geometry["boxLeft"] - 1 <= geometry["lastLeft"] and geometry["lastRight"] <= geometry["wrapRight"] + 1
    ), geometry
    broken = page.evaluate(
        """() => {
          const broken = [];
          for (const cell of document.querySelectorAll("#an-result-headers table.an-hops td")) {
            const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
              for (const match of node.data.matchAll(/\\S+/g)) {
                const range = document.createRange();
                range.setStart(node, match.index);
                range.setEnd(node, match.index + match[0].length);
                const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
                if (lines.size > 1) broken.push(match[0]);
              }
            }
          }
          return broken;
        }"""
    )
    assert broken == [], broken
    page.evaluate("() => document.querySelector('#an-result-headers [data-block=dmarc]').scrollIntoView()")
    screenshot(page, "clarity-headers-1280")
    page.set_viewport_size(PHONE)
    assert no_sideways_scroll(page)
    screenshot(page, "clarity-headers-390")


# ---------------------------------------------------------------- dark mode


def test_dark_mode_follows_the_system_and_the_toggle(chromium, site_url, doh_server, screenshot):
    context = chromium.new_context(color_scheme="dark", viewport=DESKTOP)
    page = new_watched_page(context)
    page.goto(f"{site_url}/analyzer/")
    wait_ready(page)
    assert page.get_attribute("body", "data-md-color-scheme") == "slate"
    background = page.evaluate(
        "() => getComputedStyle(document.getElementById('an-bounce-text')).backgroundColor"
    )
    channels = [
        int(part) for part in background[background.index("(") + 1 : background.index(")")].split(",")[:3]
    ]
    assert sum(channels) < 200, background  # a dark box, not a white one
    page.fill("#an-bounce-text", BOUNCE)
    run_form(page, "bounce")
    screenshot(page, "clarity-dark-1280", full_page=False)
    page.set_viewport_size(PHONE)
    screenshot(page, "clarity-dark-390", full_page=False)
    page.set_viewport_size(DESKTOP)
    page.click("label[for=__palette_0]")  # "Switch to light mode"
    assert page.get_attribute("body", "data-md-color-scheme") == "default"
    assert not page.csp_violations() and not page.errors
    context.close()


# ---------------------------------------------------------------- shareable links


def test_domain_and_ip_links_run_on_open_but_pasted_text_never_comes_from_the_address(analyzer, site_url):
    page = analyzer.open_analyzer(
        dohformat="json", tab="domain"
    )  # the reader has accepted the local resolver
    page.fill("#an-domain-name", "acme.example")
    run_form(page, "domain")
    assert urlparse(page.url).query == "domain=acme.example"  # the address bar is now the shareable link
    assert page.locator("#an-result-domain [data-action=share]").count() == 1
    page.goto(f"{site_url}/analyzer/?domain=acme.example&selectors=selector1")
    page.wait_for_selector("#an-result-domain[data-state=done]", timeout=120_000)
    assert page.get_attribute("#an-tab-domain", "aria-selected") == "true"
    assert "v=DMARC1" in page.inner_text("#an-result-domain")
    assert page.input_value("#an-domain-selectors") == "selector1"
    page.goto(f"{site_url}/analyzer/?ip=192.0.2.10")
    page.wait_for_selector("#an-result-ip[data-state=done]", timeout=120_000)
    assert "mx1.acme.example" in page.inner_text("#an-result-ip")
    page.goto(
        f"{site_url}/analyzer/?text=550%205.7.1%20x&bounce=550%205.7.1%20x&headers=Subject%3A%20x&tab=bounce"
    )
    wait_ready(page)
    page.wait_for_timeout(300)
    assert page.input_value("#an-bounce-text") == "" and page.input_value("#an-headers-text") == ""
    assert page.locator("#an-result-bounce[data-state]").count() == 0


# ---------------------------------------------------------------- copy, download, .eml files


def test_copy_as_text_download_json_and_open_or_drop_an_eml_file(analyzer, site_url):
    page = analyzer
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site_url)
    page.open_analyzer(dohformat="json", tab="headers")
    page.set_input_files("#an-headers-file", str(NEWSLETTER))
    page.wait_for_selector("#an-headers-text:not(:placeholder-shown)")
    assert page.input_value("#an-headers-text").startswith("Return-Path: <bounce-abc123@em.esp.example>")
    run_form(page, "headers")
    page.click("#an-result-headers [data-action=copy]")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied.startswith("Authentication result") and "DMARC and alignment" in copied
    with page.expect_download() as download_info:
        page.click("#an-result-headers [data-action=download]")
    download = download_info.value
    assert download.suggested_filename == "smtp-analyzer-headers.json"
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert data["ok"] is True and data["result"]["dmarc"]["from_domain"] == "shop.example"
    # Drop a saved bounce on the Bounce box: read here with FileReader.
    page.click("#an-tab-bounce")
    transfer = page.evaluate_handle(
        "() => { const dt = new DataTransfer();"
        " dt.items.add(new File(['550 5.7.1 dropped here'], 'bounce.eml',"
        " {type: 'message/rfc822'})); return dt; }"
    )
    page.dispatch_event("#an-bounce-text", "drop", {"dataTransfer": transfer})
    page.wait_for_selector("#an-bounce-text:not(:placeholder-shown)")
    assert page.input_value("#an-bounce-text") == "550 5.7.1 dropped here"
    assert not page.errors
