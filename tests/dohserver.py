"""A real DNS-over-HTTPS server on 127.0.0.1 for tests, answering from a zone fixture.

Usage::

    from dohserver import DohServer, fixture_zone

    with DohServer(fixture_zone("dns-tests.yml"), delay=0.05) as server:
        server.url        # http://127.0.0.1:PORT/dns-query  (RFC 8484 wire GET/POST, JSON by accept header)
        server.json_url   # http://127.0.0.1:PORT/resolve    (JSON API)
        server.fail("example.com", "TXT", "http500")   # any of checker.shared.dns.zonefile.FAILURE_MODES
        server.log        # [LoggedQuery(kind, method, name, rtype)] in arrival order
        server.preflights # how many CORS OPTIONS requests were answered
        server.connections # how many TCP connections were accepted

    # HTTPS with a certificate made for the test, 50 ms before every new connection is served:
    cert, key = self_signed_certificate(tmp_path)     # needs the openssl command
    with DohServer(zone, tls=(cert, key), connect_delay=0.05) as server:
        server.url        # https://127.0.0.1:PORT/dns-query; trust ``cert`` as a CA file

It speaks both DoH formats, sends ``Access-Control-Allow-Origin: *`` and answers CORS preflights,
keeps NXDOMAIN apart from NODATA, follows CNAMEs inside the zone (the answer carries the chain),
waits ``delay`` seconds before every answer, and injects failures from the fixture or ``fail()``.
It speaks HTTP/1.1 with persistent connections (``keep_alive=False``: HTTP/1.0, one request per
connection), closes a connection idle for ``keepalive_timeout`` seconds, counts the connections it
accepts and waits ``connect_delay`` seconds before serving a new one (a stand-in for the TCP and
TLS handshake round trips of a distant server); with ``tls=(certfile, keyfile)`` it serves HTTPS.
The pytest fixture ``doh_server`` in ``tests/dns/conftest.py`` starts one per test.

Failure modes (``fail()`` or a fixture's ``failures:``): ``timeout`` (stalls ``timeout_delay``),
``slow`` (stalls ``slow_delay``, then answers), ``servfail``, ``http500``, ``http503``, ``http429``
(with Retry-After), ``malformed`` (truncated body), ``garbage`` (random bytes), ``huge`` (400 records),
``huge_txt`` (400 TXT records of 250 bytes), ``wrong_owner`` (the records come under another owner
name), ``wrong_question`` (the answer echoes another question), ``truncated`` (TC bit set),
``cname_loop`` (the name is a CNAME to a name that is a CNAME back, no data).
"""

from __future__ import annotations

import base64
import json
import random
import shutil
import ssl
import subprocess
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

from checker.shared.dns.zonefile import FAILURE_MODES, ZoneData, load_zone  # noqa: E402  (needs the path set above)

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
    truncated: bool = False
    question: str | None = None  # the question name the answer claims to answer (None: the asked one)


class DohServer:
    """A threaded HTTP server answering DoH queries from a ``ZoneData``; start()/stop() or ``with``."""

    def __init__(
        self,
        zone: ZoneData,
        *,
        delay: float = 0.0,
        timeout_delay: float = 3.0,
        slow_delay: float = 1.0,
        port: int = 0,
        tls: tuple[str | Path, str | Path] | None = None,
        connect_delay: float = 0.0,
        keep_alive: bool = True,
        keepalive_timeout: float = 5.0,
        http2: bool = False,
    ) -> None:
        self.zone = zone
        self.connect_delay = connect_delay
        self.keep_alive = keep_alive
        self.keepalive_timeout = keepalive_timeout
        self._tls_context: ssl.SSLContext | None = None
        if tls is not None:
            self._tls_context = serving(tls)
            if http2:  # offered by ALPN; a client that does not ask for h2 gets HTTP/1.1 as before
                self._tls_context.set_alpn_protocols(["h2", "http/1.1"])
        elif http2:
            raise ValueError("http2 needs tls: clients negotiate h2 through ALPN")
        self._connections = 0
        self._h2_connections = 0
        self.delay = delay
        self.slow_delay = slow_delay
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
        tls_context = self._tls_context

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 256  # a burst of concurrent queries must not overflow the listen backlog

            def get_request(self) -> tuple[Any, Any]:
                connection, address = super().get_request()
                if tls_context is not None:
                    # the handshake runs in the connection's own thread (Handler.setup), after the delay
                    connection = tls_context.wrap_socket(
                        connection, server_side=True, do_handshake_on_connect=False
                    )
                return connection, address

            def handle_error(self, request: Any, client_address: Any) -> None:
                # a client that timed out and hung up is expected in failure tests, not an error
                if not isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, TimeoutError)):
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
        return f"{'https' if self._tls_context else 'http'}://127.0.0.1:{self.port}"

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

    @property
    def connections(self) -> int:
        """How many TCP connections the server has accepted since it started (or ``clear_log``)."""
        with self._lock:
            return self._connections

    @property
    def h2_connections(self) -> int:
        """How many of those connections negotiated HTTP/2."""
        with self._lock:
            return self._h2_connections

    def _connected(self, *, h2: bool = False) -> None:
        with self._lock:
            if h2:
                self._h2_connections += 1
            else:
                self._connections += 1

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()
            self._preflights = 0
            self._connections = 0
            self._h2_connections = 0

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


