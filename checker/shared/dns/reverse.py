"""Reverse-lookup names: ``in-addr.arpa`` for IPv4, ``ip6.arpa`` nibbles for IPv6, and DNSBL query names."""

from __future__ import annotations

import ipaddress

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def reversed_labels(address: IpAddress) -> str:
    """The address's labels, least significant first, without a suffix.

    IPv4 gives four octets; IPv6 always gives exactly 32 nibbles, because the address is expanded
    to its full 128 bits first (``::`` is never reversed as written).
    """
    if isinstance(address, ipaddress.IPv4Address):
        return ".".join(reversed(str(address).split(".")))
    return ".".join(reversed(address.packed.hex()))  # packed: "::ffff:1.2.3.4" has no dotted part


def reverse_name(address: IpAddress) -> str:
    """The PTR query name: ``10.2.0.192.in-addr.arpa`` or ``<32 nibbles>.ip6.arpa``."""
    suffix = "in-addr.arpa" if isinstance(address, ipaddress.IPv4Address) else "ip6.arpa"
    return f"{reversed_labels(address)}.{suffix}"


def dnsbl_name(address: IpAddress, zone: str) -> str:
    """The name to look up in a DNS blocklist zone, e.g. ``7.113.0.203.zen.spamhaus.org``."""
    return f"{reversed_labels(address)}.{zone.rstrip('.')}"
