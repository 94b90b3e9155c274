"""The site search's index on the analyzer page waits for Python (issue 8), in real Chromium.

On a first visit the index (search/search_index.json, then parsed and indexed) would compete with
Pyodide's start; overrides/assets/analyzer/defer-search.js holds Material's request back until the
analyzer is ready, or until the reader reaches for the search box. Search then works as on any page.
"""

from __future__ import annotations

import pytest
from conftest import new_watched_page, wait_ready

pytestmark = [pytest.mark.browser, pytest.mark.slow]

INDEX = "/search/search_index.json"


def watched(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    page = new_watched_page(context)
    page.index_requested_at = []
    page.on("request", lambda request: request.url.endswith(INDEX) and page.index_requested_at.append(
        page.evaluate("document.getElementById('an-status')?.dataset.state || 'loading'")
    ))
    return context, page


def test_the_index_is_asked_for_only_once_the_analyzer_is_ready_and_search_then_works(chromium, site_url):
    context, page = watched(chromium)
    page.goto(f"{site_url}/analyzer/")
    wait_ready(page)
    page.wait_for_timeout(500)
    assert page.index_requested_at == ["ready"]
    page.click("input.md-search__input")
    page.locator("input.md-search__input").press_sequentially("DMARC", delay=30)  # Material reads keys
    page.wait_for_selector(".md-search-result__item", timeout=20_000)
    assert page.locator(".md-search-result__item").count() >= 1
    assert not page.errors
    context.close()


def test_reaching_for_the_search_box_before_python_is_ready_gets_the_index_at_once(chromium, site_url):
    context, page = watched(chromium)
    # Python stays "loading" here: the runtime's wasm never arrives, so only the reader can release it.
    stalled = []
    context.route("**/pyodide/pyodide.asm.wasm", lambda route: stalled.append(route))
    page.goto(f"{site_url}/analyzer/")
    page.wait_for_load_state("domcontentloaded")
    page.wait_for_timeout(1_000)
    assert page.index_requested_at == []
    assert stalled, "the runtime was not asked for"
    page.click("input.md-search__input")
    page.locator("input.md-search__input").press_sequentially("mailbox", delay=30)
    page.wait_for_selector(".md-search-result__item", timeout=20_000)
    assert page.index_requested_at == ["loading"]
    context.close()


def test_other_pages_load_the_index_as_usual(chromium, site_url):
    context, page = watched(chromium)
    with page.expect_request(lambda request: request.url.endswith(INDEX), timeout=20_000):
        page.goto(f"{site_url}/browse/")
    context.close()
