"""One entry -> the HTML body of its page, its JSON-LD, and the short text the search index gets."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any

from checker.pasted.bounce.analyze import WHO_ACTS

from .hubs import entry_hub_slugs
from .markup import DISTINGUISH_LABEL, MarkdownRenderer, esc, md_text, plain_text
from .model import CATEGORY_NAMES, Entry, Provider

RFC_URL = "https://www.rfc-editor.org/rfc/rfc{number}"
LOOSE_WORDING_NOTE = "Wording not verified, pattern given loosely."
EXACT_WORDING_NOTE = "Exact wording, from the provider's documentation."


def page_title(entry: Entry) -> str:
    """The browser-tab title: codes first, because that is what people search for."""
    return (
        entry.title if entry.title.startswith(str(entry.reply_code)) else f"{entry.codes_text}: {entry.title}"
    )


def search_markdown(entry: Entry, providers: Mapping[str, Provider]) -> str:
    """The page source MkDocs sees: front matter plus the only text the search index should hold."""
    names = [providers[p].name if p in providers else p for p in entry.data["providers"]]
    front = {
        "template": "error.html",
        "title": page_title(entry),
        # Material writes meta.description into an attribute without escaping it.
        "description": esc(plain_text(entry.data["summary"])),
        "hide": ["toc"],
    }
    header = "\n".join(f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in front.items())
    return (
        f"---\n{header}\n---\n\n{entry.codes_text} · {', '.join(names)}\n\n{entry.data['summary']}\n\n"
        f"{DISTINGUISH_LABEL} {md_text(entry.distinguish)}\n"
    )


# Entry categories that get a small check on the page (overrides/assets/analyzer/embed.js builds the
# form): which check fits the cause. Other categories get none.
EMBED_CHECKS: Mapping[str, str] = {
    "authentication": "domain",
    "routing": "domain",
    "tls": "domain",
    "reputation": "ip",
}


def _embed_placeholder(entry: Entry) -> str:
    """An empty, hidden slot for the in-page check; without JavaScript nothing shows."""
    check = EMBED_CHECKS.get(entry.data["category"])
    if check is None:
        return ""
    return (
        f'<div class="se-embed" data-embed="{check}" data-category="{esc(entry.data["category"])}" '
        f'data-entry="{esc(entry.entry_id)}" hidden></div>'
    )


def _source_link(source: Mapping[str, Any]) -> str:
    if "rfc" in source:
        section = str(source.get("section", "")).strip()
        section = section.removeprefix("Section ").removeprefix("section ").strip()
        href = RFC_URL.format(number=source["rfc"]) + (f"#section-{section}" if section else "")
        label = f"RFC {source['rfc']}" + (f", section {section}" if section else "")
        if source.get("title"):
            label += f": {source['title']}"
        return f'<a href="{esc(href)}">{esc(label)}</a>'
    return f'<a href="{esc(source["url"])}">{esc(source["title"])}</a>'


def _who_sends(entry: Entry, render: MarkdownRenderer) -> str:
    items = []
    for sender in entry.data["who_sends"]:
        parts = [f"<strong>{esc(sender['name'])}</strong>"]
        if sender.get("wording"):
            parts.append(f'<pre class="se-wording"><code>{esc(sender["wording"])}</code></pre>')
            if sender.get("wording_exact"):
                parts.append(f'<p class="se-exact">{EXACT_WORDING_NOTE}</p>')
            else:
                parts.append(f'<p class="se-loose">{LOOSE_WORDING_NOTE}</p>')
        if sender.get("note"):
            parts.append(render.block(sender["note"]))
        items.append(f"<li>{''.join(parts)}</li>")
    return f'<ul class="se-senders">{"".join(items)}</ul>'


def _first_step(data: Mapping[str, Any]) -> str:
    """Who must act and the first thing to do: the line a reader in a hurry needs."""
    if not data.get("first_step"):
        return ""
    who = WHO_ACTS.get(str(data.get("who_acts", "")))
    who_html = f' <span class="se-who">Who acts: {esc(who)}.</span>' if who else ""
    return (
        f'<p class="se-first-step"><strong>First step:</strong> {esc(data["first_step"])}{who_html}</p>'
    )


def _contents(sections: list[tuple[str, str, str]]) -> str:
    """An "On this page" table of contents, since the theme's own is hidden on entry pages."""
    links = "".join(f'<li><a href="#{anchor}">{esc(heading)}</a></li>' for anchor, heading, _ in sections)
    label = "<strong>On this page</strong>"
    return f'<nav class="se-toc" aria-label="On this page">{label}<ul>{links}</ul></nav>'


def _section(anchor: str, heading: str, body: str) -> str:
    return f'<section class="se-section" id="{anchor}"><h2>{esc(heading)}</h2>{body}</section>'


