"""Every row of Microsoft's Exchange Online NDR table (and Outlook.com's code list) lands on its entry.

The rows live in ``tests/fixtures/provider_tables/exchange_online.json``: one object per documented
code and text (``code``, ``reply``, ``text``, the expected ``entry`` id, the ``table`` it comes from and,
for Outlook.com rows, the ``host`` that refused). Each row is turned into the kind of line an Exchange
Online NDR shows (``Remote server returned '550 5.7.508 ...'``, naming the refusing host), the provider
is guessed from that host as the analyzer does, and the whole catalog (``errors/*.yml``) is ranked.
A row may carry ``xfail`` (a reason): it documents a known miss of an entry this test does not own.
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
TABLE = REPO / "tests" / "fixtures" / "provider_tables" / "exchange_online.json"
DEFAULT_HOST = "example-com.mail.protection.outlook.com"
_ENHANCED = re.compile(r"^[245]\.\d{1,3}\.\d{1,3}$")

ENTRIES = [yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted(ERRORS.glob("[0-9]*.yml"))]
CATALOG = compile_catalog(ENTRIES)
PROVIDERS = yaml.safe_load((ERRORS / "_providers.yml").read_text(encoding="utf-8"))
ROWS = json.loads(TABLE.read_text(encoding="utf-8"))


def bounce_line(row: dict) -> tuple[str, str]:
    """The NDR diagnostic line for a table row, and the host that refused the message."""
    host = row.get("host") or DEFAULT_HOST
    parts = [str(row["reply"])] if row.get("reply") else []
    if row.get("code") and _ENHANCED.match(row["code"]):
        parts.append(row["code"])
    parts.append(row["text"])
    return f"Remote server returned '{' '.join(parts)}' [{host}]", host


def _param(row: dict):
    marks = [pytest.mark.xfail(strict=True, reason=row["xfail"])] if row.get("xfail") else []
    label = f"{row['table']}:{row.get('code') or 'n/a'}:{row['text'][:40]}"
    return pytest.param(row, marks=marks, id=label)


def test_table_rows_name_existing_entries() -> None:
    ids = {entry["id"] for entry in ENTRIES}
    assert len(ROWS) >= 69 + 12
    missing = sorted({row["entry"] for row in ROWS} - ids)
    assert missing == [], missing


@pytest.mark.parametrize("row", [_param(row) for row in ROWS])
def test_table_row_ranks_its_entry_first(row: dict) -> None:
    line, host = bounce_line(row)
    provider = guess_provider(remote_hosts=[host], text=line, providers=PROVIDERS)
    ranked = rank_entries(line, CATALOG, provider=provider, limit=3)
    assert ranked, line
    assert ranked[0].entry_id == row["entry"], (line, [(m.entry_id, m.score) for m in ranked])