def _faulty(name: str, rtype: str, failure: str | None) -> _Answer | None:
    """The answer a faulty server or an attacker on the path would send, for answer-level failures."""
    if failure == "huge_txt":
        return _Answer(dns.rcode.NOERROR, ((name, "TXT", tuple(f"{i:04d}" + "t" * 246 for i in range(400))),))
    if failure == "wrong_owner":
        value = "v=spf1 +all" if rtype == "TXT" else ("192.0.2.66" if rtype == "A" else None)
        rrsets = ((f"evil-{name}", rtype, (value,)),) if value else ()
        return _Answer(dns.rcode.NOERROR, rrsets)
    if failure == "wrong_question":
        value = "v=spf1 +all" if rtype == "TXT" else "192.0.2.66"
        return _Answer(dns.rcode.NOERROR, ((f"other-{name}", rtype, (value,)),), question=f"other-{name}")
    if failure == "truncated":
        value = "v=spf1 -all" if rtype == "TXT" else "192.0.2.1"
        return _Answer(dns.rcode.NOERROR, ((name, rtype, (value,)),), truncated=True)
    if failure == "cname_loop":
        loop = f"loop-{name}"
        return _Answer(dns.rcode.NOERROR, ((name, "CNAME", (f"{loop}.",)), (loop, "CNAME", (f"{name}.",))))
    return None


def _wire_response(query: dns.message.Message, answer: _Answer, ttl: int) -> bytes:
    if answer.question is not None:
        asked = query.question[0]
        query = dns.message.make_query(answer.question, asked.rdtype)
        query.id = 0
    response = dns.message.make_response(query)
    response.flags |= dns.flags.RA
    if answer.truncated:
        response.flags |= dns.flags.TC
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
        "TC": answer.truncated,
        "RD": True,
        "RA": True,
        "AD": False,
        "CD": False,
        "Question": [{"name": f"{answer.question or name}.", "type": type_code}],
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


