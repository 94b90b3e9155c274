"""MkDocs hook: build the site from ``errors/*.yml``. All the work lives in ``scripts/sitegen``.

``docs_dir`` is ``errors/``; the YAML files are removed from the build and every page is generated
in memory, so nothing is ever written into the docs folder (``mkdocs serve`` would loop).
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # MkDocs loads hooks by path; sitegen and checker live at the top level.
    sys.path.insert(0, str(REPO_ROOT))

from mkdocs.config.defaults import MkDocsConfig  # noqa: E402
from mkdocs.exceptions import PluginError  # noqa: E402
from mkdocs.structure.files import File, Files, InclusionLevel  # noqa: E402
from mkdocs.structure.pages import Page  # noqa: E402

from scripts.sitegen import (  # noqa: E402
    CatalogError,
    MarkdownRenderer,
    hubs,
    jsonld,
    jsonld_html,
    load_entries,
    plan_site,
    render_entry,
)


class CatalogFile(File):
    """A file generated from the catalog; entry pages also carry their entry and body renderer."""

    entry = None
    render_body = None


def on_files(files: Files, *, config: MkDocsConfig) -> Files:
    """Validate the catalog (invalid data fails the build) and swap the YAML files for generated pages."""
    docs_dir = Path(config.docs_dir).resolve()
    try:
        catalog = load_entries(docs_dir)
    except CatalogError as exc:
        raise PluginError(str(exc)) from None
    for file in list(files):
        if file.abs_src_path and Path(file.abs_src_path).resolve().is_relative_to(docs_dir):
            files.remove(file)
    custom_dir = config.theme.custom_dir
    contributing = REPO_ROOT / "CONTRIBUTING.md"
    planned = plan_site(
        catalog,
        contributing_markdown=contributing.read_text(encoding="utf-8")
        if contributing.exists()
        else "# Contributing\n",
        analyzer_template=bool(custom_dir) and (Path(custom_dir) / "analyzer.html").exists(),
        site_url=config.site_url,
    )
    entries = catalog.by_id()
    body = partial(
        render_entry,
        entries=entries,
        providers=catalog.providers,
        hubs=frozenset(hubs(catalog)),
        render=MarkdownRenderer(),
    )
    for virtual in planned:
        inclusion = InclusionLevel.INCLUDED if virtual.in_nav else InclusionLevel.NOT_IN_NAV
        file = CatalogFile.generated(config, virtual.src_uri, content=virtual.content, inclusion=inclusion)
        if virtual.entry_id:
            file.entry = entries[virtual.entry_id]
            file.edit_uri = f"{virtual.entry_id}.yml"  # edit the YAML, not the generated page
            file.render_body = partial(body, file.entry)
        files.append(file)
    return files


def on_page_context(context: dict, *, page: Page, config: MkDocsConfig, nav: object) -> dict:
    """Give entry pages their body and JSON-LD (kept out of ``page.content`` so search stays small)."""
    if isinstance(page.file, CatalogFile) and page.file.entry is not None:
        page.meta["entry_html"] = page.file.render_body(edit_url=page.edit_url)
        page.meta["jsonld_html"] = jsonld_html(
            jsonld(
                page.file.entry,
                url=page.canonical_url or page.abs_url or "",
                site_name=config.site_name,
                site_url=config.site_url or "",
            )
        )
    return context
