"""parse_pasted_message: what people paste, from clean .eml files to web-page copies and junk."""

from __future__ import annotations

import time

from checker.pasted.message import (
    MAX_HEADER_LINES,
    MAX_INPUT_BYTES,
    decode_encoded_words,
    parse_pasted_message,
)

EML = (
    "Received: from mail.example.org (mail.example.org [192.0.2.1])\n"
    "\tby mx.example.net with ESMTPS; Tue, 3 Jun 2025 10:00:00 +0000\n"
    "From: =?utf-8?B?SsO8cmdlbg==?= <j@example.org>\n"
    "Subject: =?utf-8?Q?Gr=C3=BC=C3=9Fe?= =?utf-8?Q?_aus_Berlin?=\n"
    "To: you@example.net\n"
    "\n"
    "Hello\n"
)


def test_whole_message_lf() -> None:
    parsed = parse_pasted_message(EML)
    assert [h.name for h in parsed.headers] == ["Received", "From", "Subject", "To"]
    assert parsed.get("subject") == "Grüße aus Berlin"
    assert parsed.get("From") == "Jürgen <j@example.org>"
    assert parsed.get_all("received")[0].value.startswith(
        "from mail.example.org (mail.example.org [192.0.2.1]) by mx"
    )
    assert parsed.body == b"Hello\r\n"
    assert parsed.problems == ()


def test_raw_is_crlf_and_keeps_folding_and_encoded_words() -> None:
    parsed = parse_pasted_message(EML)
    assert parsed.raw.startswith(b"Received: from mail.example.org (mail.example.org [192.0.2.1])\r\n\tby mx")
    assert b"=?utf-8?B?SsO8cmdlbg==?=" in parsed.raw
    assert parsed.raw.endswith(b"To: you@example.net\r\n\r\nHello\r\n")
    assert parsed.headers[0].raw == (
        "Received: from mail.example.org (mail.example.org [192.0.2.1])\r\n"
        "\tby mx.example.net with ESMTPS; Tue, 3 Jun 2025 10:00:00 +0000"
    )
    assert parsed.headers[2].line == 4


def test_crlf_and_cr_give_the_same_result() -> None:
    lf = parse_pasted_message(EML)
    for converted in (EML.replace("\n", "\r\n"), EML.replace("\n", "\r"), EML.encode()):
        other = parse_pasted_message(converted)
        assert other.headers == lf.headers
        assert other.raw == lf.raw


def test_headers_only_versus_empty_body() -> None:
    headers_only = parse_pasted_message("From: a@example.org\nSubject: x\n")
    assert headers_only.body is None and headers_only.headers_only
    assert headers_only.raw == b"From: a@example.org\r\nSubject: x\r\n"
    empty_body = parse_pasted_message("From: a@example.org\nSubject: x\n\n")
    assert empty_body.body == b"" and not empty_body.headers_only


def test_show_original_banner_is_skipped() -> None:
    banner = (
        "Original Message\n"
        "Message ID\t<abc@example.org>\n"
        "Created at:\tTue, Jun 3, 2025 at 10:00 AM (Delivered after 2 seconds)\n"
        "From:\tJ <j@example.org>\n"
        "SPF:\tPASS with IP 192.0.2.1 Learn more\n"
        "\n"
        "Download Original\tCopy to clipboard\n"
        "\n"
    )
    parsed = parse_pasted_message(banner + EML)
    assert parsed.headers[0].name == "Received"
    assert parsed.skipped_lines == 8
    assert parsed.get("spf") is None


def test_leading_blank_lines_and_quoting() -> None:
    quoted = "\n".join("> " + line if line else ">" for line in EML.splitlines())
    parsed = parse_pasted_message("\n\n" + quoted)
    assert parsed.get("subject") == "Grüße aus Berlin"
    assert parsed.body == b"Hello"


def test_header_without_colon_is_reported_and_parsing_continues() -> None:
    parsed = parse_pasted_message("From: a@example.org\nthis line lost its colon\nSubject: still here\n")
    assert parsed.get("subject") == "still here"
    assert len(parsed.problems) == 1
    problem = parsed.problems[0]
    assert problem.reason == "input.header_without_colon"
    assert problem.where == "line 2" and "this line lost its colon" in problem.what


def test_eight_bit_and_binary_junk_do_not_raise() -> None:
    parsed = parse_pasted_message(b"Subject: caf\xe9 \xff\xfe\nX-Bin: \x00\x01\x02\n\n\x00\x00body")
    assert parsed.get("subject") == "café ÿþ"
    assert any(problem.reason == "input.binary" for problem in parsed.problems)
    assert parsed.body == b"\x00\x00body"


def test_pure_junk_gives_a_clear_error() -> None:
    parsed = parse_pasted_message(bytes(range(256)))
    assert parsed.headers == ()
    assert any(problem.reason == "input.no_headers" for problem in parsed.problems)
    assert parse_pasted_message("").problems[0].reason == "input.no_headers"


def test_size_limit() -> None:
    started = time.perf_counter()
    parsed = parse_pasted_message(b"A: " + b"x" * MAX_INPUT_BYTES)
    assert time.perf_counter() - started < 1
    assert parsed.problems[0].reason == "input.too_large" and "5 MB" in parsed.problems[0].what


def test_header_line_limit() -> None:
    parsed = parse_pasted_message("X-A: 1\n" * (MAX_HEADER_LINES + 1))
    assert parsed.headers == ()
    assert parsed.problems[0].reason == "input.too_large"


def test_ten_thousand_received_lines_are_quick() -> None:
    text = "".join(
        f"Received: from h{i}.example.org by mx.example.net; Tue, 3 Jun 2025 10:00:00 +0000\n"
        for i in range(10_000)
    )
    started = time.perf_counter()
    parsed = parse_pasted_message(text)
    assert time.perf_counter() - started < 3
    assert len(parsed.get_all("received")) == 10_000


def test_encoded_words() -> None:
    assert decode_encoded_words("=?iso-8859-1?q?caf=E9?=") == "café"
    assert decode_encoded_words("=?unknown-charset?B?YWJj?=") == "=?unknown-charset?B?YWJj?="
    assert decode_encoded_words("=?utf-8?B?!!!?=") == "=?utf-8?B?!!!?="
    assert decode_encoded_words("plain =?utf-8?B?w6k=?= text") == "plain é text"
