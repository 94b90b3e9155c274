"""DMARC: record parsing, discovery (RFC 7489 and RFC 9989), evaluation and auditing."""

from checker.mechanisms.dmarc.audit import DmarcAudit, audit_dmarc
from checker.mechanisms.dmarc.author import AuthorDomains, author_domains, combine_evaluations
from checker.mechanisms.dmarc.discovery import (
    RFC7489,
    RFC9989,
    DmarcDiscovery,
    PolicyLookup,
    discover_dmarc,
    tree_walk_org_domains,
)
from checker.mechanisms.dmarc.evaluate import (
    AlignmentRow,
    DmarcEvaluation,
    evaluate_dmarc,
    suggest_record,
    verify_dmarc,
)
from checker.mechanisms.dmarc.record import (
    DmarcRecord,
    RecordProblem,
    ReportUri,
    is_dmarc_record,
    parse_dmarc_record,
)
from checker.mechanisms.dmarc.reports import ReportAuthorization, check_report_authorizations

__all__ = [
    "RFC7489",
    "RFC9989",
    "AlignmentRow",
    "AuthorDomains",
    "DmarcAudit",
    "DmarcDiscovery",
    "DmarcEvaluation",
    "DmarcRecord",
    "PolicyLookup",
    "RecordProblem",
    "ReportAuthorization",
    "ReportUri",
    "audit_dmarc",
    "author_domains",
    "check_report_authorizations",
    "combine_evaluations",
    "discover_dmarc",
    "evaluate_dmarc",
    "is_dmarc_record",
    "parse_dmarc_record",
    "suggest_record",
    "tree_walk_org_domains",
    "verify_dmarc",
]
