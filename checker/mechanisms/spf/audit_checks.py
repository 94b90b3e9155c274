"""Turn what the SPF audit found into checks with verdicts and plain-English explanations."""

from __future__ import annotations

from collections.abc import Callable

from checker.mechanisms.spf.lookups import MAX_DNS_TERMS, MAX_VOID_LOOKUPS
from checker.mechanisms.spf.tree import Finding, SpfNode, lookup_count_incomplete
from checker.shared.result import Check, Verdict

_NAME = "SPF record"


def build_checks(tree: SpfNode, findings: tuple[Finding, ...], total: int, voids: int) -> list[Check]:
    """All checks for one audit, most important first."""
    root_problem = next((f for f in findings if f.term == "root"), None)
    if root_problem is not None:
        return [_root_check(tree, root_problem)]
    by_kind: dict[str, list[Finding]] = {}
    for finding in findings:
        by_kind.setdefault(finding.kind, []).append(finding)
    checks = [
        Check(
            _NAME,
            Verdict.PASS,
            "spf.single_record",
            f"{tree.domain} publishes exactly one SPF record, as required.",
            {"record": tree.record},
        )
    ]
    for finding in by_kind.get("syntax_error", []):
        checks.append(
            Check(
                "SPF syntax",
                Verdict.FAIL,
                "spf.syntax_error",
                f"The SPF record of {finding.domain} has a syntax error, so every receiver gets a permanent "
                f"error (permerror) instead of a result. {finding.detail}",
                {"domain": finding.domain, "term": finding.term, "position": finding.position},
            )
        )
    checks.append(_lookup_check(tree, total, incomplete=lookup_count_incomplete(findings)))
    void_check = _void_check(by_kind.get("void", []), voids)
    if void_check:
        checks.append(void_check)
    for kind, build in _SIMPLE_CHECKS.items():
        if by_kind.get(kind):
            checks.append(build(by_kind[kind]))
    return checks


def _root_check(tree: SpfNode, finding: Finding) -> Check:
    domain = tree.domain
    if finding.kind == "no_record":
        return Check(
            _NAME,
            Verdict.FAIL,
            "spf.no_record",
            f"{domain} has no SPF record ({finding.detail}). Receivers cannot tell which servers may "
            "send its mail, and large mailbox providers increasingly reject or junk such mail.",
            {"domain": domain},
        )
    if finding.kind == "multiple_records":
        return Check(
            _NAME,
            Verdict.FAIL,
            "spf.multiple_records",
            f"{domain} publishes more than one SPF record; receivers then return a permanent error. "
            "Merge them into a single TXT record starting with v=spf1.",
            {"domain": domain, "detail": finding.detail},
        )
    if finding.kind == "invalid_domain":
        return Check(
            _NAME,
            Verdict.ERROR,
            "input.invalid_domain",
            f"{domain!r} cannot be checked: {finding.detail}.",
            {"domain": domain},
        )
    if finding.kind == "timeout":
        return Check(
            _NAME,
            Verdict.ERROR,
            "spf.audit_timeout",
            f"The SPF policy of {domain} could not be audited: {finding.detail}. Try again later.",
            {"domain": domain},
        )
    return Check(
        _NAME,
        Verdict.ERROR,
        "spf.dns_error",
        f"The SPF record of {domain} could not be fetched: {finding.detail} Try again later.",
        {"domain": domain},
    )


