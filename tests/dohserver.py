"""A real DNS-over-HTTPS server on 127.0.0.1 for tests, answering from a zone fixture.

Usage::

    from dohserver import DohServer, fixture_zone

    with DohServer(fixture_zone("dns-tests.yml"), delay=0.05) as server:
        server.url        # http://127.0.0.1:PORT/dns-query  (RFC 8484 wire GET/POST, JSON by accept header)
        server.json_url   # http://127.0.0.1:PORT/resolve    (JSON API)
        server.fail("example.com", "TXT", "http500")   # servfail | timeout | http500 | malformed | huge
        server.log        # [LoggedQuery(kind, method, name, rtype)] in arrival order
        server.preflights # how many CORS OPTIONS requests were answered

It speaks both DoH formats, sends ``Access-Control-Allow-Origin: *`` and answers CORS preflights,
keeps NXDOMAIN apart from NODATA, follows CNAMEs inside the zone (the answer carries the chain),
waits ``delay`` seconds before every answer, and injects failures from the fixture or ``fail()``.
The pytest fixture ``doh_server`` in ``tests/dns/conftest.py`` starts one per test.
"""

from __future__ import annotations

import base64
import json
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.TXT
import dns.rrset

_REPO_ROOT = str(Path(__file__).resolve().parents[1])
if _REPO_ROOT not in sys.path:  # importable from any test folder, and from scripts/
    sys.path.insert(0, _REPO_ROOT)

from checker.dns.zonefile import FAILURE_MODES, ZoneData, load_zone  # noqa: E402  (needs the path set above)

DNS_MESSAGE = "application/dns-message"
DNS_JSON = "application/dns-json"
_MAX_CNAME_CHAIN = 8
_HUGE_RECORD_COUNT = 400
ZONE_DIR = Path(_REPO_ROOT) / "tests" / "fixtures" / "zones"


def fixture_zone(file_name: str) -> ZoneData:
    """Load one zone fixture from ``tests/fixtures/zones/`` by file name."""
    return load_zone(ZONE_DIR / file_name)


@dataclass(frozen=True)
class LoggedQuery:
    """One DNS query the server received: ``kind`` is ``"wire"`` or ``"json"``."""

    kind: str
    method: str
    name: str
    rtype: str
    at: float


@dataclass(frozen=True)
class _Answer:
    rcode: int
    rrsets: tuple[tuple[str, str, tuple[Any, ...]], ...]  # (owner, rtype, values)


