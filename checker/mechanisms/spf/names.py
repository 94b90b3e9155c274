"""Domain-name rules SPF applies before it asks DNS anything (RFC 7208 sections 4.3 and 7.3)."""

from __future__ import annotations

import ipaddress
import re

from checker.shared.dns.names import a_label, fold_name
from checker.shared.dns.reverse import IpAddress

_MAX_NAME = 253
_MAX_LABEL = 63
TOPLABEL = re.compile(r"[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9-]*[A-Za-z0-9]")


def domain_problem(domain: str) -> str | None:
    """Why ``domain`` cannot be an SPF identity (section 4.3), or None when it can."""
    if not domain:
        return "the domain is empty"
    if domain.startswith("["):
        return f"{domain!r} is an address literal, not a domain name"
    name = domain[:-1] if domain.endswith(".") else domain
    if not name.isascii():
        return f"{domain!r} contains non-ASCII characters; use its xn-- (punycode) form"
    labels = name.split(".")
    if len(labels) < 2:
        return f"{domain!r} is a single label, not a fully qualified domain name"
    if any(not label for label in labels):
        return f"{domain!r} has an empty label (two dots in a row)"
    long_label = next((label for label in labels if len(label) > _MAX_LABEL), None)
    if long_label:
        return f"{domain!r} has a label longer than {_MAX_LABEL} characters"
    if len(name) > _MAX_NAME:
        return f"{domain!r} is longer than {_MAX_NAME} characters"
    return None


def target_name(expanded: str) -> str | None:
    """Turn an expanded domain-spec into a name to query, or None if no query can be built.

    Section 7.3: a trailing dot is ignored and an over-long name loses labels from the left
    until it fits in 253 characters. Empty or over-long labels cannot be queried; the
    mechanism then simply does not match.
    """
    name = expanded[:-1] if expanded.endswith(".") else expanded
    while len(name) > _MAX_NAME and "." in name:
        name = name.split(".", 1)[1]
    labels = name.split(".")
    if not name or len(name) > _MAX_NAME or any(not 0 < len(label) <= _MAX_LABEL for label in labels):
        return None
    return name


def parse_ip(text: str) -> IpAddress | None:
    """Parse a client IP; an IPv4-mapped IPv6 address is treated as the IPv4 address (section 5)."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return None
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
    return address


def is_within(name: str, domain: str) -> bool:
    """True when ``name`` is ``domain`` or a subdomain of it, ignoring case and trailing dots."""
    name, domain = fold_name(name), fold_name(domain)
    return name == domain or name.endswith("." + domain)


def ascii_domain(domain: str) -> str:
    """The domain in ASCII (xn-- labels) when it is an internationalised name; otherwise unchanged."""
    return a_label(domain.strip())  # unconvertible names stay as they are: domain_problem() explains them
