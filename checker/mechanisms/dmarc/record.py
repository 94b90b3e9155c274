"""Parse and validate one DMARC policy record (RFC 7489 section 6.3, RFC 9989 changes)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from checker.shared.dns.names import fold_name
from checker.shared.numbers import parse_uint
from checker.shared.taglist import split_tag_list

POLICIES = ("none", "quarantine", "reject")
KNOWN_TAGS = ("v", "p", "sp", "np", "pct", "adkim", "aspf", "rua", "ruf", "fo", "ri", "rf", "psd", "t")
# RFC 9989 appendix A.6: these tags are gone; pre-9989 receivers may still honour them.
REMOVED_IN_9989 = ("pct", "rf", "ri")

_VERSION_RE = re.compile(r"^[ \t]*v[ \t]*=[ \t]*DMARC1[ \t]*(;|$)")
_TAG_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_MAILTO_RE = re.compile(r"^mailto:([^@\s,!]+)@([^@\s,!]+?)(?:!(\d+)([kmgt]?))?$", re.IGNORECASE)


@dataclass(frozen=True)
class RecordProblem:
    """Something wrong in a record: a stable code, the tag, where it starts, and what to do."""

    code: str  # e.g. dmarc.syntax_error, dmarc.invalid_value, dmarc.unknown_tag
    severity: str  # "error": the record cannot be trusted as written; "warning": ignored or defaulted
    message: str
    tag: str | None = None
    position: int | None = None  # 0-based character offset in the record text


@dataclass(frozen=True)
class ReportUri:
    """One rua/ruf destination."""

    uri: str
    scheme: str
    address: str | None  # local@domain for mailto
    domain: str | None
    size_limit: str | None = None  # the obsolete "!10m" suffix, kept as written


@dataclass(frozen=True)
class DmarcRecord:
    """A parsed DMARC record with effective values (defaults filled) and every problem found.

    ``p`` is None when the record has no valid ``p=``; ``policy`` is what a receiver applies at the
    domain itself: ``p``, or ``"none"`` when ``p`` is missing but a valid ``rua`` exists (RFC 7489
    6.6.3 step 6 and RFC 9989), or None when no DMARC processing applies.
    """

    raw: str
    tags: dict[str, str]
    p: str | None
    sp: str | None
    np: str | None
    pct: int
    adkim: str
    aspf: str
    rua: tuple[ReportUri, ...]
    ruf: tuple[ReportUri, ...]
    fo: str
    ri: int
    rf: str
    psd: str
    t: str
    unknown_tags: tuple[str, ...] = ()
    problems: tuple[RecordProblem, ...] = field(default_factory=tuple)

    @property
    def policy(self) -> str | None:
        """The p= policy; without p=, a record with rua= counts as p=none (RFC 7489 section 6.6.3)."""
        if self.p is not None:
            return self.p
        return "none" if self.rua else None

    @property
    def has_errors(self) -> bool:
        """True when any problem makes the record invalid (not just a warning)."""
        return any(problem.severity == "error" for problem in self.problems)

    @property
    def subdomain_policy(self) -> str | None:
        """sp, falling back to the domain policy."""
        return self.sp or self.policy

    @property
    def nonexistent_policy(self) -> str | None:
        """np, falling back to sp, then the domain policy (RFC 9091 / RFC 9989)."""
        return self.np or self.sp or self.policy


def is_dmarc_record(text: str) -> bool:
    """True when a TXT record claims to be DMARC: it starts with exactly ``v=DMARC1`` (spaces allowed)."""
    return bool(_VERSION_RE.match(text))


def parse_dmarc_record(text: str) -> DmarcRecord:
    """Parse a DMARC TXT record, validating every tag; problems are reported, never raised."""
    problems: list[RecordProblem] = []
    tags: dict[str, str] = {}
    positions: dict[str, int] = {}
    order: list[str] = []
    if not isinstance(text, str):
        text = str(text)
    if not is_dmarc_record(text):
        problems.append(
            RecordProblem(
                "dmarc.bad_version",
                "error",
                "The record must start with v=DMARC1 (exactly, in capitals), followed by a semicolon.",
                "v",
                0,
            )
        )
    for piece in split_tag_list(text):
        position = piece.position
        if piece.name is None:
            problems.append(
                RecordProblem(
                    "dmarc.syntax_error",
                    "error",
                    f"{piece.text!r} at character {position + 1} is not a tag=value pair.",
                    None,
                    position,
                )
            )
            continue
        name, value = piece.name, piece.value
        if not _TAG_NAME_RE.match(name):
            problems.append(
                RecordProblem(
                    "dmarc.syntax_error",
                    "error",
                    f"{name!r} at character {position + 1} is not a tag name.",
                    None,
                    position,
                )
            )
            continue
        if name in tags:
            problems.append(
                RecordProblem(
                    "dmarc.duplicate_tag",
                    "error",
                    f"The tag {name}= appears more than once; receivers may use either value.",
                    name,
                    position,
                )
            )
            continue
        tags[name] = value
        positions[name] = position
        order.append(name)
    if order and order[0] != "v":
        problems.append(
            RecordProblem("dmarc.bad_version", "error", "v=DMARC1 must be the first tag.", "v", 0)
        )
    if len(order) > 1 and order[0] == "v" and "p" in tags and order[1] != "p":
        problems.append(
            RecordProblem(
                "dmarc.p_not_second",
                "warning",
                "RFC 7489 wants p= straight after v=DMARC1; RFC 9989 allows any order, "
                "older receivers may not.",
                "p",
                positions["p"],
            )
        )
    unknown = tuple(name for name in order if name not in KNOWN_TAGS)
    for name in unknown:
        problems.append(
            RecordProblem(
                "dmarc.unknown_tag", "warning", f"Unknown tag {name}= is ignored.", name, positions[name]
            )
        )

    def policy_tag(name: str) -> str | None:
        if name not in tags:
            return None
        value = tags[name].lower()
        if value in POLICIES:
            return value
        problems.append(
            RecordProblem(
                "dmarc.invalid_value",
                "error" if name == "p" else "warning",
                f"{name}={tags[name]} is not one of none, quarantine, reject.",
                name,
                positions[name],
            )
        )
        return None

    def choice_tag(name: str, allowed: tuple[str, ...], default: str) -> str:
        if name not in tags:
            return default
        value = tags[name].lower()
        if value in allowed:
            return value
        problems.append(
            RecordProblem(
                "dmarc.invalid_value",
                "warning",
                f"{name}={tags[name]} is not valid (allowed: {', '.join(allowed)}); "
                f"the default {default} applies.",
                name,
                positions[name],
            )
        )
        return default

    def int_tag(name: str, low: int, high: int, default: int) -> int:
        if name not in tags:
            return default
        raw = tags[name]
        number = parse_uint(raw)
        if number is not None and low <= number <= high:
            return number
        problems.append(
            RecordProblem(
                "dmarc.invalid_value",
                "warning",
                f"{name}={raw} is not a whole number from {low} to {high}; the default {default} applies.",
                name,
                positions[name],
            )
        )
        return default

    p = policy_tag("p")
    if "p" not in tags:
        has_rua = bool(tags.get("rua"))
        problems.append(
            RecordProblem(
                "dmarc.p_missing",
                "warning" if has_rua else "error",
                "The record has no p= tag. "
                + (
                    "Because it has rua=, receivers treat it as p=none (monitoring only)."
                    if has_rua
                    else "Without p= or rua= receivers apply no DMARC processing at all."
                ),
                "p",
                None,
            )
        )
    sp = policy_tag("sp")
    np = policy_tag("np")
    pct = int_tag("pct", 0, 100, 100)
    ri = int_tag("ri", 0, 2**32 - 1, 86400)
    adkim = choice_tag("adkim", ("r", "s"), "r")
    aspf = choice_tag("aspf", ("r", "s"), "r")
    psd = choice_tag("psd", ("y", "n", "u"), "u")
    t = choice_tag("t", ("y", "n"), "n")
    rf = tags.get("rf", "afrf").lower()
    if "rf" in tags and not all(part.strip().lower() == "afrf" for part in tags["rf"].split(":")):
        problems.append(
            RecordProblem(
                "dmarc.invalid_value",
                "warning",
                f"rf={tags['rf']}: only afrf is defined.",
                "rf",
                positions["rf"],
            )
        )
    fo = tags.get("fo", "0")
    if "fo" in tags and not all(part.strip().lower() in ("0", "1", "d", "s") for part in fo.split(":")):
        problems.append(
            RecordProblem(
                "dmarc.invalid_value",
                "warning",
                f"fo={fo}: allowed values are 0, 1, d, s joined by ':'.",
                "fo",
                positions["fo"],
            )
        )
    rua = _parse_uris("rua", tags, positions, problems)
    ruf = _parse_uris("ruf", tags, positions, problems)
    return DmarcRecord(
        raw=text,
        tags=tags,
        p=p,
        sp=sp,
        np=np,
        pct=pct,
        adkim=adkim,
        aspf=aspf,
        rua=rua,
        ruf=ruf,
        fo=fo,
        ri=ri,
        rf=rf,
        psd=psd,
        t=t,
        unknown_tags=unknown,
        problems=tuple(problems),
    )


def _parse_uris(
    name: str, tags: dict[str, str], positions: dict[str, int], problems: list[RecordProblem]
) -> tuple[ReportUri, ...]:
    if name not in tags:
        return ()
    uris: list[ReportUri] = []
    for part in tags[name].split(","):
        uri = part.strip(" \t")
        if not uri:
            continue
        match = _MAILTO_RE.match(uri)
        if match:
            local, domain, size, unit = match.groups()
            if size:
                problems.append(
                    RecordProblem(
                        "dmarc.obsolete_size_limit",
                        "warning",
                        f"The size limit in {uri} is obsolete (RFC 9989); receivers ignore it.",
                        name,
                        positions[name],
                    )
                )
            uris.append(
                ReportUri(
                    uri,
                    "mailto",
                    f"{local}@{domain}",
                    fold_name(domain),
                    (size + unit) if size else None,
                )
            )
            continue
        scheme = uri.split(":", 1)[0].lower() if ":" in uri else ""
        problems.append(
            RecordProblem(
                "dmarc.invalid_uri",
                "warning",
                f"{name}= entry {uri!r} is not a mailto: address"
                + (
                    " (only mailto: reports are sent in practice)."
                    if scheme
                    else "; write mailto:reports@example.com."
                ),
                name,
                positions[name],
            )
        )
    return tuple(uris)
