"""Entry points the analyzer's web worker calls: JSON text in, JSON text out, never an exception.

Every function answers ``{"ok": true, "result": ...}`` or ``{"ok": false, "error": {what, where,
fix, reason}}``. DNS goes to the DNS-over-HTTPS resolver the page names in the request
(``{"doh": {"url": ..., "format": "json" | "wire"}}``); nothing else leaves the browser.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from checker.analyses.advice import FrontEndAdvice
from checker.frontends.interrupt import AnalysisStopped, install
from checker.shared.dns.model import Resolver
from checker.shared.result import InputError, to_jsonable

if TYPE_CHECKING:
    from checker.pasted.bounce.catalog import PreparedCatalog

DEFAULT_DOH = {"url": "https://cloudflare-dns.com/dns-query", "format": "json"}
MAX_INPUT_CHARS = 1_000_000  # a pasted message larger than this is not a bounce or a header block
MAX_SELECTORS = 20


class _BadRequest(Exception):
    """Internal only: carries an InputError out of request parsing; never leaves this module."""

    def __init__(self, error: InputError) -> None:
        super().__init__(error.what)
        self.error = error


# Imported by warm_up() while the page is still loading, so the first analysis does not pay for them.
# Not the follow-ups offered under a first result (sender rules, the DMARC next step, the SPF reduction
# plan): those wait for no one before "ready". The worker imports every bundled module right after
# "ready", before any analysis runs (snapshot.mjs), and a later visit starts with all of them imported.
ANALYSIS_MODULES = (
    "checker.pasted.bounce.analyze",
    "checker.analyses.headers.analyze",
    "checker.analyses.domain.audit",
    "checker.analyses.ip",
    "checker.shared.dns.factory",
    "checker.shared.dns.fetch",
)

# The page has no command-line options: the reader acts through its fields and settings.
BROWSER_ADVICE = FrontEndAdvice(
    blocklist_retry=(
        "Big public DNS resolvers are often refused by blocklists: choose another resolver in the DNS "
        "resolver setting on this page (your own or your provider's), or use the list's web lookup."
    ),
    dkim_selector=(
        # Also shown by the small check on entry pages, which has no such field: name the analyzer's tab.
        'Type it in the "DKIM selectors to check" field of the analyzer\'s Domain tab and run the '
        "check again."
    ),
)


def warm_up() -> str:
    """Import every analysis module ahead of use; JSON ``{ok, modules: {name: error or null}}`` back."""
    import importlib

    started = time.perf_counter()
    modules: dict[str, str | None] = {}
    for name in ANALYSIS_MODULES:
        try:
            importlib.import_module(name)
            modules[name] = None
        except Exception as exc:  # reported to the page's console; the analysis will say it clearly
            modules[name] = f"{type(exc).__name__}: {exc}"
    elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
    ok = all(error is None for error in modules.values())
    return json.dumps({"ok": ok, "modules": modules, "elapsed_ms": elapsed_ms})


def prepare_catalog_json(catalog_json: str) -> str:
    """Parse ``/catalog.json`` and compile its patterns ahead of the first bounce (the worker calls this
    while the reader is still pasting). JSON ``{ok, entries, elapsed_ms}`` or ``{ok: false, error}``
    back; a bad catalog is reported again, in full, by the bounce analysis itself."""
    started = time.perf_counter()
    try:
        prepared = _prepared_catalog(catalog_json)
    except ValueError as exc:
        return json.dumps({"ok": False, "error": f"catalog.json is malformed ({exc})"})
    elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
    if prepared.problem is not None:
        return json.dumps({"ok": False, "error": prepared.problem.what, "elapsed_ms": elapsed_ms})
    return json.dumps({"ok": True, "entries": len(prepared.entries), "elapsed_ms": elapsed_ms})


def stop_runaways(limit_seconds: float) -> None:
    """Called once by the worker: its stall guard's SIGINT stops the running analysis (interrupt.py)."""
    install(limit_seconds)


def _error_json(error: InputError, **extra: Any) -> str:
    return json.dumps({"ok": False, "error": to_jsonable(error), **extra}, ensure_ascii=False)


def _ok_json(result: Any, started: float, **extra: Any) -> str:
    elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
    if isinstance(result, InputError):
        return _error_json(result, elapsed_ms=elapsed_ms, **extra)
    payload = {"ok": True, "result": to_jsonable(result), "elapsed_ms": elapsed_ms, **extra}
    return json.dumps(payload, ensure_ascii=False)


