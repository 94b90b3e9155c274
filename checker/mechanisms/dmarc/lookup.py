"""The TXT-to-record step of DMARC discovery: which answers are DMARC records and which are not."""

from __future__ import annotations

from dataclasses import dataclass

from checker.mechanisms.dmarc.record import DmarcRecord, is_dmarc_record, parse_dmarc_record
from checker.shared.dns.model import DnsAnswer, DnsStatus


@dataclass(frozen=True)
class TxtLookup:
    """What one ``_dmarc`` TXT query returned, with the DMARC records picked out."""

    name: str
    status: DnsStatus
    dmarc_texts: tuple[str, ...]
    other_texts: tuple[str, ...]
    error: str | None = None

    @property
    def failed(self) -> bool:
        """True when the query failed (SERVFAIL, timeout, error), so absence proves nothing."""
        return self.status in (DnsStatus.SERVFAIL, DnsStatus.TIMEOUT, DnsStatus.ERROR)

    @property
    def single_record(self) -> DmarcRecord | None:
        """The parsed record when exactly one DMARC record was published, else None."""
        return parse_dmarc_record(self.dmarc_texts[0]) if len(self.dmarc_texts) == 1 else None


def txt_lookup(answer: DnsAnswer, name: str | None = None) -> TxtLookup:
    """Split a TXT answer into DMARC records (``v=DMARC1`` first) and anything else.

    ``name`` is the name that was asked (a resolver may report the CNAME target instead).
    """
    records = answer.records if answer.ok else ()
    dmarc = tuple(text for text in records if is_dmarc_record(text))
    other = tuple(text for text in records if not is_dmarc_record(text))
    error = answer.describe_failure() if answer.failed else None
    return TxtLookup(name or answer.name, answer.status, dmarc, other, error)
