"""The keep-alive connection pool the CLI's DoH resolvers share (checker/shared/dns/pool.py).

Against the real local DoH server (plain HTTP and HTTPS with a certificate made for the test), and
against small asyncio servers that misbehave on purpose: chunked bodies with trailers, a server that
drops an idle connection, one that never keeps a connection, one that stalls.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from dohserver import DohServer, fixture_zone, trusting
from rawserver import RawServer

from checker.analyses.domain.audit import audit_domain
from checker.shared.dns.cache import CachingResolver
from checker.shared.dns.doh_json import DohJsonResolver
from checker.shared.dns.doh_wire import DohWireResolver
from checker.shared.dns.fetch import FetchError, HttpRequest
from checker.shared.dns.model import DnsStatus
from checker.shared.dns.pool import DEFAULT_MAX_PER_ORIGIN, HttpPool
from checker.shared.orgdomain import PublicSuffixes

PSL_FILE = Path(__file__).resolve().parents[1] / "corpora" / "psl" / "public_suffix_list.dat"
needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command is missing")


@pytest.fixture
def https_server(dns_test_zone, certificate) -> Iterator[DohServer]:
    with DohServer(dns_test_zone, tls=certificate) as server:
        yield server


# -- against the DoH test server ---------------------------------------------------------------------
async def test_sequential_queries_share_one_connection(doh_server: DohServer) -> None:
    async with HttpPool(timeout=2) as pool:
        resolver = DohWireResolver(pool, doh_server.url)
        for name in ("plain.test", "alias.test", "split.test", "nope.test"):
            assert (await resolver.query(name, "A")).status is not DnsStatus.ERROR
        post = DohWireResolver(pool, doh_server.url, "POST")
        assert (await post.query("plain.test", "MX")).status is DnsStatus.OK
        json_api = DohJsonResolver(pool, doh_server.json_url)
        assert (await json_api.query("split.test", "TXT")).records == (
            "v=spf1 include:a.test include:b.test -all",
        )
        assert pool.stats.connections_opened == 1 and pool.stats.reused == 5
    assert doh_server.connections == 1 and len(doh_server.log) == 6


@needs_openssl
async def test_https_with_a_self_signed_certificate(https_server: DohServer, certificate) -> None:
    assert https_server.url.startswith("https://127.0.0.1:")
    async with HttpPool(timeout=2, ssl_context=trusting(certificate)) as pool:
        resolver = DohWireResolver(pool, https_server.url)
        answers = [await resolver.query("plain.test", rtype) for rtype in ("A", "AAAA", "MX", "TXT")]
        assert all(a.status in (DnsStatus.OK, DnsStatus.NODATA) for a in answers), answers
        assert sorted(answers[0].records) == ["192.0.2.1", "192.0.2.2"]
    assert https_server.connections == 1
    # without the test's certificate authority the server is not trusted
    async with HttpPool(timeout=2) as untrusting:
        refused = await DohWireResolver(untrusting, https_server.url).query("plain.test", "A")
    assert refused.status is DnsStatus.ERROR and "CERTIFICATE_VERIFY_FAILED" in refused.error


async def test_parallel_queries_stay_within_the_bound(doh_server: DohServer) -> None:
    doh_server.delay = 0.02  # so the queries really overlap
    async with HttpPool(timeout=5, max_per_origin=4) as pool:
        resolver = DohWireResolver(pool, doh_server.url)
        names = [f"n{i}.plain.test" for i in range(30)] + ["plain.test"]
        answers = await asyncio.gather(*(resolver.query(name, "A") for name in names))
        assert answers[-1].records and all(a.status is not DnsStatus.ERROR for a in answers)
        assert pool.open_connections <= 4
    assert doh_server.connections == 4 and len(doh_server.log) == 31


async def test_parallel_queries_run_in_parallel(doh_server: DohServer) -> None:
    # While every answer is held back, eight queries can only be served at once on eight connections.
    doh_server.delay = 0.1
    async with HttpPool(timeout=5, max_per_origin=8) as pool:
        resolver = DohWireResolver(pool, doh_server.url)
        await asyncio.gather(*(resolver.query(f"p{i}.plain.test", "A") for i in range(8)))
        assert pool.open_connections == 8
    assert doh_server.connections == 8 and len(doh_server.log) == 8


async def test_connection_close_mode_opens_one_connection_per_query(doh_server: DohServer) -> None:
    async with HttpPool(timeout=2, keep_alive=False) as pool:
        resolver = DohWireResolver(pool, doh_server.url)
        for _ in range(3):
            assert (await resolver.query("plain.test", "A")).status is DnsStatus.OK
        assert pool.open_connections == 0
    assert doh_server.connections == 3


async def test_http_1_0_server_is_not_reused(dns_test_zone) -> None:
    with DohServer(dns_test_zone, keep_alive=False) as server:
        async with HttpPool(timeout=2) as pool:
            resolver = DohWireResolver(pool, server.url)
            for _ in range(3):
                assert (await resolver.query("plain.test", "A")).status is DnsStatus.OK
        assert server.connections == 3


async def test_idle_connections_are_closed(doh_server: DohServer) -> None:
    async with HttpPool(timeout=2, idle_seconds=0.05) as pool:
        resolver = DohWireResolver(pool, doh_server.url)
        await resolver.query("plain.test", "A")
        assert pool.open_connections == 1
        await asyncio.sleep(0.1)
        await resolver.query("plain.test", "MX")
        assert pool.stats.connections_opened == 2 and pool.open_connections == 1
    assert pool.open_connections == 0


async def test_server_closing_an_idle_connection_costs_one_new_connection(dns_test_zone) -> None:
    with DohServer(dns_test_zone, keepalive_timeout=0.05) as server:
        async with HttpPool(timeout=2) as pool:
            resolver = DohWireResolver(pool, server.url)
            assert (await resolver.query("plain.test", "A")).status is DnsStatus.OK
            await asyncio.sleep(0.2)  # the server hangs up meanwhile
            assert (await resolver.query("plain.test", "MX")).status is DnsStatus.OK
        assert server.connections == 2


async def test_aclose_closes_everything(doh_server: DohServer) -> None:
    pool = HttpPool(timeout=2)
    resolver = DohWireResolver(pool, doh_server.url)
    await asyncio.gather(*(resolver.query(f"c{i}.plain.test", "A") for i in range(5)))
    assert pool.open_connections >= 1
    await pool.aclose()
    with pytest.raises(FetchError, match="closed"):
        await pool(HttpRequest("GET", doh_server.url))


@needs_openssl
async def test_domain_audit_over_https_reuses_a_bounded_few_connections(dns_test_zone, certificate) -> None:
    """The acceptance test of issue 10: 50 ms per answer and 50 ms per new TLS connection."""
    delay = 0.05
    psl = PublicSuffixes(PSL_FILE.read_text())
    zone = fixture_zone("acme-mail.yml")
    with DohServer(zone, tls=certificate, delay=delay, connect_delay=delay) as server:
        results = []
        for _ in range(2):
            server.clear_log()
            async with HttpPool(timeout=5, ssl_context=trusting(certificate)) as pool:
                resolver = CachingResolver(DohWireResolver(pool, server.url))
                started = time.perf_counter()
                audit = await audit_domain(
                    "acme.example", resolver=resolver, selectors=["selector1"], psl=psl
                )
                results.append((time.perf_counter() - started, server.connections, len(server.log)))
            assert not [c.reason for c in audit.checks if c.verdict.value == "error"]
            if len(results) >= 2:
                break
    _, connections, queries = min(results)
    assert queries >= 40 and connections < queries  # the later rounds reuse the first round's connections
    assert all(c <= DEFAULT_MAX_PER_ORIGIN for _, c, _ in results), results
    # The wall-time target ((depth + 1) round trips + 100 ms) is a benchmark: scripts/bench_dns.py prints it.


# -- against small servers that misbehave on purpose ---------------------------------------------------
async def test_chunked_bodies_with_trailers_leave_the_connection_usable() -> None:
    async def script(reader, writer, number):
        for index in range(3):
            await reader.readuntil(b"\r\n\r\n")
            writer.write(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + f"4;ext=1\r\nbody\r\n1\r\n{index}\r\n0\r\nX-Trailer: yes\r\n\r\n".encode()
            )
            await writer.drain()

    async with RawServer(script) as server, HttpPool(timeout=2) as pool:
        bodies = [(await pool(HttpRequest("GET", server.url))).body for _ in range(3)]
    assert bodies == [b"body0", b"body1", b"body2"] and server.connections == 1


async def test_content_length_bodies_are_read_exactly() -> None:
    async def script(reader, writer, number):
        for body in (b"first", b"", b"third!"):
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            await writer.drain()

    async with RawServer(script) as server, HttpPool(timeout=2) as pool:
        bodies = [(await pool(HttpRequest("GET", server.url))).body for _ in range(3)]
    assert bodies == [b"first", b"", b"third!"] and server.connections == 1


async def test_a_dead_connection_is_retried_once_on_a_fresh_one() -> None:
    async def script(reader, writer, number):
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        await reader.readuntil(b"\r\n\r\n")  # the next request arrives: hang up without a word

    async with RawServer(script) as server, HttpPool(timeout=2) as pool:
        first = await pool(HttpRequest("GET", server.url))
        second = await pool(HttpRequest("POST", server.url, {}, b"\x00"))
        assert (first.body, second.body) == (b"ok", b"ok")
        assert pool.stats.retried == 1 and server.connections == 2


async def test_a_fresh_connection_that_dies_is_not_retried() -> None:
    async def script(reader, writer, number):
        await reader.readuntil(b"\r\n\r\n")

    async with RawServer(script) as server, HttpPool(timeout=2) as pool:
        with pytest.raises(FetchError, match="without answering"):
            await pool(HttpRequest("GET", server.url))
        assert server.connections == 1 and pool.open_connections == 0


async def test_connection_close_and_undelimited_bodies_are_not_reused() -> None:
    async def script(reader, writer, number):
        await reader.readuntil(b"\r\n\r\n")
        if number == 1:
            writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")
        else:
            writer.write(b"HTTP/1.1 200 OK\r\n\r\nuntil the end")
        await writer.drain()

    async with RawServer(script) as server, HttpPool(timeout=2) as pool:
        first = await pool(HttpRequest("GET", server.url))
        second = await pool(HttpRequest("GET", server.url))
        assert (first.body, second.body) == (b"ok", b"until the end")
        assert server.connections == 2 and pool.open_connections == 0


async def test_a_timeout_closes_the_connection_it_was_waiting_on() -> None:
    async def script(reader, writer, number):
        await reader.readuntil(b"\r\n\r\n")
        await asyncio.sleep(1.0)

    async with RawServer(script) as server, HttpPool(timeout=0.2) as pool:
        with pytest.raises(FetchError) as caught:
            await pool(HttpRequest("GET", server.url))
        assert caught.value.timed_out and pool.open_connections == 0


@pytest.mark.parametrize(
    "reply",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok!",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\n",
        b"SSH-2.0-OpenSSH\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
    ],
)
async def test_malformed_responses_are_fetch_errors(reply: bytes) -> None:
    async def script(reader, writer, number):
        await reader.readuntil(b"\r\n\r\n")
        writer.write(reply)
        await writer.drain()

    async with RawServer(script) as server, HttpPool(timeout=1) as pool:
        with pytest.raises(FetchError):
            await pool(HttpRequest("GET", server.url))
        assert pool.open_connections == 0


def test_the_bound_must_be_positive() -> None:
    with pytest.raises(ValueError):
        HttpPool(max_per_origin=0)
