"""What the CLI documents stays true: --help examples, the exit codes, and the README's real outputs."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from dohserver import DohServer

from checker.frontends import cli
from checker.shared.dns.zonefile import load_zone

REPO_ROOT = Path(__file__).resolve().parents[2]
README = REPO_ROOT / "checker" / "README.md"
COMMANDS = ("domain", "ip", "headers", "bounce")
ZONES = {
    "headers": REPO_ROOT / "tests" / "browser" / "fixtures" / "analyzer-zone.yml",
    "default": REPO_ROOT / "tests" / "fixtures" / "zones" / "acme-mail.yml",
}


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_help_shows_examples_and_exit_codes(command: str, capsys) -> None:
    assert cli.main([command, "--help"]) == 0
    text = capsys.readouterr().out
    assert "examples:" in text and "exit codes:" in text
    examples = [line.strip() for line in text.split("examples:")[1].split("exit codes:")[0].splitlines()]
    assert len([line for line in examples if f"smtp-checker {command}" in line]) >= 2
    for line in examples:  # every example is a valid command line
        if line.startswith("smtp-checker "):
            cli.build_parser().parse_args(_arguments(line))


def _arguments(example: str) -> list[str]:
    """The arguments of a shell example, without its comment and its ``<`` / ``>`` redirections."""
    words = shlex.split(example.split("  #")[0])[1:]
    kept: list[str] = []
    skip = False
    for word in words:
        if word in ("<", ">"):
            skip = True
        elif skip:
            skip = False
        else:
            kept.append(word)
    return kept


def test_top_level_help_shows_every_command_example(capsys) -> None:
    assert cli.main(["--help"]) == 0
    text = capsys.readouterr().out
    for command in COMMANDS:
        assert f"smtp-checker {command} " in text


def test_exit_codes_in_readme_match_the_cli() -> None:
    text = README.read_text(encoding="utf-8")
    table = text.split("### Exit codes")[1].split("\n\n")[1]
    readme_codes = {int(code): meaning for code, meaning in re.findall(r"^\| (\d) \| (.+?) \|$", table, re.M)}
    help_codes = {int(code): meaning for code, meaning in re.findall(r"^  (\d)  (.+)$", cli.EXIT_HELP, re.M)}
    constants = {cli.EXIT_OK, cli.EXIT_FAIL, cli.EXIT_INPUT, cli.EXIT_ERROR}
    assert set(readme_codes) == set(help_codes) == constants == {0, 1, 2, 3}
    for code, meaning in readme_codes.items():  # the same first words in both places
        words = re.findall(r"[a-z]+", meaning.lower())[:2]
        assert words == re.findall(r"[a-z]+", help_codes[code].lower())[:2], (code, meaning, help_codes[code])


def readme_examples() -> list[tuple[str, str, int]]:
    text = README.read_text(encoding="utf-8")
    found = re.findall(r"```console\n\$ (.+?)\n(.*?)```\n\nexit code (\d)\.", text, re.S)
    return [(command, output, int(code)) for command, output, code in found]


def test_readme_shows_one_real_output_per_command() -> None:
    examples = readme_examples()
    assert [shlex.split(command)[1] for command, _, _ in examples] == list(COMMANDS)


@pytest.mark.parametrize(("command", "output", "code"), readme_examples(), ids=COMMANDS)
def test_readme_outputs_are_what_the_command_prints(command: str, output: str, code: int) -> None:
    words = shlex.split(command)
    assert words[0] == "smtp-checker"
    zone = ZONES.get(words[1], ZONES["default"])
    with DohServer(load_zone(zone)) as server:
        args = [word.replace("http://127.0.0.1:8053", server.base_url) for word in words[1:]]
        result = subprocess.run(
            [sys.executable, "-m", "checker", *args],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            env={"PYTHONIOENCODING": "utf-8", "PATH": "/usr/bin:/bin"},
        )
    assert result.returncode == code, result.stderr
    assert result.stdout == output, "checker/README.md shows another output: paste the new one"
