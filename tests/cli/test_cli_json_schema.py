"""``--json`` output against its JSON Schema (checker/schemas/cli-json.schema.json), for every command.

The documents are real: each command runs as a subprocess against the local DoH server, on healthy
and broken zones, with an input error, and for a bounce read from standard input.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from dohserver import DohServer

from checker.shared.dns.zonefile import load_zone

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = REPO_ROOT / "checker" / "schemas" / "cli-json.schema.json"
CORPORA = REPO_ROOT / "tests" / "corpora"
BOUNCE = CORPORA / "bounces-sisimai" / "maildir-bsd" / "lhost-gmail-01.eml"
NEWSLETTER = REPO_ROOT / "tests" / "browser" / "fixtures" / "newsletter-dmarc-fail.eml"


def load_script(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    document = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(document)
    return document


def validator(schema: dict[str, Any], definition: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator({"$ref": f"#/$defs/{definition}", "$defs": schema["$defs"]})


@pytest.fixture(scope="module")
def mail_server() -> Iterator[DohServer]:
    with DohServer(load_zone(REPO_ROOT / "tests" / "fixtures" / "zones" / "acme-mail.yml")) as server:
        yield server


@pytest.fixture(scope="module")
def analyzer_server() -> Iterator[DohServer]:
    with DohServer(load_zone(REPO_ROOT / "tests" / "browser" / "fixtures" / "analyzer-zone.yml")) as server:
        yield server


def run_json(*args: str, stdin: str | None = None) -> tuple[int, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "checker", *args, "--json"],
        cwd=REPO_ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONIOENCODING": "utf-8", "PATH": "/usr/bin:/bin"},
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


def doh(server: DohServer) -> list[str]:
    return ["--resolver", "doh-wire", "--doh-url", server.url]


def test_schema_file_is_generated_from_the_dataclasses() -> None:
    generator = load_script("cli_json_schema")
    assert SCHEMA_FILE.read_text(encoding="utf-8") == generator.render(), (
        "checker/schemas/cli-json.schema.json is out of date: run scripts/cli_json_schema.py"
    )


def test_every_command_output_matches_the_schema(
    schema: dict[str, Any], mail_server: DohServer, analyzer_server: DohServer, tmp_path: Path
) -> None:
    broken = tmp_path / "catalog.json"
    broken.write_text('{"entries": []}')
    runs = {
        "domain healthy": (
            "command_domain",
            ["domain", "acme.example", "--selector", "selector1"],
            mail_server,
        ),
        "domain failing": ("command_domain", ["domain", "sloppy.example"], mail_server),
        "ip": ("command_ip", ["ip", "192.0.2.10"], mail_server),
        "ip private": ("command_ip", ["ip", "10.0.0.1"], mail_server),
        "ip unreachable": (
            "command_ip",
            ["ip", "192.0.2.10", "--doh-url", "http://127.0.0.1:9/dns-query"],
            None,
        ),
        "headers": ("command_headers", ["headers", str(NEWSLETTER)], analyzer_server),
        "headers dkim": (
            "command_headers",
            ["headers", str(CORPORA / "dkim" / "dkimpy-data" / "rfc6376.msg")],
            mail_server,
        ),
        "bounce": ("command_bounce", ["bounce", str(BOUNCE)], None),
        "bounce empty catalog": ("command_bounce", ["bounce", str(BOUNCE), "--catalog", str(broken)], None),
        "input error": ("InputErrorOutput", ["domain", "exa..mple.com"], mail_server),
    }
    seen_reasons = set()
    whole = jsonschema.Draft202012Validator(schema)
    for label, (definition, args, server) in runs.items():
        if server is not None:
            args = [*args, *doh(server)]
        elif args[0] == "ip":
            args = [*args, "--resolver", "doh-wire"]
        code, document = run_json(*args)
        errors = [
            f"{list(e.absolute_path)}: {e.message[:200]}"
            for e in validator(schema, definition).iter_errors(document)
        ]
        assert not errors, f"{label}: {errors[:5]}"
        assert whole.is_valid(document), label
        seen_reasons |= {check["reason"] for check in _checks(document)}
        assert code in ((2,) if definition == "InputErrorOutput" else (0, 1, 3)), (label, code)
    # bounce read from standard input, too
    code, document = run_json("bounce", "-", stdin=BOUNCE.read_text(encoding="utf-8", errors="replace"))
    assert code == 0 and validator(schema, "command_bounce").is_valid(document)
    listed = set(load_script("reason_codes").listed_codes((REPO_ROOT / "checker" / "README.md").read_text()))
    assert seen_reasons and not seen_reasons - listed, f"not in checker/README.md: {seen_reasons - listed}"


def _checks(document: Any) -> Iterator[dict[str, Any]]:
    """Every object shaped like a Check anywhere in the document."""
    if isinstance(document, dict):
        if {"verdict", "reason", "explanation"} <= set(document):
            yield document
        for value in document.values():
            yield from _checks(value)
    elif isinstance(document, list):
        for value in document:
            yield from _checks(value)


def test_schema_rejects_what_the_output_never_holds(schema: dict[str, Any], mail_server: DohServer) -> None:
    _, document = run_json("ip", "192.0.2.10", *doh(mail_server))
    check = validator(schema, "command_ip")
    assert check.is_valid(document)
    document["checks"][0]["verdict"] = "maybe"
    assert not check.is_valid(document)
    document["checks"][0]["verdict"] = "pass"
    document["checks"][0]["reason"] = "Not A Code"
    assert not check.is_valid(document)
    del document["checks"][0]["reason"]
    assert not check.is_valid(document)
