"""The HTTP step both DoH resolvers share: send the request, turn transport trouble into a failed answer."""

from __future__ import annotations

from checker.shared.dns.convert import failed
from checker.shared.dns.fetch import Fetch, FetchError, HttpRequest, HttpResponse
from checker.shared.dns.model import DnsAnswer, DnsStatus


async def doh_exchange(
    fetch: Fetch, request: HttpRequest, *, name: str, rtype: str, server: str
) -> HttpResponse | DnsAnswer:
    """The HTTP 200 response to ``request``, or a failed ``DnsAnswer`` saying why there is none."""
    try:
        response = await fetch(request)
    except FetchError as trouble:
        status = DnsStatus.TIMEOUT if trouble.timed_out else DnsStatus.ERROR
        return failed(name, rtype, status, f"the DoH server did not answer: {trouble.message}", server)
    except Exception as unexpected:  # an injected fetch may raise anything; never let it escape
        return failed(name, rtype, DnsStatus.ERROR, f"the DoH request failed ({unexpected!r})", server)
    if response.status != 200:
        return failed(name, rtype, DnsStatus.ERROR, f"the DoH server returned HTTP {response.status}", server)
    return response
