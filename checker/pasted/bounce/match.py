"""Rank catalog entries for a bounce text: the one matcher the site build and the analyzer share.

An entry's ``match`` block (see ``errors/schema.json``) holds regular expressions, required words,
codes and provider hints. A pattern hit is what identifies a cause; codes and provider only order
candidates, because one code ("550 5.7.1") is shared by many unrelated causes. Entries marked
``generic`` match on codes alone and always rank below any pattern hit.

Real bounce text varies in ways an entry's author cannot foresee, so the matcher reads it leniently:
a space in a pattern also matches a hyphen, an underscore or nothing (``over quota`` finds
"overquota" and "over-quota", ``RFC 5321`` finds "RFC-5321"); multi-line replies are read without
their repeated code prefixes; a follow-up reply after the first failure ("503 need RCPT command")
is not read as the cause; and an entry written for one provider ranks far below an entry for any
provider when the bounce clearly comes from another provider.
"""

from __future__ import annotations

import contextlib
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
PROVIDER_DISAGREES = -100  # below a code-only catch-all: the wrong provider's page misleads
GENERIC_BASE = 1

# Provider ids that run one mail system: a bounce from one may be answered by an entry of another.
PROVIDER_FAMILIES: tuple[frozenset[str], ...] = (
    frozenset({"microsoft-365", "outlook-com", "exchange-server"}),
    frozenset({"yahoo", "aol"}),
)
# Ids that a bounce cites (a blocklist) rather than a mail system that sends bounces.
CITED_PROVIDERS = frozenset({"spamhaus"})
ANY_PROVIDER = "any"

_REPLY_CODE = re.compile(r"(?<![\d.])([245]\d\d)(?=[ \-]|$)")
_ENHANCED_CODE = re.compile(r"(?<![\d.])([245]\.\d{1,3}\.\d{1,3})(?![\d.]*\d)")
_REPLY_START = re.compile(r"(?<![\w.])([245]\d\d)([- ])((?:[245]\.\d{1,3}\.\d{1,3})?)(?![\w.])")
# Replies that follow a failure rather than cause it: Postfix's "503 5.5.1 Error: need RCPT command"
# after every RCPT was refused, and "554 5.5.1 Error: no valid recipients".
_FOLLOW_UP = re.compile(r"(?<![\w.])(?:503[- ](?:5\.5\.[01] )?|554[- ]5\.5\.1 )", re.IGNORECASE)
_LENIENT_GAP = r"[\s_-]*"


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
    entry_providers: frozenset[str] = frozenset()
    who_acts: str | None = None
    first_step: str | None = None


@dataclass(frozen=True)
class EntryMatch:
    """A ranked candidate with the evidence that decided it, in words."""

    entry_id: str
    title: str
    score: int
    decided_by: tuple[str, ...]
    pattern_hit: bool
    who_acts: str | None = None
    first_step: str | None = None


@dataclass(frozen=True)
class BounceCodes:
    reply_code: int | None
    enhanced_code: str | None


def lenient_pattern(source: str) -> str:
    """``source`` with each plain space widened to match a hyphen, an underscore or nothing as well.

    Only literal spaces outside character classes and not followed by a quantifier are widened, so
    an author's ``\\s+``, ``[ -]`` or `` ?`` keep their meaning.
    """
    out: list[str] = []
    index, length = 0, len(source)
    while index < length:
        char = source[index]
        if char == "\\":
            out.append(source[index : index + 2])
            index += 2
            continue
        if char == "[":
            # A class runs to the first "]" that is not its first member ("[]a]" and "[^]a]").
            end = index + 1
            end += source[end : end + 1] == "^"
            end += source[end : end + 1] == "]"
            while end < length and source[end] != "]":
                end += 2 if source[end] == "\\" else 1
            out.append(source[index : end + 1])
            index = end + 1
            continue
        if char == " " and source[index + 1 : index + 2] not in ("*", "+", "?", "{"):
            out.append(_LENIENT_GAP)
        else:
            out.append(char)
        index += 1
    return "".join(out)


def normalise_text(text: str) -> str:
    """Bounce text as the patterns see it: one line, multi-line prefixes and follow-up replies removed."""
    flat = " ".join(text.split())
    first = _REPLY_START.search(flat)
    if first is None:
        return flat
    follow_up = _FOLLOW_UP.search(flat, first.end())
    if follow_up is not None and not flat[first.start() :].startswith(follow_up.group(0)):
        flat = flat[: follow_up.start()].rstrip()
    code, enhanced = first.group(1), first.group(3)
    repeat = re.compile(
        r"(?<![\w.])" + code + r"[- ]" + (re.escape(enhanced) + r"(?![\w.])" if enhanced else "") + r"[ \t]?"
    )
    rest = flat[first.end() :]
    if not repeat.search(rest):
        return flat
    head = flat[: first.start()] + code + " " + enhanced
    return " ".join((head + repeat.sub(" ", rest)).split())


def compile_entry(entry: Mapping[str, Any]) -> CompiledEntry:
    """Compile one entry (a dict shaped like an ``errors/*.yml`` file or a catalog.json entry).

    Raises ``ValueError`` naming the entry and the pattern when a regular expression is invalid.
    """
    rules = entry.get("match") or {}
    entry_id = str(entry["id"])
    patterns = []
    for index, source in enumerate(rules.get("patterns", ())):
        try:
            compiled = re.compile(source, re.IGNORECASE)
        except re.error as exc:
            where = f"{entry_id}: match.patterns[{index}]"
            raise ValueError(f"{where}: invalid regular expression: {exc}") from exc
        # A look-behind must keep its fixed width: such a pattern is used as written.
        with contextlib.suppress(re.error):
            compiled = re.compile(lenient_pattern(source), re.IGNORECASE)
        patterns.append(compiled)
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
        entry_providers=frozenset(str(p) for p in entry.get("providers", ()) or ()),
        who_acts=str(entry["who_acts"]) if entry.get("who_acts") else None,
        first_step=str(entry["first_step"]) if entry.get("first_step") else None,
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
    elif provider_disagrees(entry, provider):
        score += PROVIDER_DISAGREES

    return EntryMatch(
        entry.entry_id,
        entry.title,
        score,
        tuple(decided_by),
        bool(hits),
        who_acts=entry.who_acts,
        first_step=entry.first_step,
    )


def provider_disagrees(entry: CompiledEntry, provider: str | None) -> bool:
    """True when the bounce comes from a mail provider this entry is not written for.

    Entries for any provider, bounces whose provider is unknown or only cited (a blocklist), and
    providers of one family (Microsoft 365 and Outlook.com) never disagree.
    """
    if not provider or provider in CITED_PROVIDERS:
        return False
    own = (entry.entry_providers or entry.providers) - CITED_PROVIDERS
    if not own or ANY_PROVIDER in own or provider in own or provider in entry.providers:
        return False
    family = next((members for members in PROVIDER_FAMILIES if provider in members), frozenset({provider}))
    return not (own & family)


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
    normalised = normalise_text(text)
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
