"""Which Authentication-Results header to believe."""

from dataclasses import dataclass

from checker.mechanisms.authres.trust import classify_auth_results


@dataclass(frozen=True)
class H:
    name: str
    value: str
    line: int = 0


def test_header_above_topmost_received_is_trusted():
    entries = classify_auth_results(
        [
            H("Authentication-Results", "mx.example.net; dmarc=pass header.from=example.com"),
            H("Received", "from a.example.com by mx.example.net; Wed, 25 Nov 2026 10:00:00 +0000"),
            H("Authentication-Results", "mx.example.net; dmarc=pass header.from=example.com"),
        ]
    )
    assert [e.trusted for e in entries] == [True, False]
    assert "forged" in entries[1].why


def test_gmail_layout_trusts_its_own_header_below_its_received():
    entries = classify_auth_results(
        [
            H("Received", "by 2002:a05:6a10:1234 with SMTP id x; Wed, 25 Nov 2026 10:00:01 -0800 (PST)"),
            H("ARC-Authentication-Results", "i=1; mx.google.com; dkim=pass header.d=example.com"),
            H(
                "Received",
                "from mail.example.com (mail.example.com. [185.12.64.10]) by mx.google.com with ESMTPS",
            ),
            H(
                "Received-SPF",
                "pass (google.com: domain of a@example.com designates 185.12.64.10 as permitted sender)",
            ),
            H("Authentication-Results", "mx.google.com; dkim=pass header.i=@example.com; dmarc=pass"),
            H("Authentication-Results", "mx.google.com; dmarc=pass (forged by the sender)"),
        ]
    )
    assert [(e.header, e.trusted) for e in entries] == [
        ("ARC-Authentication-Results", False),
        ("Authentication-Results", True),
        ("Authentication-Results", False),
    ]
    assert entries[0].parsed.instance == 1


def test_unrelated_header_is_not_trusted():
    entries = classify_auth_results(
        [
            H("Received", "from x.example by mx.receiver.example; Wed, 25 Nov 2026 10:00:00 +0000"),
            H("Authentication-Results", "lists.example.org; dmarc=pass"),
        ]
    )
    assert entries[0].trusted is False
    assert "could be tied" in entries[0].why or "no Authentication-Results" in entries[0].why


def test_unparseable_header_is_kept_with_its_error():
    entries = classify_auth_results([H("Authentication-Results", "mx.example.net; spf pass")])
    assert entries[0].parsed is None and entries[0].error is not None
