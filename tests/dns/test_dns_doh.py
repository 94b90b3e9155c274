"""DoH resolvers (wire GET, wire POST, JSON) against the real local DoH server."""

from __future__ import annotations

import json
import urllib.request

import pytest
from dohserver import DohServer

from checker.shared.dns.doh_json import DohJsonResolver
from checker.shared.dns.doh_wire import DohWireResolver
from checker.shared.dns.fetch import make_urllib_fetch
from checker.shared.dns.model import DnsStatus
from checker.shared.dns.streamfetch import make_stream_fetch

MODES = ["wire-get", "wire-post", "json-resolve", "json-dns-query"]


def make_fetch(fetch_kind: str, timeout: float):
    return make_urllib_fetch(timeout) if fetch_kind == "urllib" else make_stream_fetch(timeout)


def spying_fetch(captured: list):
    """A urllib fetch that first appends every request it is given to ``captured``."""
    inner = make_urllib_fetch(1.0)

    async def spy(request):
        captured.append(request)
        return await inner(request)

    return spy


def make(mode: str, server: DohServer, *, timeout: float = 1.0, fetch_kind: str = "urllib"):
    fetch = make_fetch(fetch_kind, timeout)
    if mode == "wire-get":
        return DohWireResolver(fetch, server.url)
    if mode == "wire-post":
        return DohWireResolver(fetch, server.url, "POST")
    if mode == "json-resolve":
        return DohJsonResolver(fetch, server.json_url)
    return DohJsonResolver(fetch, server.url)  # JSON through /dns-query with the accept header


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.mark.parametrize("fetch_kind", ["urllib", "stream"])
async def test_records_in_presentation_form(doh_server: DohServer, mode: str, fetch_kind: str) -> None:
    resolver = make(mode, doh_server, fetch_kind=fetch_kind)
    a = await resolver.query("plain.test", "A")
    assert a.status is DnsStatus.OK and sorted(a.records) == ["192.0.2.1", "192.0.2.2"]
    assert a.ttl == 300
    mx = await resolver.query("Plain.Test.", "MX")
    assert sorted(mx.records) == ["10 mx1.plain.test", "20 mx2.plain.test"]
    aaaa = await resolver.query("plain.test", "aaaa")
    assert aaaa.records == ("2001:db8::1",)
    ptr = await resolver.query("10.2.0.192.in-addr.arpa", "PTR")
    assert ptr.records == ("host.plain.test",)


async def test_nxdomain_and_nodata_stay_apart(doh_server: DohServer, mode: str) -> None:
    resolver = make(mode, doh_server)
    assert (await resolver.query("nope.test", "A")).status is DnsStatus.NXDOMAIN
    assert (await resolver.query("empty.test", "A")).status is DnsStatus.NODATA
    assert (await resolver.query("plain.test", "PTR")).status is DnsStatus.NODATA


async def test_txt_strings_joined_and_escapes_decoded(doh_server: DohServer, mode: str) -> None:
    resolver = make(mode, doh_server)
    split = await resolver.query("split.test", "TXT")
    assert split.records == ("v=spf1 include:a.test include:b.test -all",)
    escapes = await resolver.query("escapes.test", "TXT")
    assert sorted(escapes.records) == sorted(['quote " backslash \\ semicolon ; end', "café ✓"])
    long = await resolver.query("long.test", "TXT")
    assert len(long.records[0]) > 255 and long.records[0].startswith("v=DKIM1; k=rsa; p=MIIB")
    assert " " not in long.records[0][20:]  # the 255-byte chunks are joined with nothing between


async def test_cname_chain_keeps_only_the_asked_type(doh_server: DohServer, mode: str) -> None:
    resolver = make(mode, doh_server)
    answer = await resolver.query("alias.test", "A")
    assert answer.status is DnsStatus.OK and answer.records == ("192.0.2.80",)
    assert (await resolver.query("alias.test", "TXT")).records == ("reached the target",)
    assert (await resolver.query("alias.test", "CNAME")).records == ("middle.test",)
    loop = await resolver.query("loop1.test", "A")
    assert loop.status is DnsStatus.SERVFAIL and loop.error


