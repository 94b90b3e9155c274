"""Load ``errors/*.yml`` into a ``Catalog`` and explain every problem as ``file:line: field: what``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

from checker.pasted.bounce.match import compile_entry, rank_entries
from checker.pasted.bounce.provider import provider_of_line

from .model import Catalog, Entry, Provider
from .prefilter import build_index
from .regexcheck import regex_risk
from .schema_messages import schema_message
from .yamlsource import YamlDocument, YamlSyntaxError, decode_source, format_path, parse_yaml

SCHEMA_FILE = "schema.json"
PROVIDERS_FILE = "_providers.yml"
FEATURED_FILE = "_featured.yml"
_TODO = re.compile(r"\bTODO\b")
# Codes of class 4 that a bounce reports only when the sender has given up: the failure is final.
# X.4.7 "delivery time expired" (RFC 3463 3.5) is the one every MTA sends that way.
FINAL_DESPITE_CLASS_4 = frozenset({"4.4.7"})
_HOST = re.compile(r"\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}\b", re.IGNORECASE)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the data, located precisely enough to fix without searching."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class CatalogError(ValueError):
    """The entries are invalid; ``problems`` lists every one of them."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(str(problem) for problem in self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the error entries:\n{lines}")


@lru_cache(maxsize=4)
def _validator(schema_text: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(schema_text), format_checker=jsonschema.FormatChecker())


def _providers(errors_dir: Path, problems: list[Problem]) -> dict[str, Provider]:
    source = errors_dir / PROVIDERS_FILE
    shown = f"{errors_dir.name}/{PROVIDERS_FILE}"
    try:
        document = parse_yaml(decode_source(source.read_bytes()))
    except OSError as exc:
        problems.append(Problem(shown, 1, "(file)", f"cannot read: {exc.strerror}"))
        return {}
    except YamlSyntaxError as exc:
        problems.append(Problem(shown, exc.line, "(YAML)", exc.problem))
        return {}
    providers: dict[str, Provider] = {}
    for provider_id, row in (document.data or {}).items():
        line = document.line_of((provider_id,))
        if not isinstance(row, dict) or not isinstance(row.get("name"), str):
            problems.append(Problem(shown, line, provider_id, "expected {name: text, hosts: [regex, ...]}"))
            continue
        hosts = tuple(str(host) for host in row.get("hosts") or ())
        for index, host in enumerate(hosts):
            try:
                re.compile(host)
            except re.error as exc:
                problems.append(
                    Problem(shown, line, f"{provider_id}.hosts[{index}]", f"invalid regex: {exc}")
                )
                continue
            risk = regex_risk(host)
            if risk:
                problems.append(Problem(shown, line, f"{provider_id}.hosts[{index}]", risk))
        providers[provider_id] = Provider(provider_id, row["name"], hosts)
    return providers


def _featured(errors_dir: Path, entry_ids: Iterable[str], problems: list[Problem]) -> tuple[str, ...]:
    """The ids listed under ``featured:`` in ``_featured.yml`` (none when the file is absent)."""
    source = errors_dir / FEATURED_FILE
    shown = f"{errors_dir.name}/{FEATURED_FILE}"
    if not source.is_file():
        return ()
    try:
        document = parse_yaml(decode_source(source.read_bytes()))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(shown, 1, "(file)", f"cannot read: {exc}"))
        return ()
    except YamlSyntaxError as exc:
        problems.append(Problem(shown, exc.line, "(YAML)", exc.problem))
        return ()
    listed = document.data.get("featured") if isinstance(document.data, dict) else None
    if not isinstance(listed, list):
        problems.append(Problem(shown, 1, "featured", "expected featured: followed by a list of entry ids"))
        return ()
    known = set(entry_ids)
    featured: list[str] = []
    for index, entry_id in enumerate(listed):
        path = ("featured", index)
        if entry_id not in known:
            problems.append(
                Problem(
                    shown,
                    document.line_of(path),
                    format_path(path),
                    f'no valid entry "{entry_id}" (expected errors/{entry_id}.yml); fix the id or remove it',
                )
            )
        elif entry_id in featured:
            problems.append(Problem(shown, document.line_of(path), format_path(path), "listed twice"))
        else:
            featured.append(entry_id)
    return tuple(featured)


def guess_provider(text: str, providers: Mapping[str, Provider]) -> str | None:
    """The provider behind an example line, read exactly as the analyzer reads a pasted line."""
    table = {pid: {"name": p.name, "hosts": list(p.hosts)} for pid, p in providers.items()}
    return provider_of_line(text, table)


