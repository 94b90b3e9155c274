"""Test-wide set-up: make ``tests/`` importable (shared helpers such as ``dohserver``)."""

import sys
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parent
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))
