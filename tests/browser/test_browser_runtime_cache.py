"""The shared worker's files on a return visit come from sw.js's cache of that deploy, not the network
(overrides/assets/analyzer/sw.js, registered by python.js once Python is ready in a shared worker).

Each test serves its own copy of the built site on its own port (its own origin, so its own service
worker and Cache Storage) and logs what the server sends; Playwright sees neither a SharedWorker's
requests nor a service worker's cache hits, so "from the cache" is "the server was not asked".
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pyodide_site
import pytest
from conftest import analyse_bounce, new_watched_page, wait_ready

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PREFIX = "smtp-analyzer-runtime-"
# What the shared worker fetches on every start, besides the bundle's archives. The runtime's wasm is
# left to the HTTP cache, where Chromium keeps its compiled code (see sw.js).
WORKER_FILES = (
    "/assets/analyzer/shared-worker.mjs",
    "/assets/analyzer/worker.mjs",
    "/assets/analyzer/snapshot.mjs",
    "/assets/analyzer/stall-guard.mjs",
    "/pyodide/pyodide.mjs",
    "/pyodide/pyodide.asm.mjs",
    "/pyodide/browser-bundle.json",
)
WASM = "/pyodide/pyodide.asm.wasm"
RUNTIME_CACHES = f"""async () => {{
  const found = {{}};
  for (const name of await caches.keys()) {{
    if (!name.startsWith("{PREFIX}")) continue;
    found[name] = {{}};
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {{
      const response = await cache.match(request);
      found[name][new URL(request.url).pathname] = (await response.arrayBuffer()).byteLength;
    }}
  }}
  return found;
}}"""
CACHED_TEXT = """async ([name, path]) => {
  const response = await (await caches.open(name)).match(new URL(path, location.origin).href);
  return response ? response.text() : null;
}"""
SPOIL = """async ([name, path]) => {
  const cache = await caches.open(name);
  await cache.put(new URL(path, location.origin).href, new Response("not the archive", { status: 200 }));
}"""


class Site:
    """A copy of the built site served on its own port, with the path of every response it sends."""

    def __init__(self, root: Path, base_url: str, log: list[tuple[str, int, int]]) -> None:
        self.root, self.base_url, self.log = root, base_url, log

    def served(self) -> set[str]:
        return {path.split("?")[0] for path, _status, _size in self.log}

    def archives(self) -> list[str]:
        bundle = self.root / "pyodide" / "bundle"
        return sorted(str(path.relative_to(self.root)) for path in bundle.rglob("*") if path.is_file())


@pytest.fixture
def site(site_dir: Path, tmp_path: Path) -> Iterator[Site]:
    root = tmp_path / "site"
    shutil.copytree(site_dir, root)
    log: list[tuple[str, int, int]] = []
    with pyodide_site.serve_directory(root, transfers=log) as base_url:
        yield Site(root, base_url, log)


@pytest.fixture
def visit(chromium, tmp_path: Path):
    """Open the analyzer in a browser started afresh on one profile: a later visit, not a reload (a
    reload would find Python still running in the shared worker)."""
    profile = tmp_path / "profile"
    opened: list = []

    def open_analyzer(site: Site):
        while opened:
            opened.pop().close()
        context = chromium.browser_type.launch_persistent_context(
            str(profile),
            executable_path=pyodide_site.chromium_path(),
            args=list(pyodide_site.CHROMIUM_ARGS),
            headless=True,
        )
        opened.append(context)
        page = new_watched_page(context, shared_worker=True)
        site.log.clear()
        page.goto(f"{site.base_url}/analyzer/?tab=bounce")
        wait_ready(page)
        return page

    yield open_analyzer
    while opened:
        opened.pop().close()


def cached_after_first_visit(page, site: Site) -> dict[str, dict[str, int]]:
    """The runtime caches once sw.js has stored the worker's files (it does so after "ready")."""
    expected = len(WORKER_FILES) + len(site.archives())
    for _ in range(300):
        caches = page.evaluate(RUNTIME_CACHES)
        if any(len(files) >= expected for files in caches.values()):
            return caches
        page.wait_for_timeout(100)
    return page.evaluate(RUNTIME_CACHES)


