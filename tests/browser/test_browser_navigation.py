"""Python keeps running while the reader moves between pages (overrides/assets/analyzer/python.js).

In Chromium (SharedWorker with extendedLifetime) the analyzer page and the checks on entry pages share
one Python in a module SharedWorker that outlives each page: an entry page starts it when idle, and the
analyzer and the next entry page find it running. Each page shows which Python it talks to in
``<html data-python-boot>`` (an id the worker draws when it starts), so "booted once" is "one id on
every page".

Playwright does not see a SharedWorker's requests, so these tests run Chromium behind a proxy that
answers nothing and notes every request sent to it: Chromium sends it everything except loopback
traffic, the shared worker's included, so "nothing left 127.0.0.1" is checked from the network side.
"""

from __future__ import annotations

import json
import re
import socketserver
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pyodide_site
import pytest
from conftest import (
    DEDICATED_WORKER,
    DMARC_BOUNCE,
    READY_TIMEOUT_MS,
    analyse_bounce,
    analyzer_query,
    new_watched_page,
    wait_ready,
)
from playwright.sync_api import Error as PlaywrightError

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FIXTURES = Path(__file__).parent / "fixtures"
NEWSLETTER = FIXTURES / "newsletter-dmarc-fail.eml"
DOMAIN_ENTRY = "errors/550-5-7-26-gmail-dmarc-reject/"  # "Check your domain"
IP_ENTRY = "errors/554-comcast-ptr-record-required/"  # "Check your sending IP"
RESOLVER_KEY = "smtp-analyzer:resolver"
CACHE_NAME = "smtp-analyzer-python"
SNAPSHOT_URLS = f"""async () => {{
  const cache = await caches.open("{CACHE_NAME}");
  return (await cache.keys()).map((request) => request.url).filter((url) => url.includes("/__snapshot__/"));
}}"""
# The page's own connection (a module is one instance per page): what a timed-out analysis calls.
RESTART = """async () => {
  const script = document.querySelector("script[src*='assets/analyzer/']");
  const { pythonConnection } = await import(new URL("python.js", script.src).href);
  pythonConnection().restart();
}"""


# Chromium's own services (sign-in, component updates, autofill, its clock) call out whatever the flags
# say; they are the browser's, not the site's. Every other host counts, the resolvers of mkdocs.yml too.
BROWSER_SERVICES = re.compile(r"^(accounts\.google\.com|clients\d*\.google\.com|[\w.-]+\.googleapis\.com)$")


def _host(request_line: str) -> str:
    """The host of "CONNECT host:443 HTTP/1.1" or "GET http://host/path HTTP/1.1"."""
    target = request_line.split()[1] if len(request_line.split()) > 1 else request_line
    return (urlparse(target).hostname if "://" in target else target.rsplit(":", 1)[0]) or target


class _Recorder(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        line = self.rfile.readline(4096).decode("latin-1").strip()
        if line:
            self.server.seen.append(line)
        self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


class OffHostProxy:
    """The proxy Chromium is told to use: refuses every request and keeps its first line."""

    def __init__(self) -> None:
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Recorder)
        self.server.daemon_threads = True
        self.server.seen = []
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def seen(self) -> list[str]:
        """Every request line the proxy got, except those of Chromium's own services."""
        return [line for line in self.server.seen if not BROWSER_SERVICES.match(_host(line))]

    def clear(self) -> None:
        self.server.seen.clear()

    @property
    def args(self) -> list[str]:
        return [
            *pyodide_site.CHROMIUM_ARGS,
            f"--proxy-server=http://127.0.0.1:{self.server.server_address[1]}",
        ]

    def __enter__(self) -> OffHostProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def proxy():
    with OffHostProxy() as recorder:
        yield recorder


@dataclass(frozen=True)
class Chromium:
    playwright: Any
    browser: Any


