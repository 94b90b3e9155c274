"""The starter entries in errors/*.yml: own examples rank first, and real bounces land on sensible entries.

The second check runs every diagnostic text of the Sisimai bounce corpus (tests/corpora/bounces-sisimai)
through the shared matcher. Whenever an entry wins on a pattern hit, Sisimai's own classification of that
bounce must be one this entry can honestly describe (``ALLOWED_REASONS``). Code-only (generic) matches
are not judged: they are a fallback by design.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # no conftest here: folder conftests share one module name
    sys.path.insert(0, str(REPO))

from checker.bounce.match import compile_catalog, rank_entries  # noqa: E402

ERRORS = REPO / "errors"
CORPUS = REPO / "tests" / "corpora" / "bounces-sisimai" / "expected.json"

# Sisimai reasons (see the corpus README) that each entry may stand for. "filtered" is Sisimai's label for
# recipients refused after DATA, which for these texts means an unknown user; "suspend" and "mailererror"
# appear with "User unknown" / "No such user" texts from servers that use those words loosely.
ALLOWED_REASONS: dict[str, set[str]] = {
    "421-4-7-0-yahoo-tss04-deferred": {"badreputation", "rejected", "blocked", "speeding"},
    "421-4-7-28-gmail-unusual-rate": {"speeding", "badreputation", "spamdetected", "blocked"},
    "450-4-2-1-gmail-receiving-too-fast": {"speeding"},
    "451-4-4-7-message-expired": {"expired"},
    "530-5-7-0-authentication-required": {"securityerror", "norelaying", "authfailure"},
    "530-5-7-0-must-issue-starttls": {"failedstarttls", "securityerror"},
    "550-5-1-1-gmail-account-does-not-exist": {"userunknown", "filtered"},
    "550-5-1-1-user-unknown": {
        "userunknown",
        "filtered",
        "suspend",
        "mailererror",
        "mailboxfull",
        "rejected",
    },
    "550-5-1-10-microsoft-365-recipient-not-found": {"userunknown"},
    "550-5-1-8-microsoft-365-bad-outbound-sender": {"rejected", "securityerror", "blocked"},
    "550-5-4-1-microsoft-365-recipient-access-denied": {"userunknown", "rejected"},
    "550-5-7-1-dmarc-policy-reject": {"authfailure"},
    "550-5-7-1-gmail-likely-unsolicited": {"spamdetected", "badreputation", "blocked", "securityerror"},
    "550-5-7-1-gmail-ipv6-ptr-authentication": {"requireptr", "authfailure", "blocked"},
    "550-5-7-1-microsoft-365-dmarc-oreject": {"authfailure"},
    "550-5-7-1-recipient-policy-refusal": {"securityerror", "rejected", "policyviolation"},
    "550-5-7-23-microsoft-365-spf-violation": {"authfailure"},
    "550-5-7-25-gmail-ptr-record-missing": {"requireptr"},
    "550-5-7-25-reverse-dns-missing": {"requireptr", "blocked"},
    "550-5-7-26-gmail-dmarc-reject": {"authfailure"},
    "550-5-7-26-gmail-unauthenticated-sender": {"authfailure"},
    "550-5-7-27-gmail-spf-fail": {"authfailure"},
    "550-5-7-30-gmail-dkim-fail": {"authfailure"},
    "550-5-7-509-microsoft-dmarc-reject": {"authfailure"},
    "550-5-7-606-microsoft-banned-sending-ip": {"blocked", "badreputation"},
    "552-5-2-2-mailbox-full": {"mailboxfull"},
    "553-5-1-8-sender-domain-not-found": {"rejected"},
    "554-5-7-1-client-ip-blocklisted": {"blocked", "badreputation"},
    "554-5-7-1-relay-access-denied": {"norelaying"},
    "554-5-7-9-yahoo-dmarc-policy-reject": {"policyviolation", "authfailure"},
}


def _entries() -> list[dict]:
    return [yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted(ERRORS.glob("[0-9]*.yml"))]


def _corpus_cases() -> list[tuple[str, str, str]]:
    files = json.loads(CORPUS.read_text(encoding="utf-8"))["files"]
    cases = []
    for record in sorted(files, key=lambda item: item["file"]):
        name = record["file"]
        for position, expected in enumerate(record["expected"]):
            text = (expected.get("sisimai_output") or {}).get("diagnosticcode") or ""
            if text:
                cases.append((f"{name}#{position}", text, expected["reason"]))
    return cases


ENTRIES = _entries()
CATALOG = compile_catalog(ENTRIES)
CORPUS_CASES = _corpus_cases()


def test_every_entry_has_an_allowed_reason_set() -> None:
    assert {entry["id"] for entry in ENTRIES if not entry["match"].get("generic")} <= set(ALLOWED_REASONS)


@pytest.mark.parametrize(
    ("entry_id", "example"),
    [(entry["id"], example) for entry in ENTRIES for example in entry["examples"]],
)
def test_example_ranks_its_own_entry_first_without_a_tie(entry_id: str, example: str) -> None:
    ranked = rank_entries(example, CATALOG, limit=2)
    assert ranked and ranked[0].entry_id == entry_id, [(m.entry_id, m.score) for m in ranked]
    assert len(ranked) == 1 or ranked[1].score < ranked[0].score


@pytest.mark.parametrize(("case", "text", "reason"), CORPUS_CASES, ids=[case for case, _, _ in CORPUS_CASES])
def test_sisimai_bounce_lands_on_a_fitting_entry(case: str, text: str, reason: str) -> None:
    ranked = rank_entries(text, CATALOG, limit=1)
    if not ranked or not ranked[0].pattern_hit:
        return  # no entry claims this text by its words; nothing to judge
    assert reason in ALLOWED_REASONS[ranked[0].entry_id], (ranked[0].entry_id, text[:200])


def test_corpus_coverage_is_reported() -> None:
    """Not a threshold test: it records how much of the corpus the starter entries recognise by text."""
    tops = [rank_entries(text, CATALOG, limit=1) for _, text, _ in CORPUS_CASES]
    hits = sum(1 for ranked in tops if ranked and ranked[0].pattern_hit)
    assert len(CORPUS_CASES) > 400
    assert hits > 150
