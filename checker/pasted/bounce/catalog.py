"""The error catalog made ready for matching: checked, its patterns compiled once.

Compiling every entry's patterns (well over a thousand regular expressions) costs far more than
matching one bounce against them, and more than the ``re`` module's own cache holds; a caller that
analyses many bounces prepares the catalog once (``prepare_catalog``) and passes the result on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from checker.pasted.bounce.match import CompiledEntry, compile_catalog
from checker.shared.result import InputError


@dataclass(frozen=True)
class PreparedCatalog:
    """A parsed ``catalog.json`` with its entries compiled; ``problem`` says why it cannot be used (its
    ``where`` names the part of the catalog; callers that know the file replace it)."""

    entries: tuple[CompiledEntry, ...]
    providers: Mapping[str, Any]
    problem: InputError | None = None


def prepare_catalog(catalog: Any) -> PreparedCatalog:
    """Check and compile a parsed ``catalog.json`` once, for any number of ``analyze_bounce`` calls."""
    if isinstance(catalog, PreparedCatalog):
        return catalog
    entries, problem = _compile(catalog)
    providers = catalog.get("providers") if isinstance(catalog, Mapping) else None
    return PreparedCatalog(entries, providers if isinstance(providers, Mapping) else {}, problem)


def _shape(value: Any) -> str:
    if isinstance(value, Mapping):
        keys = ", ".join(repr(key) for key in list(value)[:5])
        return f"an object with the keys {keys}" if keys else "an empty object"
    return {list: "a list", str: "a string", type(None): "null"}.get(type(value), type(value).__name__)


def _compile(catalog: Mapping[str, Any]) -> tuple[tuple[CompiledEntry, ...], InputError | None]:
    fix = 'Use the catalog.json the site build writes: {"entries": [{"id": ..., "match": {...}}, ...], ...}.'
    entries = catalog.get("entries") if isinstance(catalog, Mapping) else None
    if not isinstance(entries, list):
        has_entries = isinstance(catalog, Mapping) and "entries" in catalog
        found = f'"entries" as {_shape(entries)}' if has_entries else _shape(catalog)
        return (), InputError(
            f'The error catalog has the wrong structure: expected an object with an "entries" list, '
            f"found {found}.",
            "catalog.json",
            fix,
            "bounce.catalog_invalid",
        )
    for index, entry in enumerate(entries):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("id"), str) or not entry.get("id"):
            return (), InputError(
                f'Entry {index + 1} of the error catalog is not an entry: expected an object with an "id" '
                f"text, found {_shape(entry)}.",
                f"catalog.json: entries[{index}]",
                fix,
                "bounce.catalog_invalid",
            )
        if not isinstance(entry.get("match", {}) or {}, Mapping):
            return (), InputError(
                f'Entry "{entry["id"]}" of the error catalog has a "match" that is not an object.',
                f"catalog.json: entries[{index}].match",
                fix,
                "bounce.catalog_invalid",
            )
    try:
        return compile_catalog(entries), None
    except (ValueError, KeyError, TypeError) as exc:
        return (), InputError(
            str(exc), "catalog.json", "Fix the entry named above and rebuild.", "bounce.catalog_invalid"
        )