@pytest.fixture(scope="module")
def browser(proxy):
    """Chromium behind the recording proxy (module scope, as conftest's ``chromium``)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=pyodide_site.chromium_path(), args=proxy.args, headless=True
        )
        yield Chromium(playwright, launched)
        launched.close()


def test_the_proxy_sees_what_leaves_127_0_0_1(browser, proxy):
    """The control: without it, an empty proxy log would prove nothing."""
    context = browser.browser.new_context()
    page = context.new_page()
    proxy.clear()
    with pytest.raises(PlaywrightError):  # the proxy refuses it; what matters is that it was asked
        page.goto("http://offhost.example/somewhere", timeout=10_000)
    assert any("offhost.example" in line for line in proxy.seen), proxy.seen
    context.close()


def shared_page(browser, site_url, doh_server, width: int = 1280):
    """A fresh context whose saved resolver is the local DoH server, as if chosen in the analyzer before."""
    context = browser.browser.new_context(viewport={"width": width, "height": 900})
    page = new_watched_page(context, shared_worker=True)
    page.goto(f"{site_url}/about/")
    saved = {"choice": "custom", "url": doh_server.url, "format": "wire"}
    page.evaluate("([key, value]) => localStorage.setItem(key, value)", [RESOLVER_KEY, json.dumps(saved)])
    return context, page


def python_of(page) -> dict[str, str | None]:
    page.wait_for_selector("html[data-python-state=ready]", state="attached", timeout=READY_TIMEOUT_MS)
    return {
        "boot": page.get_attribute("html", "data-python-boot"),
        "worker": page.get_attribute("html", "data-python-worker"),
    }


def timings(page) -> dict:
    return page.evaluate("window.analyzerTimings") or {}


def embed_check(page, kind: str, value: str) -> str:
    page.fill(f"#se-embed-{kind}", value)
    page.evaluate("document.querySelector('.se-embed__result').removeAttribute('data-state')")
    page.click(f".se-embed form[data-kind={kind}] button[type=submit]")
    page.wait_for_selector(".se-embed__result[data-state=done]", timeout=120_000)
    return page.inner_text(".se-embed__result")


def assert_clean(page, proxy) -> None:
    assert not page.errors, page.errors
    assert not page.csp_violations(), page.csp_violations()
    assert not proxy.seen, proxy.seen


@pytest.mark.parametrize("width", [1280, 390], ids=["1280px", "390px"])
def test_python_starts_once_from_an_entry_page_through_the_analyzer_to_another(
    browser, proxy, site_url, doh_server, screenshot, width
):
    context, page = shared_page(browser, site_url, doh_server, width)
    proxy.clear()
    doh_server.clear_log()

    # An entry page: Python starts when the page is idle, before the form is touched.
    page.goto(f"{site_url}/{DOMAIN_ENTRY}")
    first = python_of(page)
    assert first["worker"] == "shared", "this Chromium does not keep a SharedWorker across pages (148+ does)"
    assert first["boot"]
    answer = embed_check(page, "domain", "acme.example")
    assert "DMARC" in answer, answer
    assert doh_server.log, "the embedded check asked the local resolver nothing"

    # Its link to the full report: the analyzer opens with Python already running and runs the audit.
    page.click("a.se-embed__full")
    wait_ready(page)
    assert python_of(page) == first
    assert timings(page)["reused"] is True and timings(page)["worker"] == "shared"
    page.wait_for_selector("#an-result-domain[data-state=done]", timeout=120_000)
    assert "acme.example" in page.inner_text("#an-result-domain .an-result-title")
    screenshot(page, f"navigation-analyzer-domain-{width}")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, f"navigation-analyzer-top-{width}", full_page=False)
    page.click("#an-tab-headers")
    page.fill("#an-headers-text", NEWSLETTER.read_text(encoding="utf-8"))
    page.click("#an-panel-headers button[type=submit]")
    page.wait_for_selector("#an-result-headers[data-state=done]", timeout=120_000)
    assert "DMARC" in page.inner_text("#an-result-headers")
    screenshot(page, f"navigation-analyzer-headers-{width}")

    # Another entry page, typed in: same Python, and its form works.
    page.goto(f"{site_url}/{IP_ENTRY}")
    assert python_of(page) == first
    answer = embed_check(page, "ip", "192.0.2.10")
    assert "Reverse DNS" in answer, answer

    # Back to the analyzer (the pasted headers are still in this tab's session), forward, and a reload.
    page.go_back()
    wait_ready(page)
    assert urlparse(page.url).path.endswith("/analyzer/")
    assert python_of(page) == first
    assert page.input_value("#an-headers-text").startswith(NEWSLETTER.read_text(encoding="utf-8")[:40])
    page.go_forward()
    page.wait_for_selector(".se-embed:not([hidden]) form[data-kind=ip]")
    assert python_of(page) == first
    page.reload()
    assert python_of(page) == first
    assert "Reverse DNS" in embed_check(page, "ip", "192.0.2.10")
    assert_clean(page, proxy)
    context.close()


def open_shared_analyzer(browser, proxy, site_url, doh_server):
    """A new browser context on /analyzer/?tab=bounce, ready, the proxy's log cleared: (context, page)."""
    context, page = shared_page(browser, site_url, doh_server)
    proxy.clear()
    page.goto(f"{site_url}/analyzer/?tab=bounce")
    wait_ready(page)
    return context, page


