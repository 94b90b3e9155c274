"""parse_dmarc_record: every tag validated, problems reported with codes and positions."""

from checker.mechanisms.dmarc import is_dmarc_record, parse_dmarc_record

# The value each optional tag takes when a record leaves it out.
DEFAULTS = {"pct": 100, "adkim": "r", "aspf": "r", "ri": 86400, "psd": "u", "t": "n", "fo": "0"}


def _codes(record):
    return [p.code for p in record.problems]


def _values(record, tags):
    return {tag: getattr(record, tag) for tag in tags}


def test_full_record_values():
    record = parse_dmarc_record(
        "v=DMARC1; p=quarantine; sp=reject; np=reject; pct=50; adkim=s; aspf=s; "
        "rua=mailto:agg@example.com; ruf=mailto:forensic@example.com; fo=1:d; ri=3600; rf=afrf; psd=n; t=y"
    )
    assert (record.p, record.sp, record.np, record.pct) == ("quarantine", "reject", "reject", 50)
    assert (record.adkim, record.aspf, record.fo, record.ri, record.psd, record.t) == (
        "s",
        "s",
        "1:d",
        3600,
        "n",
        "y",
    )
    assert [u.address for u in record.rua] == ["agg@example.com"]
    assert [u.domain for u in record.ruf] == ["example.com"]
    assert record.problems == ()


def test_defaults():
    record = parse_dmarc_record("v=DMARC1; p=none")
    assert _values(record, DEFAULTS) == DEFAULTS
    assert record.sp is None and record.subdomain_policy == "none" and record.nonexistent_policy == "none"


def test_bare_word_is_a_syntax_error_with_position():
    record = parse_dmarc_record("v=DMARC1; p=none; reject")
    problem = next(p for p in record.problems if p.code == "dmarc.syntax_error")
    assert problem.position == 18 and problem.severity == "error"
    assert "character 19" in problem.message
    assert record.has_errors


def test_version_must_come_first_and_be_exact():
    assert "dmarc.bad_version" in _codes(parse_dmarc_record("p=reject; v=DMARC1"))
    assert not is_dmarc_record("v=dmarc1; p=reject")
    assert not is_dmarc_record("v=DMARC1x; p=reject")
    assert is_dmarc_record("v = DMARC1 ; p=reject")
    assert is_dmarc_record("v=DMARC1")


def test_duplicate_and_unknown_tags():
    record = parse_dmarc_record("v=DMARC1; p=reject; p=none; foo=bar")
    assert record.p == "reject"
    assert "dmarc.duplicate_tag" in _codes(record)
    assert record.unknown_tags == ("foo",)
    unknown = next(p for p in record.problems if p.code == "dmarc.unknown_tag")
    assert unknown.severity == "warning"


def test_missing_p_with_rua_acts_as_none():
    record = parse_dmarc_record("v=DMARC1; rua=mailto:d@example.com")
    assert record.p is None and record.policy == "none"
    assert next(p for p in record.problems if p.code == "dmarc.p_missing").severity == "warning"


def test_missing_p_without_rua_means_no_dmarc():
    record = parse_dmarc_record("v=DMARC1; adkim=s")
    assert record.policy is None
    assert next(p for p in record.problems if p.code == "dmarc.p_missing").severity == "error"


def test_values_out_of_range_fall_back_to_defaults():
    record = parse_dmarc_record("v=DMARC1; p=reject; pct=150; adkim=x; aspf=relaxed; ri=-1; psd=maybe; t=1")
    out_of_range = ("pct", "adkim", "aspf", "ri", "psd", "t")
    assert _values(record, out_of_range) == {tag: DEFAULTS[tag] for tag in out_of_range}
    assert _codes(record).count("dmarc.invalid_value") == 6


def test_invalid_policy_values():
    record = parse_dmarc_record("v=DMARC1; p=rejct; sp=block")
    assert record.p is None and record.sp is None
    severities = {p.tag: p.severity for p in record.problems if p.code == "dmarc.invalid_value"}
    assert severities == {"p": "error", "sp": "warning"}


def test_policy_values_are_case_insensitive_and_space_tolerant():
    record = parse_dmarc_record("v=DMARC1; p = Reject ; adkim = S")
    assert record.p == "reject" and record.adkim == "s"


def test_report_uris():
    record = parse_dmarc_record(
        "v=DMARC1; p=none; rua=mailto:a@example.com!10m, https://x.example/r, mailto:b@Other.Example"
    )
    assert [u.uri for u in record.rua] == ["mailto:a@example.com!10m", "mailto:b@Other.Example"]
    assert record.rua[0].size_limit == "10m" and record.rua[1].domain == "other.example"
    assert "dmarc.obsolete_size_limit" in _codes(record)
    assert "dmarc.invalid_uri" in _codes(record)


def test_p_not_second_is_a_warning():
    record = parse_dmarc_record("v=DMARC1; rua=mailto:a@example.com; p=reject")
    assert next(p for p in record.problems if p.code == "dmarc.p_not_second").severity == "warning"
    assert record.p == "reject"


def test_rf_and_fo_validation():
    record = parse_dmarc_record("v=DMARC1; p=none; rf=iodef; fo=2")
    assert _codes(record).count("dmarc.invalid_value") == 2


def test_empty_and_weird_input_never_raises():
    for text in ("", ";;;", "v=DMARC1;;; p=none;", "=", "v=DMARC1; =x", "v=DMARC1; p"):
        record = parse_dmarc_record(text)
        assert record.raw == text
