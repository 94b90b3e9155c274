"""The CLI over DNS-over-HTTPS as a user runs it: a local HTTPS DoH server with a certificate made for
the test (trusted through SMTP_CHECKER_CA_FILE), counting the TLS connections each command opens.

With the ``http2`` extra installed (the dev environment has it) the CLI speaks HTTP/2 to a server that
offers it and HTTP/1.1 to one that does not; ``SMTP_CHECKER_DOH_HTTP2=0`` keeps the HTTP/1.1 pool."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from dohserver import DohServer

from checker.shared.dns.pool import CA_FILE_VARIABLE, DEFAULT_MAX_PER_ORIGIN, KEEP_ALIVE_VARIABLE
from checker.shared.dns.pool_http2 import HTTP2_VARIABLE, http2_installed
from checker.shared.dns.zonefile import load_zone

REPO_ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command is missing")


ZONE = REPO_ROOT / "tests" / "fixtures" / "zones" / "acme-mail.yml"
needs_http2 = pytest.mark.skipif(not http2_installed(), reason="the http2 extra (httpx, h2) is not installed")


@pytest.fixture
def https_server(certificate) -> Iterator[DohServer]:
    """HTTPS with HTTP/1.1 only: the server offers no ALPN protocol."""
    with DohServer(load_zone(ZONE), tls=certificate, connect_delay=0.01) as server:
        yield server


@pytest.fixture
def h2_server(certificate) -> Iterator[DohServer]:
    """HTTPS offering h2 (and http/1.1) by ALPN, 50 ms per new connection and per answer."""
    with DohServer(load_zone(ZONE), tls=certificate, connect_delay=0.05, delay=0.05, http2=True) as server:
        yield server


def test_domain_audit_over_https_opens_a_few_connections(
    run_cli, https_server: DohServer, certificate
) -> None:
    trust = {CA_FILE_VARIABLE: str(certificate[0])}
    result = run_cli(
        "domain", "acme.example", "--resolver", "doh-wire", "--doh-url", https_server.url, env=trust
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Domain audit: acme.example" in result.stdout and "Traceback" not in result.stderr
    queries = len(https_server.log)
    assert queries >= 40 and https_server.connections <= DEFAULT_MAX_PER_ORIGIN, https_server.connections
    # the same audit with one connection per query, as before the pool
    https_server.clear_log()
    before = run_cli(
        "domain", "acme.example", "--json", "--resolver", "doh-json", "--doh-url", https_server.url,
        env={**trust, KEEP_ALIVE_VARIABLE: "0"},
    )  # fmt: skip
    assert before.returncode == 0 and json.loads(before.stdout)["domain"] == "acme.example"
    assert https_server.connections == len(https_server.log) == queries


def test_ip_and_headers_over_https(run_cli, https_server: DohServer, certificate) -> None:
    trust = {CA_FILE_VARIABLE: str(certificate[0])}
    http1_pool = {**trust, HTTP2_VARIABLE: "0"}
    ip = run_cli(
        "ip", "192.0.2.10", "--resolver", "doh-wire-post", "--doh-url", https_server.url, env=http1_pool
    )  # fmt: skip
    assert ip.returncode == 0 and "[ip.fcrdns_ok]" in ip.stdout, ip.stdout + ip.stderr
    assert https_server.connections < len(https_server.log)  # the forward lookup reuses a connection
    https_server.clear_log()
    message = (REPO_ROOT / "tests" / "corpora" / "dkim" / "dkimpy-data" / "rfc6376.msg").read_text()
    headers = run_cli(
        "headers", "-", "--resolver", "doh-json", "--doh-url", https_server.url, env=trust, stdin=message
    )
    assert headers.returncode in (0, 1, 3) and "== Checks" in headers.stdout, headers.stderr
    assert "CERTIFICATE" not in headers.stdout and https_server.connections <= DEFAULT_MAX_PER_ORIGIN


def test_untrusted_certificate_is_a_dns_error_not_a_crash(run_cli, https_server: DohServer) -> None:
    result = run_cli("domain", "acme.example", "--resolver", "doh-wire", "--doh-url", https_server.url)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "CERTIFICATE_VERIFY_FAILED" in result.stdout and "Traceback" not in result.stderr


def test_unreadable_ca_file_is_an_input_error(run_cli, https_server: DohServer, tmp_path: Path) -> None:
    bad = tmp_path / "not-a-cert.pem"
    bad.write_text("hello")
    result = run_cli(
        "domain", "acme.example", "--resolver", "doh-wire", "--doh-url", https_server.url,
        env={CA_FILE_VARIABLE: str(bad)},
    )  # fmt: skip
    assert result.returncode == 2 and CA_FILE_VARIABLE in result.stderr and "Traceback" not in result.stderr


# -- HTTP/2 (the http2 extra) --------------------------------------------------------------------------
@needs_http2
def test_domain_audit_over_http2_uses_one_connection(run_cli, h2_server: DohServer, certificate) -> None:
    trust = {CA_FILE_VARIABLE: str(certificate[0])}
    args = ("domain", "acme.example", "--json", "--resolver", "doh-wire", "--doh-url", h2_server.url)
    result = run_cli(*args, env=trust)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stdout + result.stderr
    queries = len(h2_server.log)
    assert queries >= 40 and h2_server.connections <= 2 and h2_server.h2_connections >= 1, (
        h2_server.connections,
        h2_server.h2_connections,
    )
    # the same answers as the HTTP/1.1 pool gets from the same server, over many connections
    h2_server.clear_log()
    http1 = run_cli(*args, env={**trust, HTTP2_VARIABLE: "0"})
    assert http1.returncode == 0 and h2_server.h2_connections == 0 and h2_server.connections > 2
    assert _verdicts(result.stdout) == _verdicts(http1.stdout) and len(h2_server.log) == queries
    assert ("DMARC policy", "pass", "dmarc.enforced") in _verdicts(result.stdout)


def _verdicts(document: str) -> list[tuple[str, str, str]]:
    """Each check's name, verdict and reason (records may come in any order, and queries finish in any)."""
    audit = json.loads(document)
    assert audit["domain"] == "acme.example"
    checks = [check for section in audit["sections"] for check in section["checks"]]
    return [(check["name"], check["verdict"], check["reason"]) for check in checks]


