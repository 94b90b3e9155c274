"""Wheel builds carry the error catalog: ``checker/data/catalog.json``, written at build time.

The catalog comes from ``errors/*.yml`` through the same function that writes the site's
``/catalog.json`` (``scripts.sitegen.export.write_catalog``). A build from a tree without ``errors/``
(the Pyodide wheel, which fetches the site's copy instead) carries none. Everything else about the
package is in ``pyproject.toml``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildPyWithCatalog(build_py):
    """``build_py`` plus the catalog, so ``pip install`` of the wheel can rank bounces anywhere."""

    def run(self) -> None:
        super().run()
        if not (ROOT / "errors").is_dir() or not (ROOT / "scripts" / "sitegen").is_dir():
            return
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        from scripts.sitegen.export import write_catalog

        count = write_catalog(ROOT / "errors", Path(self.build_lib) / "checker" / "data" / "catalog.json")
        print(f"smtp-checker: packaged the error catalog ({count} entries)")


setup(cmdclass={"build_py": BuildPyWithCatalog})
