"""Rank catalog entries for a bounce text: the one matcher the site build and the analyzer share.

An entry's ``match`` block (see ``errors/schema.json``) holds regular expressions, required words,
codes and provider hints. A pattern hit is what identifies a cause; codes and provider only order
candidates, because one code ("550 5.7.1") is shared by many unrelated causes. Entries marked
``generic`` match on codes alone and always rank below any pattern hit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

PATTERN_HIT = 100
EXTRA_PATTERN_HIT = 10
ENHANCED_CODE_AGREES = 8
REPLY_CODE_AGREES = 4
PROVIDER_AGREES = 6
CODE_DISAGREES = -30
GENERIC_BASE = 1

_REPLY_CODE = re.compile(r"(?<![\d.])([245]\d\d)(?=[ \-]|$)")
_ENHANCED_CODE = re.compile(r"(?<![\d.])([245]\.\d{1,3}\.\d{1,3})(?![\d.]*\d)")


@dataclass(frozen=True)
class CompiledEntry:
    """One catalog entry's matching rules, compiled once."""

    entry_id: str
    title: str
    patterns: tuple[re.Pattern[str], ...]
    all_words: tuple[str, ...]
    reply_codes: frozenset[int]
    enhanced_codes: frozenset[str]
    providers: frozenset[str]
    generic: bool


@dataclass(frozen=True)
class EntryMatch:
    """A ranked candidate with the evidence that decided it, in words."""

    entry_id: str
    title: str
    score: int
    decided_by: tuple[str, ...]
    pattern_hit: bool


@dataclass(frozen=True)
class BounceCodes:
    reply_code: int | None
    enhanced_code: str | None


def compile_entry(entry: Mapping[str, Any]) -> CompiledEntry:
    """Compile one entry (a dict shaped like an ``errors/*.yml`` file or a catalog.json entry).

    Raises ``ValueError`` naming the entry and the pattern when a regular expression is invalid.
    """
    rules = entry.get("match") or {}
    entry_id = str(entry["id"])
    patterns = []
    for index, source in enumerate(rules.get("patterns", ())):
        try:
            patterns.append(re.compile(source, re.IGNORECASE))
        except re.error as exc:
            where = f"{entry_id}: match.patterns[{index}]"
            raise ValueError(f"{where}: invalid regular expression: {exc}") from exc
    reply_codes = rules.get("reply_codes") or ([entry["reply_code"]] if entry.get("reply_code") else [])
    enhanced = rules.get("enhanced_codes") or ([entry["enhanced_code"]] if entry.get("enhanced_code") else [])
    return CompiledEntry(
        entry_id=entry_id,
        title=str(entry.get("title", entry_id)),
        patterns=tuple(patterns),
        all_words=tuple(word.lower() for word in rules.get("all_words", ())),
        reply_codes=frozenset(int(code) for code in reply_codes),
        enhanced_codes=frozenset(str(code) for code in enhanced),
        providers=frozenset(rules.get("providers", ())),
        generic=bool(rules.get("generic", False)),
    )


def compile_catalog(entries: Iterable[Mapping[str, Any]]) -> tuple[CompiledEntry, ...]:
    """Compile every entry of a catalog (``catalog.json``'s ``entries`` list)."""
    return tuple(compile_entry(entry) for entry in entries)


def find_codes(text: str) -> BounceCodes:
    """The first SMTP reply code and enhanced status code that appear in a line of bounce text."""
    reply = _REPLY_CODE.search(text)
    enhanced = _ENHANCED_CODE.search(text)
    return BounceCodes(int(reply.group(1)) if reply else None, enhanced.group(1) if enhanced else None)


def score_entry(
    entry: CompiledEntry,
    text: str,
    *,
    reply_code: int | None,
    enhanced_code: str | None,
    provider: str | None,
    provider_name: str | None = None,
) -> EntryMatch | None:
    """Score one entry against normalised text; ``None`` when the entry does not apply at all.

    ``provider_name`` is how the provider is named in the explanation (its id when not given).
    """
    lowered = text.lower()
    hits = [found.group(0) for found in (p.search(text) for p in entry.patterns) if found]
    if hits and not all(word in lowered for word in entry.all_words):
        hits = []
    if not hits and not entry.generic:
        return None
    decided_by: list[str] = [f'the text says "{hit.strip()}"' for hit in hits]
    score = PATTERN_HIT + EXTRA_PATTERN_HIT * (len(hits) - 1) if hits else GENERIC_BASE
    if enhanced_code and entry.enhanced_codes:
        if enhanced_code in entry.enhanced_codes:
            score += ENHANCED_CODE_AGREES
            decided_by.append(f"enhanced status code {enhanced_code}")
        else:
            score += CODE_DISAGREES
    if reply_code and entry.reply_codes:
        if reply_code in entry.reply_codes:
            score += REPLY_CODE_AGREES
            decided_by.append(f"reply code {reply_code}")
        else:
            score += CODE_DISAGREES
    if entry.generic and not hits and not (enhanced_code and enhanced_code in entry.enhanced_codes):
        # A catch-all needs the enhanced code to agree: a bare "550" is shared by too many causes.
        return None
    if provider and provider in entry.providers:
        score += PROVIDER_AGREES
        decided_by.append(f"sent by {provider_name or provider}")
    return EntryMatch(entry.entry_id, entry.title, score, tuple(decided_by), bool(hits))


def rank_entries(
    text: str,
    catalog: Iterable[CompiledEntry],
    *,
    reply_code: int | None = None,
    enhanced_code: str | None = None,
    provider: str | None = None,
    provider_name: str | None = None,
    limit: int = 5,
) -> list[EntryMatch]:
    """Entries that fit the bounce text, best first.

    Codes not given are read from the text. Ties go to the entry with more pattern hits, then
    to the id, so the order is stable.
    """
    normalised = " ".join(text.split())
    if reply_code is None or enhanced_code is None:
        found = find_codes(normalised)
        reply_code = reply_code if reply_code is not None else found.reply_code
        enhanced_code = enhanced_code if enhanced_code is not None else found.enhanced_code
    scored = [
        match
        for entry in catalog
        if (
            match := score_entry(
                entry,
                normalised,
                reply_code=reply_code,
                enhanced_code=enhanced_code,
                provider=provider,
                provider_name=provider_name,
            )
        )
        is not None
    ]
    scored.sort(key=lambda m: (-m.score, -len(m.decided_by), m.entry_id))
    return scored[:limit]
