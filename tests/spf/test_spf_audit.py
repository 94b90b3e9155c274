"""audit_spf(): the whole include/redirect tree, counted as RFC 7208 counts, with checks that say why."""

from __future__ import annotations

import asyncio
import json

from checker.mechanisms.spf import SpfAudit, SpfNode, audit_spf, render_tree
from checker.shared.dns.model import DnsAnswer, DnsStatus
from checker.shared.dns.zone import ZoneResolver
from checker.shared.result import Verdict, to_json


def zone(records: dict[tuple[str, str], list[str]], **kwargs: object) -> ZoneResolver:
    return ZoneResolver(records=records, **kwargs)  # type: ignore[arg-type]


def reasons(audit: SpfAudit) -> dict[str, Verdict]:
    return {check.reason: check.verdict for check in audit.checks}


def check(audit: SpfAudit, reason: str):
    return next(c for c in audit.checks if c.reason == reason)


async def test_spf_audit_tree_counts_every_node() -> None:
    resolver = zone(
        {
            ("example.com", "TXT"): [
                "v=spf1 include:_spf.example.net mx ip4:192.0.2.0/24 -all exp=why.example.com"
            ],
            ("example.com", "MX"): ["10 mx1.example.com", "20 mx2.example.com"],
            ("mx1.example.com", "A"): ["192.0.2.1"],
            ("mx2.example.com", "AAAA"): ["2001:db8::2"],
            ("_spf.example.net", "TXT"): ["v=spf1 a include:_inner.example.net ~all"],
            ("_spf.example.net", "A"): ["198.51.100.1"],
            ("_inner.example.net", "TXT"): ["v=spf1 ip6:2001:db8::/32 exists:%{i}._bl.example.net ?all"],
        }
    )
    audit = await audit_spf("example.com", resolver=resolver)
    root = audit.tree
    assert (root.lookups_here, root.lookups_cumulative) == (2, 5)  # include + mx; exp= and ip4 are free
    (include,) = root.children
    assert include.via == "include:_spf.example.net"
    assert (include.lookups_here, include.lookups_cumulative) == (2, 3)
    (inner,) = include.children
    assert (inner.lookups_here, inner.lookups_cumulative, inner.children) == (1, 1, ())
    assert audit.total_lookups == 5 and audit.void_lookups == 0
    found = reasons(audit)
    assert found["spf.single_record"] is Verdict.PASS and found["spf.lookup_count"] is Verdict.PASS
    assert found["spf.macro_terms"] is Verdict.INFO
    assert "spf.neutral_all" not in found  # ?all inside an include only means "no match" for the parent
    text = render_tree(audit)
    assert "example.com  [2 here, 5 total]" in text
    assert "include:_spf.example.net → _spf.example.net  [2 here, 3 total]" in text
    assert "Total: 5 DNS lookups (limit 10), 0 void lookups (limit 2)" in text
    json.loads(to_json(audit))


async def test_spf_audit_mx_counts_one_and_has_its_own_limit() -> None:
    records = {
        ("example.com", "TXT"): ["v=spf1 mx -all"],
        ("example.com", "MX"): [f"{i} mx{i}.example.com" for i in range(11)],
    }
    audit = await audit_spf("example.com", resolver=zone(records))
    assert audit.total_lookups == 1
    assert reasons(audit)["spf.mx_limit"] is Verdict.FAIL


async def test_spf_audit_single_stack_names_are_not_void() -> None:
    resolver = zone(
        {
            ("example.com", "TXT"): [
                "v=spf1 a:v4.example.com a:v6.example.com a:gone.example.com a:empty.example.com -all"
            ],
            ("v4.example.com", "A"): ["192.0.2.1"],
            ("v6.example.com", "AAAA"): ["2001:db8::1"],
        },
        existing=["empty.example.com"],
    )
    audit = await audit_spf("example.com", resolver=resolver)
    assert audit.void_lookups == 2 and audit.tree.void_names == ("gone.example.com", "empty.example.com")
    assert reasons(audit)["spf.void_lookups"] is Verdict.WARN


async def test_spf_audit_over_two_voids_fails_and_names_them() -> None:
    resolver = zone(
        {("example.com", "TXT"): ["v=spf1 a:n1.example.com mx:n2.example.com include:n3.example.com -all"]}
    )
    audit = await audit_spf("example.com", resolver=resolver)
    void = check(audit, "spf.void_lookup_limit")
    assert void.verdict is Verdict.FAIL
    assert all(name in void.explanation for name in ("n1.example.com", "n2.example.com", "n3.example.com"))
    assert reasons(audit)["spf.include_without_spf"] is Verdict.FAIL


async def test_spf_audit_over_ten_lookups_names_includes_to_flatten() -> None:
    records = {("example.com", "TXT"): ["v=spf1 include:big.example.net include:small.example.net -all"]}
    records[("big.example.net", "TXT")] = [
        "v=spf1 " + " ".join(f"a:h{i}.example.net" for i in range(9)) + " -all"
    ]
    records[("small.example.net", "TXT")] = ["v=spf1 a:h0.example.net -all"]
    records.update({(f"h{i}.example.net", "A"): ["192.0.2.1"] for i in range(9)})
    audit = await audit_spf("example.com", resolver=zone(records))
    assert audit.total_lookups == 12
    over = check(audit, "spf.too_many_lookups")
    assert over.verdict is Verdict.FAIL and "include:big.example.net (10 lookups)" in over.explanation
    assert over.explanation.index("big") < over.explanation.index("small")


