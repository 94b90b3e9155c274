"""Where the command line finds the error catalog it ranks bounces against.

In order: the path or URL given with ``--catalog``, the built site's ``site/catalog.json``, or a catalog
built from ``errors/*.yml`` with ``scripts/sitegen`` when run from a checkout.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from checker.result import InputError

REPO_ROOT = Path(__file__).resolve().parents[1]


def load_catalog(source: str | None) -> tuple[dict[str, Any], str | None] | InputError:
    """The bounce catalog and a note when it is missing: from ``source`` (path or URL), the built site,
    or ``errors/*.yml`` through ``scripts.sitegen``; an empty catalog as the last resort.

    An ``InputError`` when ``source`` was given but cannot be read.
    """
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
        problem = _structure_problem(given)
        if problem is not None:
            inside = problem.where.removeprefix("catalog.json").lstrip(": ")
            return InputError(
                f"{problem.what} The file given with --catalog cannot be used.",
                f"--catalog {source}" + (f", {inside}" if inside else ""),
                f"{problem.fix} mkdocs build writes it as site/catalog.json.",
                reason=problem.reason,
            )
        return given, None
    for built in (Path("site/catalog.json"), REPO_ROOT / "site" / "catalog.json"):
        if built.is_file():
            try:
                found = json.loads(built.read_text(encoding="utf-8"))
            except ValueError:
                continue
            if _structure_problem(found) is None:
                return found, None
    errors_dir = REPO_ROOT / "errors"
    if errors_dir.is_dir() and (REPO_ROOT / "scripts" / "sitegen").is_dir():
        if str(REPO_ROOT) not in sys.path:
            sys.path.insert(0, str(REPO_ROOT))
        try:
            from scripts.sitegen.export import catalog_data
            from scripts.sitegen.validation import load_entries

            return catalog_data(load_entries(errors_dir)), None
        except Exception as trouble:  # a broken entry must not stop the bounce analysis itself
            return (
                empty,
                f"the error catalog could not be built from errors/*.yml ({trouble}), so no pages are "
                "ranked.",
            )
    return empty, "no error catalog was found (build the site or pass --catalog), so no pages are ranked."


def _structure_problem(catalog: Any) -> InputError | None:
    from checker.bounce.analyze import catalog_problem

    return catalog_problem(catalog)