class DohServer:
    """A threaded HTTP server answering DoH queries from a ``ZoneData``; start()/stop() or ``with``."""

    def __init__(
        self, zone: ZoneData, *, delay: float = 0.0, timeout_delay: float = 3.0, port: int = 0
    ) -> None:
        self.zone = zone
        self.delay = delay
        self.timeout_delay = timeout_delay  # how long a "timeout" failure stalls before answering
        self._requested_port = port
        self._failures: dict[tuple[str, str], str] = dict(zone.failures)
        self._lock = threading.Lock()
        self._log: list[LoggedQuery] = []
        self._preflights = 0
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle -------------------------------------------------------------------------------
    def start(self) -> DohServer:
        """Bind a free port on 127.0.0.1 and serve in a background thread."""
        handler = _make_handler(self)

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 256  # a burst of concurrent queries must not overflow the listen backlog

            def handle_error(self, request: Any, client_address: Any) -> None:
                # a client that timed out and hung up is expected in failure tests, not an error
                if not isinstance(sys.exc_info()[1], ConnectionError):
                    super().handle_error(request, client_address)

        self._httpd = Server(("127.0.0.1", self._requested_port), handler)
        # a short poll interval makes stop() quick; shutdown() waits for the loop to notice
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="doh-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> DohServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses --------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        assert self._httpd is not None, "start() the server first"
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The RFC 8484 endpoint (also answers JSON when asked with ``accept: application/dns-json``)."""
        return f"{self.base_url}/dns-query"

    @property
    def json_url(self) -> str:
        """The JSON API endpoint (Google style ``/resolve``)."""
        return f"{self.base_url}/resolve"

    # -- control and inspection -------------------------------------------------------------------
    def fail(self, name: str, rtype: str, mode: str) -> None:
        """Force ``mode`` for queries of ``name``/``rtype`` (``"*"`` for every name)."""
        if mode not in FAILURE_MODES:
            raise ValueError(f"unknown failure mode {mode!r}; use one of {FAILURE_MODES}")
        key = (name if name == "*" else name.rstrip(".").lower(), rtype.upper())
        with self._lock:
            self._failures[key] = mode

    def clear_failures(self) -> None:
        with self._lock:
            self._failures = {}

    @property
    def log(self) -> list[LoggedQuery]:
        with self._lock:
            return list(self._log)

    @property
    def preflights(self) -> int:
        with self._lock:
            return self._preflights

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()
            self._preflights = 0

    # -- answering (called from handler threads) --------------------------------------------------
    def _record(self, entry: LoggedQuery | None) -> None:
        with self._lock:
            if entry is None:
                self._preflights += 1
            else:
                self._log.append(entry)

    def _failure_for(self, name: str, rtype: str) -> str | None:
        with self._lock:
            return self._failures.get((name, rtype)) or self._failures.get(("*", rtype))

    def _resolve(self, name: str, rtype: str) -> _Answer:
        rrsets: list[tuple[str, str, tuple[Any, ...]]] = []
        current = name
        names = self.zone.names()
        for _ in range(_MAX_CNAME_CHAIN):
            values = self.zone.records.get((current, rtype))
            if values:
                rrsets.append((current, rtype, values))
                return _Answer(dns.rcode.NOERROR, tuple(rrsets))
            cname = self.zone.records.get((current, "CNAME"))
            if cname and rtype != "CNAME":
                rrsets.append((current, "CNAME", cname[:1]))
                current = str(cname[0]).rstrip(".").lower()
                continue
            rcode = dns.rcode.NOERROR if current in names else dns.rcode.NXDOMAIN
            return _Answer(rcode, tuple(rrsets))
        return _Answer(dns.rcode.SERVFAIL, ())


def _rdata(rtype: str, value: Any) -> dns.rdata.Rdata:
    if rtype == "TXT":
        strings = (value,) if isinstance(value, str) else tuple(value)
        chunks: list[bytes] = []
        for text in strings:
            raw = text.encode("utf-8")
            # one character-string holds at most 255 bytes; longer text is split like a zone file would
            chunks.extend(raw[i : i + 255] for i in range(0, len(raw), 255) or [0])
        return dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, dns.rdatatype.TXT, chunks)
    return dns.rdata.from_text(
        dns.rdataclass.IN, dns.rdatatype.from_text(rtype), str(value), origin=dns.name.root, relativize=False
    )


def _huge(name: str, rtype: str) -> _Answer:
    """Far more records than any real answer: TXT for TXT queries, A records otherwise."""
    if rtype == "TXT":
        return _Answer(
            dns.rcode.NOERROR,
            ((name, "TXT", tuple(f"{i:04d}" + "x" * 100 for i in range(_HUGE_RECORD_COUNT))),),
        )
    addresses = tuple(f"10.0.{i // 256}.{i % 256}" for i in range(_HUGE_RECORD_COUNT))
    return _Answer(dns.rcode.NOERROR, ((name, "A", addresses),))


def _wire_response(query: dns.message.Message, answer: _Answer, ttl: int) -> bytes:
    response = dns.message.make_response(query)
    response.flags |= dns.flags.RA
    response.set_rcode(answer.rcode)
    for owner, rtype, values in answer.rrsets:
        rrset = dns.rrset.RRset(dns.name.from_text(owner), dns.rdataclass.IN, dns.rdatatype.from_text(rtype))
        for value in values:
            rrset.add(_rdata(rtype, value), ttl)
        response.answer.append(rrset)
    return response.to_wire(max_size=65535)


def _json_response(name: str, rtype: str, answer: _Answer, ttl: int) -> bytes:
    type_code = int(dns.rdatatype.from_text(rtype))
    document: dict[str, Any] = {
        "Status": int(answer.rcode),
        "TC": False,
        "RD": True,
        "RA": True,
        "AD": False,
        "CD": False,
        "Question": [{"name": f"{name}.", "type": type_code}],
    }
    records = [
        {
            "name": f"{owner}.",
            "type": int(dns.rdatatype.from_text(owner_type)),
            "TTL": ttl,
            # Cloudflare style: presentation format, TXT quoted with \" and \DDD escapes
            "data": _rdata(owner_type, value).to_text(),
        }
        for owner, owner_type, values in answer.rrsets
        for value in values
    ]
    if records:
        document["Answer"] = records
    return json.dumps(document).encode("utf-8")


def _make_handler(server: DohServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "test-doh/1"

        def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
            return

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def do_OPTIONS(self) -> None:
            server._record(None)
            self.send_response(204)
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
            self.send_header("Access-Control-Allow-Headers", "accept, content-type")
            self.send_header("Access-Control-Max-Age", "86400")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            parsed = urllib.parse.urlsplit(self.path)
            params = urllib.parse.parse_qs(parsed.query)
            if parsed.path == "/resolve" or (
                parsed.path == "/dns-query"
                and DNS_JSON in (self.headers.get("Accept") or "")
                and "name" in params
            ):
                self._answer_json(params)
            elif parsed.path == "/dns-query" and "dns" in params:
                encoded = params["dns"][0]
                try:
                    wire = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
                except ValueError:
                    self._send(400, b"bad dns parameter", "text/plain")
                    return
                self._answer_wire(wire, "GET")
            else:
                self._send(
                    404 if parsed.path not in ("/dns-query", "/resolve") else 400,
                    b"not a DoH query",
                    "text/plain",
                )

        def do_POST(self) -> None:
            if urllib.parse.urlsplit(self.path).path != "/dns-query":
                self._send(404, b"not found", "text/plain")
                return
            if (self.headers.get("Content-Type") or "") != DNS_MESSAGE:
                self._send(415, b"content-type must be application/dns-message", "text/plain")
                return
            length = int(self.headers.get("Content-Length") or 0)
            self._answer_wire(self.rfile.read(length), "POST")

        def _stall(self, failure: str | None) -> None:
            if server.delay:
                time.sleep(server.delay)
            if failure == "timeout":
                time.sleep(server.timeout_delay)

        def _answer_wire(self, wire: bytes, method: str) -> None:
            try:
                query = dns.message.from_wire(wire)
                question = query.question[0]
            except Exception:
                self._send(400, b"not a DNS message", "text/plain")
                return
            name = question.name.to_text(omit_final_dot=True).lower()
            rtype = dns.rdatatype.to_text(question.rdtype)
            self._reply(
                LoggedQuery("wire", method, name, rtype, time.perf_counter()),
                lambda answer, ttl: _wire_response(query, answer, ttl),
                DNS_MESSAGE,
                malformed=b"\x00\x01this is not a DNS message",
            )

        def _answer_json(self, params: dict[str, list[str]]) -> None:
            name = (params.get("name") or [""])[0].rstrip(".").lower()
            type_param = (params.get("type") or ["A"])[0]
            try:
                rtype = dns.rdatatype.to_text(
                    dns.rdatatype.RdataType(int(type_param))
                    if type_param.isdigit()
                    else dns.rdatatype.from_text(type_param.upper())
                )
            except Exception:
                self._send(400, b'{"error": "bad type"}', DNS_JSON)
                return
            self._reply(
                LoggedQuery("json", "GET", name, rtype, time.perf_counter()),
                lambda answer, ttl: _json_response(name, rtype, answer, ttl),
                DNS_JSON,
                malformed=b'{"Status": 0, "Answer": [',
            )

        def _reply(
            self,
            question: LoggedQuery,
            render: Callable[[_Answer, int], bytes],
            content_type: str,
            *,
            malformed: bytes,
        ) -> None:
            """Log the question, then send its answer, or the failure injected for it, in one format."""
            server._record(question)
            failure = server._failure_for(question.name, question.rtype)
            self._stall(failure)
            if failure == "http500":
                self._send(500, b"internal error (injected)", "text/plain")
            elif failure == "malformed":
                self._send(200, malformed, content_type)
            else:
                if failure == "servfail":
                    answer, ttl = _Answer(dns.rcode.SERVFAIL, ()), 0
                elif failure == "huge":
                    answer, ttl = _huge(question.name, question.rtype), server.zone.ttl
                else:
                    answer, ttl = server._resolve(question.name, question.rtype), server.zone.ttl
                self._send(200, render(answer, ttl), content_type)

    return Handler
