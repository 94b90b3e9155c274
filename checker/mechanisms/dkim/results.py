"""What DKIM verification reports: one result per signature, the message's report, and their wording."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from checker.mechanisms.dkim.signature import SignatureFields
from checker.shared.result import Check, InputError, Verdict

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
    # with l=: body bytes after the signed length (None when there is no l= or the body was not pasted)
    unsigned_body_bytes: int | None = None

    @property
    def passed(self) -> bool:
        """True for a valid signature (also when only the header signature could be checked)."""
        return self.result == "pass"

    def to_check(self) -> Check:
        """This result as a ``Check`` with its evidence."""
        evidence: dict[str, Any] = {"signature": self.tags, "result": self.result}
        names = ("key_query", "key_type", "key_bits", "body_hash_ok", "header_signature_ok", "detail")
        for name in (*names, "unsigned_body_bytes"):
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
        checks: list[Check] = []
        for signature in self.signatures:
            checks.append(signature.to_check())
            if signature.passed and signature.unsigned_body_bytes:
                checks.append(_unsigned_tail_note(signature))
        return checks + list(self.notes)


def _unsigned_tail_note(signature: DkimSignatureResult) -> Check:
    """A valid signature whose l= leaves body bytes unsigned: the signature holds, the tail is unproven."""
    covered = signature.tags.get("l", "?")
    unsigned = signature.unsigned_body_bytes
    return Check(
        f"DKIM body length ({signature.domain})",
        Verdict.WARN,
        "dkim.body_length_unsigned",
        f"The signature from {signature.domain} covers only the first {covered} bytes of the body (l=); "
        f"the {unsigned} bytes after them are not covered by the signature, so anything could have been "
        "added there (RFC 6376 section 8.2). Read the end of the message with suspicion; signers should "
        "drop l=.",
        {"l": covered, "unsigned_body_bytes": unsigned},
    )


def explain(reason: str, fields: SignatureFields, **extra: Any) -> str:
    """The plain-English explanation of ``reason`` for the signature ``fields`` describe."""
    values = {"d": fields.domain or "an unnamed domain", "query": "", "detail": "", "bits": "", "when": ""}
    values.update(extra)
    length = fields.body_length
    unsigned = extra.get("unsigned")
    if length is not None and reason == "dkim.pass" and isinstance(unsigned, int):
        # "arrived exactly as signed" would be false: l= signs a prefix, not the whole body.
        d = values["d"]
        if unsigned > 0:
            return (
                f"The signature from {d} is valid for what it covers: the signed headers and the first "
                f"{length} bytes of the body arrived as {d} signed them. The {unsigned} bytes after them are "
                "not covered by the signature (l=), so anything could have been added there (RFC 6376 "
                "section 8.2)."
            )
        return (
            f"The signature from {d} is valid: the signed headers and the whole body ({length} bytes, "
            f"l={length}) arrived as {d} signed them. Because of l=, text appended later would not break "
            "the signature."
        )
    text = _EXPLANATIONS[reason].format(**values)
    if length is not None and reason in ("dkim.pass", "dkim.pass_headers_only"):
        text += (
            f" Only the first {length} bytes of the body are signed (l=), so text added after "
            "them, such as a footer or a different message, would not be noticed."
        )
    return text
