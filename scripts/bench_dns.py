"""Benchmark the domain audit's DNS latency against the local DoH server with 50 ms added to every answer.

Prints the queries made, the sequential rounds, the documented dependency depth, the wall time and
the target ``(depth + 1) x delay + 100 ms`` with PASS/FAIL. Exit code 0 on PASS, 1 on FAIL.

    .venv/bin/python scripts/bench_dns.py [--delay 0.05] [--resolver doh-wire|doh-wire-post|doh-json]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from dohserver import DohServer  # noqa: E402  (tests/ is put on the path just above)

from checker.dns.cache import CachingResolver  # noqa: E402
from checker.dns.doh_json import DohJsonResolver  # noqa: E402
from checker.dns.doh_wire import DohWireResolver  # noqa: E402
from checker.dns.stats import CountingResolver  # noqa: E402
from checker.dns.streamfetch import make_stream_fetch  # noqa: E402
from checker.dns.zonefile import load_zone  # noqa: E402
from checker.domain import MX_DEPENDENCY_DEPTH, audit_domain  # noqa: E402
from checker.orgdomain import PublicSuffixes  # noqa: E402

ZONE = ROOT / "tests" / "fixtures" / "zones" / "acme-mail.yml"
DOMAIN = "acme.example"
# acme.example: MX -> A/AAAA -> PTR -> A/AAAA is the deepest chain (SPF includes nest 3 deep).
DEPENDENCY_DEPTH = MX_DEPENDENCY_DEPTH


async def _run(server: DohServer, kind: str, psl: PublicSuffixes) -> tuple[float, CountingResolver, int]:
    fetch = make_stream_fetch(5.0)
    inner = (
        DohJsonResolver(fetch, server.json_url)
        if kind == "doh-json"
        else DohWireResolver(fetch, server.url, "POST" if kind == "doh-wire-post" else "GET")
    )
    counting = CountingResolver(inner)
    started = time.perf_counter()
    audit = await audit_domain(DOMAIN, resolver=CachingResolver(counting), selectors=["selector1"], psl=psl)
    return time.perf_counter() - started, counting, len(audit.checks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="DNS latency benchmark of the domain audit.")
    parser.add_argument("--delay", type=float, default=0.05, help="seconds added to every DoH answer")
    parser.add_argument("--resolver", choices=("doh-wire", "doh-wire-post", "doh-json"), default="doh-wire")
    parser.add_argument("--runs", type=int, default=3, help="timed runs (the best is judged)")
    args = parser.parse_args(argv)
    psl = PublicSuffixes()  # loaded once, as a long-running front end would
    results = []
    with DohServer(load_zone(ZONE), delay=args.delay) as server:
        asyncio.run(_run(server, args.resolver, psl))  # warm-up: imports, first connections
        for _ in range(args.runs):
            results.append(asyncio.run(_run(server, args.resolver, psl)))
    wall, counting, checks = min(results, key=lambda result: result[0])
    target = (DEPENDENCY_DEPTH + 1) * args.delay + 0.100
    verdict = "PASS" if wall <= target else "FAIL"
    print(
        f"domain:            {DOMAIN} ({checks} checks), resolver {args.resolver}, "
        f"{args.delay * 1000:.0f} ms/answer"
    )
    print(f"queries made:      {counting.queries}")
    print(f"sequential rounds: {counting.rounds}")
    for number, queries in counting.by_round().items():
        print(f"  round {number}: {len(queries):2d} queries, e.g. {', '.join(queries[:3])}")
    print(f"dependency depth:  {DEPENDENCY_DEPTH} (MX -> A/AAAA -> PTR -> A/AAAA)")
    print(
        f"wall time:         {wall * 1000:.0f} ms (best of {len(results)}: "
        f"{', '.join(f'{r[0] * 1000:.0f}' for r in results)} ms)"
    )
    print(
        f"target:            ({DEPENDENCY_DEPTH} + 1) x {args.delay * 1000:.0f} ms + 100 ms "
        f"= {target * 1000:.0f} ms"
    )
    print(f"result:            {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
