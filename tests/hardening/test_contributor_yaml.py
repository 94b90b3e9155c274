"""Issue 9, contributor YAML: alias bombs, depth and size limits, bad bytes, raw HTML in prose, and
regular expressions that backtrack catastrophically; every problem reported as file:line: field."""

from __future__ import annotations

import re
import shutil
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from site_helpers import FIXTURES, make_errors_dir

from scripts.sitegen import load_entries, render_entry
from scripts.sitegen.markup import MarkdownRenderer, safe_url
from scripts.sitegen.regexcheck import regex_risk
from scripts.sitegen.validation import MAX_FIELD_CHARS, check_entries
from scripts.sitegen.yamlsource import MAX_DEPTH, MAX_FILE_BYTES, YamlSyntaxError, decode_source, parse_yaml

FIXTURE = sorted(FIXTURES.glob("*.yml"))[0]


def _errors_dir(tmp_path: Path, name: str, text: str | bytes) -> Path:
    errors = make_errors_dir(tmp_path / "project", [FIXTURE])
    target = errors / name
    if isinstance(text, bytes):
        target.write_bytes(text)
    else:
        target.write_text(text, encoding="utf-8")
    return errors


def _problems(errors: Path, name: str) -> list[str]:
    _, problems = check_entries(errors)
    return [str(problem) for problem in problems if name in str(problem)]


# -- YAML loading ----------------------------------------------------------------------------------------
def test_alias_bomb_is_refused_quickly_with_a_line() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(9)
    )
    start = time.process_time()
    with pytest.raises(YamlSyntaxError) as refused:
        parse_yaml(bomb)
    assert time.process_time() - start < 0.5
    assert refused.value.line == 2 and "aliases" in refused.value.problem


def test_any_alias_is_refused() -> None:
    with pytest.raises(YamlSyntaxError, match="aliases"):
        parse_yaml("title: &t hello\nsummary: *t\n")


def test_deep_nesting_is_refused_without_recursion_error() -> None:
    for text in ("[" * 5000 + "]" * 5000, "a:\n" + "".join(" " * i + "- \n" for i in range(1, 200))):
        with pytest.raises(YamlSyntaxError) as refused:
            parse_yaml(text)
        assert "nested" in refused.value.problem or refused.value.line >= 1
    parse_yaml("a: " + "[" * (MAX_DEPTH - 2) + "]" * (MAX_DEPTH - 2))


