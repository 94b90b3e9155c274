"""Issue 9, DNS answers that must not be believed: foreign owner names, wrong questions, CNAME loops,
TC bit, malformed answers; and the DoH test server's faults, each a "could not check" naming the query."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dns.flags
import dns.message
import dns.rrset
import pytest
from dohserver import DohServer

from checker.analyses.headers.analyze import analyze_headers
from checker.shared.dns.convert import from_message, owned_records
from checker.shared.dns.doh_json import DohJsonResolver, answer_from_json
from checker.shared.dns.doh_wire import DohWireResolver
from checker.shared.dns.model import DnsStatus
from checker.shared.dns.streamfetch import make_stream_fetch
from checker.shared.dns.zonefile import load_zone
from checker.shared.result import Verdict

SERVER = "https://doh.example/dns-query"
TXT, CNAME = 16, 5


# -- the owner-name rule, on its own --------------------------------------------------------------------
def test_records_at_other_owner_names_are_ignored() -> None:
    entries = [
        ("asked.example.", "TXT", "v=spf1 -all", 60),
        ("evil.example.", "TXT", "v=spf1 +all", 60),
    ]
    answer = owned_records("asked.example", "TXT", entries, SERVER)
    assert answer.records == ("v=spf1 -all",)


def test_records_along_the_cname_chain_count() -> None:
    entries = [
        ("alias.example", "CNAME", "target.example", 60),
        ("target.example", "A", "192.0.2.7", 30),
        ("elsewhere.example", "A", "192.0.2.66", 30),
    ]
    answer = owned_records("alias.example", "A", entries, SERVER)
    assert answer.ok and answer.records == ("192.0.2.7",) and answer.ttl == 30


def test_only_foreign_records_is_a_failed_lookup_naming_query_and_server() -> None:
    answer = owned_records("asked.example", "TXT", [("evil.example", "TXT", "v=spf1 +all", 60)], SERVER)
    assert answer.status is DnsStatus.ERROR
    assert "asked.example" in answer.error and SERVER in answer.error and "another name" in answer.error


def test_cname_loop_with_no_data_is_an_error_not_no_record() -> None:
    entries = [("a.example", "CNAME", "b.example", 60), ("b.example", "CNAME", "a.example", 60)]
    answer = owned_records("a.example", "TXT", entries, SERVER)
    assert answer.status is DnsStatus.ERROR and "loops" in answer.error and "a.example" in answer.error


# -- JSON ----------------------------------------------------------------------------------------------
def _json(answers: list[dict], **extra: object) -> dict:
    return {"Status": 0, "Question": [{"name": "asked.example.", "type": TXT}], "Answer": answers, **extra}


def test_json_wrong_owner_ignored_and_wrong_question_rejected() -> None:
    mixed = _json(
        [
            {"name": "asked.example.", "type": TXT, "TTL": 5, "data": '"v=spf1 -all"'},
            {"name": "evil.example.", "type": TXT, "TTL": 5, "data": '"v=spf1 +all"'},
        ]
    )
    assert answer_from_json("asked.example", "TXT", mixed, SERVER).records == ("v=spf1 -all",)
    other = _json([], Question=[{"name": "other.example.", "type": TXT}])
    refused = answer_from_json("asked.example", "TXT", other, SERVER)
    assert refused.status is DnsStatus.ERROR and "another question" in refused.error


def test_json_tc_bit_and_malformed_records_fail_with_the_query_named() -> None:
    truncated = answer_from_json("asked.example", "TXT", _json([], TC=True), SERVER)
    assert truncated.status is DnsStatus.ERROR and "truncated" in truncated.error
    bad_a = {"Status": 0, "Answer": [{"name": "asked.example.", "type": 1, "data": "not-an-ip"}]}
    answer = answer_from_json("asked.example", "A", bad_a, SERVER)
    assert answer.status is DnsStatus.ERROR and "asked.example" in answer.error and SERVER in answer.error
    no_owner = {"Status": 0, "Answer": [{"name": 5, "type": TXT, "data": ""}]}
    for broken in ({"Status": 0, "Question": "x"}, no_owner):
        assert answer_from_json("asked.example", "TXT", broken, SERVER).status is DnsStatus.ERROR


def test_json_cname_loop_is_an_error() -> None:
    loop = {
        "Status": 0,
        "Answer": [
            {"name": "a.example.", "type": CNAME, "data": "b.example."},
            {"name": "b.example.", "type": CNAME, "data": "a.example."},
        ],
    }
    assert answer_from_json("a.example", "TXT", loop, SERVER).status is DnsStatus.ERROR


# -- wire ------------------------------------------------------------------------------------------------
def _response(name: str = "asked.example", owner: str = "asked.example", tc: bool = False) -> Any:
    query = dns.message.make_query(name, "TXT")
    response = dns.message.make_response(query)
    response.answer.append(dns.rrset.from_text(owner, 60, "IN", "TXT", '"v=spf1 -all"'))
    if tc:
        response.flags |= dns.flags.TC
    return response


def test_wire_tc_bit_is_a_failed_lookup() -> None:
    answer = from_message("asked.example", "TXT", _response(tc=True), SERVER)
    assert answer.status is DnsStatus.ERROR
    assert "truncated" in answer.error and "asked.example" in answer.error


def test_wire_foreign_owner_is_not_believed() -> None:
    answer = from_message("asked.example", "TXT", _response(owner="evil.example"), SERVER)
    assert answer.status is DnsStatus.ERROR and "another name" in answer.error


@pytest.mark.parametrize("body", [b"", b"\x00", b"\x00\x00\x81\x80" + b"\xff" * 40, bytes(range(256))])
async def test_wire_garbage_bodies_are_failed_lookups(body: bytes) -> None:
    from checker.shared.dns.fetch import HttpResponse

    async def fetch(request):
        return HttpResponse(200, {}, body)

    answer = await DohWireResolver(fetch, SERVER).query("asked.example", "TXT")
    assert answer.failed and "asked.example" in answer.error and SERVER in answer.error


# -- the DoH test server's faults, through every transport -----------------------------------------------
FAULTS = {
    "timeout": DnsStatus.TIMEOUT,
    "slow": DnsStatus.TIMEOUT,
    "servfail": DnsStatus.SERVFAIL,
    "http500": DnsStatus.ERROR,
    "http503": DnsStatus.ERROR,
    "http429": DnsStatus.ERROR,
    "malformed": DnsStatus.ERROR,
    "garbage": DnsStatus.ERROR,
    "huge": DnsStatus.ERROR,
    "huge_txt": DnsStatus.ERROR,
    "wrong_owner": DnsStatus.ERROR,
    "wrong_question": DnsStatus.ERROR,
    "truncated": DnsStatus.ERROR,
    "cname_loop": DnsStatus.ERROR,
}


def _resolver(kind: str, server: DohServer, timeout: float = 0.5):
    fetch = make_stream_fetch(timeout)
    if kind == "json":
        return DohJsonResolver(fetch, server.json_url)
    return DohWireResolver(fetch, server.url, "POST" if kind == "wire-post" else "GET")


@pytest.fixture
def faulty_server(dns_test_zone):
    with DohServer(dns_test_zone, timeout_delay=1.0, slow_delay=0.8) as server:
        yield server


@pytest.fixture(scope="session")
def dns_test_zone():
    from dohserver import fixture_zone

    return fixture_zone("dns-tests.yml")


@pytest.mark.parametrize("kind", ["json", "wire-get", "wire-post"])
async def test_every_fault_is_a_failed_lookup_naming_query_server_and_reason(faulty_server, kind) -> None:
    resolver = _resolver(kind, faulty_server)
    for fault, expected in FAULTS.items():
        faulty_server.clear_failures()
        faulty_server.fail("plain.test", "TXT", fault)
        answer = await resolver.query("plain.test", "TXT")
        assert answer.status is expected, (fault, answer)
        assert "plain.test" in answer.error and str(faulty_server.port) in answer.error, (fault, answer.error)
        # the rest is kept: another question to the same server still works
        assert (await resolver.query("plain.test", "A")).records, fault


# -- end to end: a fault costs one part of the analysis, never the rest ---------------------------------
ZONE = """
ttl: 300
records:
  acme.test:
    TXT: ["v=spf1 include:loop-a.acme.test -all"]
  loop-a.acme.test:
    TXT: ["v=spf1 include:loop-b.acme.test -all"]
  loop-b.acme.test:
    TXT: ["v=spf1 include:loop-a.acme.test -all"]
  _dmarc.acme.test:
    TXT: ["v=DMARC1; p=reject"]
