"""Run Lighthouse against an entry page of the built site and print the four category scores.

    npm install --no-save lighthouse          # once, into node_modules/
    python scripts/lighthouse.py              # builds the site into a temp folder first
    python scripts/lighthouse.py --site site --page errors/<id>/ --min 95

Needs Chromium (``apt-get install -y chromium``); CHROME_PATH defaults to ``command -v chromium``.
The site is served by Python's ``http.server`` on 127.0.0.1, compressing text with gzip as the
production host (GitHub Pages) does; ``--no-gzip`` serves files as they are.
Exits 1 when a score is below ``--min``, and lists the audits that cost points.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from pyodide_site import SiteBuildError, build_site, serve_directory

REPO_ROOT = Path(__file__).resolve().parent.parent
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
CHROME_FLAGS = (
    "--headless --no-sandbox --disable-gpu --disable-quic --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run"
)


def run_lighthouse(url: str, chrome_path: str) -> dict:
    """The Lighthouse JSON report for ``url``."""
    binary = REPO_ROOT / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        raise SystemExit(
            "Lighthouse is not installed: run `npm install --no-save lighthouse` in the repository."
        )
    result = subprocess.run(
        [
            str(binary),
            url,
            "--output=json",
            "--output-path=stdout",
            "--quiet",
            f"--only-categories={','.join(CATEGORIES)}",
            f"--chrome-flags={CHROME_FLAGS}",
        ],
        env={**os.environ, "CHROME_PATH": chrome_path},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise SystemExit(f"Lighthouse failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout)


def lost_points(report: dict) -> list[str]:
    """Audits that scored below 1 in the four categories, as readable lines."""
    lines = []
    for category in CATEGORIES:
        for ref in report["categories"][category]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref.get("weight", 0) > 0 and audit.get("score") is not None and audit["score"] < 1:
                lines.append(f"  {category}: {audit['id']} ({audit['score']}): {audit['title']}")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Build or use a site, serve it locally, run Lighthouse, print scores; 1 if any is below --min."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="an already built site folder (default: build one)")
    parser.add_argument(
        "--page", help="site-relative page to test (default: the first entry in catalog.json)"
    )
    parser.add_argument("--min", type=int, default=95, help="lowest acceptable score (default 95)")
    parser.add_argument("--no-gzip", action="store_true", help="serve files uncompressed")
    args = parser.parse_args(argv)
    chrome_path = (
        os.environ.get("CHROME_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    if not chrome_path:
        print(
            "Chromium not found: install it (apt-get install -y chromium) or set CHROME_PATH.",
            file=sys.stderr,
        )
        return 2
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as tmp:
        site = args.site
        if site is None:
            try:
                site = build_site(Path(tmp) / "site", strict=True)
            except SiteBuildError as error:
                print(error, file=sys.stderr)
                return 2
        page = (
            args.page or json.loads((site / "catalog.json").read_text(encoding="utf-8"))["entries"][0]["url"]
        )
        with serve_directory(site, compress=not args.no_gzip) as base_url:
            report = run_lighthouse(f"{base_url}/{page.lstrip('/')}", chrome_path)
    scores = {category: round(report["categories"][category]["score"] * 100) for category in CATEGORIES}
    print(f"Lighthouse {page}: " + "  ".join(f"{name} {score}" for name, score in scores.items()))
    details = lost_points(report)
    if details:
        print("Audits below full marks:\n" + "\n".join(details))
    return 1 if min(scores.values()) < args.min else 0


if __name__ == "__main__":
    sys.exit(main())
