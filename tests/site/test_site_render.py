"""Rendering without MkDocs: entry body, JSON-LD, hubs, browse pages and catalog.json."""

from __future__ import annotations

import json
import re
from html import escape
from pathlib import Path

import jsonschema
import pytest
from site_helpers import REAL_550_571, REPO_ROOT, SECTION_HEADINGS

from checker.pasted.bounce.match import compile_catalog, rank_entries
from scripts.sitegen import (
    catalog_data,
    hubs,
    jsonld,
    jsonld_html,
    load_entries,
    plan_site,
    render_entry,
    render_hub,
)
from scripts.sitegen.browse import render_browse
from scripts.sitegen.export import CATALOG_SCHEMA
from scripts.sitegen.hubs import NOT_DECISIVE, distinguishing_words, entry_hub_slugs
from scripts.sitegen.markup import md_text
from scripts.sitegen.model import Catalog, Entry
from scripts.sitegen.pages import render_home
from scripts.sitegen.render_entry import EXACT_WORDING_NOTE, LOOSE_WORDING_NOTE


@pytest.fixture(scope="module")
def catalog(errors_dir: Path):
    return load_entries(errors_dir)


def _body(catalog, entry_id: str) -> str:
    entries = catalog.by_id()
    return render_entry(
        entries[entry_id],
        entries=entries,
        providers=catalog.providers,
        hubs=frozenset(hubs(catalog)),
        edit_url="https://forge.example/edit/x.yml",
    )


def test_entry_body_has_every_section_in_order(catalog) -> None:
    body = _body(catalog, "550-5-7-1-fixture-relay-denied")
    positions = [body.index("<h1>"), body.index('class="se-code">550 5.7.1</code>'), body.index("se-summary")]
    positions += [body.index(f"<h2>{escape(title)}</h2>") for title in SECTION_HEADINGS]
    positions += [body.index("Last verified:"), body.index(">Edit this entry</a>")]
    assert positions == sorted(positions)
    assert 'data-copy="550 5.7.1"' in body
    assert 'href="../../analyzer/"' in body
    assert '<ol class="se-steps"><li><h3>Turn on authentication' in body
    assert '<code class="language-text">' in body
    assert "<details><summary>Is my account blocked?</summary>" in body


def test_entry_body_wording_notes_sources_and_links(catalog) -> None:
    body = _body(catalog, "550-5-7-1-fixture-relay-denied")
    assert f'Relay access denied</code></pre><p class="se-exact">{EXACT_WORDING_NOTE}' in body
    assert f'relay not permitted</code></pre><p class="se-loose">{LOOSE_WORDING_NOTE}' in body
    assert (
        'href="https://www.rfc-editor.org/rfc/rfc5321#section-3.6.2">RFC 5321, section 3.6.2: Mail Relaying'
        in body
    )
    assert 'href="https://www.postfix.org/SMTPD_ACCESS_README.html"' in body
    assert '<a href="../550-5-7-1-fixture-spam-content/">' in body
    assert 'href="../../codes/550-5.7.1/">Other causes of 550 5.7.1</a>' in body
    assert "Permanent failure" in body
    assert '<time datetime="2026-11-01">' in body
    other = _body(catalog, "421-4-7-0-fixture-try-later")
    assert "Temporary failure" in other and "codes/" not in other and "se-hubs" not in other


def test_entry_body_says_how_to_tell_it_apart_near_the_top(catalog) -> None:
    body = _body(catalog, "550-5-7-1-fixture-relay-denied")
    expected = (
        '<p class="se-distinguish"><strong>How to tell it apart:</strong> '
        "says &quot;Relay access denied&quot; or &quot;relay not permitted&quot;</p>"
    )
    assert expected in body
    assert body.index("se-summary") < body.index(expected) < body.index("<h2>What it means</h2>")
    # Every hub listing the entry is linked, its own code first, then the one declared only in match.
    hubs_html = body.split('<p class="se-hubs">')[1].split("</p>")[0]
    assert re.findall(r'href="../../codes/([^/]+)/"', hubs_html) == ["550-5.7.1", "5.7.1", "554-5.7.1"]


