"""Every example of every entry ranks its own entry first, with the matcher the analyzer uses."""

from __future__ import annotations

from pathlib import Path

import pytest
from site_helpers import FIXTURES, REPO_ROOT

from checker.pasted.bounce.match import compile_catalog, rank_entries
from scripts.sitegen.prefilter import build_index
from scripts.sitegen.validation import _providers, guess_provider
from scripts.sitegen.yamlsource import parse_yaml


def _load(folder: Path) -> list[dict]:
    return [
        parse_yaml(path.read_text(encoding="utf-8")).data
        for path in sorted(folder.glob("*.yml"))
        if not path.name.startswith("_")
    ]


REAL = _load(REPO_ROOT / "errors")
FIXTURE = _load(FIXTURES)
PROVIDERS = _providers(REPO_ROOT / "errors", [])


def _cases(entries: list[dict]) -> list[tuple[str, str]]:
    return [(entry["id"], example) for entry in entries for example in entry.get("examples", ())]


@pytest.mark.parametrize(("entries", "label"), [(REAL, "real"), (FIXTURE, "fixture")])
def test_every_example_ranks_its_own_entry_first(entries: list[dict], label: str) -> None:
    assert entries, f"no {label} entries"
    catalog = compile_catalog(entries)
    wrong = []
    for entry_id, example in _cases(entries):
        ranked = rank_entries(example, catalog, provider=guess_provider(example, PROVIDERS))
        if not ranked or ranked[0].entry_id != entry_id:
            wrong.append(f"{entry_id}: {example!r} -> {[m.entry_id for m in ranked[:2]]}")
    assert wrong == []


def test_prefilter_keeps_every_entry_that_can_match() -> None:
    """The speed-up used by validation must never drop an entry whose patterns hit."""
    entries = REAL + FIXTURE
    catalog = compile_catalog(entries)
    index = build_index(entries)
    texts = [example for _, example in _cases(entries)] + ["550 5.7.1 Relay access denied", "nothing here"]
    for text in texts:
        hits = {
            match.entry_id for match in rank_entries(text, catalog, limit=len(catalog)) if match.pattern_hit
        }
        assert hits <= index.candidates(text), text
