"""Find a domain's SPF record among its TXT records (RFC 7208 sections 4.4 and 4.5)."""

from __future__ import annotations

from dataclasses import dataclass

from checker.mechanisms.spf.syntax import is_spf_record
from checker.shared.dns.model import DnsAnswer, DnsStatus


@dataclass(frozen=True)
class RecordSelection:
    """What the TXT answer held: exactly one SPF record, none, several, or a failed query.

    ``status`` is ``found``, ``no_record``, ``nxdomain``, ``multiple`` or ``failed``.
    Only TXT is consulted: the SPF RR type (99) is obsolete (section 3.1) and never queried.
    """

    status: str
    record: str | None = None
    candidates: tuple[str, ...] = ()
    answer: DnsAnswer | None = None


def select_record(answer: DnsAnswer) -> RecordSelection:
    """Pick the single ``v=spf1`` record out of a TXT answer; other TXT records are ignored."""
    if answer.failed:
        return RecordSelection("failed", answer=answer)
    if answer.status is DnsStatus.NXDOMAIN:
        return RecordSelection("nxdomain", answer=answer)
    candidates = tuple(text for text in answer.records if is_spf_record(text))
    if not candidates:
        return RecordSelection("no_record", answer=answer)
    if len(candidates) > 1:
        return RecordSelection("multiple", candidates=candidates, answer=answer)
    return RecordSelection("found", record=candidates[0], candidates=candidates, answer=answer)