def test_a_return_visit_takes_the_shared_workers_files_from_the_deploys_cache(site: Site, visit) -> None:
    page = visit(site)
    assert set(WORKER_FILES) <= site.served()  # the first visit fetches them
    version = (site.root / "pyodide" / "deploy-version.txt").read_text().strip()
    caches = cached_after_first_visit(page, site)
    assert list(caches) == [PREFIX + version], caches
    stored = caches[PREFIX + version]
    for path in (*WORKER_FILES, *(f"/{archive}" for archive in site.archives())):
        assert stored.get(path) == (site.root / path.lstrip("/")).stat().st_size, path
    assert WASM not in stored

    page = visit(site)
    assert page.evaluate("window.analyzerTimings").get("worker") == "shared"
    assert re.search(r"5\.7\.26", analyse_bounce(page))
    asked = site.served()
    assert "/pyodide/deploy-version.txt" not in asked  # the page names its deploy (meta analyzer-deploy)
    assert WASM in asked  # revalidated through the HTTP cache
    assert not asked & set(WORKER_FILES), sorted(asked & set(WORKER_FILES))
    assert not asked & {f"/{archive}" for archive in site.archives()}, sorted(asked)
    assert page.errors == [] and page.csp_violations() == []


def test_a_new_deploy_gets_its_own_files_and_the_old_cache_goes(site: Site, visit) -> None:
    page = visit(site)
    old = PREFIX + (site.root / "pyodide" / "deploy-version.txt").read_text().strip()
    assert old in cached_after_first_visit(page, site)

    # The next deploy: a changed worker script, so a new version (the build hashes the worker scripts).
    worker = site.root / "assets" / "analyzer" / "worker.mjs"
    worker.write_text(worker.read_text(encoding="utf-8") + "\n// the next deploy\n", encoding="utf-8")
    (site.root / "pyodide" / "deploy-version.txt").write_text("0123456789abcdef\n")
    analyzer = site.root / "analyzer" / "index.html"
    named = re.sub(
        r'(<meta name="analyzer-deploy" content=")[0-9a-f]+', r"\g<1>0123456789abcdef", analyzer.read_text()
    )
    assert named != analyzer.read_text()
    analyzer.write_text(named)
    page = visit(site)
    assert {"/assets/analyzer/worker.mjs", "/pyodide/pyodide.asm.mjs"} <= site.served()
    assert re.search(r"5\.7\.26", analyse_bounce(page))
    new = PREFIX + "0123456789abcdef"
    for _ in range(100):  # the old deploy's cache is dropped when the new one gets its first file
        if list(page.evaluate(RUNTIME_CACHES)) == [new]:
            break
        page.wait_for_timeout(100)
    assert list(page.evaluate(RUNTIME_CACHES)) == [new]
    assert "the next deploy" in page.evaluate(CACHED_TEXT, [new, "/assets/analyzer/worker.mjs"])


def test_a_spoiled_cached_archive_is_fetched_again_and_replaced(site: Site, visit) -> None:
    page = visit(site)
    name = PREFIX + (site.root / "pyodide" / "deploy-version.txt").read_text().strip()
    assert name in cached_after_first_visit(page, site)
    startup = next(archive for archive in site.archives() if archive.endswith("startup.tar.gz"))
    page.evaluate(SPOIL, [name, f"/{startup}"])
    # Clearing the snapshot makes the next start unpack the startup archive before "ready".
    page.evaluate("caches.delete('smtp-analyzer-python')")

    page = visit(site)
    assert re.search(r"5\.7\.26", analyse_bounce(page))
    assert f"/{startup}" in site.served()  # asked again after the cached copy failed its sha256
    stored = page.evaluate(RUNTIME_CACHES)[name]
    assert stored[f"/{startup}"] == (site.root / startup).stat().st_size
