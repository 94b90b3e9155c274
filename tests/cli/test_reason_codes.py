"""The reason-code table in checker/README.md lists every code the package can emit, and nothing else."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
README = REPO_ROOT / "checker" / "README.md"


@pytest.fixture(scope="module")
def reason_codes() -> Any:
    spec = importlib.util.spec_from_file_location("reason_codes", REPO_ROOT / "scripts" / "reason_codes.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_code_shaped_template_in_the_source_is_known(reason_codes) -> None:
    _, templates = reason_codes.scan()
    unknown = sorted(set(templates) - set(reason_codes.TEMPLATES))
    assert not unknown, f"add these to TEMPLATES in scripts/reason_codes.py: {unknown}"
    stale = sorted(set(reason_codes.TEMPLATES) - set(templates))
    assert not stale, f"TEMPLATES lists f-strings the source no longer has: {stale}"


def test_readme_table_lists_exactly_the_codes_in_the_source(reason_codes) -> None:
    text = README.read_text(encoding="utf-8")
    listed = reason_codes.listed_codes(text)
    emitted = reason_codes.all_codes()
    assert len(listed) == len(set(listed)), "a code is listed twice"
    missing, unknown = sorted(set(emitted) - set(listed)), sorted(set(listed) - set(emitted))
    assert not missing, f"emitted but not listed in checker/README.md: {missing}"
    assert not unknown, f"listed in checker/README.md but emitted nowhere: {unknown}"
    assert reason_codes.render_readme(text) == text, "run scripts/reason_codes.py to refresh the table"


def test_codes_are_well_formed_and_known_codes_are_found(reason_codes) -> None:
    codes = reason_codes.all_codes()
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+", code) for code in codes)
    for code in ("spf.plus_all", "dkim.key_not_found", "dmarc.pass", "mx.fcrdns_ok", "bimi.lookup_failed"):
        assert code in codes, code
    # a literal in a docstring or a DNS name is not a code
    assert "mx.example.com" not in codes and "zen.spamhaus.org" not in codes
