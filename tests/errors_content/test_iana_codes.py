"""Every active code of the IANA SMTP Enhanced Status Codes registry has a code-level (generic) page.

The registry table is read from section 1 of tests/fixtures/provider-docs/content-anchors.md (a copy
of ../shared/research/content-anchors.md). For each enumerated code X.Y.Z there must be an entry with
``providers`` containing ``any`` and ``match.generic: true`` whose ``match.enhanced_codes`` hold the
forms a bounce can carry:

- the 5.Y.Z form, and the 4.Y.Z form when the registry's basic reply codes include a 4xx code or say
  "any"/"many";
- for codes the registry gives only with 2xx basic codes (success statuses) the 2.Y.Z form instead;
- for codes the registry gives only with 4xx basic codes the 4.Y.Z form instead.

Codes that already had a code-level page for any provider before the ``generic`` flag was used for
them are listed in ``PRE_EXISTING_CODE_PAGES``; they count as covered without ``generic: true``.
Missing 4.Y.Z forms on those pages are listed in ``KNOWN_FORM_GAPS`` (the pages are not owned by this
test's author); both lists are checked to still be current, so they shrink when the pages change.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
ERRORS = REPO / "errors"
ANCHORS = REPO / "tests" / "fixtures" / "provider-docs" / "content-anchors.md"

# Registry rows that are not active codes, with the reason.
DEPRECATED: dict[str, str] = {
    "6.10": "deprecated in the registry: an accidental duplicate of X.6.8 (RFC 6531); "
    "553-5-6-8-utf8-reply-not-permitted lists 5.6.10 so bounces carrying it still land there",
}

# Code-level pages for any provider that existed before generic pages were written for the registry.
PRE_EXISTING_CODE_PAGES: dict[str, str] = {
    "1.1": "550-5-1-1-user-unknown",
    "1.2": "553-5-1-2-recipient-domain-not-found",
    "1.3": "553-5-1-3-invalid-address-syntax",
    "1.8": "553-5-1-8-sender-domain-not-found",
    "2.1": "550-5-2-1-mailbox-disabled",
    "2.2": "552-5-2-2-mailbox-full",
    "3.4": "552-5-3-4-message-too-big",
    "4.6": "554-5-4-6-mail-loop-detected",
    "4.7": "451-4-4-7-message-expired",
    "5.1": "503-5-5-1-bad-sequence-of-commands",
    "5.2": "500-5-5-2-syntax-error-command-unrecognized",
    "5.3": "452-4-5-3-too-many-recipients",
    "5.4": "501-5-5-4-invalid-helo-argument",
    "7.4": "504-5-7-4-unrecognized-authentication-type",
    "7.8": "535-5-7-8-authentication-credentials-invalid",
    "7.25": "550-5-7-25-reverse-dns-missing",
}

# Forms the registry allows but the code's page does not list yet: code -> (form, reason).
KNOWN_FORM_GAPS: dict[str, tuple[str, str]] = {
    "1.1": ("4.1.1", "registry basic codes 451,550; 550-5-1-1-user-unknown lists only 5.1.1"),
    "5.1": ("4.5.1", "registry basic codes include 430; 503-5-5-1-bad-sequence-of-commands lists only 5.x"),
    "5.4": ("4.5.4", "registry basic codes include 451; 501-5-5-4-invalid-helo-argument lists only 5.5.4"),
    "7.1": (
        "4.7.1",
        "registry basic codes include 451,454; 550-5-7-1-delivery-not-authorized lists only 5.7.1",
    ),
}

_ROW = re.compile(r"^\| X\.(\d{1,3}\.\d{1,3}) \| (.+?) \| (.+?) \| (.+?) \|\s*$")


def registry_rows() -> list[tuple[str, str, str]]:
    """(subject.detail, short name, basic codes) for every enumerated row of section 1."""
    text = ANCHORS.read_text(encoding="utf-8")
    section = text.split("## 1.", 1)[1].split("\n## 2.", 1)[0]
    rows = [(m[1], m[2], m[3]) for line in section.splitlines() if (m := _ROW.match(line))]
    return rows


ROWS = registry_rows()
ACTIVE = [(code, name, basic) for code, name, basic in ROWS if code not in DEPRECATED]


def _entries() -> dict[str, dict]:
    return {
        path.stem: yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted(ERRORS.glob("[0-9]*.yml"))
    }


ENTRIES = _entries()


def required_forms(code: str, basic: str) -> set[str]:
    """The class-prefixed forms a code-level page must list, from the registry's basic codes."""
    replies = re.findall(r"\b([245])(?:\d\d|XX)\b", basic, flags=re.IGNORECASE)
    classes = set(replies)
    if basic.strip().lower() in {"any", "many"}:
        return {f"5.{code}", f"4.{code}"}
    if classes == {"2"}:
        return {f"2.{code}"}
    if classes == {"4"}:
        return {f"4.{code}"}
    forms = {f"5.{code}"}
    if "4" in classes:
        forms.add(f"4.{code}")
    return forms


