"""Organizational domains: normalisation, PSL wrapper, and the RFC 9989 tree-walk rules."""

from checker.shared.orgdomain import PublicSuffixes, normalize_domain, org_domain_from_walk, tree_walk_names
from checker.shared.result import InputError

PSL = PublicSuffixes()


def test_normalize_domain():
    assert normalize_domain("WWW.Example.COM.") == "www.example.com"
    assert normalize_domain("  bücher.example ") == "xn--bcher-kva.example"
    assert normalize_domain("xn--bcher-kva.example") == "xn--bcher-kva.example"
    for bad in (
        "",
        ".",
        "a..b.com",
        ".example.com",
        "user@example.com",
        "exa mple.com",
        "a" * 64 + ".com",
        ("a" * 60 + ".") * 5 + "com",
    ):
        error = normalize_domain(bad)
        assert isinstance(error, InputError) and error.fix, bad


def test_organizational_domain():
    assert PSL.organizational_domain("mail.example.co.uk") == "example.co.uk"
    assert PSL.organizational_domain("Mail.Example.COM.") == "example.com"
    assert PSL.organizational_domain("gov") == "gov"  # a public suffix is its own organization
    assert PSL.organizational_domain("www.bücher.example") == "xn--bcher-kva.example"
    assert PSL.public_suffix("a.b.example.co.uk") == "co.uk"
    assert PSL.is_public_suffix("co.uk") and not PSL.is_public_suffix("example.co.uk")
    assert PSL.registrable_domain("a..b") is None


def test_private_section_can_be_excluded():
    icann_only = PublicSuffixes(only_icann=True)
    assert PSL.organizational_domain("foo.blogspot.com") == "foo.blogspot.com"
    assert icann_only.organizational_domain("foo.blogspot.com") == "blogspot.com"


def test_tree_walk_names_short_and_long():
    assert tree_walk_names("a.example.com") == ["a.example.com", "example.com", "com"]
    long_names = tree_walk_names("a.b.c.d.e.f.g.h.i.j.k.example.com")
    assert long_names == [
        "a.b.c.d.e.f.g.h.i.j.k.example.com",
        "g.h.i.j.k.example.com",
        "h.i.j.k.example.com",
        "i.j.k.example.com",
        "j.k.example.com",
        "k.example.com",
        "example.com",
        "com",
    ]
    # exactly eight labels: the first query, then the last seven (nothing is skipped but the first label)
    assert len(tree_walk_names("a.b.c.d.e.f.example.com")) == 8


def test_org_domain_from_walk_rules():
    assert org_domain_from_walk(
        "a.b.example.com", {"b.example.com": "n", "example.com": None}
    ).org_domain == ("b.example.com")
    psd = org_domain_from_walk("mail.agency.gov", {"gov": "y"})
    assert (psd.org_domain, psd.rule) == ("agency.gov", "psd_y")
    highest = org_domain_from_walk("x.sign.example.com", {"sign.example.com": None, "example.com": "u"})
    assert (highest.org_domain, highest.rule) == ("example.com", "highest_record")
    nothing = org_domain_from_walk("lonely.example", {})
    assert (nothing.org_domain, nothing.rule) == ("lonely.example", "no_record")
    itself = org_domain_from_walk("gov", {"gov": "y"})
    assert itself.org_domain == "gov"
