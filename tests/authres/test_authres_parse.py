"""Authentication-Results parsing beyond the corpus: comments, quoting, ARC, errors."""

from checker.mechanisms.authres.parse import (
    AuthenticationResults,
    parse_arc_authentication_results,
    parse_authentication_results,
)
from checker.shared.result import InputError


def test_comments_anywhere_are_kept():
    parsed = parse_authentication_results(
        "mx.example.org (Postfix) 1; spf=pass (sender (nested) ok) smtp.mailfrom=a@example.com (x);"
        " dkim=pass header.d=example.com (ok)"
    )
    assert parsed.authserv_id == "mx.example.org" and parsed.version == "1"
    assert parsed.comments == ("Postfix",)
    assert parsed.results[0].comments == ("sender (nested) ok", "x")
    assert parsed.results[1].comments == ("ok",)


def test_quoted_values_reasons_and_policy_properties():
    parsed = parse_authentication_results(
        'example.com; dmarc=fail reason="From \\"domain\\" mismatch" header.from=example.com '
        "policy.dmarc=reject policy.published-domain-policy=reject"
    )
    result = parsed.results[0]
    assert result.reason == 'From "domain" mismatch'
    assert result.get("policy", "dmarc") == "reject"
    assert result.get("header", "from") == "example.com"
    assert result.get("smtp", "mailfrom") is None


def test_method_version_none_and_header_name():
    parsed = parse_authentication_results(
        "Authentication-Results: example.com; dkim/1=pass header.i=@example.com"
    )
    assert parsed.results[0].method_version == "1"
    none = parse_authentication_results("example.com; none")
    assert none.results == ()
    assert parse_authentication_results("example.com (no checks); none").comments == ("no checks",)


def test_folded_multiline_header():
    parsed = parse_authentication_results(
        "mx.google.com;\r\n       dkim=pass header.i=@example.com header.s=s1 header.b=abc+/=;\r\n"
        "       spf=pass (google.com: domain of a@example.com designates 2001:db8::1 as permitted sender)"
        " smtp.mailfrom=a@example.com;\r\n       dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=example.com"
    )
    assert [r.method for r in parsed.results] == ["dkim", "spf", "dmarc"]
    assert parsed.results[0].get("header", "b") == "abc+/="
    assert parsed.by_method("dmarc")[0].comments == ("p=NONE sp=NONE dis=NONE",)


def test_lenient_oddities_are_problems_not_errors():
    parsed = parse_authentication_results("example.com; spf=pass smtp.mailfrom=example.com;")
    assert isinstance(parsed, AuthenticationResults)
    assert parsed.problems == ("The header ends with a stray semicolon.",)
    parsed = parse_authentication_results("example.com; x-tls=pass version=TLSv1.2")
    assert parsed.results[0].properties == () and "no ptype" in parsed.problems[0]


def test_malformed_input_names_the_problem():
    cases = {
        "": "empty",
        "example.com": "method=result",
        "example.com; spf pass": 'Expected "="',
        "example.com; spf=pass (unclosed": "never closed",
        'example.com; spf=pass smtp.mailfrom="unclosed': "never closed",
        "example.com; spf=pass smtp.mailfrom=": "Expected a value",
        "example.com; =pass": "method name",
        "example.com; iprev=pass policy.iprev=2001:db8::1": "double quotes",
        "example.com; spf=pass smtp mailfrom": 'Expected "." or "="',
    }
    for text, words in cases.items():
        error = parse_authentication_results(text)
        assert isinstance(error, InputError), text
        assert words in error.what, (text, error.what)
        assert error.reason == "authres.syntax_error" or text == ""
        assert error.fix
    assert isinstance(parse_authentication_results(None), InputError)


def test_arc_authentication_results():
    parsed = parse_arc_authentication_results(
        "i=2; lists.example.org; arc=pass (as.1.example.com=pass); dkim=pass header.d=example.com"
    )
    assert parsed.instance == 2 and parsed.authserv_id == "lists.example.org"
    assert [r.method for r in parsed.results] == ["arc", "dkim"]
    missing = parse_arc_authentication_results("lists.example.org; arc=none")
    assert isinstance(missing, InputError) and "i=" in missing.what
    broken = parse_arc_authentication_results("i=1; lists.example.org; arc")
    assert isinstance(broken, InputError)
