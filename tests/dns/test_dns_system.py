"""SystemResolver: no reachable name server must give a status, never an exception."""

from __future__ import annotations

from checker.shared.dns.model import DnsStatus
from checker.shared.dns.system import SystemResolver


async def test_unreachable_name_server_is_a_failed_answer() -> None:
    resolver = SystemResolver(lifetime=0.5, nameservers=["127.0.0.1"])
    resolver._get_resolver().port = 9  # discard port: nothing answers DNS there
    answer = await resolver.query("example.test", "TXT")
    assert answer.failed
    assert "example.test" in answer.error and "127.0.0.1" in answer.error


async def test_unsupported_type_is_refused() -> None:
    answer = await SystemResolver(nameservers=["127.0.0.1"]).query("example.test", "HINFO")
    assert answer.status is DnsStatus.ERROR and "not supported" in answer.error
