"""evaluate_dmarc / verify_dmarc: alignment table, policy selection, sampling, fixes, multi-author."""

from checker.mechanisms.dmarc import RFC7489, RFC9989, evaluate_dmarc, parse_dmarc_record, verify_dmarc
from checker.mechanisms.dmarc.author import author_domains, combine_evaluations
from checker.shared.dns.zone import ZoneResolver
from checker.shared.orgdomain import PublicSuffixes

PSL = PublicSuffixes()
ORG = PSL.organizational_domain


def _eval(record_text, *, spf=("pass", None), dkim=(), from_domain="example.com", **kw):
    record = parse_dmarc_record(record_text) if record_text else None
    return evaluate_dmarc(from_domain, spf[0], spf[1], list(dkim), record, ORG, **kw)


def test_alignment_table_relaxed_and_strict():
    evaluation = _eval(
        "v=DMARC1; p=reject; adkim=s",
        from_domain="news.example.com",
        spf=("pass", "bounce.example.com"),
        dkim=[("example.com", "pass"), ("news.example.com", "fail"), ("esp.example", "pass")],
    )
    spf_row, dkim_org, dkim_exact, dkim_other = evaluation.alignment
    assert (spf_row.relaxed, spf_row.strict, spf_row.mode, spf_row.aligned) == (True, False, "r", True)
    assert (dkim_org.relaxed, dkim_org.strict, dkim_org.aligned) == (True, False, False)
    assert "strict alignment" in dkim_org.why
    assert (dkim_exact.strict, dkim_exact.authenticated, dkim_exact.aligned) == (True, False, False)
    assert "not pass" in dkim_exact.why
    assert (dkim_other.relaxed, dkim_other.aligned) == (False, False)
    assert evaluation.result == "pass" and evaluation.aligned_by == ("spf:bounce.example.com",)


def test_strict_spf_alignment_fails_for_subdomain():
    evaluation = _eval("v=DMARC1; p=reject; aspf=s", spf=("pass", "mail.example.com"))
    assert evaluation.result == "fail"
    assert any("Return-Path" in fix and "example.com" in fix for fix in evaluation.fixes)


def test_fail_suggests_signing_with_from_domain():
    evaluation = _eval("v=DMARC1; p=quarantine", spf=("pass", "esp.example"), dkim=[("esp.example", "pass")])
    assert evaluation.result == "fail" and evaluation.disposition == "quarantine"
    assert evaluation.fixes[0].startswith("Sign with d=example.com")
    assert any("Return-Path (MAIL FROM) in example.com" in fix for fix in evaluation.fixes)


def test_unsigned_mail_fix_and_failed_aligned_signature():
    assert "Add a DKIM signature with d=example.com." in _eval("v=DMARC1; p=none", spf=("fail", None)).fixes
    broken = _eval("v=DMARC1; p=none", spf=("fail", None), dkim=[("example.com", "fail")])
    assert any("did not verify" in fix for fix in broken.fixes)


def test_policy_selection_p_sp_np():
    record = "v=DMARC1; p=reject; sp=quarantine; np=none"
    at_author = _eval(record, record_domain="example.com")
    assert (at_author.policy_tag, at_author.policy) == ("p", "reject")
    sub = _eval(record, from_domain="a.example.com", record_domain="example.com", domain_exists=True)
    assert (sub.policy_tag, sub.policy) == ("sp", "quarantine")
    ghost = _eval(record, from_domain="ghost.example.com", record_domain="example.com", domain_exists=False)
    assert (ghost.policy_tag, ghost.policy) == ("np", "none")
    unknown = _eval(record, from_domain="x.example.com", record_domain="example.com", domain_exists=None)
    assert unknown.policy_tag == "sp"
    no_sp = _eval("v=DMARC1; p=reject", from_domain="a.example.com", record_domain="example.com")
    assert (no_sp.policy_tag, no_sp.policy) == ("p", "reject")


def test_pct_sampling_under_7489_and_t_under_9989():
    sampled = _eval("v=DMARC1; p=reject; pct=25", spf=("fail", None))
    assert sampled.policy == "reject" and "25%" in sampled.sampling and "quarantine" in sampled.sampling
    trial = _eval("v=DMARC1; p=reject; t=y", spf=("fail", None), method=RFC9989)
    assert (trial.policy, trial.published_policy, trial.disposition) == ("quarantine", "reject", "quarantine")
    ignored = _eval("v=DMARC1; p=reject; pct=25", spf=("fail", None), method=RFC9989)
    assert ignored.sampling is None


def test_malformed_record_is_permerror_and_none_cases():
    assert _eval("v=DMARC1; p=none; reject").result == "permerror"
    assert _eval("v=DMARC1; p=reject; p=none").result == "permerror"
    assert _eval("v=DMARC1; adkim=s").result == "none"
    missing = _eval(None)
    assert missing.result == "none" and "_dmarc.example.com" in missing.fixes[0]


def test_ar_fragment():
    evaluation = _eval("v=DMARC1; p=reject", dkim=[("example.com", "pass")])
    assert evaluation.ar_fragment == "dmarc=pass (p=reject) header.from=example.com policy.dmarc=reject"


async def test_verify_dmarc_rfc9989_uses_tree_walk_org_domains(psd_bank_zone: ZoneResolver):
    new, old = [
        await verify_dmarc(
            "user@giant.bank.example",
            "pass",
            "mail.giant.bank.example",
            [("mail.mega.bank.example", "pass")],
            resolver=psd_bank_zone,
            psl=PSL,
            method=method,
        )
        for method in (RFC9989, RFC7489)
    ]
    assert new.result == "pass" and new.aligned_by == ("spf:mail.giant.bank.example",)
    # RFC 7489 with the PSL: ".example" is unlisted, so bank.example is the organization and both align.
    assert len(old.aligned_by) == 2


async def test_verify_dmarc_temperror_and_invalid_from():
    from checker.shared.dns.model import DnsStatus

    zone = ZoneResolver(failures={("_dmarc.example.com", "TXT"): DnsStatus.SERVFAIL})
    evaluation = await verify_dmarc("a@example.com", None, None, [], resolver=zone, psl=PSL)
    assert evaluation.result == "temperror" and "servfail" in evaluation.explanation
    bad = await verify_dmarc("not a domain", None, None, [], resolver=ZoneResolver(), psl=PSL)
    assert bad.result == "none"


def test_author_domains():
    assert author_domains(['"Test, User" <test@Example.COM>']).domains == ("example.com",)
    multi = author_domains(["Bad <spoof@example.org>, Good <test@example.com>"])
    assert multi.domains == ("example.org", "example.com") and "2 authors" in multi.note
    assert author_domains(['"Test User"']).error.reason == "dmarc.bad_from"
    assert author_domains([]).error.reason == "dmarc.no_from"
    assert "more than one From header" in author_domains(["a@x.example", "b@x.example"]).note


def test_combine_picks_the_strictest_failure():
    passing = _eval("v=DMARC1; p=none", dkim=[("example.com", "pass")])
    failing_none = _eval("v=DMARC1; p=none", spf=("fail", None), from_domain="example.org")
    failing_reject = _eval("v=DMARC1; p=reject", spf=("fail", None), from_domain="example.net")
    assert combine_evaluations([passing, failing_none, failing_reject]) is failing_reject
    assert combine_evaluations([passing]) is passing