@needs_http2
def test_ip_and_headers_over_http2(run_cli, h2_server: DohServer, certificate) -> None:
    trust = {CA_FILE_VARIABLE: str(certificate[0])}
    ip = run_cli("ip", "192.0.2.10", "--resolver", "doh-wire-post", "--doh-url", h2_server.url, env=trust)
    assert ip.returncode == 0 and "[ip.fcrdns_ok]" in ip.stdout, ip.stdout + ip.stderr
    assert h2_server.connections == h2_server.h2_connections == 1 < len(h2_server.log)
    h2_server.clear_log()
    message = (REPO_ROOT / "tests" / "corpora" / "dkim" / "dkimpy-data" / "rfc6376.msg").read_text()
    headers = run_cli(
        "headers", "-", "--resolver", "doh-json", "--doh-url", h2_server.url, env=trust, stdin=message
    )
    assert headers.returncode in (0, 1, 3) and "== Checks" in headers.stdout, headers.stderr
    assert h2_server.connections == h2_server.h2_connections == 1


@needs_http2
def test_http1_only_server_still_works_with_the_extra_installed(
    run_cli, https_server: DohServer, certificate
) -> None:
    trust = {CA_FILE_VARIABLE: str(certificate[0])}
    result = run_cli(
        "domain", "acme.example", "--resolver", "doh-json", "--doh-url", https_server.url, env=trust
    )
    assert result.returncode == 0 and "Domain audit: acme.example" in result.stdout, result.stderr
    assert https_server.h2_connections == 0 and 1 < https_server.connections <= DEFAULT_MAX_PER_ORIGIN


@needs_http2
def test_version_names_the_transport(run_cli) -> None:
    assert "DoH transport: HTTP/2" in run_cli("--version").stdout
    http1 = run_cli("--version", env={HTTP2_VARIABLE: "0"}).stdout
    assert "DoH transport: HTTP/1.1 keep-alive" in http1 and "HTTP/2" not in http1
    close = run_cli("--version", env={KEEP_ALIVE_VARIABLE: "0"}).stdout
    assert "DoH transport: HTTP/1.1, one connection per query" in close
