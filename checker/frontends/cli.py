"""Command line: ``python -m checker headers|domain|ip|bounce ...`` with readable or JSON output.

Exit codes (also in ``--help`` and checker/README.md):
  0  nothing failed (every check passed, or only warnings and notes)
  1  at least one check failed
  2  usage or input error (bad arguments, unreadable file, not a domain or IP address)
  3  no check failed, but at least one could not be made (DNS trouble, a check unavailable)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import textwrap
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

from checker.analyses.advice import FrontEndAdvice
from checker.frontends.catalog_source import load_catalog
from checker.shared.result import Check, InputError, Verdict, to_json, to_jsonable

EXIT_OK, EXIT_FAIL, EXIT_INPUT, EXIT_ERROR = 0, 1, 2, 3
MAX_INPUT_BYTES = 10 * 1024 * 1024

EXIT_HELP = """exit codes:
  0  nothing failed (all checks passed, or only warnings and notes)
  1  at least one check failed
  2  usage or input error (bad arguments, unreadable file, invalid domain or IP)
  3  no check failed, but at least one could not be made (DNS trouble, check unavailable)
"""

# Shown by each command's --help (and all of them by the top-level --help), before the exit codes.
EXAMPLES = {
    "domain": (
        "smtp-checker domain example.com",
        "smtp-checker domain example.com --selector s1 --selector s2 --no-probe",
        "smtp-checker domain example.com --resolver doh-wire --doh-url https://dns.quad9.net/dns-query",
        "smtp-checker domain example.com --json > audit.json",
    ),
    "ip": (
        "smtp-checker ip 192.0.2.10",
        "smtp-checker ip 2001:db8::25 --timeout 10",
        "smtp-checker ip 192.0.2.10 --json",
    ),
    "headers": (
        "smtp-checker headers message.eml",
        "smtp-checker headers - < headers.txt      # the headers on standard input",
        "smtp-checker headers message.eml --resolver doh-json --json",
    ),
    "bounce": (
        "smtp-checker bounce bounce.eml",
        "smtp-checker bounce - < bounce.eml --json",
        "smtp-checker bounce bounce.eml --catalog site/catalog.json",
    ),
}


def _epilog(*commands: str) -> str:
    lines = [f"  {example}" for command in commands for example in EXAMPLES[command]]
    return "examples:\n" + "\n".join(lines) + "\n\n" + EXIT_HELP


_SYMBOLS = {
    Verdict.PASS: ("✔", "ok"),
    Verdict.FAIL: ("✘", "FAIL"),
    Verdict.WARN: ("⚠", "warn"),
    Verdict.INFO: ("ℹ", "info"),
    Verdict.ERROR: ("?", "ERROR"),
}

_BOUNCE_KINDS = {
    "bounce": "delivery failed",
    "delay": "delivery delayed (still retrying)",
    "delivered": "delivered (success report)",
    "feedback-report": "feedback report (complaint), not a bounce",
    "auto-reply": "automatic reply, not a bounce",
    "not-a-bounce": "not a bounce",
}


class CliInputError(Exception):
    """Raised inside the CLI only, turned into a message and exit code 2 by ``main``."""

    def __init__(self, error: InputError) -> None:
        super().__init__(error.what)
        self.error = error


def version_text() -> str:
    """The package version and the catalog the bounce command would use, as ``--version`` prints them."""
    from checker import __version__

    loaded = load_catalog(None)
    if isinstance(loaded, InputError):  # pragma: no cover - only a given --catalog can fail
        return f"smtp-checker {__version__}"
    _, info, note = loaded
    catalog = info.describe() if info else f"none ({note})"
    return f"smtp-checker {__version__}\nerror catalog: {catalog}\nDoH transport: {doh_transport_text()}"


def doh_transport_text() -> str:
    """How the DoH resolvers reach their server in this run's environment, for ``--version``."""
    from checker.shared.dns.pool_http2 import HTTP2, cli_transport, http2_installed

    transport = cli_transport()
    if transport == HTTP2:
        return "HTTP/2, one connection per server (HTTP/1.1 keep-alive when a server has no HTTP/2)"
    if http2_installed():
        return transport
    return f"{transport} (pip install 'smtp-checker[http2]' for HTTP/2)"


