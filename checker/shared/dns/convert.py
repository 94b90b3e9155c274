"""Turn DNS responses (dnspython messages, rdata) into ``DnsAnswer`` presentation text, with size caps.

Shared by the wire-format DoH resolver and the system resolver so both describe records the same
way the JSON resolver and the zone fixtures do: TXT strings joined, MX as ``"10 host"``, no
trailing dots.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checker.shared.dns.model import DnsAnswer, DnsStatus
from checker.shared.dns.names import a_label

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


MAX_CNAME_CHAIN = 16


def owned_records(
    name: str, rtype: str, entries: Iterable[tuple[str, str, str, int | None]], server: str
) -> DnsAnswer:
    """The records of ``rtype`` at ``name`` or at the end of its CNAME chain, from answer entries
    ``(owner, type, text, ttl)``.

    Records at any other owner name are ignored: a resolver (or whoever sits between) must not be
    able to slip in a record for a name that was not asked. A CNAME loop, or a chain longer than
    ``MAX_CNAME_CHAIN``, is a failed lookup rather than "no record".
    """
    by_owner: dict[str, list[tuple[str, str, int | None]]] = {}
    for owner, kind, text, ttl in entries:
        by_owner.setdefault(a_label(owner.rstrip(".").lower()), []).append((kind, text, ttl))
    current, seen = a_label(name.rstrip(".").lower()), set()
    ttls: list[int] = []
    while True:
        here = by_owner.get(current, [])
        records = [(text, ttl) for kind, text, ttl in here if kind == rtype]
        if records or rtype == "CNAME":
            ttls += [ttl for _, ttl in records if ttl is not None]
            return capped(name, rtype, [text for text, _ in records], min(ttls) if ttls else None, server)
        alias = next(((text, ttl) for kind, text, ttl in here if kind == "CNAME"), None)
        if alias is None:
            foreign = sorted(owner for owner, rows in by_owner.items() if any(r[0] == rtype for r in rows))
            if foreign:
                # Only records for names that were not asked: an answer to a different question.
                why = f"the answer holds {rtype} records only for another name ({foreign[0][:80]})"
                return failed(name, rtype, DnsStatus.ERROR, why, server)
            return capped(name, rtype, [], min(ttls) if ttls else None, server)
        seen.add(current)
        current = a_label(alias[0].rstrip(".").lower())
        if alias[1] is not None:
            ttls.append(alias[1])
        if current in seen:
            why = f"the answer's CNAME chain loops at {current}"
            return failed(name, rtype, DnsStatus.ERROR, why, server)
        if len(seen) >= MAX_CNAME_CHAIN:
            return failed(
                name, rtype, DnsStatus.ERROR, f"the CNAME chain is longer than {MAX_CNAME_CHAIN}", server
            )


def from_message(name: str, rtype: str, message: Any, server: str) -> DnsAnswer:
    """Read a dnspython response message: rcode first, then the records of the asked type.

    A truncated answer (TC bit) is a failed lookup: its record set may be incomplete. Records count
    only at the asked name or along its CNAME chain (``owned_records``).
    """
    import dns.flags
    import dns.rcode
    import dns.rdatatype

    if message.flags & dns.flags.TC:
        return failed(name, rtype, DnsStatus.ERROR, "the answer was truncated (TC bit set)", server)
    rcode = message.rcode()
    if rcode == dns.rcode.NXDOMAIN:
        return DnsAnswer(name, rtype, DnsStatus.NXDOMAIN)
    if rcode != dns.rcode.NOERROR:
        return failed(
            name, rtype, DnsStatus.SERVFAIL, f"the server answered {dns.rcode.to_text(rcode)}", server
        )
    wanted = dns.rdatatype.from_text(rtype)
    entries: list[tuple[str, str, str, int | None]] = []
    try:
        for rrset in message.answer:
            if rrset.rdtype not in (wanted, dns.rdatatype.CNAME):
                continue
            kind = dns.rdatatype.to_text(rrset.rdtype)
            owner = rrset.name.to_text(omit_final_dot=True)
            entries.extend((owner, kind, rdata_text(rdata, kind), rrset.ttl) for rdata in rrset)
    except Exception as malformed:  # a record dnspython accepted but that cannot be shown
        why = f"the answer holds a malformed record ({type(malformed).__name__})"
        return failed(name, rtype, DnsStatus.ERROR, why, server)
    if len(entries) > 4 * MAX_RECORDS:
        return failed(name, rtype, DnsStatus.ERROR, f"the answer holds {len(entries)} records", server)
    return owned_records(name, rtype, entries, server)
