"""Hub pages: one per code shared by several entries, with the words that tell those entries apart."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from .markup import entry_line, front_matter, md_text, plain_text
from .model import Catalog, Entry, hub_slug

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
    """Hubs for every reply+enhanced code pair and every enhanced code shared by two or more entries."""
    pairs: dict[tuple[int, str], list[Entry]] = defaultdict(list)
    enhanced: dict[str, list[Entry]] = defaultdict(list)
    for entry in catalog.entries:
        if entry.enhanced_code:
            pairs[(entry.reply_code, entry.enhanced_code)].append(entry)
            enhanced[entry.enhanced_code].append(entry)
    found = [Hub(hub_slug(r, e), r, e, tuple(group)) for (r, e), group in pairs.items() if len(group) > 1]
    found += [
        Hub(hub_slug(None, e), None, e, tuple(group)) for e, group in enhanced.items() if len(group) > 1
    ]
    return {hub.slug: hub for hub in sorted(found, key=lambda hub: hub.slug)}


HINT_LENGTH = 90


def distinguishing_words(entry: Entry) -> str:
    """What in the bounce text tells this entry apart from others with the same code (shortened)."""
    words = _distinguishing_words(entry)
    return words if len(words) <= HINT_LENGTH else words[: HINT_LENGTH - 1].rstrip() + "…"


def _distinguishing_words(entry: Entry) -> str:
    data = entry.data
    if data.get("distinguish"):
        return str(data["distinguish"])
    senders = data.get("who_sends", ())
    for sender in sorted(senders, key=lambda sender: not sender.get("wording_exact")):
        if sender.get("wording"):
            return str(sender["wording"])
    patterns = data.get("match", {}).get("patterns", ())
    if patterns:
        return str(patterns[0]).replace("\\", "")
    return plain_text(data["summary"]).split(". ")[0]


def render_hub(hub: Hub) -> str:
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
        f"{NOT_DECISIVE}\n",
        f"Entries with {code_desc}, and the words in the bounce text that point to each one:\n",
        *(entry_line(entry, "../", hint=distinguishing_words(entry)) for entry in hub.entries),
        "\nNot sure? [Paste your bounce in the analyzer](../analyzer.md) and it will rank these for you.\n",
    ]
    return "\n".join(lines)
