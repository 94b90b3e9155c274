"""Run the test DNS-over-HTTPS server by hand: ``python scripts/doh_server.py --zone FILE``.

Serves RFC 8484 wire format and the JSON API on 127.0.0.1 from a zone fixture (format in
tests/fixtures/zones/README.md) until Ctrl-C; point the CLI at it with
``--resolver doh-wire --doh-url http://127.0.0.1:PORT/dns-query``. With ``--https`` it serves HTTPS
with a certificate made for the run (the ``openssl`` command) and prints the ``SMTP_CHECKER_CA_FILE``
setting that makes the CLI trust it; ``--connect-delay`` waits before serving each new connection.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from dohserver import DohServer, self_signed_certificate  # noqa: E402  (tests/ is put on the path above)

from checker.shared.dns.zonefile import load_zone  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--zone", default=str(ROOT / "tests/fixtures/zones/acme-mail.yml"), help="zone fixture file"
    )
    parser.add_argument("--port", type=int, default=8053, help="port on 127.0.0.1 (0 picks a free one)")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds to wait before every answer")
    parser.add_argument(
        "--connect-delay", type=float, default=0.0, help="seconds to wait before serving a new connection"
    )
    parser.add_argument("--https", action="store_true", help="serve HTTPS with a self-signed certificate")
    args = parser.parse_args(argv)
    try:
        zone = load_zone(args.zone)
    except (OSError, ValueError) as trouble:
        print(f"Cannot load the zone file {args.zone}: {trouble}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        tls = self_signed_certificate(folder) if args.https else None
        options = {"delay": args.delay, "port": args.port, "connect_delay": args.connect_delay, "tls": tls}
        with DohServer(zone, **options) as server:
            print(f"DoH wire: {server.url}\nDoH JSON: {server.json_url}", flush=True)
            if tls:
                print(f"Trust it with: export SMTP_CHECKER_CA_FILE={tls[0]}", flush=True)
            print("Ctrl-C to stop.", flush=True)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                print(f"\n{len(server.log)} queries answered over {server.connections} connections.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
