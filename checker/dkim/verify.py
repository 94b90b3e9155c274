"""Verify every DKIM-Signature on a message (RFC 6376, RFC 8301, RFC 8463) with keys fetched concurrently."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from checker.dkim.canon import HASHES, BodyHasher, header_hash_input, select_headers
from checker.dkim.crypto import ed25519_verify, rsa_verify
from checker.dkim.keys import DkimKey, KeyLookup, fetch_key
from checker.dkim.rawmail import ParsedMessageLike, RawMessage, split_message
from checker.dkim.signature import SignatureFields, parse_signature
from checker.dns.model import DnsStatus, Resolver
from checker.result import Check, InputError, Verdict

# Real mail carries one to three signatures; a cap keeps a hostile paste from costing minutes.
MAX_SIGNATURES = 20
MIN_RSA_BITS = 1024

_EXPLANATIONS = {
    "dkim.pass": "The signature from {d} is valid: the signed headers and the body arrived exactly as "
    "{d} signed them.",
    "dkim.pass_headers_only": "The header signature was checked and is valid for {d}; the body hash could "
    "not be checked because only headers were pasted. Paste the whole message to check the body too.",
    "dkim.sha1_obsolete": "The signature from {d} is mathematically valid but uses rsa-sha1, which RFC 8301 "
    "forbids; receivers following it treat the message as if it were not signed. Sign with rsa-sha256.",
    "dkim.body_hash_mismatch": "The body was changed after signing (mailing lists, forwarders, footers or "
    "disclaimers added by a gateway commonly do this), so the signature from {d} no longer matches.",
    "dkim.signature_mismatch": "The signature from {d} does not match the signed headers: a header it covers "
    "was changed after signing (often a subject tag or rewritten From), or the key does not belong to it.",
    "dkim.extra_from": "The message has more From fields than the signature from {d} covers, so someone may "
    "have added a From after signing. The signature is treated as failed.",
    "dkim.key_not_found": "No DKIM key is published at {query}, so the signature from {d} cannot be checked. "
    "The selector may be wrong, or the key was removed or never published.",
    "dkim.key_revoked": "The key at {query} is empty (p=), which is how a domain revokes a key, so the "
    "signature from {d} is no longer accepted.",
    "dkim.key_invalid": "The key published at {query} cannot be used: {detail}.",
    "dkim.key_too_small": "The key at {query} is only {bits} bits; receivers reject RSA keys under 1024 bits "
    "(RFC 8301). Publish a 2048-bit key.",
    "dkim.identity_mismatch": "The signature from {d} is malformed: {detail}.",
    "dkim.expired": "The signature from {d} expired on {when} (its x= tag), so receivers ignore it.",
    "dkim.temperror": "The key for the signature from {d} could not be fetched. {detail} The result may "
    "differ when DNS answers again.",
    "dkim.bad_version": "The signature from {d} is malformed: {detail}.",
    "dkim.missing_tag": "The signature from {d} is malformed: {detail}.",
    "dkim.from_not_signed": "The signature from {d} does not cover the From field, so it proves nothing "
    "about the sender and receivers must ignore it.",
    "dkim.unknown_algorithm": "The signature from {d} uses an algorithm receivers do not know: {detail}.",
    "dkim.malformed_signature": "The signature from {d} is malformed: {detail}.",
}
_VERDICTS = {
    "pass": Verdict.PASS,
    "policy": Verdict.WARN,
    "fail": Verdict.FAIL,
    "permerror": Verdict.FAIL,
    "temperror": Verdict.ERROR,
}


@dataclass(frozen=True)
class DkimSignatureResult:
    """The verdict on one DKIM-Signature (``index`` 0 is the topmost field).

    ``result`` follows RFC 8601 words: pass, fail, policy (valid but rsa-sha1), permerror
    (malformed signature), temperror (DNS failure). ``reason`` is the stable code.
    """

    index: int
    result: str
    reason: str
    explanation: str
    domain: str
    selector: str
    algorithm: str
    tags: dict[str, str] = field(default_factory=dict)
    key_query: str | None = None
    key_type: str | None = None
    key_bits: int | None = None
    key_testing: bool = False
    body_checked: bool = False
    body_hash_ok: bool | None = None
    header_signature_ok: bool | None = None
    computed_body_hash: str | None = None
    detail: str | None = None

    @property
    def passed(self) -> bool:
        """True for a valid signature (also when only the header signature could be checked)."""
        return self.result == "pass"

    def to_check(self) -> Check:
        """This result as a ``Check`` with its evidence."""
        evidence: dict[str, Any] = {"signature": self.tags, "result": self.result}
        for name in ("key_query", "key_type", "key_bits", "body_hash_ok", "header_signature_ok", "detail"):
            value = getattr(self, name)
            if value is not None:
                evidence[name] = value
        if self.key_testing:
            evidence["key_testing"] = True
        if self.computed_body_hash is not None and self.body_hash_ok is False:
            evidence["computed_body_hash"] = self.computed_body_hash
        label = f"DKIM signature {self.index + 1}" + (f" ({self.domain})" if self.domain else "")
        return Check(label, _VERDICTS.get(self.result, Verdict.FAIL), self.reason, self.explanation, evidence)


@dataclass(frozen=True)
class DkimReport:
    """Every DKIM signature found on a message, each with its verdict."""

    signatures: tuple[DkimSignatureResult, ...]
    headers_only: bool
    notes: tuple[Check, ...] = ()
    input_error: InputError | None = None

    @property
    def passing_domains(self) -> tuple[str, ...]:
        """The d= domains with a valid signature (what DMARC alignment looks at)."""
        return tuple(dict.fromkeys(s.domain for s in self.signatures if s.passed))

    def to_checks(self) -> list[Check]:
        """One check per signature, plus notes (no signature, too many signatures...)."""
        return [s.to_check() for s in self.signatures] + list(self.notes)


def _explain(reason: str, fields: SignatureFields, **extra: Any) -> str:
    values = {"d": fields.domain or "an unnamed domain", "query": "", "detail": "", "bits": "", "when": ""}
    values.update(extra)
    text = _EXPLANATIONS[reason].format(**values)
    if fields.body_length is not None and reason in ("dkim.pass", "dkim.pass_headers_only"):
        text += (
            f" Only the first {fields.body_length} bytes of the body are signed (l=), so text added after "
            "them, such as a footer or a different message, would not be noticed."
        )
    return text


class _Verifier:
    """Holds one message's parsed headers and body-hash cache while its signatures are checked."""

    def __init__(self, message: RawMessage, now: float) -> None:
        self.message = message
        self.now = now
        self.body = BodyHasher(message.body) if message.body is not None else None
        self.from_count = sum(1 for name, _ in message.headers if name.rstrip().lower() == b"from")

    def result(
        self,
        index: int,
        fields: SignatureFields,
        result: str,
        reason: str,
        lookup: KeyLookup | None = None,
        **kw: Any,
    ) -> DkimSignatureResult:
        key = lookup.key if lookup else None
        explain_args = {"query": lookup.query_name if lookup else "", "detail": kw.pop("detail", None) or ""}
        explain_args.update(kw.pop("explain", {}))
        explanation = _explain(reason, fields, **explain_args)
        if key is not None and key.testing:
            explanation += (
                " The key is marked as testing (t=y): receivers treat the message as if it were unsigned "
                "whatever the result."
            )
        return DkimSignatureResult(
            index=index,
            result=result,
            reason=reason,
            explanation=explanation,
            domain=fields.domain,
            selector=fields.selector,
            algorithm=fields.algorithm,
            tags=fields.summary(),
            key_query=lookup.query_name if lookup else None,
            key_type=key.key_type if key else None,
            key_bits=key.bits if key else None,
            key_testing=bool(key and key.testing),
            detail=explain_args["detail"] or None,
            **kw,
        )

    def check(self, index: int, fields: SignatureFields, lookup: KeyLookup | None) -> DkimSignatureResult:
        if fields.problem is not None:
            return self.result(
                index, fields, "permerror", fields.problem.reason, detail=fields.problem.detail
            )
        if fields.expiration is not None and fields.expiration < self.now:
            when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(fields.expiration))
            return self.result(index, fields, "fail", "dkim.expired", explain={"when": when})
        assert lookup is not None  # every well-formed signature had its key fetched
        answer = lookup.answer
        if answer.failed:
            return self.result(
                index, fields, "temperror", "dkim.temperror", lookup, detail=answer.describe_failure()
            )
        if answer.status in (DnsStatus.NXDOMAIN, DnsStatus.NODATA) or lookup.key is None:
            return self.result(
                index, fields, "fail", "dkim.key_not_found", lookup, detail=f"DNS said {answer.status}"
            )
        key = lookup.key
        if key.problem is not None:
            return self.result(index, fields, "fail", key.problem, lookup, detail=key.problem_detail)
        key_problem = _key_fits(key, fields)
        if key_problem:
            return self.result(index, fields, "fail", "dkim.key_invalid", lookup, detail=key_problem)
        if key.key_type == "rsa" and (key.bits or 0) < MIN_RSA_BITS:
            return self.result(
                index, fields, "fail", "dkim.key_too_small", lookup, explain={"bits": key.bits}
            )
        if (
            key.strict_identity
            and fields.identity
            and fields.identity.rpartition("@")[2].lower() != fields.domain
        ):
            detail = "the key has t=s, so i= must be at exactly d=, not a subdomain"
            return self.result(index, fields, "fail", "dkim.identity_mismatch", lookup, detail=detail)
        if self.from_count > fields.signed_headers.count("from"):
            return self.result(index, fields, "fail", "dkim.extra_from", lookup)
        header_ok = self._header_signature_ok(fields, key)
        if self.body is None:
            if not header_ok:
                detail = "the body hash could not be checked because only headers were pasted"
                return self.result(
                    index,
                    fields,
                    "fail",
                    "dkim.signature_mismatch",
                    lookup,
                    detail=detail,
                    header_signature_ok=False,
                )
            reason = "dkim.sha1_obsolete" if fields.hash_name == "sha1" else "dkim.pass_headers_only"
            outcome = "policy" if fields.hash_name == "sha1" else "pass"
            return self.result(index, fields, outcome, reason, lookup, header_signature_ok=True)
        computed = self.body.body_hash(fields.body_canon, fields.hash_name, fields.body_length)
        body_ok = computed == fields.body_hash
        checks = {"body_checked": True, "body_hash_ok": body_ok, "header_signature_ok": header_ok}
        if not body_ok:
            return self.result(
                index,
                fields,
                "fail",
                "dkim.body_hash_mismatch",
                lookup,
                computed_body_hash=computed,
                **checks,
            )
        if not header_ok:
            return self.result(index, fields, "fail", "dkim.signature_mismatch", lookup, **checks)
        if fields.hash_name == "sha1":
            return self.result(index, fields, "policy", "dkim.sha1_obsolete", lookup, **checks)
        return self.result(index, fields, "pass", "dkim.pass", lookup, **checks)

    def _header_signature_ok(self, fields: SignatureFields, key: DkimKey) -> bool:
        selected = select_headers(self.message.headers, fields.signed_headers)
        data = header_hash_input(selected, (fields.header_name, fields.header_value), fields.header_canon)
        return verify_signature_bytes(key, fields.hash_name, data, fields.signature)


