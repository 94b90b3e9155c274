"""Organizational domains: from the Public Suffix List (RFC 7489) or the DNS tree walk (RFC 9989).

The PSL side wraps the ``publicsuffixlist`` package so a pinned list can be passed in. The tree-walk
side is pure: ``tree_walk_names`` says which names to ask about and ``org_domain_from_walk`` decides
from the ``psd=`` tags found there; the DMARC package does the DNS queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from publicsuffixlist import PublicSuffixList

from checker.shared.dns.names import fold_name, normalize_domain
from checker.shared.result import InputError

# RFC 9989 section 4.10: a walk never makes more than this many queries.
MAX_TREE_WALK_QUERIES = 8


class PublicSuffixes:
    """The Public Suffix List as a value: the bundled copy, or a pinned list passed in.

    ``only_icann=True`` ignores the PRIVATE section (e.g. ``blogspot.com``); DMARC implementations
    mostly use the whole list, which is the default.
    """

    def __init__(self, list_text: str | None = None, *, only_icann: bool = False) -> None:
        source = None if list_text is None else list_text.splitlines()
        self._psl = PublicSuffixList(source, only_icann=only_icann)

    @classmethod
    def from_file(cls, path: str | Path, *, only_icann: bool = False) -> PublicSuffixes:
        """Load a pinned ``public_suffix_list.dat``."""
        return cls(Path(path).read_text(encoding="utf-8"), only_icann=only_icann)

    def public_suffix(self, domain: str) -> str | None:
        """The public suffix of ``domain`` (``co.uk`` for ``www.example.co.uk``), or None if invalid."""
        cleaned = _clean(domain)
        return None if cleaned is None else self._psl.publicsuffix(cleaned)

    def registrable_domain(self, domain: str) -> str | None:
        """Public suffix plus one label, lower-cased, in the input's form (Unicode stays Unicode).

        None when there is none: the input is itself a public suffix, empty, or has empty labels.
        """
        cleaned = _clean(domain)
        return None if cleaned is None else self._psl.privatesuffix(cleaned)

    def organizational_domain(self, domain: str) -> str:
        """RFC 7489 section 3.2 organizational domain, in A-label form.

        A name that is itself a public suffix (``gov``) is its own organizational domain, so callers
        always get a domain to compare; invalid input comes back normalised as far as possible.
        """
        normalized = normalize_domain(domain)
        if isinstance(normalized, InputError):
            return fold_name(domain.strip())
        return self._psl.privatesuffix(normalized) or normalized

    def is_public_suffix(self, domain: str) -> bool:
        """True when ``domain`` is exactly a public suffix (``com``, ``co.uk``, ``blogspot.com``)."""
        cleaned = _clean(domain)
        return cleaned is not None and self._psl.is_public(cleaned)


@lru_cache(maxsize=1)
def default_public_suffixes() -> PublicSuffixes:
    """The bundled list, parsed once per process (parsing takes tens of milliseconds; it never changes)."""
    return PublicSuffixes()


def _clean(domain: str | None) -> str | None:
    if not isinstance(domain, str):
        return None
    text = domain.strip()
    if text.endswith("."):
        text = text[:-1]
    if not text or text.startswith(".") or ".." in text:
        return None
    return text.lower()


def tree_walk_names(domain: str) -> list[str]:
    """The names an RFC 9989 DNS tree walk asks about, in order, at most eight.

    The walk starts at ``domain``; a name of eight or more labels jumps straight to its last seven
    labels (the label-skipping rule), then one label is dropped per step down to the top-level domain.
    """
    labels = fold_name(domain).split(".")
    names = [".".join(labels)]
    remaining = labels
    if len(remaining) >= MAX_TREE_WALK_QUERIES:
        remaining = remaining[-(MAX_TREE_WALK_QUERIES - 1) :]
        names.append(".".join(remaining))
    while len(remaining) > 1:
        remaining = remaining[1:]
        names.append(".".join(remaining))
    return names[:MAX_TREE_WALK_QUERIES]


@dataclass(frozen=True)
class TreeWalkOrgDomain:
    """The organizational domain a tree walk found, and the rule that decided it."""

    domain: str
    org_domain: str
    rule: str  # psd_n | psd_y | highest_record | no_record
    explanation: str


def org_domain_from_walk(domain: str, psd_by_name: Mapping[str, str | None]) -> TreeWalkOrgDomain:
    """Decide the RFC 9989 organizational domain from the walk's DMARC records.

    ``psd_by_name`` maps each walked name that published exactly one DMARC record to its ``psd``
    value (``"y"``, ``"n"``, ``"u"`` or None). The first ``psd=n`` makes that name the organizational
    domain; the first ``psd=y`` makes the name one label below it the organizational domain;
    otherwise it is the record-publishing name with the fewest labels, or the domain itself.
    """
    names = tree_walk_names(domain)
    full_labels = fold_name(domain).split(".")
    with_record: list[str] = []
    for name in names:
        if name not in psd_by_name:
            continue
        psd = (psd_by_name[name] or "u").lower()
        if psd == "n":
            return TreeWalkOrgDomain(
                domain,
                name,
                "psd_n",
                f"{name} publishes a DMARC record with psd=n, so it is the organization.",
            )
        if psd == "y":
            depth = len(name.split(".")) + 1
            below = ".".join(full_labels[-depth:]) if depth <= len(full_labels) else name
            return TreeWalkOrgDomain(
                domain,
                below,
                "psd_y",
                f"{name} is a public suffix operator (psd=y), so the organization is one label "
                f"below it: {below}.",
            )
        with_record.append(name)
    if with_record:
        shortest = with_record[-1]
        return TreeWalkOrgDomain(
            domain,
            shortest,
            "highest_record",
            f"{shortest} is the highest name in the walk that publishes a DMARC record.",
        )
    return TreeWalkOrgDomain(
        domain, domain, "no_record", "No name in the walk publishes a DMARC record, so the domain is its own."
    )


def walk_names_for(domains: Iterable[str]) -> list[str]:
    """Every distinct name the tree walks of ``domains`` touch, so their queries can run together."""
    seen: dict[str, None] = {}
    for domain in domains:
        for name in tree_walk_names(domain):
            seen.setdefault(name, None)
    return list(seen)
