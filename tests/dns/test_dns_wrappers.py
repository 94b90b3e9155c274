"""CachingResolver (cache + in-flight de-duplication), CountingResolver rounds, budget, factory."""

from __future__ import annotations

import asyncio

from checker.shared.dns.cache import CachingResolver
from checker.shared.dns.doh_json import DohJsonResolver
from checker.shared.dns.doh_wire import DohWireResolver
from checker.shared.dns.factory import make_resolver
from checker.shared.dns.model import DnsStatus
from checker.shared.dns.stats import BudgetResolver, CountingResolver, LatencyResolver
from checker.shared.dns.zone import ZoneResolver
from checker.shared.result import InputError


def zone() -> ZoneResolver:
    return ZoneResolver(records={("a.test", "TXT"): ["one"], ("b.test", "TXT"): ["two"]}, existing=["c.test"])


async def test_concurrent_identical_queries_share_one_lookup() -> None:
    inner = zone()
    cached = CachingResolver(LatencyResolver(inner, 0.02))
    answers = await asyncio.gather(*(cached.query(name, "TXT") for name in ["a.test", "A.TEST.", "a.test"]))
    assert [a.records for a in answers] == [("one",)] * 3
    assert inner.queries == [("a.test", "TXT")]
    assert cached.hits == 2


async def test_answers_and_failures_are_cached_for_the_run() -> None:
    inner = ZoneResolver(failures={("bad.test", "TXT"): DnsStatus.SERVFAIL})
    cached = CachingResolver(inner)
    for _ in range(3):
        assert (await cached.query("bad.test", "TXT")).status is DnsStatus.SERVFAIL
        assert (await cached.query("missing.test", "A")).status is DnsStatus.NXDOMAIN
    assert len(inner.queries) == 2


async def test_a_cancelled_caller_does_not_cancel_the_shared_query() -> None:
    inner = zone()
    cached = CachingResolver(LatencyResolver(inner, 0.05))
    first = asyncio.ensure_future(cached.query("a.test", "TXT"))
    await asyncio.sleep(0.01)
    second = asyncio.ensure_future(cached.query("a.test", "TXT"))
    await asyncio.sleep(0)
    first.cancel()
    assert (await second).records == ("one",)


async def test_counting_rounds_follow_dependencies_not_query_count() -> None:
    counting = CountingResolver(LatencyResolver(zone(), 0.02))
    await asyncio.gather(counting.query("a.test", "TXT"), counting.query("b.test", "TXT"))  # round 1
    await counting.query("c.test", "TXT")  # round 2: started after round 1 answered
    await asyncio.gather(counting.query("a.test", "A"), counting.query("b.test", "A"))  # round 3
    assert counting.queries == 5
    assert counting.rounds == 3
    assert counting.by_round()[2] == ["TXT c.test"]


async def test_budget_stops_a_runaway_run() -> None:
    budget = BudgetResolver(zone(), budget=2)
    await budget.query("a.test", "TXT")
    await budget.query("b.test", "TXT")
    stopped = await budget.query("c.test", "TXT")
    assert stopped.status is DnsStatus.ERROR and "2 DNS queries" in stopped.error


def test_factory_builds_each_kind_and_refuses_bad_input() -> None:
    wire = make_resolver("doh-wire", "https://dns.example/dns-query")
    assert isinstance(wire, CachingResolver) and isinstance(wire.inner.inner, DohWireResolver)
    post = make_resolver("doh-wire-post", "https://dns.example/dns-query", cache=False)
    assert isinstance(post, BudgetResolver) and post.inner.method == "POST"
    assert isinstance(make_resolver("doh-json").inner.inner, DohJsonResolver)
    assert isinstance(make_resolver("system"), CachingResolver)
    unknown = make_resolver("carrier-pigeon")
    assert isinstance(unknown, InputError) and "doh-json" in unknown.fix
    assert isinstance(make_resolver("doh-json", "ftp://x"), InputError)