def test_clear_still_empties_the_analyzer_after_a_page_change(browser, proxy, site_url, doh_server):
    context, page = open_shared_analyzer(browser, proxy, site_url, doh_server)
    analyse_bounce(page)
    boot = python_of(page)["boot"]

    page.goto(f"{site_url}/{DOMAIN_ENTRY}")
    assert python_of(page)["boot"] == boot
    page.go_back()
    wait_ready(page)
    assert page.input_value("#an-bounce-text") == DMARC_BOUNCE  # kept for the tab's session, as before
    page.click("#an-clear")
    assert page.input_value("#an-bounce-text") == ""
    assert page.evaluate("Object.keys(sessionStorage).filter((key) => key.endsWith('.text'))") == []

    page.goto(f"{site_url}/{IP_ENTRY}")
    page.goto(f"{site_url}/analyzer/")
    wait_ready(page)
    assert page.input_value("#an-bounce-text") == ""
    assert python_of(page)["boot"] == boot
    assert_clean(page, proxy)
    context.close()


def test_a_python_that_stops_answering_is_left_for_a_new_one(browser, proxy, site_url, doh_server):
    """A page cannot end a shared worker: it connects to the next generation, and so do its next pages."""
    context, page = open_shared_analyzer(browser, proxy, site_url, doh_server)
    old = python_of(page)["boot"]

    page.evaluate(RESTART)
    page.wait_for_selector("#an-status[data-state=loading]", state="attached")
    page.wait_for_selector("#an-status[data-state=ready]", state="attached", timeout=READY_TIMEOUT_MS)
    new = python_of(page)["boot"]
    assert new != old
    assert "5.7.26" in analyse_bounce(page)

    page.goto(f"{site_url}/{IP_ENTRY}")
    assert python_of(page)["boot"] == new
    assert_clean(page, proxy)
    context.close()


DEPLOY_META = "document.querySelector('meta[name=analyzer-deploy]').content"


def rewrite_analyzer_page(context, change) -> None:
    """Serve the analyzer page's HTML changed by ``change(text)``: what another deploy's page would be."""

    def handle(route) -> None:
        response = route.fetch()
        route.fulfill(response=response, body=change(response.text()))

    context.route(lambda url: urlparse(url).path.endswith("/analyzer/"), handle)


def test_a_page_of_a_new_deploy_does_not_use_the_previous_python(browser, proxy, site_url, doh_server):
    context, page = open_shared_analyzer(browser, proxy, site_url, doh_server)
    before = python_of(page)["boot"]

    # The next deploy's page names another version (the build writes it from the lock, the bundle and
    # the worker scripts; tests/pyodide/test_pyodide_build.py checks that each changes it).
    version = page.evaluate(DEPLOY_META)
    assert re.fullmatch(r"[0-9a-f]{16}", version)
    rewrite_analyzer_page(context, lambda html: html.replace(version, version[::-1]))
    page.requests.clear()
    page.goto(f"{site_url}/analyzer/?tab=bounce")
    wait_ready(page)
    assert page.evaluate(DEPLOY_META) == version[::-1]
    after = python_of(page)["boot"]
    assert after != before
    assert timings(page)["reused"] is False
    assert "5.7.26" in analyse_bounce(page)
    # The page named its deploy itself: it did not ask the server first.
    assert not [url for url in page.requests if "deploy-version.txt" in url]
    assert_clean(page, proxy)
    context.close()


