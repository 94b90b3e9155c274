"""The HTTP fetch functions alone: bodies, statuses, chunked encoding, timeouts, refused connections."""

from __future__ import annotations

import asyncio

import pytest

from checker.shared.dns.fetch import FetchError, HttpRequest, urllib_fetch
from checker.shared.dns.streamfetch import stream_fetch


async def serve(reply: bytes, *, stall: float = 0.0):
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await asyncio.sleep(stall)
        writer.write(reply)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/dns-query"


async def test_chunked_body_is_reassembled() -> None:
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: x/y\r\n\r\n"
    reply = head + b"4\r\nWiki\r\n6\r\npedia!\r\n0\r\n\r\n"
    server, url = await serve(reply)
    async with server:
        response = await stream_fetch(HttpRequest("GET", url, {"accept": "x/y"}), timeout=2)
    assert (response.status, response.body, response.headers["content-type"]) == (200, b"Wikipedia!", "x/y")


async def test_content_length_and_error_status() -> None:
    server, url = await serve(b"HTTP/1.1 503 Busy\r\nContent-Length: 4\r\n\r\nbusy")
    async with server:
        response = await stream_fetch(HttpRequest("POST", url, {}, b"\x00\x01"), timeout=2)
    assert (response.status, response.body) == (503, b"busy")


@pytest.mark.parametrize("fetch", [stream_fetch, urllib_fetch])
async def test_timeout_is_marked(fetch) -> None:
    server, url = await serve(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", stall=2)
    async with server:
        with pytest.raises(FetchError) as caught:
            await fetch(HttpRequest("GET", url), timeout=0.3)
    assert caught.value.timed_out and "0.3 s" in caught.value.message


@pytest.mark.parametrize("fetch", [stream_fetch, urllib_fetch])
async def test_refused_connection_is_a_fetch_error(fetch) -> None:
    with pytest.raises(FetchError) as caught:
        await fetch(HttpRequest("GET", "http://127.0.0.1:9/dns-query"), timeout=1)
    assert not caught.value.timed_out


async def test_not_http_is_a_fetch_error() -> None:
    server, url = await serve(b"SSH-2.0-OpenSSH\r\n\r\n")
    async with server:
        with pytest.raises(FetchError, match="did not answer with HTTP"):
            await stream_fetch(HttpRequest("GET", url), timeout=2)
    with pytest.raises(FetchError, match="not an http"):
        await stream_fetch(HttpRequest("GET", "ftp://127.0.0.1/x"), timeout=1)
