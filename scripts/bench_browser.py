"""Measure the analyzer against a bare Pyodide page in one Chromium: start-up, bytes, navigation, analysis.

    .venv/bin/python scripts/bench_browser.py [--runs 3] [--site-dir DIR] [--latency-ms 0]

Builds the site (unless ``--site-dir`` names a built one) and copies it to a temporary folder, where it
adds ``/bare/``: a page that loads the same self-hosted Pyodide core in a module worker and runs ``1+1``
(the floor any Pyodide page pays). The copy is served on 127.0.0.1 (every response ``no-cache``, so a
cached load revalidates with 304s, as on a host whose cache headers cannot be trusted; ``--latency-ms``
delays every response, 304s included, as a distant host would, over HTTP/1.x). Each run opens
fresh Chromium profiles on disk and measures, from navigation start to "ready":

- the bare page, cold (empty profile) and cached (reload);
- the analyzer cold (normal start; it then stores a memory snapshot), on a return visit (the browser
  restarted, so Python starts from the snapshot), and HTTP-cached without a snapshot (Cache Storage
  emptied first: the old cached path);
- navigation: an entry page, then the analyzer through its nav link, then another page and back, both
  with Python in a shared worker that outlives each page (what Chromium gets now) and with a worker per
  page (SharedWorker removed by an init script: what browsers without it get, and how every browser
  did before);
- bytes served before ready (raw, and as gzip would serve them) and the bytes over the bare core,
  and what the analyzer fetches after ready until its first result is drawn;
- analysis of a typical message (a 1.6 KB newsletter, DNS from a local DoH server), of a 1 MB
  message and of a bounce line (no DNS), click to rendered result, with the page's longest
  main-thread stall meanwhile.

It prints medians and the ratios against the targets of issue 8. Targets are benchmarks, not tests.
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pyodide_site import ROOT, SiteBuildError, launch_chromium_profile, serve_directory, site_for_benchmark

sys.path.insert(0, str(ROOT / "tests"))
TYPICAL_MESSAGE = ROOT / "tests" / "browser" / "fixtures" / "newsletter-dmarc-fail.eml"
ZONE = ROOT / "tests" / "browser" / "fixtures" / "analyzer-zone.yml"
ENTRY_PAGE = "errors/550-5-7-26-gmail-dmarc-reject/"
OTHER_PAGE = "about/"
NAV_LINK = "a.md-nav__link[href$='analyzer/']"
READY_TIMEOUT_MS = 180_000
BOUNCE = (
    "550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy. "
    "Please contact the administrator of example.com domain if this was a legitimate mail."
)

BARE_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><title>Bare Pyodide</title><link rel="icon" href="data:,">
<script type="module" src="./bare.js"></script></head>
<body><p id="bare" data-state="loading">Loading Pyodide…</p></body></html>
"""
BARE_JS = """const worker = new Worker(new URL("./worker.mjs", import.meta.url), { type: "module" });
worker.onmessage = (event) => {
  window.bareResult = event.data;
  document.getElementById("bare").dataset.state = event.data.ok ? "ready" : "failed";
};
"""
BARE_WORKER = """const indexURL = new URL("../pyodide/", import.meta.url).href;
const started = performance.now();
try {
  const { loadPyodide } = await import(`${indexURL}pyodide.mjs`);
  const pyodide = await loadPyodide({ indexURL });
  postMessage({ ok: true, value: pyodide.runPython("1+1"), ms: performance.now() - started });
} catch (error) {
  postMessage({ ok: false, error: String(error) });
}
"""

# Before any page script: when an element gets data-state="ready" (the analyzer's #an-status, the bare
# page's #bare), note the time since navigation start; from a form's submit to its result's
# data-state="done", the analysis as the page lives it (without the test driver's own round trips);
# and track the longest gap between timer ticks, a measure of how long the main thread was blocked.
INIT_SCRIPT = """
window.__readyAt = null;
window.__submittedAt = null;
window.__shownAt = null;
document.addEventListener("submit", () => {
  window.__submittedAt = performance.now();
  window.__shownAt = null;
}, true);
new MutationObserver((records) => {
  for (const record of records) {
    const state = record.target.getAttribute && record.target.getAttribute("data-state");
    if (window.__readyAt === null && state === "ready" && ["an-status", "bare"].includes(record.target.id)) {
      window.__readyAt = performance.now();
    }
    if (window.__shownAt === null && state === "done" && record.target.id.startsWith("an-result-")) {
      window.__shownAt = performance.now();
    }
  }
}).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-state"] });
window.__stall = { last: performance.now(), max: 0 };
setInterval(() => {
  const now = performance.now();
  window.__stall.max = Math.max(window.__stall.max, now - window.__stall.last);
  window.__stall.last = now;
}, 10);
"""

