"""Build the site with N synthetic entries in a temporary copy of the project and report the cost.

    python scripts/bench_build.py 100 1000 5000

Prints, per N: build seconds, seconds per entry, total site bytes, mean and largest entry page,
and the search index size (raw and gzip). The Pyodide hook is left out: it copies a fixed ~13 MB
runtime that has nothing to do with the number of entries.
"""

from __future__ import annotations

import argparse
import gzip
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PROJECT_PARTS = ("mkdocs.yml", "overrides", "scripts", "checker", "CONTRIBUTING.md")
CODES = [
    (550, "5.7.1"),
    (550, "5.1.1"),
    (421, "4.7.0"),
    (450, "4.2.1"),
    (554, "5.7.1"),
    (552, "5.2.2"),
    (550, "5.7.26"),
    (451, "4.3.0"),
    (553, "5.1.3"),
    (550, None),
]
PROVIDERS = ["gmail", "microsoft-365", "yahoo", "postfix", "exim", "any"]
CATEGORIES = [
    "authentication",
    "reputation",
    "relay-access",
    "mailbox",
    "content-policy",
    "tls",
    "transient",
    "addressing",
    "routing",
    "protocol",
]


def synthetic_entry(index: int, count: int) -> tuple[str, str]:
    """A valid entry of realistic size (~3 KB of YAML) whose example ranks it first."""
    reply, enhanced = CODES[index % len(CODES)]
    tag = f"q{index:05d}z"
    entry_id = f"{reply}-synthetic-{index:05d}"
    codes = f"{reply} {enhanced}" if enhanced else str(reply)
    related = [
        f"{CODES[j % len(CODES)][0]}-synthetic-{j:05d}" for j in (index - 1, index + 1) if 0 <= j < count
    ]
    prose = (
        "The receiving server refused the message for a reason that this synthetic entry describes in "
        "enough words to be as long as a real entry. "
    )
    text = f"""id: {entry_id}
reply_code: {reply}
{f'enhanced_code: "{enhanced}"' if enhanced else ""}
title: "{codes} Synthetic rejection number {index}"
summary: "{prose}Fix the cause named {tag} and send again."
providers: [{PROVIDERS[index % len(PROVIDERS)]}]
category: {CATEGORIES[index % len(CATEGORIES)]}
permanent: {"true" if reply >= 500 else "false"}
meaning: |-
  {prose * 3}
distinguish: 'says "Synthetic reason {tag}" ({codes} alone is shared with other entries)'
who_acts: {"sender-admin" if reply >= 500 else "nobody"}
first_step: "Fix the cause named {tag}, then send the message again."
who_sends:
  - name: Synthetic provider
    wording: "Synthetic reason {tag}: message refused"
    wording_exact: {"true" if index % 2 else "false"}
causes:
  - "{prose}"
  - "A second cause, described briefly for the benchmark."
  - "A third cause, number {index}, so the entry meets the quality bar."
fix_steps:
  - title: Look at the first thing
    body: |-
      {prose}
      ```text
      dig +short TXT example.com
      ```
  - title: Change the second thing
    body: "{prose}"
  - title: Send again
    body: "{prose}"
confirm: "{prose}"
faq:
  - q: Does retrying help?
    a: "{prose}"
  - q: Who can fix it?
    a: "{prose}"
match:
  patterns: ['synthetic reason {tag}']
examples:
  - "{codes} Synthetic reason {tag}: message refused by mx{index}.example.net"
  - "host mx{index}.example.org[192.0.2.1] said: {codes} Synthetic reason {tag}"
related: [{", ".join(related)}]
sources:
  - rfc: 5321
    section: "4.2.2"
  - title: A provider page
    url: https://provider.example/docs/{index}
last_verified: "2026-11-01"
"""
    return entry_id, text


