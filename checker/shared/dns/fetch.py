"""The one HTTP function the DoH resolvers are given, with a CPython and a browser implementation.

A fetch function takes an ``HttpRequest`` and returns an ``HttpResponse``. It raises ``FetchError``
for transport trouble (``timed_out`` tells a timeout apart); the resolvers turn that into a
``DnsAnswer`` so nothing reaches the analysis core as an exception.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

DEFAULT_TIMEOUT_SECONDS = 5.0
# A DNS answer over 64 KiB cannot exist on the wire; anything bigger is not DNS.
MAX_BODY_BYTES = 65_535 * 2


@dataclass(frozen=True)
class HttpRequest:
    """An HTTP request: ``body`` is only sent for POST."""

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None


@dataclass(frozen=True)
class HttpResponse:
    """An HTTP response: status code, lower-cased header names, raw body."""

    status: int
    headers: Mapping[str, str]
    body: bytes


class FetchError(Exception):
    """The request got no HTTP response: connection refused, DNS failure, TLS error, timeout."""

    def __init__(self, message: str, *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.timed_out = timed_out


Fetch = Callable[[HttpRequest], Awaitable[HttpResponse]]


def _urllib_blocking(request: HttpRequest, timeout: float) -> HttpResponse:
    # Imported here, not at the top: the browser fetches through JavaScript and never needs urllib,
    # and importing urllib.request (with http.client) is about 90 ms of the analyzer's start-up there.
    import urllib.error
    import urllib.request

    url_request = urllib.request.Request(
        request.url, data=request.body, headers=dict(request.headers), method=request.method
    )
    try:
        with urllib.request.urlopen(url_request, timeout=timeout) as response:
            body = response.read(MAX_BODY_BYTES + 1)
            headers = {k.lower(): v for k, v in response.headers.items()}
            return HttpResponse(response.status, headers, body)
    except urllib.error.HTTPError as http_error:
        # A non-2xx status is still an HTTP response; the resolver decides what it means.
        body = http_error.read(MAX_BODY_BYTES + 1) if http_error.fp is not None else b""
        headers = {k.lower(): v for k, v in (http_error.headers or {}).items()}
        return HttpResponse(http_error.code, headers, body)
    except TimeoutError as timeout_error:
        raise FetchError(f"no answer within {timeout:g} s", timed_out=True) from timeout_error
    except urllib.error.URLError as url_error:
        if isinstance(url_error.reason, TimeoutError):
            raise FetchError(f"no answer within {timeout:g} s", timed_out=True) from url_error
        raise FetchError(f"could not connect ({url_error.reason})") from url_error
    except (OSError, ValueError) as other:
        raise FetchError(f"request failed ({other})") from other


async def urllib_fetch(request: HttpRequest, *, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> HttpResponse:
    """Fetch with the standard library in a worker thread (CLI); raises ``FetchError`` on transport trouble.

    The whole exchange is also bounded by ``asyncio.wait_for`` so a server that trickles bytes
    cannot hold the caller past the timeout.
    """
    try:
        return await asyncio.wait_for(
            asyncio.to_thread(_urllib_blocking, request, timeout), timeout=timeout + 0.5
        )
    except TimeoutError as timeout_error:
        raise FetchError(f"no answer within {timeout:g} s", timed_out=True) from timeout_error


def make_urllib_fetch(timeout: float = DEFAULT_TIMEOUT_SECONDS) -> Fetch:
    """A ``urllib_fetch`` bound to a timeout, in the ``Fetch`` shape the resolvers take."""

    async def fetch(request: HttpRequest) -> HttpResponse:
        return await urllib_fetch(request, timeout=timeout)

    return fetch


async def pyodide_fetch(request: HttpRequest, *, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> HttpResponse:
    """Fetch with the browser's ``fetch`` through ``pyodide.http.pyfetch``; raises ``FetchError``.

    ``pyodide`` is imported here, not at module level, so CPython never needs it.
    """
    from pyodide.http import pyfetch  # type: ignore[import-not-found]  # only exists under Pyodide

    options: dict[str, object] = {"method": request.method, "headers": dict(request.headers)}
    if request.body is not None:
        options["body"] = request.body
    try:
        response = await asyncio.wait_for(pyfetch(request.url, **options), timeout=timeout)
        body = await asyncio.wait_for(response.bytes(), timeout=timeout)
    except TimeoutError as timeout_error:
        raise FetchError(f"no answer within {timeout:g} s", timed_out=True) from timeout_error
    except Exception as browser_error:  # the browser reports CORS and network errors as one TypeError
        raise FetchError(f"the browser could not fetch it ({browser_error})") from browser_error
    headers = {k.lower(): v for k, v in dict(response.headers).items()}
    return HttpResponse(int(response.status), headers, body)