# Before any page script: python.js then falls back to a dedicated worker per page (the old behaviour).
PER_PAGE_WORKER = "delete window.SharedWorker;"
PYTHON_READY = "html[data-python-state=ready]"

SNAPSHOT_KEYS = """caches.keys().then(async (names) => {
  const urls = [];
  for (const name of names) {
    for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
  }
  return urls.filter((url) => url.includes("__snapshot__"));
})"""
CLEAR_CACHES = "caches.keys().then((names) => Promise.all(names.map((name) => caches.delete(name))))"


class TimedTransfers(list):
    """The server's transfer log, each ``(path, status, bytes)`` stamped with the wall-clock time (ms)."""

    def append(self, item):
        super().append((*item, time.time() * 1000))


# What the analyzer's worker asks for only once it has said "ready" (worker.mjs: the catalog, the rest of
# the checker; python.js: the service worker and what it stores). The worker sends these requests as it
# posts "ready", and a page still busy with its own scripts may mark itself ready after they reach the
# server: by time alone they would count as loaded before ready in some runs and not in others.
def fetched_after_ready(url_path: str) -> bool:
    path = url_path.split("?")[0]
    return path == "/catalog.json" or path.endswith("/deferred.tar.gz") or path == "/assets/analyzer/sw.js"


def add_bare_page(site_dir: Path) -> None:
    """Write the bare Pyodide page into ``site_dir/bare/`` (a copy of the site, never the real one)."""
    bare = site_dir / "bare"
    bare.mkdir(exist_ok=True)
    (bare / "index.html").write_text(BARE_HTML, encoding="utf-8")
    (bare / "bare.js").write_text(BARE_JS, encoding="utf-8")
    (bare / "worker.mjs").write_text(BARE_WORKER, encoding="utf-8")
    warm = "<!doctype html><title>warm-up</title><link rel=icon href='data:,'><p>warm-up</p>"
    (bare / "warm.html").write_text(warm, encoding="utf-8")