def _internal_error(where: str, exc: BaseException) -> InputError:
    # A bug in the checker must still come back as data the page can show, not a worker crash.
    return InputError(
        what=f"The analysis stopped because of an internal error ({type(exc).__name__}: {exc}).",
        where=where,
        fix="This is a bug in the checker, not in your input. Please report it with the text you pasted.",
        reason="internal.error",
    )


def _parse_request(request_json: str, where: str) -> dict[str, Any]:
    if not isinstance(request_json, str):
        raise _BadRequest(
            InputError(what="The request is not JSON text.", where=where, fix="Send JSON text.")
        )
    try:
        request = json.loads(request_json)
    except ValueError as exc:
        raise _BadRequest(
            InputError(what=f"The request is not valid JSON ({exc}).", where=where, fix="Send a JSON object.")
        ) from None
    if not isinstance(request, dict):
        raise _BadRequest(InputError(what="The request is not a JSON object.", where=where, fix="Send one."))
    return request


def _text_field(request: Mapping[str, Any], key: str, *, where: str, label: str, fix: str) -> str:
    value = request.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _BadRequest(
            InputError(what=f"The {label} is empty.", where=where, fix=fix, reason="input.empty")
        )
    if len(value) > MAX_INPUT_CHARS:
        raise _BadRequest(
            InputError(
                what=f"The {label} has {len(value):,} characters, more than the {MAX_INPUT_CHARS:,} allowed.",
                where=where,
                fix="Paste only the part that matters (the bounce message or the header block).",
                reason="input.too_large",
            )
        )
    return value


def _usable_doh_url(url: str) -> bool:
    # Plain http only to this machine (a local test or development DoH server); https anywhere.
    parts = urlsplit(url)
    if parts.scheme == "https":
        return bool(parts.hostname)
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")


def make_doh_resolver(doh: Any) -> Resolver:
    """Build the DNS-over-HTTPS resolver the page asked for, fetching through the browser's ``fetch``.

    Raises ``_BadRequest`` for an unusable setting (caught by the entry points).
    """
    where = "Resolver setting"
    settings = doh if isinstance(doh, Mapping) else DEFAULT_DOH
    url = settings.get("url")
    wire_format = str(settings.get("format") or "json").lower()
    if not isinstance(url, str) or not url.strip():
        # Never fall back to some resolver the reader did not choose: say what is missing instead.
        raise _BadRequest(
            InputError(
                what="No DNS-over-HTTPS resolver address was given.",
                where=where,
                fix="Pick one of the listed resolvers, or enter your resolver's full https:// address.",
                reason="input.doh_url",
            )
        )
    address = url.strip()
    if not _usable_doh_url(address):
        raise _BadRequest(
            InputError(
                what=f"The DNS-over-HTTPS address {url!r} is not an https:// URL.",
                where=where,
                fix="Pick one of the listed resolvers or enter a full https:// address.",
                reason="input.doh_url",
            )
        )
    if wire_format not in ("json", "wire"):
        raise _BadRequest(
            InputError(
                what=f"The resolver format {wire_format!r} is unknown.",
                where=where,
                fix='Choose "json" (Google/Cloudflare style) or "wire" (RFC 8484).',
                reason="input.doh_format",
            )
        )
    from checker.shared.dns.factory import make_resolver
    from checker.shared.dns.fetch import pyodide_fetch

    # GET for the wire format too: a POST of application/dns-message needs a CORS preflight.
    resolver = make_resolver(
        "doh-wire" if wire_format == "wire" else "doh-json", address, fetch=pyodide_fetch
    )
    if isinstance(resolver, InputError):
        raise _BadRequest(resolver)
    return resolver


def _dns(request: Mapping[str, Any], resolver: Resolver | None) -> Resolver:
    # Tests inject a resolver; the page names its DoH resolver in the request.
    return resolver or make_doh_resolver(request.get("doh"))


@lru_cache(maxsize=2)
def _prepared_catalog(catalog_json: str) -> PreparedCatalog:
    """``/catalog.json`` parsed and its patterns compiled once per distinct text (the worker sends the
    same text each time): compiling them is most of a bounce analysis's time otherwise."""
    from checker.pasted.bounce.catalog import prepare_catalog

    return prepare_catalog(json.loads(catalog_json))