class _VersionAction(argparse.Action):
    """``--version``: computed only when asked, since it reads the catalog."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the version and the catalog in use")

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        print(version_text())
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print the result as JSON instead of text")
    dns_options = argparse.ArgumentParser(add_help=False)
    dns_options.add_argument(
        "--resolver",
        choices=("system", "doh-json", "doh-wire", "doh-wire-post"),
        default="system",
        help="how to query DNS: the system resolver (default), DNS-over-HTTPS JSON API, or RFC 8484 wire "
        "format by GET or POST",
    )
    dns_options.add_argument("--doh-url", help="DoH endpoint, e.g. https://cloudflare-dns.com/dns-query")
    dns_options.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for each DNS answer")
    parser = argparse.ArgumentParser(
        prog="python -m checker",
        description="Check a message's authentication, a domain's mail DNS, an IP's reputation, or a bounce.",
        epilog=_epilog(*EXAMPLES),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_VersionAction)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str, *, uses_dns: bool = True) -> argparse.ArgumentParser:
        return commands.add_parser(
            name,
            parents=[common, dns_options] if uses_dns else [common],
            help=summary,
            epilog=_epilog(name),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    headers = command("headers", "analyse a message's headers (SPF, DKIM, DMARC, ARC)")
    headers.add_argument("file", help="file with the raw message or its headers, or - for standard input")
    domain = command("domain", "audit a domain: MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, BIMI")
    domain.add_argument("name", help="the domain, e.g. example.com")
    domain.add_argument(
        "--selector",
        action="append",
        default=[],
        help="a DKIM selector in use (repeatable); from s= in a signature",
    )
    domain.add_argument("--no-probe", action="store_true", help="do not guess common DKIM selectors")
    ip = command("ip", "check an IP: reverse DNS, forward confirmation, blocklists")
    ip.add_argument("address", help="IPv4 or IPv6 address")
    ip.add_argument(
        "--check-reserved", action="store_true", help="look up private/documentation addresses too (testing)"
    )
    bounce = command("bounce", "explain a bounce message and find the matching error pages", uses_dns=False)
    bounce.add_argument("file", help="file with the bounce message, or - for standard input")
    bounce.add_argument(
        "--catalog",
        help="catalog.json path or URL (default: ./site/catalog.json if built, else the catalog this "
        "package carries)",
    )
    return parser


def main(
    argv: Sequence[str] | None = None, *, stdin: TextIO | None = None, stdout: TextIO | None = None
) -> int:
    """Run the CLI and return the exit code."""
    out = SafeOutput(stdout or sys.stdout)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_request:  # argparse already printed usage or help
        return EXIT_OK if exit_request.code == 0 else EXIT_INPUT
    try:
        return asyncio.run(_run(args, stdin or sys.stdin, out))
    except CliInputError as problem:
        _print_input_error(problem.error, args, out)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly, like other command-line tools.
        _silence_stdout()
        return EXIT_OK
    except Exception as bug:  # an analyser bug must end in a sentence, not a traceback
        print(
            safe_text(f"Internal error: {type(bug).__name__}: {bug}. Please report it with the input."),
            file=sys.stderr,
        )
        return EXIT_ERROR


# Characters a terminal may act on: C0 controls but LF and TAB, DEL, C1 controls (0x9B is a CSI on
# its own), and the bidirectional overrides and isolates that reorder what is shown ("Trojan Source").
_TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def safe_text(text: str) -> str:
    """``text`` with every terminal control character written out visibly as ``\\u001b``, ``\\u202e``...

    The same form is a valid escape inside a JSON string, so ``--json`` output stays parseable.
    """
    return _TERMINAL_UNSAFE.sub(lambda found: f"\\u{ord(found.group(0)):04x}", text)


class SafeOutput:
    """A text stream that passes everything through :func:`safe_text`: pasted input (a header, a bounce
    line, a DNS answer) can hold escape sequences, and the CLI must never send them to the terminal raw.
    In JSON they come out as ``\\u`` escapes, which keep the document valid."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(safe_text(text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _silence_stdout() -> None:
    # Python would report the broken pipe again when it flushes stdout at exit.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


