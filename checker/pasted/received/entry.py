"""Where the message entered the receiving side: the first hop a server outside the receiver connected to.

That hop's sending IP is the address SPF judged; the relays above it are the receiver's own.
"""

from __future__ import annotations

import ipaddress

from checker.pasted.received.hop import Hop

_INTERNAL_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "0.0.0.0/8", "fc00::/7")
)


def _org_domain(host: str | None) -> str | None:
    """A rough organisational domain: the last two labels, three under a two-letter country suffix.

    Good enough to tell "mx1.example.net" and "mx2.example.net" belong together; the checker's public
    suffix module gives the exact answer where it matters (DMARC alignment).
    """
    if not host or "." not in host:
        return None
    labels = host.lower().split(".")
    keep = 3 if len(labels) >= 3 and len(labels[-1]) == 2 and len(labels[-2]) <= 3 else 2
    return ".".join(labels[-keep:])


def _is_public(ip: str | None) -> bool:
    """Reachable from the internet: not RFC 1918, CGNAT, loopback, link-local, ULA and the like.

    Documentation ranges (192.0.2.0/24, 2001:db8::/32) count as public so examples behave like real
    addresses.
    """
    if not ip:
        return False
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return not (
        address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or any(address in network for network in _INTERNAL_NETWORKS)
    )


def _is_own(hop: Hop, own_hosts: frozenset[str]) -> bool:
    """True when the sending side of this hop is one of the receiver's declared hosts, domains or IPs."""
    if not own_hosts:
        return False
    if hop.from_ip and hop.from_ip in own_hosts:
        return True
    for host in (hop.from_name, hop.from_helo):
        if host and any(host.lower() == own or host.lower().endswith("." + own) for own in own_hosts):
            return True
    return False


def first_external_hop(hops: list[Hop], own_hosts: frozenset[str] = frozenset()) -> Hop | None:
    """The first hop, from the top, that a server outside the receiver's own systems connected to.

    Walking down from the newest header: hops with no sender address or a private one (10/8,
    192.168/16, loopback, ...) are internal relays. A hop from a public address counts as internal
    too when the sending host has the same organisational domain as the receiving host (Microsoft
    365 and Google relay between their own public servers) and a lower hop also came from a public
    address. Hops from ``own_hosts`` (domains, host names or IPs the caller declares as the receiver's)
    are internal too. The first public hop that is not internal is where the message entered: its IP
    is what SPF judged.
    """
    public_positions = [
        index for index, hop in enumerate(hops) if _is_public(hop.from_ip) and not _is_own(hop, own_hosts)
    ]
    for index in public_positions:
        hop = hops[index]
        sender_org = _org_domain(hop.from_name) or _org_domain(hop.from_helo)
        receiver_org = _org_domain(hop.by)
        lower_public = any(other > index for other in public_positions)
        if sender_org and sender_org == receiver_org and lower_public:
            continue
        return hop
    return None
