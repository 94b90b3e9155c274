"""Pure parts of the DNS layer: TXT unquoting, JSON documents, answer caps, reverse names, zone files."""

from __future__ import annotations

import ipaddress

import dns.reversename
import pytest

from checker.shared.dns.convert import MAX_RECORDS, capped
from checker.shared.dns.doh_json import answer_from_json, unquote_txt
from checker.shared.dns.model import DnsStatus
from checker.shared.dns.reverse import dnsbl_name, reverse_name
from checker.shared.dns.zonefile import parse_zone


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ('"v=spf1 -all"', "v=spf1 -all"),
        ('"v=spf1 " "include:a.test" " -all"', "v=spf1 include:a.test -all"),
        ('"say \\"hi\\""', 'say "hi"'),
        ('"back\\\\slash"', "back\\slash"),
        ('"caf\\195\\169"', "café"),  # \DDD bytes form UTF-8
        ('"semi\\059colon"', "semi;colon"),
        ("v=DMARC1; p=none", "v=DMARC1; p=none"),  # Google style: already joined, unquoted
        ('""', ""),
    ],
)
def test_unquote_txt(data: str, expected: str) -> None:
    assert unquote_txt(data) == expected


def test_json_document_reading() -> None:
    document = {
        "Status": 0,
        "Answer": [
            {"name": "alias.test.", "type": 5, "TTL": 60, "data": "target.test."},
            {"name": "target.test.", "type": 15, "TTL": 30, "data": "10 mx.target.test."},
        ],
    }
    answer = answer_from_json("alias.test", "MX", document, "server")
    assert answer.records == ("10 mx.target.test",) and answer.ttl == 30
    assert answer_from_json(
        "x.test", "MX", {"Status": 0, "Answer": [{"type": 15, "data": "0 ."}]}, "s"
    ).records == ("0 .",)
    assert answer_from_json("x.test", "A", {"Status": 3}, "s").status is DnsStatus.NXDOMAIN
    assert answer_from_json("x.test", "A", {"Status": 5}, "s").status is DnsStatus.SERVFAIL
    assert answer_from_json("x.test", "A", {"Status": 0}, "s").status is DnsStatus.NODATA
    for broken in ([], {"Status": "0"}, {"Status": 0, "Answer": {}}, {"Status": 0, "Answer": [{"type": 1}]}):
        assert answer_from_json("x.test", "A", broken, "s").status is DnsStatus.ERROR


def test_answer_caps() -> None:
    assert capped("x.test", "A", [f"10.0.0.{i % 250}" for i in range(MAX_RECORDS + 1)], 1, "s").status is (
        DnsStatus.ERROR
    )
    assert capped("x.test", "TXT", ["x" * 40_000], 1, "s").status is DnsStatus.ERROR
    assert capped("x.test", "TXT", [], 1, "s").status is DnsStatus.NODATA


@pytest.mark.parametrize(
    "address",
    [
        "::",
        "::1",
        "2001:db8::",
        "2001:db8::25",
        "fe80::1:2:3:4",
        "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
        "::ffff:1.2.3.4",
    ],
)
def test_ip6_arpa_always_has_32_nibbles(address: str) -> None:
    name = reverse_name(ipaddress.ip_address(address))
    labels = name.split(".")
    assert labels[-2:] == ["ip6", "arpa"] and len(labels) == 34
    assert all(len(label) == 1 and label in "0123456789abcdef" for label in labels[:32])
    if not ipaddress.ip_address(address).ipv4_mapped:  # dnspython maps those to in-addr.arpa
        assert name == dns.reversename.from_address(address).to_text(omit_final_dot=True)


def test_reverse_name_vectors() -> None:
    assert reverse_name(ipaddress.ip_address("::")) == ".".join("0" * 32) + ".ip6.arpa"
    assert reverse_name(ipaddress.ip_address("::1")) == "1." + ".".join("0" * 31) + ".ip6.arpa"
    assert reverse_name(ipaddress.ip_address("192.0.2.10")) == "10.2.0.192.in-addr.arpa"
    assert (
        dnsbl_name(ipaddress.ip_address("203.0.113.7"), "zen.spamhaus.org.") == "7.113.0.203.zen.spamhaus.org"
    )


def test_zone_file_parsing_and_errors() -> None:
    zone = parse_zone(
        {
            "records": {"A.Test.": {"txt": [["a ", "b"], "c"], "MX": ["10 mx.a.test"]}},
            "existing": ["e.test"],
            "failures": {"f.test": {"TXT": "servfail"}, "*": {"A": "http500"}},
        }
    )
    assert zone.records[("a.test", "TXT")] == (("a ", "b"), "c")
    assert zone.joined()[("a.test", "TXT")] == ["a b", "c"]
    assert zone.names() == {"a.test", "e.test"}
    with pytest.raises(ValueError, match="must be a list"):
        parse_zone({"records": {"x.test": {"A": "192.0.2.1"}}})
    with pytest.raises(ValueError, match="not one of"):
        parse_zone({"failures": {"x.test": {"A": "explode"}}})


async def test_zone_file_in_memory_resolver_matches_the_server_view() -> None:
    zone = parse_zone(
        {"records": {"a.test": {"TXT": [["x", "y"]]}}, "failures": {"b.test": {"TXT": "timeout"}}}
    )
    resolver = zone.resolver()
    assert (await resolver.query("a.test", "TXT")).records == ("xy",)
    assert (await resolver.query("b.test", "TXT")).status is DnsStatus.TIMEOUT
