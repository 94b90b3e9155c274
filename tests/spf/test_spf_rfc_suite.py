"""The openspf RFC 7208 / RFC 4408 YAML suites and pyspf's test.yml, run in full against check_host().

Each scenario's ``zonedata`` becomes an in-memory ZoneResolver, following the suite's driver rules
(see tests/corpora/spf-rfc7208/README.md): SPF-type records are served as TXT unless the name
has its own TXT entries, ``TXT: NONE`` means "the name exists, no TXT", and ``TIMEOUT`` makes
every query type that has no record listed before it time out. Type 99 is never queried.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from checker.mechanisms.spf import SpfResultCode, check_sender
from checker.shared.dns.model import DnsStatus
from checker.shared.dns.zone import ZoneResolver

CORPUS = Path(__file__).resolve().parents[1] / "corpora" / "spf-rfc7208"
_TYPES = ("A", "AAAA", "MX", "PTR", "TXT", "CNAME")
NOW = 1_700_000_000

# Cases whose expectation this implementation deliberately does not meet, with the reason.
# A case listed here is still run; it is marked xfail(strict=True), so an unexpected pass is reported.
KNOWN_DIFFERENCES: dict[tuple[str, str], str] = {
    # pyspf extensions outside RFC 7208, from pyspf's own ad-hoc suite.
    ("test.yml", "default-modifier"): "pyspf's lax mode (strict: 0) honours the obsolete default= modifier; "
    "RFC 7208 section 6 ignores unknown modifiers "
    "(rfc7208-tests.yml default-modifier-obsolete expects neutral)",
    ("test.yml", "default-modifier-harsh"): "expects 'ambiguous', a pyspf-only result of its strict=2 mode, "
    "not one of the seven RFC 7208 results",
}

# Explanation texts compared without regard to case, with the reason.
CASE_INSENSITIVE_EXPLANATION = {
    ("rfc7208-tests.yml", "v-macro-ip6"): "the suite expects upper-case nibbles from %{ir}; RFC 7208 "
    "section 7.4's own example expands IPv6 nibbles in lower case, and DNS names ignore case",
    ("rfc4408-tests.yml", "v-macro-ip6"): "same as rfc7208-tests.yml v-macro-ip6",
}


def zone_from(zonedata: dict[str, list[Any]]) -> ZoneResolver:
    """Build a ZoneResolver from one scenario's zonedata, with the suite driver's conventions."""
    records: dict[tuple[str, str], list[str]] = {}
    failures: dict[tuple[str, str], DnsStatus] = {}
    existing: list[str] = []
    for raw_name, entries in (zonedata or {}).items():
        name = raw_name.lower()
        existing.append(name)
        ordered: list[tuple[str, str] | str] = []
        has_txt = any(isinstance(e, dict) and "TXT" in e for e in entries or ())
        generated: list[tuple[str, str]] = []
        for entry in entries or ():
            if entry == "TIMEOUT":
                ordered.append("TIMEOUT")
                continue
            for rtype, value in entry.items():
                for text in _values(rtype, value):
                    if rtype == "SPF":
                        if not has_txt:
                            generated.append(("TXT", text))
                        continue
                    if rtype == "TXT" and text == "NONE":
                        continue
                    ordered.append((rtype, text))
        ordered.extend(generated)  # the suite's driver appends generated TXT after everything else
        seen: set[str] = set()
        for item in ordered:
            if item == "TIMEOUT":
                for rtype in _TYPES:
                    if rtype not in seen:
                        failures[(name, rtype)] = DnsStatus.TIMEOUT
                break
            rtype, text = item
            seen.add(rtype)
            records.setdefault((name, rtype), []).append(text)
    return ZoneResolver(records=records, existing=existing, failures=failures)


def _values(rtype: str, value: Any) -> list[str]:
    if rtype in ("TXT", "SPF"):
        strings = [value] if isinstance(value, str) else list(value)
        return ["".join(strings)]
    if rtype == "MX":
        preference, host = value
        return [f"{preference} {str(host).rstrip('.')}"]
    if rtype in ("A", "AAAA"):
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return [str(value).rstrip(".")]


def load_cases(filename: str) -> list[Any]:
    """One pytest param per test case, id ``<scenario number>-<test name>``."""
    with open(CORPUS / filename, encoding="utf-8") as handle:
        scenarios = [s for s in yaml.safe_load_all(handle) if s]
    params = []
    for number, scenario in enumerate(scenarios, 1):
        for test_name, case in scenario["tests"].items():
            marks = []
            reason = KNOWN_DIFFERENCES.get((filename, test_name))
            if reason:
                marks.append(pytest.mark.xfail(reason=reason, strict=True))
            params.append(
                pytest.param(
                    filename, test_name, case, scenario["zonedata"], id=f"{number}-{test_name}", marks=marks
                )
            )
    return params


async def run_case(filename: str, test_name: str, case: dict[str, Any], zonedata: dict[str, Any]) -> None:
    resolver = zone_from(zonedata)
    result = await check_sender(
        str(case["host"]),
        case.get("mailfrom") or "",
        case.get("helo") or "",
        resolver=resolver,
        receiver=case.get("receiver") or "unknown",
        now=NOW,
    )
    expected = case["result"]
    acceptable = expected if isinstance(expected, list) else [expected]
    assert result.result in [SpfResultCode(r) for r in acceptable], (
        f"{test_name}: got {result.result} ({result.reason}: {result.explanation}); want {expected}"
    )
    if "explanation" in case and result.result is SpfResultCode.FAIL:
        want = case["explanation"]
        if want == "DEFAULT":  # the driver's marker for "no exp= text applies"
            assert result.explanation_text is None
        elif (filename, test_name) in CASE_INSENSITIVE_EXPLANATION:
            assert (result.explanation_text or "").lower() == want.lower()
        else:
            assert result.explanation_text == want


@pytest.mark.parametrize(("filename", "test_name", "case", "zonedata"), load_cases("rfc7208-tests.yml"))
async def test_spf_rfc7208_suite(filename: str, test_name: str, case: dict, zonedata: dict) -> None:
    await run_case(filename, test_name, case, zonedata)


@pytest.mark.parametrize(("filename", "test_name", "case", "zonedata"), load_cases("rfc4408-tests.yml"))
async def test_spf_rfc4408_suite(filename: str, test_name: str, case: dict, zonedata: dict) -> None:
    await run_case(filename, test_name, case, zonedata)


@pytest.mark.parametrize(("filename", "test_name", "case", "zonedata"), load_cases("test.yml"))
async def test_spf_pyspf_suite(filename: str, test_name: str, case: dict, zonedata: dict) -> None:
    """pyspf's own cases; their ``header:`` (pyspf's Received-SPF text) is not compared."""
    await run_case(filename, test_name, case, zonedata)


def test_spf_suite_sizes() -> None:
    """Every case is collected: no silent drops."""
    assert len(load_cases("rfc7208-tests.yml")) == 203
    assert len(load_cases("rfc4408-tests.yml")) == 191
    assert len(load_cases("test.yml")) == 16
