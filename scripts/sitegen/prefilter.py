"""Pick the few catalog entries whose patterns could hit a text, so checking every example stays linear.

Checking that each example ranks its own entry first compares every example with every entry;
with 5,000 entries that is tens of millions of regex searches. A pattern can only hit when the
literal text it requires appears, so entries are indexed by one rare trigram of that literal and
only the candidates go through ``checker.pasted.bounce.match``. Entries whose patterns have no usable
literal, and generic entries, are always candidates, so the result equals ranking the whole catalog.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

try:  # CPython's regex parser: private, so any surprise just means "no literal known".
    from re import _parser as _regex_parser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    _regex_parser = None

_MIN_LITERAL = 3


def required_literals(pattern: str) -> list[str]:
    """Lower-case ASCII literals (3+ characters) that every match of ``pattern`` must contain."""
    if _regex_parser is None:
        return []
    try:
        parsed = _regex_parser.parse(pattern, re.IGNORECASE)
    except Exception:  # an invalid pattern is reported elsewhere
        return []
    found, run = [], []
    literal = _regex_parser.LITERAL
    for op, argument in [*list(parsed), (None, None)]:
        # A space in a pattern also matches a hyphen or nothing (checker.pasted.bounce.match.lenient_pattern),
        # so a required literal never spans one.
        if op is literal and argument < 128 and argument != 32:
            run.append(chr(argument))
            continue
        candidate = "".join(run).lower().strip()  # any part of a required literal is required too
        if len(candidate) >= _MIN_LITERAL:
            found.append(candidate)
        run = []
    return found


def required_literal(pattern: str) -> str | None:
    """The longest required literal of ``pattern`` (see ``required_literals``), if any."""
    return max(required_literals(pattern), key=len, default=None)


def _trigrams(text: str) -> set[str]:
    return {text[i : i + 3] for i in range(len(text) - 2)}


@dataclass(frozen=True)
class CandidateIndex:
    """Entry ids by rare trigram; ``always`` holds entries that must always be ranked."""

    by_trigram: Mapping[str, tuple[tuple[str, str], ...]]
    always: frozenset[str]

    def candidates(self, text: str) -> set[str]:
        """Ids of the entries whose patterns might hit ``text``."""
        lowered = " ".join(text.split()).lower()
        found = set(self.always)
        for trigram in _trigrams(lowered):
            for entry_id, literal in self.by_trigram.get(trigram, ()):
                if entry_id not in found and literal in lowered:
                    found.add(entry_id)
        return found


def build_index(entries: Sequence[Mapping[str, Any]]) -> CandidateIndex:
    """Index entries (dicts shaped like ``errors/*.yml``) by their patterns' required literals."""
    pattern_literals: list[tuple[str, list[str]]] = []
    always: set[str] = set()
    for entry in entries:
        rules = entry.get("match") or {}
        if rules.get("generic"):
            always.add(entry["id"])
        for pattern in rules.get("patterns", ()):
            found = required_literals(pattern)
            if found:
                pattern_literals.append((entry["id"], found))
            else:
                always.add(entry["id"])
    counts = Counter(
        trigram for _, found in pattern_literals for literal in found for trigram in _trigrams(literal)
    )
    index: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for entry_id, found in pattern_literals:
        # Index each pattern by the rarest trigram of any of its required literals, so a word many
        # entries share ("synthetic", "rejected") never makes every entry a candidate.
        rarest, literal = min(
            ((trigram, literal) for literal in found for trigram in _trigrams(literal)),
            key=lambda pair: (counts[pair[0]], pair[0]),
        )
        index[rarest].append((entry_id, literal))
    return CandidateIndex({key: tuple(value) for key, value in index.items()}, frozenset(always))