async def test_spf_audit_loops_are_structured_errors() -> None:
    resolver = zone(
        {
            ("a.example.com", "TXT"): ["v=spf1 include:b.example.com -all"],
            ("b.example.com", "TXT"): ["v=spf1 include:c.example.com redirect=a.example.com"],
            ("c.example.com", "TXT"): ["v=spf1 include:b.example.com"],
        }
    )
    audit = await audit_spf("a.example.com", resolver=resolver)
    assert reasons(audit)["spf.include_loop"] is Verdict.FAIL
    loops = [node for node in _walk(audit.tree) if node.errors and "loop" in node.errors[0]]
    assert {node.domain for node in loops} == {"a.example.com", "b.example.com"}


async def test_spf_audit_dangerous_and_questionable_terms() -> None:
    long_tail = " ".join(f"ip4:198.51.{i}.0/24" for i in range(40))
    resolver = zone(
        {
            ("plus.example.com", "TXT"): ["v=spf1 +all"],
            ("neutral.example.com", "TXT"): ["v=spf1 ptr ?all include:never.example.com"],
            ("noall.example.com", "TXT"): [f"v=spf1 {long_tail}"],
            ("syntax.example.com", "TXT"): ["v=spf1 ip4:192.0.2.1 a:foo -all"],
            ("redir.example.com", "TXT"): ["v=spf1 -all redirect=plus.example.com"],
        }
    )
    plus = await audit_spf("plus.example.com", resolver=resolver)
    assert reasons(plus)["spf.plus_all"] is Verdict.FAIL
    neutral = await audit_spf("neutral.example.com", resolver=resolver)
    found = reasons(neutral)
    assert found["spf.neutral_all"] is Verdict.WARN and found["spf.ptr_deprecated"] is Verdict.WARN
    assert found["spf.terms_after_all"] is Verdict.WARN
    assert neutral.total_lookups == 1 and neutral.tree.children == ()  # include after ?all is never reached
    noall = await audit_spf("noall.example.com", resolver=resolver)
    assert reasons(noall)["spf.no_all"] is Verdict.WARN
    size = check(noall, "spf.record_length")
    assert size.verdict is Verdict.INFO and "512" in size.explanation
    syntax = check(await audit_spf("syntax.example.com", resolver=resolver), "spf.syntax_error")
    assert syntax.verdict is Verdict.FAIL and syntax.evidence == {
        "domain": "syntax.example.com",
        "term": "a:foo",
        "position": 2,
    }
    redir = await audit_spf("redir.example.com", resolver=resolver)
    assert reasons(redir)["spf.redirect_ignored"] is Verdict.INFO and redir.total_lookups == 0


async def test_spf_audit_root_problems() -> None:
    resolver = zone(
        {("two.example.com", "TXT"): ["v=spf1 -all", "v=spf1 ~all"], ("none.example.com", "TXT"): ["hello"]},
        failures={("slow.example.com", "TXT"): DnsStatus.TIMEOUT},
    )
    assert [c.reason for c in (await audit_spf("two.example.com", resolver=resolver)).checks] == [
        "spf.multiple_records"
    ]
    none = (await audit_spf("none.example.com", resolver=resolver)).checks
    assert [c.reason for c in none] == ["spf.no_record"]
    # Says why in other words than the sentence it explains ("has no SPF record (it has no SPF record)").
    assert none[0].explanation.count("no SPF record") == 1
    assert "publishes no TXT record that starts with v=spf1" in none[0].explanation
    slow = await audit_spf("slow.example.com", resolver=resolver)
    assert [(c.reason, c.verdict) for c in slow.checks] == [("spf.dns_error", Verdict.ERROR)]
    bad = await audit_spf("not a domain", resolver=resolver)
    assert [(c.reason, c.verdict) for c in bad.checks] == [("input.invalid_domain", Verdict.ERROR)]


async def test_spf_audit_hostile_fan_out_is_cut_off() -> None:
    records = {}
    for depth in range(6):
        for index in range(10 ** min(depth, 3)):
            name = f"n{depth}-{index}.example.com"
            children = " ".join(f"include:n{depth + 1}-{index * 10 + k}.example.com" for k in range(10))
            records[(name, "TXT")] = [f"v=spf1 {children} -all"]
    records[("example.com", "TXT")] = ["v=spf1 include:n0-0.example.com -all"]
    audit = await audit_spf("example.com", resolver=zone(records))
    assert reasons(audit)["spf.audit_truncated"] is Verdict.ERROR
    assert sum(1 for _ in _walk(audit.tree)) < 2000


async def test_spf_audit_huge_record() -> None:
    terms = " ".join(f"ip4:10.{i // 256 % 256}.{i % 256}.1" for i in range(10_000))
    audit = await audit_spf("example.com", resolver=zone({("example.com", "TXT"): [f"v=spf1 {terms} -all"]}))
    assert audit.total_lookups == 0 and len(audit.tree.terms) == 10_001
    assert reasons(audit)["spf.record_length"] is Verdict.INFO


async def test_spf_audit_cname_loop_and_hanging_resolver() -> None:
    resolver = zone(
        {
            ("example.com", "TXT"): ["v=spf1 include:loop.example.net a:loop.example.net -all"],
            ("loop.example.net", "CNAME"): ["loop.example.net"],
        }
    )
    audit = await audit_spf("example.com", resolver=resolver)
    error = check(audit, "spf.dns_error")
    assert error.verdict is Verdict.ERROR and "loop.example.net" in error.explanation

    class Hanging:
        async def query(self, name: str, rtype: str) -> DnsAnswer:
            await asyncio.sleep(3600)
            raise AssertionError("unreachable")

    hung = await audit_spf("example.com", resolver=Hanging(), timeout=0.05)
    assert [(c.reason, c.verdict) for c in hung.checks] == [("spf.audit_timeout", Verdict.ERROR)]
    assert "took longer" in render_tree(hung)


def _walk(node: SpfNode):
    yield node
    for child in node.children:
        yield from _walk(child)
