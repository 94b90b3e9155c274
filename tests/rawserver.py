"""A tiny asyncio server for transport tests that need a server to misbehave on purpose.

Every connection runs ``script(reader, writer, number)`` (number counts from 1); with ``ssl_context``
it speaks TLS (no ALPN, so an HTTP/2 client falls back to HTTP/1.1). Connection trouble inside a
script ends that connection quietly.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable

Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter, int], Awaitable[None]]


class RawServer:
    """An asyncio server on 127.0.0.1 whose every connection runs ``script``; counts them."""

    def __init__(self, script: Script, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self.script = script
        self.ssl_context = ssl_context
        self.connections = 0
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> RawServer:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.connections += 1
            try:
                await self.script(reader, writer, self.connections)
            except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
                pass
            finally:
                writer.close()

        self.server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=self.ssl_context)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()

    @property
    def url(self) -> str:
        assert self.server is not None
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/dns-query"
