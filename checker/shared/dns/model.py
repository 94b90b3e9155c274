"""The resolver interface every mechanism uses, and the answer it returns.

A resolver never raises for DNS or transport trouble: it returns a ``DnsAnswer`` whose
``status`` says what happened, so NXDOMAIN, NODATA and errors stay distinct.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol


class DnsStatus(enum.StrEnum):
    OK = "ok"  # NOERROR with at least one record of the asked type
    NODATA = "nodata"  # NOERROR, the name exists, no record of that type
    NXDOMAIN = "nxdomain"  # the name does not exist
    SERVFAIL = "servfail"  # the server answered SERVFAIL (or REFUSED...)
    TIMEOUT = "timeout"  # no answer in time
    ERROR = "error"  # transport or format problem: HTTP status, malformed answer...


@dataclass(frozen=True)
class DnsAnswer:
    """The answer to one query.

    ``records`` hold presentation text without trailing dots: a TXT record is its
    character-strings joined with no separator (what SPF, DMARC and DKIM want); MX is
    ``"10 mx.example.com"``; A/AAAA are addresses; PTR/CNAME/NS are host names.
    ``error`` says in words why the query failed (``"HTTP 503 from https://dns.example/dns-query"``).
    """

    name: str
    rtype: str
    status: DnsStatus
    records: tuple[str, ...] = ()
    error: str | None = None
    ttl: int | None = None

    @property
    def ok(self) -> bool:
        return self.status is DnsStatus.OK

    @property
    def is_void(self) -> bool:
        """RFC 7208 section 4.6.4: a void lookup is NXDOMAIN or an empty answer."""
        return self.status in (DnsStatus.NXDOMAIN, DnsStatus.NODATA)

    @property
    def failed(self) -> bool:
        """True when the query itself failed (temporary error territory)."""
        return self.status in (DnsStatus.SERVFAIL, DnsStatus.TIMEOUT, DnsStatus.ERROR)

    def describe_failure(self) -> str:
        """One sentence naming the query and why it failed."""
        why = self.error or self.status.value
        return f"The DNS query for {self.rtype} {self.name} failed: {why}."


class Resolver(Protocol):
    """The one DNS interface the analysis core sees."""

    async def query(self, name: str, rtype: str) -> DnsAnswer: ...