def generic_pages(code: str) -> list[dict]:
    """Entries for any provider, flagged generic, that declare some form of the code."""
    return [
        entry
        for entry in ENTRIES.values()
        if "any" in entry.get("providers", ())
        and entry.get("match", {}).get("generic") is True
        and any(str(form).split(".", 1)[1] == code for form in entry["match"].get("enhanced_codes", ()))
    ]


def test_registry_table_is_parsed() -> None:
    """Section 1 lists 81 enumerated rows: 80 active codes plus the deprecated X.6.10."""
    assert len(ROWS) == 81
    assert len(ACTIVE) == 80
    assert {code for code, _, _ in ROWS} >= set(DEPRECATED)
    assert ROWS[0][0] == "0.0" and ROWS[-1][0] == "7.30"


def test_required_forms_follow_the_basic_codes() -> None:
    assert required_forms("0.0", "any") == {"5.0.0", "4.0.0"}
    assert required_forms("1.1", "451,550") == {"5.1.1", "4.1.1"}
    assert required_forms("1.5", "250") == {"2.1.5"}
    assert required_forms("3.6", "250/251") == {"2.3.6"}
    assert required_forms("7.12", "422,432") == {"4.7.12"}
    assert required_forms("7.17", "5XX") == {"5.7.17"}
    assert required_forms("1.4", "—") == {"5.1.4"}


@pytest.mark.parametrize(("code", "name", "basic"), ACTIVE, ids=[f"X.{code}" for code, _, _ in ACTIVE])
def test_every_active_code_has_a_code_level_page(code: str, name: str, basic: str) -> None:
    needed = required_forms(code, basic)
    gap = KNOWN_FORM_GAPS.get(code)
    if gap:
        needed.discard(gap[0])
    if code in PRE_EXISTING_CODE_PAGES:
        entry = ENTRIES.get(PRE_EXISTING_CODE_PAGES[code])
        assert entry is not None, f"X.{code} ({name}): {PRE_EXISTING_CODE_PAGES[code]} is gone"
        assert "any" in entry["providers"], f"X.{code}: {entry['id']} is no longer for any provider"
        listed = set(entry["match"].get("enhanced_codes", ())) | {entry.get("enhanced_code")}
        assert needed <= listed, (entry["id"], sorted(needed - listed))
        return
    pages = generic_pages(code)
    assert pages, f"X.{code} ({name}): no generic page for provider any"
    listed = set().union(*(set(page["match"]["enhanced_codes"]) for page in pages))
    assert needed <= listed, (f"X.{code}", [page["id"] for page in pages], sorted(needed - listed))


@pytest.mark.parametrize("code", sorted(KNOWN_FORM_GAPS))
def test_known_form_gaps_are_still_current(code: str) -> None:
    """Drop a gap from KNOWN_FORM_GAPS once its page lists the missing form."""
    form, _ = KNOWN_FORM_GAPS[code]
    page = PRE_EXISTING_CODE_PAGES.get(code) or "550-5-7-1-delivery-not-authorized"
    assert form not in ENTRIES[page]["match"].get("enhanced_codes", ()), (code, page)


@pytest.mark.parametrize("code", sorted(PRE_EXISTING_CODE_PAGES))
def test_pre_existing_pages_are_not_yet_generic(code: str) -> None:
    """Once a listed page is flagged generic (or a generic page is added), drop it from the list."""
    assert generic_pages(code) == [], (code, [page["id"] for page in generic_pages(code)])


def test_generic_pages_are_code_only_catch_alls() -> None:
    """Generic registry pages keep permanent in step with their file's reply code class."""
    for code, _, _ in ACTIVE:
        for page in generic_pages(code):
            assert page["permanent"] == (page["reply_code"] >= 500), page["id"]
