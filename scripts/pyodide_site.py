"""Build the site and serve it on 127.0.0.1, and launch Debian's Chromium: shared by the browser tests,
the benchmarks and ``scripts/lighthouse.py``.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Headless and quiet: no background traffic, so a request log shows only what the page asked for.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


class SiteBuildError(RuntimeError):
    """``mkdocs build`` failed; the message carries its output."""


def build_site(site_dir: Path, *, root: Path = ROOT, strict: bool = False) -> Path:
    """Run ``mkdocs build`` (with every hook, so /pyodide/ is published) into ``site_dir``.

    ``strict`` turns MkDocs warnings (a broken link, a missing page) into a failed build.
    """
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    completed = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--quiet", *(["--strict"] if strict else []),
         "--site-dir", str(site_dir)],
        cwd=root, env=env, capture_output=True, text=True, timeout=900, check=False,
    )
    if completed.returncode != 0:
        raise SiteBuildError(f"mkdocs build failed:\n{completed.stdout[-4000:]}\n{completed.stderr[-4000:]}")
    return site_dir


def site_for_benchmark(given: Path | None, scratch: Path) -> Path:
    """The built site a benchmark measures: ``given`` (checked to be one), or a fresh build in ``scratch``.

    Raises ``SiteBuildError`` with a message to print for either failure; says on stderr how long the
    build took, so the benchmark's own output stays the table.
    """
    if given is not None:
        if not (given / "analyzer" / "index.html").is_file():
            raise SiteBuildError(f"{given} is not a built site (no analyzer/index.html)")
        return given
    started = time.perf_counter()
    build_site(scratch)
    print(f"site built in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return scratch


# What static hosts compress (GitHub Pages among them): text, not the already compressed archives or wasm.
_COMPRESSIBLE = (".html", ".css", ".js", ".mjs", ".json", ".xml", ".svg", ".txt")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    # Set per server in serve_directory: a list that gets (path, status, body bytes) per response, the
    # seconds each response waits before it is sent (a stand-in for a distant host's round trip), and
    # whether text goes out gzip-compressed to a browser that accepts it.
    transfers: list[tuple[str, int, int]] | None = None
    delay: float = 0.0
    compress: bool = False

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?")[0].endswith("/"):
            path = path / "index.html"
        wants_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (self.compress and wants_gzip and path.is_file() and path.suffix in _COMPRESSIBLE):
            super().do_GET()
            return
        if self.delay > 0:
            time.sleep(self.delay)
        body = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.transfers is not None:
            self.transfers.append((self.path, 200, len(body)))
        self.wfile.write(body)

    def send_head(self) -> Any:
        if self.delay > 0:
            time.sleep(self.delay)
        return super().send_head()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        if self.transfers is not None and int(code) != 200:
            self.transfers.append((self.path, int(code), 0))

    def end_headers(self) -> None:
        # Let the browser revalidate instead of guessing freshness, so "HTTP-cached" means 304s.
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def copyfile(self, source: Any, outputfile: Any) -> None:
        if self.transfers is not None:
            self.transfers.append((self.path, 200, os.fstat(source.fileno()).st_size))
        super().copyfile(source, outputfile)


class _SiteServer(http.server.ThreadingHTTPServer):
    # The default listen backlog (5) drops part of a burst of new connections while the accept thread
    # waits for the CPU (Pyodide starting on both cores), and each dropped SYN costs the browser a 1 s
    # retransmit: a page of 30 requests then measures seconds that no real host would add.
    request_queue_size = 256


@contextlib.contextmanager
def serve_directory(
    directory: Path,
    *,
    transfers: list[tuple[str, int, int]] | None = None,
    delay: float = 0.0,
    compress: bool = False,
) -> Iterator[str]:
    """Serve ``directory`` over HTTP on 127.0.0.1 (a free port) in a thread; yield the base URL.

    ``transfers``, when given, receives ``(path, status, body bytes)`` for every response; ``delay``
    seconds pass before each response (every request, 304s included, pays it, as over a network);
    ``compress`` sends text gzip-compressed, as static hosts do (always sent whole, never a 304).
    """
    handler_class = type(
        "SiteHandler", (_QuietHandler,), {"transfers": transfers, "delay": delay, "compress": compress}
    )
    handler = functools.partial(handler_class, directory=str(directory))
    server = _SiteServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def chromium_path() -> str:
    """Debian's Chromium; Playwright's own browser download does not work here, so it is never used."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise FileNotFoundError("Chromium is not installed: run `apt-get install -y chromium` (see .ci/run).")
    return path


def launch_chromium(playwright: Any) -> Any:
    """Start headless Chromium through Playwright's sync API."""
    return playwright.chromium.launch(
        executable_path=chromium_path(), args=list(CHROMIUM_ARGS), headless=True
    )


def launch_chromium_profile(playwright: Any, profile_dir: Path) -> Any:
    """Headless Chromium with a profile on disk (a real HTTP cache, as a visitor's browser has)."""
    return playwright.chromium.launch_persistent_context(
        str(profile_dir), executable_path=chromium_path(), args=list(CHROMIUM_ARGS), headless=True
    )