async def _run(request_json: str, where: str, analysis: Callable[[dict[str, Any]], Awaitable[Any]]) -> str:
    started = time.perf_counter()
    try:
        request = _parse_request(request_json, where)
        result = await analysis(request)
    except _BadRequest as bad:
        return _error_json(bad.error)
    except AnalysisStopped as stopped:
        return _error_json(_stopped_error(where, stopped))
    except Exception as exc:
        return _error_json(_internal_error(where, exc))
    return _ok_json(result, started)


# Analyses of pasted text; the others work on DNS answers.
_PASTED = ("Bounce", "Headers", "Sender requirements")


def _stopped_error(where: str, stopped: AnalysisStopped) -> InputError:
    # The cause is what this analysis worked on, never the DNS resolver for a pasted bounce.
    if where in _PASTED:
        return InputError(
            what=f"The analysis was stopped: the pasted text {stopped}. Nothing else was affected.",
            where=where,
            fix=(
                "Paste only what the analysis needs (the bounce's error lines, or the message's headers "
                "without its body and attachments), then run it again."
            ),
            reason="input.too_slow",
        )
    return InputError(
        what=f"The analysis was stopped: working through the DNS answers {stopped}.",
        where=where,
        fix="Run it again; if it happens again, choose another DNS resolver in the settings on this page.",
        reason="input.dns_too_slow",
    )


def _catalog_for(request: Mapping[str, Any], catalog_json: str | None) -> Any:
    text = catalog_json if catalog_json is not None else request.get("catalog")
    if not isinstance(text, str) or not text.strip():
        raise _BadRequest(
            InputError(
                what="The error catalog did not load, so the bounce cannot be matched to an entry.",
                where="catalog.json",
                fix="Reload the page; if it persists, rebuild the site (the build writes /catalog.json).",
                reason="input.no_catalog",
            )
        )
    try:
        return _prepared_catalog(text)
    except ValueError as exc:
        raise _BadRequest(
            InputError(
                what=f"The error catalog is malformed ({exc}).",
                where="catalog.json",
                fix="Rebuild the site; the build validates every entry.",
                reason="input.bad_catalog",
            )
        ) from None


async def analyze_bounce_json(request_json: str, catalog_json: str | None = None) -> str:
    """Analyse a pasted bounce (``{"text": ...}``) against the catalog; JSON text back."""

    async def analysis(request: dict[str, Any]) -> Any:
        text = _text_field(
            request,
            "text",
            where="Bounce",
            label="bounce text",
            fix="Paste the bounce message, or just the line with the error code (e.g. 550 5.7.26 ...).",
        )
        from checker.pasted.bounce.analyze import analyze_bounce

        return analyze_bounce(text, catalog=_catalog_for(request, catalog_json))

    return await _run(request_json, "Bounce", analysis)


async def analyze_headers_json(request_json: str, *, resolver: Resolver | None = None) -> str:
    """Analyse pasted message headers (``{"text": ..., "doh": {...}}``); JSON text back."""

    async def analysis(request: dict[str, Any]) -> Any:
        text = _text_field(
            request,
            "text",
            where="Headers",
            label="header block",
            fix="Paste the full headers of a received message (Gmail: Show original; Outlook: View source).",
        )
        from checker.analyses.headers.analyze import analyze_headers

        return await analyze_headers(text, resolver=_dns(request, resolver))

    return await _run(request_json, "Headers", analysis)


def _selectors(request: Mapping[str, Any]) -> list[str]:
    raw = request.get("selectors") or []
    if isinstance(raw, str):
        raw = raw.replace(",", " ").split()
    if not isinstance(raw, list) or not all(isinstance(s, str) for s in raw):
        raise _BadRequest(
            InputError(
                what="The DKIM selectors are not a list of names.",
                where="Domain: DKIM selectors",
                fix="Type selector names separated by spaces or commas (e.g. google selector1).",
            )
        )
    selectors = [s.strip() for s in raw if s.strip()]
    if len(selectors) > MAX_SELECTORS:
        raise _BadRequest(
            InputError(
                what=f"{len(selectors)} DKIM selectors were given; at most {MAX_SELECTORS} are checked.",
                where="Domain: DKIM selectors",
                fix="Keep the selectors you actually use (see the s= tag of your DKIM-Signature header).",
            )
        )
    return selectors


async def audit_domain_json(request_json: str, *, resolver: Resolver | None = None) -> str:
    """Audit a domain's mail DNS (``{"domain": ..., "selectors": [...], "doh": {...}}``); JSON text back."""

    async def analysis(request: dict[str, Any]) -> Any:
        domain = _text_field(
            request,
            "domain",
            where="Domain",
            label="domain name",
            fix="Type a domain such as example.com (no https://, no @).",
        ).strip()
        selectors = _selectors(request)
        from checker.analyses.domain.audit import audit_domain

        return await audit_domain(
            domain, resolver=_dns(request, resolver), selectors=selectors, advice=BROWSER_ADVICE
        )

    return await _run(request_json, "Domain", analysis)


