"""Turn ``errors/*.yml`` into the site's pages: validation and rendering as pure functions (no MkDocs)."""

from .browse import render_browse
from .export import catalog_data, catalog_json
from .hubs import distinguishing_words, entry_hub_slugs, hubs, render_hub
from .markup import MarkdownRenderer
from .model import Catalog, Entry, Provider
from .render_entry import jsonld, jsonld_html, render_entry
from .site import VirtualFile, plan_site
from .validation import CatalogError, Problem, check_entries, load_entries

__all__ = [
    "Catalog",
    "CatalogError",
    "Entry",
    "MarkdownRenderer",
    "Problem",
    "Provider",
    "VirtualFile",
    "catalog_data",
    "catalog_json",
    "check_entries",
    "distinguishing_words",
    "entry_hub_slugs",
    "hubs",
    "jsonld",
    "jsonld_html",
    "load_entries",
    "plan_site",
    "render_browse",
    "render_entry",
    "render_hub",
]
