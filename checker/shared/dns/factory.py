"""Build the resolver a front end asked for: DoH JSON, DoH wire (GET/POST) or the system resolver."""

from __future__ import annotations

from checker.shared.dns.cache import CachingResolver
from checker.shared.dns.doh_json import DohJsonResolver
from checker.shared.dns.doh_wire import DohWireResolver
from checker.shared.dns.fetch import Fetch, make_urllib_fetch
from checker.shared.dns.model import Resolver
from checker.shared.dns.stats import BudgetResolver
from checker.shared.dns.system import SystemResolver
from checker.shared.result import InputError

# Public DoH endpoints: JSON where the server offers it with CORS, wire for Quad9 (JSON retired 2025).
DEFAULT_URLS = {
    "doh-json": "https://cloudflare-dns.com/dns-query",
    "doh-wire": "https://cloudflare-dns.com/dns-query",
    "doh-wire-post": "https://dns.quad9.net/dns-query",
}
RESOLVER_KINDS = ("system", "doh-json", "doh-wire", "doh-wire-post")


def make_resolver(
    kind: str, url: str | None = None, fetch: Fetch | None = None, *, cache: bool = True
) -> Resolver | InputError:
    """A resolver of ``kind`` (one of ``RESOLVER_KINDS``), cached per run and budget-capped.

    ``fetch`` defaults to ``urllib`` (CPython); the browser passes ``pyodide_fetch``.
    """
    if kind not in RESOLVER_KINDS:
        return InputError(
            f"Unknown resolver kind {kind!r}.", "resolver", f"Use one of: {', '.join(RESOLVER_KINDS)}."
        )
    if url is not None and not url.startswith(("http://", "https://")):
        return InputError(
            f"The DoH URL {url!r} is not an http(s) URL.",
            "doh-url",
            "Give a full URL such as https://cloudflare-dns.com/dns-query.",
        )
    inner: Resolver
    if kind == "system":
        inner = SystemResolver()
    else:
        fetch = fetch or make_urllib_fetch()
        endpoint = url or DEFAULT_URLS[kind]
        if kind == "doh-json":
            inner = DohJsonResolver(fetch, endpoint)
        else:
            inner = DohWireResolver(fetch, endpoint, "POST" if kind == "doh-wire-post" else "GET")
    limited = BudgetResolver(inner)
    return CachingResolver(limited) if cache else limited
