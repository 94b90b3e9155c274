"""Turn DNS responses (dnspython messages, rdata) into ``DnsAnswer`` presentation text, with size caps.

Shared by the wire-format DoH resolver and the system resolver so both describe records the same
way the JSON resolver and the zone fixtures do: TXT strings joined, MX as ``"10 host"``, no
trailing dots.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checker.dns.model import DnsAnswer, DnsStatus

# Caps on one answer: real mail-related answers are far smaller; beyond these the answer is
# treated as broken rather than handed to a parser.
MAX_RECORDS = 100
MAX_ANSWER_CHARS = 32_768

SUPPORTED_TYPES = frozenset({"A", "AAAA", "TXT", "MX", "PTR", "CNAME", "NS", "SOA"})


def failed(name: str, rtype: str, status: DnsStatus, reason: str, server: str) -> DnsAnswer:
    """A failed answer whose ``error`` names the query, the server and the reason."""
    return DnsAnswer(name, rtype, status, error=f"{reason} (query {rtype} {name} to {server})")


def rdata_text(rdata: Any, rtype: str) -> str:
    """One dnspython rdata in ``DnsAnswer`` presentation form."""
    if rtype == "TXT":
        return b"".join(rdata.strings).decode("utf-8", "replace")
    if rtype == "MX":
        return f"{rdata.preference} {rdata.exchange.to_text(omit_final_dot=True)}"
    if rtype in ("A", "AAAA"):
        return str(rdata.address)
    if rtype in ("PTR", "CNAME", "NS"):
        return rdata.target.to_text(omit_final_dot=True)
    return str(rdata.to_text())


def capped(name: str, rtype: str, records: Iterable[str], ttl: int | None, server: str) -> DnsAnswer:
    """An OK answer, or an ERROR answer when the records exceed the size caps."""
    record_list = tuple(records)
    if not record_list:
        return DnsAnswer(name, rtype, DnsStatus.NODATA, ttl=ttl)
    if len(record_list) > MAX_RECORDS:
        return failed(
            name,
            rtype,
            DnsStatus.ERROR,
            f"the answer holds {len(record_list)} records, more than the {MAX_RECORDS} a sane answer has",
            server,
        )
    size = sum(len(record) for record in record_list)
    if size > MAX_ANSWER_CHARS:
        return failed(
            name,
            rtype,
            DnsStatus.ERROR,
            f"the answer is {size} characters long, more than the {MAX_ANSWER_CHARS} allowed",
            server,
        )
    return DnsAnswer(name, rtype, DnsStatus.OK, record_list, ttl=ttl)


def from_message(name: str, rtype: str, message: Any, server: str) -> DnsAnswer:
    """Read a dnspython response message: rcode first, then the records of the asked type.

    Records are taken from every owner name in the answer section, because a resolver answering
    through a CNAME chain puts the target's records under the target's name.
    """
    import dns.rcode
    import dns.rdatatype

    rcode = message.rcode()
    if rcode == dns.rcode.NXDOMAIN:
        return DnsAnswer(name, rtype, DnsStatus.NXDOMAIN)
    if rcode != dns.rcode.NOERROR:
        return failed(
            name, rtype, DnsStatus.SERVFAIL, f"the server answered {dns.rcode.to_text(rcode)}", server
        )
    wanted = dns.rdatatype.from_text(rtype)
    records: list[str] = []
    ttls: list[int] = []
    for rrset in message.answer:
        if rrset.rdtype != wanted:
            continue
        ttls.append(rrset.ttl)
        records.extend(rdata_text(rdata, rtype) for rdata in rrset)
    return capped(name, rtype, records, min(ttls) if ttls else None, server)