def copy_site_sources(dest: Path) -> None:
    """Copy what ``mkdocs build`` reads into ``dest``, with the Pyodide hook left out of mkdocs.yml."""
    for part in PROJECT_PARTS:
        source = REPO_ROOT / part
        if source.is_dir():
            shutil.copytree(source, dest / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, dest / part)
    config = (dest / "mkdocs.yml").read_text(encoding="utf-8")
    (dest / "mkdocs.yml").write_text(
        "\n".join(line for line in config.splitlines() if "pyodide_hook" not in line) + "\n", encoding="utf-8"
    )


def new_errors_dir(dest: Path) -> Path:
    """Create ``dest/errors`` holding the real schema and provider list, and no entries yet."""
    errors = dest / "errors"
    errors.mkdir(parents=True)
    for name in ("schema.json", "_providers.yml"):
        shutil.copy2(REPO_ROOT / "errors" / name, errors / name)
    return errors


def mkdocs_build(
    project: Path,
    site: Path,
    *,
    quiet: bool = False,
    capture: bool = False,
    check: bool = False,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """``mkdocs build --strict`` of ``project`` into ``site``, as the benchmark and the site tests run it."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", *(["-q"] if quiet else []), "-d", str(site)],
        cwd=project,
        env=env,
        capture_output=capture,
        text=True,
        check=check,
        timeout=timeout,
    )


def make_project(dest: Path, count: int) -> None:
    """Copy the site sources into ``dest`` and write ``count`` synthetic entries into its errors/."""
    copy_site_sources(dest)
    errors = new_errors_dir(dest)
    for index in range(count):
        entry_id, text = synthetic_entry(index, count)
        (errors / f"{entry_id}.yml").write_text(text, encoding="utf-8")


def measure(count: int) -> dict[str, float]:
    """Build once with ``count`` entries and return the numbers."""
    with tempfile.TemporaryDirectory(prefix=f"bench{count}-") as tmp:
        project = Path(tmp)
        make_project(project, count)
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        mkdocs_build(project, project / "site", quiet=True, check=True)
        seconds = time.perf_counter() - started
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # CPU time is what to compare on a busy machine; wall time is what a contributor waits.
        cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
        site = project / "site"
        total = sum(path.stat().st_size for path in site.rglob("*") if path.is_file())
        pages = [path.stat().st_size for path in (site / "errors").glob("*/index.html")]
        index_bytes = (site / "search" / "search_index.json").read_bytes()
        return {
            "entries": count,
            "seconds": seconds,
            "cpu_seconds": cpu,
            "seconds_per_entry": seconds / count,
            "site_bytes": total,
            "entry_page_mean": sum(pages) / len(pages),
            "entry_page_max": max(pages),
            "search_index_bytes": len(index_bytes),
            "search_index_gzip": len(gzip.compress(index_bytes)),
            "catalog_json_bytes": (site / "catalog.json").stat().st_size,
        }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark for each N given (default 100 and 1000) and print one line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("counts", nargs="*", type=int, default=[100, 1000], help="numbers of entries")
    args = parser.parse_args(argv)
    print(
        f"{'entries':>7} {'build s':>8} {'cpu s':>7} {'s/entry':>8} {'site MB':>8} {'page KB':>8} "
        f"{'max KB':>7} "
        f"{'index KB':>9} {'gzip KB':>8} {'catalog KB':>10}"
    )
    for count in args.counts:
        row = measure(count)
        print(
            f"{count:>7} {row['seconds']:>8.1f} {row['cpu_seconds']:>7.1f} {row['seconds_per_entry']:>8.4f} "
            f"{row['site_bytes'] / 1e6:>8.1f} "
            f"{row['entry_page_mean'] / 1024:>8.1f} {row['entry_page_max'] / 1024:>7.1f} "
            f"{row['search_index_bytes'] / 1024:>9.1f} {row['search_index_gzip'] / 1024:>8.1f} "
            f"{row['catalog_json_bytes'] / 1024:>10.1f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
