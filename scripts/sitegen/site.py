"""Plan every generated file of the site from the catalog (the hook only hands these to MkDocs)."""

from __future__ import annotations

from dataclasses import dataclass

from .browse import render_browse, render_browse_index
from .export import catalog_json
from .hubs import hubs, render_hub
from .model import Catalog
from .pages import (
    render_about,
    render_analyzer_placeholder,
    render_contributing,
    render_home,
    render_robots,
)
from .render_entry import search_markdown

NAV_PAGES = ("index.md", "browse/index.md", "analyzer.md", "contributing.md", "about.md")


@dataclass(frozen=True)
class VirtualFile:
    """A file the site serves: a Markdown page (``.md``) or a static file; ``entry_id`` marks entry pages."""

    src_uri: str
    content: str
    entry_id: str | None = None

    @property
    def in_nav(self) -> bool:
        return self.src_uri in NAV_PAGES


def plan_site(
    catalog: Catalog, *, contributing_markdown: str, analyzer_template: bool, site_url: str | None
) -> tuple[VirtualFile, ...]:
    """Every page and data file, in a stable order. Entry pages hold only their search text.

    ``analyzer_template`` says whether ``overrides/analyzer.html`` exists; without it ``/analyzer/``
    is a short placeholder so links and the nav still resolve.
    """
    hub_map = hubs(catalog)
    analyzer = (
        "---\ntemplate: analyzer.html\ntitle: Analyzer\n"
        'description: "Paste a bounce message and find the matching SMTP error, in your browser."\n'
        "search:\n  exclude: true\nhide: [toc]\n---\n\n# Bounce analyzer\n"
        if analyzer_template
        else render_analyzer_placeholder()
    )
    files = [
        VirtualFile("index.md", render_home(catalog, list(hub_map.values()))),
        VirtualFile("browse/index.md", render_browse_index(catalog, list(hub_map.values()))),
        VirtualFile("analyzer.md", analyzer),
        VirtualFile("contributing.md", render_contributing(contributing_markdown)),
        VirtualFile("about.md", render_about()),
        VirtualFile("catalog.json", catalog_json(catalog)),
        VirtualFile("robots.txt", render_robots(site_url)),
    ]
    files += [VirtualFile(src, text) for src, text in sorted(render_browse(catalog).items())]
    names = {provider_id: provider.name for provider_id, provider in catalog.providers.items()}
    files += [VirtualFile(f"codes/{slug}.md", render_hub(hub, names)) for slug, hub in hub_map.items()]
    files += [
        VirtualFile(f"errors/{entry.entry_id}.md", search_markdown(entry, catalog.providers), entry.entry_id)
        for entry in catalog.entries
    ]
    return tuple(files)