async def _run(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    if args.command == "bounce":
        return _bounce(args, stdin, out)
    resolver, pool = _resolver(args)
    try:
        if args.command == "domain":
            return await _domain(args, resolver, out)
        if args.command == "ip":
            return await _ip(args, resolver, out)
        return await _headers(args, resolver, stdin, out)
    finally:
        if pool is not None:  # the DoH connections kept open for this run
            await pool.aclose()


def _resolver(args: argparse.Namespace) -> tuple[Any, Any]:
    if args.timeout <= 0:
        raise CliInputError(InputError("The timeout must be positive.", "--timeout", "Use e.g. --timeout 5."))
    if args.resolver == "system" and args.doh_url:
        raise CliInputError(
            InputError(
                "--doh-url needs a DoH resolver.",
                "--resolver",
                "Add --resolver doh-json or --resolver doh-wire.",
            )
        )
    if args.resolver == "system":
        from checker.shared.dns.cache import CachingResolver
        from checker.shared.dns.stats import BudgetResolver
        from checker.shared.dns.system import SystemResolver

        # Built here rather than by make_resolver, which has no way to pass the timeout on.
        return CachingResolver(BudgetResolver(SystemResolver(lifetime=args.timeout))), None
    from checker.shared.dns.factory import make_resolver
    from checker.shared.dns.pool_http2 import cli_doh_pool

    pool = cli_doh_pool(args.timeout)  # HTTP/2 with the http2 extra, else persistent HTTP/1.1 connections
    if isinstance(pool, InputError):
        raise CliInputError(pool)
    resolver = make_resolver(args.resolver, args.doh_url, pool)
    if isinstance(resolver, InputError):
        raise CliInputError(resolver)
    return resolver, pool


def _read_input(name: str, stdin: TextIO) -> bytes:
    if name == "-":
        data = stdin.buffer.read(MAX_INPUT_BYTES + 1) if hasattr(stdin, "buffer") else stdin.read().encode()
        where = "standard input"
    else:
        path = Path(name)
        where = str(path)
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_INPUT_BYTES + 1)
        except OSError as trouble:
            raise CliInputError(
                InputError(
                    f"Cannot read {name}: {trouble.strerror or trouble}.",
                    where,
                    "Give an existing file, or - to read stdin.",
                )
            ) from trouble
    if len(data) > MAX_INPUT_BYTES:
        raise CliInputError(
            InputError("The input is larger than 10 MB.", where, "Paste only the headers or the bounce text.")
        )
    if not data.strip():
        raise CliInputError(InputError("The input is empty.", where, "Give a file with the message text."))
    return data


# -- commands ---------------------------------------------------------------------------------------
async def _domain(args: argparse.Namespace, resolver: Any, out: TextIO) -> int:
    from checker.analyses.domain.audit import audit_domain

    audit = await audit_domain(
        args.name,
        resolver=resolver,
        selectors=args.selector,
        probe_common_selectors=not args.no_probe,
        advice=cli_advice(args.resolver),
    )
    if audit.input_error is not None:
        raise CliInputError(audit.input_error)

    def text() -> None:
        print(f"Domain audit: {audit.domain}", file=out)
        for section in audit.sections:
            _print_section(section.name, section.checks, out)

    return _report(args, out, audit, audit.checks, text)


async def _ip(args: argparse.Namespace, resolver: Any, out: TextIO) -> int:
    from checker.analyses.ip import check_ip

    report = await check_ip(
        args.address,
        resolver=resolver,
        check_reserved=args.check_reserved,
        advice=cli_advice(args.resolver),
    )
    if report.input_error is not None:
        raise CliInputError(report.input_error)

    def text() -> None:
        print(f"IP check: {report.address}", file=out)
        _print_section("Reverse DNS and blocklists", report.checks, out)

    return _report(args, out, report, report.checks, text)


def cli_advice(resolver_kind: str) -> FrontEndAdvice:
    """How the reader acts on the command line: the options to use, given the resolver this run used."""
    if resolver_kind == "system":
        blocklist_retry = (
            "Your system resolver probably forwards to a public DNS service; run the check on a machine "
            "whose resolver queries the list directly, or use the list's web lookup."
        )
    else:
        blocklist_retry = (
            "Run the check again with --resolver system (your own DNS resolver), "
            "or use the list's web lookup."
        )
    return FrontEndAdvice(
        blocklist_retry=blocklist_retry,
        dkim_selector="Check it with --selector NAME (repeat the option for several selectors).",
    )


async def _headers(args: argparse.Namespace, resolver: Any, stdin: TextIO, out: TextIO) -> int:
    data = _read_input(args.file, stdin)
    try:
        from checker.analyses.headers.analyze import analyze_headers
    except ImportError as missing:
        print(f"The headers analyser is not available in this build ({missing}).", file=out)
        return EXIT_ERROR
    analysis = await analyze_headers(data, resolver=resolver)
    if analysis.problems and all(check.verdict is Verdict.ERROR for check in analysis.checks):
        raise CliInputError(analysis.problems[0])

    def text() -> None:
        summary = analysis.summary
        print(f"{_symbol(summary.verdict, out)} {summary.headline}", file=out)
        _print_wrapped(summary.explanation, out, indent="  ")
        _print_section("Checks", analysis.checks, out)

    return _report(args, out, analysis, analysis.checks, text)


