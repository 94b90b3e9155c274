"""Browser-test fixtures: the real site built once and served on 127.0.0.1, a real local DoH server
answering from zone fixtures, and Debian's Chromium driven by Playwright.

Every request a page makes is logged (``page.requests``) so tests can prove nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
import pyodide_site  # noqa: E402

READY_TIMEOUT_MS = 120_000
# Later files win on a clash: acme-mail's PTR for 192.0.2.10 overrides ipcheck's.
ZONES = (
    REPO / "tests" / "fixtures" / "zones" / "ipcheck.yml",
    REPO / "tests" / "fixtures" / "zones" / "qa-mail.yml",
    REPO / "tests" / "fixtures" / "zones" / "acme-mail.yml",
    Path(__file__).parent / "fixtures" / "analyzer-zone.yml",
)


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory) -> Path:
    """The site built from this checkout; ``BROWSER_TEST_SITE_DIR`` names an already-built one instead."""
    prebuilt = os.environ.get("BROWSER_TEST_SITE_DIR")
    built = Path(prebuilt) if prebuilt else tmp_path_factory.mktemp("site")
    if not prebuilt:
        try:
            pyodide_site.build_site(built)
        except pyodide_site.SiteBuildError as exc:
            pytest.fail(str(exc))
    return built


@pytest.fixture(scope="session")
def site_url(site_dir) -> Iterator[str]:
    """``site_dir`` served on 127.0.0.1."""
    with pyodide_site.serve_directory(site_dir) as base_url:
        yield base_url


def merged_zone(paths=ZONES):
    """One zone from several zone files (the browser tests' ZONES by default), later ones winning."""
    from checker.shared.dns.zonefile import ZoneData, load_zone

    zones = [load_zone(path) for path in paths]
    return ZoneData(
        records={key: value for zone in zones for key, value in zone.records.items()},
        existing=frozenset().union(*(zone.existing for zone in zones)),
        failures={key: value for zone in zones for key, value in zone.failures.items()},
    )


@pytest.fixture(scope="session")
def doh_server():
    from dohserver import DohServer

    with DohServer(merged_zone()) as server:
        yield server


@pytest.fixture
def own_doh_server():
    """A DoH server for one test, for failures injected with ``fail()`` (the session one keeps its own)."""
    from dohserver import DohServer

    with DohServer(merged_zone()) as server:
        yield server


# Module scope, not session: Playwright's sync API keeps an asyncio loop marked as running while it
# is open, which would break every pytest-asyncio test collected after this folder.
@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    try:
        pyodide_site.chromium_path()
    except FileNotFoundError as exc:
        pytest.fail(str(exc))
    with sync_playwright() as playwright:
        browser = pyodide_site.launch_chromium(playwright)
        yield browser
        browser.close()


# Runs before any page script (Playwright injects it past the page's CSP): records every CSP violation.
CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.effectiveDirective} blocked ${event.blockedURI || "(inline)"}`
    + ` at ${event.sourceFile || location.href}:${event.lineNumber}`);
});
"""


def watch_page(context, page):
    """Log requests, page errors, CSP violations and CSP console messages of ``page``."""
    page.requests = []
    context.on("request", lambda request: page.requests.append(request.url))
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.csp_console = []
    page.on(
        "console",
        lambda message: page.csp_console.append(message.text)
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text
        else None,
    )
    page.csp_violations = lambda: page.evaluate("window.__cspViolations || []") + page.csp_console
    return page


# Playwright neither reports nor routes a SharedWorker's requests, so the pages of these tests run Python
# in a dedicated worker (python.js's fallback, as in browsers without SharedWorker extendedLifetime) and
# every request stays visible to them. test_browser_navigation.py tests the shared worker.
DEDICATED_WORKER = "delete window.SharedWorker;"


def new_watched_page(context, *, shared_worker: bool = False):
    context.add_init_script(CSP_WATCH)
    if not shared_worker:
        context.add_init_script(DEDICATED_WORKER)
    return watch_page(context, context.new_page())


def analyzer_query(doh_server, dohformat: str = "wire", tab: str | None = None) -> str:
    doh_url = doh_server.url if dohformat == "wire" else doh_server.json_url
    return f"?doh={quote(doh_url, safe='')}&dohformat={dohformat}" + (f"&tab={tab}" if tab else "")


def wait_ready(page) -> None:
    # A selector, not wait_for_function: that evaluates a string, which the page's CSP forbids.
    page.wait_for_selector("#an-status[data-state]", state="attached", timeout=READY_TIMEOUT_MS)
    state = page.get_attribute("#an-status", "data-state")
    assert state == "ready", page.inner_text("#an-status")


# A Gmail DMARC rejection: the bounce the shared-worker tests analyse (no DNS needed).
DMARC_BOUNCE = (
    "550 5.7.26 This mail has been blocked because the sender is unauthenticated. DMARC policy. gsmtp"
)


def analyse_bounce(page, text: str = DMARC_BOUNCE) -> str:
    """Paste ``text`` in the Bounce tab, run it, and return the result's text once it is drawn."""
    page.fill("#an-bounce-text", text)
    page.click("#an-panel-bounce button[type=submit]")
    page.wait_for_selector("#an-result-bounce[data-state=done]", timeout=60_000)
    return page.inner_text("#an-result-bounce")


@pytest.fixture
def screenshot(tmp_path_factory):
    """``screenshot(page, name)``: a full-page PNG in $ANALYZER_SCREENSHOTS or pytest's temp folder."""
    folder = Path(os.environ.get("ANALYZER_SCREENSHOTS") or tmp_path_factory.getbasetemp() / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name: str, full_page: bool = True) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


def open_on_resolver(page, site_url: str, doh_server, dohformat: str = "wire", tab: str | None = None):
    """Open /analyzer/ on ``page`` with a link to ``doh_server``; wait until ready, accept that resolver."""
    page.goto(f"{site_url}/analyzer/{analyzer_query(doh_server, dohformat, tab)}")
    wait_ready(page)
    # The link only proposes the local resolver; the page uses it once the reader accepts.
    page.click("#an-proposal-accept")
    page.wait_for_selector("#an-proposal", state="hidden")
    return page


@pytest.fixture
def analyzer(chromium, site_url, doh_server):
    """A fresh page on /analyzer/ (empty storage), pointed at the local DoH server, loaded and ready."""
    context = chromium.new_context()
    page = new_watched_page(context)

    def open_analyzer(dohformat: str = "wire", tab: str | None = None):
        return open_on_resolver(page, site_url, doh_server, dohformat, tab)

    page.open_analyzer = open_analyzer
    yield page
    context.close()

