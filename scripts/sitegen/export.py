"""``/catalog.json``: the machine-readable catalog the analyzer loads (shape: catalog.schema.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .model import Catalog, entry_url

CATALOG_VERSION = 1
CATALOG_SCHEMA = Path(__file__).with_name("catalog.schema.json")


def catalog_data(catalog: Catalog) -> dict[str, Any]:
    """The catalog as plain data; ``entries`` can go straight to ``compile_catalog``."""
    entries = [
        {
            "id": entry.entry_id,
            "url": entry_url(entry.entry_id),
            "reply_code": entry.reply_code,
            "enhanced_code": entry.enhanced_code,
            "title": entry.title,
            "summary": entry.data["summary"],
            "distinguish": entry.distinguish,
            "who_acts": entry.data.get("who_acts"),
            "first_step": entry.data.get("first_step"),
            "category": entry.data["category"],
            "permanent": entry.data["permanent"],
            "providers": list(entry.data["providers"]),
            "match": dict(entry.data["match"]),
            "examples": list(entry.data["examples"]),
            "related": list(entry.data.get("related", ())),
        }
        for entry in catalog.entries
    ]
    providers = {
        provider_id: {"name": provider.name, "hosts": list(provider.hosts)}
        for provider_id, provider in sorted(catalog.providers.items())
    }
    dates = [str(entry.data["last_verified"]) for entry in catalog.entries if entry.data.get("last_verified")]
    return {
        "version": CATALOG_VERSION,
        "updated": max(dates) if dates else None,
        "entries": entries,
        "providers": providers,
    }


def catalog_json(catalog: Catalog) -> str:
    """``catalog_data`` serialised compactly (it is downloaded by every analyzer visit)."""
    return json.dumps(catalog_data(catalog), ensure_ascii=False, separators=(",", ":"), sort_keys=False)


def write_catalog(errors_dir: Path, target: Path) -> int:
    """Validate ``errors_dir`` and write its ``catalog.json`` to ``target``; the number of entries.

    The site build, the wheel build (``setup.py``) and ``scripts/export_catalog.py`` all call this,
    so every copy of the catalog comes from the same code. Raises ``CatalogError`` for invalid entries.
    """
    from .validation import load_entries

    catalog = load_entries(errors_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(catalog_json(catalog), encoding="utf-8")
    return len(catalog.entries)
