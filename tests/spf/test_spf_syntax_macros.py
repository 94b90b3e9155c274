"""Record parsing (every term checked, errors named by position) and the section 7 macro language."""

from __future__ import annotations

import ipaddress

import pytest

from checker.mechanisms.spf.macros import MAX_EXPANSION, MacroContext, expand, parse_macro_string
from checker.mechanisms.spf.names import domain_problem, parse_ip, target_name
from checker.mechanisms.spf.syntax import Mechanism, is_spf_record, parse_record


def context(ip: str = "192.0.2.3", **changes: object) -> MacroContext:
    values = {
        "sender": "strong-bad@email.example.com",
        "local_part": "strong-bad",
        "sender_domain": "email.example.com",
        "domain": "email.example.com",
        "ip": parse_ip(ip),
        "helo": "mx.example.org",
        "receiver": "receiver.example.net",
        "now": 1_700_000_000,
    }
    values.update(changes)
    return MacroContext(**values)  # type: ignore[arg-type]


def expanded(text: str, ctx: MacroContext | None = None, *, explanation: bool = False) -> str:
    tokens, error = parse_macro_string(text, explanation=explanation, allow_space=explanation)
    assert error is None, error
    return expand(tokens, ctx or context())


# The examples of RFC 7208 section 7.4, verbatim.
@pytest.mark.parametrize(
    ("macro", "want"),
    [
        ("%{s}", "strong-bad@email.example.com"),
        ("%{o}", "email.example.com"),
        ("%{d}", "email.example.com"),
        ("%{d4}", "email.example.com"),
        ("%{d3}", "email.example.com"),
        ("%{d2}", "example.com"),
        ("%{d1}", "com"),
        ("%{dr}", "com.example.email"),
        ("%{d2r}", "example.email"),
        ("%{l}", "strong-bad"),
        ("%{l-}", "strong.bad"),
        ("%{lr}", "strong-bad"),
        ("%{lr-}", "bad.strong"),
        ("%{l1r-}", "strong"),
        ("%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"),
        ("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"),
        ("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"),
        ("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"),
        ("%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"),
    ],
)
def test_spf_rfc_macro_examples(macro: str, want: str) -> None:
    assert expanded(macro) == want


def test_spf_ipv6_macros_use_32_nibbles() -> None:
    ctx = context("2001:db8::cb01")
    assert expanded("%{ir}.%{v}._spf.%{d2}", ctx) == (
        "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"
    )
    assert len(expanded("%{i}", ctx).split(".")) == 32
    assert expanded("%{c}", ctx, explanation=True) == "2001:db8::cb01"


def test_spf_ipv4_mapped_ipv6_is_ipv4() -> None:
    address = parse_ip("::ffff:192.0.2.3")
    assert address == ipaddress.IPv4Address("192.0.2.3")
    assert expanded("%{v} %{i}", context("::ffff:192.0.2.3"), explanation=True) == "in-addr 192.0.2.3"


def test_spf_explanation_only_macros_and_escapes() -> None:
    ctx = context()
    assert expanded("%{c} %{r} %{t}", ctx, explanation=True) == "192.0.2.3 receiver.example.net 1700000000"
    assert expanded("%%%_%-", ctx) == "% %20"
    assert expanded("%{L}", context(local_part="a&b=c~d")) == "a%26b%3Dc~d"
    assert expanded("%{h}", ctx) == "mx.example.org"
    for letter in "crt":
        _, error = parse_macro_string(f"%{{{letter}}}.example.com")
        assert error and "only allowed in exp" in error.message


@pytest.mark.parametrize("bad", ["%{x}", "%{d0}", "%(ir)", "%", "foo%", "%{d", "%{ d}", "a\tb", "\x80"])
def test_spf_bad_macro_strings_are_errors(bad: str) -> None:
    _, error = parse_macro_string(bad)
    assert error is not None and error.message


def test_spf_macro_bombs_are_bounded() -> None:
    huge_digits = "%{d" + "9" * 5000 + "r}"
    assert expanded(huge_digits) == "com.example.email"
    repeated = "%{s}" * 10_000
    assert len(expanded(repeated)) == MAX_EXPANSION
    long_name = ".".join(["label"] * 100) + ".example.com"
    truncated = target_name(long_name)
    assert truncated is not None and len(truncated) <= 253 and truncated.endswith(".example.com")


def test_spf_domain_validity() -> None:
    assert domain_problem("example.com") is None
    assert domain_problem("example.com.") is None
    assert "single label" in (domain_problem("localhost") or "")
    assert "empty label" in (domain_problem("a..example.com") or "")
    assert "63" in (domain_problem("a" * 64 + ".example.com") or "")
    assert "literal" in (domain_problem("[192.0.2.1]") or "")
    assert target_name("a..example.com") is None


def test_spf_version_selection() -> None:
    assert is_spf_record("v=spf1")
    assert is_spf_record("V=SpF1 -all")
    assert not is_spf_record("v=spf10")
    assert not is_spf_record("v=spf1mx")


def test_spf_parse_all_terms() -> None:
    record = parse_record(
        "v=spf1 +a/24//64 mx:example.org ~ptr ?exists:%{i}.x.example.com ip4:192.0.2.0/24 "
        "ip6:2001:db8::/32 include:_spf.example.net -all exp=why.example.com unknown=%{d}"
    )
    assert not record.problems
    kinds = [(t.qualifier, t.kind) for t in record.mechanisms]
    assert kinds == [
        ("+", "a"),
        ("+", "mx"),
        ("~", "ptr"),
        ("?", "exists"),
        ("+", "ip4"),
        ("+", "ip6"),
        ("+", "include"),
        ("-", "all"),
    ]
    a = record.mechanisms[0]
    assert isinstance(a, Mechanism) and (a.cidr4, a.cidr6) == (24, 64)
    assert record.modifier("exp") is not None and record.modifier("redirect") is None


def test_spf_every_syntax_error_is_named_with_its_position() -> None:
    record = parse_record(
        "v=spf1 ip4:192.0.2.1 ip4:1.2.3 a:example.com:8080 moo -all/8 "
        "redirect=a.example.com redirect=b.example.com"
    )
    problems = {p.position: p for p in record.problems}
    assert set(problems) == {2, 3, 4, 5, 7}
    assert problems[2].term == "ip4:1.2.3" and "dotted-quad" in problems[2].message
    assert "top-level label" in problems[3].message
    assert "not a mechanism" in problems[4].message
    assert "Term 2 ('ip4:1.2.3'" in problems[2].describe()
    assert "more than once" in problems[7].message and problems[7].offset == 84


def test_spf_terms_split_on_spaces_only() -> None:
    record = parse_record("v=spf1 ip4:192.0.2.5\n include:example.com ~all")
    assert record.problems and record.problems[0].position == 1


def test_spf_huge_record_parses() -> None:
    text = "v=spf1 " + " ".join(f"ip4:10.{i // 256 % 256}.{i % 256}.1" for i in range(10_000)) + " -all"
    record = parse_record(text)
    assert not record.problems and len(record.mechanisms) == 10_001
