"""Benchmark the domain audit's DNS latency against the local DoH server with 50 ms added to every answer.

Prints the queries made, the sequential rounds, the documented dependency depth, the wall time and
the target ``(depth + 1) x delay + 100 ms`` with PASS/FAIL, over plain HTTP and then over HTTPS
with the same delay added before every new connection (a stand-in for the TCP and TLS handshake
round trips), once with one connection per query (``Connection: close``, the CLI before the
keep-alive pool), once through the HTTP/1.1 keep-alive pool, and once over HTTP/2 (the CLI's transport
with the ``http2`` extra installed; skipped without it). Every timed run starts with a fresh pool, as a
CLI run does. Exit code 0 when the plain HTTP run and the CLI's HTTPS transport (HTTP/2 when installed,
else the pool) pass, 1 otherwise.

    .venv/bin/python scripts/bench_dns.py [--delay 0.05] [--resolver doh-wire|doh-wire-post|doh-json]
        [--pool-size 16] [--connection-close] [--no-https]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import ssl
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from dohserver import DohServer, self_signed_certificate, trusting  # noqa: E402  (tests/ is put on the path above)

from checker.analyses.domain.audit import MX_DEPENDENCY_DEPTH, audit_domain  # noqa: E402
from checker.shared.dns.cache import CachingResolver  # noqa: E402
from checker.shared.dns.doh_json import DohJsonResolver  # noqa: E402
from checker.shared.dns.doh_wire import DohWireResolver  # noqa: E402
from checker.shared.dns.fetch import HttpRequest, HttpResponse  # noqa: E402
from checker.shared.dns.pool import DEFAULT_MAX_PER_ORIGIN, HttpPool  # noqa: E402
from checker.shared.dns.pool_http2 import Http2Pool, http2_installed  # noqa: E402
from checker.shared.dns.stats import CountingResolver  # noqa: E402
from checker.shared.dns.streamfetch import stream_fetch  # noqa: E402
from checker.shared.dns.zonefile import load_zone  # noqa: E402
from checker.shared.orgdomain import PublicSuffixes  # noqa: E402

ZONE = ROOT / "tests" / "fixtures" / "zones" / "acme-mail.yml"
DOMAIN = "acme.example"
# acme.example: MX -> A/AAAA -> PTR -> A/AAAA is the deepest chain (SPF includes nest 3 deep).
DEPENDENCY_DEPTH = MX_DEPENDENCY_DEPTH


@dataclass(frozen=True)
class Run:
    wall: float
    counting: CountingResolver
    checks: int
    connections: int  # accepted by the server during this run


async def _run(
    server: DohServer,
    kind: str,
    psl: PublicSuffixes,
    *,
    keep_alive: bool,
    pool_size: int,
    context: ssl.SSLContext | None = None,
    http2: bool = False,
) -> Run:
    server.clear_log()
    if http2:
        opened: HttpPool | Http2Pool = Http2Pool(timeout=5.0, max_connections=pool_size, ssl_context=context)
    else:
        opened = HttpPool(timeout=5.0, max_per_origin=pool_size, ssl_context=context)
    async with opened as pool:
        fetch = pool
        if not keep_alive:  # the CLI before the pool: stream_fetch, one connection per query, no bound

            async def fetch(request: HttpRequest) -> HttpResponse:
                return await stream_fetch(request, timeout=5.0, ssl_context=context)

        inner = (
            DohJsonResolver(fetch, server.json_url)
            if kind == "doh-json"
            else DohWireResolver(fetch, server.url, "POST" if kind == "doh-wire-post" else "GET")
        )
        counting = CountingResolver(inner)
        started = time.perf_counter()
        audit = await audit_domain(
            DOMAIN, resolver=CachingResolver(counting), selectors=["selector1"], psl=psl
        )
        wall = time.perf_counter() - started
    return Run(wall, counting, len(audit.checks), server.connections)


def _best(server: DohServer, runs: int, **options) -> tuple[Run, list[Run]]:
    asyncio.run(_run(server, **options))  # warm-up: imports, code paths
    results = [asyncio.run(_run(server, **options)) for _ in range(runs)]
    return min(results, key=lambda run: run.wall), results


def _times(results: list[Run]) -> str:
    return ", ".join(f"{run.wall * 1000:.0f}" for run in results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="DNS latency benchmark of the domain audit.")
    parser.add_argument("--delay", type=float, default=0.05, help="seconds added to every DoH answer")
    parser.add_argument("--resolver", choices=("doh-wire", "doh-wire-post", "doh-json"), default="doh-wire")
    parser.add_argument("--runs", type=int, default=3, help="timed runs (the best is judged)")
    parser.add_argument(
        "--pool-size", type=int, default=DEFAULT_MAX_PER_ORIGIN, help="connections per DoH server"
    )
    parser.add_argument(
        "--connection-close",
        action="store_true",
        help="judge one connection per query (Connection: close, stream_fetch) instead of the pool",
    )
    parser.add_argument("--no-https", action="store_true", help="skip the HTTPS comparison")
    args = parser.parse_args(argv)
    psl = PublicSuffixes()  # loaded once, as a long-running front end would
    target = (DEPENDENCY_DEPTH + 1) * args.delay + 0.100
    options = {"kind": args.resolver, "psl": psl, "pool_size": args.pool_size}
    mode = "Connection: close" if args.connection_close else f"keep-alive pool of {args.pool_size}"
    with DohServer(load_zone(ZONE), delay=args.delay) as server:
        best, results = _best(server, args.runs, keep_alive=not args.connection_close, **options)
    verdict = "PASS" if best.wall <= target else "FAIL"
    print(
        f"domain:            {DOMAIN} ({best.checks} checks), resolver {args.resolver}, "
        f"{args.delay * 1000:.0f} ms/answer, plain HTTP, {mode}"
    )
    print(f"queries made:      {best.counting.queries}")
    print(f"sequential rounds: {best.counting.rounds}")
    for number, queries in best.counting.by_round().items():
        print(f"  round {number}: {len(queries):2d} queries, e.g. {', '.join(queries[:3])}")
    print(f"dependency depth:  {DEPENDENCY_DEPTH} (MX -> A/AAAA -> PTR -> A/AAAA)")
    print(f"connections:       {best.connections}")
    print(f"wall time:         {best.wall * 1000:.0f} ms (best of {len(results)}: {_times(results)} ms)")
    print(
        f"target:            ({DEPENDENCY_DEPTH} + 1) x {args.delay * 1000:.0f} ms + 100 ms "
        f"= {target * 1000:.0f} ms"
    )
    print(f"result:            {verdict}")
    passed = verdict == "PASS"
    if args.no_https:
        return 0 if passed else 1
    if shutil.which("openssl") is None:
        print("\nHTTPS comparison skipped: the openssl command is needed for the test certificate.")
        return 0 if passed else 1
    with tempfile.TemporaryDirectory() as folder:
        cert, key = self_signed_certificate(folder)
        context = trusting((cert, key))
        zone = load_zone(ZONE)
        # the server offers h2 by ALPN; the HTTP/1.1 clients do not ask for it
        with DohServer(
            zone, delay=args.delay, connect_delay=args.delay, tls=(cert, key), http2=http2_installed()
        ) as server:
            close, close_runs = _best(server, args.runs, keep_alive=False, context=context, **options)
            pooled, pooled_runs = _best(server, args.runs, keep_alive=True, context=context, **options)
            rows = [
                ("Connection: close (before)", close, close_runs),
                (f"keep-alive pool of {args.pool_size}", pooled, pooled_runs),
            ]
            judged = pooled
            if http2_installed():
                multiplexed, multiplexed_runs = _best(
                    server, args.runs, keep_alive=True, context=context, http2=True, **options
                )
                rows.append(("HTTP/2, httpx (the CLI's default)", multiplexed, multiplexed_runs))
                judged = multiplexed
    https_verdict = "PASS" if judged.wall <= target else "FAIL"
    print(
        f"\nHTTPS (self-signed certificate), {args.delay * 1000:.0f} ms/answer "
        f"+ {args.delay * 1000:.0f} ms per new connection, {close.counting.queries} queries:"
    )
    print(f"  {'mode':34} {'connections':>11}  wall time (best of {args.runs}; all runs)")
    for label, best_run, runs in rows:
        print(f"  {label:34} {best_run.connections:11d}  {best_run.wall * 1000:4.0f} ms ({_times(runs)} ms)")
    judged_label = "HTTP/2" if judged is not pooled else "pool"
    if judged is pooled:
        print("  (HTTP/2 run skipped: install the http2 extra, pip install -e '.[http2]')")
    print(f"  target: {target * 1000:.0f} ms; {judged_label} result: {https_verdict}")
    return 0 if passed and https_verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
