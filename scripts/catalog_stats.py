"""Print what the catalog covers and how well it matches real bounce text.

    python scripts/catalog_stats.py            # human-readable report
    python scripts/catalog_stats.py --json     # the same figures as JSON

Reads errors/*.yml directly (no site build) and the provider tables under
tests/fixtures/provider_tables/ (Google's error table, Exchange Online's NDR table, Yahoo's codes),
then prints: counts per provider, class and category; the quality-bar figures; coverage of the
Google, Microsoft, Yahoo and IANA lists; and the matcher's accuracy on every example and table row.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from checker.pasted.bounce.codes import REGISTRY_NAMES  # noqa: E402
from checker.pasted.bounce.match import compile_catalog, rank_entries  # noqa: E402
from checker.pasted.bounce.provider import provider_of_line  # noqa: E402
from scripts.sitegen import quality  # noqa: E402

ERRORS = REPO / "errors"
TABLES = REPO / "tests" / "fixtures" / "provider_tables"
CAPTURES = REPO / "tests" / "fixtures" / "provider-docs"
# The minimums issue 6 sets for each list.
TARGETS = {"entries": 300, "yahoo_aol": 20, "others": 60, "iana_generic": len(REGISTRY_NAMES)}
MAILBOX_PROVIDERS = {"gmail", "microsoft-365", "outlook-com", "exchange-server", "yahoo", "aol", "any"}


def load_entries(errors_dir: Path = ERRORS) -> list[dict[str, Any]]:
    """Every entry file as a dict (files that do not parse are skipped: validate.py reports them)."""
    entries = []
    for path in sorted(errors_dir.glob("*.yml")):
        if path.name.startswith("_"):
            continue
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError):
            continue
        if isinstance(data, dict) and data.get("id"):
            entries.append(data)
    return entries


def load_providers(errors_dir: Path = ERRORS) -> dict[str, Any]:
    return yaml.safe_load((errors_dir / "_providers.yml").read_text(encoding="utf-8")) or {}


def load_table(name: str) -> list[dict[str, Any]]:
    path = TABLES / name
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


def ranker(entries: Sequence[Mapping[str, Any]], providers: Mapping[str, Any]):
    """A function text -> id of the entry the analyzer ranks first (None when nothing fits)."""
    catalog = compile_catalog(entries)

    def top(text: str) -> str | None:
        ranked = rank_entries(text, catalog, provider=provider_of_line(text, providers), limit=1)
        return ranked[0].entry_id if ranked else None

    return top


def gmail_line(row: Mapping[str, Any]) -> str:
    return f"{row['reply']}-{row['status']} {row['text']} - gsmtp"


def exchange_line(row: Mapping[str, Any]) -> str:
    reply = f"{row['reply']} " if row.get("reply") else ""
    return f"mail.protection.outlook.com: Remote server returned '{reply}{row['code']} {row['text']}'"


def accuracy(rows: Sequence[Mapping[str, Any]], line, top) -> tuple[int, int, list[str]]:
    """(rows ranked right, rows, the wrong ones as 'line -> got, expected')."""
    wrong = []
    for row in rows:
        text = line(row)
        got = top(text)
        if got != row["entry"]:
            wrong.append(f"{text[:90]} -> {got} (expected {row['entry']})")
    return len(rows) - len(wrong), len(rows), wrong


def title_names_pair(entry: Mapping[str, Any], reply: int, status: str) -> bool:
    """An entry covers a (reply, status) pair when its codes are that pair or its title names both."""
    if entry.get("reply_code") == reply and entry.get("enhanced_code") == status:
        return True
    title = str(entry.get("title", ""))
    return str(reply) in title and status in title


def stats(entries: Sequence[Mapping[str, Any]], providers: Mapping[str, Any]) -> dict[str, Any]:
    top = ranker(entries, providers)
    by_provider = Counter(p for e in entries for p in e.get("providers", ()))
    by_class = Counter(f"{str(e.get('reply_code', '?'))[0]}xx" for e in entries)
    by_subject = Counter(
        f"X.{str(e['enhanced_code']).split('.')[1]}" if e.get("enhanced_code") else "none" for e in entries
    )
    by_category = Counter(e.get("category") for e in entries)
    shortfalls = [s for e in entries for s in quality.shortfalls(e)]
    short_entries = {s.entry_id for s in shortfalls}
    shared = quality.shared_paragraphs(entries)
    bad_urls = [
        f"{e['id']}: {field}: {problem}"
        for e in entries
        for field, url in quality.urls(e)
        if (problem := quality.bad_url(url))
    ]
    captured = "\n".join(p.read_text(encoding="utf-8") for p in sorted(CAPTURES.glob("*.*")))
    unverified = quality.unverified_exact_wordings(entries, captured)
    examples = [(str(e["id"]), str(x)) for e in entries for x in e.get("examples", ())]
    example_wrong = [f"{eid}: {x[:80]} -> {top(x)}" for eid, x in examples if top(x) != eid]

    gmail_rows = load_table("gmail_3726730.json")
    gmail_pairs = sorted({(row["reply"], row["status"]) for row in gmail_rows})
    gmail_covered = [p for p in gmail_pairs if any(title_names_pair(e, *p) for e in entries)]
    exchange_rows = load_table("exchange_online.json")
    yahoo_rows = load_table("yahoo.json")

    # A page for any mail server filed under the code, or a catch-all declaring it, explains the code.
    generic_codes = {
        ".".join(code.split(".")[1:])
        for e in entries
        if "any" in e.get("providers", ())
        for code in [e.get("enhanced_code") or "", *((e.get("match") or {}).get("enhanced_codes", ()) or ())]
        if code and (code == e.get("enhanced_code") or (e.get("match") or {}).get("generic"))
    }
    iana_missing = sorted(code for code in REGISTRY_NAMES if code not in generic_codes)
    yahoo_aol = sum(1 for e in entries if {"yahoo", "aol"} & set(e.get("providers", ())))
    others = sum(1 for e in entries if set(e.get("providers", ())) - MAILBOX_PROVIDERS)
    return {
        "entries": len(entries),
        "by_provider": dict(by_provider.most_common()),
        "by_class": dict(sorted(by_class.items())),
        "by_subject": dict(sorted(by_subject.items())),
        "by_category": dict(by_category.most_common()),
        "quality": {
            "entries_meeting_bar": len(entries) - len(short_entries),
            "shortfalls": [f"{s.entry_id}: {s.explanation}" for s in shortfalls],
            "shared_paragraphs": len(shared),
            "bad_urls": bad_urls,
            "distinct_source_urls": len(quality.distinct_source_urls(entries)),
            "unverified_exact_wordings": [f"{eid}: {w[:80]}" for eid, w in unverified],
        },
        "coverage": {
            "gmail_pairs": [len(gmail_covered), len(gmail_pairs)],
            "gmail_pairs_missing": [f"{r} {s}" for r, s in gmail_pairs if (r, s) not in gmail_covered],
            "yahoo_aol_entries": yahoo_aol,
            "other_provider_entries": others,
            "iana_codes_with_generic_page": [len(REGISTRY_NAMES) - len(iana_missing), len(REGISTRY_NAMES)],
            "iana_missing": [f"X.{code}" for code in iana_missing],
        },
        "matcher": {
            "examples": [len(examples) - len(example_wrong), len(examples)],
            "examples_wrong": example_wrong,
            "gmail_table_rows": list(accuracy(gmail_rows, gmail_line, top)),
            "exchange_online_rows": list(accuracy(exchange_rows, exchange_line, top)),
            "yahoo_lines": list(accuracy(yahoo_rows, lambda row: row["line"], top)),
        },
    }


def _ratio(pair: Sequence[int]) -> str:
    done, total = pair[0], pair[1]
    return f"{done}/{total}" + (f" ({100 * done / total:.1f} %)" if total else "")


def report(figures: Mapping[str, Any]) -> str:
    lines = [f"Entries: {figures['entries']} (target {TARGETS['entries']}+)"]
    for key, label in (
        ("by_provider", "Per provider"),
        ("by_class", "Per class"),
        ("by_subject", "Per subject"),
        ("by_category", "Per category"),
    ):
        lines.append(f"{label}: " + ", ".join(f"{k} {v}" for k, v in figures[key].items()))
    q = figures["quality"]
    lines += [
        f"Quality bar: {q['entries_meeting_bar']}/{figures['entries']} entries meet every minimum "
        f"({', '.join(f'{k} >= {v}' for k, v in quality.MINIMUMS.items())}, who_acts, first_step)",
        f"  shared paragraphs: {q['shared_paragraphs']}; bad URLs: {len(q['bad_urls'])}; "
        f"distinct source URLs: {q['distinct_source_urls']}; exact wordings not found in captures: "
        f"{len(q['unverified_exact_wordings'])}",
    ]
    lines += [
        f"    {item}" for item in (q["shortfalls"][:10] + q["bad_urls"][:10] + q["unverified_exact_wordings"])
    ]
    c = figures["coverage"]
    lines += [
        f"Coverage: Gmail reply+status pairs {_ratio(c['gmail_pairs'])}"
        + (f" missing {', '.join(c['gmail_pairs_missing'])}" if c["gmail_pairs_missing"] else ""),
        f"  Yahoo/AOL entries {c['yahoo_aol_entries']} (target {TARGETS['yahoo_aol']}+); other providers and "
        f"software {c['other_provider_entries']} (target {TARGETS['others']}+)",
        f"  IANA enhanced codes with a generic page {_ratio(c['iana_codes_with_generic_page'])}"
        + (f" missing {', '.join(c['iana_missing'])}" if c["iana_missing"] else ""),
    ]
    m = figures["matcher"]
    lines += [
        f"Matcher: examples ranked first {_ratio(m['examples'])}",
        f"  Google table rows {_ratio(m['gmail_table_rows'][:2])}; Exchange Online rows "
        f"{_ratio(m['exchange_online_rows'][:2])}; Yahoo lines {_ratio(m['yahoo_lines'][:2])}",
    ]
    wrong = (
        m["examples_wrong"] + m["gmail_table_rows"][2] + m["exchange_online_rows"][2] + m["yahoo_lines"][2]
    )
    lines += [f"    {item}" for item in wrong[:30]]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = stats(load_entries(), load_providers())
    print(json.dumps(figures, indent=2) if args.json else report(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
