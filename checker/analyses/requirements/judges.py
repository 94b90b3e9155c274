"""One judge per rule: met, not met or could not check, with the evidence named in plain words."""

from __future__ import annotations

from collections.abc import Callable

from checker.analyses.requirements import auth_rules as auth
from checker.analyses.requirements import message_rules as msg
from checker.analyses.requirements.facts import Facts
from checker.analyses.requirements.finding import MET, NOT_MET, UNKNOWN, Finding
from checker.analyses.requirements.providers import RuleSpec

__all__ = ["JUDGES", "MET", "NOT_MET", "UNKNOWN", "Finding"]

JUDGES: dict[str, Callable[[Facts, RuleSpec], Finding]] = {
    "spf_or_dkim": auth.spf_or_dkim,
    "spf_pass": auth.spf_pass,
    "dkim_pass": auth.dkim_pass,
    "dmarc_record": auth.dmarc_record,
    "dmarc_alignment": auth.alignment,
    "dmarc_pass": auth.dmarc_pass,
    "reverse_dns": msg.reverse_dns,
    "tls": msg.tls,
    "unsubscribe": msg.unsubscribe,
    "from_header": msg.from_header,
    "single_headers": msg.single_headers,
    "message_id": msg.message_id,
    "spam_rate": msg.spam_rate,
}
