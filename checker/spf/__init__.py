"""SPF (RFC 7208): check_host() over an injected resolver, and an audit that walks the whole policy tree."""

from checker.spf.audit import audit_spf
from checker.spf.evaluate import check_host, check_sender
from checker.spf.model import SpfResult, SpfResultCode
from checker.spf.render import render_tree
from checker.spf.tree import SpfAudit, SpfNode

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
