"""The hardening tests reuse the site tests' helpers (``site_helpers``) and the DoH test server."""

import sys
from pathlib import Path

SITE_TESTS = Path(__file__).resolve().parents[1] / "site"
if str(SITE_TESTS) not in sys.path:
    sys.path.insert(0, str(SITE_TESTS))
