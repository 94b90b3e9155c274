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
import functools
import gzip
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
CHROME_FLAGS = (
    "--headless --no-sandbox --disable-gpu --disable-quic --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run"
)


_COMPRESSIBLE = (".html", ".css", ".js", ".mjs", ".json", ".xml", ".svg", ".txt")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static files without a log line per request, so the report stays readable."""

    def log_message(self, format: str, *args: object) -> None:
        return


class GzipHandler(QuietHandler):
    """Static files, gzip-compressed when the browser accepts it (like the production host)."""

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?")[0].endswith("/"):
            path = path / "index.html"
        wants_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (wants_gzip and path.is_file() and path.suffix in _COMPRESSIBLE):
            super().do_GET()
            return
        body = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve(site: Path, *, compress: bool) -> http.server.ThreadingHTTPServer:
    """Serve ``site`` on a free local port in a background thread."""
    handler = GzipHandler if compress else QuietHandler
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(site))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def build_site(dest: Path) -> None:
    """``mkdocs build --strict`` of the repository into ``dest``."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(dest)],
        cwd=REPO_ROOT,
        env=env,
        check=True,
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
            site = Path(tmp) / "site"
            build_site(site)
        page = (
            args.page or json.loads((site / "catalog.json").read_text(encoding="utf-8"))["entries"][0]["url"]
        )
        server = serve(site, compress=not args.no_gzip)
        try:
            port = server.server_address[1]
            report = run_lighthouse(f"http://127.0.0.1:{port}/{page.lstrip('/')}", chrome_path)
        finally:
            server.shutdown()
            server.server_close()
    scores = {category: round(report["categories"][category]["score"] * 100) for category in CATEGORIES}
    print(f"Lighthouse {page}: " + "  ".join(f"{name} {score}" for name, score in scores.items()))
    details = lost_points(report)
    if details:
        print("Audits below full marks:\n" + "\n".join(details))
    return 1 if min(scores.values()) < args.min else 0


if __name__ == "__main__":
    sys.exit(main())
