"""Signature arithmetic: RSASSA-PKCS1-v1_5 (RFC 8017) and Ed25519 (RFC 8032, our own verifier)."""

from __future__ import annotations

from typing import Any

from dkim.crypto import DigestTooLargeError, EMSA_PKCS1_v1_5_encode

from checker.mechanisms.dkim import ed25519


def rsa_verify(hash_object: Any, signature: bytes, modulus: int, exponent: int) -> bool:
    """True when ``signature`` is a PKCS#1 v1.5 signature of the digest in ``hash_object``.

    ``hash_object`` is a finished hashlib object (its name picks the DigestInfo prefix).
    """
    size = (modulus.bit_length() + 7) // 8
    if len(signature) != size:
        return False
    value = int.from_bytes(signature, "big")
    if value >= modulus:
        return False
    try:
        expected = EMSA_PKCS1_v1_5_encode(hash_object, size)
    except DigestTooLargeError:
        return False
    return pow(value, exponent, modulus).to_bytes(size, "big") == bytes(expected)


def ed25519_verify(public_key: bytes, digest: bytes, signature: bytes) -> bool:
    """RFC 8463: the Ed25519 signature covers the SHA-256 digest of the canonical headers."""
    return ed25519.verify(public_key, digest, signature)
