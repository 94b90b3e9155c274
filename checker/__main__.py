"""``python -m checker``: see ``checker.frontends.cli``."""

import sys

from checker.frontends.cli import main

sys.exit(main())
