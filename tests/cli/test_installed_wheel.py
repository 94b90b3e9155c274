"""The wheel as people install it: built from the sources, installed into a fresh venv outside the
checkout on every Python the package claims (3.11, 3.12, 3.13), each command run from there."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from dohserver import DohServer

REPO = Path(__file__).resolve().parents[2]
CORPORA = REPO / "tests" / "corpora"
CLAIMED = ("3.11", "3.12", "3.13")
GMAIL_DMARC = (
    "host gmail-smtp-in.l.google.com[192.0.2.26] said: 550-5.7.26 Unauthenticated email from "
    "shop.example.net is not accepted due to domain's DMARC policy. - gsmtp (in reply to end of DATA command)"
)
pytestmark = pytest.mark.slow


def _python(version: str) -> str | None:
    """An interpreter for ``version``: pyenv's, else pythonX.Y on PATH, else this one if it matches."""
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for candidate in sorted(pyenv_root.glob(f"{version}.*"), reverse=True):
        if (candidate / "bin" / "python3").is_file():
            return str(candidate / "bin" / "python3")
    if found := shutil.which(f"python{version}"):
        return found
    return sys.executable if f"{sys.version_info.major}.{sys.version_info.minor}" == version else None


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of just the files an sdist holds (no checker/data left-overs)."""
    source = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copy2(REPO / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "catalog.json")
    shutil.copytree(REPO / "checker", source / "checker", ignore=ignore)
    shutil.copytree(REPO / "errors", source / "errors")
    shutil.copytree(REPO / "scripts" / "sitegen", source / "scripts" / "sitegen", ignore=ignore)
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr
    (found,) = out.glob("smtp_checker-*.whl")
    return found


def test_wheel_carries_the_catalog(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        catalog = json.loads(archive.read("checker/data/catalog.json"))
        assert not [name for name in archive.namelist() if name.startswith(("scripts/", "errors/"))]
        assert "checker/schemas/cli-json.schema.json" in archive.namelist()  # the --json schema
        metadata = archive.read(next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA")))
    # HTTP/2 for DoH is an extra: declared, and never a plain requirement
    assert b"\nProvides-Extra: http2\n" in metadata
    assert [line for line in metadata.splitlines() if line.startswith(b"Requires-Dist: httpx")] == [
        b'Requires-Dist: httpx[http2]>=0.27; extra == "http2"'
    ]
    entries = {entry["id"] for entry in catalog["entries"]}
    assert "550-5-7-26-gmail-dmarc-reject" in entries
    assert len(entries) == len(list((REPO / "errors").glob("[!_]*.yml")))


@pytest.fixture(scope="module")
def doh_server() -> Iterator[DohServer]:
    from checker.shared.dns.zonefile import load_zone

    with DohServer(load_zone(REPO / "tests" / "fixtures" / "zones" / "acme-mail.yml")) as server:
        yield server


@pytest.mark.parametrize("version", CLAIMED)
def test_installed_commands_work_outside_the_checkout(
    version: str, wheel: Path, doh_server: DohServer, tmp_path: Path
) -> None:
    python = _python(version)
    if python is None:
        pytest.skip(f"no Python {version} on this machine (pyenv or python{version} on PATH)")
    venv = tmp_path / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert pip.returncode == 0, pip.stderr
    work = tmp_path / "elsewhere"  # not the checkout: no site/, no errors/, no scripts/
    work.mkdir()
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "PYTHONIOENCODING": "utf-8"}

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["smtp-checker", *args],
            cwd=work,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )

    version_out = run("--version")
    assert version_out.returncode == 0 and "from the catalog shipped with this package" in version_out.stdout
    assert "DoH transport: HTTP/1.1 keep-alive (pip install 'smtp-checker[http2]'" in version_out.stdout
    bounce = run("bounce", "-", stdin=GMAIL_DMARC)
    assert bounce.returncode == 0, bounce.stderr
    assert "550-5-7-26-gmail-dmarc-reject" in bounce.stdout and "no pages are ranked" not in bounce.stdout
    as_json = json.loads(run("bounce", "-", "--json", stdin=GMAIL_DMARC).stdout)
    assert as_json["recipients"][0]["matches"][0]["entry_id"] == "550-5-7-26-gmail-dmarc-reject"
    assert as_json["catalog"]["source"] == "packaged" and as_json["catalog"]["entries"] > 0
    doh = ["--resolver", "doh-wire", "--doh-url", doh_server.url]
    domain = run("domain", "acme.example", *doh)
    assert domain.returncode == 0 and "Domain audit: acme.example" in domain.stdout, (
        domain.stdout + domain.stderr
    )
    ip = run("ip", "192.0.2.10", *doh)
    assert ip.returncode == 0 and "[ip.fcrdns_ok]" in ip.stdout, ip.stdout + ip.stderr
    message = (CORPORA / "dkim" / "dkimpy-data" / "rfc6376.msg").read_text()
    headers = run("headers", "-", *doh, stdin=message)
    assert headers.returncode in (0, 1, 3) and "== Checks" in headers.stdout, headers.stderr
    assert "Traceback" not in headers.stderr + domain.stderr + ip.stderr + bounce.stderr
