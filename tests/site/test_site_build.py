"""Full ``mkdocs build --strict`` runs: page structure, JSON-LD, links, catalog.json, no third parties."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import jsonschema
import pytest
import yaml
from site_helpers import REAL_550_571, REPO_ROOT, SECTION_HEADINGS, build_site

from scripts.sitegen.export import CATALOG_SCHEMA

pytestmark = pytest.mark.slow
# Pages are checked as if served from the configured site_url (404.html uses absolute paths).
SITE_URL = yaml.safe_load((REPO_ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["site_url"]
SITE_HOST = urlsplit(SITE_URL).netloc
SITE_PATH = urlsplit(SITE_URL).path


class PageScan(HTMLParser):
    """Collects links, resource URLs, headings, JSON-LD and meta tags of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.resources: list[tuple[str, str]] = []
        self.headings: list[str] = []
        self.jsonld: list[str] = []
        self.meta: dict[str, str] = {}
        self._heading: list[str] | None = None
        self._jsonld: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "a" and "href" in values:
            self.links.append(values["href"])
        if tag in ("script", "img", "iframe") and values.get("src"):
            self.resources.append((tag, values["src"]))
        if tag == "link" and values.get("href"):
            self.resources.append((tag, values["href"]))
        if tag in ("h1", "h2"):
            self._heading = []
        if tag == "script" and values.get("type") == "application/ld+json":
            self._jsonld = []
        if tag == "meta":
            key = values.get("name") or values.get("property")
            if key:
                self.meta[key] = values.get("content", "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2") and self._heading is not None:
            self.headings.append("".join(self._heading).strip())
            self._heading = None
        if tag == "script" and self._jsonld is not None:
            self.jsonld.append("".join(self._jsonld))
            self._jsonld = None

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._heading.append(data)
        if self._jsonld is not None:
            self._jsonld.append(data)


def scan(path: Path) -> PageScan:
    parser = PageScan()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _page_url(site: Path, path: Path) -> str:
    return SITE_URL + path.relative_to(site).as_posix()