def test_file_size_cap() -> None:
    with pytest.raises(YamlSyntaxError, match="limit"):
        decode_source(b"a: b\n" * (MAX_FILE_BYTES // 5 + 1))


def test_non_utf8_byte_is_reported_at_its_line(tmp_path: Path) -> None:
    source = FIXTURE.read_bytes().split(b"\n")
    source[6] = source[6] + b" \xff\xfe"
    errors = _errors_dir(tmp_path, "zz-bad-bytes.yml", b"\n".join(source))
    problems = _problems(errors, "zz-bad-bytes.yml")
    assert problems and problems[0].startswith(f"{errors.name}/zz-bad-bytes.yml:7:") and "0xff" in problems[0]


def test_recursion_and_depth_become_file_line_messages(tmp_path: Path) -> None:
    errors = _errors_dir(tmp_path, "zz-deep.yml", "id: x\nsummary: " + "[" * 3000 + "]" * 3000 + "\n")
    problems = _problems(errors, "zz-deep.yml")
    assert problems and re.match(rf"{errors.name}/zz-deep\.yml:2: ", problems[0]), problems


def test_a_prose_field_over_the_size_cap_is_reported_at_its_line(tmp_path: Path) -> None:
    data = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    data["meaning"] = "word " * (MAX_FIELD_CHARS // 5 + 10)
    name = FIXTURE.name
    errors = _errors_dir(tmp_path, name, yaml.safe_dump(data, sort_keys=False, width=10**9))
    problems = _problems(errors, name)
    assert any(": meaning: is " in p and "limit is 20,000" in p for p in problems), problems


# -- raw HTML and link targets in prose --------------------------------------------------------------------
HOSTILE = {
    "script": "<script>alert(1)</script>",
    "onerror": '<img src=x onerror="alert(2)">',
    "javascript": "[click](javascript:alert(3))",
    "data": "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCg0KTwvc2NyaXB0Pg==)",
}


class _LiveMarkup(HTMLParser):
    """Collects what a browser would act on: script/img/iframe tags, on* handlers, unsafe link targets."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "img", "iframe", "object", "embed", "style", "div"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            if name in ("href", "src") and value and not safe_url(value):
                self.found.append(f"{tag} {name}={value}")


def live_markup(html: str) -> list[str]:
    parser = _LiveMarkup()
    parser.feed(html)
    return parser.found


def test_safe_url() -> None:
    for good in ("https://example.com/x", "mailto:a@b.example", "../other/", "#faq", "/errors/x/"):
        assert safe_url(good), good
    for bad in ("javascript:alert(1)", "JaVaScRiPt:x", "java\tscript:x", " data:text/html,x", "vbscript:x",
                "http://plain.example", "javascript&#58;x"):
        assert not safe_url(bad), bad


def test_markdown_renders_raw_html_as_text() -> None:
    render = MarkdownRenderer()
    for text in HOSTILE.values():
        html = render.block(f"Before {text} after\n\n<div onclick=x>block</div>")
        assert live_markup(html) == [], html


def test_hostile_prose_in_every_field_is_inert_in_the_built_page(tmp_path: Path) -> None:
    data = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    payload = " ".join(HOSTILE.values())
    data["title"] = data["title"] + " " + HOSTILE["script"]
    for field in ("summary", "meaning", "confirm"):
        data[field] = f"{data[field]}\n\n{payload}"
    data["causes"] = [f"{cause} {payload}" for cause in data["causes"]]
    for sender in data["who_sends"]:
        sender["note"] = f"{sender.get('note') or 'Notes.'} {payload}"
    for step in data["fix_steps"]:
        step["title"] = f"{step['title']} {HOSTILE['onerror']}"
        step["body"] = f"{step['body']}\n\n{payload}"
    for item in data.get("faq") or []:
        item["q"] = f"{item['q']} {HOSTILE['javascript']}"
        item["a"] = f"{item['a']}\n\n{payload}"
    errors = make_errors_dir(tmp_path / "project", [])
    shutil.copy2(FIXTURE, errors / FIXTURE.name)
    dumped = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    (errors / FIXTURE.name).write_text(dumped, encoding="utf-8")
    catalog = load_entries(errors)
    entries = catalog.by_id()
    body = render_entry(entries[data["id"]], entries=entries, providers=catalog.providers)
    assert [m for m in live_markup(body) if m != "<div>"] == []
    assert "&lt;script&gt;" in body  # shown as text


# -- contributor regular expressions ----------------------------------------------------------------------
@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(?:\w*\s?)*x", r"(\d+)*$", r"(x|x)*y", r"(.*a){20}"])
def test_catastrophic_patterns_are_refused(pattern: str) -> None:
    start = time.process_time()
    assert regex_risk(pattern, re.IGNORECASE)
    assert time.process_time() - start < 3.0


@pytest.mark.parametrize(
    "pattern", [r"relay (?:access )?denied", r"\bmailbox\b.*\bfull\b", r"5\.7\.\d+ .{0,40}spam"]
)
def test_ordinary_patterns_pass(pattern: str) -> None:
    assert regex_risk(pattern, re.IGNORECASE) is None


def test_a_catastrophic_pattern_in_an_entry_is_file_line_field(tmp_path: Path) -> None:
    data = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    data["match"]["patterns"] = [*data["match"].get("patterns", ()), r"(\w+\s?)+$"]
    name = FIXTURE.name
    errors = _errors_dir(tmp_path, name, yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    index = len(data["match"]["patterns"]) - 1
    problems = _problems(errors, name)
    expected = f": match.patterns[{index}]: the pattern can backtrack catastrophically"
    assert any(expected in p for p in problems), problems