@pytest.mark.parametrize(
    ("failure", "expected", "words"),
    [
        ("http500", DnsStatus.ERROR, "HTTP 500"),
        ("servfail", DnsStatus.SERVFAIL, "SERVFAIL"),
        ("malformed", DnsStatus.ERROR, "not"),
        ("huge", DnsStatus.ERROR, "400 records"),
        ("timeout", DnsStatus.TIMEOUT, "no answer within"),
    ],
)
@pytest.mark.parametrize("fetch_kind", ["urllib", "stream"])
async def test_failures_become_statuses_with_a_sentence(
    doh_server: DohServer, mode: str, failure: str, expected: DnsStatus, words: str, fetch_kind: str
) -> None:
    doh_server.fail("plain.test", "TXT", failure)
    answer = await make(mode, doh_server, timeout=0.5, fetch_kind=fetch_kind).query("plain.test", "TXT")
    assert answer.status is expected
    assert words in answer.error
    assert "plain.test" in answer.error and str(doh_server.port) in answer.error  # names query and server
    assert "plain.test" in answer.describe_failure()


async def test_fixture_failures_apply(doh_server: DohServer, mode: str) -> None:
    resolver = make(mode, doh_server)
    assert (await resolver.query("broken.test", "TXT")).status is DnsStatus.SERVFAIL
    assert (await resolver.query("broken.test", "A")).status is DnsStatus.ERROR


@pytest.mark.parametrize("fetch_kind", ["urllib", "stream"])
async def test_unreachable_server_is_an_error_not_an_exception(mode: str, fetch_kind: str) -> None:
    resolver = DohWireResolver(make_fetch(fetch_kind, 1.0), "http://127.0.0.1:9/dns-query")
    answer = await resolver.query("plain.test", "A")
    assert answer.status is DnsStatus.ERROR and "127.0.0.1:9" in answer.error


async def test_bad_names_and_types_are_refused_without_a_request(doh_server: DohServer, mode: str) -> None:
    resolver = make(mode, doh_server)
    assert (await resolver.query("a" * 64 + ".test", "A")).status is DnsStatus.ERROR
    assert (await resolver.query("x..test", "A")).status is DnsStatus.ERROR
    assert (await resolver.query("plain.test", "SRVX")).status is DnsStatus.ERROR
    assert doh_server.log == []


async def test_wire_requests_follow_rfc_8484(doh_server: DohServer) -> None:
    import base64

    import dns.message

    captured = []
    spy = spying_fetch(captured)
    await DohWireResolver(spy, doh_server.url).query("plain.test", "A")
    await DohWireResolver(spy, doh_server.url, "POST").query("plain.test", "A")
    get, post = captured
    encoded = get.url.split("dns=", 1)[1]
    assert "=" not in encoded  # base64url without padding
    query = dns.message.from_wire(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    assert query.id == 0 and query.flags & dns.flags.RD
    assert get.headers["accept"] == "application/dns-message"
    assert post.headers["content-type"] == "application/dns-message" and post.body
    assert [(q.kind, q.method) for q in doh_server.log] == [("wire", "GET"), ("wire", "POST")]


async def test_json_requests_send_the_exact_accept_header(doh_server: DohServer) -> None:
    captured = []
    spy = spying_fetch(captured)
    await DohJsonResolver(spy, doh_server.json_url).query("plain.test", "TXT")
    assert captured[0].headers == {"accept": "application/dns-json"}
    assert "name=plain.test" in captured[0].url and "type=TXT" in captured[0].url


def test_cors_headers_and_preflight(doh_server: DohServer) -> None:
    preflight = urllib.request.Request(doh_server.url, method="OPTIONS")
    with urllib.request.urlopen(preflight, timeout=2) as response:
        assert response.status == 204
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "content-type" in response.headers["Access-Control-Allow-Headers"]
    with urllib.request.urlopen(f"{doh_server.json_url}?name=plain.test&type=A", timeout=2) as response:
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        document = json.loads(response.read())
    assert document["Status"] == 0 and document["Answer"][0]["type"] == 1
    assert doh_server.preflights == 1


async def test_delay_is_applied(dns_test_zone) -> None:
    import time

    with DohServer(dns_test_zone, delay=0.1) as server:
        started = time.perf_counter()
        await DohWireResolver(make_urllib_fetch(2.0), server.url).query("plain.test", "A")
        assert time.perf_counter() - started >= 0.1


async def test_answer_to_another_question_is_refused(doh_server: DohServer) -> None:
    import dns.message

    from checker.shared.dns.fetch import HttpResponse

    async def wrong_answer(request):
        reply = dns.message.make_response(dns.message.make_query("other.test", "A"))
        return HttpResponse(200, {}, reply.to_wire())

    answer = await DohWireResolver(wrong_answer, doh_server.url).query("plain.test", "A")
    assert answer.status is DnsStatus.ERROR and "another question" in answer.error
