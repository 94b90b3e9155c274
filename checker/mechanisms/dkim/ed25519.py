"""Ed25519 signature verification (RFC 8032) in pure Python, for DKIM ed25519-sha256 (RFC 8463).

PyNaCl is not available in the browser, and dkimpy without it reports valid ed25519 signatures as
failed, so the checker verifies them itself. Only verification is implemented: it handles public
data, so constant-time arithmetic is not needed.
"""

from __future__ import annotations

import hashlib

_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493  # order of the base point
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)

# Points are kept in extended homogeneous coordinates (X, Y, Z, T) with x = X/Z, y = Y/Z, xy = T/Z,
# which makes addition a handful of multiplications and avoids an inversion per step.
_Point = tuple[int, int, int, int]
_IDENTITY: _Point = (0, 1, 1, 0)


def _recover_x(y: int, sign: int) -> int | None:
    """RFC 8032 section 5.1.3: x from y and the sign bit, or None when no such point exists."""
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P != 0:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P != 0:
        return None
    if (x & 1) != sign:
        x = _P - x
    return x


_BASE_Y = 4 * pow(5, _P - 2, _P) % _P
_BASE_X = _recover_x(_BASE_Y, 0)
assert _BASE_X is not None  # a constant of the curve, cannot fail
_BASE: _Point = (_BASE_X, _BASE_Y, 1, _BASE_X * _BASE_Y % _P)


def _add(p: _Point, q: _Point) -> _Point:
    x1, y1, z1, t1 = p
    x2, y2, z2, t2 = q
    a = (y1 - x1) * (y2 - x2) % _P
    b = (y1 + x1) * (y2 + x2) % _P
    c = 2 * t1 * t2 * _D % _P
    d = 2 * z1 * z2 % _P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _double(p: _Point) -> _Point:
    x1, y1, z1, _ = p
    a = x1 * x1 % _P
    b = y1 * y1 % _P
    c = 2 * z1 * z1 % _P
    h = a + b
    e = h - (x1 + y1) * (x1 + y1)
    g = a - b
    f = c + g
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _negate(p: _Point) -> _Point:
    x, y, z, t = p
    return (-x % _P, y, z, -t % _P)


def _double_scalar_mult(a: int, p: _Point, b: int, q: _Point) -> _Point:
    """a*P + b*Q in one pass (Straus/Shamir), which halves the doublings of two separate products."""
    pq = _add(p, q)
    result = _IDENTITY
    for bit in range(max(a.bit_length(), b.bit_length()) - 1, -1, -1):
        result = _double(result)
        use_p = (a >> bit) & 1
        use_q = (b >> bit) & 1
        if use_p and use_q:
            result = _add(result, pq)
        elif use_p:
            result = _add(result, p)
        elif use_q:
            result = _add(result, q)
    return result


def _encode(p: _Point) -> bytes:
    x, y, z, _ = p
    z_inv = pow(z, _P - 2, _P)
    x = x * z_inv % _P
    y = y * z_inv % _P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def _decode(data: bytes) -> _Point | None:
    if len(data) != 32:
        return None
    value = int.from_bytes(data, "little")
    sign = value >> 255
    y = value & ((1 << 255) - 1)
    x = _recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % _P)


def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """True when ``signature`` is a valid Ed25519 signature of ``message`` under ``public_key``.

    Malformed keys or signatures (wrong length, not a curve point, S out of range) return False.
    The check is the cofactorless one (``[S]B - [k]A`` encodes to ``R``), as libsodium does.
    """
    if len(signature) != 64 or len(public_key) != 32:
        return False
    a_point = _decode(public_key)
    if a_point is None or _decode(signature[:32]) is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= _L:
        return False
    k = int.from_bytes(hashlib.sha512(signature[:32] + public_key + message).digest(), "little") % _L
    return _encode(_double_scalar_mult(s, _BASE, k, _negate(a_point))) == signature[:32]


def is_valid_public_key(public_key: bytes) -> bool:
    """True when the 32 bytes decode to a point on the curve."""
    return _decode(public_key) is not None
