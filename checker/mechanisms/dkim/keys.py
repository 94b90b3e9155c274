"""DKIM public key records (RFC 6376 section 3.6.1): parse the TXT text and fetch it from DNS."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from dkim.crypto import parse_public_key
from dkim.util import InvalidTagValueList, parse_tag_value

from checker.mechanisms.dkim import ed25519
from checker.shared.dns.model import DnsAnswer, Resolver
from checker.shared.dns.query import safe_query

# RSA keys larger than this are refused: the modular exponentiation time grows with the cube of
# the size, and nobody publishes such keys (RFC 8301 asks verifiers to handle up to 4096 bits).
MAX_RSA_BITS = 8192
_SELECTOR = re.compile(
    r"^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?)*$"
)
_DOMAIN = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*$"
)


def is_valid_selector(selector: str) -> bool:
    """Selectors are one or more DNS labels (RFC 6376 3.1)."""
    return bool(_SELECTOR.match(selector)) and len(selector) <= 253


def is_valid_domain(domain: str) -> bool:
    """A plausible DNS domain name (ASCII or A-labels), without a trailing dot."""
    return bool(_DOMAIN.match(domain))


def key_query_name(selector: str, domain: str) -> str:
    """The DNS name a DKIM key lives at: ``<selector>._domainkey.<domain>``."""
    return f"{selector}._domainkey.{domain}".lower()


@dataclass(frozen=True)
class DkimKey:
    """A parsed key record. ``problem`` is a reason code (``dkim.key_revoked``, ``dkim.key_invalid``) or None.

    ``problem_detail`` says in words what is wrong. ``bits`` is the RSA modulus size or 256 for Ed25519.
    """

    record: str
    key_type: str = "rsa"
    version: str | None = None
    public_key_b64: str = ""
    hash_algorithms: tuple[str, ...] | None = None
    service_types: tuple[str, ...] | None = None
    flags: tuple[str, ...] = ()
    notes: str | None = None
    bits: int | None = None
    rsa_modulus: int | None = None
    rsa_exponent: int | None = None
    ed25519_public: bytes | None = None
    problem: str | None = None
    problem_detail: str | None = None

    @property
    def testing(self) -> bool:
        """t=y: the domain says it is testing DKIM, receivers should not treat failures differently."""
        return "y" in self.flags

    @property
    def strict_identity(self) -> bool:
        """t=s: the i= domain must equal d= exactly, not be a subdomain."""
        return "s" in self.flags

    @property
    def usable(self) -> bool:
        """True when the key can verify signatures (no problem was found with it)."""
        return self.problem is None


def decode_tag_list(value: bytes) -> dict[str, str]:
    """An RFC 6376 tag list (key or signature) as text; malformed lists raise ``InvalidTagValueList``."""
    raw = parse_tag_value(value)
    return {k.decode("ascii", "replace"): v.decode("utf-8", "replace") for k, v in raw.items()}


def _split_list(value: str) -> tuple[str, ...]:
    return tuple(part.strip().lower() for part in value.split(":") if part.strip())


def parse_key_record(record: str) -> DkimKey:
    """Parse a DKIM key TXT record; never raises, problems are reported in the result."""
    try:
        tags = decode_tag_list(record.encode("utf-8", "replace"))
    except InvalidTagValueList as error:
        return DkimKey(
            record, problem="dkim.key_invalid", problem_detail=f"the record is not a tag list ({error})"
        )
    version = tags.get("v")
    key_type = tags.get("k", "rsa").strip().lower()
    public_b64 = re.sub(r"\s+", "", tags.get("p", ""))
    base = {
        "record": record,
        "key_type": key_type,
        "version": version,
        "public_key_b64": public_b64,
        "hash_algorithms": _split_list(tags["h"]) if "h" in tags else None,
        "service_types": _split_list(tags["s"]) if "s" in tags else None,
        "flags": _split_list(tags.get("t", "")),
        "notes": tags.get("n"),
    }

    def broken(reason: str, detail: str) -> DkimKey:
        return DkimKey(**base, problem=reason, problem_detail=detail)

    if version is not None and (version != "DKIM1" or not record.lstrip().startswith("v")):
        return broken("dkim.key_invalid", f'v= must be "DKIM1" and come first, found "{version}"')
    if "p" not in tags:
        return broken("dkim.key_invalid", "the record has no p= tag (the public key)")
    if not public_b64:
        return broken("dkim.key_revoked", "p= is empty, which is how a domain revokes a key")
    if base["service_types"] is not None and not {"*", "email"} & set(base["service_types"]):
        return broken("dkim.key_invalid", f"s={tags['s']} says the key is not for email")
    try:
        der = base64.b64decode(public_b64, validate=True)
    except (binascii.Error, ValueError):
        return broken("dkim.key_invalid", "p= is not valid base64")
    if key_type == "rsa":
        try:
            rsa = parse_public_key(der)
        except Exception as error:  # dkimpy's DER reader also asserts and recurses on garbage
            detail = str(error) or type(error).__name__
            return broken("dkim.key_invalid", f"p= is not an RSA public key ({detail[:80]})")
        modulus, exponent = rsa["modulus"], rsa["publicExponent"]
        bits = modulus.bit_length()
        if bits > MAX_RSA_BITS or exponent < 3 or exponent >= modulus:
            return broken(
                "dkim.key_invalid", f"the RSA key is out of range ({bits} bits, exponent {exponent})"
            )
        return DkimKey(**base, bits=bits, rsa_modulus=modulus, rsa_exponent=exponent)
    if key_type == "ed25519":
        if len(der) != 32 or not ed25519.is_valid_public_key(der):
            return broken("dkim.key_invalid", "p= is not a 32-byte Ed25519 public key")
        return DkimKey(**base, bits=256, ed25519_public=der)
    return broken(
        "dkim.key_invalid", f'k={key_type} is not a key type this checker knows ("rsa" or "ed25519")'
    )


@dataclass(frozen=True)
class KeyLookup:
    """The outcome of fetching one key: the DNS answer and the parsed key when one was found."""

    query_name: str
    answer: DnsAnswer
    key: DkimKey | None
    record_count: int = 0


def _pick_record(records: tuple[str, ...]) -> str | None:
    # Some zones publish unrelated TXT strings next to the key; prefer the one that looks like a key.
    for record in records:
        if "p=" in record:
            return record
    return records[0] if records else None


async def fetch_key(resolver: Resolver, selector: str, domain: str) -> KeyLookup:
    """Query ``<selector>._domainkey.<domain>`` TXT and parse it; DNS trouble stays in ``answer``."""
    name = key_query_name(selector, domain)
    answer = await safe_query(resolver, name, "TXT")
    record = _pick_record(answer.records) if answer.ok else None
    key = parse_key_record(record) if record is not None else None
    return KeyLookup(name, answer, key, len(answer.records))
