"""The worker's network guard (issue 7), in real headless Chromium with the real worker: Python may fetch
from this site and from the DNS resolver the reader chose on the page, and from nothing else.

Three local DoH servers: A, the reader's choice; B, a resolver the reader never chose (it must hear
nothing, not even a connection); and R, a resolver a link proposes and the reader accepts, which answers
every query with a redirect to B. The page's Content-Security-Policy does not reach the worker, so the
guard in worker.mjs is all that stands between a redirect and B.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import pytest
from conftest import new_watched_page, wait_ready

pytestmark = [pytest.mark.browser, pytest.mark.slow]


class Redirector:
    """An HTTP server on 127.0.0.1 answering every request with a 307 to ``target`` (same path and query)."""

    def __init__(self, target: str) -> None:
        self.target = target.rstrip("/")
        self.hits: list[str] = []
        redirector = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return

            def _redirect(self) -> None:
                redirector.hits.append(f"{self.command} {self.path}")
                self.send_response(307)
                self.send_header("Location", redirector.target + self.path)
                # Readable cross-origin, so a browser that follows redirects really would go on to B.
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Access-Control-Allow-Headers", "accept, content-type")
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = do_OPTIONS = _redirect

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/dns-query"

    def __enter__(self) -> Redirector:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def resolver_b(own_doh_server):
    """B: a working resolver with the same zone, which nobody chose."""
    own_doh_server.clear_log()
    return own_doh_server


@pytest.fixture
def redirector(resolver_b) -> Iterator[Redirector]:
    with Redirector(resolver_b.base_url) as server:
        yield server


def proposal_link(site_url: str, doh_url: str, extra: str = "") -> str:
    return f"{site_url}/analyzer/?doh={quote(doh_url, safe='')}&dohformat=wire{extra}"


def run_domain(page, domain: str) -> str:
    page.click("#an-tab-domain")
    page.fill("#an-domain-name", domain)
    page.click("#an-panel-domain button[type=submit]")
    page.wait_for_selector("#an-result-domain[data-state=done]", timeout=90_000)
    return page.inner_text("#an-result-domain")


def assert_b_heard_nothing(resolver_b) -> None:
    assert resolver_b.log == [], resolver_b.log
    assert resolver_b.preflights == 0 and resolver_b.connections == 0


def test_a_link_naming_another_resolver_does_not_reach_the_worker_without_consent(
    chromium, site_url, doh_server, resolver_b
):
    context = chromium.new_context()
    page = new_watched_page(context)
    # The reader chose A.
    page.goto(proposal_link(site_url, doh_server.url))
    wait_ready(page)
    page.click("#an-proposal-accept")
    doh_server.clear_log()
    # A link names B and asks for a domain check; the reader has not answered the proposal.
    page.goto(proposal_link(site_url, resolver_b.url, "&domain=acme.example"))
    wait_ready(page)
    assert page.is_visible("#an-proposal")
    text = run_domain(page, "acme.example")
    assert "v=DMARC1" in text  # answered, by A
    assert any(query.name == "_dmarc.acme.example" for query in doh_server.log)
    page.click("#an-proposal-reject")  # the link's own check then runs, through A as well
    page.wait_for_selector("#an-proposal", state="hidden")
    page.wait_for_selector("#an-result-domain[data-state=done]", timeout=90_000)
    assert page.inner_text("#an-resolver-name") == f"127.0.0.1:{doh_server.port}"
    assert_b_heard_nothing(resolver_b)
    assert not page.errors
    context.close()


# Both ways Python runs: a worker per page, and the one shared worker of a browser that keeps it alive
# across pages (python.js); the guard is the same code in both.
@pytest.mark.parametrize("shared_worker", [False, True], ids=["dedicated-worker", "shared-worker"])
def test_the_worker_refuses_a_redirect_away_from_the_chosen_resolver(
    chromium, site_url, doh_server, resolver_b, redirector, screenshot, shared_worker
):
    context = chromium.new_context()
    page = new_watched_page(context, shared_worker=shared_worker)
    # A link proposes R; the reader reads its address and accepts R (not B).
    page.goto(proposal_link(site_url, redirector.url))
    wait_ready(page)
    worker_kind = page.get_attribute("html", "data-python-worker")
    if shared_worker and worker_kind != "shared":
        pytest.skip("this Chromium does not keep a shared worker alive across pages")
    assert worker_kind == ("shared" if shared_worker else "dedicated")
    assert page.inner_text("#an-proposal-host") == redirector.url.split("/")[2]
    page.click("#an-proposal-accept")
    text = run_domain(page, "acme.example")
    assert redirector.hits, "the chosen resolver was never asked"
    # R's redirects were not followed: B heard nothing.
    assert_b_heard_nothing(resolver_b)
    # The page says so once, at the top, naming the chosen resolver and why it gave no answer.
    notice = page.locator("#an-result-domain .an-resolver-down")
    assert notice.count() == 1, text
    words = notice.inner_text()
    assert f"127.0.0.1:{redirector.httpd.server_address[1]}" in words
    assert "not the DNS resolver chosen on the page" in words, words
    assert "v=DMARC1" not in text  # no answer was forged by B
    screenshot(page, f"guard-redirect-refused-{worker_kind}-1280", full_page=False)

    # The same page, back on A: the guard let the resolver the reader chose through all along.
    page.goto(proposal_link(site_url, doh_server.url))
    wait_ready(page)
    page.click("#an-proposal-accept")
    assert "v=DMARC1" in run_domain(page, "acme.example")
    assert_b_heard_nothing(resolver_b)
    assert not page.errors
    context.close()
