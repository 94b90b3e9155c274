"""Persistent HTTP/1.1 connections for the CLI's DoH queries: a bounded keep-alive pool per origin.

``stream_fetch`` opens a TCP (and TLS) connection for every query and closes it after the answer
(``Connection: close``); over HTTPS every query then pays the handshake again. ``HttpPool`` keeps
the connections open instead:

* per origin (scheme, host, port) at most ``max_per_origin`` connections, open or in use; a request
  that finds them all busy waits for one (inside its own timeout), so queries asked together still
  go out together up to that bound;
* a connection goes back to the pool only when its response was read exactly (``Content-Length``
  or ``chunked`` with its trailer section), was HTTP/1.1 and did not say ``Connection: close``;
  anything else (a body read to EOF, an error, a timeout, a cancelled request) closes it;
* an idle connection is closed once it has waited ``idle_seconds``, or when the server closed it;
* a request that fails on a reused connection before any byte of the answer came back (the server
  closed it while it sat idle) is sent once more on a fresh connection;
* ``aclose()`` closes every connection at the end of the run (``async with HttpPool(...)`` does it).

``HttpPool(keep_alive=False)`` sends ``Connection: close`` and never reuses, as ``stream_fetch``
does. Standard library only; the pool is called like any ``Fetch`` and raises ``FetchError``.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import time
import urllib.parse
from dataclasses import dataclass, field
from types import TracebackType

from checker.shared.dns.fetch import (
    DEFAULT_TIMEOUT_SECONDS,
    MAX_BODY_BYTES,
    FetchError,
    HttpRequest,
    HttpResponse,
)
from checker.shared.numbers import parse_uint
from checker.shared.result import InputError

DEFAULT_MAX_PER_ORIGIN = 32  # the widest round of a domain audit asks 31 questions at once
DEFAULT_IDLE_SECONDS = 10.0
MAX_HEADER_LINES = 100
CA_FILE_VARIABLE = "SMTP_CHECKER_CA_FILE"
KEEP_ALIVE_VARIABLE = "SMTP_CHECKER_DOH_KEEPALIVE"

Origin = tuple[str, str, int]


@dataclass(eq=False)  # compared and hashed by identity: kept in a set while in use
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    idle_since: float = 0.0
    uses: int = 0

    def usable(self, now: float, idle_seconds: float) -> bool:
        return (
            not self.reader.at_eof()
            and not self.writer.is_closing()
            and now - self.idle_since <= idle_seconds
        )

    def close(self) -> None:
        self.writer.close()


@dataclass
class _OriginState:
    slots: asyncio.Semaphore
    idle: list[_Connection] = field(default_factory=list)
    open: int = 0


class _StaleConnection(Exception):
    """A reused connection gave no answer at all: the server had closed it while it was idle."""


@dataclass
class PoolStats:
    """What the pool did: connections opened, requests sent, requests answered on a reused connection."""

    connections_opened: int = 0
    requests: int = 0
    reused: int = 0
    retried: int = 0


class HttpPool:
    """A ``Fetch`` over persistent HTTP/1.1 connections, at most ``max_per_origin`` per origin."""

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        max_per_origin: int = DEFAULT_MAX_PER_ORIGIN,
        idle_seconds: float = DEFAULT_IDLE_SECONDS,
        keep_alive: bool = True,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if max_per_origin < 1:
            raise ValueError("max_per_origin must be at least 1")
        self.timeout = timeout
        self.max_per_origin = max_per_origin
        self.idle_seconds = idle_seconds
        self.keep_alive = keep_alive
        self._ssl_context = ssl_context
        self._origins: dict[Origin, _OriginState] = {}
        self._in_use: set[_Connection] = set()
        self._closed = False
        self.stats = PoolStats()

    # -- the Fetch shape ---------------------------------------------------------------------------
    async def __call__(self, request: HttpRequest) -> HttpResponse:
        """Send ``request`` and read the whole response; raises ``FetchError`` (``timed_out`` on timeout)."""
        if self._closed:
            raise FetchError("the connection pool is closed")
        try:
            return await asyncio.wait_for(self._fetch(request), timeout=self.timeout)
        except TimeoutError as timeout_error:
            raise FetchError(f"no answer within {self.timeout:g} s", timed_out=True) from timeout_error
        except FetchError:
            raise
        except (OSError, ValueError, asyncio.IncompleteReadError, _StaleConnection) as trouble:
            raise FetchError(f"request failed ({type(trouble).__name__}: {trouble})") from trouble

    async def __aenter__(self) -> HttpPool:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close every connection, idle or in use; the pool answers no request after this."""
        self._closed = True
        connections = list(self._in_use)  # each is counted off by the request using it, as it ends
        for connection in connections:
            connection.close()
        for state in self._origins.values():
            connections += state.idle
            for connection in state.idle:
                self._discard(state, connection)
            state.idle = []
        waits = [connection.writer.wait_closed() for connection in connections]
        if waits:
            # a TLS peer that never answers close_notify must not hold the end of the run
            await asyncio.wait([asyncio.ensure_future(w) for w in waits], timeout=0.5)

    @property
    def open_connections(self) -> int:
        """Connections open now, idle or in use, over all origins."""
        return sum(state.open for state in self._origins.values())

    # -- one request -------------------------------------------------------------------------------
    async def _fetch(self, request: HttpRequest) -> HttpResponse:
        url = urllib.parse.urlsplit(request.url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise FetchError(f"not an http(s) URL: {request.url}")
        origin: Origin = (url.scheme, url.hostname, url.port or (443 if url.scheme == "https" else 80))
        state = self._origins.get(origin)
        if state is None:
            state = self._origins[origin] = _OriginState(asyncio.Semaphore(self.max_per_origin))
        self.stats.requests += 1
        # The semaphore bounds requests in flight; a request takes an idle connection or, when none
        # is left, opens one, so open connections never outnumber the slots.
        async with state.slots:
            connection = self._take_idle(state)
            if connection is not None:
                try:
                    response = await self._exchange(state, connection, url, request)
                    self.stats.reused += 1
                    return response
                except _StaleConnection:
                    self.stats.retried += 1  # once, on a fresh connection
            connection = await self._open(state, origin)
            return await self._exchange(state, connection, url, request, fresh=True)

    def _take_idle(self, state: _OriginState) -> _Connection | None:
        now = time.monotonic()
        while state.idle:
            connection = state.idle.pop()  # the most recently used: the least likely to be timed out
            if connection.usable(now, self.idle_seconds):
                return connection
            self._discard(state, connection)
        return None

    def _discard(self, state: _OriginState, connection: _Connection) -> None:
        connection.close()
        state.open -= 1

    def _sweep(self, state: _OriginState) -> None:
        now = time.monotonic()
        keep = []
        for connection in state.idle:
            if connection.usable(now, self.idle_seconds):
                keep.append(connection)
            else:
                self._discard(state, connection)
        state.idle = keep

    async def _open(self, state: _OriginState, origin: Origin) -> _Connection:
        scheme, host, port = origin
        context = None
        if scheme == "https":
            if self._ssl_context is None:
                self._ssl_context = ssl.create_default_context()
            context = self._ssl_context
        state.open += 1
        try:
            reader, writer = await asyncio.open_connection(host, port, ssl=context)
        except BaseException:
            state.open -= 1
            raise
        self.stats.connections_opened += 1
        return _Connection(reader, writer)

    async def _exchange(
        self,
        state: _OriginState,
        connection: _Connection,
        url: urllib.parse.SplitResult,
        request: HttpRequest,
        *,
        fresh: bool = False,
    ) -> HttpResponse:
        """One request and its response on ``connection``, which goes back to the pool if still usable."""
        reusable = False
        self._in_use.add(connection)
        try:
            connection.writer.write(_request_bytes(url, request, keep_alive=self.keep_alive))
            try:
                await connection.writer.drain()
                status_line = await connection.reader.readline()
            except (ConnectionError, asyncio.IncompleteReadError) as broken:
                if fresh:
                    raise
                raise _StaleConnection(str(broken) or type(broken).__name__) from broken
            if not status_line:
                if fresh:
                    raise FetchError("the server closed the connection without answering")
                raise _StaleConnection("closed while idle")
            response, reusable = await _read_response(connection.reader, status_line, request.method)
            reusable = reusable and self.keep_alive
            connection.uses += 1
            return response
        finally:
            self._in_use.discard(connection)
            if reusable and not self._closed:
                connection.idle_since = time.monotonic()
                state.idle.append(connection)
                self._sweep(state)
            else:
                self._discard(state, connection)


def _request_bytes(url: urllib.parse.SplitResult, request: HttpRequest, *, keep_alive: bool) -> bytes:
    target = url.path or "/"
    if url.query:
        target += f"?{url.query}"
    hostname = url.hostname or ""
    if ":" in hostname:
        hostname = f"[{hostname}]"  # an IPv6 literal keeps its brackets in Host
    host = hostname if url.port is None else f"{hostname}:{url.port}"
    lines = [f"{request.method} {target} HTTP/1.1", f"Host: {host}"]
    if not keep_alive:
        lines.append("Connection: close")
    lines += [f"{name}: {value}" for name, value in request.headers.items()]
    body = request.body or b""
    if request.method.upper() == "POST":
        lines.append(f"Content-Length: {len(body)}")
    else:
        body = b""
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def _read_headers(reader: asyncio.StreamReader) -> dict[str, str]:
    headers: dict[str, str] = {}
    for _ in range(MAX_HEADER_LINES + 1):
        line = await reader.readline()
        if line in (b"\r\n", b"\n"):
            return headers
        if not line:
            raise FetchError("the server closed the connection inside the response headers")
        name, colon, value = line.decode("latin-1").partition(":")
        name = name.strip().lower()
        if not colon or not name:
            raise FetchError("the server sent a malformed header line")
        value = value.strip()
        if name in headers and name == "content-length":
            if headers[name] != value:
                raise FetchError("the server sent two different Content-Length headers")
        elif name in headers:
            headers[name] = f"{headers[name]}, {value}"
        else:
            headers[name] = value
    raise FetchError(f"the server sent more than {MAX_HEADER_LINES} header lines")


async def _read_response(
    reader: asyncio.StreamReader, status_line: bytes, method: str
) -> tuple[HttpResponse, bool]:
    """The response whose status line is ``status_line``, and whether the connection can carry another."""
    while True:
        parts = status_line.decode("latin-1").rstrip("\r\n").split(" ", 2)
        status = parse_uint(parts[1], max_digits=3) if len(parts) >= 2 else None
        if status is None or not parts[0].startswith("HTTP/"):
            raise FetchError("the server did not answer with HTTP")
        headers = await _read_headers(reader)
        if not 100 <= status < 200 or status == 101:
            break
        status_line = await reader.readline()  # an interim response (100 Continue): the real one follows
    tokens = {token.strip().lower() for token in headers.get("connection", "").split(",")}
    reusable = parts[0] == "HTTP/1.1" and "close" not in tokens
    if method.upper() == "HEAD" or status in (204, 304):
        return HttpResponse(status, headers, b""), reusable
    body, delimited = await read_body(reader, headers)
    return HttpResponse(status, headers, body), reusable and delimited


async def read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> tuple[bytes, bool]:
    """The body, and whether its end was marked (so the next response starts right after it)."""
    coding = headers.get("transfer-encoding", "").lower()
    if coding:
        if coding.split(",")[-1].strip() != "chunked":
            return await _read_to_eof(reader), False
        return await _read_chunked(reader), "content-length" not in headers
    if "content-length" in headers:
        length = parse_uint(headers["content-length"])
        if length is None:
            raise FetchError("the server sent a malformed Content-Length")
        if length > MAX_BODY_BYTES:
            raise FetchError(f"the response body is larger than {MAX_BODY_BYTES} bytes")
        return await reader.readexactly(length), True
    return await _read_to_eof(reader), False


async def _read_to_eof(reader: asyncio.StreamReader) -> bytes:
    body = await reader.read(MAX_BODY_BYTES + 1)
    while len(body) <= MAX_BODY_BYTES:
        more = await reader.read(MAX_BODY_BYTES + 1 - len(body))
        if not more:
            return body
        body += more
    raise FetchError(f"the response body is larger than {MAX_BODY_BYTES} bytes")


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size_text = (await reader.readline()).split(b";")[0].strip()
        if not size_text or len(size_text) > 8 or not all(c in b"0123456789abcdefABCDEF" for c in size_text):
            raise FetchError("the server sent a malformed chunk size")
        size = int(size_text, 16)
        if size == 0:
            break
        if len(body) + size > MAX_BODY_BYTES:
            raise FetchError(f"the response body is larger than {MAX_BODY_BYTES} bytes")
        body += await reader.readexactly(size)
        if await reader.readline() not in (b"\r\n", b"\n"):
            raise FetchError("the server sent a chunk longer than its size")
    for _ in range(MAX_HEADER_LINES + 1):  # the trailer section ends with an empty line
        line = await reader.readline()
        if line in (b"\r\n", b"\n"):
            return bytes(body)
        if not line:
            raise FetchError("the server closed the connection inside the chunked body")
    raise FetchError(f"the server sent more than {MAX_HEADER_LINES} trailer lines")


def cli_pool(timeout: float) -> HttpPool | InputError:
    """The HTTP/1.1 pool the CLI's DoH resolvers share for one run.

    Two environment variables exist for tests and measurements, not for everyday use:
    ``SMTP_CHECKER_CA_FILE`` names a PEM file of extra certificate authorities to trust (a local test
    server's self-signed certificate), and ``SMTP_CHECKER_DOH_KEEPALIVE=0`` sends ``Connection:
    close`` and opens one connection per query, as the CLI did before the pool. With the ``http2``
    extra installed the CLI uses ``pool_http2.cli_doh_pool`` instead, which falls back to this.
    """
    context = cli_ssl_context()
    if isinstance(context, InputError):
        return context
    return HttpPool(timeout=timeout, keep_alive=keep_alive_wanted(), ssl_context=context)


def cli_ssl_context() -> ssl.SSLContext | InputError:
    """The system's certificate authorities, plus those in ``SMTP_CHECKER_CA_FILE`` when it is set."""
    context = ssl.create_default_context()
    ca_file = os.environ.get(CA_FILE_VARIABLE)
    if ca_file:
        try:
            context.load_verify_locations(cafile=ca_file)
        except (OSError, ssl.SSLError, ValueError) as trouble:
            return InputError(
                f"Cannot load the certificates in {ca_file}: {trouble}.",
                CA_FILE_VARIABLE,
                "Point it at a PEM file of CA certificates, or unset it.",
            )
    return context


def keep_alive_wanted() -> bool:
    """False when ``SMTP_CHECKER_DOH_KEEPALIVE`` says 0 (no, false, off): one connection per query."""
    return os.environ.get(KEEP_ALIVE_VARIABLE, "1").strip().lower() not in ("0", "no", "false", "off")
