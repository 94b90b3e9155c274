"""Yahoo / AOL bounce lines (tests/fixtures/provider_tables/yahoo.json) rank the expected entry first.

Each fixture line is a realistic Postfix-style log line for one Yahoo/AOL code (observed wording from the
SMTP Field Manual, Sisimai and senders' reports; see the entries' who_sends notes). The line is ranked over
the whole catalog (every errors/*.yml), with the provider guessed from the refusing host the way the
analyzer does it, and the expected entry must come first with a strict lead.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # no conftest here: folder conftests share one module name
    sys.path.insert(0, str(REPO))

from checker.pasted.bounce.match import compile_catalog, rank_entries  # noqa: E402
from checker.pasted.bounce.provider import guess_provider  # noqa: E402

ERRORS = REPO / "errors"
TABLE = REPO / "tests" / "fixtures" / "provider_tables" / "yahoo.json"
_REMOTE_HOST = re.compile(r"\bhost\s+([A-Za-z0-9][A-Za-z0-9.-]*)\s*\[")

ENTRIES = [yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted(ERRORS.glob("[0-9]*.yml"))]
CATALOG = compile_catalog(ENTRIES)
PROVIDERS = yaml.safe_load((ERRORS / "_providers.yml").read_text(encoding="utf-8"))
ROWS = json.loads(TABLE.read_text(encoding="utf-8"))


def _provider(line: str) -> str | None:
    return guess_provider(remote_hosts=_REMOTE_HOST.findall(line), text=line, providers=PROVIDERS)


def test_table_names_existing_entries() -> None:
    ids = {entry["id"] for entry in ENTRIES}
    assert [row["entry"] for row in ROWS if row["entry"] not in ids] == []
    assert len(ROWS) >= 20


@pytest.mark.parametrize(
    ("line", "expected"), [(row["line"], row["entry"]) for row in ROWS], ids=[row["entry"] for row in ROWS]
)
def test_yahoo_line_ranks_expected_entry_first(line: str, expected: str) -> None:
    provider = _provider(line)
    assert provider in {"yahoo", "aol"}, provider
    ranked = rank_entries(line, CATALOG, provider=provider, limit=2)
    assert ranked and ranked[0].entry_id == expected, [(m.entry_id, m.score) for m in ranked]
    assert len(ranked) == 1 or ranked[1].score < ranked[0].score, [(m.entry_id, m.score) for m in ranked]
