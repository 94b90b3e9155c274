"""The catalog as the site sees it: validated entries, providers, and the fixed vocabularies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

# RFC 3463 section 3 ("subject" sub-codes) and section 2 (classes).
STATUS_SUBJECTS: Mapping[str, str] = MappingProxyType(
    {
        "0": "Other or undefined status",
        "1": "Addressing status",
        "2": "Mailbox status",
        "3": "Mail system status",
        "4": "Network and routing status",
        "5": "Mail delivery protocol status",
        "6": "Message content or media status",
        "7": "Security or policy status",
    }
)
STATUS_CLASSES: Mapping[str, str] = MappingProxyType(
    {"2": "Success", "4": "Persistent transient failure", "5": "Permanent failure"}
)
CATEGORY_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "authentication": "Authentication (SPF, DKIM, DMARC)",
        "reputation": "Sender reputation and blocklists",
        "relay-access": "Relaying and access denied",
        "mailbox": "Mailbox problems",
        "content-policy": "Content and policy filters",
        "tls": "TLS and encryption",
        "transient": "Temporary problems",
        "addressing": "Addressing",
        "routing": "Routing and DNS",
        "protocol": "SMTP protocol",
    }
)


@dataclass(frozen=True)
class Provider:
    """One row of ``errors/_providers.yml``."""

    provider_id: str
    name: str
    hosts: tuple[str, ...]


@dataclass(frozen=True)
class Entry:
    """One validated ``errors/<id>.yml``; ``data`` is the YAML content as plain JSON-like values."""

    entry_id: str
    source_name: str
    data: Mapping[str, Any]

    @property
    def reply_code(self) -> int:
        return int(self.data["reply_code"])

    @property
    def enhanced_code(self) -> str | None:
        return self.data.get("enhanced_code")

    @property
    def title(self) -> str:
        return str(self.data["title"])

    @property
    def distinguish(self) -> str:
        """How to tell this entry apart from others with the same code (plain words, required)."""
        return str(self.data["distinguish"])

    @property
    def codes_text(self) -> str:
        """The codes as they appear in a bounce, e.g. ``550 5.7.1``."""
        return f"{self.reply_code} {self.enhanced_code}" if self.enhanced_code else str(self.reply_code)


@dataclass(frozen=True)
class Catalog:
    """Every entry (sorted by id), the provider table and the home page's featured entry ids."""

    entries: tuple[Entry, ...]
    providers: Mapping[str, Provider]
    featured: tuple[str, ...] = ()

    def by_id(self) -> Mapping[str, Entry]:
        """Entries keyed by id."""
        return {entry.entry_id: entry for entry in self.entries}


def entry_url(entry_id: str) -> str:
    """Site-relative URL of an entry page (no leading slash, so the site can live under a sub-path)."""
    return f"errors/{entry_id}/"


def hub_slug(reply_code: int | None, enhanced_code: str) -> str:
    """``550-5.7.1`` for a reply+enhanced hub, ``5.7.1`` for an enhanced-only hub."""
    return f"{reply_code}-{enhanced_code}" if reply_code is not None else enhanced_code


def entry_codes(entry: Entry) -> tuple[frozenset[int], frozenset[str]]:
    """Every reply code and enhanced code the entry covers: its own plus those in ``match``."""
    rules = entry.data.get("match") or {}
    replies = frozenset({entry.reply_code, *(int(code) for code in rules.get("reply_codes", ()))})
    own = {entry.enhanced_code} if entry.enhanced_code else set()
    enhanced = frozenset({*own, *(str(code) for code in rules.get("enhanced_codes", ()))})
    return replies, enhanced


def entry_pairs(entry: Entry) -> frozenset[tuple[int, str]]:
    """Every (reply, enhanced) pair the entry covers: each reply code with each enhanced code of its class.

    The analyzer matches reply and enhanced codes independently, so a bounce with any of these
    pairs can be this entry; a 5xx reply never carries a 4.x.x code, so mixed classes are left out.
    """
    replies, enhanced = entry_codes(entry)
    return frozenset((reply, code) for reply in replies for code in enhanced if str(reply)[0] == code[0])
