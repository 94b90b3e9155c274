"""The analyzer's Python starts on the bundle's compiled standard library (scripts/stdlib_zip.mjs), not on
the runtime's python_stdlib.zip (source only, compiled at every start). A standard-library module that
library leaves out is fetched from the full python_stdlib.zip the first time an analysis needs it
(snapshot.mjs, STDLIB_REST), and only then.

The site is served on its own port with a log of what it sent: Playwright does not see a worker's
synchronous requests, the server does.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pyodide_site
import pytest
from conftest import analyse_bounce, new_watched_page, open_on_resolver, wait_ready

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FULL_STDLIB = "/pyodide/python_stdlib.zip"
TESTS = Path(__file__).resolve().parents[1]
NEWSLETTER = TESTS / "browser" / "fixtures" / "newsletter-dmarc-fail.eml"
SAMPLES = TESTS / "bounce" / "samples"
BOUNCES = [SAMPLES / name for name in ("rfc3464-postfix.eml", "exim.txt", "exchange.txt")]
# A bounce whose human-readable part is in the old Mac Cyrillic charset, base64-encoded: reading it needs
# a codec that the compiled library leaves out (it holds the charsets mail commonly declares).
RUSSIAN = "Ваше письмо не может быть доставлено следующим получателям:\n"
DIAGNOSTIC = "550 5.1.1 <ivan@example.ru>: Recipient address rejected: User unknown in local table\n"
MAC_CYRILLIC_BOUNCE = (
    "From: MAILER-DAEMON@mx.example.ru\n"
    "To: sender@example.com\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "MIME-Version: 1.0\n"
    'Content-Type: text/plain; charset="mac-cyrillic"\n'
    "Content-Transfer-Encoding: base64\n"
    "\n" + base64.encodebytes((RUSSIAN + DIAGNOSTIC).encode("mac_cyrillic")).decode("ascii")
)


def test_python_starts_on_the_compiled_stdlib_and_fetches_the_rest_only_when_needed(site_dir: Path, chromium):
    manifest = json.loads((site_dir / "pyodide" / "browser-bundle.json").read_text(encoding="utf-8"))
    [stdlib] = [archive for archive in manifest["archives"] if archive["phase"] == "stdlib"]
    assert "encodings.mac_cyrillic" in stdlib["rest"]
    log: list[tuple[str, int, int]] = []

    def served() -> set[str]:
        return {path.split("?")[0] for path, _status, _size in log}

    with pyodide_site.serve_directory(site_dir, transfers=log) as base_url:
        context = chromium.new_context()
        page = new_watched_page(context)
        page.goto(f"{base_url}/analyzer/?tab=bounce")
        wait_ready(page)
        assert f"/pyodide/{stdlib['file_name']}" in served()
        assert FULL_STDLIB not in served()
        assert "5.7.26" in analyse_bounce(page)  # an everyday bounce needs nothing more
        assert FULL_STDLIB not in served()

        result = analyse_bounce(page, MAC_CYRILLIC_BOUNCE)
        assert "5.1.1" in result and "User unknown" in result, result
        assert RUSSIAN.strip() in result  # decoded with the codec from the full zip
        assert FULL_STDLIB in served()
        assert page.errors == [] and page.csp_violations() == []
        context.close()


def test_everyday_analyses_never_need_the_full_stdlib(site_dir: Path, chromium, doh_server):
    """A message, DSNs, a domain audit and an IP check on real DNS answers: all on the compiled library."""
    log: list[tuple[str, int, int]] = []
    forms = [
        ("headers", {"#an-headers-text": NEWSLETTER.read_text(encoding="utf-8")}),
        ("domain", {"#an-domain-name": "acme.example", "#an-domain-selectors": "selector1 nosuch"}),
        ("ip", {"#an-ip-address": "203.0.113.7"}),
        *[("bounce", {"#an-bounce-text": path.read_text(encoding="utf-8")}) for path in BOUNCES],
    ]
    with pyodide_site.serve_directory(site_dir, transfers=log) as base_url:
        context = chromium.new_context()
        page = new_watched_page(context)
        open_on_resolver(page, base_url, doh_server)
        for tab, fields in forms:
            page.click(f"#an-tab-{tab}")
            for selector, value in fields.items():
                page.fill(selector, value)
            page.evaluate(f"document.getElementById('an-result-{tab}').removeAttribute('data-state')")
            page.click(f"#an-panel-{tab} button[type=submit]")
            page.wait_for_selector(f"#an-result-{tab}[data-state=done]", timeout=120_000)
            result = page.locator(f"#an-result-{tab}")
            assert result.locator(".an-error").count() == 0, result.inner_text()
        assert FULL_STDLIB not in {path.split("?")[0] for path, _status, _size in log}
        assert page.errors == []
        context.close()
