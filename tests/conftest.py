"""Test-wide set-up: make ``tests/`` importable (shared helpers such as ``dohserver``)."""

import shutil
import sys
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (dohserver.self_signed_certificate): (certfile, keyfile)."""
    from dohserver import self_signed_certificate

    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is missing")
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))
