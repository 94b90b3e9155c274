"""Hand-written bounces, one per format family, plus hostile input."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.pasted.bounce import MAX_BOUNCE_BYTES, MessageKind, parse_bounce

SAMPLES = Path(__file__).resolve().parent / "samples"


def _parse(name: str):
    return parse_bounce((SAMPLES / name).read_bytes())


@pytest.mark.parametrize(
    ("sample", "fmt", "recipient", "reply", "enhanced", "remote", "command"),
    [
        (
            "rfc3464-postfix.eml",
            "postfix",
            "nobody@gmail.com",
            550,
            "5.1.1",
            "gmail-smtp-in.l.google.com",
            "RCPT TO",
        ),
        ("exim.txt", "exim", "gone@example.com", 550, "5.1.1", "mx.example.com", "RCPT TO"),
        ("exchange.txt", "exchange", "user@fabrikam.com", 550, "5.1.10", None, None),
        ("gmail.txt", "gmail", "missing@example.org", 550, "5.1.1", None, None),
        ("qmail.txt", "qmail", "full@example.com", 552, "5.2.2", "192.0.2.7", None),
        ("sendmail.txt", "sendmail", "baduser@example.com", 550, "5.1.1", "mx.example.com", None),
    ],
)
def test_format_families(sample, fmt, recipient, reply, enhanced, remote, command) -> None:
    report = _parse(sample)
    assert report.kind is MessageKind.BOUNCE
    assert report.format == fmt
    assert len(report.recipients) == 1
    found = report.recipients[0]
    assert (found.recipient, found.reply_code, found.enhanced_status) == (recipient, reply, enhanced)
    assert found.remote_mta == remote
    if command:
        assert found.last_command == command
    assert found.diagnostic


def test_dsn_fields_are_read() -> None:
    report = _parse("rfc3464-postfix.eml")
    assert report.dsn
    found = report.recipients[0]
    assert found.action == "failed"
    assert found.original_recipient == "nobody@gmail.com"
    assert report.reporting_mta == "mail.example.org"
    assert report.provider == "gmail"  # "gsmtp" in the reply, even without a providers map
    assert "does not exist" in (found.diagnostic or "")


def test_exchange_reporting_server_and_provider() -> None:
    report = _parse("exchange.txt")
    assert report.reporting_mta == "AM6PR01MB1234.eurprd01.prod.exchangelabs.com"
    assert report.provider == "microsoft-365"


def test_provider_from_host_patterns() -> None:
    providers = {"gmail": {"name": "Gmail", "hosts": [r"(^|\.)google\.com$"]}, "bad": {"hosts": ["("]}}
    text = (SAMPLES / "exim.txt").read_text().replace("mx.example.com", "aspmx.l.google.com")
    assert parse_bounce(text, providers=providers).provider == "gmail"


def test_delay_notice() -> None:
    report = _parse("delay.txt")
    assert report.kind is MessageKind.DELAY
    assert report.recipients[0].reply_code == 451
    assert report.recipients[0].enhanced_status == "4.7.1"


def test_dsn_delayed_action_is_a_delay() -> None:
    text = (SAMPLES / "rfc3464-postfix.eml").read_text().replace("Action: failed", "Action: delayed")
    assert parse_bounce(text).kind is MessageKind.DELAY


def test_feedback_report_is_not_a_bounce() -> None:
    report = _parse("arf.eml")
    assert report.kind is MessageKind.FEEDBACK_REPORT
    assert report.feedback_type == "abuse"
    assert report.recipients[0].recipient == "user@example.net"


def test_auto_reply_is_not_a_bounce() -> None:
    report = _parse("autoreply.eml")
    assert report.kind is MessageKind.AUTO_REPLY
    assert report.recipients == ()


@pytest.mark.parametrize(
    ("line", "reply", "enhanced", "provider"),
    [
        (
            "550 5.7.26 Unauthenticated email from example.com is not accepted due to DMARC policy - gsmtp",
            550,
            "5.7.26",
            "gmail",
        ),
        (
            "Remote Server returned '550 5.7.509 Access denied, sending domain example.com fails DMARC'",
            550,
            "5.7.509",
            None,
        ),
        (
            "Diagnostic-Code: smtp; 554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen",
            554,
            "5.7.1",
            None,
        ),
        (
            "421-4.7.0 [192.0.2.1] Our system has detected an unusual rate of unsolicited mail",
            421,
            "4.7.0",
            None,
        ),
    ],
)
def test_single_line(line, reply, enhanced, provider) -> None:
    report = parse_bounce(line)
    assert report.kind in (MessageKind.BOUNCE, MessageKind.DELAY)
    assert (report.recipients[0].reply_code, report.recipients[0].enhanced_status) == (reply, enhanced)
    if provider:
        assert report.provider == provider


def test_quoted_forwarded_bounce() -> None:
    quoted = "\n".join("> " + line for line in (SAMPLES / "qmail.txt").read_text().splitlines())
    report = parse_bounce(quoted)
    assert report.recipients[0].recipient == "full@example.com"
    assert report.recipients[0].enhanced_status == "5.2.2"


def test_crlf_and_cr_line_ends() -> None:
    text = (SAMPLES / "exim.txt").read_text()
    for converted in (text.replace("\n", "\r\n"), text.replace("\n", "\r")):
        assert parse_bounce(converted).recipients[0].recipient == "gone@example.com"


@pytest.mark.parametrize("junk", ["", "   \n\n", "hello world", "Just a normal letter.\nRegards"])
def test_not_a_bounce(junk: str) -> None:
    report = parse_bounce(junk)
    assert report.kind is MessageKind.NOT_A_BOUNCE
    assert report.recipients == ()


def test_gigantic_paste_is_refused_before_parsing() -> None:
    report = parse_bounce(b"x" * (MAX_BOUNCE_BYTES + 1))
    assert report.recipients == ()
    assert report.problems and report.problems[0].reason == "input.too_large"
    assert "5 MB" in report.problems[0].what


def test_binary_junk_does_not_raise() -> None:
    junk = bytes(range(256)) * 2000
    report = parse_bounce(junk)
    assert report.kind in tuple(MessageKind)


def test_broken_mime_does_not_raise() -> None:
    text = (
        'From: MAILER-DAEMON@x.example\nSubject: Undelivered\nContent-Type: multipart/report; boundary="Q"\n'
        "Content-Transfer-Encoding: base64\n\n--Q\nContent-Type: message/delivery-status\n"
        "Content-Transfer-Encoding: base64\n\n!!!not base64!!!\n--Q\n"
        "Content-Type: text/plain; charset=nonexistent\n\n"
        "<a@b.example>: 550 5.1.1 unknown\n"
    )
    report = parse_bounce(text)
    assert report.recipients[0].enhanced_status == "5.1.1"


def test_large_but_allowed_bounce_is_read() -> None:
    # How long it takes is a benchmark (scripts/fuzz.py prints CPU time per 100 KB), not a test.
    body = (SAMPLES / "exim.txt").read_text() + ("filler line of the returned message\n" * 100_000)
    report = parse_bounce(body)
    assert report.recipients[0].recipient == "gone@example.com"


def test_many_recipients_in_one_dsn() -> None:
    groups = "\n".join(
        f"Final-Recipient: rfc822; user{i}@example.com\nAction: failed\nStatus: 5.1.1\n" for i in range(50)
    )
    text = (
        "From: MAILER-DAEMON@x.example\nSubject: Undelivered\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="Q"\n\n'
        f"--Q\nContent-Type: text/plain\n\nFailed.\n--Q\nContent-Type: message/delivery-status\n\n"
        f"Reporting-MTA: dns; x.example\n\n{groups}\n--Q--\n"
    )
    report = parse_bounce(text)
    assert [r.recipient for r in report.recipients] == [f"user{i}@example.com" for i in range(50)]


@pytest.mark.parametrize(
    "hostile",
    [
        "550 5.1.1 " + "a" * 200_000 + "@",
        "550 5.1.1 x@" + "a" * 200_000,
        "550 5.1.1 x@" + "a." * 100_000,
        "@" * 300_000,
        "550-5.1.1 " * 100_000,
        "\n".join(f"<u{i}@example.com>:\n550 5.1.1 unknown" for i in range(20_000)),
        "Content-Type: multipart/mixed; boundary=b0\n\n"
        + "".join(f"--b{i}\nContent-Type: multipart/mixed; boundary=b{i + 1}\n\n" for i in range(500)),
    ],
    ids=[
        "long-local-part",
        "long-domain",
        "many-labels",
        "many-at",
        "many-codes",
        "many-recipients",
        "deep-mime",
    ],
)
def test_hostile_input_ends_with_a_report(hostile: str) -> None:
    # Its speed is measured by scripts/fuzz.py (a benchmark); here it must end with a report, not raise.
    report = parse_bounce(hostile)
    assert report.kind in tuple(MessageKind)


def test_truncation_is_reported() -> None:
    text = "\n".join(f"<u{i}@example.com>:\n550 5.1.1 unknown" for i in range(20_000))
    report = parse_bounce(text)
    assert len(report.recipients) == 1000
    assert report.problems[0].reason == "bounce.truncated"


def test_reporting_server_from_text_formats() -> None:
    assert _parse("qmail.txt").reporting_mta == "mail.example.jp"
    assert _parse("delay.txt").reporting_mta == "mail.example.org"


def test_amazon_ses_json_notifications() -> None:
    bounce = (
        '{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bouncedRecipients":[{"emailAddress":'
        '"gone@example.com","action":"failed","status":"5.1.1",'
        '"diagnosticCode":"smtp; 550 5.1.1 user unknown"}],'
        '"reportingMTA":"dsn; a1.smtp-out.example.com"}}'
    )
    report = parse_bounce(bounce)
    assert (report.kind, report.format, report.reporting_mta) == (
        MessageKind.BOUNCE,
        "amazonses-json",
        "a1.smtp-out.example.com",
    )
    found = report.recipients[0]
    assert (found.recipient, found.reply_code, found.enhanced_status) == ("gone@example.com", 550, "5.1.1")
    complaint = '{"notificationType":"Complaint","complaint":{"complainedRecipients":'
    complaint += '[{"emailAddress":"a@b.example"}],"complaintFeedbackType":"abuse"}}'
    report = parse_bounce(complaint)
    assert (report.kind, report.feedback_type) == (MessageKind.FEEDBACK_REPORT, "abuse")
    assert parse_bounce('{"notificationType": "Bounce", broken').kind is MessageKind.NOT_A_BOUNCE
