"""Mutation fuzzing of every paste parser, seeded from the test corpora (issue 9).

    python scripts/fuzz.py                      # 20 s per parser, prints a table
    python scripts/fuzz.py --seconds 120 --out fuzz-findings

For each parser it runs (1) the adversarial inputs of ``ADVERSARIAL`` (the worst cases found so far,
each about 100 KB) and (2) a mutation campaign: corpus files and the records inside them, mutated by
byte flips, token insertion, slice deletion, duplication, repetition (to grow a slice to tens of kB)
and splicing. Every run is timed in CPU seconds. It prints, per parser, the executions, the slowest
inputs as CPU seconds per 100 KB, and the findings: exceptions (a parser must end with a result or a
structured error) and inputs over the budget of 1 s CPU per 100 KB. ``--out`` keeps each finding's
input. The exit code is 1 when there is a finding.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import random
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

BUDGET_PER_100KB = 1.0  # CPU seconds
MAX_INPUT = 256 * 1024


def _headers(text: str) -> object:
    from checker.analyses.headers.analyze import analyze_headers
    from checker.shared.dns.zone import ZoneResolver

    return asyncio.run(analyze_headers(text, resolver=ZoneResolver()))


def _message(text: str) -> object:
    from checker.pasted.message import parse_pasted_message

    return parse_pasted_message(text)


def _received(text: str) -> object:
    from checker.pasted.received.hop import parse_received

    return parse_received(text)


def _authres(text: str) -> object:
    from checker.mechanisms.authres.parse import (
        parse_arc_authentication_results,
        parse_authentication_results,
    )

    return parse_authentication_results(text), parse_arc_authentication_results(text)


def _dkim(text: str) -> object:
    from checker.mechanisms.dkim.keys import parse_key_record
    from checker.mechanisms.dkim.signature import parse_signature

    raw = text.encode("utf-8", "surrogatepass")
    return parse_signature(b"DKIM-Signature", raw), parse_key_record(text)


def _arc(text: str) -> object:
    from checker.mechanisms.arc import verify_arc
    from checker.shared.dns.zone import ZoneResolver

    return asyncio.run(verify_arc(text.encode("utf-8", "surrogatepass"), resolver=ZoneResolver()))


def _dmarc(text: str) -> object:
    from checker.mechanisms.dmarc.record import parse_dmarc_record

    return parse_dmarc_record(text)


def _spf(text: str) -> object:
    from checker.mechanisms.spf.syntax import parse_record

    return parse_record(text)


def _spf_macros(text: str) -> object:
    from checker.mechanisms.spf.macros import MacroContext, expand, parse_macro_string

    tokens, error = parse_macro_string(text, explanation=True, allow_space=True)
    if error is not None:
        return error
    context = MacroContext(
        "user@example.com", "user", "example.com", "example.com", ipaddress.ip_address("192.0.2.1"),
        "mx.example.com", "mx.example.net", 1_700_000_000,
    )
    return expand(tokens, context)


def _bounce(text: str) -> object:
    from checker.pasted.bounce.parse import parse_bounce

    return parse_bounce(text)


def _ip(text: str) -> object:
    from checker.analyses.ip import parse_address
    from checker.shared.dns.names import normalize_domain

    return parse_address(text), normalize_domain(text)


def _from(text: str) -> object:
    from checker.mechanisms.dmarc.author import author_domains

    return author_domains([text])


PARSERS: dict[str, Callable[[str], object]] = {
    "headers (whole analysis)": _headers,
    "message": _message,
    "received": _received,
    "authentication-results": _authres,
    "dkim signature + key": _dkim,
    "arc": _arc,
    "dmarc record": _dmarc,
    "spf record": _spf,
    "spf macros": _spf_macros,
    "bounce": _bounce,
    "ip / domain": _ip,
    "from": _from,
}

K = 100_000  # the size adversarial inputs aim at


def _times(unit: str, size: int = K) -> str:
    return unit * max(1, size // max(1, len(unit)))


RECEIVED = "Received: from a.example (a.example [192.0.2.1]) by b.example; Mon, 1 Jan 2024 00:00:00 +0000\r\n"
ADVERSARIAL: dict[str, list[tuple[str, str]]] = {
    "headers (whole analysis)": [
        ("nested From groups", RECEIVED + "From: " + _times("g:", K // 2) + "a@b.ex" + _times(";", K // 2)),
        ("nested From comments", RECEIVED + "From: " + _times("(", K) + "a@b.example\r\n\r\nx"),
        ("10,000 authors", RECEIVED + "From: " + ", ".join(f"a@d{i}.example" for i in range(5000))),
        ("5,000 Received", _times(RECEIVED)),
        ("one folded header", "Subject: " + _times("x\r\n ", K) + "\r\nFrom: a@b.example\r\n\r\nx"),
        ("encoded words", "Subject: " + _times("=?utf-8?B?YWJj?= ", K) + "\r\nFrom: a@b.example\r\n"),
        ("many DKIM-Signatures", _times("DKIM-Signature: v=1; a=rsa-sha256; d=x.example; s=s; h=from; "
                                        "bh=AAAA; b=AAAA\r\n", K) + "From: a@x.example\r\n\r\nx"),
        ("many ARC sets", "".join(f"ARC-Seal: i={i}; a=rsa-sha256; cv=pass; d=x.example; s=s; b=AAAA\r\n"
                                  f"ARC-Message-Signature: i={i}; a=rsa-sha256; d=x.example; s=s; h=from; "
                                  f"bh=AAAA; b=AAAA\r\nARC-Authentication-Results: i={i}; x; spf=pass\r\n"
                                  for i in range(1, 500)) + "From: a@x.example\r\n\r\nx"),
        ("authres with 5,000 results", "Authentication-Results: mx; " + _times("spf=pass smtp.mailfrom=a; ")),
        ("bare CR body", "From: a@b.example\r\n\r\n" + _times("\r")),
        ("angle brackets", "From: " + _times("<") + "\r\n\r\n"),
    ],
    "message": [("bare CR", _times("\r")), ("quoted", _times("> a: b\n")), ("blank lines", _times("\n"))],
    "received": [
        ("parentheses", "from " + _times("(")),
        ("brackets", "from a " + _times("[")),
        ("words", _times("from by with id for via ")),
        ("semicolons", _times("a; ")),
    ],
    "authentication-results": [
        ("results", "mx; " + _times("spf=pass ")),
        ("comments", "mx; " + _times("(")),
        ("quotes", 'mx; spf=pass smtp.mailfrom="' + _times("\\x")),
        ("bad clauses", "mx; " + _times("a.b; ")),
        ("digits", "i=" + _times("9")),
    ],
    "dkim signature + key": [
        ("h= list", "v=1; a=rsa-sha256; d=x; s=s; bh=AA; b=AA; h=" + _times("from:")),
        ("tags", _times("a=b; ")),
        ("qp identity", "v=1; d=x; i=" + _times("=2E")),
        ("base64", "v=DKIM1; p=" + _times("A")),
    ],
    "arc": [("seals", _times("ARC-Seal: i=1; cv=none; b=\r\n") + "\r\nx")],
    "dmarc record": [
        ("uris", "v=DMARC1; p=none; rua=" + _times("mailto:a@b.example,")),
        ("tags", _times("a=b;")),
    ],
    "spf record": [
        ("terms", "v=spf1 " + _times("ip4:192.0.2.0/24 ")),
        ("macros", "v=spf1 exists:" + _times("%{ir}.")),
        ("cidr digits", "v=spf1 ip4:192.0.2.0/" + _times("9")),
    ],
    "spf macros": [
        ("macros", _times("%{ir}")),
        ("digits", "%{d" + _times("9") + "}"),
        ("percent", _times("%")),
    ],
    "bounce": [
        ("blank lines", "550 5.1.1 user unknown\n" + _times("\n")),
        ("blank lines with spaces", "550 5.1.1 user unknown\n" + _times(" \n")),
        ("html angle brackets", "From: a@b.example\nContent-Type: text/html\n\n" + _times("<")),
        ("html br", "From: a@b.example\nContent-Type: text/html\n\n" + _times("<br")),
        ("addresses", _times("a@b.example ")),
        ("reply codes", _times("550 ")),
        ("enhanced codes", _times("5.1.1 ")),
        ("rcpt", _times("RCPT TO:<")),
        ("dashes", _times("-")),
        ("hosts", _times("host a.example [")),
        ("bare CR", _times("\r")),
        (
            "dsn fields",
            "Content-Type: multipart/report; report-type=delivery-status; boundary=B\n\n--B\n"
            "Content-Type: message/delivery-status\n\n" + _times("Final-Recipient: rfc822; a@b\n"),
        ),
    ],
    "ip / domain": [("digits", _times("1.")), ("colons", _times(":")), ("labels", _times("a."))],
    "from": [("groups", _times("g:")), ("comments", _times("(")), ("quotes", _times('"a" <b@c>, '))],
}

TOKENS = [
    "\r\n", "\n", "\r", "\r\n\r\n", " ", "\t", "(", ")", "<", ">", "[", "]", '"', "\\", ";", ":", ",", "=",
    "@", "%{", "}", "=?utf-8?B?", "?=", "\x00", "\x0c", "\x1b", "\u00b2", "\u202e", "g:", "i=", "v=1;",
    "550 5.1.1 ",
    "Received: ", "From: ", "DKIM-Signature: ", "ARC-Seal: ", "Authentication-Results: ", "-----", "<br>",
]


def _seeds() -> dict[str, list[str]]:
    """Corpus files (whole, cut to 64 kB) and the records and header values found inside them."""
    texts: list[str] = []
    for path in sorted((REPO / "tests").rglob("*")):
        if path.is_file() and path.suffix in (".eml", ".txt", ".msg", ".message", ".json", ".yml") and (
            "corpora" in path.parts or "samples" in path.parts or "fixtures" in path.parts
        ):
            try:
                texts.append(path.read_bytes()[:65536].decode("utf-8", "replace"))
            except OSError:
                continue
    lines = [line for text in texts for line in text.splitlines() if 8 < len(line) < 2000]
    pick = lambda *marks: [line for line in lines if any(mark in line for mark in marks)][:400]  # noqa: E731
    records = pick("v=spf1", "v=DMARC1", "v=DKIM1", "p=MI")
    return {
        "headers (whole analysis)": texts,
        "message": texts,
        "received": [line.split(":", 1)[-1] for line in pick("Received:", "from ")] or texts,
        "authentication-results": [line.split(":", 1)[-1] for line in pick("Authentication-Results", "spf=")],
        "dkim signature + key": [line.split(":", 1)[-1] for line in pick("DKIM-Signature", "bh=")] + records,
        "arc": [text for text in texts if "ARC-Seal" in text] or texts,
        "dmarc record": records,
        "spf record": records,
        "spf macros": [line for line in lines if "%{" in line] + records,
        "bounce": texts,
        "ip / domain": pick("[", "ip4:", "ip6:") or lines[:200],
        "from": [line.split(":", 1)[-1] for line in pick("From:")],
    }


def mutate(text: str, pool: list[str], rng: random.Random) -> str:
    """One to four random edits of ``text``."""
    for _ in range(rng.randint(1, 4)):
        position = rng.randint(0, len(text))
        choice = rng.random()
        if choice < 0.25:
            text = text[:position] + rng.choice(TOKENS) * rng.choice((1, 1, 2, 50)) + text[position:]
        elif choice < 0.4 and text:
            end = min(len(text), position + rng.randint(1, 64))
            text = text[:position] + text[end:]
        elif choice < 0.55 and text:
            end = min(len(text), position + rng.randint(1, 32))
            text = text[:position] + text[position:end] * rng.choice((2, 10, 1000)) + text[position:]
        elif choice < 0.7 and text:
            index = rng.randrange(len(text))
            text = text[:index] + chr(rng.choice((0, 9, 10, 13, 32, 34, 40, 41, 59, 60, 62, 92, 0x9B, 0xFF,
                                                  rng.randrange(0x110000)))) + text[index + 1 :]
        elif pool:
            other = rng.choice(pool)
            cut = rng.randint(0, len(other))
            text = text[:position] + other[cut : cut + rng.randint(1, 400)] + text[position:]
    return text[:MAX_INPUT]


@dataclass
class Tally:
    executions: int = 0
    slowest: list[tuple[float, int, str]] = field(default_factory=list)  # (s per 100 kB, size, label)
    findings: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, label, detail)

    def record(self, seconds: float, text: str, label: str) -> None:
        rate = seconds / max(len(text.encode("utf-8", "surrogatepass")), 1) * 100_000
        floor = max(seconds, rate if len(text) > 10_000 else seconds)
        self.slowest.append((floor, len(text), label))
        self.slowest = sorted(self.slowest, reverse=True)[:3]
        if seconds > max(1.0, BUDGET_PER_100KB * len(text) / 100_000):
            self.findings.append(("slow", label, f"{seconds:.2f} s CPU for {len(text):,} characters"))


def run_one(parser: Callable[[str], object], text: str, label: str, tally: Tally, out: Path | None) -> None:
    start = time.process_time()
    try:
        parser(text)
    except Exception as exc:  # a finding: parsers must never raise
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        tally.findings.append(("exception", label, detail[:300]))
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            kept = out / f"finding-{len(tally.findings)}.txt"
            kept.write_text(text, encoding="utf-8", errors="surrogatepass")
    tally.executions += 1
    tally.record(time.process_time() - start, text, label)


def campaign(seconds: float, seed: int, out: Path | None, only: str | None = None) -> dict[str, Tally]:
    rng = random.Random(seed)
    seeds = _seeds()
    tallies: dict[str, Tally] = {}
    for name, parser in PARSERS.items():
        if only and only not in name:
            continue
        tally = tallies.setdefault(name, Tally())
        for label, text in ADVERSARIAL.get(name, []):
            run_one(parser, text, f"adversarial: {label}", tally, out)
        pool = seeds.get(name) or [""]
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            run_one(parser, mutate(rng.choice(pool), pool, rng), "mutation", tally, out)
    return tallies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="mutation time per parser (default 20)")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--only", help="run only the parsers whose name contains this")
    parser.add_argument("--out", type=Path, help="folder to keep the inputs of findings in")
    args = parser.parse_args(argv)
    tallies = campaign(args.seconds, args.seed, args.out, args.only)
    print(f"{'parser':28} {'executions':>10}  slowest (CPU s per 100 kB, size, input)")
    for name, tally in tallies.items():
        worst = "; ".join(f"{rate:.3f} ({size:,} ch, {label})" for rate, size, label in tally.slowest[:2])
        print(f"{name:28} {tally.executions:>10}  {worst}")
    findings = [(name, finding) for name, tally in tallies.items() for finding in tally.findings]
    print(f"\nFindings: {len(findings)}")
    for name, (kind, label, detail) in findings[:40]:
        print(f"  {name}: {kind} ({label}): {detail}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
