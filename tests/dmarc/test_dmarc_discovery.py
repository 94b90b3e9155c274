"""discover_dmarc: RFC 7489 (PSL) and RFC 9989 (tree walk) side by side, and their differences."""

from checker.mechanisms.dmarc import RFC9989, discover_dmarc, tree_walk_org_domains
from checker.shared.dns.model import DnsStatus
from checker.shared.dns.zone import ZoneResolver
from checker.shared.orgdomain import PublicSuffixes

PSL = PublicSuffixes()


async def test_author_record_found_by_both():
    zone = ZoneResolver(records={("_dmarc.example.com", "TXT"): ["v=DMARC1; p=reject"]})
    found = await discover_dmarc("Example.COM.", resolver=zone, psl=PSL)
    assert found.domain == "example.com"
    assert found.rfc7489.status == found.rfc9989.status == "found"
    assert found.rfc7489.record.p == "reject"
    assert found.differences == ()


async def test_intermediate_record_differs_between_methods():
    zone = ZoneResolver(
        records={
            ("_dmarc.b.example.com", "TXT"): ["v=DMARC1; p=reject; psd=n"],
            ("_dmarc.example.com", "TXT"): ["v=DMARC1; p=none"],
        }
    )
    found = await discover_dmarc("a.b.example.com", resolver=zone, psl=PSL)
    assert found.rfc7489.record_domain == "example.com"
    assert found.rfc7489.record.p == "none"
    assert found.rfc9989.record_domain == "b.example.com"
    assert found.rfc9989.org_domain == "b.example.com" and found.rfc9989.org_rule == "psd_n"
    record_note, org_note, policy_note = found.differences
    assert "_dmarc.example.com" in record_note and "_dmarc.b.example.com" in record_note
    assert "b.example.com by the DNS tree walk" in org_note
    assert "p=none under RFC 7489 but p=reject under RFC 9989" in policy_note


async def test_each_name_is_queried_once_and_all_at_once():
    zone = ZoneResolver(records={("_dmarc.example.com", "TXT"): ["v=DMARC1; p=none"]})
    await discover_dmarc("x.y.example.com", resolver=zone, psl=PSL)
    txt = [name for name, rtype in zone.queries if rtype == "TXT"]
    assert txt == ["_dmarc.x.y.example.com", "_dmarc.y.example.com", "_dmarc.example.com", "_dmarc.com"]
    assert len(zone.queries) == len(set(zone.queries))


async def test_long_names_are_capped_at_eight_queries():
    zone = ZoneResolver()
    found = await discover_dmarc("a.b.c.d.e.f.g.h.i.j.example.com", resolver=zone, psl=PSL)
    assert len(found.rfc9989.queried) == 8
    assert found.rfc9989.queried[1] == "_dmarc.f.g.h.i.j.example.com"


async def test_multiple_records_stop_discovery():
    zone = ZoneResolver(
        records={
            ("_dmarc.mail.example.com", "TXT"): ["v=DMARC1; p=reject", "v=DMARC1; p=none"],
            ("_dmarc.example.com", "TXT"): ["v=DMARC1; p=quarantine"],
        }
    )
    found = await discover_dmarc("mail.example.com", resolver=zone, psl=PSL)
    assert found.rfc7489.status == "multiple" and found.rfc7489.record is None
    assert found.rfc9989.status == "multiple"


async def test_non_dmarc_txt_records_are_ignored():
    zone = ZoneResolver(
        records={
            ("_dmarc.mail.example.com", "TXT"): ["google-site-verification=abc"],
            ("_dmarc.example.com", "TXT"): ["v=DMARC1; p=quarantine"],
        }
    )
    found = await discover_dmarc("mail.example.com", resolver=zone, psl=PSL)
    assert found.rfc7489.record_domain == "example.com"


async def test_dns_failure_is_temperror():
    zone = ZoneResolver(failures={("_dmarc.example.com", "TXT"): DnsStatus.TIMEOUT})
    found = await discover_dmarc("mail.example.com", resolver=zone, psl=PSL)
    assert found.rfc7489.status == "temperror"
    assert "timeout" in found.rfc7489.error
    assert found.rfc9989.status == "temperror"


async def test_domain_existence():
    zone = ZoneResolver(
        records={("_dmarc.example.com", "TXT"): ["v=DMARC1; p=none"]}, existing=["real.example.com"]
    )
    assert (await discover_dmarc("ghost.example.com", resolver=zone, psl=PSL)).domain_exists is False
    assert (await discover_dmarc("real.example.com", resolver=zone, psl=PSL)).domain_exists is True
    failing = ZoneResolver(failures={("x.example.com", t): DnsStatus.SERVFAIL for t in ("A", "AAAA", "MX")})
    assert (await discover_dmarc("x.example.com", resolver=failing, psl=PSL)).domain_exists is None


async def test_psl_private_suffix_vs_tree_walk():
    # blogspot.com is a PRIVATE-section public suffix: RFC 7489 stops at foo.blogspot.com, the tree walk
    # reaches a record blogspot.com publishes.
    zone = ZoneResolver(records={("_dmarc.blogspot.com", "TXT"): ["v=DMARC1; p=reject"]})
    found = await discover_dmarc("foo.blogspot.com", resolver=zone, psl=PSL)
    assert found.rfc7489.status == "none"
    assert found.rfc9989.status == "found" and found.rfc9989.record_domain == "blogspot.com"
    assert found.differences


async def test_idn_domain_is_queried_in_a_label_form():
    zone = ZoneResolver(records={("_dmarc.xn--bcher-kva.example", "TXT"): ["v=DMARC1; p=reject"]})
    found = await discover_dmarc("bücher.example", resolver=zone, psl=PSL)
    assert found.rfc7489.record.p == "reject"


async def test_invalid_domain_is_an_input_error():
    found = await discover_dmarc("user@@example..com", resolver=ZoneResolver(), psl=PSL)
    assert found.error is not None and found.error.fix
    assert found.lookup() is None


async def test_tree_walk_org_domains_psd_y(psd_bank_zone: ZoneResolver):
    walks = await tree_walk_org_domains(
        ["mail.giant.bank.example", "mail.mega.bank.example"], resolver=psd_bank_zone
    )
    assert walks["mail.giant.bank.example"].org_domain == "giant.bank.example"
    assert walks["mail.mega.bank.example"].org_domain == "mega.bank.example"
    assert walks["mail.mega.bank.example"].rule == "psd_y"


async def test_lookup_method_selector():
    zone = ZoneResolver(records={("_dmarc.example.com", "TXT"): ["v=DMARC1; p=reject"]})
    found = await discover_dmarc("example.com", resolver=zone, psl=PSL)
    assert found.lookup(RFC9989) is found.rfc9989
    assert found.lookup() is found.rfc7489
