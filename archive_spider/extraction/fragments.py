"""Article HTML as a fragment: parsing, serialising and normalising its block structure."""

from __future__ import annotations

import lxml.etree
import lxml.html
from lxml.html import HtmlElement

from .loading import HTML_PARSER
from .text import BLOCK_TAGS, CELL_TAGS, INLINE_TAGS, SPACE_RE, normalize_space


def parse_fragment(html: str) -> HtmlElement:
    """Parse an HTML fragment into a ``<div>`` root."""
    return lxml.html.fragment_fromstring(html or "<p></p>", create_parent="div", parser=HTML_PARSER)


def serialize_block(block: HtmlElement) -> str:
    """Return the block's markup without the text that follows it."""
    return lxml.html.tostring(block, encoding="unicode", with_tail=False)


def wrap_loose_inline(root: HtmlElement) -> None:
    """Put text and inline elements lying directly in ``root`` into ``<p>`` elements."""
    runs: list[tuple[HtmlElement | None, list]] = []
    current: list = []
    if root.text and root.text.strip():
        current.append(root.text)
    root.text = None
    for child in list(root):
        if child.tag in INLINE_TAGS:
            current.append(child)
            tail, child.tail = child.tail, None
            if tail and tail.strip():
                current.append(tail)
            continue
        if current:
            runs.append((child, current))
            current = []
        if child.tail and child.tail.strip():
            current.append(child.tail)
        child.tail = None
    if current:
        runs.append((None, current))
    for before, items in runs:
        paragraph = lxml.html.Element("p")
        for item in items:
            if isinstance(item, str):
                if len(paragraph):
                    paragraph[-1].tail = (paragraph[-1].tail or "") + item
                else:
                    paragraph.text = (paragraph.text or "") + item
            else:
                paragraph.append(item)
        if before is None:
            root.append(paragraph)
        else:
            before.addprevious(paragraph)


def inner_html(element: HtmlElement) -> str:
    """Return the serialised children of ``element``."""
    parts = [element.text or ""]
    parts.extend(lxml.html.tostring(child, encoding="unicode") for child in element)
    return "".join(parts)


def split_at_double_breaks(root: HtmlElement) -> None:
    """Turn ``<br><br>`` inside a paragraph into a paragraph break (old-style markup)."""
    for paragraph in list(root.iter("p")):
        children = list(paragraph)
        if sum(1 for child in children if child.tag == "br") < 2:
            continue
        pieces: list[list] = [[paragraph.text or ""]]
        index = 0
        while index < len(children):
            child = children[index]
            follows = children[index + 1] if index + 1 < len(children) else None
            if child.tag == "br" and not (child.tail or "").strip() and follows is not None and follows.tag == "br":
                while index < len(children) and children[index].tag == "br" and not (children[index].tail or "").strip():
                    index += 1
                tail = ""
                if index < len(children) and children[index].tag == "br":
                    tail = children[index].tail or ""
                    index += 1
                pieces.append([tail])
                continue
            pieces[-1].append(child)
            index += 1
        if len(pieces) > 1:
            replace_with_paragraphs(paragraph, pieces)


def replace_with_paragraphs(paragraph: HtmlElement, pieces: list[list]) -> None:
    """Replace ``paragraph`` by one ``<p>`` per piece (a leading text, then elements)."""
    for piece in pieces:
        new = lxml.html.Element("p")
        new.text = piece[0]
        for child in piece[1:]:
            new.append(child)  # moves the child, with its tail
        if normalize_space(new.text_content()) or new.find(".//img") is not None:
            paragraph.addprevious(new)
    paragraph.tail = None
    paragraph.getparent().remove(paragraph)


def tidy_whitespace(root: HtmlElement) -> None:
    """Collapse runs of whitespace in article HTML (source indentation), except in <pre>."""
    preformatted = {element for pre in root.iter("pre") for element in pre.iter()}
    for element in root.iter(lxml.etree.Element):
        if element in preformatted:
            continue
        is_block = element.tag in BLOCK_TAGS or element.tag in CELL_TAGS
        text = element.text
        if text:
            tidy = SPACE_RE.sub(" ", text.replace("\n", " "))
            if is_block:
                tidy = tidy.lstrip()
            if tidy != text:  # setting a text costs more than comparing it
                element.text = tidy
        tail = element.tail
        if tail and element is not root:
            tidy = SPACE_RE.sub(" ", tail.replace("\n", " "))
            if tidy != tail:
                element.tail = tidy
        if is_block:
            last = element[-1] if len(element) else None
            if last is not None and isinstance(last.tag, str) and last.tail:
                last.tail = last.tail.rstrip()
            elif last is None and element.text:
                element.text = element.text.rstrip()
