"""The catalog's quality bar, as data: minimum counts, shared paragraphs, links, and quoted wording.

Pure functions over loaded entries (dicts shaped like ``errors/*.yml``); the tests and
``scripts/catalog_stats.py`` both use them, so the bar a contributor reads is the bar CI checks.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

MINIMUMS = {"causes": 3, "fix_steps": 3, "faq": 2, "sources": 2, "examples": 2}
NEW_FIELDS = ("who_acts", "first_step")
# Providers whose own pages are captured under tests/fixtures/provider-docs: their exact wording is checked.
CAPTURED_PROVIDERS = frozenset({"gmail", "yahoo", "aol", "outlook-com", "icloud"})
# How a who_sends row names one of those providers (rows for other senders cite other documents).
# Rows that also name Exchange Online quote Microsoft's NDR article, which is not captured.
_CAPTURED_NAME = re.compile(r"gmail|google|yahoo|\baol\b|outlook\.com|hotmail|icloud|apple", re.IGNORECASE)
_UNCAPTURED_NAME = re.compile(r"microsoft 365|exchange", re.IGNORECASE)
_SHORT_PARAGRAPH = 120  # shorter paragraphs (a one-line step, a code block label) may repeat
_MD_LINK = re.compile(r"\]\(([^)\s]+)")
_BARE_URL = re.compile(r"https?://[^\s)>\]`\"']+")
_QUOTES = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2011": "-", "\u00a0": " "}
)


@dataclass(frozen=True)
class Shortfall:
    """One way an entry misses the bar: which entry, which field, and what is wrong in words."""

    entry_id: str
    field: str
    reason: str  # "quality.too_few", "quality.missing_field", "quality.no_primary_source", ...
    explanation: str


def _prose(entry: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    """(field path, text) for every prose field of an entry."""
    for key in ("summary", "meaning", "confirm"):
        if isinstance(entry.get(key), str):
            yield key, entry[key]
    for index, cause in enumerate(entry.get("causes", ())):
        yield f"causes[{index}]", str(cause)
    for index, step in enumerate(entry.get("fix_steps", ())):
        yield f"fix_steps[{index}].body", str(step.get("body", ""))
    for index, item in enumerate(entry.get("faq", ())):
        yield f"faq[{index}].a", str(item.get("a", ""))
    for index, sender in enumerate(entry.get("who_sends", ())):
        if sender.get("note"):
            yield f"who_sends[{index}].note", str(sender["note"])


def _is_primary(source: Mapping[str, Any]) -> bool:
    """An RFC, or a page on a provider's or a software project's own site (not a third-party blog)."""
    return "rfc" in source or bool(source.get("url"))


def shortfalls(entry: Mapping[str, Any]) -> list[Shortfall]:
    """Every way one entry misses the minimum counts, the new fields or a primary source."""
    entry_id = str(entry.get("id"))
    found = []
    for field, minimum in MINIMUMS.items():
        count = len(entry.get(field) or ())
        if count < minimum:
            needed = f"{field} has {count}; at least {minimum} needed"
            found.append(Shortfall(entry_id, field, "quality.too_few", needed))
    for field in NEW_FIELDS:
        if not entry.get(field):
            found.append(Shortfall(entry_id, field, "quality.missing_field", f"{field} is missing"))
    if not entry.get("last_verified"):
        found.append(Shortfall(entry_id, "last_verified", "quality.missing_field", "no last_verified"))
    if not any(_is_primary(source) for source in entry.get("sources", ())):
        found.append(
            Shortfall(entry_id, "sources", "quality.no_primary_source", "no RFC or provider page cited")
        )
    return found


def paragraphs(text: str) -> list[str]:
    """Prose paragraphs of Markdown text, whitespace-normalised; code blocks are left out."""
    without_code = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    return [" ".join(part.split()) for part in re.split(r"\n\s*\n", without_code) if part.strip()]


def shared_paragraphs(entries: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    """Paragraphs (longer than a line) that appear in more than one entry, with the entries' ids."""
    where: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        for _, text in _prose(entry):
            for paragraph in paragraphs(text):
                if len(paragraph) >= _SHORT_PARAGRAPH:
                    where[paragraph.lower()].add(str(entry["id"]))
    return {paragraph: sorted(ids) for paragraph, ids in where.items() if len(ids) > 1}