def _lookup_check(tree: SpfNode, total: int, *, incomplete: bool) -> Check:
    evidence = {"lookups": total, "limit": MAX_DNS_TERMS}
    if incomplete and total <= MAX_DNS_TERMS:
        # A record that could not be read may hold more lookups: "within the limit" would be a guess.
        return Check(
            "SPF lookups",
            Verdict.INFO,
            "spf.lookup_count_incomplete",
            f"At least {total} of the {MAX_DNS_TERMS} DNS lookups SPF allows are needed; the full count is "
            "not known because a record in the tree could not be looked up.",
            evidence,
        )
    if total <= MAX_DNS_TERMS:
        return Check(
            "SPF lookups",
            Verdict.PASS,
            "spf.lookup_count",
            f"Evaluating the whole policy needs {total} of the {MAX_DNS_TERMS} DNS lookups SPF allows.",
            evidence,
        )
    heavy = sorted(tree.children, key=lambda child: child.lookups_cumulative, reverse=True)
    # An include costs its own lookup plus everything below it.
    advice = ", ".join(f"{child.via} ({child.lookups_cumulative + 1} lookups)" for child in heavy[:3])
    evidence["largest"] = [{"term": c.via, "lookups": c.lookups_cumulative + 1} for c in heavy]
    return Check(
        "SPF lookups",
        Verdict.FAIL,
        "spf.too_many_lookups",
        f"Evaluating the whole policy needs {total} DNS lookups, over the limit of {MAX_DNS_TERMS}; "
        "receivers that get that far return a permanent error. "
        f"Flatten or remove the heaviest terms: {advice or 'see the tree'}.",
        evidence,
    )


def _void_check(found: list[Finding], voids: int) -> Check | None:
    names = sorted({f.detail for f in found})
    if not voids:
        return None
    evidence = {"void_lookups": voids, "limit": MAX_VOID_LOOKUPS, "names": names}
    if voids > MAX_VOID_LOOKUPS:
        return Check(
            "SPF void lookups",
            Verdict.FAIL,
            "spf.void_lookup_limit",
            f"{voids} terms look up names that do not exist or have no records ({', '.join(names)}); "
            f"more than {MAX_VOID_LOOKUPS} such 'void' lookups make receivers return a permanent error. "
            "Remove them.",
            evidence,
        )
    return Check(
        "SPF void lookups",
        Verdict.WARN,
        "spf.void_lookups",
        f"{voids} {'term looks' if voids == 1 else 'terms look'} up names that do not exist or have no "
        f"records ({', '.join(names)}). "
        f"Up to {MAX_VOID_LOOKUPS} are tolerated, but they are dead weight: remove them.",
        evidence,
    )


def _terms(found: list[Finding]) -> list[dict[str, object]]:
    return [{"domain": f.domain, "term": f.term, "position": f.position, "detail": f.detail} for f in found]


def _where(found: list[Finding]) -> str:
    return ", ".join(sorted({f"'{f.term}' in {f.domain}" if f.term else f.domain for f in found}))


def _plus_all(found: list[Finding]) -> Check:
    return Check(
        "SPF all",
        Verdict.FAIL,
        "spf.plus_all",
        f"{_where(found)} lets every server on the internet pass SPF for this domain. Use '-all' or '~all'.",
        {"terms": _terms(found)},
    )


def _neutral_all(found: list[Finding]) -> Check:
    return Check(
        "SPF all",
        Verdict.WARN,
        "spf.neutral_all",
        f"{_where(found)} makes no statement about servers not listed, so SPF protects nothing. "
        "Use '~all' or '-all' once the list of senders is complete.",
        {"terms": _terms(found)},
    )


def _no_all(found: list[Finding]) -> Check:
    return Check(
        "SPF all",
        Verdict.WARN,
        "spf.no_all",
        f"The SPF record of {_where(found)} has no 'all' mechanism and no redirect, so unlisted servers get "
        "'neutral' (no statement). End the record with '~all' or '-all'.",
        {"domains": sorted({f.domain for f in found})},
    )


def _ptr(found: list[Finding]) -> Check:
    return Check(
        "SPF ptr",
        Verdict.WARN,
        "spf.ptr_deprecated",
        f"{_where(found)} uses the 'ptr' mechanism, which RFC 7208 says should not be used: it is slow, "
        "unreliable and some receivers ignore it. List the servers with ip4/ip6 or a instead.",
        {"terms": _terms(found)},
    )


def _target_without_record(found: list[Finding]) -> Check:
    return Check(
        "SPF include",
        Verdict.FAIL,
        "spf.include_without_spf",
        "; ".join(sorted({f"'{f.term}' points to {f.domain}: {f.detail}" for f in found}))
        + ". Receivers evaluating it get a permanent error (permerror); fix the name or remove the term.",
        {"terms": _terms(found)},
    )