def test_jsonld_shapes(catalog) -> None:
    entry = catalog.by_id()["550-5-7-1-fixture-relay-denied"]
    article, faq = jsonld(
        entry, url="https://x.example/errors/e/", site_name="S", site_url="https://x.example/"
    )
    assert article["@context"] == "https://schema.org" and article["@type"] == "TechArticle"
    assert article["headline"] and article["dateModified"] == "2026-11-01" and article["url"].endswith("/e/")
    assert faq["@type"] == "FAQPage"
    assert faq["mainEntity"][0] == {
        "@type": "Question",
        "name": "Is my account blocked?",
        "acceptedAnswer": {"@type": "Answer", "text": entry.data["faq"][0]["a"]},
    }
    html = jsonld_html([article, faq])
    assert html.count("</script>") == 2  # the fixture FAQ answer mentions </script>; it must not end the tag
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html)
    assert [json.loads(text)["@type"] for text in scripts] == ["TechArticle", "FAQPage"]


def test_hubs_list_every_entry_and_say_the_code_is_not_enough(catalog) -> None:
    hub_map = hubs(catalog)
    assert set(hub_map) == {"550-5.7.1", "554-5.7.1", "5.7.1"}
    page = render_hub(hub_map["550-5.7.1"])
    assert NOT_DECISIVE in page
    assert "(../errors/550-5-7-1-fixture-relay-denied.md)" in page
    assert "(../errors/550-5-7-1-fixture-spam-content.md)" in page
    assert 'How to tell it apart: says "Relay access denied" or "relay not permitted"' in page
    assert 'How to tell it apart: Gmail says the message "is likely unsolicited mail"' in page
    spam = catalog.by_id()["550-5-7-1-fixture-spam-content"]
    assert distinguishing_words(spam) == spam.data["distinguish"]


def test_hub_for_a_pair_declared_only_in_match_codes(catalog) -> None:
    """Both fixtures are filed as 550 5.7.1 and list 554 only in match.reply_codes."""
    hub = hubs(catalog)["554-5.7.1"]
    assert [entry.entry_id for entry in hub.entries] == [
        "550-5-7-1-fixture-relay-denied",
        "550-5-7-1-fixture-spam-content",
    ]
    page = render_hub(hub)
    assert page.count("How to tell it apart:") == 2
    planned = {
        f.src_uri for f in plan_site(catalog, contributing_markdown="", analyzer_template=True, site_url=None)
    }
    assert "codes/554-5.7.1.md" in planned


def test_hub_pairs_need_the_same_class_and_skip_single_entries() -> None:
    def entry(entry_id: str, reply: int, enhanced: str, **match) -> Entry:
        data = {"id": entry_id, "reply_code": reply, "enhanced_code": enhanced, "title": f"Entry {entry_id}"}
        data["distinguish"] = "says x"
        return Entry(entry_id, f"{entry_id}.yml", {**data, "match": match})

    catalog = Catalog(
        (
            entry("a", 550, "5.7.1", reply_codes=[451, 554], enhanced_codes=["4.7.1", "5.7.1"]),
            entry("b", 554, "5.7.1"),
            entry("c", 451, "4.7.1", generic=True),
            entry("d", 421, "4.7.0"),
        ),
        {},
    )
    hub_map = hubs(catalog)
    assert set(hub_map) == {"554-5.7.1", "451-4.7.1", "5.7.1", "4.7.1"}  # no 451-5.7.1, no 554-4.7.1
    assert [e.entry_id for e in hub_map["554-5.7.1"].entries] == ["b", "a"]  # filed under it first
    assert [e.entry_id for e in hub_map["451-4.7.1"].entries] == ["a", "c"]  # generic last
    assert "the catch-all" in render_hub(hub_map["451-4.7.1"])
    assert entry_hub_slugs(catalog.entries[0], hub_map) == ["5.7.1", "554-5.7.1", "451-4.7.1", "4.7.1"]


