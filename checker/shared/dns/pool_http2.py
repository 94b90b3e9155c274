"""HTTP/2 for the CLI's DoH queries, when the optional ``http2`` extra (httpx with h2) is installed.

A domain audit asks up to 31 questions at once. Over HTTP/1.1 each question in flight needs its own
connection, so ``HttpPool`` opens about that many TLS connections to the DoH server, each paying the
handshake. HTTP/2 carries them all as streams of one connection. ``Http2Pool`` wraps httpx's
``AsyncClient(http2=True)``: httpcore counts a connection that is still being set up for ``https`` as
able to take more requests, so the questions asked while the first handshake runs wait for that one
connection instead of opening their own. A server that does not offer ``h2`` by ALPN is spoken to over
HTTP/1.1, with at most ``max_connections`` connections kept alive, as ``HttpPool`` would.

The contract is ``HttpPool``'s: called like any ``Fetch``, raises ``FetchError`` (``timed_out`` on
timeout), the whole exchange bounded by the timeout, bodies streamed and refused past
``MAX_BODY_BYTES``, redirects returned as responses and never followed, proxies from the environment
ignored, ``aclose()`` at the end of the run.

``cli_doh_pool`` is the CLI's choice between the two; only the command line imports this module, so
the browser bundle leaves it out, and httpx is imported only when a pool is made, so the module itself
imports anywhere (Pyodide included).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import ssl
import urllib.parse
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from checker.shared.dns.fetch import (
    DEFAULT_TIMEOUT_SECONDS,
    MAX_BODY_BYTES,
    FetchError,
    HttpRequest,
    HttpResponse,
)
from checker.shared.dns.pool import (
    DEFAULT_IDLE_SECONDS,
    DEFAULT_MAX_PER_ORIGIN,
    HttpPool,
    cli_pool,
    cli_ssl_context,
    keep_alive_wanted,
)
from checker.shared.result import InputError

HTTP2_VARIABLE = "SMTP_CHECKER_DOH_HTTP2"
HTTP2 = "HTTP/2"
KEEP_ALIVE = "HTTP/1.1 keep-alive"
ONE_PER_QUERY = "HTTP/1.1, one connection per query"


def http2_installed() -> bool:
    """Whether the ``http2`` extra is importable (checked without importing it)."""
    return all(importlib.util.find_spec(name) is not None for name in ("httpx", "h2"))


def cli_transport() -> str:
    """The transport ``cli_doh_pool`` picks: ``HTTP2``, ``KEEP_ALIVE`` or ``ONE_PER_QUERY``.

    ``SMTP_CHECKER_DOH_KEEPALIVE=0`` keeps one connection per query (``Connection: close``), and
    ``SMTP_CHECKER_DOH_HTTP2=0`` keeps the HTTP/1.1 pool although httpx is installed; both are there
    for measurements and tests.
    """
    if not keep_alive_wanted():
        return ONE_PER_QUERY
    if _switched_off(os.environ.get(HTTP2_VARIABLE, "1")) or not http2_installed():
        return KEEP_ALIVE
    return HTTP2


def cli_doh_pool(timeout: float) -> Http2Pool | HttpPool | InputError:
    """The pool the CLI's DoH resolvers share for one run: HTTP/2 when it can, else ``cli_pool``'s."""
    if cli_transport() != HTTP2:
        return cli_pool(timeout)
    context = cli_ssl_context()
    if isinstance(context, InputError):
        return context
    return Http2Pool(timeout=timeout, ssl_context=context)


def _switched_off(value: str) -> bool:
    return value.strip().lower() in ("0", "no", "false", "off")


@dataclass
class Http2Stats:
    """What the pool did: requests answered over each HTTP version."""

    by_version: dict[str, int] = field(default_factory=dict)

    def count(self, version: str) -> None:
        self.by_version[version] = self.by_version.get(version, 0) + 1


@dataclass
class _Origin:
    """What is known of one https server: ``version`` is "h2" or "h1" once its first connection said."""

    known: asyncio.Event = field(default_factory=asyncio.Event)
    version: str | None = None
    probing: bool = False

    async def learn(self, event: str, info: object) -> None:
        # httpcore's trace events: the first "http2." or "http11." one tells the version ALPN settled on
        if self.version is None and event.startswith(("http2.", "http11.")):
            self.version = "h2" if event.startswith("http2.") else "h1"
            self.known.set()


class Http2Pool:
    """A ``Fetch`` over httpx with HTTP/2: one multiplexed connection per server that offers ``h2``.

    The first request to an https server finds out, as its connection is set up, which version the
    server chose; requests made meanwhile wait for that (not for the answer). Then each request goes
    over httpx for an HTTP/2 server, and through an ``HttpPool`` for one that chose HTTP/1.1: httpx
    would otherwise queue them behind one new connection at a time, each assumed able to carry HTTP/2
    until its handshake says otherwise. Plain ``http`` has no ALPN and always goes to the ``HttpPool``.
    """

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        ssl_context: ssl.SSLContext | None = None,
        max_connections: int = DEFAULT_MAX_PER_ORIGIN,
        idle_seconds: float = DEFAULT_IDLE_SECONDS,
    ) -> None:
        import httpx  # the optional extra: ImportError here means it is not installed

        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        self.timeout = timeout
        context = ssl_context if ssl_context is not None else ssl.create_default_context()
        self._httpx: Any = httpx
        self._client = httpx.AsyncClient(
            http2=True,
            verify=context,  # httpcore sets the ALPN protocols on it (http/1.1 and h2)
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            trust_env=False,  # as HttpPool: no proxies or .netrc from the environment
            limits=httpx.Limits(
                max_connections=max_connections,
                max_keepalive_connections=max_connections,
                keepalive_expiry=idle_seconds,
            ),
        )
        # the first connection to a server is httpx's; the pool's bound leaves room for it
        self.http1 = HttpPool(
            timeout=timeout,
            max_per_origin=max(1, max_connections - 1),
            idle_seconds=idle_seconds,
            ssl_context=context,
        )
        self._origins: dict[tuple[str, int], _Origin] = {}
        self._closed = False
        self.stats = Http2Stats()

    async def __call__(self, request: HttpRequest) -> HttpResponse:
        """Send ``request`` and read the whole response; raises ``FetchError`` (``timed_out`` on timeout)."""
        if self._closed:
            raise FetchError("the connection pool is closed")
        url = urllib.parse.urlsplit(request.url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise FetchError(f"not an http(s) URL: {request.url}")
        if url.scheme == "http":
            response = await self.http1(request)
            self.stats.count("HTTP/1.1")
            return response
        httpx = self._httpx
        try:
            return await asyncio.wait_for(self._route(request, (url.hostname, url.port or 443)), self.timeout)
        except (TimeoutError, httpx.TimeoutException) as timeout_error:
            raise FetchError(f"no answer within {self.timeout:g} s", timed_out=True) from timeout_error
        except FetchError:
            raise
        except httpx.ConnectError as refused:
            raise FetchError(f"could not connect ({_why(refused)})") from refused
        except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as trouble:
            raise FetchError(f"request failed ({type(trouble).__name__}: {_why(trouble)})") from trouble

    async def _route(self, request: HttpRequest, address: tuple[str, int]) -> HttpResponse:
        origin = self._origins.setdefault(address, _Origin())
        if origin.version is None and not origin.probing:
            origin.probing = True
            try:
                return await self._fetch(request, trace=origin.learn)
            finally:
                origin.probing = False
                origin.known.set()  # a failed first connection lets the waiters try for themselves
                if origin.version is None:
                    origin.known = asyncio.Event()
        if origin.version is None:
            await origin.known.wait()
        if origin.version == "h1":
            response = await self.http1(request)
            self.stats.count("HTTP/1.1")
            return response
        return await self._fetch(request)

    async def _fetch(self, request: HttpRequest, *, trace: Any = None) -> HttpResponse:
        is_post = request.method.upper() == "POST"
        async with self._client.stream(
            request.method,
            request.url,
            headers=dict(request.headers),
            content=(request.body or b"") if is_post else None,
            extensions={"trace": trace} if trace is not None else None,
        ) as response:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
                raise FetchError(f"the response body is larger than {MAX_BODY_BYTES} bytes")
            body = bytearray()
            async for chunk in response.aiter_bytes():  # decoded (gzip) bytes: the cap is on those
                body += chunk
                if len(body) > MAX_BODY_BYTES:
                    raise FetchError(f"the response body is larger than {MAX_BODY_BYTES} bytes")
            headers = {name.lower(): value for name, value in response.headers.items()}
            self.stats.count(response.http_version)
        return HttpResponse(response.status_code, headers, bytes(body))

    async def __aenter__(self) -> Http2Pool:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close every connection; the pool answers no request after this."""
        if self._closed:
            return
        self._closed = True
        await self.http1.aclose()
        # a TLS peer that never answers close_notify must not hold the end of the run
        with contextlib.suppress(TimeoutError, OSError, self._httpx.HTTPError):
            await asyncio.wait_for(self._client.aclose(), timeout=0.5)


def _why(trouble: BaseException) -> str:
    return str(trouble) or type(trouble).__name__
