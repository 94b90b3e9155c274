"""Measure the analyzer's start-up in headless Chromium: phase timings and bytes, cold and HTTP-cached.

    .venv/bin/python scripts/bench_pyodide.py [--runs 3] [--site-dir DIR]

Builds the site (unless ``--site-dir`` names a built one), serves it on 127.0.0.1 and opens
``/analyzer/`` in Debian's Chromium. "Cold" is a fresh browser context (empty HTTP cache); "cached"
reloads in the same context, so the server answers 304 for everything that did not change. The
first analysis is the Gmail DMARC bounce line, from click to rendered result. The cold load stores a
memory snapshot (overrides/assets/analyzer/snapshot.mjs), so "cached" starts from it. The page's
SharedWorker is hidden (each page then starts its own worker, as in browsers without extendedLifetime):
otherwise the reload would find Python still running and measure nothing of the start.
``scripts/bench_browser.py`` measures the cases apart (the shared worker included), against a bare
Pyodide page.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pyodide_site import SiteBuildError, launch_chromium_profile, serve_directory, site_for_benchmark

PHASES = (
    ("runtimeFetch", "runtime fetch"),
    ("pythonInit", "Python init"),
    ("runtime", "runtime (fetch + init)"),
    ("wheels", "wheels"),
    ("catalog", "catalog (parallel)"),
    ("import", "import checker"),
    ("warmup", "import analysis modules"),
    ("ready", "ready (total)"),
    ("firstAnalysis", "first analysis"),
    ("pageToResult", "page open -> first result"),
)
BOUNCE = (
    "550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy. "
    "Please contact the administrator of example.com domain if this was a legitimate mail."
)


def _gzip_size(site_dir: Path, url_path: str, cache: dict[str, int]) -> int:
    """What the file would weigh gzip-served (as GitHub Pages and most hosts do); 0 if not a file."""
    path = site_dir / url_path.split("?")[0].lstrip("/")
    if path.is_dir():
        path = path / "index.html"
    if url_path not in cache:
        cache[url_path] = len(gzip.compress(path.read_bytes(), 6)) if path.is_file() else 0
    return cache[url_path]


def _one_load(page, url: str, transfers: list) -> dict[str, float]:
    transfers.clear()
    started = time.perf_counter()
    page.goto(url)
    # The page's CSP forbids evaluating strings, so wait for the ready state the page sets.
    page.wait_for_selector("#an-status[data-state=ready]", state="attached", timeout=120_000)
    timings = dict(page.evaluate("window.analyzerTimings"))
    page.fill("#an-bounce-text", BOUNCE)
    page.evaluate("document.getElementById('an-result-bounce').removeAttribute('data-state')")
    clicked = time.perf_counter()
    page.click("#an-panel-bounce button[type=submit]")
    page.wait_for_selector("#an-result-bounce[data-state=done]", timeout=60_000)
    done = time.perf_counter()
    timings["firstAnalysis"] = (done - clicked) * 1000
    timings["pageToResult"] = (done - started) * 1000
    timings["bytes"] = sum(size for _, _, size in transfers)
    timings["transfers"] = list(transfers)
    timings["requests"] = len(transfers)
    timings["revalidated"] = sum(1 for _, status, _ in transfers if status == 304)
    return timings


def measure(site_dir: Path, runs: int) -> dict[str, list[dict[str, float]]]:
    """Load the analyzer ``runs`` times cold and ``runs`` times HTTP-cached; return every run's numbers.

    Each run gets a fresh browser profile on disk, because an incognito context's in-memory cache
    does not keep the 9.6 MB WebAssembly file and would make "cached" look like "cold".
    """
    from playwright.sync_api import sync_playwright

    transfers: list[tuple[str, int, int]] = []
    results: dict[str, list[dict[str, float]]] = {"cold": [], "cached": []}
    with serve_directory(site_dir, transfers=transfers) as base_url, sync_playwright() as playwright:
        url = f"{base_url}/analyzer/?tab=bounce"
        for _ in range(runs):
            with tempfile.TemporaryDirectory(prefix="bench-profile-") as profile:
                context = launch_chromium_profile(playwright, Path(profile))
                context.add_init_script("delete window.SharedWorker;")
                page = context.new_page()
                results["cold"].append(_one_load(page, url, transfers))
                results["cached"].append(_one_load(page, url, transfers))
                context.close()
    gzip_cache: dict[str, int] = {}
    for run in results["cold"] + results["cached"]:
        served = run.pop("transfers")
        fresh = [path for path, status, _ in served if status == 200]
        run["gzip_bytes"] = sum(_gzip_size(site_dir, path, gzip_cache) for path in fresh)
    return results


def _median(runs: list[dict[str, float]], key: str) -> float:
    values = [run[key] for run in runs if key in run]
    return statistics.median(values) if values else float("nan")


def report(results: dict[str, list[dict[str, float]]]) -> str:
    """A table of medians (milliseconds) plus bytes, one column per mode."""
    lines = [f"{'phase (median ms)':<28}{'cold':>10}{'cached':>10}"]
    for key, label in PHASES:
        row = [_median(runs, key) for runs in results.values()]
        lines.append(f"{label:<28}" + "".join(f"{value:>10.0f}" for value in row))
    counters = (
        ("bytes", "bytes transferred (MB)", 1e6),
        ("gzip_bytes", "same, gzip-served (MB)", 1e6),
        ("requests", "requests", 1),
        ("revalidated", "answered 304", 1),
    )
    for key, label, scale in counters:
        row = [_median(runs, key) / scale for runs in results.values()]
        lines.append(f"{label:<28}" + "".join(f"{value:>10.2f}" if scale != 1 else f"{value:>10.0f}"
                                              for value in row))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Build or reuse the site, measure, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="loads per mode (default 3)")
    parser.add_argument("--site-dir", type=Path, help="serve this already-built site instead of building one")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp:
        try:
            site_dir = site_for_benchmark(args.site_dir, Path(tmp))
        except SiteBuildError as exc:
            print(exc, file=sys.stderr)
            return 1
        results = measure(site_dir, args.runs)
    print(f"analyzer start-up in headless Chromium, {args.runs} run(s) per mode, site on 127.0.0.1")
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
