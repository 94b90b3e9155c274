"""Where the command line finds the error catalog it ranks bounces against.

In order: the path or URL given with ``--catalog``; ``site/catalog.json`` in the current folder (a
freshly built site); the catalog the package carries (``checker/data/catalog.json``, written at
wheel-build time by the same code that writes the site's ``/catalog.json``). The checker never
builds a catalog itself: the library does not import the site's build tooling.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checker.shared.result import InputError

if TYPE_CHECKING:
    from checker.pasted.bounce.catalog import PreparedCatalog

PACKAGED = ("data", "catalog.json")
BUILT_SITE = Path("site") / "catalog.json"


@dataclass(frozen=True)
class CatalogInfo:
    """Which catalog a run used: where it came from, its format version, date and size."""

    source: str  # a path, a URL, or "packaged"
    version: int | None
    updated: str | None  # the newest last_verified date of its entries
    entries: int

    def describe(self) -> str:
        date = f", updated {self.updated}" if self.updated else ""
        where = "the catalog shipped with this package" if self.source == "packaged" else self.source
        return f"{self.entries} entries (catalog format {self.version}{date}) from {where}"


def _info(catalog: dict[str, Any], source: str) -> CatalogInfo:
    version = catalog.get("version")
    updated = catalog.get("updated")
    return CatalogInfo(
        source,
        version if isinstance(version, int) else None,
        updated if isinstance(updated, str) else None,
        len(catalog.get("entries") or ()),
    )


def packaged_catalog() -> dict[str, Any] | None:
    """The catalog carried inside the installed package, parsed, or None (an editable install, say)."""
    try:
        text = resources.files("checker").joinpath(*PACKAGED).read_text(encoding="utf-8")
        return json.loads(text)
    except (OSError, ValueError):
        return None


def load_catalog(source: str | None) -> tuple[PreparedCatalog, CatalogInfo | None, str | None] | InputError:
    """The bounce catalog (checked and compiled, ready for ``analyze_bounce``), what it is, and a note
    when none was found.

    An ``InputError`` when ``source`` was given but cannot be read or has the wrong shape.
    """
    from checker.pasted.bounce.catalog import prepare_catalog

    empty: dict[str, Any] = {"entries": [], "providers": {}}
    if source:
        try:
            if source.startswith(("http://", "https://")):
                import urllib.request

                with urllib.request.urlopen(source, timeout=15) as response:
                    given = json.loads(response.read().decode("utf-8"))
            else:
                given = json.loads(Path(source).read_text(encoding="utf-8"))
        except (OSError, ValueError) as trouble:
            return InputError(
                f"Cannot load the catalog from {source} ({trouble}).",
                "--catalog",
                "Give the path or URL of a catalog.json built by mkdocs build.",
            )
        # A catalog of the wrong shape would silently rank nothing; the reader asked for this file.
        prepared = prepare_catalog(given)
        problem = prepared.problem
        if problem is not None:
            inside = problem.where.removeprefix("catalog.json").lstrip(": ")
            return InputError(
                f"{problem.what} The file given with --catalog cannot be used.",
                f"--catalog {source}" + (f", {inside}" if inside else ""),
                f"{problem.fix} mkdocs build writes it as site/catalog.json.",
                reason=problem.reason,
            )
        return prepared, _info(given, source), None
    if BUILT_SITE.is_file():
        try:
            found = json.loads(BUILT_SITE.read_text(encoding="utf-8"))
        except ValueError:
            found = None
        prepared = prepare_catalog(found) if found is not None else None
        if prepared is not None and prepared.problem is None:
            return prepared, _info(found, str(BUILT_SITE)), None
    packaged = packaged_catalog()
    prepared = prepare_catalog(packaged) if packaged is not None else None
    if prepared is not None and prepared.problem is None:
        return prepared, _info(packaged, "packaged"), None
    return (
        prepare_catalog(empty),
        None,
        "this installation carries no error catalog (an editable install: run `make setup`, build the "
        "site, or pass --catalog PATH|URL), so no pages are ranked.",
    )
