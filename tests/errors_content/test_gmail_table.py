"""Gmail's published SMTP error table vs the catalog: every row ranks the entry that explains it first.

tests/fixtures/provider_tables/gmail_3726730.json holds every row of Google's table "Gmail SMTP errors and
codes" (support.google.com/a/answer/3726730), extracted from the capture in
tests/fixtures/provider-docs/google-3726730-smtp-errors-and-codes.txt (wrapped lines joined with single
spaces; placeholders such as domain-name and ip-address kept as the page shows them). Each row names the
entry that must rank first when the row's text arrives in a bounce, in the two shapes a bounce usually has:
Gmail's own reply line and a Postfix "host ... said:" line.
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
TABLE = REPO / "tests" / "fixtures" / "provider_tables" / "gmail_3726730.json"
CAPTURE = REPO / "tests" / "fixtures" / "provider-docs" / "google-3726730-smtp-errors-and-codes.txt"
GMAIL_HOST = "gmail-smtp-in.l.google.com"

# (reply, status) pairs of the table whose cause is explained by an existing entry (it lists the pair in
# match.reply_codes/enhanced_codes and ranks first for the rows), but whose title names only the entry's
# main pair. Fixing means naming the pair in that entry's title; then drop the pair here (strict xfail).
PAIRS_NAMED_ONLY_IN_MATCH: dict[tuple[int, str], str] = {}


def _entries() -> list[dict]:
    return [yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted(ERRORS.glob("[0-9]*.yml"))]


ENTRIES = _entries()
BY_ID = {entry["id"]: entry for entry in ENTRIES}
CATALOG = compile_catalog(ENTRIES)
PROVIDERS = yaml.safe_load((ERRORS / "_providers.yml").read_text(encoding="utf-8"))
ROWS: list[dict] = json.loads(TABLE.read_text(encoding="utf-8"))
PAIRS = sorted({(row["reply"], row["status"]) for row in ROWS})


def _row_id(index: int, row: dict) -> str:
    return f"{index:03d}-{row['reply']}-{row['status']}"


def _bounce_lines(row: dict) -> list[tuple[str, list[str]]]:
    """The row's text as Gmail sends it, and as a Postfix log quotes it (with the remote host)."""
    reply, status, text = row["reply"], row["status"], row["text"]
    return [
        (f"{reply}-{status} {text} - gsmtp", []),
        (f"host {GMAIL_HOST}[192.0.2.1] said: {reply} {status} {text} - gsmtp", [GMAIL_HOST]),
    ]


def _capture_text() -> str:
    """The capture's table text with the code columns removed and whitespace collapsed."""
    lines = []
    for line in CAPTURE.read_text(encoding="utf-8").splitlines():
        lines.append(re.sub(r"^\d{3}\s+\d\.\d{1,3}\.\d{1,3}\b", " ", line))
    return " ".join(" ".join(lines).split())


def test_table_fixture_is_complete() -> None:
    assert len(ROWS) >= 121, "the 2026 capture has 121 rows"
    assert len(PAIRS) == 57
    unknown = sorted({row["entry"] for row in ROWS} - set(BY_ID))
    assert unknown == [], f"rows name entries that do not exist: {unknown}"


def test_row_texts_are_the_capture_wording() -> None:
    capture = _capture_text()
    missing = [_row_id(i, row) for i, row in enumerate(ROWS) if " ".join(row["text"].split()) not in capture]
    assert missing == [], f"row text not found in the capture: {missing}"


@pytest.mark.parametrize("row", ROWS, ids=[_row_id(i, row) for i, row in enumerate(ROWS)])
def test_row_ranks_its_entry_first(row: dict) -> None:
    for line, hosts in _bounce_lines(row):
        provider = guess_provider(remote_hosts=hosts, text=line, providers=PROVIDERS)
        assert provider == "gmail", line
        ranked = rank_entries(line, CATALOG, provider=provider, limit=3)
        assert ranked, f"no entry matches: {line}"
        assert ranked[0].entry_id == row["entry"], (line, [(m.entry_id, m.score) for m in ranked])


def _pair_param(pair: tuple[int, str]):
    if pair in PAIRS_NAMED_ONLY_IN_MATCH:
        owner = PAIRS_NAMED_ONLY_IN_MATCH[pair]
        reason = f"cause covered by {owner}, whose title does not name {pair[0]} {pair[1]}"
        return pytest.param(
            pair, marks=pytest.mark.xfail(strict=True, reason=reason), id=f"{pair[0]}-{pair[1]}"
        )
    return pytest.param(pair, id=f"{pair[0]}-{pair[1]}")


@pytest.mark.parametrize("pair", [_pair_param(pair) for pair in PAIRS])
def test_every_code_pair_has_an_entry(pair: tuple[int, str]) -> None:
    reply, status = pair
    covering = [
        entry["id"]
        for entry in ENTRIES
        if (entry.get("reply_code") == reply and entry.get("enhanced_code") == status)
        or f"{reply} {status}" in entry["title"]
    ]
    assert covering, f"no entry has {reply} {status} as its codes or names it in its title"


def test_pairs_named_only_in_match_are_still_explained_by_their_entry() -> None:
    """The entries listed above must keep declaring the pair and keep winning its rows."""
    for (reply, status), owner in PAIRS_NAMED_ONLY_IN_MATCH.items():
        rules = BY_ID[owner]["match"]
        assert reply in rules.get("reply_codes", []) and status in rules.get("enhanced_codes", []), owner
        rows = [row for row in ROWS if (row["reply"], row["status"]) == (reply, status)]
        assert any(row["entry"] == owner for row in rows), (owner, reply, status)
