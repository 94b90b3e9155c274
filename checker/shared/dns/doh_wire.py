"""RFC 8484 DNS-over-HTTPS in wire format (``application/dns-message``), GET or POST.

The format every DoH server speaks (Quad9 speaks only this). Messages are built and read with
dnspython, which is pure Python and runs under Pyodide.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from checker.shared.dns.convert import SUPPORTED_TYPES, failed, from_message
from checker.shared.dns.doh_http import doh_exchange
from checker.shared.dns.fetch import Fetch, HttpRequest
from checker.shared.dns.model import DnsAnswer, DnsStatus
from checker.shared.dns.names import fold_name

DNS_MESSAGE = "application/dns-message"


def build_query(name: str, rtype: str) -> bytes:
    """The wire query: ID 0 (RFC 8484 section 4.1, so GET answers cache well) and RD set.

    Raises ``ValueError`` for a name that is not a valid DNS name (too long, empty label).
    """
    import dns.exception
    import dns.flags
    import dns.message

    try:
        query = dns.message.make_query(name, rtype, flags=dns.flags.RD)
    except dns.exception.DNSException as bad_name:
        raise ValueError(str(bad_name)) from bad_name
    query.id = 0
    return query.to_wire()


def query_url(url: str, wire: bytes) -> str:
    """The GET URL: base64url without padding in ``dns=`` (RFC 8484 section 4.1)."""
    encoded = base64.urlsafe_b64encode(wire).rstrip(b"=").decode("ascii")
    return f"{url}{'&' if '?' in url else '?'}dns={encoded}"


@dataclass(frozen=True)
class DohWireResolver:
    """Resolver over RFC 8484 wire format; never raises, failures come back as ``DnsAnswer`` statuses."""

    fetch: Fetch
    url: str
    method: str = "GET"

    async def query(self, name: str, rtype: str) -> DnsAnswer:
        """Ask ``url`` for ``rtype`` records of ``name``."""
        name = fold_name(name)
        rtype = rtype.upper()
        if rtype not in SUPPORTED_TYPES:
            return failed(name, rtype, DnsStatus.ERROR, f"the record type {rtype} is not supported", self.url)
        try:
            wire = build_query(name, rtype)
        except ValueError as bad_name:
            return failed(
                name, rtype, DnsStatus.ERROR, f"the name is not a valid DNS name ({bad_name})", self.url
            )
        if self.method.upper() == "POST":
            request = HttpRequest(
                "POST", self.url, {"content-type": DNS_MESSAGE, "accept": DNS_MESSAGE}, wire
            )
        else:
            request = HttpRequest("GET", query_url(self.url, wire), {"accept": DNS_MESSAGE})
        response = await doh_exchange(self.fetch, request, name=name, rtype=rtype, server=self.url)
        if isinstance(response, DnsAnswer):
            return response
        return self._decode(name, rtype, response.body)

    def _decode(self, name: str, rtype: str, body: bytes) -> DnsAnswer:
        import dns.message
        import dns.rdatatype

        try:
            message = dns.message.from_wire(body)
        except Exception as malformed:  # dnspython raises many kinds on garbage; all mean "not DNS"
            return failed(
                name,
                rtype,
                DnsStatus.ERROR,
                f"the DoH server sent a body that is not a DNS message ({type(malformed).__name__})",
                self.url,
            )
        if not message.flags & 0x8000:  # QR bit: a query echoed back is not an answer
            return failed(
                name, rtype, DnsStatus.ERROR, "the DoH server sent a query, not a response", self.url
            )
        asked = [
            (q.name.to_text(omit_final_dot=True).lower(), dns.rdatatype.to_text(q.rdtype))
            for q in message.question
        ]
        if message.id != 0 or asked[:1] != [(name.lower(), rtype)] or len(asked) > 1:
            return failed(name, rtype, DnsStatus.ERROR, "the DoH server answered another question", self.url)
        return from_message(name, rtype, message, self.url)
