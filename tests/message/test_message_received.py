"""The Received chain: hop parsing across MTAs, delays, clock skew, and the first external hop."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from checker.pasted.message import parse_pasted_message
from checker.pasted.received.chain import MAX_HOPS, parse_received, parse_received_chain

POSTFIX_TLS = (
    "from mail.example.org (mail.example.org [192.0.2.1]) (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 "
    "(256/256 bits) key-exchange X25519) (No client certificate requested) by mx.example.net (Postfix) "
    "with ESMTPS id 4ABC for <you@example.net>; Tue,  3 Jun 2025 10:00:00 +0000 (UTC)"
)


def test_postfix_with_tls() -> None:
    hop = parse_received(POSTFIX_TLS)
    assert (hop.from_helo, hop.from_name, hop.from_ip, hop.by) == (
        "mail.example.org",
        "mail.example.org",
        "192.0.2.1",
        "mx.example.net",
    )
    assert (hop.protocol, hop.tls, hop.tls_version, hop.cipher) == (
        "ESMTPS",
        True,
        "TLSv1.3",
        "TLS_AES_256_GCM_SHA384",
    )
    assert (hop.id, hop.for_address) == ("4ABC", "you@example.net")
    assert hop.timestamp == datetime(2025, 6, 3, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "helo", "name", "ip", "protocol", "tls", "version"),
    [
        (
            "from [192.0.2.7] (helo=mail.example.com) by mx.example.org with esmtps (TLS1.3) "
            "tls TLS_AES_256_GCM_SHA384 (Exim 4.96) (envelope-from <a@example.com>) id 1abc-000 "
            "for u@example.org; Tue, 03 Jun 2025 10:00:00 +0000",
            "mail.example.com",
            None,
            "192.0.2.7",
            "esmtps",
            True,
            "TLSv1.3",
        ),
        (
            "from unknown (HELO mail.example.com) (192.0.2.9) by mx.example.com with SMTP; 3 Jun 2025 "
            "10:00:00 -0000",
            "mail.example.com",
            None,
            "192.0.2.9",
            "SMTP",
            False,
            None,
        ),
        (
            "from DM6PR01MB1.namprd01.prod.outlook.com (2603:10b6:5:1c0::36) by "
            "BN6PR01MB2.namprd01.prod.outlook.com "
            "(2603:10b6:404:5c::11) with Microsoft SMTP Server (version=TLS1_2, "
            "cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.1234.5 via Frontend Transport; "
            "Tue, 3 Jun 2025 10:00:00 +0000",
            "DM6PR01MB1.namprd01.prod.outlook.com",
            None,
            "2603:10b6:5:1c0::36",
            "Microsoft SMTP Server",
            True,
            "TLSv1.2",
        ),
        (
            "from [IPv6:2001:db8::1] (unknown [IPv6:2001:db8::1]) by mx.example.com (Postfix) with ESMTPSA "
            "id X; "
            "Tue, 3 Jun 2025 10:00:00 +0000",
            "IPv6:2001:db8::1",
            None,
            "2001:db8::1",
            "ESMTPSA",
            True,
            None,
        ),
        (
            "from host.example.com (host.example.com [198.51.100.1] (may be forged)) by relay.example.org "
            "(8.15.2/8.15.2) with ESMTP id x01A; Tue, 3 Jun 2025 10:00:00 GMT",
            "host.example.com",
            "host.example.com",
            "198.51.100.1",
            "ESMTP",
            False,
            None,
        ),
        (
            "from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41]) by mx.google.com with "
            "SMTPS "
            "id a1sor for <u@gmail.com> (Google Transport Security); Tue, 03 Jun 2025 03:00:00 -0700 (PDT)",
            "mail-sor-f41.google.com",
            "mail-sor-f41.google.com",
            "209.85.220.41",
            "SMTPS",
            True,
            None,
        ),
    ],
)
def test_mta_shapes(value, helo, name, ip, protocol, tls, version) -> None:
    hop = parse_received(value)
    assert (hop.from_helo, hop.from_name, hop.from_ip) == (helo, name, ip)
    assert (hop.protocol, hop.tls, hop.tls_version) == (protocol, tls, version)
    assert hop.timestamp == datetime(2025, 6, 3, 10, 0, tzinfo=UTC)


def test_tolerant_dates() -> None:
    assert parse_received("by x.example; 3 Jun 2025 10:00:00").timestamp == datetime(
        2025, 6, 3, 10, 0, tzinfo=UTC
    )
    assert parse_received("by x.example; Tue 3 Jun 2025 12:00:00 +0200 (CEST)").timestamp == datetime(
        2025, 6, 3, 10, 0, tzinfo=UTC
    )
    assert parse_received("by x.example; 2025-06-03 10:00:00 +0000").timestamp == datetime(
        2025, 6, 3, 10, 0, tzinfo=UTC
    )
    assert parse_received("by x.example; not a date").timestamp is None


@pytest.mark.parametrize(
    "junk", ["", ";;;", "(((", "from", "from [999.1.1.1] by", "\x00\xff" * 50, "x" * 100_000]
)
def test_junk_does_not_raise(junk: str) -> None:
    parse_received(junk)


def _chain(*values: str):
    return parse_received_chain([("Received", value) for value in values])


def test_delays_slowest_hop_and_external() -> None:
    chain = _chain(
        "from mx.example.net (mx.example.net [10.0.0.5]) by store.example.net with LMTP; "
        "Tue, 3 Jun 2025 13:15:30 +0000",
        "from relay.example.org (relay.example.org [198.51.100.7]) by mx.example.net with ESMTPS; "
        "Tue, 3 Jun 2025 13:15:00 +0000",
        "from laptop (unknown [192.168.1.20]) by relay.example.org with ESMTPSA; Tue, 3 Jun 2025 10:03:00 "
        "+0000",
    )
    assert [hop.position for hop in chain.hops] == [3, 2, 1]
    assert [hop.delay_seconds for hop in chain.hops] == [30.0, 11520.0, None]
    assert chain.total_delay_seconds == 11550.0
    assert chain.slowest_hop is chain.hops[1]
    assert chain.first_external is chain.hops[1]
    assert chain.connecting_ip == "198.51.100.7"
    # The hop the timeline marks as slowest comes first; the hop before it is the one that queued it.
    assert "Most of the delay (3 h 12 min) came before hop 2 (" in chain.explanation
    assert "hop 1, relay.example.org, probably queued it" in chain.explanation
    assert "198.51.100.7" in chain.explanation


def test_clock_skew_is_flagged() -> None:
    chain = _chain(
        "from a.example.org (a.example.org [192.0.2.1]) by b.example.net; Tue, 3 Jun 2025 09:55:00 +0000",
        "from c.example.org (c.example.org [192.0.2.2]) by a.example.org; Tue, 3 Jun 2025 10:00:00 +0000",
    )
    assert chain.hops[0].clock_skew and chain.hops[0].delay_seconds == -300.0
    assert "clock is wrong" in chain.explanation


def test_provider_internal_public_hops_are_skipped() -> None:
    chain = _chain(
        "from AM6PR01.eurprd01.prod.outlook.com (2603:10a6:20b:1::1) by AM6PR02.eurprd01.prod.outlook.com "
        "with HTTPS; Tue, 3 Jun 2025 10:00:02 +0000",
        "from AM5EUR02FT01.eop-EUR02.prod.protection.outlook.com (2603:10a6:20b:2::2) by "
        "AM6PR01.eurprd01.prod.outlook.com with Microsoft SMTP Server; Tue, 3 Jun 2025 10:00:01 +0000",
        "from mail.sender.example (mail.sender.example [203.0.113.5]) by "
        "AM5EUR02FT01.mail.protection.outlook.com with Microsoft SMTP Server; Tue, 3 Jun 2025 10:00:00 +0000",
    )
    assert chain.connecting_ip == "203.0.113.5"


def test_same_provider_sender_without_lower_public_hop_is_external() -> None:
    chain = _chain(
        "from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41]) by mx.google.com with "
        "SMTPS; "
        "Tue, 3 Jun 2025 10:00:01 +0000",
        "by 2002:a05:6a10:a10a:0:0:0:0 with SMTP id x10; Tue, 3 Jun 2025 10:00:00 +0000",
    )
    assert chain.connecting_ip == "209.85.220.41"
    assert chain.hops[1].by == "2002:a05:6a10:a10a::"


def test_no_received_headers() -> None:
    chain = parse_received_chain([("Subject", "hi")])
    assert chain.hops == () and chain.first_external is None
    assert "no Received headers" in chain.explanation


def test_ten_thousand_received_lines_are_capped_quickly() -> None:
    text = "".join(
        f"Received: from h{i}.example.org (h{i}.example.org [192.0.2.{i % 250 + 1}]) by mx{i}.example.net "
        f"with ESMTP; Tue, 3 Jun 2025 10:00:00 +0000\n"
        for i in range(10_000)
    )
    started = time.perf_counter()
    chain = parse_received_chain(parse_pasted_message(text).headers)
    assert time.perf_counter() - started < 3
    assert chain.truncated and chain.received_count == 10_000 and len(chain.hops) == MAX_HOPS
    assert "10000 Received headers" in chain.explanation


def test_declared_own_gateway_is_internal() -> None:
    values = (
        "from gw.example.net (gw.example.net [192.0.2.50]) by mx.provider.example with ESMTPS; "
        "Tue, 3 Jun 2025 10:00:01 +0000",
        "from mail.sender.example (mail.sender.example [203.0.113.5]) by gw.example.net with ESMTPS; "
        "Tue, 3 Jun 2025 10:00:00 +0000",
    )
    assert _chain(*values).connecting_ip == "192.0.2.50"
    chain = parse_received_chain([("Received", value) for value in values], own_hosts=["example.net"])
    assert chain.connecting_ip == "203.0.113.5"