def _todo_problems(
    shown: str, document: YamlDocument, value: Any, path: tuple[str | int, ...]
) -> list[Problem]:
    if isinstance(value, str):
        if _TODO.search(value):
            return [
                Problem(shown, document.line_of(path), format_path(path), "still a TODO; write the real text")
            ]
        return []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    return [problem for key, item in items for problem in _todo_problems(shown, document, item, (*path, key))]


def _entry_problems(shown: str, stem: str, document: YamlDocument, schema_text: str) -> list[Problem]:
    problems = [
        Problem(shown, line, format_path(path), "appears twice; keep one")
        for path, line in document.duplicate_keys
    ]
    if not isinstance(document.data, dict):
        return [*problems, Problem(shown, 1, "(top level)", "expected a mapping of field: value")]
    errors = sorted(_validator(schema_text).iter_errors(document.data), key=lambda e: list(map(str, e.path)))
    for error in errors:
        for path, message in schema_message(error):
            problems.append(Problem(shown, document.line_of(path), format_path(path), message))
    problems.extend(_todo_problems(shown, document, document.data, ()))
    data = document.data
    if isinstance(data.get("id"), str) and data["id"] != stem:
        problems.append(
            Problem(
                shown,
                document.line_of(("id",)),
                "id",
                f'"{data["id"]}" differs from the file name "{stem}.yml"; make them the same',
            )
        )
    reply, enhanced = data.get("reply_code"), data.get("enhanced_code")
    if isinstance(reply, int) and isinstance(enhanced, str) and enhanced[:1] != str(reply)[:1]:
        problems.append(
            Problem(
                shown,
                document.line_of(("enhanced_code",)),
                "enhanced_code",
                f"class {enhanced[:1]} does not agree with reply code {reply}",
            )
        )
    final_despite_class = enhanced in FINAL_DESPITE_CLASS_4 and data.get("permanent") is True
    if (
        isinstance(reply, int)
        and isinstance(data.get("permanent"), bool)
        and data["permanent"] != (reply >= 500)
        and not final_despite_class
    ):
        expected = "true (5xx: do not retry)" if reply >= 500 else "false (4xx: retry later)"
        problems.append(
            Problem(
                shown,
                document.line_of(("permanent",)),
                "permanent",
                f"should be {expected} for reply code {reply}",
            )
        )
    return problems


def _cross_problems(
    loaded: list[tuple[str, YamlDocument]], providers: Mapping[str, Provider], file_ids: set[str]
) -> list[Problem]:
    problems: list[Problem] = []
    ids: dict[str, str] = {}
    for shown, document in loaded:
        entry_id = document.data["id"]
        if entry_id in ids:
            problems.append(
                Problem(
                    shown, document.line_of(("id",)), "id", f'"{entry_id}" is already used by {ids[entry_id]}'
                )
            )
        ids.setdefault(entry_id, shown)
    for shown, document in loaded:
        data = document.data
        for index, related in enumerate(data.get("related", ())):
            path = ("related", index)
            if related not in ids and related not in file_ids:  # an invalid file is reported on its own
                problems.append(
                    Problem(
                        shown,
                        document.line_of(path),
                        format_path(path),
                        f'no entry "{related}" (expected errors/{related}.yml)',
                    )
                )
            elif related == data["id"]:
                problems.append(Problem(shown, document.line_of(path), format_path(path), "links to itself"))
        for field_path in (("providers",), ("match", "providers")):
            values = (
                data.get(field_path[0], {})
                if len(field_path) == 1
                else data.get("match", {}).get("providers")
            )
            for index, provider_id in enumerate(values or ()):
                if provider_id not in providers:
                    path = (*field_path, index)
                    problems.append(
                        Problem(
                            shown,
                            document.line_of(path),
                            format_path(path),
                            f'unknown provider "{provider_id}"; add it to errors/_providers.yml '
                            f"or use one of: {', '.join(sorted(providers))}",
                        )
                    )
        for index, pattern in enumerate(data.get("match", {}).get("patterns", ())):
            path = ("match", "patterns", index)
            try:
                re.compile(pattern, re.IGNORECASE)
            except re.error as exc:
                problems.append(
                    Problem(
                        shown, document.line_of(path), format_path(path), f"invalid regular expression: {exc}"
                    )
                )
                continue
            risk = regex_risk(pattern, re.IGNORECASE)
            if risk:
                problems.append(Problem(shown, document.line_of(path), format_path(path), risk))
    return problems


