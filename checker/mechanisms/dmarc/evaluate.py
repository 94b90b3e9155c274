"""DMARC policy evaluation: identifier alignment, pass/fail, the policy that applies and what to change."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from checker.mechanisms.dmarc.discovery import (
    RFC7489,
    RFC9989,
    DmarcDiscovery,
    PolicyLookup,
    discover_dmarc,
    select_policy,
)
from checker.mechanisms.dmarc.discovery import tree_walk_org_domains as _walk_orgs
from checker.mechanisms.dmarc.record import DmarcRecord
from checker.shared.dns.cache import per_run_cache
from checker.shared.dns.model import Resolver
from checker.shared.dns.names import fold_name
from checker.shared.orgdomain import PublicSuffixes, normalize_domain

_DOWNGRADE = {"reject": "quarantine", "quarantine": "none", "none": "none"}
_FATAL_CODES = ("dmarc.syntax_error", "dmarc.duplicate_tag", "dmarc.bad_version")


@dataclass(frozen=True)
class AlignmentRow:
    """One identifier checked against the RFC5322.From domain, relaxed and strict."""

    source: str  # "spf" (MAIL FROM domain) or "dkim" (a signature's d=)
    domain: str
    auth_result: str  # the SPF or DKIM result for this identifier
    authenticated: bool
    from_domain: str
    from_org_domain: str
    org_domain: str
    relaxed: bool  # same organizational domain
    strict: bool  # identical domain
    mode: str  # "r" or "s": what the record asks for (adkim / aspf)
    aligned: bool  # authenticated and aligned in the required mode
    why: str


@dataclass(frozen=True)
class DmarcEvaluation:
    """The DMARC verdict for one message.

    ``result`` is pass, fail, none (no usable policy: DMARC does not apply), temperror or permerror.
    ``policy`` is the policy that applies to a failing message (p, sp or np; with t=y under RFC 9989
    one step milder); ``disposition`` is what a receiver following it does to this message.
    """

    from_domain: str
    method: str
    result: str
    policy: str | None
    policy_tag: str | None
    published_policy: str | None
    disposition: str
    sampling: str | None
    record_domain: str | None
    org_domain: str
    record: DmarcRecord | None
    alignment: tuple[AlignmentRow, ...]
    aligned_by: tuple[str, ...]
    fixes: tuple[str, ...]
    explanation: str
    # (where, text) of TXT records at _dmarc that almost are DMARC records but cannot be used
    malformed_records: tuple[tuple[str, str], ...] = ()
    lookup_status: str = "found"

    @property
    def ar_fragment(self) -> str:
        """This verdict as an Authentication-Results method result."""
        text = f"dmarc={self.result}"
        if self.policy:
            text += f" ({self.policy_tag}={self.policy})"
        text += f" header.from={self.from_domain}"
        if self.policy:
            text += f" policy.dmarc={self.policy}"
        return text


def evaluate_dmarc(
    from_domain: str,
    spf_result: str | None,
    spf_domain: str | None,
    dkim_results: Iterable[tuple[str, str]],
    record: DmarcRecord | PolicyLookup | None,
    org_domain_fn: Callable[[str], str],
    *,
    record_domain: str | None = None,
    domain_exists: bool | None = True,
    method: str = RFC7489,
) -> DmarcEvaluation:
    """Evaluate DMARC from already-known SPF and DKIM results; pure, no DNS.

    ``dkim_results`` is ``[(d, result), ...]``; ``record`` is the discovered record (or the
    ``PolicyLookup`` that found it, which also carries where and whether DNS failed);
    ``org_domain_fn`` maps a domain to its organizational domain (PSL or tree walk).
    """
    status = "found" if record is not None else "none"
    dns_error = None
    malformed: tuple[tuple[str, str], ...] = ()
    if isinstance(record, PolicyLookup):
        status, record_domain, dns_error = record.status, record.record_domain, record.error
        malformed = record.malformed
        record = record.record
    from_domain = _clean(from_domain)
    from_org = org_domain_fn(from_domain)
    adkim = record.adkim if record else "r"
    aspf = record.aspf if record else "r"
    rows = []
    if spf_domain:
        rows.append(
            _row("spf", _clean(spf_domain), spf_result or "none", from_domain, from_org, aspf, org_domain_fn)
        )
    for d, result in dkim_results:
        rows.append(_row("dkim", _clean(d), result, from_domain, from_org, adkim, org_domain_fn))
    alignment = tuple(rows)
    aligned_by = tuple(f"{row.source}:{row.domain}" for row in alignment if row.aligned)

    def verdict(result: str, explanation: str, fixes: tuple[str, ...] = (), **policy: Any) -> DmarcEvaluation:
        return DmarcEvaluation(
            from_domain=from_domain,
            method=method,
            result=result,
            policy=policy.get("policy"),
            policy_tag=policy.get("tag"),
            published_policy=policy.get("published"),
            disposition=policy.get("disposition", "none"),
            sampling=policy.get("sampling"),
            record_domain=record_domain,
            org_domain=from_org,
            record=record,
            alignment=alignment,
            aligned_by=aligned_by,
            fixes=fixes,
            explanation=explanation,
            malformed_records=malformed,
            lookup_status=status,
        )

    if status == "temperror":
        why = (dns_error or "DNS error").rstrip(".")
        return verdict("temperror", f"The DMARC record could not be looked up ({why}); try again later.")
    if record is None:
        if status == "multiple":
            return verdict(
                "none",
                f"{from_domain} publishes more than one DMARC record, so receivers ignore DMARC for it.",
                ("Delete all but one of the DMARC TXT records.",),
            )
        if malformed:
            name, text = malformed[0]
            return verdict(
                "none",
                f'The DMARC record at {name} is not valid ("{text}"), so receivers ignore it and decide on '
                "their own what to do with unauthenticated mail.",
                (
                    'Make it start with exactly "v=DMARC1;" (version, then a semicolon), e.g. '
                    '"v=DMARC1; p=none; rua=mailto:dmarc-reports@' + from_org + '".',
                ),
            )
        return verdict(
            "none",
            f"{from_domain} publishes no DMARC record; receivers decide on their own what to do with "
            "unauthenticated mail.",
            (suggest_record(from_org),),
        )
    fatal = next((problem for problem in record.problems if problem.code in _FATAL_CODES), None)
    if fatal is not None:
        return verdict(
            "permerror",
            f"The DMARC record is malformed ({fatal.message}), so it cannot be applied.",
            ("Fix the DMARC record syntax: tag=value pairs separated by semicolons.",),
        )
    tag, published = select_policy(record, from_domain, record_domain, from_org, domain_exists, method)
    if published is None:
        return verdict(
            "none",
            "The DMARC record has neither p= nor rua=, so receivers apply no DMARC processing.",
            ("Add p=none (to monitor) or p=quarantine / p=reject to the record.",),
        )
    policy, sampling = published, None
    if method == RFC9989 and record.t == "y":
        policy = _DOWNGRADE[published]
        sampling = f"t=y (test mode): a failing message gets {policy} instead of {published}."
    elif method == RFC7489 and record.pct == 0:
        # RFC 7489 section 6.6.4: a message not selected by pct= gets the next lower policy; with pct=0
        # none is selected, so the disposition is always that lower policy.
        policy = _DOWNGRADE[published]
        sampling = (
            f"pct=0: no failing message is selected for {published}, so every failing message gets "
            f"{policy} (the next lower policy, RFC 7489 section 6.6.4)."
        )
    elif method == RFC7489 and record.pct < 100:
        sampling = (
            f"pct={record.pct}: only {record.pct}% of failing messages get {published}; "
            f"the rest get {_DOWNGRADE[published]}."
        )
    chosen = {"policy": policy, "tag": tag, "published": published, "sampling": sampling}
    if aligned_by:
        return verdict(
            "pass",
            f"DMARC passes: {_describe(aligned_by)} authenticated and aligned with {from_domain}.",
            **chosen,
        )
    explanation = (
        f"DMARC fails: no SPF or DKIM result both passed and matched the From domain "
        f"{from_domain}. The domain's policy asks receivers to {_policy_words(policy, tag)}."
    )
    fixes = tuple(_fixes(alignment, from_domain, from_org, adkim, aspf))
    return verdict("fail", explanation, fixes, disposition=policy, **chosen)


def domain_of(address: str) -> str:
    """The domain part of ``user@example.com`` or ``<user@example.com>``; a bare domain is returned as is."""
    text = (address or "").strip().strip("<>").strip()
    return text.rsplit("@", 1)[-1]


def _clean(domain: str) -> str:
    normalized = normalize_domain(domain_of(domain)) if domain else domain
    return normalized if isinstance(normalized, str) else fold_name((domain or "").strip())


def _row(
    source: str,
    domain: str,
    result: str,
    from_domain: str,
    from_org: str,
    mode: str,
    org_fn: Callable[[str], str],
) -> AlignmentRow:
    org = org_fn(domain)
    strict = domain == from_domain
    relaxed = org == from_org
    authenticated = result.lower() == "pass"
    aligned = authenticated and (strict if mode == "s" else relaxed)
    label = "MAIL FROM domain" if source == "spf" else "DKIM d="
    if strict:
        match = f"{label} {domain} is exactly the From domain"
    elif relaxed:
        match = f"{label} {domain} shares the organizational domain {org} with the From domain"
        if mode == "s":
            match += ", but the record asks for strict alignment (exact match)"
    else:
        match = f"{label} {domain} (organization {org}) is unrelated to the From domain {from_domain}"
    verdict = "so it counts for DMARC" if aligned else "so it does not count for DMARC"
    if not authenticated:
        match += f"; its {source.upper()} result is {result}, not pass"
    return AlignmentRow(
        source,
        domain,
        result,
        authenticated,
        from_domain,
        from_org,
        org,
        relaxed,
        strict,
        mode,
        aligned,
        f"{match}, {verdict}.",
    )


def _describe(aligned_by: tuple[str, ...]) -> str:
    return join_distinct(
        ("SPF for " if item.startswith("spf:") else "DKIM for d=") + item.split(":", 1)[1]
        for item in aligned_by
    )


def join_distinct(parts: Iterable[str]) -> str:
    """``parts`` joined with "and", each distinct one once, in first-seen order.

    Two signatures by the same domain are two alignment rows but one reason, named once.
    """
    return " and ".join(dict.fromkeys(parts))


def _policy_words(policy: str | None, tag: str | None = "p") -> str:
    return {
        "reject": "reject it",
        "quarantine": "put it in spam / quarantine",
        "none": f"deliver it anyway ({tag or 'p'}=none only monitors)",
    }.get(policy or "none", "deliver it anyway")


def _fixes(
    rows: tuple[AlignmentRow, ...], from_domain: str, from_org: str, adkim: str, aspf: str
) -> list[str]:
    fixes: list[str] = []
    dkim_rows = [row for row in rows if row.source == "dkim"]
    target = from_domain if adkim == "s" else from_org
    for row in dkim_rows:
        if row.authenticated and not row.aligned:
            fixes.append(
                f"Sign with d={target} instead of d={row.domain} (ask your sending service for "
                f"custom-domain DKIM)."
            )
        elif not row.authenticated and (row.strict or (row.relaxed and adkim == "r")):
            fixes.append(
                f"The DKIM signature with d={row.domain} would align but did not verify "
                f"({row.auth_result}); check the published key and that nothing modifies the message."
            )
    if not dkim_rows:
        fixes.append(f"Add a DKIM signature with d={target}.")
    for row in rows:
        if row.source != "spf":
            continue
        if row.authenticated and not row.aligned:
            where = from_domain if aspf == "s" else f"{from_org} (e.g. bounces.{from_org})"
            fixes.append(f"Use a Return-Path (MAIL FROM) in {where} instead of {row.domain}.")
        elif not row.authenticated and row.aligned is False and (row.strict or (row.relaxed and aspf == "r")):
            fixes.append(
                f"SPF for {row.domain} did not pass ({row.auth_result}); add the sending server to "
                f"{row.domain}'s SPF record."
            )
    # two signatures by one domain need the same fix; say it once
    return list(dict.fromkeys(fixes))


def suggest_record(org_domain: str) -> str:
    """A safe first DMARC record to publish: monitoring with aggregate reports."""
    return f'Publish TXT at _dmarc.{org_domain}: "v=DMARC1; p=none; rua=mailto:dmarc-reports@{org_domain}"'


async def verify_dmarc(
    from_domain: str,
    spf_result: str | None,
    spf_domain: str | None,
    dkim_results: Iterable[tuple[str, str]],
    *,
    resolver: Resolver,
    psl: PublicSuffixes,
    method: str = RFC7489,
    discovery: DmarcDiscovery | None = None,
) -> DmarcEvaluation:
    """Discover the record (unless given) and evaluate; RFC 9989 uses tree-walk organizational domains."""
    dkim_results = list(dkim_results)
    from_domain = domain_of(from_domain)
    cached = per_run_cache(resolver)  # discovery and the tree walks share one view of DNS
    discovery = discovery or await discover_dmarc(from_domain, resolver=cached, psl=psl)
    lookup = discovery.lookup(method)
    if lookup is None:
        lookup = PolicyLookup(
            method,
            "none",
            None,
            None,
            from_domain,
            "invalid",
            (),
            "The From domain is not a valid domain name.",
        )
    if method == RFC9989:
        others = [d for d, _ in dkim_results] + ([spf_domain] if spf_domain else [])
        walks = await _walk_orgs([discovery.domain, *others], resolver=cached)

        def org_fn(domain: str) -> str:
            walk = walks.get(domain)
            return walk.org_domain if walk else domain
    else:
        org_fn = psl.organizational_domain
    return evaluate_dmarc(
        discovery.domain,
        spf_result,
        spf_domain,
        dkim_results,
        lookup,
        org_fn,
        domain_exists=discovery.domain_exists,
        method=method,
    )