def render_entry(
    entry: Entry,
    *,
    entries: Mapping[str, Entry],
    providers: Mapping[str, Provider],
    hubs: Collection[str] = (),
    edit_url: str | None = None,
    root: str = "../../",
    render: MarkdownRenderer | None = None,
) -> str:
    """The entry page body as HTML, every section in the documented order.

    ``entries`` resolves related ids, ``hubs`` holds the hub slugs that exist (``550-5.7.1``),
    ``root`` is the relative path from the entry page to the site root.
    """
    render = render or MarkdownRenderer()
    data = entry.data
    codes = entry.codes_text
    kind = (
        "Permanent failure: do not retry unchanged" if data["permanent"] else "Temporary failure: retry later"
    )
    hub_links = [
        f'<a href="{root}codes/{slug}/">Other causes of {esc(slug.replace("-", " "))}</a>'
        for slug in entry_hub_slugs(entry, hubs)
    ]
    provider_links = ", ".join(
        f'<a href="{root}browse/providers/{esc(p)}/">{esc(providers[p].name if p in providers else p)}</a>'
        for p in data["providers"]
    )
    category = data["category"]
    head = (
        f"<h1>{render.inline(entry.title)}</h1>"
        f'<div class="se-codes"><code class="se-code">{esc(codes)}</code>'
        f'<button type="button" class="md-button se-copy" data-copy="{esc(codes)}">Copy code</button>'
        f'<p class="se-kind">{kind}.</p></div>'
        f'<div class="se-summary">{render.block(data["summary"])}</div>'
        f'<p class="se-distinguish"><strong>{DISTINGUISH_LABEL}</strong> {esc(entry.distinguish)}</p>'
        + _first_step(data)
        + (f'<p class="se-hubs">{" · ".join(hub_links)}</p>' if hub_links else "")
        + f'<p class="se-facts">Seen from: {provider_links}. Category: '
        f'<a href="{root}browse/categories/{esc(category)}/">'
        f"{esc(CATEGORY_NAMES.get(category, category))}</a>.</p>"
        f'<p><a class="md-button md-button--primary" href="{root}analyzer/">'
        "Paste your bounce in the analyzer</a></p>" + _embed_placeholder(entry)
    )
    examples = "".join(
        f'<pre class="se-example"><code>{esc(example)}</code></pre>' for example in data["examples"]
    )
    causes = "".join(f"<li>{render.inline(cause)}</li>" for cause in data["causes"])
    steps = "".join(
        f"<li><h3>{render.inline(step['title'])}</h3>{render.block(step['body'])}</li>"
        for step in data["fix_steps"]
    )
    faq = "".join(
        f"<details><summary>{render.inline(item['q'])}</summary>{render.block(item['a'])}</details>"
        for item in data["faq"]
    )
    related = "".join(
        f'<li><a href="../{esc(rid)}/">{render.inline(entries[rid].title)}</a> '
        f"<code>{esc(entries[rid].codes_text)}</code></li>"
        for rid in data.get("related", ())
        if rid in entries
    )
    sources = "".join(f"<li>{_source_link(source)}</li>" for source in data["sources"])
    verified = esc(data["last_verified"])
    footer = f'<p class="se-verified">Last verified: <time datetime="{verified}">{verified}</time></p>'
    if edit_url:
        footer += f'<p class="se-edit"><a href="{esc(edit_url)}">Edit this entry</a> (YAML on the forge)</p>'
    sections = [
        ("what-it-means", "What it means", render.block(data["meaning"])),
        ("who-sends-it", "Who you'll see it from", _who_sends(entry, render)),
        ("example-bounces", "Example bounce lines", examples),
        ("why-it-happens", "Why it happens", f"<ul>{causes}</ul>"),
        ("how-to-fix-it", "How to fix it", f'<ol class="se-steps">{steps}</ol>'),
        ("confirm-the-fix", "How to confirm it is fixed", render.block(data["confirm"])),
        ("faq", "FAQ", faq),
        ("related-errors", "Related errors", f"<ul>{related}</ul>" if related else "<p>None listed yet.</p>"),
        ("sources", "Sources", f"<ul>{sources}</ul>"),
    ]
    body = [head, _contents(sections), *(_section(*section) for section in sections), footer]
    return f'<article class="se-entry">{"".join(body)}</article>'


def jsonld(entry: Entry, *, url: str, site_name: str, site_url: str) -> list[dict[str, Any]]:
    """schema.org ``TechArticle`` and ``FAQPage`` objects describing the entry page at ``url``."""
    data = entry.data
    article: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "TechArticle",
        "headline": page_title(entry)[:110],
        "description": plain_text(data["summary"]),
        "url": url,
        "mainEntityOfPage": url,
        "dateModified": data["last_verified"],
        "inLanguage": "en",
        "about": f"SMTP reply {entry.codes_text}",
        "keywords": [entry.codes_text, *data["providers"], data["category"]],
        "isPartOf": {"@type": "WebSite", "name": site_name, "url": site_url},
        "citation": [
            RFC_URL.format(number=source["rfc"]) if "rfc" in source else source["url"]
            for source in data["sources"]
        ],
    }
    faq_page = {
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "url": url,
        "mainEntity": [
            {
                "@type": "Question",
                "name": plain_text(item["q"]),
                "acceptedAnswer": {"@type": "Answer", "text": plain_text(item["a"])},
            }
            for item in data["faq"]
        ],
    }
    return [article, faq_page]


def jsonld_html(objects: list[dict[str, Any]]) -> str:
    """``<script type="application/ld+json">`` tags; ``</`` is escaped so text cannot end the script."""
    return "".join(
        '<script type="application/ld+json">'
        + json.dumps(item, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
        + "</script>"
        for item in objects
    )
