"""Verify every DKIM-Signature on a message (RFC 6376, RFC 8301, RFC 8463) with keys fetched concurrently."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from checker.mechanisms.dkim.canon import HASHES, BodyHasher, header_hash_input, select_headers
from checker.mechanisms.dkim.crypto import ed25519_verify, rsa_verify
from checker.mechanisms.dkim.keys import DkimKey, KeyLookup, fetch_key
from checker.mechanisms.dkim.rawmail import ParsedMessageLike, RawMessage, split_message
from checker.mechanisms.dkim.results import DkimReport, DkimSignatureResult, explain
from checker.mechanisms.dkim.signature import SignatureFields, parse_signature
from checker.pasted.message import to_bytes
from checker.shared.dns.model import DnsStatus, Resolver
from checker.shared.result import Check, InputError, Verdict

# Real mail carries one to three signatures; a cap keeps a hostile paste from costing minutes.
MAX_SIGNATURES = 20
MIN_RSA_BITS = 1024


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
        explanation = explain(reason, fields, **explain_args)
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
                index, fields, "permerror", "dkim.key_not_found", lookup, detail=f"DNS said {answer.status}"
            )
        key = lookup.key
        # RFC 8601 section 2.7.1 / RFC 6376 section 6.1.2: a key that is missing, revoked, unusable or
        # too small is a permanent error of the signature (permerror), not a failed verification (fail).
        if key.problem is not None:
            return self.result(index, fields, "permerror", key.problem, lookup, detail=key.problem_detail)
        key_problem = _key_fits(key, fields)
        if key_problem:
            return self.result(index, fields, "permerror", "dkim.key_invalid", lookup, detail=key_problem)
        if key.key_type == "rsa" and (key.bits or 0) < MIN_RSA_BITS:
            return self.result(
                index, fields, "permerror", "dkim.key_too_small", lookup, explain={"bits": key.bits}
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
        if fields.body_length is not None:
            unsigned = max(0, len(self.body.canonical_body(fields.body_canon)) - fields.body_length)
            return self.result(
                index,
                fields,
                "pass",
                "dkim.pass",
                lookup,
                explain={"unsigned": unsigned},
                unsigned_body_bytes=unsigned,
                **checks,
            )
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
        return to_bytes(message), headers_only
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
