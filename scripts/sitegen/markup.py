"""Markdown and text helpers shared by the renderers (no MkDocs involved)."""

from __future__ import annotations

import html
import json
import re

import markdown

from .model import Entry

_EXTENSIONS = ("fenced_code", "tables", "sane_lists")
_INLINE_MARKUP = re.compile(r"[`*_]|\[([^\]]*)\]\([^)]*\)")


class MarkdownRenderer:
    """Converts entry prose (Markdown) to HTML; one per build, reset between calls for speed."""

    def __init__(self) -> None:
        self._converter = markdown.Markdown(extensions=list(_EXTENSIONS), output_format="html")

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