"""
MESSAGE = (
    "Return-Path: <a@acme.test>\r\n"
    "Received: from mx.acme.test (mx.acme.test [192.0.2.1]) by mx.example; Mon, 1 Jan 2024 00:00:00 +0000\r\n"
    "From: a@acme.test\r\nTo: b@example.com\r\nSubject: hi\r\n\r\nbody\r\n"
)


@pytest.fixture
def acme_server(tmp_path: Path):
    zone_file = tmp_path / "acme.yml"
    zone_file.write_text(ZONE, encoding="utf-8")
    with DohServer(load_zone(zone_file), timeout_delay=1.0, slow_delay=0.8) as server:
        yield server


@pytest.mark.parametrize("kind", ["json", "wire-get"])
async def test_a_faulty_dmarc_lookup_is_could_not_check_and_the_rest_is_kept(acme_server, kind) -> None:
    for fault in FAULTS:
        acme_server.clear_failures()
        acme_server.fail("_dmarc.acme.test", "TXT", fault)
        analysis = await analyze_headers(MESSAGE, resolver=_resolver(kind, acme_server))
        dmarc = [c for c in analysis.checks if c.name == "DMARC"]
        assert dmarc and dmarc[0].verdict is Verdict.ERROR, (fault, dmarc)
        assert "_dmarc.acme.test" in dmarc[0].explanation, fault
        reasons = {c.reason for c in analysis.checks}
        assert "spf.include_loop" in reasons and "headers.hops" in reasons, fault


async def test_spf_include_loop_is_named(acme_server) -> None:
    analysis = await analyze_headers(MESSAGE, resolver=_resolver("json", acme_server))
    loop = next(c for c in analysis.checks if c.reason == "spf.include_loop")
    assert "loop-a.acme.test" in loop.explanation
