"""Zone fixture files: one format shared by the in-memory ``ZoneResolver`` and the local DoH test server.

A fixture is YAML or JSON::

    ttl: 300                       # optional, default 300
    records:
      example.com:
        MX: ["10 mx1.example.com"]
        TXT:
          - "v=spf1 include:_spf.example.net -all"
          - ["first string ", "second string"]   # a list is one record of several character-strings
      www.example.com:
        CNAME: ["example.com"]
    existing: ["empty.example.com"]    # names that exist with no records (NODATA, not NXDOMAIN)
    failures:                          # forced outcomes: servfail, timeout, http500, malformed, huge
      broken.example.com: {TXT: servfail}

Names are written without a trailing dot; ``*`` as a failure name matches every name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checker.shared.dns.model import DnsStatus
from checker.shared.dns.names import fold_name
from checker.shared.dns.zone import ZoneResolver

FAILURE_MODES = (
    "servfail",
    "timeout",
    "http500",
    "malformed",
    "huge",
    # issue 9: answers that must not be believed, and the other ways a DoH server goes wrong
    "http503",
    "http429",
    "garbage",
    "huge_txt",
    "slow",
    "wrong_owner",
    "wrong_question",
    "truncated",
    "cname_loop",
)
# How a forced failure shows to the in-memory resolver, which has no HTTP layer.
_FAILURE_STATUS = {
    "servfail": DnsStatus.SERVFAIL,
    "timeout": DnsStatus.TIMEOUT,
    "http500": DnsStatus.ERROR,
    "malformed": DnsStatus.ERROR,
    "huge": DnsStatus.ERROR,
    "http503": DnsStatus.ERROR,
    "http429": DnsStatus.ERROR,
    "garbage": DnsStatus.ERROR,
    "huge_txt": DnsStatus.ERROR,
    "slow": DnsStatus.TIMEOUT,
    "wrong_owner": DnsStatus.ERROR,
    "wrong_question": DnsStatus.ERROR,
    "truncated": DnsStatus.ERROR,
    "cname_loop": DnsStatus.ERROR,
}

TxtStrings = tuple[str, ...]


@dataclass(frozen=True)
class ZoneData:
    """A parsed fixture. TXT records are kept as their character-strings so the server can send them."""

    records: Mapping[tuple[str, str], tuple[str | TxtStrings, ...]] = field(default_factory=dict)
    existing: frozenset[str] = frozenset()
    failures: Mapping[tuple[str, str], str] = field(default_factory=dict)
    ttl: int = 300

    def names(self) -> frozenset[str]:
        """Every name that exists (has records or is listed in ``existing``)."""
        return frozenset(name for name, _ in self.records) | self.existing

    def joined(self) -> dict[tuple[str, str], list[str]]:
        """Records in ``DnsAnswer`` presentation form (TXT character-strings joined)."""
        return {
            key: [value if isinstance(value, str) else "".join(value) for value in values]
            for key, values in self.records.items()
        }

    def resolver(self) -> ZoneResolver:
        """An in-memory ``ZoneResolver`` answering like the DoH server would."""
        failures = {key: _FAILURE_STATUS[mode] for key, mode in self.failures.items() if key[0] != "*"}
        return ZoneResolver(records=self.joined(), existing=self.existing, failures=failures)


def _norm(name: str) -> str:
    return fold_name(str(name))


def parse_zone(document: Mapping[str, Any], *, where: str = "zone fixture") -> ZoneData:
    """Validate and parse a fixture mapping; raises ``ValueError`` naming the bad entry (test tooling)."""
    if not isinstance(document, Mapping):
        raise ValueError(f"{where}: the top level must be a mapping with 'records'")
    records: dict[tuple[str, str], tuple[str | TxtStrings, ...]] = {}
    for name, by_type in (document.get("records") or {}).items():
        if not isinstance(by_type, Mapping):
            raise ValueError(f"{where}: records.{name} must map record types to lists")
        for rtype, values in by_type.items():
            if not isinstance(values, list):
                raise ValueError(f"{where}: records.{name}.{rtype} must be a list")
            parsed: list[str | TxtStrings] = []
            for value in values:
                if isinstance(value, list) and rtype.upper() == "TXT":
                    parsed.append(tuple(str(part) for part in value))
                elif isinstance(value, (str, int)):
                    parsed.append(str(value))
                else:
                    raise ValueError(
                        f"{where}: records.{name}.{rtype} has a value that is not text: {value!r}"
                    )
            records[(_norm(name), str(rtype).upper())] = tuple(parsed)
    failures: dict[tuple[str, str], str] = {}
    for name, by_type in (document.get("failures") or {}).items():
        for rtype, mode in by_type.items():
            if mode not in FAILURE_MODES:
                raise ValueError(f"{where}: failures.{name}.{rtype}: {mode!r} is not one of {FAILURE_MODES}")
            failures[(_norm(name) if name != "*" else "*", str(rtype).upper())] = mode
    existing = frozenset(_norm(name) for name in document.get("existing") or ())
    return ZoneData(records, existing, failures, int(document.get("ttl", 300)))


def load_zone(path: str | Path) -> ZoneData:
    """Read a ``.yml``/``.yaml`` (needs PyYAML, a test dependency) or ``.json`` fixture file."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if path.suffix in (".yml", ".yaml"):
        import yaml

        document = yaml.safe_load(text)
    else:
        document = json.loads(text)
    return parse_zone(document, where=str(path))
