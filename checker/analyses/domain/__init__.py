"""The domain audit: ``audit`` starts every section at once; ``mx`` and ``records`` (MTA-STS, TLS-RPT,
BIMI) are the sections that belong to no mechanism.
"""
