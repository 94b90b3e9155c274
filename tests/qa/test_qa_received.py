"""QA: hop stamps and delays in the Received chain."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from checker.pasted.received.chain import parse_received, parse_received_chain

# SendGrid's internal relay writes a Go-formatted stamp with no ";" before it.
SENDGRID = (
    "by filterdrecv-7bf5c69d5-x2x9k with SMTP id filterdrecv-7bf5c69d5-x2x9k-1-67443A1F-2 "
    "2026-11-25 10:00:01.123456789 +0000 UTC m=+1234.5678"
)


def test_stamp_without_semicolon_is_read() -> None:
    hop = parse_received(SENDGRID)
    assert hop.timestamp == datetime(2026, 11, 25, 10, 0, 1, 123456, tzinfo=UTC)
    assert hop.id == "filterdrecv-7bf5c69d5-x2x9k-1-67443A1F-2"


def test_iso_stamp_keeps_an_offset_written_after_a_blank() -> None:
    hop = parse_received("by relay.example with SMTP id abc; 2026-11-25 11:00:01.5 +0100 UTC")
    assert hop.timestamp == datetime(2026, 11, 25, 10, 0, 1, 500000, tzinfo=UTC)


def test_delays_across_time_zones() -> None:
    chain = parse_received_chain(
        [
            "from mx.b.example (mx.b.example [10.0.0.5]) by mbox.b.example with LMTP id 3; "
            "Wed, 25 Nov 2026 11:30:10 +0100",
            "from out.a.example (out.a.example [203.0.113.9]) by mx.b.example with ESMTPS id 2; "
            "Wed, 25 Nov 2026 10:30:05 +0000",
            "from app (unknown) by out.a.example with SMTP id 1 2026-11-25 10:00:00.123456789 +0000 UTC",
        ]
    )
    assert [hop.delay_seconds for hop in chain.hops][:2] == [5.0, pytest.approx(1804.876544)]
    assert chain.total_delay_seconds == pytest.approx(1809.876544)
    assert "30 min" in chain.explanation and "out.a.example" in chain.explanation
    assert chain.connecting_ip == "203.0.113.9"


def test_exim_address_with_port_is_not_taken_for_a_host_name() -> None:
    hop = parse_received(
        "from mail-qk1-f170.google.com ([209.85.222.170]:43215) by mx.example.net with esmtps (TLS1.3) "
        "tls TLS_AES_128_GCM_SHA256 (Exim 4.96) (envelope-from <x@gmail.com>) id 1tAbCd-000123-4X "
        "for y@example.net; Wed, 25 Nov 2026 10:00:00 +0000"
    )
    assert hop.from_helo == "mail-qk1-f170.google.com"
    assert hop.from_name is None
    assert hop.from_ip == "209.85.222.170"
