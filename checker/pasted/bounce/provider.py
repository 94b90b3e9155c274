"""Guess which mail provider refused or reported a message, from host names and typical wording."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from checker.pasted.bounce.formats import find_remote_host

# Wording that names a provider even when no host name is visible (a pasted line, say).
_WORDING: tuple[tuple[str, re.Pattern[str]], ...] = (
    # Only the refusing side's wording: "Google tried to deliver..." means Gmail reported, not refused.
    ("gmail", re.compile(r"\bgsmtp\b|support\.google\.com/mail", re.IGNORECASE)),
    ("microsoft-365", re.compile(r"protection\.outlook\.com|RESOLVER\.[A-Z]+\.|Microsoft 365|Office 365")),
    ("outlook-com", re.compile(r"\bhotmail\.com\b|\bOutlook\.com\b|\bS3150\b|\bSC-00\d\b")),
    ("yahoo", re.compile(r"\byahoo(?:dns)?\.(?:com|net)\b|\[(?:TS|TSS|PH)\d\d\]", re.IGNORECASE)),
    ("aol", re.compile(r"\baol\.com\b", re.IGNORECASE)),
    ("icloud", re.compile(r"\b(?:icloud|me|mac)\.com\b|support\.apple\.com", re.IGNORECASE)),
    ("spamhaus", re.compile(r"\bspamhaus\b", re.IGNORECASE)),
)


def compile_providers(
    providers: Mapping[str, Any] | None,
) -> tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]:
    """Compile the host regexes of ``catalog.json``'s ``providers`` map; invalid ones are skipped."""
    compiled = []
    for provider_id, info in (providers or {}).items():
        patterns = []
        hosts = info.get("hosts", ()) if isinstance(info, Mapping) else ()
        for source in hosts or ():
            try:
                patterns.append(re.compile(str(source), re.IGNORECASE))
            except re.error:
                continue  # the site build validates these; a bad one must not break analysis
        if patterns:
            compiled.append((str(provider_id), tuple(patterns)))
    return tuple(compiled)


def provider_for_host(host: str, providers: Mapping[str, Any] | None) -> str | None:
    """The provider whose host pattern matches ``host`` (a name such as ``mx.google.com``)."""
    host = host.lower().rstrip(".")
    for provider_id, patterns in compile_providers(providers):
        if any(pattern.search(host) for pattern in patterns):
            return provider_id
    return None


def guess_provider(
    *,
    remote_hosts: Iterable[str],
    text: str,
    reporting_hosts: Iterable[str] = (),
    providers: Mapping[str, Any] | None = None,
) -> str | None:
    """The provider most likely behind a bounce.

    The server that refused the message (Remote-MTA, "host ... said") counts first, then wording
    such as Gmail's "gsmtp", then the server that wrote the report.
    """
    compiled = compile_providers(providers)

    def by_host(hosts: Iterable[str]) -> str | None:
        for host in hosts:
            cleaned = host.lower().rstrip(".")
            for provider_id, patterns in compiled:
                if any(pattern.search(cleaned) for pattern in patterns):
                    return provider_id
        return None

    if found := by_host(remote_hosts):
        return found
    for provider_id, pattern in _WORDING:
        if pattern.search(text):
            return provider_id
    return by_host(reporting_hosts)


_HOST_NAME = re.compile(
    r"(?<![@\w.-])((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,})(?![\w-])", re.IGNORECASE
)


def provider_of_line(text: str, providers: Mapping[str, Any] | None) -> str | None:
    """The provider behind one pasted line of bounce text, the way the analyzer reads a line.

    The server named as the one that answered ("host mx.example.net[...] said") counts first, then
    the provider's own wording ("gsmtp"), then any other host name (not the domain of an address).
    """
    remote = find_remote_host(text)
    hosts = [remote] if remote else []
    found = guess_provider(remote_hosts=hosts, text=text, providers=providers)
    if found or remote:
        return found
    return guess_provider(remote_hosts=_HOST_NAME.findall(text[:5000]), text="", providers=providers)
