"""Hand-written pages (home, about, analyzer placeholder, contributing) and robots.txt, as Markdown."""

from __future__ import annotations

from collections.abc import Sequence

from .hubs import Hub
from .markup import entry_line, front_matter
from .model import Catalog

# The home page's bounce box hands the text to the analyzer in this tab only (handoff.js): the textarea
# has no name, so the form never sends the text anywhere, even with JavaScript off. It sits under the
# "Paste your bounce" bullet of "Ways in" rather than under a heading of its own.
_HANDOFF_FORM = """\
<form id="se-handoff" class="se-handoff" action="analyzer/" method="get">
<label for="se-handoff-text"><strong>Bounce message or error line</strong> (it stays in your browser)</label>
<textarea id="se-handoff-text" rows="5" spellcheck="false" autocomplete="off" \
style="display:block;width:100%;box-sizing:border-box;margin:0.3rem 0 0.6rem;padding:0.5rem;\
font-family:var(--md-code-font-family,monospace);font-size:0.8rem" \
placeholder="550 5.7.26 Unauthenticated email from example.com is not accepted"></textarea>
<button type="submit" class="md-button md-button--primary">Explain this bounce</button>
</form>
<script type="module" src="assets/analyzer/handoff.js"></script>
"""


def render_home(catalog: Catalog, hub_list: Sequence[Hub] = ()) -> str:
    """The home page: what the site is, the ways in, the shared codes and the most searched entries."""
    lines = [
        front_matter(title="SMTP error reference", search={"exclude": True}, hide=["toc"]),
        "# SMTP error reference\n",
        "Look up the error in your bounce message and find out what it means, who sends it "
        "and how to fix it. "
        "Every page is written for the person who has to fix it, with sources you can check.\n",
        "## Ways in\n",
        "- **Search**: type the code or the words from your bounce (for example `550 5.7.1` or "
        "`DMARC policy`) into the search box at the top of the page.",
        "- **Browse** the catalog [by status code](browse/status.md), "
        "[by provider](browse/providers.md) or [by category](browse/categories.md).",
        f"- **Paste your bounce**: the [analyzer](analyzer.md) reads the whole bounce in your browser, "
        f"matches it against all {len(catalog.entries)} entries and explains the result. "
        "Nothing you paste leaves the page.\n",
        _HANDOFF_FORM,
    ]
    if hub_list:
        by_causes = sorted(hub_list, key=lambda hub: (-len(hub.entries), hub.slug))
        lines += [
            "## Codes with several causes\n",
            "A code such as 550 5.7.1 never identifies the cause on its own: the words after it and "
            "the provider do. Each of these pages lists the causes that share a code and how to tell "
            "them apart.\n",
        ]
        for heading, group in (
            ("Reply code with enhanced code", [hub for hub in by_causes if hub.reply_code is not None]),
            ("Enhanced code alone", [hub for hub in by_causes if hub.reply_code is None]),
        ):
            if group:
                lines.append(f"### {heading}\n")
                lines += [f"- [{hub.label}](codes/{hub.slug}.md): {len(hub.entries)} causes" for hub in group]
                lines.append("")
    entries = catalog.by_id()
    featured = [entries[entry_id] for entry_id in catalog.featured if entry_id in entries]
    if featured:
        lines += ["## Most searched\n", *(entry_line(entry, "") for entry in featured), ""]
    return "\n".join(lines)


def render_about() -> str:
    """The About page."""
    return "\n".join(
        [
            front_matter(title="About", description="What this SMTP error reference is and how it is made."),
            "# About this reference\n",
            "This is an open-source reference of SMTP errors: one page per error, each with the codes, the "
            "providers that send it, the causes, numbered fix steps and the sources (RFCs and provider "
            "documentation) that back it up.\n",
            "Every entry is a YAML file reviewed in public. Each page says when its facts were last checked "
            "against the sources, and where a provider's exact wording is not verified the page says so.\n",
            "The site makes no requests to other servers: no fonts, scripts, images or analytics "
            "from anyone else. The analyzer runs in your browser; the only network requests it makes "
            "are DNS lookups you ask for.\n",
            "The whole catalog is available as [catalog.json](catalog.json) for tools; "
            "its shape is documented "
            "in the [contributing guide](contributing.md#catalogjson).\n",
        ]
    )


def render_analyzer_placeholder() -> str:
    """Stands in for ``/analyzer/`` until ``overrides/analyzer.html`` exists."""
    return "\n".join(
        [
            front_matter(
                title="Analyzer",
                description="Paste a bounce message and find the matching SMTP error.",
                search={"exclude": True},
            ),
            "# Bounce analyzer\n",
            "The in-browser analyzer is not part of this build. Meanwhile, use the search box with the code "
            "from your bounce, or [browse the catalog](browse/index.md).\n",
        ]
    )


def render_contributing(markdown_text: str) -> str:
    """CONTRIBUTING.md as a site page (front matter added, text unchanged)."""
    return (
        front_matter(title="Contributing", description="How to add or fix an SMTP error entry.")
        + markdown_text
    )


def render_robots(site_url: str | None) -> str:
    """``robots.txt`` allowing everything and pointing at the sitemap."""
    sitemap = f"Sitemap: {site_url.rstrip('/')}/sitemap.xml\n" if site_url else ""
    return f"User-agent: *\nAllow: /\n{sitemap}"
