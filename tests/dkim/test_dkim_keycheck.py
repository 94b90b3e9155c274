"""check_dkim_key and probe_selectors: key records judged without a message."""

from __future__ import annotations

from pathlib import Path

from checker.mechanisms.dkim import COMMON_SELECTORS, check_dkim_key, parse_key_record, probe_selectors
from checker.shared.dns.model import DnsStatus
from checker.shared.dns.zone import ZoneResolver
from checker.shared.result import Verdict

DATA = Path(__file__).resolve().parents[1] / "corpora" / "dkim" / "dkimpy-data"
RSA_1024 = (DATA / "test.txt").read_text().strip()
RSA_2048 = (DATA / "2048_testkey_wo_markers.pub.txt").read_text().strip()
ED25519 = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
RSA_512 = (
    "v=DKIM1; k=rsa; p=MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAIWmlgix/84GJ+dfgjm7LTc9EPdfkftlgiPpCq4/"
    "kbDAZmU0VvYKDljj"
    "leJ1dfvS+CGy9U/kk1tG3EeEvb82xAcCAwEAAQ=="
)


def zone(record: str, selector: str = "s1") -> ZoneResolver:
    return ZoneResolver(records={(f"{selector}._domainkey.example.com", "TXT"): [record]})


async def check(record: str) -> tuple[Verdict, str, int | None]:
    result = await check_dkim_key("example.com", "s1", resolver=zone(record))
    return result.verdict, result.reason, result.key.bits if result.key else None


async def test_dkim_key_sizes_and_types() -> None:
    assert await check(RSA_2048) == (Verdict.PASS, "dkim.key_ok", 2048)
    assert await check(RSA_1024) == (Verdict.WARN, "dkim.key_weak", 1024)
    assert await check(RSA_512) == (Verdict.FAIL, "dkim.key_too_small", 512)
    assert await check(ED25519) == (Verdict.PASS, "dkim.key_ok", 256)


async def test_dkim_key_flags_and_problems() -> None:
    assert (await check(RSA_2048 + "; t=y"))[:2] == (Verdict.WARN, "dkim.key_testing")
    assert (await check("v=DKIM1; h=sha1; " + RSA_2048.split("; ", 1)[1]))[:2] == (
        Verdict.FAIL,
        "dkim.key_sha1_only",
    )
    assert (await check("v=DKIM1; p="))[:2] == (Verdict.FAIL, "dkim.key_revoked")
    assert (await check("v=DKIM1; k=rsa; p=bm90IGEga2V5"))[:2] == (Verdict.FAIL, "dkim.key_invalid")
    assert (await check("v=DKIM2; p=AAAA"))[:2] == (Verdict.FAIL, "dkim.key_invalid")
    assert (await check("k=dsa; p=AAAA"))[:2] == (Verdict.FAIL, "dkim.key_invalid")


def test_dkim_parse_key_record_fields() -> None:
    key = parse_key_record(RSA_2048 + "; t=y:s; n=notes here")
    assert key.testing and key.strict_identity and key.usable
    assert key.notes == "notes here" and key.key_type == "rsa"


async def test_dkim_key_missing_and_dns_error() -> None:
    missing = await check_dkim_key("example.com", "nope", resolver=zone(RSA_2048))
    assert (missing.status, missing.verdict, missing.reason) == (
        "not_found",
        Verdict.FAIL,
        "dkim.key_not_found",
    )
    failing = ZoneResolver(failures={("s1._domainkey.example.com", "TXT"): DnsStatus.TIMEOUT})
    timeout = await check_dkim_key("example.com", "s1", resolver=failing)
    assert (timeout.status, timeout.verdict, timeout.reason) == ("dns_error", Verdict.ERROR, "dkim.temperror")
    assert "s1._domainkey.example.com" in timeout.explanation


async def test_dkim_key_bad_input_is_input_error() -> None:
    resolver = zone(RSA_2048)
    bad = await check_dkim_key("exa mple.com", "s1", resolver=resolver)
    assert (bad.status, bad.reason) == ("invalid_input", "input.invalid")
    assert resolver.queries == []


async def test_dkim_probe_selectors_concurrent_and_ordered() -> None:
    resolver = ZoneResolver(
        records={
            ("selector1._domainkey.example.com", "TXT"): [RSA_2048],
            ("google._domainkey.example.com", "TXT"): ["v=DKIM1; p="],
        }
    )
    results = await probe_selectors("example.com", COMMON_SELECTORS, resolver=resolver)
    assert [r.selector for r in results] == list(COMMON_SELECTORS)
    by_selector = {r.selector: r for r in results}
    assert by_selector["selector1"].verdict is Verdict.PASS
    assert by_selector["google"].verdict is Verdict.INFO  # revoked while probing: informative only
    assert by_selector["k1"].verdict is Verdict.INFO and "guess" in by_selector["k1"].explanation
    assert len(resolver.queries) == len(COMMON_SELECTORS)
    assert results[0].to_check().evidence["query"] == "google._domainkey.example.com"


def test_dkim_common_selectors_documented() -> None:
    assert {"google", "selector1", "selector2", "k1", "s1", "default"} <= set(COMMON_SELECTORS)
    assert "cannot" in (probe_selectors.__doc__ or "")
