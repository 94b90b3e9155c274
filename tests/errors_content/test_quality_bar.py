"""Every entry meets the catalog's quality bar (scripts/sitegen/quality.py), checked on the real files."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # no conftest here: folder conftests share one module name
    sys.path.insert(0, str(REPO))

from scripts.catalog_stats import CAPTURES, load_entries  # noqa: E402
from scripts.sitegen import quality  # noqa: E402

ENTRIES = load_entries()
IDS = [entry["id"] for entry in ENTRIES]


def test_catalog_is_loaded() -> None:
    assert len(ENTRIES) == len(list((REPO / "errors").glob("[!_]*.yml")))


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_entry_meets_the_minimums(entry: dict) -> None:
    assert [s.explanation for s in quality.shortfalls(entry)] == []


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_entry_links_are_https_and_well_formed(entry: dict) -> None:
    problems = [problem for _, url in quality.urls(entry) if (problem := quality.bad_url(url))]
    assert problems == []


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_entry_has_the_depth_its_kind_needs(entry: dict) -> None:
    assert [s.explanation for s in quality.depth_gaps(entry)] == []


def test_depth_checks_catch_what_they_claim() -> None:
    temporary = {"id": "t", "reply_code": 451, "meaning": "The server is busy."}
    auth = {
        "id": "a",
        "reply_code": 550,
        "category": "authentication",
        "title": "550 DMARC fail",
        "meaning": "x",
    }
    assert [s.reason for s in quality.depth_gaps(temporary)] == ["quality.no_retry_note"]
    assert [s.reason for s in quality.depth_gaps(auth)] == ["quality.no_auth_results"]
    assert quality.depth_gaps({**temporary, "meaning": "Your server retries for five days."}) == []


def test_no_two_entries_share_a_paragraph() -> None:
    shared = quality.shared_paragraphs(ENTRIES)
    assert {paragraph[:100]: ids for paragraph, ids in shared.items()} == {}


def test_exact_wordings_appear_in_the_captured_provider_pages() -> None:
    captured = "\n".join(path.read_text(encoding="utf-8") for path in sorted(CAPTURES.glob("*.*")))
    assert quality.unverified_exact_wordings(ENTRIES, captured) == []


def test_quality_checks_catch_what_they_claim() -> None:
    thin = {
        "id": "thin",
        "causes": ["one cause here"],
        "sources": [{"title": "blog", "url": "http://x.example"}],
    }
    reasons = {s.reason for s in quality.shortfalls(thin)}
    assert reasons == {"quality.too_few", "quality.missing_field"}
    assert quality.bad_url("http://example.com/x") == "http://example.com/x: external links must be https"
    assert quality.bad_url("https://nohost") is not None
    assert quality.bad_url("../other-entry/") is None
    paragraph = (
        "A long paragraph that two entries share word for word, which the catalog must never do at all."
    )
    pair = [{"id": "a", "meaning": paragraph * 2}, {"id": "b", "summary": paragraph * 2}]
    assert list(quality.shared_paragraphs(pair).values()) == [["a", "b"]]
    exact = {
        "id": "x",
        "providers": ["gmail"],
        "who_sends": [{"name": "Gmail", "wording": "Hello there", "wording_exact": True}],
    }
    assert quality.unverified_exact_wordings([exact], "550   5.1.1  say\n  hello\n there") == []
    assert quality.unverified_exact_wordings([exact], "goodbye") == [("x", "Hello there")]
