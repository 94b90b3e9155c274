"""List-Unsubscribe / List-Unsubscribe-Post checks (RFC 2369, RFC 8058)."""

from __future__ import annotations

from checker.mechanisms.listunsub import check_list_unsubscribe, signed_header_names
from checker.pasted.message import parse_pasted_message
from checker.shared.result import Verdict

GOOD = (
    "From: news@example.org\n"
    "List-Unsubscribe: <mailto:unsub@example.org?subject=unsubscribe>,\n"
    " <https://example.org/unsubscribe?u=123>\n"
    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\n"
    "DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=s1;\n"
    "\th=From:To:Subject:List-Unsubscribe:\n"
    "\t  List-Unsubscribe-Post; bh=abc=; b=def=\n"
    "\n"
)


def _reasons(text: str) -> dict[str, Verdict]:
    return {
        check.reason: check.verdict for check in check_list_unsubscribe(parse_pasted_message(text).headers)
    }


def test_compliant_one_click() -> None:
    assert _reasons(GOOD) == {
        "listunsub.present": Verdict.PASS,
        "listunsub.https_present": Verdict.PASS,
        "listunsub.mailto_present": Verdict.PASS,
        "listunsub.one_click_ok": Verdict.PASS,
        "listunsub.dkim_covered": Verdict.PASS,
    }


def test_missing_header_is_a_warning_with_explanation() -> None:
    checks = check_list_unsubscribe([("From", "a@example.org")])
    assert [(c.reason, c.verdict) for c in checks] == [("listunsub.missing", Verdict.WARN)]
    assert "bulk" in checks[0].explanation


def test_mailto_only_without_post() -> None:
    reasons = _reasons("List-Unsubscribe: <mailto:u@example.org>\n\n")
    assert reasons["listunsub.no_https"] is Verdict.FAIL
    assert reasons["listunsub.mailto_present"] is Verdict.PASS
    assert reasons["listunsub.one_click_missing"] is Verdict.FAIL
    assert reasons["listunsub.no_dkim_signature"] is Verdict.FAIL


def test_plain_http_and_wrong_post_value() -> None:
    reasons = _reasons(
        "List-Unsubscribe: <http://example.org/u>\nList-Unsubscribe-Post: List-Unsubscribe=Yes\n\n"
    )
    assert reasons["listunsub.http_not_https"] is Verdict.FAIL
    assert reasons["listunsub.no_mailto"] is Verdict.INFO
    assert reasons["listunsub.one_click_invalid"] is Verdict.FAIL


def test_post_without_https_link() -> None:
    reasons = _reasons(
        "List-Unsubscribe: <mailto:u@example.org>\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\n"
    )
    assert reasons["listunsub.one_click_without_https"] is Verdict.FAIL


def test_no_angle_brackets_is_malformed() -> None:
    assert _reasons("List-Unsubscribe: https://example.org/u\n")["listunsub.malformed"] is Verdict.FAIL


def test_signature_that_does_not_cover_post_header() -> None:
    text = GOOD.replace("List-Unsubscribe:\n\t  List-Unsubscribe-Post;", "List-Unsubscribe;")
    checks = check_list_unsubscribe(parse_pasted_message(text).headers)
    dkim = next(check for check in checks if check.reason.startswith("listunsub.dkim"))
    assert dkim.reason == "listunsub.dkim_not_covered"
    assert dkim.evidence["required"] == ["list-unsubscribe", "list-unsubscribe-post"]


def test_signed_header_names() -> None:
    assert signed_header_names("v=1; h=From : To:\r\n\tList-Unsubscribe ; b=x") == (
        "from",
        "to",
        "list-unsubscribe",
    )
    assert signed_header_names("v=1; b=x") == ()
    assert signed_header_names("garbage") == ()