def verify_signature_bytes(key: DkimKey, hash_name: str, data: bytes, signature: bytes) -> bool:
    """Check ``signature`` over ``data`` (the canonical header bytes) with a usable key."""
    digest = HASHES[hash_name](data)
    if key.key_type == "ed25519" and key.ed25519_public is not None:
        return ed25519_verify(key.ed25519_public, digest.digest(), signature)
    if key.rsa_modulus is not None and key.rsa_exponent is not None:
        return rsa_verify(digest, signature, key.rsa_modulus, key.rsa_exponent)
    return False


def _key_fits(key: DkimKey, fields: SignatureFields) -> str | None:
    if key.key_type != fields.key_type:
        return f"the key is k={key.key_type} but the signature uses a={fields.algorithm}"
    if key.hash_algorithms is not None and fields.hash_name not in key.hash_algorithms:
        return f"the key only allows h={':'.join(key.hash_algorithms)}, the signature uses {fields.hash_name}"
    return None


async def _fetch_all(resolver: Resolver, wanted: list[tuple[str, str]]) -> list[KeyLookup]:
    """Fetch every (selector, domain) key at once; a single key skips gather's task overhead."""
    if len(wanted) == 1:
        return [await fetch_key(resolver, *wanted[0])]
    return list(await asyncio.gather(*(fetch_key(resolver, s, d) for s, d in wanted)))


