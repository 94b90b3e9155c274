"""Check every ``errors/*.yml``; print ``file:line: field: what`` per problem and exit 1 if any.

python scripts/validate.py [errors-dir]
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    """Validate the catalog at ``argv[0]`` (default ``errors/``); 0 when valid, 1 otherwise."""
    argv = sys.argv[1:] if argv is None else argv
    sys.path.insert(0, str(REPO_ROOT))
    from scripts.sitegen.validation import check_entries

    errors_dir = Path(argv[0]) if argv else REPO_ROOT / "errors"
    if not (errors_dir / "schema.json").is_file():
        print(
            f"{errors_dir}: no schema.json here; pass the errors/ folder of the repository", file=sys.stderr
        )
        return 2
    catalog, problems = check_entries(errors_dir)
    for problem in problems:
        print(problem)
    if problems:
        print(f"\n{len(problems)} problem(s). Fix them and run again.", file=sys.stderr)
        return 1
    print(f"{len(catalog.entries)} entries valid.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
