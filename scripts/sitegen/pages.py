"""Hub, browse and hand-written pages as Markdown (MkDocs checks their links at build time)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .markup import md_code, md_text, plain_text
from .model import CATEGORY_NAMES, STATUS_CLASSES, STATUS_SUBJECTS, Catalog, Entry, hub_slug

NOT_DECISIVE = (
    "**The number alone does not identify the cause.** Several unrelated problems are reported with "
    "this same code, so read the words after the code in your bounce and compare them with the list below."
)


@dataclass(frozen=True)
class Hub:
    """Entries sharing a code: ``reply_code`` is ``None`` for an enhanced-code-only hub."""

    slug: str
    reply_code: int | None
    enhanced_code: str
    entries: tuple[Entry, ...]

    @property
    def label(self) -> str:
        return (
            f"{self.reply_code} {self.enhanced_code}" if self.reply_code is not None else self.enhanced_code
        )


def _front(**fields: object) -> str:
    lines = "\n".join(f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in fields.items())
    return f"---\n{lines}\n---\n\n"


def hubs(catalog: Catalog) -> dict[str, Hub]:
    """Hubs for every reply+enhanced code pair and every enhanced code shared by two or more entries."""
    pairs: dict[tuple[int, str], list[Entry]] = defaultdict(list)
    enhanced: dict[str, list[Entry]] = defaultdict(list)
    for entry in catalog.entries:
        if entry.enhanced_code:
            pairs[(entry.reply_code, entry.enhanced_code)].append(entry)
            enhanced[entry.enhanced_code].append(entry)
    found = [Hub(hub_slug(r, e), r, e, tuple(group)) for (r, e), group in pairs.items() if len(group) > 1]
    found += [
        Hub(hub_slug(None, e), None, e, tuple(group)) for e, group in enhanced.items() if len(group) > 1
    ]
    return {hub.slug: hub for hub in sorted(found, key=lambda hub: hub.slug)}


HINT_LENGTH = 90


def distinguishing_words(entry: Entry) -> str:
    """What in the bounce text tells this entry apart from others with the same code (shortened)."""
    words = _distinguishing_words(entry)
    return words if len(words) <= HINT_LENGTH else words[: HINT_LENGTH - 1].rstrip() + "…"


def _distinguishing_words(entry: Entry) -> str:
    data = entry.data
    if data.get("distinguish"):
        return str(data["distinguish"])
    senders = data.get("who_sends", ())
    for sender in sorted(senders, key=lambda sender: not sender.get("wording_exact")):
        if sender.get("wording"):
            return str(sender["wording"])
    patterns = data.get("match", {}).get("patterns", ())
    if patterns:
        return str(patterns[0]).replace("\\", "")
    return plain_text(data["summary"]).split(". ")[0]


def _entry_line(entry: Entry, prefix: str, *, with_hint: bool = False) -> str:
    line = f"- [{md_text(entry.title)}]({prefix}errors/{entry.entry_id}.md) {md_code(entry.codes_text)}"
    if with_hint:
        line += f"  \n  Look for: {md_code(distinguishing_words(entry))}"
    return line


def render_hub(hub: Hub) -> str:
    """A ``/codes/<code>/`` page: every entry with the code and the words that tell them apart."""
    title = f"SMTP {hub.label}: {len(hub.entries)} possible causes"
    code_desc = f"enhanced status code {hub.enhanced_code}"
    if hub.reply_code is not None:
        code_desc = f"reply code {hub.reply_code} with {code_desc}"
    lines = [
        _front(
            title=title,
            description=f"The different causes behind SMTP {hub.label}, and how to tell them apart.",
            search={"exclude": True},
        ),
        f"# {md_text(title)}\n",
        f"{NOT_DECISIVE}\n",
        f"Entries with {code_desc}, and the words in the bounce text that point to each one:\n",
        *(_entry_line(entry, "../", with_hint=True) for entry in hub.entries),
        "\nNot sure? [Paste your bounce in the analyzer](../analyzer.md) and it will rank these for you.\n",
    ]
    return "\n".join(lines)


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
        _front(
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
            _front(title=title, description=f"SMTP errors with status subject {title}.", search=exclude),
            f"# {md_text(title)}\n",
        ]
        by_code: dict[str, list[Entry]] = defaultdict(list)
        for entry in group:
            by_code[entry.enhanced_code or "none"].append(entry)
        for code in sorted(by_code):
            body.append(f"\n## {code if code != 'none' else 'Without an enhanced code'}\n")
            body.extend(_entry_line(entry, "../../") for entry in by_code[code])
        pages[f"browse/status/{key}.md"] = "\n".join(body) + "\n"

    lines = [
        _front(
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
                    _front(
                        title=provider.name,
                        description=f"SMTP errors seen from {provider.name}.",
                        search=exclude,
                    ),
                    f"# Errors from {md_text(provider.name)}\n",
                    *(_entry_line(e, "../../") for e in group),
                ]
            )
            + "\n"
        )

    lines = [
        _front(
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
                    _front(title=name, description=f"SMTP errors in the category {name}.", search=exclude),
                    f"# {md_text(name)}\n",
                    *(_entry_line(e, "../../") for e in group),
                ]
            )
            + "\n"
        )
    return pages


def render_browse_index(catalog: Catalog, hub_list: Sequence[Hub]) -> str:
    """``/browse/``: the three ways to browse plus the shared-code hubs."""
    lines = [
        _front(
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
            f"- [{hub.label}](../codes/{hub.slug}.md) ({len(hub.entries)} causes)" for hub in hub_list
        )
    return "\n".join(lines) + "\n"


def render_home(catalog: Catalog) -> str:
    """The home page: what the site is, then the ways in."""
    return "\n".join(
        [
            _front(title="SMTP error reference", search={"exclude": True}, hide=["toc"]),
            "# SMTP error reference\n",
            "Look up the error in your bounce message and find out what it means, who sends it "
            "and how to fix it. "
            "Every page is written for the person who has to fix it, with sources you can check.\n",
            "## Ways in\n",
            "- **Search**: type the code or the words from your bounce (for example `550 5.7.1` or "
            "`DMARC policy`) into the search box at the top of the page.",
            "- **Browse** the catalog [by status code](browse/status.md), "
            "[by provider](browse/providers.md) or [by category](browse/categories.md).",
            f"- **Paste your bounce**: the [analyzer](analyzer.md) reads the whole bounce in your browser, "
            f"matches it against all {len(catalog.entries)} entries and explains the result. "
            "Nothing you paste leaves the page.\n",
        ]
    )


def render_about() -> str:
    """The About page."""
    return "\n".join(
        [
            _front(title="About", description="What this SMTP error reference is and how it is made."),
            "# About this reference\n",
            "This is an open-source reference of SMTP errors: one page per error, each with the codes, the "
            "providers that send it, the causes, numbered fix steps and the sources (RFCs and provider "
            "documentation) that back it up.\n",
            "Every entry is a YAML file reviewed in public. Each page says when its facts were last checked "
            "against the sources, and where a provider's exact wording is not verified the page says so.\n",
            "The site makes no requests to other servers: no fonts, scripts, images or analytics "
            "from anyone else. The analyzer runs in your browser; the only network requests it makes "
            "are DNS lookups you ask for.\n",
            "The whole catalog is available as [catalog.json](catalog.json) for tools; "
            "its shape is documented "
            "in the [contributing guide](contributing.md#catalogjson).\n",
        ]
    )


def render_analyzer_placeholder() -> str:
    """Stands in for ``/analyzer/`` until ``overrides/analyzer.html`` exists."""
    return "\n".join(
        [
            _front(
                title="Analyzer",
                description="Paste a bounce message and find the matching SMTP error.",
                search={"exclude": True},
            ),
            "# Bounce analyzer\n",
            "The in-browser analyzer is not part of this build. Meanwhile, use the search box with the code "
            "from your bounce, or [browse the catalog](browse/index.md).\n",
        ]
    )


def render_contributing(markdown_text: str) -> str:
    """CONTRIBUTING.md as a site page (front matter added, text unchanged)."""
    return _front(title="Contributing", description="How to add or fix an SMTP error entry.") + markdown_text


def render_robots(site_url: str | None) -> str:
    """``robots.txt`` allowing everything and pointing at the sitemap."""
    sitemap = f"Sitemap: {site_url.rstrip('/')}/sitemap.xml\n" if site_url else ""
    return f"User-agent: *\nAllow: /\n{sitemap}"


def hub_slugs(hub_map: Mapping[str, Hub]) -> frozenset[str]:
    """The set of hub slugs, for entry pages to link to the hubs that exist."""
    return frozenset(hub_map)
