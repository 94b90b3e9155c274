"""DNS as the analysis core sees it: one injected async resolver, results as data."""

from checker.shared.dns.model import DnsAnswer, DnsStatus, Resolver

__all__ = ["DnsAnswer", "DnsStatus", "Resolver"]
