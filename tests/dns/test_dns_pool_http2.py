"""HTTP/2 for the CLI's DoH queries (checker/shared/dns/pool_http2.py, the optional ``http2`` extra).

Against the real local DoH server speaking h2 (tests/doh_h2.py) or only HTTP/1.1 over TLS, and against
small TLS servers that misbehave on purpose: a body past the cap, a redirect, a stall, a server gone.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from dohserver import DohServer, serving, trusting
from rawserver import RawServer

from checker.shared.dns.doh_json import DohJsonResolver
from checker.shared.dns.doh_wire import DohWireResolver
from checker.shared.dns.fetch import MAX_BODY_BYTES, FetchError, HttpRequest
from checker.shared.dns.model import DnsStatus
from checker.shared.dns.pool import CA_FILE_VARIABLE, KEEP_ALIVE_VARIABLE, HttpPool
from checker.shared.dns.pool_http2 import HTTP2_VARIABLE, Http2Pool, cli_doh_pool, http2_installed
from checker.shared.result import InputError

pytestmark = [
    pytest.mark.skipif(not http2_installed(), reason="the http2 extra (httpx, h2) is not installed"),
    pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command is missing"),
]
NAMES = ("plain.test", "alias.test", "split.test", "nope.test", "a.test", "b.test")


@pytest.fixture
def h2_server(dns_test_zone, certificate) -> Iterator[DohServer]:
    with DohServer(dns_test_zone, tls=certificate, http2=True, delay=0.1, timeout_delay=2.0) as server:
        yield server


# -- against the DoH test server ---------------------------------------------------------------------
async def test_parallel_queries_share_one_http2_connection(h2_server: DohServer, certificate) -> None:
    async with Http2Pool(timeout=3, ssl_context=trusting(certificate)) as pool:
        resolver = DohWireResolver(pool, h2_server.url)
        started = time.perf_counter()
        answers = await asyncio.gather(
            *(resolver.query(name, rtype) for name in NAMES for rtype in ["A", "TXT"])
        )
        elapsed = time.perf_counter() - started
        assert all(answer.status is not DnsStatus.ERROR for answer in answers), answers
        assert sorted(answers[0].records) == ["192.0.2.1", "192.0.2.2"]
        # 12 answers of 100 ms each, side by side on one connection
        assert elapsed < 0.6 and len(h2_server.log) == 12, elapsed
        post = await DohWireResolver(pool, h2_server.url, "POST").query("plain.test", "MX")
        json_api = await DohJsonResolver(pool, h2_server.json_url).query("split.test", "TXT")
        assert post.status is DnsStatus.OK
        assert json_api.records == ("v=spf1 include:a.test include:b.test -all",)
        assert pool.stats.by_version == {"HTTP/2": 14}
    assert h2_server.connections == h2_server.h2_connections == 1


async def test_a_timed_out_stream_leaves_the_connection_usable(h2_server: DohServer, certificate) -> None:
    h2_server.fail("nope.test", "A", "timeout")
    async with Http2Pool(timeout=0.5, ssl_context=trusting(certificate)) as pool:
        resolver = DohWireResolver(pool, h2_server.url)
        stalled, fine = await asyncio.gather(
            resolver.query("nope.test", "A"), resolver.query("plain.test", "A")
        )
        assert stalled.status is DnsStatus.TIMEOUT and "no answer within 0.5 s" in stalled.error
        assert fine.status is DnsStatus.OK
        assert (await resolver.query("split.test", "TXT")).status is DnsStatus.OK
    assert h2_server.connections == 1


async def test_bodies_larger_than_the_window_arrive_whole(h2_server: DohServer, certificate) -> None:
    h2_server.fail("plain.test", "TXT", "huge")  # 400 records, 68 KB of JSON: past the first 64 KB window
    async with Http2Pool(timeout=3, ssl_context=trusting(certificate)) as pool:
        url = f"{h2_server.json_url}?name=plain.test&type=TXT"
        response = await pool(HttpRequest("GET", url, {"accept": "application/dns-json"}))
    assert response.status == 200 and len(response.body) > 65_535
    assert len(json.loads(response.body)["Answer"]) == 400 and pool.stats.by_version == {"HTTP/2": 1}


async def test_a_server_without_http2_is_spoken_to_over_http1(dns_test_zone, certificate) -> None:
    with DohServer(dns_test_zone, tls=certificate, delay=0.05) as server:
        async with Http2Pool(timeout=3, ssl_context=trusting(certificate), max_connections=4) as pool:
            resolver = DohWireResolver(pool, server.url)
            answers = await asyncio.gather(*(resolver.query(name, "A") for name in NAMES * 2))
            assert all(answer.status is not DnsStatus.ERROR for answer in answers), answers
            assert pool.stats.by_version == {"HTTP/1.1": 12}
        # the first request's connection, then the HTTP/1.1 pool's, within the bound of 4
        assert server.h2_connections == 0 and 1 < server.connections <= 4


async def test_plain_http_goes_to_the_http1_pool(doh_server: DohServer) -> None:
    async with Http2Pool(timeout=3) as pool:
        resolver = DohWireResolver(pool, doh_server.url)
        assert (await resolver.query("plain.test", "A")).status is DnsStatus.OK
        assert (await resolver.query("plain.test", "MX")).status is DnsStatus.OK
    assert doh_server.connections == 1 and pool.stats.by_version == {"HTTP/1.1": 2}


async def test_untrusted_certificate_and_gone_server_are_fetch_errors(h2_server: DohServer) -> None:
    async with Http2Pool(timeout=2) as pool:
        with pytest.raises(FetchError, match=r"could not connect.*CERTIFICATE_VERIFY_FAILED"):
            await pool(HttpRequest("GET", h2_server.url))
        url = h2_server.url
        h2_server.stop()
        with pytest.raises(FetchError, match="could not connect") as gone:
            await pool(HttpRequest("GET", url))
        assert not gone.value.timed_out
        with pytest.raises(FetchError, match="not an http"):
            await pool(HttpRequest("GET", "ftp://127.0.0.1/dns-query"))
    with pytest.raises(FetchError, match="closed"):
        await pool(HttpRequest("GET", url))


# -- against small TLS servers that misbehave on purpose (tests/rawserver.py) -------------------------
def replying(reply: bytes, *, then_sleep: float = 0.0, heads: list[bytes] | None = None):
    """A RawServer script: read the request head (kept in ``heads``), send ``reply``, wait."""

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, number: int) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        if heads is not None:
            heads.append(head)
        writer.write(reply)
        await writer.drain()
        await asyncio.sleep(then_sleep)

    return script


@pytest.mark.parametrize(
    "reply",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\n",  # refused from the header
        b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + b"x" * (MAX_BODY_BYTES + 10),  # counted as read
    ],
)
async def test_a_body_past_the_cap_is_refused(certificate, reply: bytes) -> None:
    server = RawServer(replying(reply), ssl_context=serving(certificate))
    async with server, Http2Pool(timeout=2, ssl_context=trusting(certificate)) as pool:
        with pytest.raises(FetchError, match=f"larger than {MAX_BODY_BYTES} bytes"):
            await pool(HttpRequest("GET", server.url))


async def test_a_redirect_is_returned_not_followed(certificate) -> None:
    reply = b"HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n"
    heads: list[bytes] = []
    async with RawServer(replying(reply, heads=heads), ssl_context=serving(certificate)) as server:
        async with Http2Pool(timeout=2, ssl_context=trusting(certificate)) as pool:
            response = await pool(HttpRequest("GET", server.url))
            assert response.status == 302 and response.headers["location"] == "/elsewhere"
            answer = await DohWireResolver(pool, server.url).query("plain.test", "A")
        assert answer.status is DnsStatus.ERROR and "302" in answer.error
        assert not [head for head in heads if b"/elsewhere" in head]


async def test_a_stalled_server_is_a_timeout(certificate) -> None:
    server = RawServer(replying(b"", then_sleep=2.0), ssl_context=serving(certificate))
    async with server, Http2Pool(timeout=0.3, ssl_context=trusting(certificate)) as pool:
        started = time.perf_counter()
        with pytest.raises(FetchError, match=r"no answer within 0\.3 s") as caught:
            await pool(HttpRequest("GET", server.url))
        assert caught.value.timed_out and time.perf_counter() - started < 1.0


# -- the CLI's choice --------------------------------------------------------------------------------
async def test_the_cli_picks_http2_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch, certificate, tmp_path: Path
) -> None:
    monkeypatch.setenv(CA_FILE_VARIABLE, str(certificate[0]))
    chosen = cli_doh_pool(4.0)
    assert isinstance(chosen, Http2Pool) and chosen.timeout == 4.0
    await chosen.aclose()
    monkeypatch.setenv(HTTP2_VARIABLE, "0")
    http1 = cli_doh_pool(4.0)
    assert isinstance(http1, HttpPool) and http1.keep_alive
    monkeypatch.delenv(HTTP2_VARIABLE)
    monkeypatch.setenv(KEEP_ALIVE_VARIABLE, "off")
    close = cli_doh_pool(4.0)
    assert isinstance(close, HttpPool) and not close.keep_alive
    monkeypatch.delenv(KEEP_ALIVE_VARIABLE)
    bad = tmp_path / "not-a-cert.pem"
    bad.write_text("hello")
    monkeypatch.setenv(CA_FILE_VARIABLE, str(bad))
    refused = cli_doh_pool(4.0)
    assert isinstance(refused, InputError) and refused.where == CA_FILE_VARIABLE


def test_the_bound_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Http2Pool(max_connections=0)
