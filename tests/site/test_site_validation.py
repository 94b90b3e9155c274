"""Entry validation: real entries pass the schema, broken ones get ``file:line: field: what`` messages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from site_helpers import FIXTURES, REPO_ROOT, make_errors_dir

from scripts import validate
from scripts.sitegen.validation import CatalogError, check_entries, check_file, load_entries

BASE_NAME = "550-5-7-1-fixture-relay-denied"
BASE = (FIXTURES / f"{BASE_NAME}.yml").read_text(encoding="utf-8")
REAL_ENTRIES = sorted(path for path in (REPO_ROOT / "errors").glob("*.yml") if not path.name.startswith("_"))


def line_of(text: str, needle: str, start: int = 0) -> int:
    """1-based number of the first line (after line ``start``) containing ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if number > start and needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")


def test_there_are_real_entries() -> None:
    assert REAL_ENTRIES, "errors/ holds no entries"


@pytest.mark.parametrize("path", REAL_ENTRIES, ids=lambda path: path.stem)
def test_real_entry_passes_schema_and_file_checks(path: Path) -> None:
    schema_text = (REPO_ROOT / "errors" / "schema.json").read_text(encoding="utf-8")
    document, problems = check_file(path, schema_text=schema_text, shown=f"errors/{path.name}")
    assert document is not None
    assert [str(problem) for problem in problems] == []


def test_real_catalog_is_consistent() -> None:
    """Cross-entry checks on errors/: related ids and providers exist, examples rank their own entry first."""
    _, problems = check_entries(REPO_ROOT / "errors")
    assert [str(problem) for problem in problems] == []


def test_fixture_catalog_loads(errors_dir: Path) -> None:
    catalog = load_entries(errors_dir)
    assert [entry.entry_id for entry in catalog.entries] == sorted(
        path.stem for path in FIXTURES.glob("*.yml") if not path.name.startswith("_")
    )
    assert "gmail" in catalog.providers
    assert catalog.featured == ("550-5-7-1-fixture-relay-denied", "421-4-7-0-fixture-try-later")


def _replace(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new, 1)


