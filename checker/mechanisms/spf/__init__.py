"""SPF (RFC 7208): check_host() over an injected resolver, and an audit that walks the whole policy tree."""

from checker.mechanisms.spf.audit import audit_spf
from checker.mechanisms.spf.evaluate import check_host, check_sender
from checker.mechanisms.spf.model import SpfResult, SpfResultCode
from checker.mechanisms.spf.render import render_tree
from checker.mechanisms.spf.tree import SpfAudit, SpfNode

__all__ = [
    "SpfAudit",
    "SpfNode",
    "SpfResult",
    "SpfResultCode",
    "audit_spf",
    "check_host",
    "check_sender",
    "render_tree",
]
