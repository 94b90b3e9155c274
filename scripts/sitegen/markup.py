"""Markdown and text helpers shared by the renderers (no MkDocs involved)."""

from __future__ import annotations

import html
import json
import re

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from .model import Entry

_SAFE_SCHEMES = frozenset({"https", "mailto"})
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
# Browsers drop ASCII tab and newline inside a URL and ignore leading controls and spaces, so
# "java\tscript:" is javascript:. They are removed before the scheme is read.
_URL_IGNORED = re.compile(r"[\x00-\x20\x7f]")


def safe_url(url: str) -> bool:
    """True for the link targets contributed prose may use: https:, mailto: and relative links."""
    cleaned = _URL_IGNORED.sub("", html.unescape(url))
    scheme = _SCHEME.match(cleaned)
    return scheme is None or scheme.group(1).lower() in _SAFE_SCHEMES


class _SafeLinks(Treeprocessor):
    """Links and images with any other target lose it: the words stay, the target is dropped."""

    def run(self, root):  # type: ignore[no-untyped-def]
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value is not None and not safe_url(value):
                    del element.attrib[attribute]
                    element.set("data-removed-link", "unsafe target")
        return None


class _NoRawHtml(Extension):
    """Contributed prose is Markdown only: raw HTML (blocks and inline tags) is shown as text, never
    published as markup, and link targets are limited to https:, mailto: and relative ones."""

    def extendMarkdown(self, md):  # type: ignore[no-untyped-def]
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_SafeLinks(md), "safe_links", 0)


_EXTENSIONS = ("fenced_code", "tables", "sane_lists")
_INLINE_MARKUP = re.compile(r"[`*_]|\[([^\]]*)\]\([^)]*\)")


class MarkdownRenderer:
    """Converts entry prose (Markdown) to HTML; one per build, reset between calls for speed."""

    def __init__(self) -> None:
        self._converter = markdown.Markdown(extensions=[*_EXTENSIONS, _NoRawHtml()], output_format="html")

    def block(self, text: str) -> str:
        """Markdown paragraphs, lists and fenced code blocks -> HTML."""
        self._converter.reset()
        return self._converter.convert(text)

    def inline(self, text: str) -> str:
        """One line of Markdown (a title) -> HTML without the surrounding paragraph."""
        rendered = self.block(text).strip()
        if rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1:
            return rendered[3:-4]
        return rendered


def esc(text: object) -> str:
    """HTML-escape any value for text or a quoted attribute."""
    return html.escape(str(text), quote=True)


def plain_text(markdown_text: str) -> str:
    """Markdown reduced to plain text for meta descriptions and JSON-LD (links keep their words)."""
    text = _INLINE_MARKUP.sub(lambda found: found.group(1) or "", markdown_text)
    return " ".join(text.split())


def md_code(text: str) -> str:
    """``text`` as a Markdown code span, safe even when it contains backticks."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}"


def md_text(text: str) -> str:
    """Plain text made safe to drop into Markdown (no accidental emphasis, links or HTML)."""
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)


def front_matter(**fields: object) -> str:
    """YAML front matter (JSON values are valid YAML); ``description`` is HTML-escaped."""
    if isinstance(fields.get("description"), str):  # Material puts it in an attribute unescaped
        fields["description"] = esc(fields["description"])
    lines = "\n".join(f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in fields.items())
    return f"---\n{lines}\n---\n\n"


DISTINGUISH_LABEL = "How to tell it apart:"


def entry_line(entry: Entry, prefix: str, *, hint: str | None = None) -> str:
    """A Markdown list item linking to an entry page; ``prefix`` leads from the page to the docs root.

    ``hint`` (plain words, usually the entry's ``distinguish``) goes on a second line.
    """
    line = f"- [{md_text(entry.title)}]({prefix}errors/{entry.entry_id}.md)"
    if not entry.title.startswith(entry.codes_text):  # most titles already lead with their codes
        line += f" {md_code(entry.codes_text)}"
    if hint:
        line += f"  \n  {DISTINGUISH_LABEL} {md_text(hint)}"
    return line
