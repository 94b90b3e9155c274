"""Read one YAML file safely and remember the line of every field, so messages can point at it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import yaml

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class YamlDocument:
    """Parsed YAML data plus the 1-based line of each field path (``("fix_steps", 2, "title")``)."""

    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    duplicate_keys: tuple[tuple[Path_, int], ...] = ()

    def line_of(self, path: Path_) -> int:
        """The line of ``path``, or of its closest parent that has one (1 for the document)."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return 1


class YamlSyntaxError(ValueError):
    """The file is not valid YAML; ``line`` is 1-based."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"line {line}: {problem}")
        self.line = line
        self.problem = problem


def _plain(value: Any) -> Any:
    # YAML turns an unquoted 2026-01-31 into a date; the schema wants the text the author wrote.
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, int], duplicates: list[tuple[Path_, int]]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = (*path, key)
            if key in seen:
                duplicates.append((child, key_node.start_mark.line + 1))
            seen.add(key)
            lines[child] = key_node.start_mark.line + 1
            _walk(value_node, child, lines, duplicates)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*path, index)] = item.start_mark.line + 1
            _walk(item, (*path, index), lines, duplicates)


MAX_FILE_BYTES = 256 * 1024
"""An entry file larger than this is refused before parsing (the biggest real entry is a few kB)."""
MAX_DEPTH = 20
"""Collections nested deeper than this are refused (entries nest three or four levels)."""


class _EntryLoader(yaml.SafeLoader):
    """The safe loader, minus the two ways a small file becomes a huge or endless parse.

    Aliases (``*name``) are refused outright: entries never need them, and a "billion laughs" file of
    a few hundred bytes expands to gigabytes through them. Nesting is capped at ``MAX_DEPTH``: the
    composer recurses per level, so ``[[[[...`` would otherwise end in RecursionError.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, f"aliases (*{event.anchor}) are not allowed in entries; write the value out",
                event.start_mark,
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested deeper than {MAX_DEPTH} levels", self.peek_event().start_mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def decode_source(data: bytes) -> str:
    """``data`` as UTF-8 text; ``YamlSyntaxError`` at the line of the first byte that is not UTF-8."""
    if len(data) > MAX_FILE_BYTES:
        raise YamlSyntaxError(1, f"the file is {len(data):,} bytes; the limit is {MAX_FILE_BYTES:,}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise YamlSyntaxError(
            line, f"byte 0x{data[exc.start]:02x} (column {column}) is not UTF-8; save the file as UTF-8"
        ) from None


def parse_yaml(text: str) -> YamlDocument:
    """Parse ``text`` with the safe loader; raise ``YamlSyntaxError`` with a line number on bad YAML.

    Aliases, nesting deeper than ``MAX_DEPTH`` and text over ``MAX_FILE_BYTES`` are refused the same way.
    """
    if len(text) > MAX_FILE_BYTES:
        raise YamlSyntaxError(1, f"the file is {len(text):,} characters; the limit is {MAX_FILE_BYTES:,}")
    loader = _EntryLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except RecursionError:
        mark = loader.get_mark()
        raise YamlSyntaxError(mark.line + 1, "nested too deeply to read") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlSyntaxError(line, str(exc.problem or exc.context or "invalid YAML")) from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(1, str(exc)) from exc
    finally:
        loader.dispose()
    lines: dict[Path_, int] = {}
    duplicates: list[tuple[Path_, int]] = []
    if node is not None:
        _walk(node, (), lines, duplicates)
    return YamlDocument(_plain(data), lines, tuple(duplicates))


def format_path(path: Path_) -> str:
    """``("fix_steps", 2, "title")`` -> ``fix_steps[2].title``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"
