"""Parse one SPF record into terms (RFC 7208 sections 4.6, 5, 6 and 12), reporting every syntax error."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from checker.mechanisms.spf.macros import Literal, MacroError, Token, parse_macro_string
from checker.mechanisms.spf.names import TOPLABEL
from checker.shared.numbers import parse_uint

DNS_TERMS = frozenset({"include", "a", "mx", "ptr", "exists"})  # plus redirect=: count toward the 10
_MECHANISMS = DNS_TERMS | {"all", "ip4", "ip6"}
_MODIFIER = re.compile(r"([A-Za-z][A-Za-z0-9_.\-]*)=(.*)", re.DOTALL)
_MECHANISM = re.compile(r"([+\-~?]?)([A-Za-z][A-Za-z0-9]*)(.*)", re.DOTALL)
_DUAL_CIDR = re.compile(r"(?:/([0-9]+))?(?://([0-9]+))?\Z")
_QNUM = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
_IP4 = re.compile(rf"{_QNUM}\.{_QNUM}\.{_QNUM}\.{_QNUM}")
_IP6_CHARS = re.compile(r"[0-9A-Fa-f:.]+")
_VERSION = "v=spf1"


@dataclass(frozen=True)
class SyntaxProblem:
    """A syntax error: the term, its 1-based position among the terms, its 0-based offset, what is wrong."""

    term: str
    position: int
    offset: int
    message: str

    def describe(self) -> str:
        """One sentence naming the term and its position."""
        return f"Term {self.position} ({self.term!r}, at character {self.offset + 1}): {self.message}."


@dataclass(frozen=True)
class Mechanism:
    """A mechanism: qualifier, kind, optional domain-spec, network or CIDR lengths."""

    qualifier: str
    kind: str
    text: str
    position: int
    domain_spec: tuple[Token, ...] | None = None
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None
    cidr4: int | None = None
    cidr6: int | None = None

    @property
    def queries_dns(self) -> bool:
        """True for the mechanisms that count toward the limit of 10 DNS-querying terms."""
        return self.kind in DNS_TERMS


@dataclass(frozen=True)
class Modifier:
    """A ``name=value`` modifier; ``value`` is parsed as a macro-string."""

    name: str
    text: str
    position: int
    value: tuple[Token, ...]


Term = Mechanism | Modifier


@dataclass(frozen=True)
class SpfRecord:
    """A parsed record; ``problems`` is empty when the whole record is valid."""

    text: str
    terms: tuple[Term, ...]
    problems: tuple[SyntaxProblem, ...]

    @property
    def mechanisms(self) -> tuple[Mechanism, ...]:
        """The mechanisms of the record, in order, without modifiers."""
        return tuple(term for term in self.terms if isinstance(term, Mechanism))

    def modifier(self, name: str) -> Modifier | None:
        """The first modifier called ``name`` (redirect, exp), if any."""
        return next((t for t in self.terms if isinstance(t, Modifier) and t.name == name), None)


def is_spf_record(text: str) -> bool:
    """True when a TXT string is an SPF version 1 record (section 4.5: ``v=spf1`` then space or end)."""
    return text[:6].lower() == _VERSION and (len(text) == 6 or text[6] == " ")


def parse_record(text: str) -> SpfRecord:
    """Parse a record that starts with ``v=spf1``; every term is checked, not only the first bad one."""
    terms: list[Term] = []
    problems: list[SyntaxProblem] = []
    position = 0
    offset = len(_VERSION)
    offsets: dict[int, int] = {}
    # Terms are separated by spaces only (section 4.6.1); tabs or newlines make a term invalid.
    for raw in text[len(_VERSION) :].split(" "):
        start = offset
        offset += len(raw) + 1
        if not raw:
            continue
        position += 1
        offsets[position] = start
        term, message = _parse_term(raw, position)
        if message:
            problems.append(SyntaxProblem(raw, position, start, message))
        elif term is not None:
            terms.append(term)
    for name in ("redirect", "exp"):
        repeated = [t for t in terms if isinstance(t, Modifier) and t.name == name]
        if len(repeated) > 1:
            second = repeated[1]
            problems.append(
                SyntaxProblem(
                    second.text,
                    second.position,
                    offsets[second.position],
                    f"the {name}= modifier appears more than once",
                )
            )
    return SpfRecord(text, tuple(terms), tuple(problems))


def _parse_term(raw: str, position: int) -> tuple[Term | None, str | None]:
    if not raw.isascii():
        return None, "it contains non-ASCII characters; SPF records are 7-bit ASCII"
    modifier = _MODIFIER.fullmatch(raw)
    if modifier:
        return _parse_modifier(modifier.group(1).lower(), modifier.group(2), raw, position)
    mechanism = _MECHANISM.fullmatch(raw)
    if not mechanism:
        return None, "it is neither a mechanism nor a name=value modifier"
    qualifier, name, rest = mechanism.groups()
    kind = name.lower()
    if kind not in _MECHANISMS:
        return None, f"{name!r} is not a mechanism (known: all, include, a, mx, ptr, ip4, ip6, exists)"
    base = Mechanism(qualifier or "+", kind, raw, position)
    if kind == "all":
        return (base, None) if not rest else (None, "'all' takes no argument")
    if kind in ("include", "exists"):
        if not rest.startswith(":"):
            return None, f"{kind} needs ':' and a domain, as in {kind}:example.com"
        spec, problem = _domain_spec(rest[1:])
        return _with(base, domain_spec=spec), problem
    if kind == "ptr":
        if not rest:
            return base, None
        if not rest.startswith(":"):
            return None, "ptr takes only an optional ':domain'"
        spec, problem = _domain_spec(rest[1:])
        return _with(base, domain_spec=spec), problem
    if kind in ("a", "mx"):
        return _parse_a_or_mx(base, rest)
    return _parse_ip(base, rest)


def _with(base: Mechanism, **changes: object) -> Mechanism:
    return Mechanism(**{**base.__dict__, **changes})


def _parse_modifier(name: str, value: str, raw: str, position: int) -> tuple[Term | None, str | None]:
    if name in ("redirect", "exp"):
        spec, problem = _domain_spec(value)
        return Modifier(name, raw, position, spec), problem
    tokens, error = parse_macro_string(value, explanation=True)
    if error:
        return None, f"the value of the {name}= modifier is not a valid macro-string: {error.message}"
    return Modifier(name, raw, position, tokens), None


def _parse_a_or_mx(base: Mechanism, rest: str) -> tuple[Term | None, str | None]:
    cidr = _DUAL_CIDR.search(rest)
    assert cidr is not None  # the pattern matches the empty string at the end
    prefix = rest[: cidr.start()]
    cidr4, problem4 = _cidr(cidr.group(1), 32)
    cidr6, problem6 = _cidr(cidr.group(2), 128)
    if problem4 or problem6:
        return None, problem4 or problem6
    spec = None
    if prefix:
        if not prefix.startswith(":"):
            return None, f"{base.kind} takes an optional ':domain' then '/ip4-cidr' and '//ip6-cidr'"
        spec, problem = _domain_spec(prefix[1:])
        if problem:
            return None, problem
    return _with(base, domain_spec=spec, cidr4=cidr4, cidr6=cidr6), None


def _parse_ip(base: Mechanism, rest: str) -> tuple[Term | None, str | None]:
    kind = base.kind
    if not rest.startswith(":") or len(rest) == 1:
        return None, f"{kind} needs ':' and an address, as in {kind}:192.0.2.0/24"
    address, slash, length = rest[1:].partition("/")
    maximum = 32 if kind == "ip4" else 128
    prefix, problem = _cidr(length if slash else None, maximum)
    if problem:
        return None, problem
    if kind == "ip4" and not _IP4.fullmatch(address):
        return None, f"{address!r} is not a full dotted-quad IPv4 address (no leading zeros, four parts)"
    if kind == "ip6" and not _IP6_CHARS.fullmatch(address):
        return None, f"{address!r} is not an IPv6 address"
    try:
        network = ipaddress.ip_network(f"{address}/{maximum if prefix is None else prefix}", strict=False)
    except ValueError:
        return None, f"{address!r} is not a valid {'IPv4' if kind == 'ip4' else 'IPv6'} address"
    if network.version != (4 if kind == "ip4" else 6):
        return None, f"{address!r} is not an {'IPv4' if kind == 'ip4' else 'IPv6'} address"
    return _with(base, network=network), None


def _cidr(digits: str | None, maximum: int) -> tuple[int | None, str | None]:
    if digits is None:
        return None, None
    number = parse_uint(digits[:4], max_digits=4) if digits.isascii() and digits.isdigit() else None
    if number is None or (len(digits) > 1 and digits[0] == "0"):
        return None, f"'/{digits[:12]}' is not a valid prefix length (digits, no leading zeros)"
    if len(digits) > 3 or number > maximum:
        return None, f"'/{digits[:12]}' is longer than the maximum prefix length {maximum}"
    return number, None


def _domain_spec(text: str) -> tuple[tuple[Token, ...], str | None]:
    """Parse a domain-spec and check its ending: a macro, or '.' plus a valid top label (section 7.1)."""
    if not text:
        return (), "the domain is empty"
    tokens, error = parse_macro_string(text)
    if error:
        return (), _macro_message(error)
    last = tokens[-1]
    if isinstance(last, Literal) and not last.escape:
        tail = last.text[:-1] if last.text.endswith(".") else last.text
        before, dot, toplabel = tail.rpartition(".")
        if not dot or not TOPLABEL.fullmatch(toplabel) or (not before and len(tokens) == 1):
            return (), (
                f"{text!r} does not end in a valid top-level label (letters required, no leading '-'), "
                "so it cannot be a domain name"
            )
    return tokens, None


def _macro_message(error: MacroError) -> str:
    return f"invalid macro: {error.message}"
