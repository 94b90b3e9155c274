"""The CLI as a user runs it: subprocesses against the local DoH server, checking exit codes and output."""

from __future__ import annotations

import json
from pathlib import Path

from dohserver import DohServer

CORPORA = Path(__file__).resolve().parents[1] / "corpora"


def doh(server: DohServer, kind: str = "doh-wire") -> list[str]:
    return ["--resolver", kind, "--doh-url", server.json_url if kind == "doh-json" else server.url]


def test_help_documents_exit_codes(run_cli) -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    assert "exit codes" in result.stdout and "3  no check failed" in result.stdout
    for command in ("headers", "domain", "ip", "bounce"):
        assert command in result.stdout


def test_usage_errors_exit_2(run_cli) -> None:
    assert run_cli().returncode == 2
    assert run_cli("domain").returncode == 2
    assert run_cli("frobnicate", "x").returncode == 2
    assert run_cli("domain", "acme.example", "--resolver", "carrier-pigeon").returncode == 2


def test_domain_healthy_exits_0(run_cli, cli_doh_server: DohServer) -> None:
    for kind in ("doh-wire", "doh-wire-post", "doh-json"):
        result = run_cli("domain", "acme.example", *doh(cli_doh_server, kind))
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Domain audit: acme.example" in result.stdout
        assert "== MX" in result.stdout and "== BIMI" in result.stdout and "✔" in result.stdout
        assert "Total: " in result.stdout and "fail" not in result.stdout.split("Total: ")[1]


def test_domain_with_failures_exits_1(run_cli, cli_doh_server: DohServer) -> None:
    result = run_cli("domain", "sloppy.example", *doh(cli_doh_server))
    assert result.returncode == 1
    assert "✘ FAIL" in result.stdout and "[spf.plus_all]" in result.stdout


def test_domain_json_output(run_cli, cli_doh_server: DohServer) -> None:
    result = run_cli("domain", "acme.example", "--json", "--selector", "selector1", *doh(cli_doh_server))
    document = json.loads(result.stdout)
    assert result.returncode == 0 and document["domain"] == "acme.example"
    names = [section["name"] for section in document["sections"]]
    assert names == ["MX", "SPF", "DKIM", "DMARC", "MTA-STS", "TLS-RPT", "BIMI"]
    assert all(
        {"verdict", "reason", "explanation"} <= set(c) for s in document["sections"] for c in s["checks"]
    )


def test_invalid_domain_exits_2_with_a_fix(run_cli, cli_doh_server: DohServer) -> None:
    result = run_cli("domain", "exa..mple.com", *doh(cli_doh_server))
    assert result.returncode == 2
    assert "Error:" in result.stderr and "fix:" in result.stderr and "Traceback" not in result.stderr


def test_dns_trouble_exits_3(run_cli) -> None:
    result = run_cli(
        "domain", "acme.example", "--resolver", "doh-wire", "--doh-url", "http://127.0.0.1:9/dns-query"
    )
    assert result.returncode == 3
    assert "127.0.0.1:9" in result.stdout and "Traceback" not in result.stderr


def test_doh_url_needs_a_doh_resolver(run_cli) -> None:
    result = run_cli("domain", "acme.example", "--doh-url", "http://127.0.0.1:9/dns-query")
    assert result.returncode == 2 and "--resolver doh-json" in result.stderr


def test_ip_command(run_cli, cli_doh_server: DohServer) -> None:
    result = run_cli("ip", "192.0.2.10", *doh(cli_doh_server))
    assert result.returncode == 0
    assert "[ip.fcrdns_ok]" in result.stdout and "Spamhaus ZEN" in result.stdout
    private = run_cli("ip", "10.0.0.1", "--json", *doh(cli_doh_server))
    assert private.returncode == 0 and json.loads(private.stdout)["checks"][0]["reason"] == "ip.not_public"
    bad = run_cli("ip", "not-an-ip", *doh(cli_doh_server))
    assert bad.returncode == 2 and "not an IP address" in bad.stderr


def test_missing_and_empty_input_files_exit_2(run_cli, tmp_path: Path) -> None:
    missing = run_cli(
        "headers", str(tmp_path / "nope.eml"), "--resolver", "doh-wire", "--doh-url", "http://127.0.0.1:9/"
    )
    assert missing.returncode == 2 and "Cannot read" in missing.stderr
    assert run_cli("bounce", "-", stdin="   \n").returncode == 2


def test_headers_command_runs(run_cli, cli_doh_server: DohServer) -> None:
    message = (CORPORA / "dkim" / "dkimpy-data" / "rfc6376.msg").read_text()
    result = run_cli("headers", "-", *doh(cli_doh_server), stdin=message)
    assert result.returncode in (0, 1, 3), result.stderr
    assert "Traceback" not in result.stderr and "== Checks" in result.stdout


def test_bounce_command_ranks_catalog_pages(run_cli) -> None:
    bounce = CORPORA / "bounces-sisimai" / "maildir-bsd" / "lhost-gmail-01.eml"
    result = run_cli("bounce", str(bounce))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Bounce: ")
    as_json = run_cli("bounce", str(bounce), "--json")
    assert as_json.returncode == 0 and "recipients" in json.loads(as_json.stdout)


def test_bounce_with_unreadable_catalog_exits_2(run_cli, tmp_path: Path) -> None:
    bounce = CORPORA / "bounces-sisimai" / "maildir-bsd" / "lhost-gmail-01.eml"
    result = run_cli("bounce", str(bounce), "--catalog", str(tmp_path / "missing.json"))
    assert result.returncode == 2 and "--catalog" in result.stderr
