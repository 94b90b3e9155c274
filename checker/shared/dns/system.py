"""The operating system's resolver (``/etc/resolv.conf``) through ``dns.asyncresolver``, for the CLI.

dnspython is imported lazily so the browser build never touches it; Pyodide has no UDP sockets.
"""

from __future__ import annotations

from typing import Any

from checker.shared.dns.convert import SUPPORTED_TYPES, failed, from_message
from checker.shared.dns.model import DnsAnswer, DnsStatus
from checker.shared.dns.names import fold_name

DEFAULT_LIFETIME_SECONDS = 5.0


class SystemResolver:
    """Resolver over the system's configured name servers; never raises."""

    def __init__(
        self, *, lifetime: float = DEFAULT_LIFETIME_SECONDS, nameservers: list[str] | None = None
    ) -> None:
        self.lifetime = lifetime
        self.nameservers = nameservers
        self._resolver: Any = None

    def _get_resolver(self) -> Any:
        if self._resolver is None:
            import dns.asyncresolver

            resolver = dns.asyncresolver.Resolver(configure=self.nameservers is None)
            if self.nameservers is not None:
                resolver.nameservers = list(self.nameservers)
            self._resolver = resolver
        return self._resolver

    @property
    def server(self) -> str:
        """The name servers asked, for error messages."""
        servers = self.nameservers or (list(self._resolver.nameservers) if self._resolver else [])
        return "the system resolver" + (f" ({', '.join(str(s) for s in servers)})" if servers else "")

    async def query(self, name: str, rtype: str) -> DnsAnswer:
        """Ask the system's name servers for ``rtype`` records of ``name``."""
        import dns.exception
        import dns.resolver

        name = fold_name(name)
        rtype = rtype.upper()
        if rtype not in SUPPORTED_TYPES:
            return failed(
                name, rtype, DnsStatus.ERROR, f"the record type {rtype} is not supported", self.server
            )
        try:
            resolver = self._get_resolver()
            answer = await resolver.resolve(name, rtype, raise_on_no_answer=False, lifetime=self.lifetime)
        except dns.resolver.NXDOMAIN:
            return DnsAnswer(name, rtype, DnsStatus.NXDOMAIN)
        except dns.resolver.LifetimeTimeout:
            return failed(
                name, rtype, DnsStatus.TIMEOUT, f"no answer within {self.lifetime:g} s", self.server
            )
        except dns.resolver.NoNameservers as no_servers:
            return failed(
                name, rtype, DnsStatus.SERVFAIL, f"every name server failed ({no_servers})", self.server
            )
        except dns.resolver.NoResolverConfiguration:
            return failed(name, rtype, DnsStatus.ERROR, "no name servers are configured", self.server)
        except (dns.exception.DNSException, ValueError, OSError) as trouble:
            return failed(name, rtype, DnsStatus.ERROR, f"the lookup failed ({trouble})", self.server)
        return from_message(name, rtype, answer.response, self.server)
