"""What a DKIM (or ARC) signature covers: canonicalised header and body bytes (RFC 6376 section 3.4, 3.7)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Sequence

from dkim import RE_BTAG
from dkim.canonicalization import Relaxed, Simple

HASHES = {"sha256": hashlib.sha256, "sha1": hashlib.sha1}
_CANONS = {"simple": Simple, "relaxed": Relaxed}

Header = tuple[bytes, bytes]


def select_headers(headers: Sequence[Header], signed_names: Iterable[str]) -> list[Header]:
    """Pick the fields named in h=, each name taking the next instance from the bottom up (RFC 6376 5.4.2).

    A name listed more often than the field occurs selects nothing the extra times (an
    "oversigned" field, which stops anyone adding one later).
    """
    positions: dict[str, list[int]] = {}
    for index, (name, _) in enumerate(headers):
        positions.setdefault(name.rstrip().lower().decode("ascii", "replace"), []).append(index)
    selected = []
    for wanted in signed_names:
        stack = positions.get(wanted)
        if stack:
            selected.append(headers[stack.pop()])
    return selected


def header_hash_input(selected: Sequence[Header], signature_header: Header, canon: str) -> bytes:
    """The exact bytes hashed for b=: the selected fields, then the signature field with b= emptied.

    The signature field is hashed without its final CRLF (RFC 6376 3.7).
    """
    algorithm = _CANONS[canon]
    name, value = signature_header
    stripped = (name, RE_BTAG.sub(rb"\1", value))
    fields = algorithm.canonicalize_headers([*selected, stripped])
    parts = [field_name + b":" + field_value for field_name, field_value in fields[:-1]]
    last_name, last_value = fields[-1]
    if last_value.endswith(b"\r\n"):
        last_value = last_value[:-2]
    parts.append(last_name + b":" + last_value)
    return b"".join(parts)


class BodyHasher:
    """Body hashes of one message, cached per (canonicalisation, hash, l=): signatures often share them."""

    def __init__(self, body: bytes) -> None:
        self._body = body
        self._canonical: dict[str, bytes] = {}
        self._hashes: dict[tuple[str, str, int | None], str] = {}

    def canonical_body(self, canon: str) -> bytes:
        """The body after "simple" or "relaxed" body canonicalisation."""
        if canon not in self._canonical:
            self._canonical[canon] = _CANONS[canon].canonicalize_body(self._body)
        return self._canonical[canon]

    def body_hash(self, canon: str, hash_name: str, length: int | None = None) -> str:
        """The base64 body hash, as bh= would carry it, of the first ``length`` canonical octets."""
        key = (canon, hash_name, length)
        if key not in self._hashes:
            body = self.canonical_body(canon)
            if length is not None:
                body = body[:length]
            self._hashes[key] = base64.b64encode(HASHES[hash_name](body).digest()).decode("ascii")
        return self._hashes[key]