@dataclass(frozen=True)
class Reply:
    """What the server answers one HTTP request with, whatever the HTTP version: sent after ``stall`` s."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    stall: float = 0.0


_CORS = (("Access-Control-Allow-Origin", "*"),)


def _reply(status: int, body: bytes, content_type: str, stall: float = 0.0) -> Reply:
    headers = (("Content-Type", content_type), *_CORS, ("Cache-Control", "no-store"))
    return Reply(status, headers, body, stall)


def respond(
    server: DohServer, method: str, target: str, headers: Callable[[str], str | None], body: bytes
) -> Reply:
    """The answer to one request (``headers`` looks a header up by name); logs the query it carries."""
    parsed = urllib.parse.urlsplit(target)
    if method == "OPTIONS":
        server._record(None)
        preflight = (
            *_CORS,
            ("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
            ("Access-Control-Allow-Headers", "accept, content-type"),
            ("Access-Control-Max-Age", "86400"),
        )
        return Reply(204, preflight, b"")
    if method == "POST":
        if parsed.path != "/dns-query":
            return _reply(404, b"not found", "text/plain")
        if (headers("Content-Type") or "") != DNS_MESSAGE:
            return _reply(415, b"content-type must be application/dns-message", "text/plain")
        return _answer_wire(server, body, "POST")
    if method != "GET":
        return _reply(405, b"method not allowed", "text/plain")
    params = urllib.parse.parse_qs(parsed.query)
    if parsed.path == "/resolve" or (
        parsed.path == "/dns-query" and DNS_JSON in (headers("Accept") or "") and "name" in params
    ):
        return _answer_json(server, params)
    if parsed.path == "/dns-query" and "dns" in params:
        encoded = params["dns"][0]
        try:
            wire = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except ValueError:
            return _reply(400, b"bad dns parameter", "text/plain")
        return _answer_wire(server, wire, "GET")
    status = 404 if parsed.path not in ("/dns-query", "/resolve") else 400
    return _reply(status, b"not a DoH query", "text/plain")


def _answer_wire(server: DohServer, wire: bytes, method: str) -> Reply:
    try:
        query = dns.message.from_wire(wire)
        question = query.question[0]
    except Exception:
        return _reply(400, b"not a DNS message", "text/plain")
    name = question.name.to_text(omit_final_dot=True).lower()
    rtype = dns.rdatatype.to_text(question.rdtype)
    return _answer(
        server,
        LoggedQuery("wire", method, name, rtype, time.perf_counter()),
        lambda answer, ttl: _wire_response(query, answer, ttl),
        DNS_MESSAGE,
        malformed=b"\x00\x01this is not a DNS message",
    )


def _answer_json(server: DohServer, params: dict[str, list[str]]) -> Reply:
    name = (params.get("name") or [""])[0].rstrip(".").lower()
    type_param = (params.get("type") or ["A"])[0]
    try:
        rtype = dns.rdatatype.to_text(
            dns.rdatatype.RdataType(int(type_param))
            if type_param.isdigit()
            else dns.rdatatype.from_text(type_param.upper())
        )
    except Exception:
        return _reply(400, b'{"error": "bad type"}', DNS_JSON)
    return _answer(
        server,
        LoggedQuery("json", "GET", name, rtype, time.perf_counter()),
        lambda answer, ttl: _json_response(name, rtype, answer, ttl),
        DNS_JSON,
        malformed=b'{"Status": 0, "Answer": [',
    )


def _answer(
    server: DohServer,
    question: LoggedQuery,
    render: Callable[[_Answer, int], bytes],
    content_type: str,
    *,
    malformed: bytes,
) -> Reply:
    """Log the question, then its answer, or the failure injected for it, in one format."""
    server._record(question)
    failure = server._failure_for(question.name, question.rtype)
    stalls = {"timeout": server.timeout_delay, "slow": server.slow_delay}
    stall = server.delay + stalls.get(failure or "", 0.0)
    if failure in ("http500", "http503"):
        return _reply(int(failure[4:]), b"server error (injected)", "text/plain", stall)
    if failure == "http429":
        return Reply(429, (("Retry-After", "30"), *_CORS), b"", stall)
    if failure == "malformed":
        return _reply(200, malformed, content_type, stall)
    if failure == "garbage":
        noise = random.Random(question.name)
        return _reply(200, bytes(noise.randrange(256) for _ in range(300)), content_type, stall)
    faulty = _faulty(question.name, question.rtype, failure)
    if faulty is not None:
        answer, ttl = faulty, server.zone.ttl
    elif failure == "servfail":
        answer, ttl = _Answer(dns.rcode.SERVFAIL, ()), 0
    elif failure == "huge":
        answer, ttl = _huge(question.name, question.rtype), server.zone.ttl
    else:
        answer, ttl = server._resolve(question.name, question.rtype), server.zone.ttl
    return _reply(200, render(answer, ttl), content_type, stall)


def _make_handler(server: DohServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "test-doh/1"
        protocol_version = "HTTP/1.1" if server.keep_alive else "HTTP/1.0"
        timeout = server.keepalive_timeout  # an idle persistent connection is closed after this
        disable_nagle_algorithm = True  # headers and body go out at once on a persistent connection

        def setup(self) -> None:
            server._connected()
            if server.connect_delay:
                time.sleep(server.connect_delay)
            if isinstance(self.request, ssl.SSLSocket):
                self.request.settimeout(5.0)
                self.request.do_handshake()
            super().setup()

        def handle(self) -> None:
            if isinstance(self.request, ssl.SSLSocket) and self.request.selected_alpn_protocol() == "h2":
                from doh_h2 import serve_h2  # the h2 library is only needed when a client asks for it

                server._connected(h2=True)
                serve_h2(self.request, server, idle_timeout=server.keepalive_timeout)
                return
            super().handle()

        def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
            return

        def _serve(self, method: str) -> None:
            body = b""
            if method == "POST":
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            reply = respond(server, method, self.path, self.headers.get, body)
            if reply.stall:
                time.sleep(reply.stall)
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        def do_OPTIONS(self) -> None:
            self._serve("OPTIONS")

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

    return Handler


def self_signed_certificate(directory: str | Path) -> tuple[Path, Path]:
    """A fresh self-signed certificate for 127.0.0.1 and localhost, made with the ``openssl`` command.

    Returns ``(certfile, keyfile)`` in ``directory``; the certificate is its own CA, so a client
    trusts the server by loading ``certfile`` as a CA file. Raises ``RuntimeError`` without openssl.
    """
    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeError("the openssl command is not installed")
    folder = Path(directory)
    cert, key = folder / "doh-test-cert.pem", folder / "doh-test-key.pem"
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return cert, key


def trusting(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    """A client context that trusts ``certificate`` (from ``self_signed_certificate``) and nothing else."""
    return ssl.create_default_context(cafile=str(certificate[0]))


def serving(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    """A server context that presents ``certificate``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(certificate[0]), str(certificate[1]))
    return context