def _loop(found: list[Finding]) -> Check:
    return Check(
        "SPF include",
        Verdict.FAIL,
        "spf.include_loop",
        "; ".join(sorted({f.detail for f in found}))
        + ". Evaluation could never finish, so receivers return a permanent error; remove the circular term.",
        {"terms": _terms(found)},
    )


def _record_length(found: list[Finding]) -> Check:
    long = [f for f in found if int(f.detail.split()[0]) > 512]
    extra = (
        " Records over 512 bytes may not fit in a plain DNS reply; some receivers then fail to read them."
        if long
        else ""
    )
    return Check(
        "SPF record size",
        Verdict.INFO,
        "spf.record_length",
        f"The SPF record of {_where(found)} is longer than 255 bytes, so it must be split into several "
        "strings inside one TXT record; receivers join them with no space, so each split must fall "
        f"where no space is needed.{extra}",
        {"records": _terms(found)},
    )


def _after_all(found: list[Finding]) -> Check:
    return Check(
        "SPF term order",
        Verdict.WARN,
        "spf.terms_after_all",
        f"{_where(found)}: terms after 'all' are never evaluated, because 'all' always matches. Move them "
        "before 'all' or remove them.",
        {"terms": _terms(found)},
    )


def _mx_limit(found: list[Finding]) -> Check:
    return Check(
        "SPF mx",
        Verdict.FAIL,
        "spf.mx_limit",
        f"{_where(found)}: the mx mechanism may use at most 10 mail servers; with more, receivers return a "
        "permanent error. List the servers with ip4/ip6 instead.",
        {"terms": _terms(found)},
    )


def _macro_terms(found: list[Finding]) -> Check:
    return Check(
        "SPF macros",
        Verdict.INFO,
        "spf.macro_terms",
        f"{_where(found)} depends on the sender or the connecting IP, so the audit counts it but cannot look "
        "it up.",
        {"terms": _terms(found)},
    )


def _redirect_ignored(found: list[Finding]) -> Check:
    return Check(
        "SPF redirect",
        Verdict.INFO,
        "spf.redirect_ignored",
        f"{_where(found)} is ignored because the same record has an 'all' mechanism (RFC 7208 section 6.1).",
        {"terms": _terms(found)},
    )


def _dns_error(found: list[Finding]) -> Check:
    return Check(
        "SPF DNS",
        Verdict.ERROR,
        "spf.dns_error",
        "Some lookups failed, so receivers may get a temporary error: "
        + " ".join(sorted({f.detail for f in found})),
        {"terms": _terms(found)},
    )


def _invalid_target(found: list[Finding]) -> Check:
    return Check(
        "SPF include",
        Verdict.FAIL,
        "spf.invalid_target",
        "; ".join(sorted({f"'{f.term}': {f.detail}" for f in found}))
        + ". Such a term can never match and may make receivers return a permanent error.",
        {"terms": _terms(found)},
    )


def _truncated(found: list[Finding]) -> Check:
    return Check(
        "SPF audit",
        Verdict.ERROR,
        "spf.audit_truncated",
        f"The policy tree is too large to walk completely ({found[0].detail}); the counts are a lower bound.",
        {"terms": _terms(found)},
    )


_SIMPLE_CHECKS: dict[str, Callable[[list[Finding]], Check]] = {
    "plus_all": _plus_all,
    "loop": _loop,
    "no_record": _target_without_record,
    "multiple_records": _target_without_record,
    "invalid_domain": _invalid_target,
    "mx_limit": _mx_limit,
    "dns_error": _dns_error,
    "truncated": _truncated,
    "neutral_all": _neutral_all,
    "no_all": _no_all,
    "ptr": _ptr,
    "after_all": _after_all,
    "record_length": _record_length,
    "macro_term": _macro_terms,
    "redirect_ignored": _redirect_ignored,
}
