"""Plain-English sentences for SPF results, for people who do not read RFC 7208."""

from __future__ import annotations

from checker.mechanisms.spf.model import SpfResultCode

_EFFECT = {
    SpfResultCode.PASS: "so the address is allowed to send for the domain",
    SpfResultCode.FAIL: (
        "which says the address is not allowed to send for the domain; receivers may reject the mail"
    ),
    SpfResultCode.SOFTFAIL: (
        "which says the address is probably not allowed; receivers usually accept the mail but "
        "treat it as suspicious"
    ),
    SpfResultCode.NEUTRAL: "which makes no statement either way about this address",
}


def describe_match(
    result: SpfResultCode, ip: str, domain: str, mechanism: str, record_domain: str, trail: tuple[str, ...]
) -> str:
    """Why a matched mechanism gave ``result``."""
    where = f"the SPF record of {record_domain}"
    if record_domain.lower() != domain.lower():
        where += f" (reached from {domain})"
    text = f"{ip} matched '{mechanism}' in {where}, {_EFFECT[result]}."
    if len(trail) > 1:
        text += " Path: " + " → ".join(trail) + "."
    return text


def describe_default(ip: str, domain: str, record_domain: str) -> str:
    """Why nothing matched and the result defaulted to neutral."""
    where = (
        record_domain
        if record_domain.lower() == domain.lower()
        else f"{record_domain} (reached from {domain})"
    )
    return (
        f"No mechanism in the SPF record of {where} matched {ip}, and the record has neither an 'all' "
        "mechanism nor a redirect, so the result defaults to neutral: no statement either way."
    )


def describe_none(reason: str, domain: str, detail: str) -> str:
    """Why there is no SPF result at all."""
    if reason == "spf.domain_not_found":
        return f"{domain} does not exist in DNS, so it has no SPF record to check against."
    if reason == "spf.invalid_domain":
        return f"SPF cannot be checked for {domain!r}: {detail}."
    return (
        f"{domain} publishes no SPF record (no TXT record starting with 'v=spf1'), so receivers cannot "
        "tell which servers may send its mail."
    )


def describe_error(result: SpfResultCode, detail: str) -> str:
    """Why evaluation stopped with permerror or temperror."""
    if result is SpfResultCode.TEMPERROR:
        return (
            f"SPF could not be checked because of a temporary DNS problem: {detail.rstrip('.')}. "
            "Receivers usually defer the mail and try again later."
        )
    return (
        "The SPF policy is broken, so receivers treat it as a permanent error (permerror): "
        f"{detail.rstrip('.')}. "
        "DMARC then counts SPF as not passing."
    )