def _example_problems(
    loaded: list[tuple[str, YamlDocument]], providers: Mapping[str, Provider]
) -> list[Problem]:
    """Every example must rank its own entry first, exactly as the analyzer would rank it."""
    compiled = {}
    for _, document in loaded:
        try:
            compiled[document.data["id"]] = compile_entry(document.data)
        except ValueError:  # an invalid pattern is already reported by _cross_problems
            continue
        patterns = document.data.get("match", {}).get("patterns", ())
        if any(regex_risk(str(pattern), re.IGNORECASE) for pattern in patterns):
            del compiled[document.data["id"]]  # reported by _cross_problems; never run it on examples
    loaded = [(shown, document) for shown, document in loaded if document.data["id"] in compiled]
    datas = [document.data for _, document in loaded]
    index = build_index(datas)
    problems: list[Problem] = []
    for shown, document in loaded:
        own = document.data["id"]
        for number, example in enumerate(document.data.get("examples", ())):
            provider = guess_provider(example, providers)
            candidates = [compiled[entry_id] for entry_id in sorted(index.candidates(example) | {own})]
            ranked = rank_entries(example, candidates, provider=provider, limit=1)
            if ranked and ranked[0].entry_id == own:
                continue
            alone = rank_entries(example, [compiled[own]], provider=provider)
            if not alone:
                why = "does not match this entry's own match rules (patterns, all_words, codes)"
            else:
                why = (
                    f'ranks "{ranked[0].entry_id}" first (score {ranked[0].score} against '
                    f"{alone[0].score}); make match.patterns more specific"
                )
            path = ("examples", number)
            problems.append(Problem(shown, document.line_of(path), format_path(path), why))
    return problems


MAX_FIELD_CHARS = 20_000
"""A prose field longer than this (20 kB) is refused: a whole entry page is rarely half of it."""


def _size_problems(shown: str, document: YamlDocument) -> list[Problem]:
    """Every text field longer than ``MAX_FIELD_CHARS``, at its line."""
    problems: list[Problem] = []
    pending: list[tuple[tuple[str | int, ...], Any]] = [((), document.data)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str) and len(value) > MAX_FIELD_CHARS:
            problems.append(
                Problem(
                    shown,
                    document.line_of(path),
                    format_path(path),
                    f"is {len(value):,} characters long; the limit is {MAX_FIELD_CHARS:,}",
                )
            )
        elif isinstance(value, dict):
            pending.extend(((*path, key), item) for key, item in value.items())
        elif isinstance(value, list):
            pending.extend(((*path, index), item) for index, item in enumerate(value))
    return problems


def check_file(source: Path, *, schema_text: str, shown: str) -> tuple[YamlDocument | None, list[Problem]]:
    """Check one entry file on its own (YAML, schema, TODOs, id, codes); document is None if unreadable."""
    try:
        document = parse_yaml(decode_source(source.read_bytes()))
    except YamlSyntaxError as exc:
        return None, [Problem(shown, exc.line, "(YAML)", f"{exc.problem}; check indentation and quotes")]
    except OSError as exc:
        return None, [Problem(shown, 1, "(file)", f"cannot read: {exc.strerror}")]
    problems = _size_problems(shown, document) + _entry_problems(shown, source.stem, document, schema_text)
    return document, sorted(problems, key=lambda problem: problem.line)


def check_entries(errors_dir: Path) -> tuple[Catalog, tuple[Problem, ...]]:
    """Read and check every entry; return what loaded plus every problem found (empty when valid).

    Entries with problems of their own are left out of the catalog and of the cross-entry checks,
    so one broken file does not produce a cascade of messages about the others.
    """
    errors_dir = Path(errors_dir)
    problems: list[Problem] = []
    schema_text = (errors_dir / SCHEMA_FILE).read_text(encoding="utf-8")
    providers = _providers(errors_dir, problems)
    loaded: list[tuple[str, YamlDocument]] = []
    file_ids: set[str] = set()
    for source in sorted(errors_dir.iterdir()):
        shown = f"{errors_dir.name}/{source.name}"
        if source.suffix == ".yaml":
            problems.append(Problem(shown, 1, "(file)", "rename to .yml; only .yml files are read"))
        if source.suffix != ".yml" or source.name.startswith("_"):
            continue
        file_ids.add(source.stem)
        document, file_problems = check_file(source, schema_text=schema_text, shown=shown)
        problems.extend(file_problems)
        if document is not None and not file_problems:
            loaded.append((shown, document))
    problems.extend(_cross_problems(loaded, providers, file_ids))
    problems.extend(_example_problems(loaded, providers))
    entries = tuple(
        Entry(document.data["id"], shown, document.data)
        for shown, document in sorted(loaded, key=lambda item: item[1].data["id"])
    )
    featured = _featured(errors_dir, (entry.entry_id for entry in entries), problems)
    return Catalog(entries, providers, featured), tuple(dict.fromkeys(problems))  # each problem once


def load_entries(errors_dir: Path) -> Catalog:
    """The validated catalog; raises ``CatalogError`` listing every problem when anything is wrong."""
    catalog, problems = check_entries(errors_dir)
    if problems:
        raise CatalogError(problems)
    return catalog
