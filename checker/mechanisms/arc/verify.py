"""ARC chain validation (RFC 8617 5.2): seals over the sets in order, the newest AMS over the message."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from checker.mechanisms.arc.sets import ArcSet, AuthResultsSummary, collect_sets, summarize_aar
from checker.mechanisms.dkim.canon import BodyHasher, Header, header_hash_input, select_headers
from checker.mechanisms.dkim.keys import KeyLookup, fetch_key
from checker.mechanisms.dkim.rawmail import ParsedMessageLike, split_message
from checker.mechanisms.dkim.signature import SignatureFields
from checker.mechanisms.dkim.verify import MIN_RSA_BITS, verify_signature_bytes
from checker.pasted.message import to_bytes
from checker.shared.dns.model import Resolver
from checker.shared.result import Check, Verdict

_ARC_ALGORITHMS = ("rsa-sha256", "ed25519-sha256")


@dataclass(frozen=True)
class ArcSetResult:
    """One instance: who sealed it, the cv= it claimed, and whether its seal and AMS validate."""

    instance: int
    cv: str
    seal_domain: str
    seal_selector: str
    seal_valid: bool | None
    seal_problem: str | None
    ams_domain: str
    ams_selector: str
    ams_valid: bool | None
    ams_problem: str | None
    auth_results: AuthResultsSummary | None


@dataclass(frozen=True)
class ArcReport:
    """The chain verdict: ``cv`` is none, pass or fail, with the hop that broke it.

    ``oldest_pass`` is the lowest instance from which every AMS still validates (RFC 8617 5.2 step 6;
    0 when all do), set only when the chain validates (None otherwise: a broken chain has no
    oldest-pass); ``broken_at`` is the instance whose seal, AMS or cv= failed the chain.
    """

    cv: str
    reason: str
    explanation: str
    sets: tuple[ArcSetResult, ...] = ()
    oldest_pass: int | None = None
    broken_at: int | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def body_checked(self) -> bool:
        """False when only headers were pasted: the seals were checked, the AMS body hashes were not."""
        return self.evidence.get("body_checked", True) is not False

    def to_checks(self) -> list[Check]:
        """The chain verdict, then one informational check per set with its AAR summary."""
        verdict = {"pass": Verdict.PASS, "fail": Verdict.FAIL, "temperror": Verdict.ERROR}.get(
            self.cv, Verdict.INFO
        )
        evidence = dict(self.evidence, cv=self.cv, oldest_pass=self.oldest_pass, broken_at=self.broken_at)
        checks = [Check("ARC chain", verdict, self.reason, self.explanation, evidence)]
        for s in self.sets:
            server = s.auth_results.authserv_id if s.auth_results else "?"
            found = ", ".join(f"{m}={r}" for m, r in s.auth_results.results) if s.auth_results else ""
            ok = s.seal_valid is not False and s.ams_valid is not False and not s.seal_problem
            sealer = s.seal_domain or "?"
            text = f"Hop {s.instance} ({server}, sealed by {sealer}) recorded: {found or 'no results'}."
            set_evidence = {
                "cv": s.cv,
                "seal_valid": s.seal_valid,
                "ams_valid": s.ams_valid,
                "seal_problem": s.seal_problem,
                "ams_problem": s.ams_problem,
                "aar": s.auth_results.text if s.auth_results else None,
            }
            reason = "arc.set_ok" if ok else "arc.set_broken"
            checks.append(
                Check(
                    f"ARC set {s.instance}", Verdict.INFO if ok else Verdict.WARN, reason, text, set_evidence
                )
            )
        return checks


def _fail(reason: str, explanation: str, **kw: Any) -> ArcReport:
    return ArcReport("fail", reason, explanation, **kw)


class _ChainVerifier:
    def __init__(
        self, headers: tuple[Header, ...], body: bytes | None, keys: dict[tuple[str, str], KeyLookup]
    ):
        self.headers = headers
        self.body = BodyHasher(body) if body is not None else None
        self.keys = keys

    def _key_problem(self, fields: SignatureFields) -> str | None:
        lookup = self.keys.get((fields.selector, fields.domain))
        if lookup is None:
            return "no key was fetched"
        if lookup.answer.failed:
            return lookup.answer.describe_failure()
        if lookup.key is None:
            return f"no key is published at {lookup.query_name}"
        key = lookup.key
        if key.problem:
            return f"the key at {lookup.query_name} is unusable: {key.problem_detail}"
        if key.key_type != fields.key_type:
            return f"the key at {lookup.query_name} is k={key.key_type}, the signature a={fields.algorithm}"
        if key.key_type == "rsa" and (key.bits or 0) < MIN_RSA_BITS:
            return f"the key at {lookup.query_name} is only {key.bits} bits"
        return None

    def _signature_problem(self, fields: SignatureFields | None, what: str) -> str | None:
        if fields is None:
            return f"the {what} cannot be parsed"
        if fields.problem:
            return fields.problem.detail
        if fields.algorithm not in _ARC_ALGORITHMS:
            return f"a={fields.algorithm} is not allowed in ARC"
        return self._key_problem(fields)

    def ams(self, arc_set: ArcSet) -> tuple[bool, str | None]:
        fields = arc_set.ams_fields
        problem = self._signature_problem(fields, "ARC-Message-Signature")
        if problem is None and fields is not None and "arc-seal" in fields.signed_headers:
            problem = "h= includes ARC-Seal, which the AMS must not sign"
        if problem is not None or fields is None:
            return False, problem
        if self.body is not None:
            computed = self.body.body_hash(fields.body_canon, fields.hash_name, fields.body_length)
            if computed != fields.body_hash:
                return False, "the body hash does not match: the body changed after this hop signed it"
        lookup = self.keys[(fields.selector, fields.domain)]
        assert lookup.key is not None and arc_set.ams is not None
        selected = select_headers(self.headers, fields.signed_headers)
        data = header_hash_input(selected, arc_set.ams, fields.header_canon)
        if not verify_signature_bytes(lookup.key, fields.hash_name, data, fields.signature):
            return False, "the signature over the headers does not match: a signed header changed"
        return True, None

    def seal(self, sets: tuple[ArcSet, ...], index: int) -> tuple[bool, str | None]:
        arc_set = sets[index]
        fields = arc_set.seal_fields
        problem = self._signature_problem(fields, "ARC-Seal")
        if problem is None and fields is not None and "h" in fields.tags:
            problem = "the ARC-Seal has an h= tag, which is not allowed"
        if (
            problem is None
            and fields is not None
            and fields.tags.get("cv", "").strip().lower()
            not in (
                "none",
                "pass",
                "fail",
            )
        ):
            problem = f"cv={fields.tags.get('cv')} is not none, pass or fail"
        if problem is not None or fields is None:
            return False, problem
        covered: list[Header] = []
        for earlier in sets[: index + 1]:
            covered += [earlier.aar, earlier.ams, earlier.seal]  # type: ignore[list-item]
        lookup = self.keys[(fields.selector, fields.domain)]
        assert lookup.key is not None
        data = header_hash_input(covered[:-1], covered[-1], "relaxed")
        if not verify_signature_bytes(lookup.key, fields.hash_name, data, fields.signature):
            return False, "the seal signature does not match the ARC sets it covers"
        return True, None


async def verify_arc(message: bytes | str | ParsedMessageLike, *, resolver: Resolver) -> ArcReport:
    """Validate the ARC chain on ``message`` (RFC 8617 5.2); keys for every seal and AMS are fetched at once.

    A chain whose newest seal already says cv=fail is reported as ``fail`` (RFC 8617 5.2 step 2).
    When only headers are given, the newest AMS is checked over the headers and the report says the
    body could not be checked.
    """
    headers_only: bool | None = None
    if isinstance(message, str):
        raw = to_bytes(message)
    elif isinstance(message, (bytes, bytearray, memoryview)):
        raw = bytes(message)
    else:
        raw, headers_only = message.raw, message.body is None
    parsed = split_message(raw, headers_only=headers_only)
    structure = collect_sets(parsed.headers)
    if structure.field_count == 0:
        return ArcReport("none", "arc.none", "The message has no ARC headers: no forwarder sealed it.")
    if structure.problem is not None:
        return _fail(
            "arc.bad_structure",
            f"The ARC headers are malformed ({structure.problem}), so the chain cannot be trusted.",
            evidence={"problem": structure.problem},
        )
    sets = structure.sets
    newest = sets[-1]
    newest_cv = newest.seal_fields.tags.get("cv", "").strip().lower() if newest.seal_fields else ""
    summaries = [summarize_aar(s.aar[1]) if s.aar else None for s in sets]
    if newest_cv == "fail":
        results = tuple(_set_result(s, summaries[i], None, None, None, None) for i, s in enumerate(sets))
        return _fail(
            "arc.sealed_as_failed",
            f"Hop {newest.instance} already found the chain broken and sealed it with cv=fail.",
            sets=results,
            broken_at=newest.instance,
        )
    wanted = []
    for s in sets:
        for fields in (s.ams_fields, s.seal_fields):
            if fields is not None and fields.problem is None and fields.domain and fields.selector:
                wanted.append((fields.selector, fields.domain))
    wanted = list(dict.fromkeys(wanted))
    lookups = await asyncio.gather(*(fetch_key(resolver, sel, dom) for sel, dom in wanted))
    verifier = _ChainVerifier(parsed.headers, parsed.body, dict(zip(wanted, lookups, strict=True)))

    failed = [lookup for lookup in lookups if lookup.answer.failed]
    if failed:
        # A key that could not be fetched proves nothing about the message: never report "changed".
        reasons = "; ".join(lookup.answer.describe_failure().rstrip(".") for lookup in failed[:3])
        return ArcReport(
            "temperror",
            "arc.temperror",
            f"The ARC chain could not be checked: {reasons}. Nothing is known about whether the message "
            "changed; try again later or with another DNS resolver.",
            evidence={"failed_queries": [f"TXT {lookup.query_name}" for lookup in failed]},
        )
    ams_checks = [verifier.ams(s) for s in sets]
    seal_checks = [verifier.seal(sets, i) for i in range(len(sets))]
    results = tuple(_set_result(s, summaries[i], *seal_checks[i], *ams_checks[i]) for i, s in enumerate(sets))
    common: dict[str, Any] = {"sets": results}
    if parsed.body is None:
        common["evidence"] = {"body_checked": False}
    if not ams_checks[-1][0]:
        return _fail(
            "arc.ams_invalid",
            f"The newest ARC-Message-Signature (hop {newest.instance}) does not validate: "
            f"{ams_checks[-1][1]}. "
            "The message changed after the last forwarder sealed it.",
            broken_at=newest.instance,
            **common,
        )
    for i in range(len(sets) - 1, -1, -1):
        arc_set = sets[i]
        cv = results[i].cv
        expected = "none" if arc_set.instance == 1 else "pass"
        if cv != expected:
            return _fail(
                "arc.bad_cv",
                f"Hop {arc_set.instance} sealed the chain with cv={cv or '(missing)'}, but cv={expected} is "
                "required there, so the chain is broken at that hop.",
                broken_at=arc_set.instance,
                **common,
            )
        if not seal_checks[i][0]:
            return _fail(
                "arc.seal_invalid",
                f"The ARC-Seal of hop {arc_set.instance} does not validate: {seal_checks[i][1]}.",
                broken_at=arc_set.instance,
                **common,
            )
    explanation = (
        f"The ARC chain of {len(sets)} hop{'s' if len(sets) != 1 else ''} validates: each forwarder's seal "
        "is intact, so a receiver can trust the authentication results they recorded."
    )
    if parsed.body is None:
        explanation += " The body could not be checked because only headers were pasted."
    return ArcReport("pass", "arc.pass", explanation, oldest_pass=_oldest_pass(sets, ams_checks), **common)


def _oldest_pass(sets: tuple[ArcSet, ...], ams_checks: list[tuple[bool, str | None]]) -> int:
    """RFC 8617 5.2 step 6: walk down from instance N-1; the first AMS that fails puts oldest-pass above it.

    The newest AMS (instance N) has already validated (step 4), so the result is 0 when every AMS
    validates and otherwise the lowest instance from which all AMSes validate, never above N.
    """
    for i in range(len(sets) - 2, -1, -1):
        if not ams_checks[i][0]:
            return sets[i].instance + 1
    return 0


def _set_result(
    arc_set: ArcSet,
    summary: AuthResultsSummary | None,
    seal_valid: bool | None,
    seal_problem: str | None,
    ams_valid: bool | None,
    ams_problem: str | None,
) -> ArcSetResult:
    seal, ams = arc_set.seal_fields, arc_set.ams_fields
    return ArcSetResult(
        instance=arc_set.instance,
        cv=seal.tags.get("cv", "").strip().lower() if seal else "",
        seal_domain=seal.domain if seal else "",
        seal_selector=seal.selector if seal else "",
        seal_valid=seal_valid,
        seal_problem=seal_problem,
        ams_domain=ams.domain if ams else "",
        ams_selector=ams.selector if ams else "",
        ams_valid=ams_valid,
        ams_problem=ams_problem,
        auth_results=summary,
    )
