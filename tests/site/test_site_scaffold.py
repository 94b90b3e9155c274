"""scripts/new_entry.py writes a file that parses but fails validation until its TODOs are replaced."""

from __future__ import annotations

from pathlib import Path

import pytest
from site_helpers import make_errors_dir

from scripts import new_entry
from scripts.sitegen.validation import check_entries


def test_scaffold_fails_validation_until_filled(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    errors = make_errors_dir(tmp_path)
    argv = ["--code", "550", "--enhanced", "5.7.1", "--provider", "gmail", "--slug", "dmarc-reject"]
    assert new_entry.main([*argv, "--errors-dir", str(errors)]) == 0
    target = errors / "550-5-7-1-gmail-dmarc-reject.yml"
    assert target.is_file()
    _, problems = check_entries(errors)
    mine = [str(problem) for problem in problems if problem.file.endswith(target.name)]
    assert mine, "a fresh scaffold must not validate"
    assert all("TODO" in message or "must be one of" in message for message in mine)
    assert any(
        message.startswith(f"errors/{target.name}:") and ": summary: still a TODO" in message
        for message in mine
    )
    assert any(": distinguish: still a TODO" in message for message in mine)
    # Running again refuses to overwrite.
    assert new_entry.main([*argv, "--errors-dir", str(errors)]) == 2
    assert "already exists" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--code", "650", "--slug", "x"], "--code 650: expected a reply code between 200 and 599"),
        (["--code", "550", "--enhanced", "4.7.1", "--slug", "x"], "its first digit must match --code 550"),
        (["--code", "550", "--slug", "Bad Slug"], "--slug Bad Slug: use lower-case letters"),
        (["--code", "550", "--provider", "hotmale", "--slug", "x"], "--provider hotmale: unknown"),
    ],
)
def test_scaffold_rejects_bad_arguments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    errors = make_errors_dir(tmp_path)
    assert new_entry.main([*argv, "--errors-dir", str(errors)]) == 2
    assert message in capsys.readouterr().err
    assert sorted(path.name for path in errors.glob("*.yml") if not path.name.startswith("_")) == sorted(
        path.name
        for path in (Path(__file__).parent / "fixtures").glob("*.yml")
        if not path.name.startswith("_")
    )
