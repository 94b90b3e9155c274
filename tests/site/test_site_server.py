"""scripts/pyodide_site.serve_directory: the local server of the browser tests, benchmarks and Lighthouse.

With ``compress`` it sends text gzip-compressed to a client that accepts it, as static hosts do, and
never the archives or the wasm, which are compressed already; without, every file goes out as it is.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
import pyodide_site  # noqa: E402

PAGE = "<!doctype html><title>t</title>" + "<p>same words again</p>" * 200


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "page").mkdir()
    (tmp_path / "page" / "index.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "runtime.wasm").write_bytes(b"\0asm" + bytes(4000))
    return tmp_path


def fetch(url: str, *, gzip_ok: bool) -> tuple[bytes, str | None]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read(), response.headers.get("Content-Encoding")


def test_text_goes_out_compressed_to_a_client_that_accepts_it_and_is_counted_as_sent(folder):
    transfers: list[tuple[str, int, int]] = []
    with pyodide_site.serve_directory(folder, compress=True, transfers=transfers) as base_url:
        body, encoding = fetch(f"{base_url}/page/", gzip_ok=True)
        plain, plain_encoding = fetch(f"{base_url}/page/index.html", gzip_ok=False)
        wasm, wasm_encoding = fetch(f"{base_url}/runtime.wasm", gzip_ok=True)
    assert encoding == "gzip" and gzip.decompress(body).decode() == PAGE
    assert len(body) < len(PAGE) // 5
    assert plain_encoding is None and plain.decode() == PAGE
    assert wasm_encoding is None and wasm.startswith(b"\0asm")
    assert ("/page/", 200, len(body)) in transfers


def test_without_compress_every_file_goes_out_as_it_is(folder):
    with pyodide_site.serve_directory(folder) as base_url:
        body, encoding = fetch(f"{base_url}/page/", gzip_ok=True)
    assert encoding is None and body.decode() == PAGE


def test_lighthouse_script_uses_the_shared_server():
    # Its own copy of the server (without the listen-backlog fix) is gone; the script still starts.
    completed = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "lighthouse.py"), "--help"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "--no-gzip" in completed.stdout
    source = (REPO / "scripts" / "lighthouse.py").read_text(encoding="utf-8")
    assert "serve_directory" in source and "ThreadingHTTPServer" not in source
