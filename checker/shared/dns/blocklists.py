"""Well-known DNS blocklists, the return codes each documents, and what an answer means.

Sources: Spamhaus "Available Zones" return-code table (docs.spamhaus.com, datasets/040-zones) and
its help page for legacy public-mirror users (127.255.255.254 public/open resolver, 127.255.255.255
excessive queries; 127.255.255.252 typo in the list name per the Spamhaus DNSBL usage FAQ);
SpamCop's blocking-list page and Barracuda's BRBL page (127.0.0.2 means listed). Lists without a
documented IPv6 zone are not asked about IPv6 addresses.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from checker.shared.dns.model import DnsAnswer, DnsStatus
from checker.shared.result import Verdict


class Listing(enum.StrEnum):
    LISTED = "listed"  # the address is on the list
    NOT_LISTED = "not_listed"
    UNUSABLE = "unusable"  # the list answered, but the answer means "could not check"
    FAILED = "failed"  # the lookup itself failed
    SKIPPED = "skipped"  # not asked (IPv6 on an IPv4-only list)


@dataclass(frozen=True)
class ReturnCode:
    """One documented answer address: what it means and how serious a listing is."""

    meaning: str
    verdict: Verdict = Verdict.FAIL


@dataclass(frozen=True)
class Blocklist:
    """A DNSBL zone with its documented return codes and answers that mean "could not check"."""

    id: str
    name: str
    zone: str
    ipv6: bool
    codes: Mapping[str, ReturnCode]
    unusable: Mapping[str, str] = field(default_factory=dict)
    lookup_url: str | None = None


SPAMHAUS_ZEN = Blocklist(
    id="spamhaus-zen",
    name="Spamhaus ZEN",
    zone="zen.spamhaus.org",
    ipv6=True,
    codes={
        "127.0.0.2": ReturnCode("Spamhaus SBL: a known spam source or spam operation"),
        "127.0.0.3": ReturnCode("Spamhaus CSS: automatically detected low-reputation (snowshoe) sending"),
        "127.0.0.4": ReturnCode("Spamhaus XBL: an exploited or infected machine (botnet, open proxy)"),
        "127.0.0.5": ReturnCode("Spamhaus XBL (code reserved, currently unused)"),
        "127.0.0.6": ReturnCode("Spamhaus XBL (code reserved, currently unused)"),
        "127.0.0.7": ReturnCode("Spamhaus XBL (code reserved, currently unused)"),
        "127.0.0.9": ReturnCode("Spamhaus DROP: a hijacked or criminal network (always with an SBL listing)"),
        "127.0.0.10": ReturnCode(
            "Spamhaus PBL (set by the network's owner): this range should not send mail directly",
            Verdict.WARN,
        ),
        "127.0.0.11": ReturnCode(
            "Spamhaus PBL (set by Spamhaus): this range looks like end-user addresses that should not "
            "send mail directly",
            Verdict.WARN,
        ),
        "127.0.0.30": ReturnCode("Spamhaus BCL: a botnet command-and-control server"),
    },
    unusable={
        "127.255.255.252": "Spamhaus says the list name in the query was mistyped",
        "127.255.255.254": "Spamhaus refused the query because it came through a public or open resolver",
        "127.255.255.255": "Spamhaus refused the query because the resolver sent too many queries",
    },
    lookup_url="https://check.spamhaus.org/",
)

SPAMCOP = Blocklist(
    id="spamcop",
    name="SpamCop",
    zone="bl.spamcop.net",
    ipv6=False,
    codes={"127.0.0.2": ReturnCode("SpamCop: recipients recently reported mail from this address as spam")},
    lookup_url="https://www.spamcop.net/bl.shtml",
)

BARRACUDA = Blocklist(
    id="barracuda",
    name="Barracuda Reputation Block List",
    zone="b.barracudacentral.org",
    ipv6=False,
    codes={"127.0.0.2": ReturnCode("Barracuda: this address has a poor sending reputation")},
    lookup_url="https://www.barracudacentral.org/rbl/removal-request",
)

DEFAULT_BLOCKLISTS: tuple[Blocklist, ...] = (SPAMHAUS_ZEN, SPAMCOP, BARRACUDA)


@dataclass(frozen=True)
class BlocklistAnswer:
    """What one blocklist said about one address."""

    listing: Listing
    codes: tuple[str, ...] = ()
    meanings: tuple[str, ...] = ()
    verdict: Verdict = Verdict.PASS


def interpret(blocklist: Blocklist, answer: DnsAnswer) -> BlocklistAnswer:
    """Read a blocklist's A answer: listed (with meanings), not listed, or could not check.

    A "could not check" code wins over listing codes, and an answer outside 127.0.0.0/8 is not
    a listing: DNSBLs answer inside 127/8, so anything else comes from a resolver rewriting answers.
    """
    if answer.status in (DnsStatus.NXDOMAIN, DnsStatus.NODATA):
        return BlocklistAnswer(Listing.NOT_LISTED)
    if answer.failed:
        return BlocklistAnswer(Listing.FAILED, verdict=Verdict.ERROR)
    codes = tuple(sorted(set(answer.records)))
    refusals = tuple(blocklist.unusable[code] for code in codes if code in blocklist.unusable)
    if refusals:
        return BlocklistAnswer(Listing.UNUSABLE, codes, refusals, Verdict.ERROR)
    outside = [code for code in codes if not code.startswith("127.")]
    if outside:
        meaning = "the answer is outside 127.0.0.0/8, so it did not come from the blocklist"
        return BlocklistAnswer(Listing.UNUSABLE, codes, (meaning,), Verdict.ERROR)
    meanings: list[str] = []
    verdict = Verdict.WARN
    for code in codes:
        known = blocklist.codes.get(code)
        if known is None:
            meanings.append(f"{blocklist.name}: listed with a return code it does not document ({code})")
            verdict = Verdict.FAIL
        else:
            meanings.append(known.meaning)
            if known.verdict is Verdict.FAIL:
                verdict = Verdict.FAIL
    return BlocklistAnswer(Listing.LISTED, codes, tuple(meanings), verdict)
