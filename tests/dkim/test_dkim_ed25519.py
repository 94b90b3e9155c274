"""Our Ed25519 verifier against RFC 8032 section 7.1, and proof that it needs no PyNaCl."""

from __future__ import annotations

import importlib.util

import pytest

from checker.mechanisms.dkim import ed25519

# RFC 8032 section 7.1, TEST 1-3: (public key, message, signature), hex.
RFC8032_VECTORS = [
    (
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
        "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
        "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
]


@pytest.mark.parametrize(("public", "message", "signature"), RFC8032_VECTORS, ids=["test1", "test2", "test3"])
def test_ed25519_rfc8032_vector_verifies(public: str, message: str, signature: str) -> None:
    assert ed25519.verify(bytes.fromhex(public), bytes.fromhex(message), bytes.fromhex(signature))


@pytest.mark.parametrize(("public", "message", "signature"), RFC8032_VECTORS, ids=["test1", "test2", "test3"])
def test_ed25519_rfc8032_vector_rejects_changes(public: str, message: str, signature: str) -> None:
    key, data, sig = bytes.fromhex(public), bytes.fromhex(message), bytes.fromhex(signature)
    assert not ed25519.verify(key, data + b"x", sig)
    assert not ed25519.verify(key, data, sig[:10] + bytes([sig[10] ^ 1]) + sig[11:])
    assert not ed25519.verify(key, data, sig[:40] + bytes([sig[40] ^ 1]) + sig[41:])
    other_key = bytes.fromhex(
        RFC8032_VECTORS[(RFC8032_VECTORS.index((public, message, signature)) + 1) % 3][0]
    )
    assert not ed25519.verify(other_key, data, sig)


def test_ed25519_malformed_inputs_are_false_not_errors() -> None:
    public, _, signature = (bytes.fromhex(v) for v in RFC8032_VECTORS[0])
    assert not ed25519.verify(public[:31], b"", signature)
    assert not ed25519.verify(public, b"", signature[:63])
    assert not ed25519.verify(b"\xff" * 32, b"", signature)  # y >= p: not a point
    # S >= L (the group order) must be refused, or signatures become malleable.
    big_s = (int.from_bytes(signature[32:], "little") + ed25519._L).to_bytes(32, "little")
    assert not ed25519.verify(public, b"", signature[:32] + big_s)
    assert ed25519.is_valid_public_key(public)
    assert not ed25519.is_valid_public_key(b"\x00" * 31)


def test_ed25519_runs_without_pynacl() -> None:
    # The browser has no PyNaCl; keep it absent here so a pass proves the pure-Python path.
    assert importlib.util.find_spec("nacl") is None
