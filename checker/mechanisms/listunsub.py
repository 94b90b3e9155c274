"""List-Unsubscribe checks: RFC 2369 links, RFC 8058 one-click, and DKIM coverage of both headers.

Gmail and Yahoo require bulk senders to offer one-click unsubscribe: an https link in
List-Unsubscribe, ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``, and both headers signed
by DKIM (RFC 8058 section 4). Whether the signature itself verifies is the DKIM check's job; here
we only read which headers its ``h=`` tag lists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from checker.shared.result import Check, Verdict

_URI_IN_BRACKETS = re.compile(r"<([^<>]*)>")
_DKIM_TAG = re.compile(r"(?:^|;)\s*([a-zA-Z]\w*)\s*=\s*([^;]*)")
_ONE_CLICK = "list-unsubscribe=one-click"
NAME = "List-Unsubscribe"


def _pairs(headers: Iterable[object]) -> list[tuple[str, str]]:
    """(name, value) pairs from ``Header`` objects or ``(name, value)`` tuples."""
    pairs = []
    for header in headers:
        if isinstance(header, tuple) and len(header) == 2:
            pairs.append((str(header[0]), str(header[1])))
        else:
            pairs.append((str(getattr(header, "name", "")), str(getattr(header, "value", ""))))
    return pairs


def signed_header_names(dkim_signature: str) -> tuple[str, ...]:
    """The lower-cased header names a DKIM-Signature's ``h=`` tag lists (empty when there is none)."""
    compact = "".join(dkim_signature.split())
    for found in _DKIM_TAG.finditer(compact):
        if found.group(1) == "h":
            return tuple(name.lower() for name in found.group(2).split(":") if name)
    return ()


def _dkim_check(values: dict[str, list[str]], has_post: bool) -> Check:
    signatures = values.get("dkim-signature", [])
    wanted = ["list-unsubscribe"] + (["list-unsubscribe-post"] if has_post else [])
    if not signatures:
        return Check(
            "List-Unsubscribe signed by DKIM",
            Verdict.FAIL,
            "listunsub.no_dkim_signature",
            "The message has no DKIM signature, so nothing proves the unsubscribe link came from the "
            "sender. Gmail and Yahoo ignore one-click unsubscribe that is not DKIM-signed.",
        )
    covering = []
    for index, signature in enumerate(signatures):
        signed = signed_header_names(signature)
        if all(name in signed for name in wanted):
            covering.append(index + 1)
    evidence = {"signatures": len(signatures), "covering_signatures": covering, "required": wanted}
    if covering:
        return Check(
            "List-Unsubscribe signed by DKIM",
            Verdict.PASS,
            "listunsub.dkim_covered",
            f"DKIM signature {covering[0]} lists {' and '.join(wanted)} in its h= tag, so the unsubscribe "
            "headers are protected against tampering (if that signature verifies).",
            evidence,
        )
    return Check(
        "List-Unsubscribe signed by DKIM",
        Verdict.FAIL,
        "listunsub.dkim_not_covered",
        f"No DKIM signature lists {' and '.join(wanted)} in its h= tag. RFC 8058 requires the signature "
        "to cover these headers; add them to the signed header list of your mail server or ESP.",
        evidence,
    )


def check_list_unsubscribe(headers: Iterable[object]) -> tuple[Check, ...]:
    """Check List-Unsubscribe and List-Unsubscribe-Post for RFC 2369 / RFC 8058 one-click unsubscribe."""
    values: dict[str, list[str]] = {}
    for name, value in _pairs(headers):
        values.setdefault(name.lower(), []).append(value)
    unsub_values = values.get("list-unsubscribe", [])
    if not unsub_values:
        return (
            Check(
                "List-Unsubscribe present",
                Verdict.WARN,
                "listunsub.missing",
                "The message has no List-Unsubscribe header. That is fine for personal mail, but senders "
                "of bulk or marketing mail must offer one (Gmail and Yahoo require one-click unsubscribe).",
            ),
        )
    value = " ".join(unsub_values)
    uris = [uri.strip() for uri in _URI_IN_BRACKETS.findall(value)]
    checks = [
        Check(
            "List-Unsubscribe present",
            Verdict.PASS if uris else Verdict.FAIL,
            "listunsub.present" if uris else "listunsub.malformed",
            "The message has a List-Unsubscribe header."
            if uris
            else "The List-Unsubscribe header has no link in angle brackets (RFC 2369 wants "
            "<https://...> or <mailto:...>), so mail programs cannot use it.",
            {"value": value, "uris": uris},
        )
    ]
    https = [uri for uri in uris if uri.lower().startswith("https://")]
    plain_http = [uri for uri in uris if uri.lower().startswith("http://")]
    mailto = [uri for uri in uris if uri.lower().startswith("mailto:")]
    if https:
        checks.append(
            Check(
                "https unsubscribe link",
                Verdict.PASS,
                "listunsub.https_present",
                "There is an https unsubscribe link, which one-click unsubscribe needs.",
                {"uris": https},
            )
        )
    else:
        checks.append(
            Check(
                "https unsubscribe link",
                Verdict.FAIL,
                "listunsub.http_not_https" if plain_http else "listunsub.no_https",
                (
                    "The unsubscribe link uses plain http; one-click unsubscribe (RFC 8058) needs https."
                    if plain_http
                    else "There is no https unsubscribe link, so one-click unsubscribe is not possible; "
                    "add <https://...> to List-Unsubscribe."
                ),
                {"uris": uris},
            )
        )
    checks.append(
        Check(
            "mailto unsubscribe address",
            Verdict.PASS if mailto else Verdict.INFO,
            "listunsub.mailto_present" if mailto else "listunsub.no_mailto",
            "There is a mailto: unsubscribe address, which some mail programs use instead of the link."
            if mailto
            else "There is no mailto: unsubscribe address. It is optional; some older mail programs "
            "only know that form.",
            {"uris": mailto},
        )
    )
    post_values = values.get("list-unsubscribe-post", [])
    post_ok = any(" ".join(post.split()).lower() == _ONE_CLICK for post in post_values)
    if post_ok and https:
        checks.append(
            Check(
                "One-click unsubscribe",
                Verdict.PASS,
                "listunsub.one_click_ok",
                "List-Unsubscribe-Post says List-Unsubscribe=One-Click, so a mail program can unsubscribe "
                "the reader with one click (RFC 8058).",
                {"value": post_values},
            )
        )
    elif post_ok:
        checks.append(
            Check(
                "One-click unsubscribe",
                Verdict.FAIL,
                "listunsub.one_click_without_https",
                "List-Unsubscribe-Post asks for one-click unsubscribe, but there is no https link for the "
                "mail program to send the request to.",
                {"value": post_values},
            )
        )
    else:
        checks.append(
            Check(
                "One-click unsubscribe",
                Verdict.FAIL,
                "listunsub.one_click_invalid" if post_values else "listunsub.one_click_missing",
                (
                    f'List-Unsubscribe-Post is "{post_values[0]}"; it must be exactly '
                    '"List-Unsubscribe=One-Click" (RFC 8058).'
                    if post_values
                    else 'There is no "List-Unsubscribe-Post: List-Unsubscribe=One-Click" header, so'
                    " one-click unsubscribe is not offered. Gmail and Yahoo require it from bulk senders."
                ),
                {"value": post_values},
            )
        )
    checks.append(_dkim_check(values, bool(post_values)))
    return tuple(checks)