def urls(entry: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, URL) for every link target in an entry: sources and links inside prose."""
    sources = enumerate(entry.get("sources", ()))
    found = [(f"sources[{i}].url", str(s["url"])) for i, s in sources if "url" in s]
    for field, text in _prose(entry):
        found.extend((field, target) for target in _MD_LINK.findall(text))
        found.extend((field, url.rstrip(".,;:")) for url in _BARE_URL.findall(text))
    return found


def bad_url(url: str) -> str | None:
    """Why a link target is not acceptable, or None: external links are https with a host."""
    if url.startswith(("#", "../", "./", "/")) or url.startswith("mailto:"):
        return None
    parts = urlsplit(url)
    if parts.scheme != "https":
        return f"{url}: external links must be https"
    if not parts.netloc or "." not in parts.netloc or " " in url:
        return f"{url}: not a well-formed URL"
    return None


def normalise_wording(text: str) -> str:
    """Text compared for exact wording: curly quotes straightened, whitespace collapsed, lower case."""
    flat = " ".join(text.translate(_QUOTES).split()).lower()
    return flat.replace("[ ", "[").replace(" ]", "]")


def unverified_exact_wordings(
    entries: Sequence[Mapping[str, Any]], captured_text: str
) -> list[tuple[str, str]]:
    """(entry id, wording) marked exact for a captured provider but not found in the captured pages.

    ``captured_text`` is every captured page joined; both sides go through ``normalise_wording``.
    A trailing " - gsmtp" or full stop is not part of the comparison.
    """
    # Captured tables put the code columns at the start of a wrapped row's middle line: drop them.
    code = r"(?:[245]\.\d{1,3}\.\d{1,3}|[A-Z]{2}-\d{3})"  # 5.7.26, or Outlook.com's RP-002
    rows = re.sub(rf"(?m)^[ \t]*(?:[245]\d\d[ \t]+{code}[ \t]+)?", "", captured_text)
    haystack = normalise_wording(rows)
    missing = []
    for entry in entries:
        if not CAPTURED_PROVIDERS & set(entry.get("providers", ())):
            continue
        for sender in entry.get("who_sends", ()):
            wording = sender.get("wording")
            name = str(sender["name"])
            if not (sender.get("wording_exact") and wording and _CAPTURED_NAME.search(name)):
                continue
            if _UNCAPTURED_NAME.search(name):
                continue
            needle = normalise_wording(wording).removesuffix("- gsmtp").strip().rstrip(".")
            if needle not in haystack:
                missing.append((str(entry["id"]), wording))
    return missing


def distinct_source_urls(entries: Iterable[Mapping[str, Any]]) -> set[str]:
    """Every distinct URL the catalog cites in sources."""
    return {str(s["url"]) for entry in entries for s in entry.get("sources", ()) if "url" in s}


_RETRY_NOTE = re.compile(r"give[s]? up|days|retr(?:y|ies|ied)", re.IGNORECASE)
_AUTH_TITLE = re.compile(r"\b(?:SPF|DKIM|DMARC)\b")


def depth_gaps(entry: Mapping[str, Any]) -> list[Shortfall]:
    """What a deliverability engineer expects on top of the minimums (issue 6, "depth").

    A temporary (4xx) entry says whether the sending server retries and when it gives up; an SPF,
    DKIM or DMARC entry shows a sample Authentication-Results header.
    """
    entry_id = str(entry.get("id"))
    text = " ".join(str(value) for _, value in _prose(entry))
    gaps = []
    if str(entry.get("reply_code", ""))[:1] == "4" and not _RETRY_NOTE.search(text):
        gaps.append(
            Shortfall(
                entry_id, "meaning", "quality.no_retry_note", "a 4xx entry must say when the sender gives up"
            )
        )
    about_auth = entry.get("category") == "authentication" and _AUTH_TITLE.search(str(entry.get("title", "")))
    if about_auth and "Authentication-Results" not in text:
        gaps.append(
            Shortfall(
                entry_id, "meaning", "quality.no_auth_results", "no sample Authentication-Results header"
            )
        )
    return gaps
