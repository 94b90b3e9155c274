"""List every stable reason code the checker can emit, and keep the table in checker/README.md current.

    .venv/bin/python scripts/reason_codes.py           # rewrite the table in checker/README.md
    .venv/bin/python scripts/reason_codes.py --check   # exit 1 when the table is out of date

A reason code is a dotted string such as ``spf.plus_all`` in a ``Check`` (or an ``InputError``). The
codes are read from the source: every string literal (docstrings aside) shaped like a code whose first
part is one of ``PREFIXES``, plus the codes that f-strings and ``"prefix." + ...`` put together,
which ``TEMPLATES`` lists with every value they can take. ``tests/cli/test_reason_codes.py`` fails
when the source holds a code-shaped template that ``TEMPLATES`` does not know, or when the README
table differs.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PACKAGE = ROOT / "checker"
README = PACKAGE / "README.md"
START = "<!-- reason-codes:start (scripts/reason_codes.py writes this table) -->"
END = "<!-- reason-codes:end -->"
PREFIXES = frozenset(
    {
        *("arc", "authres", "bimi", "bounce", "code", "dkim", "dmarc", "dmarc_next", "dnsbl", "domain"),
        *("headers", "input", "internal", "ip", "listunsub", "mx", "mta_sts", "requirements", "spf"),
        *("spf_reduce", "tls_rpt"),
    }
)
CODE = re.compile(r"^([a-z][a-z0-9_]*)(\.[a-z0-9_]+)+$")
# An f-string shaped like a code: parts of lower-case words and {expressions} joined by dots.
TEMPLATE_SHAPE = re.compile(r"^(?:[a-z][a-z0-9_]*|\{[^{}]+\})(?:\.(?:[a-z0-9_]|\{[^{}]+\})+)+$")


def _requirements() -> list[str]:
    from checker.analyses.requirements.finding import MET, NOT_MET, UNKNOWN
    from checker.analyses.requirements.providers import RULES

    rules = sorted({spec.rule for spec in RULES})
    return [f"requirements.{rule}.{outcome}" for rule in rules for outcome in (MET, NOT_MET, UNKNOWN)]


def _dmarc_results() -> list[str]:
    from checker.mechanisms.dmarc.checks import VERDICT_OF_DMARC

    return [f"dmarc.{result}" for result in VERDICT_OF_DMARC]


def _dmarc_next() -> list[str]:
    from checker.mechanisms.dmarc.next_step import DmarcNextStep

    stages = re.findall(r"``([a-z_]+)``", (DmarcNextStep.__doc__ or "").split("``stage`` names the step")[1])
    return [f"dmarc_next.{stage}" for stage in stages if stage not in ("proposed_record",)]


# checker/analyses/domain/records.py: _MTA_STS, _TLS_RPT, _BIMI
_POLICY_CODES = ("mta_sts", "tls_rpt", "bimi")

# Every code-shaped f-string in the package: the codes it makes, or None when it makes a DNS name.
TEMPLATES: dict[str, Callable[[], list[str]] | None] = {
    "dmarc.{dmarc.result}": _dmarc_results,
    "dmarc.{item.tag}_unauthorized": lambda: ["dmarc.rua_unauthorized", "dmarc.ruf_unauthorized"],
    "dmarc.{tag}_weaker": lambda: ["dmarc.sp_weaker", "dmarc.np_weaker"],
    "dmarc_next.{stage}": _dmarc_next,
    "requirements.{spec.rule}.{finding.outcome}": _requirements,
    "{kind.code}.missing": lambda: [f"{code}.missing" for code in _POLICY_CODES],
    "{kind.code}.multiple_records": lambda: [f"{code}.multiple_records" for code in _POLICY_CODES],
    "{prefix}.{check.reason}": lambda: [f"{code}.lookup_failed" for code in _POLICY_CODES],
    # checker/analyses/domain/mx.py renames the reverse DNS checks of checker/analyses/ip.py
    # (reverse_dns_checks)
    "mx.{check.reason.split('.', 1)[1]}": lambda: [
        f"mx.{suffix}"
        for suffix in (
            *("ptr_ok", "ptr_missing", "ptr_generic", "ptr_lookup_failed"),
            *("fcrdns_ok", "fcrdns_mismatch", "fcrdns_lookup_failed"),
        )
    ],
    "{prefix}.malformed_signature": lambda: ["dkim.malformed_signature", "arc.malformed_signature"],
    "{prefix}.missing_tag": lambda: ["dkim.missing_tag", "arc.missing_tag"],
    "{prefix}.unknown_algorithm": lambda: ["dkim.unknown_algorithm", "arc.unknown_algorithm"],
    # not reason codes: DNS names, status codes, header property names
    "{found.group(1)}.{int(found.group(2))}.{int(found.group(3))}": None,
    "{policy_domain}._report._dmarc.{uri.domain}": None,
    "{reversed_labels(address)}.{suffix}": None,
    "{reversed_labels(address)}.{zone.rstrip('.')}": None,
    "{selector}._bimi.{domain}": None,
    "{selector}._domainkey.{domain}": None,
    "{subject}.{detail}": None,
    "{word}.{prop}": None,
}


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def scan() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """``(literal codes, f-string templates)``, each mapped to the files that hold it."""
    literals: dict[str, set[str]] = defaultdict(set)
    templates: dict[str, set[str]] = defaultdict(set)
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(ROOT).as_posix()
        skip = _docstrings(tree)
        joined = [node for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)]
        in_fstring = {id(value) for node in joined for value in node.values}
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):
                text = "".join(
                    v.value if isinstance(v, ast.Constant) else "{" + ast.unparse(v.value) + "}"
                    for v in node.values
                )
                if TEMPLATE_SHAPE.match(text):
                    templates[text].add(where)
            elif (
                isinstance(node, ast.BinOp)
                and isinstance(node.op, ast.Add)
                and isinstance(node.left, ast.Constant)
                and isinstance(node.left.value, str)
                and re.fullmatch(r"[a-z][a-z0-9_]*\.", node.left.value)
            ):  # "mx." + something
                templates[node.left.value + "{" + ast.unparse(node.right) + "}"].add(where)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                if id(node) in skip or id(node) in in_fstring:
                    continue
                found = CODE.match(node.value)
                if found and found.group(1) in PREFIXES:
                    literals[node.value].add(where)
    return literals, templates


def all_codes() -> dict[str, set[str]]:
    """Every code the package can emit, mapped to the files that write it."""
    literals, templates = scan()
    unknown = sorted(set(templates) - set(TEMPLATES))
    if unknown:
        raise SystemExit(f"scripts/reason_codes.py: add these f-strings to TEMPLATES: {unknown}")
    codes = {code: set(files) for code, files in literals.items()}
    for template, files in templates.items():
        expand = TEMPLATES[template]
        for code in expand() if expand else ():
            codes.setdefault(code, set()).update(files)
    return codes


def table() -> str:
    rows = ["| code | written in |", "|------|------------|"]
    for code, files in sorted(all_codes().items()):
        where = ", ".join(f"`{file.removeprefix('checker/')}`" for file in sorted(files))
        rows.append(f"| `{code}` | {where} |")
    return "\n".join(rows)


def render_readme(text: str) -> str:
    before, start, rest = text.partition(START)
    _, end, after = rest.partition(END)
    if not start or not end:
        raise SystemExit(f"{README.relative_to(ROOT)} has no {START} ... {END} block")
    return f"{before}{START}\n{table()}\n{END}{after}"


def listed_codes(text: str) -> list[str]:
    """The codes in the README table, in order."""
    block = text.partition(START)[2].partition(END)[0]
    return re.findall(r"^\| `([^`]+)` \|", block, flags=re.M)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write or check the reason-code table in checker/README.md.")
    parser.add_argument("--check", action="store_true", help="only check the table is up to date")
    args = parser.parse_args(argv)
    current = README.read_text(encoding="utf-8")
    wanted = render_readme(current)
    if args.check:
        if wanted != current:
            print("checker/README.md's reason-code table is out of date: run scripts/reason_codes.py")
            return 1
        return 0
    README.write_text(wanted, encoding="utf-8")
    print(f"checker/README.md: {len(listed_codes(wanted))} reason codes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
