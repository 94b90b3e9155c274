"""Which Authentication-Results header to believe: the one the receiving system wrote, not the rest."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from checker.mechanisms.authres.parse import (
    AuthenticationResults,
    parse_arc_authentication_results,
    parse_authentication_results,
)
from checker.shared.dns.names import fold_name
from checker.shared.orgdomain import default_public_suffixes
from checker.shared.result import Check, InputError, Verdict

_BY_HOST = re.compile(r"\bby\s+([A-Za-z0-9.-]+)", re.IGNORECASE)


@dataclass(frozen=True)
class AuthResEntry:
    """One Authentication-Results (or ARC-Authentication-Results) header and whether to believe it."""

    header: str
    position: int  # index among all headers, 0 = topmost
    line: int | None
    value: str
    parsed: AuthenticationResults | None
    error: InputError | None
    trusted: bool
    why: str


def classify_auth_results(headers: Sequence[Any]) -> tuple[AuthResEntry, ...]:
    """Parse every (ARC-)Authentication-Results header and mark the one written by the receiving system.

    Trusted is the topmost Authentication-Results above the topmost Received header (added after the
    last hop), or else the topmost one whose authserv-id belongs to the server named in the Received
    header just above it (Gmail writes its result below its own Received). Every lower header was
    written before the message reached the receiver, possibly by the sender, so it proves nothing.
    """
    names = [str(getattr(h, "name", "")).lower() for h in headers]
    received_at = [i for i, n in enumerate(names) if n == "received"]
    top_received = received_at[0] if received_at else len(headers)
    trusted_index: int | None = None
    for index, name in enumerate(names):
        if name != "authentication-results":
            continue
        if index < top_received:
            trusted_index = index
            break
        above = [i for i in received_at if i < index]
        below = [i for i in received_at if i > index]
        parsed = parse_authentication_results(str(headers[index].value))
        by_match = _BY_HOST.search(str(headers[above[-1]].value)) if above else None
        if isinstance(parsed, AuthenticationResults) and by_match:
            if _same_org(parsed.authserv_id, by_match[1]):
                trusted_index = index
            elif not parsed.authserv_id and below:
                # Microsoft 365 names no authserv-id: trust it when it sits between two hops inside
                # the same receiving organisation, i.e. it was written after the message came in.
                by_below = _BY_HOST.search(str(headers[below[0]].value))
                if by_below and _same_org(by_below[1], by_match[1]):
                    trusted_index = index
        break
    entries = []
    for index, name in enumerate(names):
        if name not in ("authentication-results", "arc-authentication-results"):
            continue
        header = headers[index]
        value = str(header.value)
        is_arc = name.startswith("arc-")
        parsed = parse_arc_authentication_results(value) if is_arc else parse_authentication_results(value)
        ok = isinstance(parsed, AuthenticationResults)
        trusted = index == trusted_index
        entries.append(
            AuthResEntry(
                "ARC-Authentication-Results" if is_arc else "Authentication-Results",
                index,
                getattr(header, "line", None),
                value,
                parsed if ok else None,
                None if ok else parsed,
                trusted,
                _trust_reason(index, trusted, trusted_index, top_received, is_arc),
            )
        )
    return tuple(entries)


def _same_org(authserv_id: str, host: str) -> bool:
    # Organizational domains by the Public Suffix List, not the last two labels: under co.uk or
    # com.au those are the public suffix, and a header naming any other *.co.uk would pass as ours.
    if not authserv_id or not host:
        return False
    psl = default_public_suffixes()
    return psl.organizational_domain(fold_name(authserv_id)) == psl.organizational_domain(fold_name(host))


def _trust_reason(
    index: int, trusted: bool, trusted_index: int | None, top_received: int, is_arc: bool
) -> str:
    if trusted:
        return (
            "Trusted: this is the topmost Authentication-Results, added by the receiving system itself "
            "after the message arrived."
        )
    if is_arc:
        return (
            "Informational: ARC-Authentication-Results record what an earlier server saw; they count only "
            "if the ARC chain validates and the receiver trusts that server."
        )
    if trusted_index is None:
        return (
            "Not trusted: no Authentication-Results header could be tied to the receiving system, "
            "so this one "
            "may have been written by an earlier server or by the sender."
        )
    return (
        "Not trusted: it sits below the receiver's own header, so it was added before the message arrived, "
        "by an earlier server or possibly forged by the sender."
    )


def auth_results_checks(entries: tuple[AuthResEntry, ...]) -> list[Check]:
    """One check per header: trusted, untrusted (and why), or unparseable."""
    checks = []
    for entry in entries:
        evidence = {
            "header": entry.header,
            "position": entry.position,
            "line": entry.line,
            "value": entry.value,
        }
        if entry.error is not None:
            checks.append(
                Check(
                    entry.header,
                    Verdict.WARN,
                    "authres.unparseable",
                    f"{entry.error.what} {entry.why}",
                    evidence,
                )
            )
            continue
        reason = "authres.trusted" if entry.trusted else "authres.untrusted"
        checks.append(Check(entry.header, Verdict.INFO, reason, entry.why, evidence))
    return checks