def test_a_page_built_without_the_deploy_meta_asks_the_server(browser, proxy, site_url, doh_server):
    """A page cached from before the build wrote the meta still finds the current deploy's Python."""
    context, page = open_shared_analyzer(browser, proxy, site_url, doh_server)
    before = python_of(page)["boot"]
    version = page.evaluate(DEPLOY_META)

    rewrite_analyzer_page(context, lambda html: re.sub(r'<meta name="analyzer-deploy"[^>]*>', "", html))
    page.requests.clear()
    page.goto(f"{site_url}/analyzer/?tab=bounce")
    wait_ready(page)
    assert page.locator("meta[name=analyzer-deploy]").count() == 0
    assert [url for url in page.requests if url.endswith("/pyodide/deploy-version.txt")]
    # The server's answer is the version the previous page named: the same Python, still running.
    assert python_of(page)["boot"] == before
    assert timings(page)["reused"] is True
    assert version == page.evaluate("fetch('../pyodide/deploy-version.txt').then((r) => r.text())").strip()
    assert "5.7.26" in analyse_bounce(page)
    assert_clean(page, proxy)
    context.close()


def test_without_a_lasting_shared_worker_every_page_starts_its_own(browser, proxy, site_url, doh_server):
    """The fallback (no SharedWorker extendedLifetime): the old behaviour, and proof the boot id tells."""
    context, page = shared_page(browser, site_url, doh_server)
    context.add_init_script(DEDICATED_WORKER)
    page.goto(f"{site_url}/{DOMAIN_ENTRY}")
    page.wait_for_selector(".se-embed:not([hidden]) form[data-kind=domain]")
    page.wait_for_timeout(1500)
    # Python would die with this page: it starts only when the form is used.
    assert not [url for url in page.requests if "/pyodide/" in url or "worker.mjs" in url]
    assert "DMARC" in embed_check(page, "domain", "acme.example")
    entry = python_of(page)
    assert entry["worker"] == "dedicated"

    page.click("a.se-embed__full")
    wait_ready(page)
    analyzer = python_of(page)
    assert analyzer["worker"] == "dedicated" and analyzer["boot"] != entry["boot"]
    assert timings(page)["reused"] is False
    page.wait_for_selector("#an-result-domain[data-state=done]", timeout=120_000)
    assert any("/pyodide/pyodide.asm.wasm" in url for url in page.requests)
    assert_clean(page, proxy)
    context.close()


def test_after_a_browser_restart_the_shared_python_starts_from_the_snapshot(
    browser, proxy, site_url, doh_server, tmp_path
):
    profile = tmp_path / "profile"

    def launch():
        context = browser.playwright.chromium.launch_persistent_context(
            str(profile), executable_path=pyodide_site.chromium_path(), args=proxy.args, headless=True
        )
        return context, new_watched_page(context, shared_worker=True)

    proxy.clear()
    context, page = launch()
    page.goto(f"{site_url}/analyzer/{analyzer_query(doh_server, tab='bounce')}")
    wait_ready(page)
    assert timings(page)["mode"] == "fresh" and timings(page)["worker"] == "shared"
    for _ in range(300):
        if page.evaluate(SNAPSHOT_URLS):
            break
        page.wait_for_timeout(100)
    assert page.evaluate(SNAPSHOT_URLS)
    context.close()

    context, page = launch()
    page.goto(f"{site_url}/analyzer/?tab=bounce")
    wait_ready(page)
    started = timings(page)
    assert started["mode"] == "snapshot" and started["worker"] == "shared", started
    assert started["reused"] is False
    assert re.search(r"5\.7\.26", analyse_bounce(page))
    assert_clean(page, proxy)
    context.close()
