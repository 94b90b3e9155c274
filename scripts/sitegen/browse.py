"""Browse pages: by RFC 3463 status subject, by provider, by category, and the /browse/ index."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from .hubs import Hub
from .markup import entry_line, front_matter, md_text
from .model import CATEGORY_NAMES, STATUS_CLASSES, STATUS_SUBJECTS, Catalog, Entry


def code_sort_key(code: str) -> tuple[int, ...]:
    """Numeric order for enhanced codes: 5.7.9 before 5.7.40 (text order puts 5.7.40 first)."""
    return tuple(int(part) for part in code.split(".")) if code[:1].isdigit() else (10**6,)


def _subject(entry: Entry) -> str:
    return entry.enhanced_code.split(".")[1] if entry.enhanced_code else "none"


def render_browse(catalog: Catalog) -> dict[str, str]:
    """Every browse page, as ``{src_uri: markdown}``: by status subject, by provider, by category."""
    pages: dict[str, str] = {}
    exclude = {"exclude": True}
    by_subject: dict[str, list[Entry]] = defaultdict(list)
    by_provider: dict[str, list[Entry]] = defaultdict(list)
    by_category: dict[str, list[Entry]] = defaultdict(list)
    for entry in catalog.entries:
        by_subject[_subject(entry)].append(entry)
        by_category[entry.data["category"]].append(entry)
        for provider_id in entry.data["providers"]:
            by_provider[provider_id].append(entry)

    subjects = [*STATUS_SUBJECTS, "none"]
    subject_names = {
        **{key: f"X.{key} {name}" for key, name in STATUS_SUBJECTS.items()},
        "none": "No enhanced status code",
    }
    classes = ", ".join(f"{code}.X.X {name.lower()}" for code, name in STATUS_CLASSES.items())
    lines = [
        front_matter(
            title="Browse by status code",
            description="SMTP errors grouped by RFC 3463 status subject.",
            search=exclude,
        ),
        "# Browse by status code\n",
        f"Enhanced status codes (RFC 3463) read class.subject.detail. The class says how bad it is "
        f"({classes}); the subject says what area the problem is in.\n",
    ]
    for key in subjects:
        count = len(by_subject.get(key, ()))
        label = md_text(subject_names[key])
        lines.append(f"- [{label}](status/{key}.md) ({count})" if count else f"- {label} (0)")
    pages["browse/status.md"] = "\n".join(lines) + "\n"
    for key, group in by_subject.items():
        title = subject_names[key]
        body = [
            front_matter(
                title=title, description=f"SMTP errors with status subject {title}.", search=exclude
            ),
            f"# {md_text(title)}\n",
        ]
        by_code: dict[str, list[Entry]] = defaultdict(list)
        for entry in group:
            by_code[entry.enhanced_code or "none"].append(entry)
        for code in sorted(by_code, key=code_sort_key):
            body.append(f"\n## {code if code != 'none' else 'Without an enhanced code'}\n")
            body.extend(entry_line(entry, "../../", hint=entry.distinguish) for entry in by_code[code])
        pages[f"browse/status/{key}.md"] = "\n".join(body) + "\n"

    lines = [
        front_matter(
            title="Browse by provider",
            description="SMTP errors grouped by the mail provider that sends them.",
            search=exclude,
        ),
        "# Browse by provider\n",
    ]
    for provider_id, provider in sorted(catalog.providers.items(), key=lambda item: item[1].name.lower()):
        count = len(by_provider.get(provider_id, ()))
        name = md_text(provider.name)
        lines.append(f"- [{name}](providers/{provider_id}.md) ({count})" if count else f"- {name} (0)")
    pages["browse/providers.md"] = "\n".join(lines) + "\n"
    for provider_id, group in by_provider.items():
        provider = catalog.providers[provider_id]
        pages[f"browse/providers/{provider_id}.md"] = (
            "\n".join(
                [
                    front_matter(
                        title=provider.name,
                        description=f"SMTP errors seen from {provider.name}.",
                        search=exclude,
                    ),
                    f"# Errors from {md_text(provider.name)}\n",
                    *(entry_line(e, "../../", hint=e.distinguish) for e in group),
                ]
            )
            + "\n"
        )

    lines = [
        front_matter(
            title="Browse by category", description="SMTP errors grouped by what went wrong.", search=exclude
        ),
        "# Browse by category\n",
    ]
    for category, name in CATEGORY_NAMES.items():
        count = len(by_category.get(category, ()))
        lines.append(f"- [{md_text(name)}](categories/{category}.md) ({count})" if count else f"- {name} (0)")
    pages["browse/categories.md"] = "\n".join(lines) + "\n"
    for category, group in by_category.items():
        name = CATEGORY_NAMES.get(category, category)
        pages[f"browse/categories/{category}.md"] = (
            "\n".join(
                [
                    front_matter(
                        title=name, description=f"SMTP errors in the category {name}.", search=exclude
                    ),
                    f"# {md_text(name)}\n",
                    *(entry_line(e, "../../", hint=e.distinguish) for e in group),
                ]
            )
            + "\n"
        )
    return pages


def _hub_order(hub: Hub) -> tuple[tuple[int, ...], int]:
    # By enhanced code in number order (5.7.9 before 5.7.40), then by reply code ("5.7.1" alone first).
    return code_sort_key(hub.enhanced_code), hub.reply_code or 0


def render_browse_index(catalog: Catalog, hub_list: Sequence[Hub]) -> str:
    """``/browse/``: the three ways to browse plus the shared-code hubs."""
    lines = [
        front_matter(
            title="Browse",
            description="Browse SMTP errors by status code, provider or category.",
            search={"exclude": True},
        ),
        "# Browse the catalog\n",
        f"{len(catalog.entries)} errors, three ways to look:\n",
        "- [By status code](status.md): addressing, mailbox, mail system, routing, protocol, content, policy",
        "- [By provider](providers.md): Gmail, Microsoft 365, Yahoo and the mail servers people run",
        "- [By category](categories.md): authentication, reputation, relaying, mailbox and more\n",
    ]
    if hub_list:
        lines.append("## Codes with more than one cause\n")
        lines.append("The same number can mean different things. These pages show how to tell them apart:\n")
        lines.extend(
            f"- [{hub.label}](../codes/{hub.slug}.md) ({len(hub.entries)} causes)"
            for hub in sorted(hub_list, key=_hub_order)
        )
    return "\n".join(lines) + "\n"
