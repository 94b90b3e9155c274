"""How the analyzer's Python starts, in real headless Chromium: normally, then from the memory snapshot it
stores in Cache Storage (overrides/assets/analyzer/snapshot.mjs), and the fallbacks when that snapshot is
missing, corrupt, from an older deploy, or made before an upgrade changed the checker.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
import urllib.request
from pathlib import Path

import pytest
from conftest import analyzer_query, new_watched_page, wait_ready

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FIXTURES = Path(__file__).parent / "fixtures"
NEWSLETTER = FIXTURES / "newsletter-dmarc-fail.eml"
BOUNCE = (
    "550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's\n"
    "550 5.7.26 DMARC policy. gsmtp"
)
CACHE_NAME = "smtp-analyzer-python"
SNAPSHOT_URLS = f"""async () => {{
  const cache = await caches.open("{CACHE_NAME}");
  return (await cache.keys()).map((request) => request.url).filter((url) => url.includes("/__snapshot__/"));
}}"""
SNAPSHOT_SIZE = f"""async (url) => {{
  const response = await (await caches.open("{CACHE_NAME}")).match(url);
  return response ? (await response.arrayBuffer()).byteLength : -1;
}}"""
PUT_GARBAGE = f"""async (url) => {{
  const bytes = new Uint8Array(4096).map((_, index) => (index * 7919) % 251);
  const headers = {{ "X-Snapshot-Length": "4096" }};
  await (await caches.open("{CACHE_NAME}")).put(url, new Response(bytes, {{ headers }}));
}}"""
# The first half of the real snapshot, under its full length: as if the write had been cut short.
CUT_SHORT = f"""async (url) => {{
  const cache = await caches.open("{CACHE_NAME}");
  const response = await cache.match(url);
  const bytes = await response.arrayBuffer();
  await cache.put(url, new Response(bytes.slice(0, bytes.byteLength / 2), {{ headers: response.headers }}));
  return bytes.byteLength;
}}"""


def timings(page) -> dict:
    return page.evaluate("window.analyzerTimings") or {}


def snapshot_urls(page, *, wait_for: int | None = None, exclude: str | None = None) -> list[str]:
    """The snapshot entries in Cache Storage; ``wait_for``: poll until that many, none ``exclude``."""
    for _ in range(300):
        urls = page.evaluate(SNAPSHOT_URLS)
        if wait_for is None or (len(urls) == wait_for and exclude not in urls):
            return urls
        page.wait_for_timeout(100)
    raise AssertionError(f"Cache Storage holds {urls}, not {wait_for} snapshot(s) other than {exclude}")


def result_text(page, kind: str) -> str:
    page.click(f"#an-panel-{kind} button[type=submit]")
    page.wait_for_selector(f"#an-result-{kind}[data-state=done]", timeout=60_000)
    text = page.inner_text(f"#an-result-{kind}")
    page.evaluate(f"document.getElementById('an-result-{kind}').removeAttribute('data-state')")
    return re.sub(r"\d+(\.\d+)? ?(ms|s)\b", "<time>", text)  # elapsed times differ between runs


def analyse_both(page) -> dict[str, str]:
    page.click("#an-tab-headers")
    page.fill("#an-headers-text", NEWSLETTER.read_text(encoding="utf-8"))
    headers = result_text(page, "headers")
    page.click("#an-tab-bounce")
    page.fill("#an-bounce-text", BOUNCE)
    return {"headers": headers, "bounce": result_text(page, "bounce")}


@pytest.fixture
def context(chromium):
    context = chromium.new_context()
    yield context
    context.close()


def open_page(context, url: str, *, accept_resolver: bool = False):
    page = new_watched_page(context)
    page.goto(url)
    wait_ready(page)
    if accept_resolver and page.is_visible("#an-proposal-accept"):
        page.click("#an-proposal-accept")
        page.wait_for_selector("#an-proposal", state="hidden")
    return page


def test_snapshot_start_gives_the_same_results_as_the_normal_start(context, site_url, doh_server):
    url = f"{site_url}/analyzer/{analyzer_query(doh_server)}"
    page = open_page(context, url, accept_resolver=True)
    assert timings(page)["mode"] == "fresh"
    normal = analyse_both(page)
    assert "DMARC" in normal["headers"] and "5.7.26" in normal["bounce"]
    [stored] = snapshot_urls(page, wait_for=1)
    assert page.evaluate(SNAPSHOT_SIZE, stored) > 10_000_000  # the interpreter's memory, not a stub
    page.close()

    page = open_page(context, url, accept_resolver=True)
    started = timings(page)
    assert started["mode"] == "snapshot", started
    assert "snapshotError" not in started
    assert analyse_both(page) == normal
    assert snapshot_urls(page) == [stored]  # used, not replaced
    assert not page.errors


def test_without_a_snapshot_python_starts_normally_and_stores_one(context, site_url):
    page = open_page(context, f"{site_url}/analyzer/")
    started = timings(page)
    assert started["mode"] == "fresh" and "snapshotError" not in started
    for phase in ("runtime", "wheels", "import", "ready"):
        assert isinstance(started.get(phase), (int, float)), started
    # The page loads the checker from the bundle's archives, never the full wheels.
    assert any(url.endswith("/startup.tar.gz") for url in page.requests)
    assert not any(url.endswith(".whl") for url in page.requests)
    # Python starts on the bundle's compiled standard library, not the runtime's source zip.
    assert any(url.endswith("/stdlib.zip") for url in page.requests)
    assert not any(url.endswith("/python_stdlib.zip") for url in page.requests)
    assert len(snapshot_urls(page, wait_for=1)) == 1
    assert any(url.endswith("/deferred.tar.gz") for url in page.requests)
    assert not page.errors


@pytest.mark.parametrize("damage", ["garbage", "cut short"])
def test_a_corrupt_snapshot_falls_back_to_the_normal_start_and_is_replaced(context, site_url, damage):
    page = open_page(context, f"{site_url}/analyzer/")
    [stored] = snapshot_urls(page, wait_for=1)
    if damage == "garbage":
        page.evaluate(PUT_GARBAGE, stored)
        assert page.evaluate(SNAPSHOT_SIZE, stored) == 4096
    else:
        full = page.evaluate(CUT_SHORT, stored)
        assert page.evaluate(SNAPSHOT_SIZE, stored) == full // 2
    page.close()

    page = open_page(context, f"{site_url}/analyzer/?tab=bounce")
    started = timings(page)
    assert started["mode"] == "fresh" and started.get("snapshotError"), started
    page.fill("#an-bounce-text", BOUNCE)
    assert "5.7.26" in result_text(page, "bounce")
    for _ in range(300):  # the good snapshot takes the corrupt one's place
        if page.evaluate(SNAPSHOT_SIZE, stored) > 10_000_000:
            break
        page.wait_for_timeout(100)
    assert page.evaluate(SNAPSHOT_SIZE, stored) > 10_000_000
    assert snapshot_urls(page) == [stored]
    page.close()

    page = open_page(context, f"{site_url}/analyzer/")
    assert timings(page)["mode"] == "snapshot"


def test_a_snapshot_of_another_deploy_is_not_used_and_is_deleted(context, site_url):
    page = open_page(context, f"{site_url}/analyzer/")
    [current] = snapshot_urls(page, wait_for=1)
    old = current.rsplit("/", 1)[0] + "/0123456789abcdef0123456789abcdef"
    page.evaluate(f"async () => (await caches.open('{CACHE_NAME}')).delete('{current}')")
    page.evaluate(PUT_GARBAGE, old)
    page.close()

    page = open_page(context, f"{site_url}/analyzer/")
    started = timings(page)
    assert started["mode"] == "fresh" and started.get("snapshotError") == "stale", started
    assert snapshot_urls(page, wait_for=1, exclude=old) == [current]


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def _changed_archive(archive: bytes) -> bytes:
    """The same archive plus one module: what a new deploy of the checker looks like (a new sha256)."""
    out = io.BytesIO()
    with (
        tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as source,
        tarfile.open(fileobj=out, mode="w:gz", format=tarfile.USTAR_FORMAT) as target,
    ):
        for member in source.getmembers():
            target.addfile(member, source.extractfile(member))
        marker = b"DEPLOY = 2\n"
        info = tarfile.TarInfo("checker/_upgrade_marker.py")
        info.size = len(marker)
        target.addfile(info, io.BytesIO(marker))
    return out.getvalue()


def test_an_upgrade_that_changes_the_checker_replaces_the_snapshot(context, site_url):
    page = open_page(context, f"{site_url}/analyzer/")
    [before] = snapshot_urls(page, wait_for=1)
    page.close()

    # The next deploy: the manifest names a new startup archive (new content hash, new folder).
    manifest = json.loads(_fetch(f"{site_url}/pyodide/browser-bundle.json"))
    [entry] = [archive for archive in manifest["archives"] if archive["phase"] == "startup"]
    archive = _changed_archive(_fetch(f"{site_url}/pyodide/{entry['file_name']}"))
    digest = hashlib.sha256(archive).hexdigest()
    new_name = f"bundle/{digest[:12]}/startup.tar.gz"
    entry.update(file_name=new_name, sha256=digest, bytes=len(archive))
    context.route(
        "**/pyodide/browser-bundle.json",
        lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(manifest)),
    )
    context.route(
        f"**/pyodide/{new_name}",
        lambda route: route.fulfill(status=200, content_type="application/octet-stream", body=archive),
    )

    page = open_page(context, f"{site_url}/analyzer/?tab=bounce")
    started = timings(page)
    assert started["mode"] == "fresh" and started.get("snapshotError") == "stale", started
    assert any(url.endswith(new_name) for url in page.requests), "the new archive was not fetched"
    page.fill("#an-bounce-text", BOUNCE)
    assert "5.7.26" in result_text(page, "bounce")
    [after] = snapshot_urls(page, wait_for=1, exclude=before)
    assert after != before
    page.close()

    page = open_page(context, f"{site_url}/analyzer/")
    assert timings(page)["mode"] == "snapshot"
    assert snapshot_urls(page) == [after]


def test_when_the_rest_of_the_checker_does_not_download_an_analysis_says_so_and_retries(context, site_url):
    # The deferred archive comes after "ready" (snapshot.mjs); a connection lost by then must not leave
    # the analyzer broken until a reload.
    failing = {"on": True}

    def deferred(route):
        if failing["on"]:
            route.abort()
        else:
            route.continue_()

    context.route("**/pyodide/bundle/*/deferred.tar.gz", deferred)
    page = open_page(context, f"{site_url}/analyzer/?tab=bounce")
    page.fill("#an-bounce-text", BOUNCE)
    assert "Part of the analyzer did not load" in result_text(page, "bounce")
    failing["on"] = False
    assert "5.7.26" in result_text(page, "bounce")
    assert not page.errors
