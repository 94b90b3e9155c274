"""Hub pages: one per code shared by several entries, with the words that tell those entries apart."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from .markup import entry_line, front_matter, md_text
from .model import Catalog, Entry, entry_codes, entry_pairs, hub_slug

NOT_DECISIVE = (
    "**The number alone does not identify the cause.** Several unrelated problems are reported with "
    "this same code, so read the words after the code in your bounce and compare them with the list below."
)


@dataclass(frozen=True)
class Hub:
    """Entries sharing a code: ``reply_code`` is ``None`` for an enhanced-code-only hub."""

    slug: str
    reply_code: int | None
    enhanced_code: str
    entries: tuple[Entry, ...]

    @property
    def label(self) -> str:
        return (
            f"{self.reply_code} {self.enhanced_code}" if self.reply_code is not None else self.enhanced_code
        )


def hubs(catalog: Catalog) -> dict[str, Hub]:
    """Hubs for every reply+enhanced pair and every enhanced code that two or more entries cover.

    An entry covers its own codes and the ones in ``match`` (the relay-denied entry is filed as
    554 5.7.1 but Exchange sends 550 5.7.1), so it is listed on the hub of each. Within a hub the
    entries filed under that code come first, then the ones that declare it in ``match``, then
    the generic catch-alls.
    """
    pairs: dict[tuple[int, str], list[Entry]] = defaultdict(list)
    enhanced: dict[str, list[Entry]] = defaultdict(list)
    for entry in catalog.entries:
        for pair in entry_pairs(entry):
            pairs[pair].append(entry)
        for code in entry_codes(entry)[1]:
            enhanced[code].append(entry)
    found = [
        Hub(hub_slug(r, e), r, e, _ordered(group, r, e)) for (r, e), group in pairs.items() if len(group) > 1
    ]
    found += [
        Hub(hub_slug(None, e), None, e, _ordered(group, None, e))
        for e, group in enhanced.items()
        if len(group) > 1
    ]
    return {hub.slug: hub for hub in sorted(found, key=lambda hub: hub.slug)}


def _ordered(group: list[Entry], reply_code: int | None, enhanced_code: str) -> tuple[Entry, ...]:
    def rank(entry: Entry) -> tuple[int, str]:
        if entry.data.get("match", {}).get("generic"):
            return 3, entry.entry_id
        if entry.enhanced_code != enhanced_code:
            return 2, entry.entry_id
        return (0 if reply_code in (None, entry.reply_code) else 1), entry.entry_id

    return tuple(sorted(group, key=rank))


def entry_hub_slugs(entry: Entry, existing: Collection[str]) -> list[str]:
    """The hubs listing ``entry``, among the slugs in ``existing``: its own codes first."""
    own = [hub_slug(entry.reply_code, entry.enhanced_code)] if entry.enhanced_code else []
    own += [entry.enhanced_code] if entry.enhanced_code else []
    # Then the pairs its own examples show (Exchange's 550 5.7.1 for a 554 5.7.1 entry), then the rest.
    seen = {
        (int(reply), enhanced)
        for example in entry.data.get("examples", ())
        for reply, enhanced in _EXAMPLE_CODES.findall(example)
    }
    pairs = sorted(
        entry_pairs(entry), key=lambda pair: (pair not in seen, pair[1] != entry.enhanced_code, pair)
    )
    others = [hub_slug(r, e) for r, e in pairs] + sorted(entry_codes(entry)[1])
    slugs: list[str] = []
    for slug in [*own, *others]:
        if slug in existing and slug not in slugs:
            slugs.append(slug)
    return slugs


def distinguishing_words(entry: Entry) -> str:
    """What in the bounce text tells this entry apart from others with the same code."""
    return entry.distinguish


_EXAMPLE_CODES = re.compile(r"\b([245][0-9]{2})[ -]([245]\.[0-9]{1,3}\.[0-9]{1,3})\b")
GENERIC_NOTE = "(the catch-all: choose it only when none of the other causes fits)"


def render_hub(hub: Hub, provider_names: Mapping[str, str] | None = None) -> str:
    """A ``/codes/<code>/`` page: every entry with the code and the words that tell them apart."""
    title = f"SMTP {hub.label}: {len(hub.entries)} possible causes"
    code_desc = f"enhanced status code {hub.enhanced_code}"
    if hub.reply_code is not None:
        code_desc = f"reply code {hub.reply_code} with {code_desc}"
    lines = [
        front_matter(
            title=title,
            description=f"The different causes behind SMTP {hub.label}, and how to tell them apart.",
            search={"exclude": True},
        ),
        f"# {md_text(title)}\n",
        "**Fastest way:** [paste your bounce in the analyzer](../analyzer.md): it reads the words after "
        "the code and the server that sent it, and ranks these causes for you.\n",
        f"{NOT_DECISIVE}\n",
        f"Entries that use {code_desc}, grouped by the provider that sends them, and how to tell each "
        "one apart by the words in the bounce. An entry filed under another code is listed when servers "
        "also send it with this one.\n",
    ]
    for heading, group in _by_provider(hub.entries, provider_names or {}):
        lines.append(f"\n## {md_text(heading)}\n")
        lines.extend(
            entry_line(
                entry,
                "../",
                hint=entry.distinguish
                + (f" {GENERIC_NOTE}" if entry.data.get("match", {}).get("generic") else ""),
            )
            for entry in group
        )
    return "\n".join(lines) + "\n"


ANY_HEADING = "Any mail server"


def _by_provider(
    entries: tuple[Entry, ...], provider_names: Mapping[str, str]
) -> list[tuple[str, list[Entry]]]:
    """Entries grouped under their first provider's name; providers A-Z, "any mail server" last."""
    groups: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        first = str((entry.data.get("providers") or ["any"])[0])
        name = ANY_HEADING if first == "any" else provider_names.get(first, first)
        groups[name].append(entry)
    return sorted(groups.items(), key=lambda item: (item[0] == ANY_HEADING, item[0].lower()))