TITLE_LINE = line_of(BASE, '  - title: "Use your provider')
# (case id, file text, expected messages; {f} is the file as shown)
BROKEN_CASES = [
    (
        "missing-step-title",
        _replace('  - title: "Use your provider\'s `submission` server"\n    body:', "  - body:"),
        [f"{{f}}:{TITLE_LINE}: fix_steps[1].title: required"],
    ),
    (
        "unknown-field",
        _replace("category: relay-access\n", "category: relay-access\ncolour: red\n"),
        [f"{{f}}:{line_of(BASE, 'category:') + 1}: colour: unknown field; allowed here: category, causes"],
    ),
    (
        "yaml-syntax",
        _replace("permanent: true\n", "permanent: [true\n"),
        ["{f}:", ": (YAML): "],
    ),
    (
        "id-differs-from-file-name",
        _replace(f"id: {BASE_NAME}", "id: 550-something-else"),
        ['{f}:1: id: "550-something-else" differs from the file name'],
    ),
    (
        "bad-enhanced-code",
        _replace("enhanced_code: 5.7.1", 'enhanced_code: "5.7"'),
        ['{f}:3: enhanced_code: expected an enhanced status code like 5.7.1, got "5.7"'],
    ),
    (
        "reply-code-as-text",
        _replace("reply_code: 550", 'reply_code: "550"'),
        ['{f}:2: reply_code: expected a whole number, got str "550"'],
    ),
    (
        "related-missing",
        _replace("related: [550-5-7-1-fixture-spam-content]", "related: [550-no-such-entry]"),
        [f'{{f}}:{line_of(BASE, "related:")}: related[0]: no entry "550-no-such-entry"'],
    ),
    (
        "unknown-provider",
        _replace("providers: [postfix, exim]", "providers: [postfix, hotmale]"),
        [f'{{f}}:{line_of(BASE, "providers:")}: providers[1]: unknown provider "hotmale"'],
    ),
    (
        "todo-left",
        _replace("confirm: Send a test", "confirm: TODO Send a test"),
        [f"{{f}}:{line_of(BASE, 'confirm:')}: confirm: still a TODO"],
    ),
    (
        "invalid-regex",
        _replace("patterns: ['relay access denied'", "patterns: ['relay (access denied'"),
        [f"{{f}}:{line_of(BASE, 'patterns:')}: match.patterns[0]: invalid regular expression"],
    ),
    (
        "duplicate-key",
        _replace("category: relay-access\n", "category: relay-access\ncategory: mailbox\n"),
        [f"{{f}}:{line_of(BASE, 'category:') + 1}: category: appears twice"],
    ),
    (
        "impossible-date",
        _replace("last_verified: 2026-11-01", 'last_verified: "2026-02-30"'),
        [f'{{f}}:{line_of(BASE, "last_verified")}: last_verified: not a real date: "2026-02-30"'],
    ),
    (
        "permanent-disagrees",
        _replace("permanent: true", "permanent: false"),
        [
            f"{{f}}:{line_of(BASE, 'permanent')}: permanent: "
            "should be true (5xx: do not retry) for reply code 550"
        ],
    ),
    (
        "source-half-written",
        _replace("  - rfc: 5321\n", "  - rfcs: 5321\n"),
        [f"{{f}}:{line_of(BASE, '- rfc: 5321')}: sources[0]: a source is either"],
    ),
    (
        "match-without-patterns",
        _replace("  patterns: ['relay access denied', 'relay(ing)? not permitted']\n", ""),
        [f"{{f}}:{line_of(BASE, 'match:')}: match: needs patterns"],
    ),
    (
        "missing-distinguish",
        _replace('distinguish: \'says "Relay access denied" or "relay not permitted"\'\n', ""),
        ["{f}:1: distinguish: required: plain words saying what in the bounce tells this entry apart"],
    ),
    (
        "distinguish-too-long",
        _replace("distinguish: 'says", "distinguish: '" + "very " * 25 + "says"),
        [f"{{f}}:{line_of(BASE, 'distinguish:')}: distinguish: too long: at most 120 characters"],
    ),
    (
        "distinguish-with-markdown",
        _replace("distinguish: 'says", "distinguish: '`code` says"),
        [f"{{f}}:{line_of(BASE, 'distinguish:')}: distinguish: expected one line of plain words"],
    ),
    (
        "too-short-summary",
        _replace("summary: >-\n", "summary: Too short.\nx_summary: >-\n"),
        [f"{{f}}:{line_of(BASE, 'summary:')}: summary: too short: at least 40 characters"],
    ),
    (
        "example-ranks-other-entry",
        _replace(
            '  - "550 5.7.1 relay not permitted"',
            '  - "550 5.7.1 relay not permitted; this message is likely unsolicited mail, mx.google.com"',
        ),
        [
            f"{{f}}:{line_of(BASE, '550 5.7.1 relay not permitted')}: examples[1]: ranks "
            '"550-5-7-1-fixture-spam-content" first'
        ],
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"), [case[1:] for case in BROKEN_CASES], ids=[c[0] for c in BROKEN_CASES]
)
def test_broken_entry_is_rejected_with_location(tmp_path: Path, text: str, expected: list[str]) -> None:
    errors = make_errors_dir(tmp_path)
    (errors / f"{BASE_NAME}.yml").write_text(text, encoding="utf-8")
    _, problems = check_entries(errors)
    messages = [str(problem) for problem in problems]
    shown = f"errors/{BASE_NAME}.yml"
    for wanted in expected:
        parts = [part.replace("{f}", shown) for part in [wanted]]
        if wanted == "{f}:" or ": (YAML): " in wanted:
            assert any(m.startswith(shown + ":") and ": (YAML): " in m for m in messages), messages
            continue
        assert any(m.startswith(parts[0]) for m in messages), f"wanted {parts[0]!r} in {messages}"
    with pytest.raises(CatalogError) as raised:
        load_entries(errors)
    assert shown in str(raised.value)


def test_validate_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    errors = make_errors_dir(tmp_path / "good")
    assert validate.main([str(errors)]) == 0
    assert "3 entries valid" in capsys.readouterr().out
    broken = make_errors_dir(tmp_path / "bad")
    shutil.copy2(FIXTURES / f"{BASE_NAME}.yml", broken / "550-copy.yml")
    assert validate.main([str(broken)]) == 1
    assert 'errors/550-copy.yml:1: id: "550-5-7-1-fixture-relay-denied" differs' in capsys.readouterr().out
    assert validate.main([str(tmp_path)]) == 2


@pytest.mark.parametrize(
    ("featured", "expected"),
    [
        (
            "featured:\n  - 550-5-7-1-fixture-relay-denied\n  - 550-gone\n",
            'errors/_featured.yml:3: featured[1]: no valid entry "550-gone"',
        ),
        (
            "featured:\n  - 550-5-7-1-fixture-relay-denied\n  - 550-5-7-1-fixture-relay-denied\n",
            "errors/_featured.yml:3: featured[1]: listed twice",
        ),
        (
            "featured: 550-5-7-1-fixture-relay-denied\n",
            "errors/_featured.yml:1: featured: expected featured:",
        ),
    ],
)
def test_featured_list_must_name_real_entries(tmp_path: Path, featured: str, expected: str) -> None:
    """The home page's "Most searched" ids are checked like entries, so a renamed entry fails the build."""
    errors = make_errors_dir(tmp_path)
    (errors / "_featured.yml").write_text(featured, encoding="utf-8")
    _, problems = check_entries(errors)
    assert any(str(problem).startswith(expected) for problem in problems), [str(p) for p in problems]
    with pytest.raises(CatalogError):
        load_entries(errors)


def test_real_featured_list_is_valid() -> None:
    catalog, problems = check_entries(REPO_ROOT / "errors")
    assert not [str(problem) for problem in problems if "_featured" in problem.file]
    assert "550-5-7-26-gmail-dmarc-reject" in catalog.featured