def _bounce(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    data = _read_input(args.file, stdin)
    loaded = load_catalog(args.catalog)
    if isinstance(loaded, InputError):
        raise CliInputError(loaded)
    catalog, catalog_info, catalog_note = loaded
    try:
        from checker.pasted.bounce.analyze import analyze_bounce
    except ImportError as missing:
        print(f"The bounce analyser is not available in this build ({missing}).", file=out)
        return EXIT_ERROR
    analysis = analyze_bounce(data, catalog=catalog)
    if args.json:
        document = json.loads(to_json(analysis))
        document["catalog"] = to_jsonable(catalog_info) if catalog_info else None
        print(json.dumps(document, indent=2, ensure_ascii=False), file=out)
        return EXIT_OK
    kind = str(getattr(analysis.report.kind, "value", analysis.report.kind))
    print(f"Bounce: {_BOUNCE_KINDS.get(kind, kind)}", file=out)
    _print_wrapped(analysis.explanation, out, indent="  ")
    if catalog_note:
        _print_wrapped(f"Note: {catalog_note}", out, indent="  ")
    for recipient in analysis.recipients:
        status = recipient.status
        codes = " ".join(str(c) for c in (status.reply_code, status.enhanced_status) if c)
        print(f"\n== {status.recipient or 'unknown recipient'}  {codes}".rstrip(), file=out)
        if status.diagnostic:
            _print_wrapped(f"Diagnostic: {status.diagnostic}", out, indent="  ")
        if recipient.explanation not in analysis.explanation:  # a lone recipient's is the summary above
            _print_wrapped(recipient.explanation, out, indent="  ")
        for match in recipient.matches:
            print(f"  -> {match.title}  (/errors/{match.entry_id}/, score {match.score})", file=out)
    for problem in analysis.problems:
        _print_wrapped(f"Problem: {problem.what} ({problem.where}) {problem.fix}", out, indent="  ")
    return EXIT_OK


# -- output -----------------------------------------------------------------------------------------
def _report(
    args: argparse.Namespace, out: TextIO, result: Any, checks: Sequence[Check], text: Callable[[], None]
) -> int:
    """Print ``result`` as JSON, or as ``text()`` followed by the totals; the exit code for ``checks``."""
    if args.json:
        print(to_json(result, indent=2), file=out)
    else:
        text()
        _print_totals(checks, out)
    return exit_code(checks)


def exit_code(checks: Iterable[Check]) -> int:
    """1 if any check failed, else 3 if any could not be made, else 0."""
    verdicts = {check.verdict for check in checks}
    if Verdict.FAIL in verdicts:
        return EXIT_FAIL
    if Verdict.ERROR in verdicts:
        return EXIT_ERROR
    return EXIT_OK


def _unicode_ok(out: TextIO) -> bool:
    encoding = (getattr(out, "encoding", None) or "ascii").lower()
    return "utf" in encoding


def _symbol(verdict: Verdict, out: TextIO | None = None) -> str:
    fancy, plain = _SYMBOLS[verdict]
    return f"{fancy} {plain.upper():5}" if out is None or _unicode_ok(out) else f"[{plain.upper():5}]"


def _print_wrapped(text: str, out: TextIO, *, indent: str) -> None:
    for line in textwrap.wrap(text, width=100, initial_indent=indent, subsequent_indent=indent) or [indent]:
        print(line, file=out)


def _print_section(title: str, checks: Iterable[Check], out: TextIO) -> None:
    print(f"\n== {title}", file=out)
    for check in checks:
        print(f"  {_symbol(check.verdict, out)} {check.name}  [{check.reason}]", file=out)
        _print_wrapped(check.explanation, out, indent="          ")


def _print_totals(checks: Sequence[Check], out: TextIO) -> None:
    counts = {verdict: sum(1 for c in checks if c.verdict is verdict) for verdict in Verdict}
    parts = ", ".join(f"{counts[v]} {v.value}" for v in Verdict if counts[v])
    print(f"\nTotal: {parts or 'no checks'}.", file=out)


def _print_input_error(error: InputError, args: argparse.Namespace, out: TextIO) -> None:
    if getattr(args, "json", False):
        print(to_json({"input_error": error}, indent=2), file=out)
    else:
        where, fix = safe_text(error.where), safe_text(error.fix)
        print(f"Error: {safe_text(error.what)}\n  where: {where}\n  fix: {fix}", file=sys.stderr)