def big_message(size: int = 1_000_000) -> str:
    """The typical message with its body grown to about ``size`` bytes (base64-like lines)."""
    text = TYPICAL_MESSAGE.read_text(encoding="utf-8")
    line = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0" + "\n"
    return text + line * (size // len(line))


class Bench:
    def __init__(self, playwright, site_dir: Path, base_url: str, transfers: TimedTransfers, doh_url: str):
        self.playwright = playwright
        self.site_dir = site_dir
        self.base_url = base_url
        self.transfers = transfers
        self.doh_url = doh_url
        self.gzip_cache: dict[str, int] = {}

    def gzip_size(self, url_path: str) -> int:
        path = self.site_dir / url_path.split("?")[0].lstrip("/")
        if path.is_dir():
            path = path / "index.html"
        if url_path not in self.gzip_cache:
            self.gzip_cache[url_path] = len(gzip.compress(path.read_bytes(), 6)) if path.is_file() else 0
        return self.gzip_cache[url_path]

    def new_profile(self, folder: Path, *, shared: bool = True):
        """A browser on the profile in ``folder`` (new or used); ``shared=False``: a worker per page."""
        context = launch_chromium_profile(self.playwright, folder)
        context.add_init_script(INIT_SCRIPT)
        if not shared:
            context.add_init_script(PER_PAGE_WORKER)
        page = context.pages[0] if context.pages else context.new_page()
        # A fresh browser process pays its own start-up on its first page: not part of any measurement.
        page.goto(f"{self.base_url}/bare/warm.html")
        return context, page

    def wait_ready(self, page, selector: str) -> dict:
        """Wait for ``selector`` to be ready; return ms from navigation start and the bytes before it."""
        page.wait_for_selector(f"{selector}[data-state=ready]", state="attached", timeout=READY_TIMEOUT_MS)
        for _ in range(200):  # a poll, not wait_for_function: the page's CSP forbids evaluating strings
            ready_ms, origin = page.evaluate("[window.__readyAt, performance.timeOrigin]")
            if ready_ms is not None:
                break
            time.sleep(0.05)
        ready_wall = origin + ready_ms
        served = [
            t for t in self.transfers if origin - 50 <= t[3] <= ready_wall and not fetched_after_ready(t[0])
        ]
        fresh = [t for t in served if t[1] == 200]
        return {
            "ready": ready_ms,
            "ready_wall": ready_wall,
            "bytes": sum(t[2] for t in fresh),
            "gzip": sum(self.gzip_size(t[0]) for t in fresh),
            "requests": len(served),
            "revalidated": sum(1 for t in served if t[1] == 304),
            "fresh": sorted({t[0].split("?")[0] for t in fresh}),
        }

    def fetched_after(self, ready: dict, end_wall: float) -> dict:
        """The responses with a body served after ``ready`` (a wait_ready() result) until ``end_wall`` (ms
        since the epoch), with those the worker asks for only after ready: gzip bytes and paths."""
        start_wall = ready["ready_wall"] - ready["ready"] - 50  # navigation start, as wait_ready() counts
        fresh = [
            t for t in self.transfers
            if t[1] == 200 and t[3] <= end_wall
            and (t[3] > ready["ready_wall"] or (t[3] >= start_wall and fetched_after_ready(t[0])))
        ]
        return {
            "gzip": sum(self.gzip_size(t[0]) for t in fresh),
            "fresh": sorted({t[0].split("?")[0] for t in fresh}),
        }

    def load(self, page, path: str, selector: str) -> dict:
        page.goto(f"{self.base_url}/{path}")
        result = self.wait_ready(page, selector)
        if selector == "#an-status":
            result.update(self.python_start(page))
        return result

    def python_start(self, page) -> dict:
        """How the analyzer's Python started: its mode, or "reused" if another page had started it."""
        timings = page.evaluate("window.analyzerTimings") or {}
        mode = "reused" if timings.get("reused") else timings.get("mode", "?")
        return {
            "mode": f"{mode} ({timings.get('worker', '?')})",
            "worker": timings.get("ready", float("nan")),
        }

    def visit(self, page, path: str) -> None:
        """Open a page and let it settle (a reader looks at it before clicking on)."""
        page.goto(f"{self.base_url}/{path}")
        page.wait_for_load_state("load")
        # Not "networkidle": on a loaded machine it can time out on the search index and the like.
        page.wait_for_timeout(1000)

    def wait_snapshot(self, page, timeout: float = 60.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if page.evaluate(SNAPSHOT_KEYS):
                return True
            time.sleep(0.2)
        return False

    def analyse(self, page, text: str) -> dict:
        """Paste ``text`` into the Headers tab, run it; ms from click to result and the longest stall."""
        page.click("#an-tab-headers")
        page.evaluate("window.__stall.max = 0")
        # Set, not typed: Playwright's fill of 1 MB takes longer than the analysis.
        page.locator("#an-headers-text").evaluate(
            "(box, text) => { box.value = text; box.dispatchEvent(new Event('input', { bubbles: true })); }",
            text,
        )
        page.evaluate("document.getElementById('an-result-headers').removeAttribute('data-state')")
        page.evaluate("window.__stall.max = 0; window.__stall.last = performance.now()")
        clicked = time.perf_counter()
        page.click("#an-panel-headers button[type=submit]")
        page.wait_for_selector("#an-result-headers[data-state=done]", timeout=120_000)
        elapsed = (time.perf_counter() - clicked) * 1000
        stall = page.evaluate("window.__stall.max")
        ok = page.locator("#an-result-headers .an-check").count() > 0
        return {"ms": self.in_page_ms(page), "driver_ms": elapsed, "stall": stall, "ok": ok}

    def in_page_ms(self, page) -> float:
        """ms from the form's submit to its result drawn, in the page's own clock (INIT_SCRIPT)."""
        submitted, shown = page.evaluate("[window.__submittedAt, window.__shownAt]")
        return shown - submitted if submitted is not None and shown is not None else float("nan")

    def analyse_bounce(self, page) -> dict:
        """The Gmail DMARC bounce line in the Bounce tab: no DNS, so the checker's own time."""
        page.click("#an-tab-bounce")
        page.fill("#an-bounce-text", BOUNCE)
        page.evaluate("document.getElementById('an-result-bounce').removeAttribute('data-state')")
        clicked = time.perf_counter()
        page.click("#an-panel-bounce button[type=submit]")
        page.wait_for_selector("#an-result-bounce[data-state=done]", timeout=60_000)
        elapsed = (time.perf_counter() - clicked) * 1000
        stall = page.evaluate("window.__stall.max")
        return {"ms": self.in_page_ms(page), "driver_ms": elapsed, "stall": stall, "ok": True}

    def accept_resolver(self, page) -> None:
        if page.is_visible("#an-proposal-accept"):
            page.click("#an-proposal-accept")
            page.wait_for_selector("#an-proposal", state="hidden")

    def bare(self, tmp: Path, out: dict) -> None:
        context, page = self.new_profile(tmp / "bare")
        out["bare_cold"] = self.load(page, "bare/", "#bare")
        out["bare_cached"] = self.load(page, "bare/", "#bare")
        context.close()

    def analyzer(self, tmp: Path, out: dict) -> None:
        analyzer = f"analyzer/?doh={quote(self.doh_url, safe='')}&dohformat=wire&tab=headers"
        profile = tmp / "analyzer"
        context, page = self.new_profile(profile)
        out["cold"] = self.load(page, analyzer, "#an-status")
        self.accept_resolver(page)
        out["typical_cold"] = self.analyse(page, TYPICAL_MESSAGE.read_text(encoding="utf-8"))
        # What the page fetched after "ready" until the first result was drawn (the rest of the checker,
        # the catalog): not part of the bytes before ready, but a first analysis waits for it.
        out["after_ready"] = self.fetched_after(out["cold"], time.time() * 1000)
        out["snapshot_stored"] = self.wait_snapshot(page)
        # A later visit: a reload would find Python still running in the shared worker, so the browser
        # is restarted (same profile: HTTP cache and snapshot kept).
        context.close()
        context, page = self.new_profile(profile)
        out["return"] = self.load(page, analyzer, "#an-status")
        self.accept_resolver(page)
        out["typical"] = self.analyse(page, TYPICAL_MESSAGE.read_text(encoding="utf-8"))
        out["big"] = self.analyse(page, big_message())
        out["bounce"] = self.analyse_bounce(page)
        page.evaluate(CLEAR_CACHES)
        context.close()
        context, page = self.new_profile(profile)
        out["cached_no_snapshot"] = self.load(page, analyzer, "#an-status")
        self.wait_snapshot(page)
        context.close()
        # Entry page -> analyzer (nav link) -> another page -> analyzer again, in a browser started
        # afresh: with a worker per page (before), then with the shared worker.
        for shared, suffix in ((False, "_before"), (True, "")):
            context, page = self.new_profile(profile, shared=shared)
            self.navigate(page, out, suffix, shared=shared)
            context.close()

    def navigate(self, page, out: dict, suffix: str, *, shared: bool) -> None:
        """Entry page (read until its Python is up, if any) -> analyzer -> other page -> analyzer."""
        self.visit(page, ENTRY_PAGE)
        if shared:
            page.wait_for_selector(PYTHON_READY, state="attached", timeout=READY_TIMEOUT_MS)
        page.click(NAV_LINK)
        out[f"nav_to_analyzer{suffix}"] = self.wait_ready(page, "#an-status") | self.python_start(page)
        self.visit(page, OTHER_PAGE)
        page.click(NAV_LINK)
        out[f"nav_back{suffix}"] = self.wait_ready(page, "#an-status") | self.python_start(page)

    def nav_cold(self, tmp: Path, out: dict) -> None:
        """A first-time visitor who lands on an entry page, then opens the analyzer: per page, then shared."""
        for shared, suffix in ((False, "_before"), (True, "")):
            context, page = self.new_profile(tmp / f"nav-cold{suffix}", shared=shared)
            self.visit(page, ENTRY_PAGE)
            page.click(NAV_LINK)
            out[f"nav_cold{suffix}"] = self.wait_ready(page, "#an-status") | self.python_start(page)
            context.close()

    def one_run(self, tmp: Path, number: int) -> dict:
        """Every scenario once; the bare page goes first in even runs and last in odd ones."""
        out: dict = {}
        steps = [self.bare, self.analyzer, self.nav_cold]
        for step in steps if number % 2 == 0 else reversed(steps):
            step(tmp, out)
        return out


def measure(site_dir: Path, runs: int, latency: float = 0.0) -> tuple[list[dict], Callable[[str], int]]:
    """Run every scenario ``runs`` times; return the results and the gzip size of a served path.

    ``latency``: seconds each response of the site waits (the local DoH server is not delayed).
    """
    from dohserver import DohServer
    from playwright.sync_api import sync_playwright

    from checker.shared.dns.zonefile import load_zone

    transfers = TimedTransfers()
    results = []
    with (
        serve_directory(site_dir, transfers=transfers, delay=latency) as base_url,
        DohServer(load_zone(ZONE)) as doh,
        sync_playwright() as playwright,
    ):
        bench = Bench(playwright, site_dir, base_url, transfers, doh.url)
        for number in range(runs):
            with tempfile.TemporaryDirectory(prefix="bench-browser-") as tmp:
                results.append(bench.one_run(Path(tmp), number))
            print(f"run {number + 1}/{runs} done", file=sys.stderr)
    return results, bench.gzip_size


def _median(results: list[dict], scenario: str, key: str) -> float:
    values = [run[scenario][key] for run in results if key in run.get(scenario, {})]
    numbers = [value for value in values if isinstance(value, (int, float))]
    return statistics.median(numbers) if numbers else float("nan")


def _per_run(results: list[dict], value: Callable[[dict], float], form: str) -> str:
    """``value`` of each run, formatted, in run order ("-" where a run lacks it)."""
    shown = []
    for run in results:
        try:
            shown.append(form.format(value(run)))
        except (KeyError, TypeError, ZeroDivisionError):
            shown.append("-")
    return ", ".join(shown)


def _mode(results: list[dict], scenario: str) -> str:
    return ",".join(sorted({str(run[scenario].get("mode", "")) for run in results})) or "-"


def report(results: list[dict], gzip_of: Callable[[str], int]) -> str:
    def med(scenario: str, key: str) -> float:
        return _median(results, scenario, key)

    lines = [
        f"{'page load (median of ' + str(len(results)) + ')':<40}{'ready ms':>10}{'MB raw':>9}"
        f"{'MB gzip':>9}{'req':>6}{'304':>6}  python start"
    ]
    rows = (
        ("bare_cold", "bare Pyodide, cold"),
        ("bare_cached", "bare Pyodide, cached"),
        ("cold", "analyzer, cold (first visit)"),
        ("return", "analyzer, return visit (snapshot)"),
        ("cached_no_snapshot", "analyzer, HTTP-cached, no snapshot"),
        ("nav_cold_before", "entry -> analyzer, 1st visit, per page"),
        ("nav_cold", "entry -> analyzer, 1st visit, shared"),
        ("nav_to_analyzer_before", "entry -> analyzer, returning, per page"),
        ("nav_to_analyzer", "entry -> analyzer, returning, shared"),
        ("nav_back_before", "other page -> analyzer, per page"),
        ("nav_back", "other page -> analyzer, shared"),
    )
    for scenario, label in rows:
        if not any(scenario in run for run in results):
            continue
        lines.append(
            f"{label:<40}{med(scenario, 'ready'):>10.0f}{med(scenario, 'bytes') / 1e6:>9.2f}"
            f"{med(scenario, 'gzip') / 1e6:>9.2f}{med(scenario, 'requests'):>6.0f}"
            f"{med(scenario, 'revalidated'):>6.0f}"
            f"  {_mode(results, scenario) if scenario not in ('bare_cold', 'bare_cached') else ''}"
        )
    lines.append("")
    lines.append(f"{'analysis (submit -> result drawn)':<40}{'ms':>10}{'driver ms':>11}{'stall ms':>10}")
    for scenario, label in (
        ("typical_cold", "typical message, first visit"),
        ("typical", "typical message, return visit"),
        ("big", "1 MB message"),
        ("bounce", "bounce line (Bounce tab, no DNS)"),
    ):
        lines.append(
            f"{label:<40}{med(scenario, 'ms'):>10.0f}{med(scenario, 'driver_ms'):>11.0f}"
            f"{med(scenario, 'stall'):>10.0f}"
        )
    lines.append(
        "  ms: in the page's clock, from the form's submit to the result drawn; driver ms: from the test"
        " driver's click until it saw the result (its own round trips included)"
    )
    extra_gzip = med("cold", "gzip") - med("bare_cold", "gzip")
    first = results[0]
    if "fresh" in first.get("cold", {}) and "fresh" in first.get("bare_cold", {}):
        extras = set(first["cold"]["fresh"]) - set(first["bare_cold"]["fresh"])
        extras = sorted(extras, key=gzip_of, reverse=True)
        lines += ["", "what the analyzer loads before ready that the bare page does not (gzip KB)"]
        lines += [f"  {gzip_of(path) / 1e3:>7.1f}  {path}" for path in extras[:12]]
        rest = sum(gzip_of(path) for path in extras[12:])
        lines.append(f"  {rest / 1e3:>7.1f}  {len(extras[12:])} other files")
        missing = set(first["bare_cold"]["fresh"]) - set(first["cold"]["fresh"])
        missing = sorted(missing, key=gzip_of, reverse=True)
        if missing:
            lines += ["what the bare page loads before ready that the analyzer does not (gzip KB)"]
            lines += [f"  {gzip_of(path) / 1e3:>7.1f}  {path}" for path in missing]
    if "after_ready" in first:
        later = sorted(first["after_ready"]["fresh"], key=gzip_of, reverse=True)
        lines += ["", "what the analyzer loads after ready, up to its first result (gzip KB, first run)"]
        lines += [f"  {gzip_of(path) / 1e3:>7.1f}  {path}" for path in later]
        lines.append(f"  {sum(gzip_of(path) for path in later) / 1e3:>7.1f}  in all")
    lines += [
        "",
        "targets (issue 8)",
        f"  return visit ready {med('return', 'ready') / 1000:.2f} s (target <= 1.0 s)",
        f"  first visit / bare cold = {med('cold', 'ready') / med('bare_cold', 'ready'):.2f}x"
        " (target <= 1.3x)",
        f"  bytes over the bare core, gzip: {extra_gzip / 1e3:.0f} KB (target <= 300 KB)"
        + (" (below zero: less than the bare core)" if extra_gzip < 0 else ""),
        f"  return visit / bare cached = {med('return', 'ready') / med('bare_cached', 'ready'):.2f}x",
        f"  typical analysis {med('typical', 'ms'):.0f} ms in the page,"
        f" {med('typical', 'driver_ms'):.0f} ms as the driver sees it (target < 300 ms); "
        f"1 MB {med('big', 'ms') / 1000:.2f} s (target < 2 s), "
        f"longest page stall {med('big', 'stall'):.0f} ms",
        f"  per run, in run order (the machine's noise is in the spread): first visit / bare cold"
        f" {_per_run(results, lambda run: run['cold']['ready'] / run['bare_cold']['ready'], '{:.2f}x')};"
        f" return visit {_per_run(results, lambda run: run['return']['ready'] / 1000, '{:.2f} s')}",
        f"  snapshot stored after the first visit: {all(run['snapshot_stored'] for run in results)}",
        f"  entry page -> analyzer ready, returning: {med('nav_to_analyzer', 'ready'):.0f} ms with the shared"
        f" worker, {med('nav_to_analyzer_before', 'ready'):.0f} ms with a worker per page"
        f" ({med('nav_to_analyzer_before', 'ready') / med('nav_to_analyzer', 'ready'):.1f}x);"
        f" first visit {med('nav_cold', 'ready'):.0f} ms vs {med('nav_cold_before', 'ready'):.0f} ms",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs, each with fresh profiles (default 3)")
    parser.add_argument("--site-dir", type=Path, help="copy this already-built site instead of building one")
    parser.add_argument(
        "--latency-ms", type=float, default=0.0,
        help="wait this long before every response of the site, as a distant host would (default 0)",
    )
    args = parser.parse_args(argv)
    if args.latency_ms < 0 or args.runs < 1:
        parser.error("--latency-ms must be 0 or more and --runs at least 1")
    with tempfile.TemporaryDirectory(prefix="bench-browser-site-") as tmp:
        site_copy = Path(tmp) / "site"
        try:
            site = site_for_benchmark(args.site_dir, site_copy)
        except SiteBuildError as exc:
            print(exc, file=sys.stderr)
            return 1
        if site != site_copy:  # the bare page goes into a copy, never into the given site
            shutil.copytree(site, site_copy)
        add_bare_page(site_copy)
        results, gzip_of = measure(site_copy, args.runs, args.latency_ms / 1000)
        delayed = f", {args.latency_ms:g} ms before every response" if args.latency_ms else ""
        print(f"headless Chromium, {args.runs} run(s), site on 127.0.0.1 (every response no-cache{delayed})")
        print(report(results, gzip_of))
    return 0


if __name__ == "__main__":
    sys.exit(main())
