"""Scaffold a new error entry: ``errors/<id>.yml`` with TODOs that fail validation until filled in.

python scripts/new_entry.py --code 550 --enhanced 5.7.1 --provider gmail --slug dmarc-reject
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_ENHANCED = re.compile(r"^[245]\.[0-9]{1,3}\.[0-9]{1,3}$")

TEMPLATE = """\
# Replace every TODO, then run: python scripts/validate.py
# Field reference: errors/schema.json. Guide: CONTRIBUTING.md.
id: {entry_id}
reply_code: {code}
{enhanced_line}title: "TODO: {codes} <provider>: <what went wrong, in a few words>"
summary: >-
  TODO: one paragraph in plain words: what the receiving server refused and the one thing to do about it.
providers: [{provider}]
category: TODO  # one of: {categories}
permanent: {permanent}
meaning: |-
  TODO: what the error means and why the server sends it.
# Shown on the code's hub page: what in the bounce text tells this apart (plain words, 5-120 characters).
distinguish: 'TODO: e.g. says "Relay access denied" or names the provider (gsmtp)'
# Who must act: sender-admin, recipient-admin, sender (the person who sent it) or nobody (wait).
who_acts: TODO
# One line of plain words, the first thing to do; the analyzer's bounce verdict leads with it.
first_step: "TODO: the first thing to do, in one line"
who_sends:
  - name: {provider_name}
    wording: "TODO: the text after the code"
    wording_exact: false  # true only if copied from the provider's documentation
# The quality bar: at least 3 causes, 3 fix steps, 2 FAQ pairs, 2 examples and 2 sources.
causes:
  - "TODO: the most common cause"
  - "TODO: a second cause"
  - "TODO: a third cause"
fix_steps:
  - title: "TODO: first step"
    body: |-
      TODO: what to do, with a code block if it helps.
  - title: "TODO: second step"
    body: "TODO: what to do next"
  - title: "TODO: third step"
    body: "TODO: what to do if that was not it"
confirm: "TODO: how to check the problem is gone"
faq:
  - q: "TODO: a question people ask"
    a: "TODO: the answer"
  - q: "TODO: another question"
    a: "TODO: its answer"
match:
  patterns: ['TODO: a regular expression that finds the wording']
examples:
  - "TODO: {codes} a real bounce line"
  - "TODO: {codes} the same error as another server writes it"
related: []
sources:
  - rfc: {rfc}
    title: "TODO: the section that defines this code, or replace with {{title, url}}"
  - title: "TODO: the provider's own documentation page"
    url: "https://TODO.example/"
last_verified: "{today}"
"""


def entry_id(code: int, enhanced: str | None, provider: str, slug: str) -> str:
    """The id (and file name) in the catalog's convention, e.g. ``550-5-7-1-gmail-dmarc-reject``."""
    parts = [
        str(code),
        *(enhanced.split(".") if enhanced else []),
        *([] if provider == "any" else [provider]),
        slug,
    ]
    return "-".join(parts)


def main(argv: list[str] | None = None) -> int:
    """Write the scaffold; print where it went, or why not (exit 2)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=int, required=True, help="three-digit reply code, e.g. 550")
    parser.add_argument(
        "--enhanced", help="enhanced status code, e.g. 5.7.1 (leave out if the bounce has none)"
    )
    parser.add_argument(
        "--provider", default="any", help="provider id from errors/_providers.yml (default: any)"
    )
    parser.add_argument(
        "--slug", required=True, help="a few words, lower-case with hyphens, e.g. dmarc-reject"
    )
    parser.add_argument("--errors-dir", type=Path, default=REPO_ROOT / "errors", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    sys.path.insert(0, str(REPO_ROOT))
    from scripts.sitegen.model import CATEGORY_NAMES
    from scripts.sitegen.yamlsource import parse_yaml

    problems = []
    if not 200 <= args.code <= 599:
        problems.append(f"--code {args.code}: expected a reply code between 200 and 599, e.g. 550")
    if args.enhanced and not _ENHANCED.match(args.enhanced):
        problems.append(f"--enhanced {args.enhanced}: expected an enhanced code like 5.7.1")
    elif args.enhanced and args.enhanced[0] != str(args.code)[0]:
        problems.append(f"--enhanced {args.enhanced}: its first digit must match --code {args.code}")
    if not _SLUG.match(args.slug):
        problems.append(
            f"--slug {args.slug}: use lower-case letters, digits and single hyphens, e.g. dmarc-reject"
        )
    providers = parse_yaml((args.errors_dir / "_providers.yml").read_text(encoding="utf-8")).data or {}
    if args.provider not in providers:
        problems.append(f"--provider {args.provider}: unknown; use one of: {', '.join(sorted(providers))}")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 2

    new_id = entry_id(args.code, args.enhanced, args.provider, args.slug)
    target = args.errors_dir / f"{new_id}.yml"
    if target.exists():
        print(f"{target} already exists; pick another --slug or edit that file.", file=sys.stderr)
        return 2
    codes = f"{args.code} {args.enhanced}" if args.enhanced else str(args.code)
    target.write_text(
        TEMPLATE.format(
            entry_id=new_id,
            code=args.code,
            enhanced_line=f'enhanced_code: "{args.enhanced}"\n' if args.enhanced else "",
            codes=codes,
            provider=args.provider,
            provider_name=json.dumps(providers[args.provider]["name"]),
            categories=", ".join(CATEGORY_NAMES),
            permanent="true" if args.code >= 500 else "false",
            rfc=3463 if args.enhanced else 5321,
            today=datetime.date.today().isoformat(),
        ),
        encoding="utf-8",
    )
    print(
        f"Wrote {target.relative_to(args.errors_dir.parent)}. Replace every TODO, then run "
        "python scripts/validate.py (it fails until all TODOs are gone)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
