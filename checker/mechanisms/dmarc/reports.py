"""External report destinations (RFC 7489 section 7.1): may another domain receive our reports?"""

from __future__ import annotations

from dataclasses import dataclass

from checker.mechanisms.dmarc.lookup import txt_lookup
from checker.mechanisms.dmarc.record import DmarcRecord
from checker.shared.dns.model import Resolver
from checker.shared.dns.query import query_all
from checker.shared.orgdomain import PublicSuffixes


@dataclass(frozen=True)
class ReportAuthorization:
    """One rua/ruf address outside the policy domain's organization, and whether it agreed to receive."""

    tag: str  # "rua" or "ruf"
    uri: str
    destination_domain: str
    query_name: str
    authorized: bool | None  # None: the DNS query failed, so it is unknown
    explanation: str


async def check_report_authorizations(
    policy_domain: str, record: DmarcRecord, *, resolver: Resolver, psl: PublicSuffixes
) -> tuple[ReportAuthorization, ...]:
    """Query ``<policy_domain>._report._dmarc.<destination>`` for every external destination at once."""
    own_org = psl.organizational_domain(policy_domain)
    external = [
        (tag, uri)
        for tag, uris in (("rua", record.rua), ("ruf", record.ruf))
        for uri in uris
        if uri.domain and psl.organizational_domain(uri.domain) != own_org
    ]
    names = {uri.domain: f"{policy_domain}._report._dmarc.{uri.domain}" for _, uri in external if uri.domain}
    answers = await query_all(resolver, ((name, "TXT") for name in names.values()))
    results = []
    for tag, uri in external:
        name = names[uri.domain or ""]
        lookup = txt_lookup(answers[(name, "TXT")], name)
        if lookup.failed:
            authorized, text = None, f"Could not check {name}: {lookup.error}"
        elif lookup.dmarc_texts:
            authorized, text = (
                True,
                f"{uri.domain} publishes {name}, so it agrees to receive {policy_domain}'s reports.",
            )
        else:
            authorized, text = (
                False,
                (
                    f"{uri.domain} is outside {own_org} and does not publish a v=DMARC1 TXT record "
                    f"at {name}; "
                    f"receivers will not send {tag} reports there."
                ),
            )
        results.append(ReportAuthorization(tag, uri.uri, uri.domain or "", name, authorized, text))
    return tuple(results)