def _message_bytes(
    message: ParsedMessageLike | bytes | str, headers_only: bool | None
) -> tuple[bytes, bool | None]:
    if isinstance(message, str):
        return message.encode("utf-8", "surrogateescape"), headers_only
    if isinstance(message, (bytes, bytearray, memoryview)):
        return bytes(message), headers_only
    if headers_only is None:
        headers_only = message.body is None
    return message.raw, headers_only


async def verify_dkim(
    message: ParsedMessageLike | bytes | str,
    *,
    resolver: Resolver,
    headers_only: bool | None = None,
    now: float | None = None,
) -> DkimReport:
    """Verify every DKIM-Signature on ``message``; keys for all signatures are fetched concurrently.

    ``headers_only`` None means: detect it (no blank line after the header block). ``now`` (Unix
    seconds) decides whether x= has passed; it defaults to the current time.
    """
    raw, headers_only = _message_bytes(message, headers_only)
    if not raw.strip():
        error = InputError(
            "The message is empty.", "message", "Paste the full message source, headers first."
        )
        check = Check(
            "DKIM", Verdict.ERROR, "input.empty", "There is nothing to check: the message is empty."
        )
        return DkimReport((), True, (check,), error)
    parsed = split_message(raw, headers_only=headers_only)
    signature_fields = [(n, v) for n, v in parsed.headers if n.rstrip().lower() == b"dkim-signature"]
    notes: list[Check] = []
    if len(signature_fields) > MAX_SIGNATURES:
        notes.append(
            Check(
                "DKIM",
                Verdict.WARN,
                "dkim.too_many_signatures",
                f"The message has {len(signature_fields)} DKIM signatures; only the first {MAX_SIGNATURES} "
                "were checked. Real mail carries one to three.",
                {"count": len(signature_fields)},
            )
        )
        signature_fields = signature_fields[:MAX_SIGNATURES]
    parsed_signatures = [parse_signature(name, value) for name, value in signature_fields]
    wanted = list(dict.fromkeys((f.selector, f.domain) for f in parsed_signatures if f.problem is None))
    lookups = await _fetch_all(resolver, wanted)
    by_name = dict(zip(wanted, lookups, strict=True))
    verifier = _Verifier(parsed, time.time() if now is None else now)
    results = tuple(
        verifier.check(i, f, by_name.get((f.selector, f.domain))) for i, f in enumerate(parsed_signatures)
    )
    if not results:
        notes.append(
            Check(
                "DKIM",
                Verdict.WARN,
                "dkim.none",
                "The message has no DKIM signature, so nothing ties it to the sending domain. Most large "
                "mailbox providers expect bulk mail to be DKIM-signed.",
            )
        )
    return DkimReport(results, parsed.body is None, tuple(notes))
