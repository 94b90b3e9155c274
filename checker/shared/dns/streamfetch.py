"""HTTP/1.1 over asyncio streams for the CLI: no worker threads, so a whole round of queries goes out at once.

``urllib_fetch`` needs a thread per request in flight, and starting dozens of threads costs more
than the queries themselves. This client opens one connection per request (``Connection:
close``), speaks just enough HTTP/1.1 for DoH (Content-Length or chunked bodies) and raises
``FetchError`` like every fetch function.
"""

from __future__ import annotations

import asyncio
import ssl
import urllib.parse

from checker.shared.dns.fetch import (
    DEFAULT_TIMEOUT_SECONDS,
    Fetch,
    FetchError,
    HttpRequest,
    HttpResponse,
)
from checker.shared.dns.pool import read_body
from checker.shared.numbers import parse_uint


async def _exchange(request: HttpRequest, ssl_context: ssl.SSLContext | None) -> HttpResponse:
    url = urllib.parse.urlsplit(request.url)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise FetchError(f"not an http(s) URL: {request.url}")
    secure = url.scheme == "https"
    port = url.port or (443 if secure else 80)
    reader, writer = await asyncio.open_connection(
        url.hostname, port, ssl=(ssl_context or ssl.create_default_context()) if secure else None
    )
    try:
        target = url.path or "/"
        if url.query:
            target += f"?{url.query}"
        body = request.body or b""
        host = url.hostname if url.port is None else f"{url.hostname}:{url.port}"
        lines = [f"{request.method} {target} HTTP/1.1", f"Host: {host}", "Connection: close"]
        lines += [f"{name}: {value}" for name, value in request.headers.items()]
        if request.method.upper() == "POST":
            lines.append(f"Content-Length: {len(body)}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await writer.drain()
        status_line = await reader.readline()
        parts = status_line.decode("latin-1").split(" ", 2)
        status = parse_uint(parts[1], max_digits=3) if len(parts) >= 2 else None
        if status is None:
            raise FetchError("the server did not answer with HTTP")
        headers: dict[str, str] = {}
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body, _ = await read_body(reader, headers)  # one reader of HTTP/1.1 bodies, shared with the pool
        return HttpResponse(status, headers, body)
    finally:
        writer.close()


async def stream_fetch(
    request: HttpRequest,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ssl_context: ssl.SSLContext | None = None,
) -> HttpResponse:
    """Send ``request`` and read the whole response; raises ``FetchError`` (``timed_out`` on timeout)."""
    try:
        return await asyncio.wait_for(_exchange(request, ssl_context), timeout=timeout)
    except TimeoutError as timeout_error:
        raise FetchError(f"no answer within {timeout:g} s", timed_out=True) from timeout_error
    except FetchError:
        raise
    except (OSError, ValueError, asyncio.IncompleteReadError) as trouble:
        raise FetchError(f"request failed ({type(trouble).__name__}: {trouble})") from trouble


def make_stream_fetch(timeout: float = DEFAULT_TIMEOUT_SECONDS) -> Fetch:
    """A ``stream_fetch`` bound to a timeout, sharing one TLS context, in the ``Fetch`` shape."""
    context = ssl.create_default_context()

    async def fetch(request: HttpRequest) -> HttpResponse:
        return await stream_fetch(request, timeout=timeout, ssl_context=context)

    return fetch
