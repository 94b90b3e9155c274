"""Draw an SPF audit tree as text, with the lookup count at every node (used by the CLI)."""

from __future__ import annotations

from checker.mechanisms.spf.lookups import MAX_DNS_TERMS, MAX_VOID_LOOKUPS
from checker.mechanisms.spf.tree import SpfAudit, SpfNode


def render_tree(audit: SpfAudit) -> str:
    """The tree, one record per line with its counts, then the totals against the limits."""
    lines = _node_lines(audit.tree, "", "", "")
    lines.append("")
    lines.append(
        f"Total: {audit.total_lookups} DNS lookups (limit {MAX_DNS_TERMS}), "
        f"{audit.void_lookups} void lookups (limit {MAX_VOID_LOOKUPS})"
    )
    return "\n".join(lines)


def _node_lines(node: SpfNode, lead: str, branch: str, inner: str) -> list[str]:
    label = node.domain if node.via == "root" else f"{node.via} → {node.domain}"
    counts = f"[{node.lookups_here} here, {node.lookups_cumulative} total"
    counts += f", {node.void_here} void]" if node.void_here else "]"
    lines = [f"{lead}{branch}{label}  {counts}"]
    body = lead + inner
    if node.record is not None:
        lines.append(f"{body}│ {node.record}")
    for error in node.errors:
        lines.append(f"{body}! {error}")
    for note in node.notes:
        lines.append(f"{body}· {note}")
    for name in node.void_names:
        lines.append(f"{body}· void lookup: {name}")
    for index, child in enumerate(node.children):
        last = index == len(node.children) - 1
        lines += _node_lines(child, body, "└─ " if last else "├─ ", "   " if last else "│  ")
    return lines