def test_real_550_571_hub_lists_every_cause_with_its_distinguish_text() -> None:
    """The site's promise: relay denied, blocklisted IP, DMARC and policy refusals all share 550 5.7.1."""
    real = load_entries(REPO_ROOT / "errors")
    page = render_hub(hubs(real)["550-5.7.1"])
    by_id = real.by_id()
    for entry_id in REAL_550_571:
        assert f"(../errors/{entry_id}.md)" in page, entry_id
        assert f"How to tell it apart: {md_text(by_id[entry_id].distinguish)}" in page, entry_id
    assert page.index("relay-access-denied") < page.index("delivery-not-authorized")  # catch-all last


def test_every_real_distinguish_quotes_wording_the_entry_can_match() -> None:
    """Each phrase quoted in distinguish is in the entry's examples or wording, or hit by its patterns."""
    real = load_entries(REPO_ROOT / "errors")
    wrong = []
    for entry in real.entries:
        senders = (sender.get("wording", "") for sender in entry.data["who_sends"])
        texts = " ".join([*entry.data["examples"], *senders]).lower()
        patterns = entry.data["match"].get("patterns", ())
        for phrase in re.findall(r'"([^"]+)"', entry.distinguish):
            parts = [part.strip().lower() for part in phrase.split("...") if part.strip()]
            quoted = all(part in texts for part in parts)
            if not quoted and not any(re.search(pattern, phrase, re.IGNORECASE) for pattern in patterns):
                wrong.append(f"{entry.entry_id}: {phrase!r}")
    assert wrong == []


def test_browse_pages_group_by_subject_provider_and_category(catalog) -> None:
    pages = render_browse(catalog)
    assert "[X.7 Security or policy status](status/7.md) (3)" in pages["browse/status.md"]
    assert "## 4.7.0" in pages["browse/status/7.md"]
    assert "(../../errors/550-5-7-1-fixture-spam-content.md)" in pages["browse/providers/gmail.md"]
    assert "browse/categories/transient.md" in pages
    assert "[Gmail / Google Workspace](providers/gmail.md) (1)" in pages["browse/providers.md"]
    assert (
        'How to tell it apart: Gmail says the message "is likely unsolicited mail"'
        in (pages["browse/providers/gmail.md"])
    )
    assert "How to tell it apart: names no reason" in pages["browse/categories/transient.md"]


def test_catalog_json_matches_its_schema_and_feeds_the_matcher(catalog) -> None:
    data = catalog_data(catalog)
    jsonschema.validate(data, json.loads(CATALOG_SCHEMA.read_text(encoding="utf-8")))
    compiled = compile_catalog(data["entries"])
    ranked = rank_entries("550 5.7.1 <a@b.example>: Relay access denied", compiled)
    assert ranked[0].entry_id == "550-5-7-1-fixture-relay-denied"
    assert data["entries"][0]["url"] == "errors/421-4-7-0-fixture-try-later/"
    assert data["entries"][0]["distinguish"] == "names no reason, only asks to try again later"


def test_plan_site_entry_pages_carry_only_search_text(catalog) -> None:
    planned = {
        file.src_uri: file
        for file in plan_site(
            catalog, contributing_markdown="# C\n", analyzer_template=True, site_url="https://x.example/"
        )
    }
    entry_page = planned["errors/550-5-7-1-fixture-relay-denied.md"].content
    assert 'template: "error.html"' in entry_page
    assert "How to fix" not in entry_page and "Turn on authentication" not in entry_page
    assert 'How to tell it apart: says "Relay access denied"' in entry_page
    assert "550 5.7.1 · Postfix, Exim" in entry_page
    assert "template: analyzer.html" in planned["analyzer.md"].content
    assert "Sitemap: https://x.example/sitemap.xml" in planned["robots.txt"].content
    assert [f.src_uri for f in planned.values() if f.in_nav] == [
        "index.md",
        "browse/index.md",
        "analyzer.md",
        "contributing.md",
        "about.md",
    ]


def test_analyzer_placeholder_without_its_template(catalog) -> None:
    planned = {
        f.src_uri: f
        for f in plan_site(catalog, contributing_markdown="# C\n", analyzer_template=False, site_url=None)
    }
    assert "template:" not in planned["analyzer.md"].content
    assert "(browse/index.md)" in planned["analyzer.md"].content
    assert "Sitemap" not in planned["robots.txt"].content


