"""Write the error catalog the command line carries: ``checker/data/catalog.json``.

    python scripts/export_catalog.py [--out PATH]

The same function writes the site's ``/catalog.json`` and the wheel's copy (``setup.py``); ``make
setup`` runs this so an editable install in a checkout has the catalog too. The Pyodide build leaves
it out: the browser fetches the site's copy.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from scripts.sitegen.export import write_catalog  # noqa: E402
from scripts.sitegen.validation import CatalogError  # noqa: E402

DEFAULT_TARGET = REPO / "checker" / "data" / "catalog.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_TARGET, help="where to write catalog.json")
    args = parser.parse_args(argv)
    try:
        count = write_catalog(REPO / "errors", args.out)
    except CatalogError as invalid:
        print(invalid, file=sys.stderr)
        return 1
    print(f"{count} entries -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
