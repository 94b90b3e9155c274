"""The CLI over DNS-over-HTTPS as a user runs it: a local HTTPS DoH server with a certificate made for
the test (trusted through SMTP_CHECKER_CA_FILE), counting the TLS connections each command opens."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from dohserver import DohServer, self_signed_certificate

from checker.shared.dns.pool import CA_FILE_VARIABLE, DEFAULT_MAX_PER_ORIGIN, KEEP_ALIVE_VARIABLE
from checker.shared.dns.zonefile import load_zone

REPO_ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command is missing")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def https_server(certificate) -> Iterator[DohServer]:
    zone = load_zone(REPO_ROOT / "tests" / "fixtures" / "zones" / "acme-mail.yml")
    with DohServer(zone, tls=certificate, connect_delay=0.01) as server:
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
    ip = run_cli("ip", "192.0.2.10", "--resolver", "doh-wire-post", "--doh-url", https_server.url, env=trust)
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