def test_home_lists_shared_codes_and_the_featured_entries(catalog) -> None:
    planned = {
        f.src_uri: f.content
        for f in plan_site(catalog, contributing_markdown="", analyzer_template=True, site_url=None)
    }
    home = planned["index.md"]
    order = [
        home.index(marker) for marker in ("## Ways in", "## Codes with several causes", "## Most searched")
    ]
    assert order == sorted(order)
    assert "- [550 5.7.1](codes/550-5.7.1.md): 2 causes" in home
    assert "- [5.7.1](codes/5.7.1.md): 2 causes" in home
    most = home.split("## Most searched")[1]
    assert most.index("(errors/550-5-7-1-fixture-relay-denied.md)") < most.index(
        "(errors/421-4-7-0-fixture-try-later.md)"
    )
    assert re.findall(r"^#+ ", home, re.M) == ["# ", "## ", "## ", "### ", "### ", "## "]


def test_home_real_featured_entries_all_exist() -> None:
    real = load_entries(REPO_ROOT / "errors")
    assert len(real.featured) == 10
    home = render_home(real, list(hubs(real).values()))
    for entry_id in real.featured:
        assert f"(errors/{entry_id}.md)" in home.split("## Most searched")[1]


def test_hub_groups_causes_by_provider_and_leads_with_the_analyzer() -> None:
    def entry(entry_id: str, providers: list[str]) -> Entry:
        data = {
            "id": entry_id,
            "reply_code": 550,
            "enhanced_code": "5.7.1",
            "title": f"Entry {entry_id}",
            "distinguish": f"says {entry_id}",
            "providers": providers,
            "match": {},
        }
        return Entry(entry_id, f"{entry_id}.yml", data)

    catalog = Catalog((entry("a", ["any"]), entry("b", ["yahoo"]), entry("c", ["gmail"])), {})
    page = render_hub(hubs(catalog)["550-5.7.1"], {"gmail": "Gmail", "yahoo": "Yahoo Mail"})
    assert page.index("paste your bounce in the analyzer") < page.index(NOT_DECISIVE)
    headings = re.findall(r"^## (.+)$", page, flags=re.MULTILINE)
    assert headings == ["Gmail", "Yahoo Mail", "Any mail server"]
    assert page.index("errors/c.md") < page.index("errors/b.md") < page.index("errors/a.md")


def test_browse_sorts_enhanced_codes_numerically() -> None:
    from scripts.sitegen.browse import code_sort_key

    assert sorted(["5.7.40", "5.7.9", "5.7.1", "5.1.10", "5.1.2", "none"], key=code_sort_key) == [
        "5.1.2",
        "5.1.10",
        "5.7.1",
        "5.7.9",
        "5.7.40",
        "none",
    ]


def test_browse_index_lists_shared_code_hubs_in_number_order() -> None:
    from scripts.sitegen.browse import render_browse_index
    from scripts.sitegen.hubs import hubs

    real = load_entries(REPO_ROOT / "errors")  # the fixture catalog has too few shared codes
    page = render_browse_index(real, list(hubs(real).values()))
    labels = re.findall(r"^- \[((?:\d{3} )?\d\.\d+\.\d+)\]\(\.\./codes/", page, flags=re.MULTILINE)
    assert len(labels) > 10, page

    def number_order(label: str) -> tuple:
        reply, _, enhanced = label.rpartition(" ")
        return tuple(int(part) for part in enhanced.split(".")), int(reply or 0)

    assert labels == sorted(labels, key=number_order)
    enhanced = [label.rpartition(" ")[2] for label in labels]
    assert enhanced.index("5.7.9") < enhanced.index("5.7.10") < enhanced.index("5.7.26")


def test_entry_page_has_a_table_of_contents_for_every_section(catalog) -> None:
    entry = catalog.entries[0]
    html = render_entry(entry, entries=catalog.by_id(), providers=catalog.providers)
    toc = re.search(r'<nav class="se-toc"[^>]*>(.*?)</nav>', html).group(1)
    anchors = re.findall(r'href="#([a-z-]+)"', toc)
    assert anchors == re.findall(r'<section class="se-section" id="([a-z-]+)"', html)
    assert len(anchors) == 9
