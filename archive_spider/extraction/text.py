"""Plain text from article HTML: one paragraph per block, a blank line between blocks."""

from __future__ import annotations

import re
import unicodedata
from typing import overload

from lxml.html import HtmlElement

# Elements that start a new paragraph of plain text.
BLOCK_TAGS = frozenset(
    {"p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol",
     "li", "dl", "dt", "dd", "blockquote", "pre", "figure", "figcaption", "table", "thead",
     "tbody", "tfoot", "tr", "caption", "header", "footer", "aside", "hr", "address", "body"}
)
CELL_TAGS = frozenset({"td", "th"})
# Elements that sit inside a line of text.
INLINE_TAGS = frozenset(
    {"a", "span", "em", "strong", "b", "i", "u", "font", "abbr", "sup", "sub", "small", "mark",
     "cite", "q", "time", "code", "label", "br", "img"}
)

SPACE_RE = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
# Invisible characters that are never part of a word. The zero-width joiner and non-joiner
# (U+200C, U+200D) stay: in Bengali, Hindi or Persian they are spelling.
ZERO_WIDTH_RE = re.compile(r"[\u200b\u2060\ufeff\u00ad]")
WORD_RE = re.compile(r"\w+")


@overload
def canonical(text: str) -> str: ...
@overload
def canonical(text: None) -> None: ...
@overload
def canonical(text: str | None) -> str | None: ...
def canonical(text: str | None) -> str | None:
    """``text`` in one spelling: "é" written as e + combining accent, or a Bengali letter
    written precomposed, in its canonical composed form (NFC), as search and comparison
    expect. Applied to what the Article returns, not the page: a fraction of the cost."""
    if not text or text.isascii():
        return text
    return unicodedata.normalize("NFC", text)


def normalize_space(text: str) -> str:
    """Collapse all whitespace (newlines included) to single spaces and strip."""
    if not text:
        return ""
    if not text.isascii():  # the invisible characters are not ASCII: most texts skip the pattern
        text = ZERO_WIDTH_RE.sub("", text)
    return " ".join(text.split())


def normalize_paragraph(text: str) -> str:
    """Collapse spaces inside a paragraph; keep single line breaks (from ``<br>``/``<pre>``)."""
    if not text.isascii():
        text = ZERO_WIDTH_RE.sub("", text)
    lines = [SPACE_RE.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def render_text(root: HtmlElement) -> str:
    """Return the plain text of ``root``: paragraphs separated by exactly one blank line."""
    paragraphs: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        paragraph = normalize_paragraph("".join(buffer))
        if paragraph:
            paragraphs.append(paragraph)
        buffer.clear()

    def walk(element: HtmlElement, in_pre: bool) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        is_block = tag in BLOCK_TAGS
        if is_block:
            flush()
        if tag == "br":
            buffer.append("\n")
        elif tag in CELL_TAGS:
            buffer.append(" ")
        elif tag == "img":
            pass
        if tag and element.text:
            buffer.append(element.text if in_pre or tag == "pre" else element.text.replace("\n", " "))
        for child in element:
            walk(child, in_pre or tag == "pre")
        if is_block:
            flush()
        if element.tail:
            buffer.append(element.tail if in_pre else element.tail.replace("\n", " "))

    walk(root, False)
    flush()
    return "\n\n".join(paragraphs)


def count_words(text: str) -> int:
    """Return the number of words (``\\w+`` runs) in ``text``."""
    return len(WORD_RE.findall(text or ""))
