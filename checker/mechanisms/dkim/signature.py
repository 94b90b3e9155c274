"""DKIM-Signature fields (RFC 6376 section 3.5): parse the tag list and check it is well formed."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field

from dkim.util import InvalidTagValueList

from checker.mechanisms.dkim.keys import decode_tag_list, is_valid_domain, is_valid_selector
from checker.shared.dns.names import a_label
from checker.shared.numbers import parse_uint

ALGORITHMS = {
    "rsa-sha256": ("rsa", "sha256"),
    "rsa-sha1": ("rsa", "sha1"),
    "ed25519-sha256": ("ed25519", "sha256"),
}
_WSP = re.compile(r"\s+")
_B64 = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")
# More names than this in h= is not a real signature; refusing keeps hostile input cheap.
MAX_SIGNED_HEADERS = 1000


@dataclass(frozen=True)
class SignatureProblem:
    """Why a signature field cannot be verified: a reason code and the words for it."""

    reason: str
    detail: str


@dataclass(frozen=True)
class SignatureFields:
    """The tags of one DKIM-Signature (or ARC-Message-Signature / ARC-Seal) field.

    ``tags`` keeps every tag as text for display; typed attributes hold what verification uses.
    ``problem`` is set when the field is malformed; the typed attributes are then best effort.
    """

    header_name: bytes
    header_value: bytes
    tags: dict[str, str] = field(default_factory=dict)
    algorithm: str = ""
    domain: str = ""
    selector: str = ""
    header_canon: str = "simple"
    body_canon: str = "simple"
    signed_headers: tuple[str, ...] = ()
    body_length: int | None = None
    timestamp: int | None = None
    expiration: int | None = None
    identity: str | None = None
    body_hash: str = ""
    signature: bytes = b""
    instance: int | None = None
    problem: SignatureProblem | None = None

    @property
    def key_type(self) -> str:
        """``rsa`` or ``ed25519`` from a=, empty when the algorithm is unknown."""
        return ALGORITHMS.get(self.algorithm, ("", ""))[0]

    @property
    def hash_name(self) -> str:
        """``sha256`` or ``sha1`` from a=, empty when the algorithm is unknown."""
        return ALGORITHMS.get(self.algorithm, ("", ""))[1]

    def summary(self) -> dict[str, str]:
        """The tags a person wants to see, with b= shortened (the full value is noise)."""
        shown = {
            k: v
            for k, v in self.tags.items()
            if k in ("v", "a", "c", "d", "s", "h", "l", "t", "x", "i", "bh", "cv")
        }
        if "h" in shown:
            shown["h"] = ":".join(self.signed_headers) if self.signed_headers else shown["h"]
        b_value = self.tags.get("b", "")
        shown["b"] = b_value if len(b_value) <= 24 else f"{b_value[:20]}…({len(b_value)} chars)"
        return shown


def _b64(value: str) -> bytes | None:
    compact = _WSP.sub("", value)
    if not _B64.match(compact) or len(compact) % 4:
        return None
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None


_QP_OCTET = re.compile(r"=([0-9A-Fa-f]{2})")


def decode_qp_identity(value: str) -> str:
    """The i= value decoded: RFC 6376 section 3.5 writes it in dkim-quoted-printable, so
    ``jlong@messiah=2Eedu`` is ``jlong@messiah.edu``; folding white space is dropped."""
    text = "".join(value.split())
    if "=" not in text:
        return text
    raw = _QP_OCTET.sub(lambda found: chr(int(found.group(1), 16)), text)
    return raw if raw.isascii() else raw.encode("latin-1", "replace").decode("utf-8", "replace")


def _int_tag(tags: dict[str, str], name: str) -> tuple[int | None, SignatureProblem | None]:
    if name not in tags:
        return None, None
    text = tags[name].strip()
    number = parse_uint(text, max_digits=76)
    if number is None:
        shown = text if len(text) <= 40 else text[:37] + "..."
        return None, SignatureProblem(
            "dkim.malformed_signature", f'{name}= must be a whole number, found "{shown}"'
        )
    return number, None


def parse_signature(
    name: bytes, value: bytes, *, kind: str = "dkim", required: tuple[str, ...] | None = None
) -> SignatureFields:
    """Parse and check one signature field. ``kind`` is ``dkim``, ``ams`` (ARC-Message-Signature) or ``as``.

    Never raises: a malformed field comes back with ``problem`` set.
    """
    prefix = "dkim" if kind == "dkim" else "arc"
    try:
        tags = decode_tag_list(value)
    except InvalidTagValueList as error:
        problem = SignatureProblem(
            f"{prefix}.malformed_signature", f"the tag list cannot be parsed ({error})"
        )
        return SignatureFields(name, value, problem=problem)
    if required is None:
        required = {
            "dkim": ("v", "a", "b", "bh", "d", "h", "s"),
            "ams": ("i", "a", "b", "bh", "d", "h", "s"),
        }.get(kind, ("i", "a", "b", "cv", "d", "s"))

    def result(problem: SignatureProblem | None = None, **typed: object) -> SignatureFields:
        return SignatureFields(name, value, tags, problem=problem, **typed)  # type: ignore[arg-type]

    missing = [tag for tag in required if tag not in tags]
    if missing:
        listed = ", ".join(f"{tag}=" for tag in missing)
        return result(SignatureProblem(f"{prefix}.missing_tag", f"the required tag {listed} is missing"))
    if kind == "dkim" and tags["v"].strip() != "1":
        return result(SignatureProblem("dkim.bad_version", f'v= must be "1", found "{tags["v"]}"'))
    typed: dict[str, object] = {
        "algorithm": tags["a"].strip().lower(),
        "domain": a_label(tags["d"].strip().lower()),  # RFC 8616 allows U-labels in d=
        "selector": tags["s"].strip().lower(),
        "body_hash": _WSP.sub("", tags.get("bh", "")),
    }
    if typed["algorithm"] not in ALGORITHMS:
        detail = f"a={tags['a']} is not a known signing algorithm"
        return result(SignatureProblem(f"{prefix}.unknown_algorithm", detail), **typed)
    signature = _b64(tags["b"])
    if signature is None or not signature:
        return result(SignatureProblem(f"{prefix}.malformed_signature", "b= is not valid base64"), **typed)
    typed["signature"] = signature
    if "bh" in tags and _b64(tags["bh"]) is None:
        return result(SignatureProblem(f"{prefix}.malformed_signature", "bh= is not valid base64"), **typed)
    if not is_valid_domain(str(typed["domain"])):
        return result(
            SignatureProblem(f"{prefix}.malformed_signature", f"d={tags['d']} is not a valid domain"), **typed
        )
    if not is_valid_selector(str(typed["selector"])):
        detail = f"s={tags['s']} is not a valid selector"
        return result(SignatureProblem(f"{prefix}.malformed_signature", detail), **typed)
    canon = tags.get("c", "relaxed/relaxed" if kind != "dkim" else "simple/simple").strip().lower()
    header_canon, _, body_canon = canon.partition("/")
    body_canon = body_canon or "simple"
    if header_canon not in ("simple", "relaxed") or body_canon not in ("simple", "relaxed"):
        return result(
            SignatureProblem(f"{prefix}.malformed_signature", f"c={canon} is not a known canonicalisation"),
            **typed,
        )
    typed.update(header_canon=header_canon, body_canon=body_canon)
    if "h" in tags:
        # An empty name (h=, "to::date") selects no field; the ARC suite expects such signatures to verify.
        signed = tuple(part.strip().lower() for part in tags["h"].split(":"))
        if len(signed) > MAX_SIGNED_HEADERS:
            detail = f"h= lists {len(signed)} fields, more than the {MAX_SIGNED_HEADERS} this checker accepts"
            return result(SignatureProblem(f"{prefix}.malformed_signature", detail), **typed)
        typed["signed_headers"] = signed
    for tag, attribute in (("l", "body_length"), ("t", "timestamp"), ("x", "expiration")):
        number, problem = _int_tag(tags, tag)
        if problem is not None:
            return result(SignatureProblem(f"{prefix}.malformed_signature", problem.detail), **typed)
        typed[attribute] = number
    if (
        typed["timestamp"] is not None
        and typed["expiration"] is not None
        and typed["expiration"] < typed["timestamp"]
    ):
        detail = "x= (expiry) is earlier than t= (signing time)"
        return result(SignatureProblem(f"{prefix}.malformed_signature", detail), **typed)
    if "q" in tags and "dns/txt" not in _WSP.sub("", tags["q"]).lower().split(":"):
        detail = f"q={tags['q']} is not the DNS key lookup method (dns/txt)"
        return result(SignatureProblem(f"{prefix}.malformed_signature", detail), **typed)
    if kind != "dkim":
        instance, problem = _int_tag(tags, "i")
        if problem is not None or instance is None:
            return result(
                SignatureProblem("arc.malformed_signature", f"i={tags.get('i')} is not a number"), **typed
            )
        typed["instance"] = instance
        return result(**typed)
    if "i" in tags:
        identity = decode_qp_identity(tags["i"])
        typed["identity"] = identity
        identity_domain = a_label(identity.rpartition("@")[2].lower())
        domain = str(typed["domain"])
        if "@" not in identity or not (identity_domain == domain or identity_domain.endswith("." + domain)):
            detail = f"i={identity} is not at d={domain} or one of its subdomains"
            return result(SignatureProblem("dkim.identity_mismatch", detail), **typed)
    if "from" not in typed.get("signed_headers", ()):
        detail = "h= does not list From, and RFC 6376 requires the From field to be signed"
        return result(SignatureProblem("dkim.from_not_signed", detail), **typed)
    return result(**typed)
