"""Email-authentication and bounce analysis that runs unchanged in CPython and Pyodide.

The core does no I/O: DNS arrives through an injected async resolver (see ``checker.shared.dns``).
"""

__version__ = "0.1.0"
