"""Who the headers say sent the message: envelope sender, HELO name, and the SPF and DKIM identities.

Our own re-checks come first; what the trusted receiver recorded in Authentication-Results fills gaps.
"""

from __future__ import annotations

import re
from typing import Any

from checker.mechanisms.authres.parse import AuthenticationResults

_ANGLE_ADDRESS = re.compile(r"<([^<>]*)>")


def envelope_sender(message: Any, trusted: AuthenticationResults | None) -> str | None:
    """The envelope sender: Return-Path, else the MAIL FROM the trusted receiver recorded."""
    return_path = message.get("Return-Path")
    if return_path is not None:
        # "<bounce@example.com>", "<>", or a bare address, possibly followed by a (comment)
        found = _ANGLE_ADDRESS.search(return_path)
        return (found.group(1) if found else return_path.split("(", 1)[0]).strip()
    for result in trusted.by_method("spf") if trusted else ():
        value = result.get("smtp", "mailfrom")
        if value:
            return value
    return None


def helo_name(received: Any, trusted: AuthenticationResults | None) -> str | None:
    """The HELO name: as the trusted receiver recorded it, else from the first external hop."""
    for result in trusted.by_method("spf") if trusted else ():
        if result.get("smtp", "helo"):
            return result.get("smtp", "helo")
    hop = getattr(received, "first_external", None)
    return getattr(hop, "from_helo", None) or getattr(hop, "from_name", None)


def spf_identity(
    spf: Any, mail_from: str | None, helo: str | None, trusted: AuthenticationResults | None
) -> tuple[str | None, str | None]:
    """The SPF-checked domain and its result: our re-evaluation, else what the receiver recorded."""
    if spf is not None:
        return getattr(spf, "domain", None), str(getattr(spf.result, "value", spf.result))
    for result in trusted.by_method("spf") if trusted else ():
        domain = result.get("smtp", "mailfrom") or result.get("smtp", "helo")
        if domain:
            return domain.rsplit("@", 1)[-1], result.result
    if mail_from and "@" in mail_from:
        return mail_from.rsplit("@", 1)[1], None
    return None, None


def dkim_identities(dkim: Any, trusted: AuthenticationResults | None) -> list[tuple[str, str]]:
    """(domain, result) per DKIM signature: our verification, else what the receiver recorded."""
    if dkim is not None:
        return [(s.domain, s.result) for s in dkim.signatures if s.domain]
    return [
        (r.get("header", "d") or (r.get("header", "i") or "").rsplit("@", 1)[-1], r.result)
        for r in (trusted.by_method("dkim") if trusted else ())
    ]
