"""Turning whatever the crawler fetched (bytes or text, any encoding, any size) into a tree.

Bytes are decoded by the project's one decoder (``archive_spider/decoding.py``: BOM,
declared charset, UTF-8, detection; mojibake repaired); text given as text has its
mojibake repaired by the same function. What is left here is extraction's own: the size
cap, the characters XML refuses, and parsing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.etree
import lxml.html
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HtmlProcessingInstruction

from archive_spider.decoding import decode_html, looks_binary, looks_binary_text, repair_mojibake

from . import heuristics as h

# lxml.html's own parser picks each element's Python class in Python (form and input
# elements get classes of their own), once for every element the code touches: a tenth
# of extraction's time. One class for every element, chosen in C, parses and walks pages
# three times faster; extraction never needs the form classes. Every tree and fragment of
# extraction is parsed with it (copies keep their parser).
HTML_PARSER = lxml.html.HTMLParser()
HTML_PARSER.set_element_class_lookup(lxml.etree.ElementDefaultClassLookup(
    element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity))

XML_DECLARATION_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
MARKUP_RE = re.compile(r"<\s*[a-zA-Z!/?]")
# Characters that XML (and so lxml, and the finders that build trees with it) refuses in
# text and attributes: C0 controls other than tab and line breaks, lone surrogates (from
# broken UTF-16 or a decoder's "surrogateescape"), and the two non-characters U+FFFE and
# U+FFFF. A single one made a whole page come back empty; they carry no text, so they go
# before parsing (a form feed becomes a space, as it separates words).
XML_INCOMPATIBLE_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# The same characters written as numeric character references ("&#1;", "&#xFFFE;"), which
# the HTML parser turns into the characters themselves (or, for NUL and surrogates, into
# U+FFFD). One pattern, no callback: pages are full of
# harmless references ("&#8217;"), and the number must end where the pattern does.
XML_INCOMPATIBLE_REFERENCE_RE = re.compile(
    r"&#(?:0*(?:[0-8]|1[1-9]|2[0-9]|3[01]|6553[45]"
    r"|5529[6-9]|55[3-9][0-9]{2}|56[0-9]{3}|57[0-2][0-9]{2}|573[0-3][0-9]|5734[0-3])(?![0-9])"
    r"|[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]|[fF]{3}[eEfF]|[dD][89a-fA-F][0-9a-fA-F]{2})(?![0-9a-fA-F]));?"
)


def decode_input(data: str | bytes | None) -> tuple[str, list[str]]:
    """Return the page as text (capped in size) and warnings about the input."""
    warnings: list[str] = []
    if data is None:
        return "", ["empty"]
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if isinstance(data, bytes):
        if len(data) > h.MAX_INPUT_BYTES:
            data = data[: h.MAX_INPUT_BYTES]
            warnings.append("truncated")
        if looks_binary(data):
            return "", warnings + ["not-html"]
        decoded = decode_html(data)
        text, repaired = decoded.text, decoded.repaired
    elif isinstance(data, str):
        text = data
        if len(text) > h.MAX_INPUT_BYTES:
            text = text[: h.MAX_INPUT_BYTES]
            warnings.append("truncated")
        if looks_binary_text(text):
            return "", warnings + ["not-html"]  # bytes decoded as text by the caller
        text, repaired = repair_mojibake(text)
    else:
        return "", ["not-html"]
    text = clean_characters(text)
    if not text.strip():
        return "", warnings + ["empty"]
    if repaired:
        warnings.append("repaired-encoding")
    if not MARKUP_RE.search(text[:65536]):
        return "", warnings + ["not-html"]
    return text, warnings


def clean_characters(text: str) -> str:
    """``text`` without the characters XML refuses (XML_INCOMPATIBLE_RE); a form feed
    becomes a space."""
    if "\x0c" in text:
        text = text.replace("\x0c", " ")
    if "&#" in text:
        text = XML_INCOMPATIBLE_REFERENCE_RE.sub("", text)
    if XML_INCOMPATIBLE_RE.search(text) is None:
        return text
    return XML_INCOMPATIBLE_RE.sub("", text)


@dataclass
class LoadedPage:
    """A page read for extraction: its text as extraction sees it (decoded, cleaned,
    capped), the warnings reading it gave, and its tree (None when there is none)."""

    text: str
    warnings: list[str] = field(default_factory=list)
    tree: HtmlElement | None = None


def load_page(data: str | bytes | None) -> LoadedPage:
    """Decode and parse a page once (``decode_input`` then ``parse_page``); what
    ``extract_article`` does first, done ahead by a caller that wants the tree too."""
    text, warnings = decode_input(data)
    return LoadedPage(text, warnings, parse_page(text) if text else None)


def parse_page(text: str) -> HtmlElement | None:
    """Parse page text into an lxml tree; None when there is nothing to parse."""
    text = XML_DECLARATION_RE.sub("", text)  # lxml refuses str input with an encoding declaration
    try:
        tree = lxml.html.document_fromstring(text, parser=HTML_PARSER)
    except (lxml.etree.ParserError, ValueError):
        return None
    return tree if tree is not None and len(tree) else None


def truncate_tree(tree: HtmlElement, max_elements: int) -> bool:
    """Remove every element after the first ``max_elements`` (document order), in place.

    Returns True when something was cut.
    """
    elements = list(tree.iter())
    if len(elements) <= max_elements:
        return False
    for element in elements[max_elements:]:
        parent = element.getparent()
        if parent is not None:
            parent.remove(element)
    return True
