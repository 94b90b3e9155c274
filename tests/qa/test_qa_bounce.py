"""QA: bounces as a support person pastes them: one line, a Postfix DSN, an Exchange NDR, junk."""

from __future__ import annotations

from checker.pasted.bounce import MessageKind, analyze_bounce

CATALOG = {
    "entries": [
        {
            "id": "554-5-7-1-client-ip-blocklisted",
            "title": "554 5.7.1 Client host blocked using a blocklist",
            "reply_code": 554,
            "enhanced_code": "5.7.1",
            "match": {"patterns": [r"blocked using"]},
        },
        {
            "id": "550-5-1-1-user-unknown",
            "title": "550 5.1.1 User unknown",
            "reply_code": 550,
            "enhanced_code": "5.1.1",
            "match": {"patterns": [r"User unknown"]},
        },
        {
            "id": "550-5-1-10-microsoft-365-recipient-not-found",
            "title": "550 5.1.10 Exchange Online: recipient not found",
            "reply_code": 550,
            "enhanced_code": "5.1.10",
            "match": {"patterns": [r"RecipientNotFound"], "providers": ["microsoft-365"]},
        },
        {
            "id": "554-5-7-1-relay-access-denied",
            "title": "554 5.7.1 Relay access denied",
            "reply_code": 554,
            "enhanced_code": "5.7.1",
            "match": {"patterns": [r"Unable to relay", r"Relay access denied"]},
        },
    ],
    "providers": {
        "microsoft-365": {
            "name": "Microsoft 365 / Exchange Online",
            "hosts": [r"\.protection\.outlook\.com$", r"\.outlook\.com$"],
        },
    },
}


def test_each_recipient_is_refused_by_its_own_server(paste) -> None:
    analysis = analyze_bounce(paste("postfix_dsn.eml"), catalog=CATALOG)
    by_recipient = {r.status.recipient: r for r in analysis.recipients}
    microsoft = by_recipient["jane.doe@bigcorp.example"]
    smallco = by_recipient["old.user@smallco.example"]
    assert microsoft.explanation.startswith("Microsoft 365 / Exchange Online refused")
    assert microsoft.matches[0].entry_id == "554-5-7-1-client-ip-blocklisted"
    # The second recipient's server is mx.smallco.example, not Microsoft.
    assert "Microsoft" not in smallco.explanation
    assert smallco.explanation.startswith("mx.smallco.example refused")
    assert smallco.matches[0].entry_id == "550-5-1-1-user-unknown"


def test_reasons_read_as_a_list_not_a_chain_of_ands(paste) -> None:
    analysis = analyze_bounce(paste("exchange_ndr.eml"), catalog=CATALOG)
    (only,) = analysis.recipients
    assert only.matches[0].entry_id == "550-5-1-10-microsoft-365-recipient-not-found"
    because = only.explanation.split("fits because ", 1)[1]
    assert because.count(" and ") == 1


def test_single_line_relay_denial() -> None:
    analysis = analyze_bounce("550 5.7.1 Unable to relay\n", catalog=CATALOG)
    assert analysis.report.kind is MessageKind.BOUNCE
    (only,) = analysis.recipients
    assert (only.status.reply_code, only.status.enhanced_status) == (550, "5.7.1")
    assert only.matches[0].entry_id == "554-5-7-1-relay-access-denied"


def test_junk_and_empty_are_explained_not_raised() -> None:
    for text in (b"", b"   \n", bytes(range(256)) * 20, "hello, my mail bounced, help?"):
        analysis = analyze_bounce(text, catalog=CATALOG)
        assert analysis.report.kind is MessageKind.NOT_A_BOUNCE
        assert analysis.explanation


def test_single_4xx_line_is_a_deferral_not_a_failure() -> None:
    line = (
        "421 4.7.0 [TSS04] Messages from 192.0.2.10 temporarily deferred due to unexpected volume or user "
        "complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes\n"
    )
    analysis = analyze_bounce(line, catalog=CATALOG)
    assert analysis.report.kind is MessageKind.DELAY
    assert "delayed the message" in analysis.recipients[0].explanation


def test_failure_notice_with_4xx_codes_stays_a_bounce() -> None:
    text = (
        "Subject: Mail delivery failed: returning message to sender\n"
        "From: Mail Delivery System <Mailer-Daemon@mail.a.example>\n\n"
        "A message that you sent could not be delivered to one or more of its recipients.\n\n"
        "  x@slow.example\n    retry timeout exceeded\n    451 4.4.1 Connection timed out\n"
    )
    assert analyze_bounce(text, catalog=CATALOG).report.kind is MessageKind.BOUNCE


def test_multi_line_reply_is_read_once_so_patterns_span_lines() -> None:
    reply = (
        "550-5.7.26 This mail has been blocked because the sender is\n"
        "550-5.7.26 unauthenticated. Gmail requires all senders to authenticate.\n"
        "550 5.7.26 https://support.google.com/mail/answer/81126 - gsmtp\n"
    )
    catalog = {
        "entries": [
            {
                "id": "550-5-7-26-gmail-unauthenticated-sender",
                "title": "550 5.7.26 Gmail: sender is unauthenticated",
                "reply_code": 550,
                "enhanced_code": "5.7.26",
                "match": {"patterns": [r"sender is unauthenticated"]},
            }
        ],
        "providers": {},
    }
    (only,) = analyze_bounce(reply, catalog=catalog).recipients
    assert only.status.diagnostic is not None
    assert only.status.diagnostic.startswith("550 5.7.26 This mail has been blocked")
    assert "550-5.7.26" not in only.status.diagnostic
    assert only.specific and only.matches[0].pattern_hit
