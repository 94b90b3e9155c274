"""Measure the analyzer's memory over many analyses in one page: does anything keep growing?

    .venv/bin/python scripts/bench_memory.py [--analyses 300] [--every 25] [--settle 6] [--no-gc]
        [--kinds bounce,gmail-line,headers,domain] [--site-dir DIR]

Builds the site (unless ``--site-dir`` names a built one; the build makes dist/wheels when needed),
serves it on 127.0.0.1 with the local DoH server (tests/dohserver.py, the browser tests' zone fixtures),
and for each kind opens the analyzer in a fresh headless Chromium profile and runs ``--analyses``
analyses, each input different so a cache keyed by input would show: ``bounce`` takes the real bounces
of tests/corpora/bounces-sisimai in turn, ``gmail-line`` one Gmail DMARC line with a new domain each
time, ``headers`` the newsletter fixture with a new header line, ``domain`` the fixture's domain and
unknown names in turn. Every ``--every`` analyses, ``--settle`` seconds later (DNS timeout timers live
5 s), after a garbage collection (not with ``--no-gc``), it reads (scripts/worker_probe.py): the page's
JS heap, DOM nodes and event listeners; the JS heap and buffers of the worker that runs Python;
Pyodide's WASM memory, the bytes malloc handed out and Python's live objects; the RSS of the largest
Chromium renderer (the page and its worker) and of all renderers. It prints a table per kind, the
growth per 100 analyses over the second half (after the warm-up imports) and the Python types and
containers that grew. WASM memory never shrinks: growth to a plateau is bounded, a steady climb is a
leak.

It prints numbers and asserts nothing (tests/browser/test_browser_memory.py is the regression test).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_browser import BOUNCE, TYPICAL_MESSAGE, Bench, TimedTransfers
from pyodide_site import ROOT, SiteBuildError, serve_directory, site_for_benchmark
from worker_probe import ProbeError, Sample, WorkerProbe

sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "browser"))
# Real bounces of every shape (DSNs, MIME, vendors' notices); each analysis takes the next one.
BOUNCE_CORPUS = ROOT / "tests" / "corpora" / "bounces-sisimai" / "maildir-bsd"
KINDS = ("bounce", "gmail-line", "headers", "domain")
RESULT_TIMEOUT_MS = 120_000
MB = 1024 * 1024


def set_field(page, selector: str, text: str) -> None:
    # Set, not typed: fill() of a long message costs more than the analysis.
    page.locator(selector).evaluate(
        "(box, text) => { box.value = text; box.dispatchEvent(new Event('input', { bubbles: true })); }", text
    )


def wait_attached(page, selector: str) -> None:
    # A locator, not page.wait_for_selector(): that returns an element handle, and the page keeps what a
    # handle points at (here a whole old result) until the handle is disposed.
    page.locator(selector).first.wait_for(state="attached", timeout=RESULT_TIMEOUT_MS)


def submit(page, kind: str) -> None:
    """Run the form of ``kind`` and wait for its result (and, for a domain, for its two follow-ups)."""
    result = f"#an-result-{kind}"
    page.evaluate(f"document.getElementById('an-result-{kind}').removeAttribute('data-state')")
    page.click(f"#an-panel-{kind} button[type=submit]")
    wait_attached(page, f"{result}[data-state=done], {result}[data-state=offer]")
    if page.get_attribute(result, "data-state") == "offer":
        # The text looked like it belongs in another tab: run it here anyway, as the reader can.
        page.click(f"{result} [data-stay]")
        wait_attached(page, f"{result}[data-state=done]")
    if kind == "domain" and page.locator(f"{result} .an-plans").count():
        # The SPF plan runs after the DMARC one: once it is done, the worker is idle again.
        wait_attached(page, f"{result} .an-plan-slot[data-plan=spf][data-state=done]")


def bounce_input(page, number: int) -> None:
    files = sorted(BOUNCE_CORPUS.glob("*.eml"))
    text = files[number % len(files)].read_text(encoding="utf-8", errors="replace")
    set_field(page, "#an-bounce-text", text)


def gmail_line_input(page, number: int) -> None:
    set_field(page, "#an-bounce-text", BOUNCE.replace("example.com", f"example{number}.com"))


def headers_input(page, number: int) -> None:
    text = f"X-Bench-Run: {number}\n" + TYPICAL_MESSAGE.read_text(encoding="utf-8")
    set_field(page, "#an-headers-text", text)


def domain_input(page, number: int) -> None:
    # Every other one the fixture's full domain (MX, SPF includes, DMARC); the rest unknown names.
    page.fill("#an-domain-name", "acme.example" if number % 2 else f"d{number}.acme.example")


INPUTS: dict[str, Callable[[object, int], None]] = {
    "bounce": bounce_input, "gmail-line": gmail_line_input, "headers": headers_input, "domain": domain_input,
}
FORMS = {"gmail-line": "bounce"}  # the kind's form, where it is not the kind's own name


def run_kind(bench: Bench, folder: Path, kind: str, options: argparse.Namespace) -> list[Sample]:
    """One fresh profile: ``analyses`` analyses of ``kind``, a sample before them and every ``every``."""
    analyses, every, collect = options.analyses, options.every, not options.no_gc
    context, page = bench.new_profile(folder)
    try:
        form = FORMS.get(kind, kind)
        query = f"?doh={quote(bench.doh_url, safe='')}&dohformat=wire&tab={form}"
        bench.load(page, f"analyzer/{query}", "#an-status")
        bench.accept_resolver(page)
        # The snapshot is made right after "ready" (snapshot.mjs): let it finish before the first sample.
        bench.wait_snapshot(page)
        probe = WorkerProbe(context, page)
        samples = [probe.sample(0, collect=collect)]
        started = time.perf_counter()
        for number in range(1, analyses + 1):
            INPUTS[kind](page, number)
            submit(page, form)
            if number % every == 0 or number == analyses:
                # Each DNS query's timeout timer outlives its answer until it fires: let them expire.
                page.wait_for_timeout(options.settle * 1000)
                samples.append(probe.sample(number, collect=collect))
                elapsed = time.perf_counter() - started
                print(f"  {kind} {number}/{analyses} ({elapsed:.0f} s)", file=sys.stderr)
        return samples
    finally:
        context.close()


def _mb(value: int | None) -> str:
    return "-" if value is None else f"{value / MB:.1f}"


def table(kind: str, samples: list[Sample]) -> list[str]:
    lines = [
        f"{kind}: analyses, then MB unless named",
        f"{'analyses':>9}{'page JS':>9}{'nodes':>7}{'listen':>7}{'worker JS':>10}{'buffers':>9}"
        f"{'WASM':>8}{'malloc':>8}{'py objs':>9}{'renderer RSS':>13}{'all renderers':>14}",
    ]
    for s in samples:
        objects = "-" if s.py_objects is None else str(s.py_objects)
        lines.append(
            f"{s.analyses:>9}{_mb(s.page_heap):>9}{s.nodes:>7}{s.listeners:>7}{_mb(s.worker_heap):>10}"
            f"{_mb(s.worker_buffers):>9}{_mb(s.wasm):>8}{_mb(s.malloc_used):>8}{objects:>9}"
            f"{_mb(s.renderer_rss):>13}{_mb(s.renderers_total):>14}"
        )
    return lines


def growth(samples: list[Sample]) -> list[str]:
    """Change per 100 analyses over the second half (the first analyses import and warm caches)."""
    if len(samples) < 3:
        return []
    first, last = samples[len(samples) // 2], samples[-1]
    span = last.analyses - first.analyses
    if span <= 0:
        return []

    def per100(a: int | None, b: int | None, scale: float = 1.0) -> str:
        return "-" if a is None or b is None else f"{(b - a) / scale * 100 / span:+.2f}"

    lines = [
        f"  growth per 100 analyses, from {first.analyses} to {last.analyses}:",
        f"    page JS {per100(first.page_heap, last.page_heap, MB)} MB,"
        f" nodes {per100(first.nodes, last.nodes)},"
        f" listeners {per100(first.listeners, last.listeners)}, worker JS"
        f" {per100(first.worker_heap, last.worker_heap, MB)} MB, WASM {per100(first.wasm, last.wasm, MB)} MB,"
        f" malloc {per100(first.malloc_used, last.malloc_used, MB)} MB,"
        f" py objects {per100(first.py_objects, last.py_objects)},"
        f" renderer RSS {per100(first.renderer_rss, last.renderer_rss, MB)} MB",
    ]
    for label, key in (("Python types", "types"), ("containers", "containers")):
        before, after = first.python.get(key, {}), last.python.get(key, {})
        grew = sorted(((after[name] - before.get(name, 0), name) for name in after), reverse=True)
        grew = [(delta, name) for delta, name in grew if delta > 0][:8]
        if grew:
            lines.append(f"    {label} that grew: " + ", ".join(f"{name} +{delta}" for delta, name in grew))
    return lines


def measure(site_dir: Path, kinds: list[str], options: argparse.Namespace) -> dict[str, list[Sample]]:
    from conftest import merged_zone  # the browser tests' zone fixtures, one DoH server for all
    from dohserver import DohServer
    from playwright.sync_api import sync_playwright

    results: dict[str, list[Sample]] = {}
    transfers = TimedTransfers()
    with (
        serve_directory(site_dir, transfers=transfers) as base_url,
        DohServer(merged_zone()) as doh,
        sync_playwright() as playwright,
        tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp,
    ):
        bench = Bench(playwright, site_dir, base_url, transfers, doh.url)
        for kind in kinds:
            results[kind] = run_kind(bench, Path(tmp) / kind, kind, options)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--analyses", type=int, default=300, help="analyses of each kind (default 300)")
    parser.add_argument("--every", type=int, default=25, help="sample every N analyses (default 25)")
    parser.add_argument("--kinds", default=",".join(KINDS), help=f"comma-separated, of {', '.join(KINDS)}")
    parser.add_argument(
        "--no-gc", action="store_true",
        help="read memory as a visitor's browser holds it, without forcing collections before each sample",
    )
    parser.add_argument(
        "--settle", type=float, default=6.0,
        help="seconds to wait before each sample, so DNS timeout timers (5 s) have fired (default 6)",
    )
    parser.add_argument("--site-dir", type=Path, help="serve this already-built site instead of building one")
    args = parser.parse_args(argv)
    kinds = [kind.strip() for kind in args.kinds.split(",") if kind.strip()]
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown or not kinds or args.analyses < 1 or args.every < 1:
        parser.error(f"--kinds takes {', '.join(KINDS)}; --analyses and --every at least 1")
    with tempfile.TemporaryDirectory(prefix="bench-memory-site-") as tmp:
        try:
            site_dir = site_for_benchmark(args.site_dir, Path(tmp) / "site")
        except SiteBuildError as exc:
            print(exc, file=sys.stderr)
            return 1
        try:
            results = measure(site_dir, kinds, args)
        except ProbeError as exc:
            print(f"could not read the worker's memory: {exc}", file=sys.stderr)
            return 1
    when = "as found (no forced GC)" if args.no_gc else "after GC"
    print(f"headless Chromium, one fresh profile per kind, {args.analyses} analyses each, samples {when}")
    for kind, samples in results.items():
        print()
        print("\n".join(table(kind, samples) + growth(samples)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