def _target(site: Path, url: str) -> Path | None:
    """The built file an internal URL points at, or None for other hosts."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.netloc != SITE_HOST:
        return None
    if not parts.path.startswith(SITE_PATH):
        return site / "__outside_the_site__"
    target = site / parts.path[len(SITE_PATH) :]
    return target / "index.html" if parts.path.endswith("/") or target.is_dir() else target


def check_internal_links(site: Path) -> list[str]:
    broken = []
    for page in site.rglob("*.html"):
        base = _page_url(site, page)
        parsed = scan(page)
        for url in parsed.links + [url for _, url in parsed.resources]:
            if url.startswith(("mailto:", "#", "data:", "javascript:")):
                continue
            target = _target(site, urljoin(base, url))
            if target is not None and not target.exists():
                broken.append(f"{page.relative_to(site)} -> {url}")
    return broken


def check_no_third_party_resources(site: Path) -> list[str]:
    found = []
    for page in site.rglob("*.html"):
        if re.search(r'<a [^>]*data-md-component="source"', page.read_text(encoding="utf-8")):
            found.append(f"{page.relative_to(site)}: Material's source component (fetches repository stats)")
        for tag, url in scan(page).resources:
            if (
                re.match(r"^(https?:)?//", url)
                and urlsplit(urljoin(_page_url(site, page), url)).netloc != SITE_HOST
            ):
                found.append(f"{page.relative_to(site)}: <{tag}> {url}")
    return found


def test_fixture_entry_page_sections_in_order(fixture_site: Path) -> None:
    page = scan(fixture_site / "errors" / "550-5-7-1-fixture-relay-denied" / "index.html")
    h2 = [heading for heading in page.headings if heading in SECTION_HEADINGS]
    assert h2 == SECTION_HEADINGS
    html = (fixture_site / "errors" / "550-5-7-1-fixture-relay-denied" / "index.html").read_text(
        encoding="utf-8"
    )
    order = [
        html.index(marker)
        for marker in (
            'class="se-code">550 5.7.1',
            "se-summary",
            "On this page",
            "<h2>What it means",
            "<h2>Who you&#x27;ll see it from",
            "<h2>Why it happens",
            "<h2>How to fix it",
            "<h2>How to confirm it is fixed",
            "<details>",
            "<h2>Related errors",
            "<h2>Sources",
            "Last verified",
            "Edit this entry",
        )
    ]
    assert order == sorted(order)
    assert (
        "https://github.com/smtp-errors/smtp-errors/edit/main/errors/550-5-7-1-fixture-relay-denied.yml"
        in html
    )
    assert page.meta["description"].startswith("The receiving server refused to pass the message")
    assert (
        page.meta["og:url"]
        == "https://smtp-errors.github.io/smtp-errors/errors/550-5-7-1-fixture-relay-denied/"
    )
    assert (
        '<link rel="canonical" href="https://smtp-errors.github.io/smtp-errors/errors/550-5-7-1-fixture-relay-denied/">'
        in html
    )
    assert len(html.encode()) < 60_000


def test_fixture_meta_description_is_escaped(fixture_site: Path) -> None:
    page = scan(fixture_site / "errors" / "550-5-7-1-fixture-spam-content" / "index.html")
    assert page.meta["description"].endswith('the links and the "sending volume" & try again later.')
    assert page.meta["og:description"] == page.meta["description"]


def test_fixture_entry_page_jsonld(fixture_site: Path) -> None:
    page = scan(fixture_site / "errors" / "550-5-7-1-fixture-relay-denied" / "index.html")
    objects = {item["@type"]: item for item in map(json.loads, page.jsonld)}
    assert set(objects) == {"TechArticle", "FAQPage"}
    article, faq = objects["TechArticle"], objects["FAQPage"]
    assert article["@context"] == "https://schema.org"
    assert article["headline"] == "550 5.7.1 Relaying denied (test fixture)"
    assert article["url"].endswith("/errors/550-5-7-1-fixture-relay-denied/")
    assert article["dateModified"] == "2026-11-01" and article["description"]
    assert len(faq["mainEntity"]) == 2
    for question in faq["mainEntity"]:
        assert question["@type"] == "Question" and question["name"]
        assert question["acceptedAnswer"]["@type"] == "Answer" and question["acceptedAnswer"]["text"]


def test_fixture_site_pages_hubs_sitemap_and_search(fixture_site: Path) -> None:
    for path in (
        "index.html",
        "browse/index.html",
        "analyzer/index.html",
        "contributing/index.html",
        "about/index.html",
        "codes/550-5.7.1/index.html",
        "codes/5.7.1/index.html",
        "codes/554-5.7.1/index.html",
        "browse/status/7/index.html",
        "browse/providers/gmail/index.html",
        "browse/categories/relay-access/index.html",
        "catalog.json",
        "robots.txt",
    ):
        assert (fixture_site / path).is_file(), path
    hub = (fixture_site / "codes" / "550-5.7.1" / "index.html").read_text(encoding="utf-8")
    assert "The number alone does not identify the cause." in hub
    assert 'How to tell it apart: says "Relay access denied"' in hub
    sitemap = (fixture_site / "sitemap.xml").read_text(encoding="utf-8")
    for url in (
        "errors/550-5-7-1-fixture-relay-denied/",
        "codes/550-5.7.1/",
        "analyzer/",
        "browse/status/7/",
    ):
        assert f"https://smtp-errors.github.io/smtp-errors/{url}</loc>" in sitemap
    index = json.loads((fixture_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    locations = {doc["location"].split("#")[0] for doc in index["docs"]}
    assert "errors/550-5-7-1-fixture-relay-denied/" in locations
    assert not any(location.startswith(("codes/", "browse/")) for location in locations)
    entry_text = " ".join(doc["text"] for doc in index["docs"] if doc["location"].startswith("errors/"))
    assert "550 5.7.1" in entry_text and "Postfix" in entry_text
    assert "Turn on authentication" not in entry_text  # fix steps stay out of the index
    assert "How to tell it apart" in entry_text
    home_page = scan(fixture_site / "index.html")
    assert [
        heading
        for heading in home_page.headings
        if heading in ("Ways in", "Codes with several causes", "Most searched")
    ] == ["Ways in", "Codes with several causes", "Most searched"]
    assert "codes/550-5.7.1/" in home_page.links
    # Linked from "Most searched" only: the catalog itself is not in the nav.
    assert home_page.links.count("errors/550-5-7-1-fixture-relay-denied/") == 1


def test_fixture_site_internal_links_resolve(fixture_site: Path) -> None:
    assert check_internal_links(fixture_site) == []


def test_fixture_site_makes_no_third_party_requests(fixture_site: Path) -> None:
    assert check_no_third_party_resources(fixture_site) == []


def test_fixture_catalog_json_matches_schema(fixture_site: Path) -> None:
    data = json.loads((fixture_site / "catalog.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, json.loads(CATALOG_SCHEMA.read_text(encoding="utf-8")))
    assert {entry["id"] for entry in data["entries"]} == {
        "421-4-7-0-fixture-try-later",
        "550-5-7-1-fixture-relay-denied",
        "550-5-7-1-fixture-spam-content",
    }
    for entry in data["entries"]:
        assert (fixture_site / entry["url"] / "index.html").is_file()


def test_real_site_builds_strictly(tmp_path: Path) -> None:
    """The repository as it is, all hooks included."""
    site = tmp_path / "site"
    result = build_site(REPO_ROOT, site)
    assert result.returncode == 0, result.stderr[-3000:]
    assert check_internal_links(site) == []
    assert check_no_third_party_resources(site) == []
    data = json.loads((site / "catalog.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, json.loads(CATALOG_SCHEMA.read_text(encoding="utf-8")))
    assert data["entries"]
    hub = (site / "codes" / "550-5.7.1" / "index.html").read_text(encoding="utf-8")
    for entry_id in REAL_550_571:
        assert f'href="../../errors/{entry_id}/"' in hub, entry_id
    assert hub.count("How to tell it apart:") == len(re.findall(r'href="../../errors/', hub))
    for entry in data["entries"]:
        page = site / entry["url"] / "index.html"
        assert {item["@type"] for item in map(json.loads, scan(page).jsonld)} == {"TechArticle", "FAQPage"}
        assert page.stat().st_size < 40_000, entry["id"]  # issue 6: entry pages stay under 40 KB
    # Every page names the deploy's Python (python.js starts it without asking the server first), the
    # same one the published runtime carries.
    deploy = (site / "pyodide" / "deploy-version.txt").read_text(encoding="ascii").strip()
    assert re.fullmatch(r"[0-9a-f]{16}", deploy)
    named = {scan(page).meta.get("analyzer-deploy") for page in site.rglob("index.html")}
    assert named == {deploy}


def test_link_checker_reports_a_broken_link(tmp_path: Path) -> None:
    """The checkers above must be able to fail."""
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text(
        '<a href="../b/">x</a><a href="../a/">self</a><script src="https://cdn.example/x.js"></script>',
        encoding="utf-8",
    )
    assert check_internal_links(tmp_path) == ["a/index.html -> ../b/"]
    assert check_no_third_party_resources(tmp_path) == ["a/index.html: <script> https://cdn.example/x.js"]