async def check_ip_json(request_json: str, *, resolver: Resolver | None = None) -> str:
    """Check a sending IP (``{"address": ..., "doh": {...}}``): PTR, FCrDNS, blocklists; JSON text back."""

    async def analysis(request: dict[str, Any]) -> Any:
        address = _text_field(
            request,
            "address",
            where="IP",
            label="IP address",
            fix="Type an IPv4 or IPv6 address such as 192.0.2.1 or 2001:db8::1.",
        ).strip()
        from checker.analyses.ip import check_ip

        return await check_ip(address, resolver=_dns(request, resolver), advice=BROWSER_ADVICE)

    return await _run(request_json, "IP", analysis)


def _flag(request: Mapping[str, Any], key: str, *, where: str) -> bool:
    value = request.get(key, True)
    if not isinstance(value, bool):
        raise _BadRequest(
            InputError(
                what=f"The setting {key!r} must be true or false.", where=where, fix="Send true or false."
            )
        )
    return value


def _domain_field(request: Mapping[str, Any], where: str) -> str:
    from checker.shared.orgdomain import normalize_domain

    text = _text_field(
        request,
        "domain",
        where=where,
        label="domain name",
        fix="Type a domain such as example.com (no https://, no @).",
    ).strip()
    domain = normalize_domain(text)
    if isinstance(domain, InputError):
        raise _BadRequest(InputError(what=domain.what, where=where, fix=domain.fix, reason=domain.reason))
    return domain


async def sender_requirements_json(request_json: str, *, resolver: Resolver | None = None) -> str:
    """Gmail, Yahoo and Outlook.com sender requirements for a pasted message; JSON text back.

    Request: ``{"text": ..., "doh": {...}, "domain_audit": true, "ip_check": true}`` (the two flags
    default to true: audit the From domain, check the connecting IP's reverse DNS). Result:
    ``checker.analyses.requirements.SenderRequirements`` (``providers[].rows[]`` and the side-by-side
    ``matrix``).
    """

    async def analysis(request: dict[str, Any]) -> Any:
        text = _text_field(
            request,
            "text",
            where="Sender requirements",
            label="message",
            fix="Paste the full headers of a message you sent, as received (Gmail: Show original).",
        )
        audit = _flag(request, "domain_audit", where="Sender requirements")
        ip_check = _flag(request, "ip_check", where="Sender requirements")
        from checker.analyses.requirements import check_sender_requirements

        result = await check_sender_requirements(
            text,
            resolver=_dns(request, resolver),
            audit_domain=audit,
            check_ip=ip_check,
            advice=BROWSER_ADVICE,
        )
        return result.input_error or result

    return await _run(request_json, "Sender requirements", analysis)


async def dmarc_next_step_json(request_json: str, *, resolver: Resolver | None = None) -> str:
    """The next safe DMARC record toward p=reject for ``{"domain": ..., "doh": {...}}``; JSON text back.

    Result: ``checker.mechanisms.dmarc.next_step.DmarcNextStep`` (stage, current and proposed record, reason,
    explanation, what to watch in the aggregate reports, warnings, RFC 7489 references).
    """

    async def analysis(request: dict[str, Any]) -> Any:
        domain = _domain_field(request, "DMARC next step")
        from checker.mechanisms.dmarc.next_step import plan_dmarc_next_step

        return await plan_dmarc_next_step(domain, resolver=_dns(request, resolver))

    return await _run(request_json, "DMARC next step", analysis)


async def spf_reduction_json(request_json: str, *, resolver: Resolver | None = None) -> str:
    """How to bring ``{"domain": ..., "doh": {...}}``'s SPF record under 10 lookups; JSON text back.

    Result: ``checker.mechanisms.spf.reduce.SpfReduction`` (lookups per term costliest first, the steps, the
    record after them and its new count).
    """

    async def analysis(request: dict[str, Any]) -> Any:
        domain = _domain_field(request, "SPF lookups")
        from checker.mechanisms.spf.reduce import plan_spf_reduction

        return await plan_spf_reduction(domain, resolver=_dns(request, resolver))

    return await _run(request_json, "SPF lookups", analysis)
