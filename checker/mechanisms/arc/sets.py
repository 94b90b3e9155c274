"""Group a message's ARC fields into sets by instance (RFC 8617 section 4.1) and check the structure."""

from __future__ import annotations

import re
from dataclasses import dataclass

from checker.mechanisms.dkim.canon import Header
from checker.mechanisms.dkim.signature import SignatureFields, parse_signature
from checker.shared.numbers import parse_uint

MAX_INSTANCES = 50  # RFC 8617 4.2.1
_AAR_INSTANCE = re.compile(rb"^\s*i\s*=\s*(\d{1,5})\s*;", re.IGNORECASE)
_AAR_SERVER = re.compile(rb"^\s*i\s*=\s*\d+\s*;\s*([^\s;]+)")
_RESULT = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*=\s*([A-Za-z]+)")
_COMMENT = re.compile(r"\([^()]*\)")

SEAL = b"arc-seal"
AMS = b"arc-message-signature"
AAR = b"arc-authentication-results"
ARC_FIELDS = (SEAL, AMS, AAR)


@dataclass(frozen=True)
class AuthResultsSummary:
    """What an ARC-Authentication-Results field reports: who checked, and method=result pairs."""

    authserv_id: str
    results: tuple[tuple[str, str], ...]
    text: str


@dataclass(frozen=True)
class ArcSet:
    """The three fields of one ARC instance, as found (any may be missing)."""

    instance: int
    aar: Header | None = None
    ams: Header | None = None
    seal: Header | None = None
    ams_fields: SignatureFields | None = None
    seal_fields: SignatureFields | None = None


@dataclass(frozen=True)
class ArcStructure:
    """The sets in instance order, or the structural problem that fails the chain before any crypto."""

    sets: tuple[ArcSet, ...]
    problem: str | None = None
    field_count: int = 0


def summarize_aar(value: bytes) -> AuthResultsSummary:
    """Pull the authserv-id and method=result pairs out of an AAR value, for display."""
    text = " ".join(value.decode("utf-8", "replace").split())
    server = _AAR_SERVER.match(value)
    clauses = _COMMENT.sub("", text).split(";")[2:]
    results = tuple((m.group(1).lower(), m.group(2).lower()) for c in clauses if (m := _RESULT.match(c)))
    return AuthResultsSummary(server.group(1).decode("utf-8", "replace") if server else "", results, text)


def _instance(kind: bytes, value: bytes) -> tuple[int | None, SignatureFields | None]:
    if kind == AAR:
        match = _AAR_INSTANCE.match(value)
        return (parse_uint(match.group(1)) if match else None), None
    fields = parse_signature(kind, value, kind="as" if kind == SEAL else "ams")
    if fields.instance is not None:
        return fields.instance, fields
    # A malformed field still says which instance it belongs to; keep that so it joins its set.
    tag = re.search(rb"(?:^|;)\s*i\s*=\s*(\d{1,5})\s*(?:;|$)", value)
    return (parse_uint(tag.group(1)) if tag else None), fields


def collect_sets(headers: tuple[Header, ...] | list[Header]) -> ArcStructure:
    """Group ARC fields by i= and check numbering (1..N, no gaps, at most 50) and completeness."""
    found: dict[int, dict[str, object]] = {}
    count = 0
    for name, value in headers:
        kind = name.rstrip().lower()
        if kind not in ARC_FIELDS:
            continue
        count += 1
        instance, fields = _instance(kind, value)
        label = kind.decode()
        if instance is None:
            return ArcStructure(
                (), f"an {name.decode('ascii', 'replace')} field has no valid i= instance", count
            )
        slot = found.setdefault(instance, {})
        if label in slot:
            return ArcStructure(
                (), f"instance {instance} has more than one {name.decode('ascii', 'replace')}", count
            )
        slot[label] = (name, value)
        if fields is not None:
            slot[label + ":fields"] = fields
    if not found:
        return ArcStructure((), None, 0)
    sets = tuple(
        ArcSet(
            i,
            slot.get("arc-authentication-results"),  # type: ignore[arg-type]
            slot.get("arc-message-signature"),  # type: ignore[arg-type]
            slot.get("arc-seal"),  # type: ignore[arg-type]
            slot.get("arc-message-signature:fields"),  # type: ignore[arg-type]
            slot.get("arc-seal:fields"),  # type: ignore[arg-type]
        )
        for i, slot in sorted(found.items())
    )
    highest = sets[-1].instance
    if highest > MAX_INSTANCES or sets[0].instance < 1:
        return ArcStructure(sets, f"instance numbers must run from 1 to at most {MAX_INSTANCES}", count)
    if [s.instance for s in sets] != list(range(1, highest + 1)):
        return ArcStructure(sets, f"instance numbers must run 1..{highest} without gaps", count)
    for arc_set in sets:
        missing = [
            n
            for n, h in (
                ("ARC-Seal", arc_set.seal),
                ("ARC-Message-Signature", arc_set.ams),
                ("ARC-Authentication-Results", arc_set.aar),
            )
            if h is None
        ]
        if missing:
            return ArcStructure(sets, f"instance {arc_set.instance} lacks {', '.join(missing)}", count)
    return ArcStructure(sets, None, count)
