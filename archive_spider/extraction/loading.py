"""Turning whatever the crawler fetched (bytes or text, any encoding, any size) into a tree."""

from __future__ import annotations

import codecs
import re

import lxml.etree
import lxml.html
from lxml.html import HtmlElement

from . import heuristics as h

CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
XML_DECLARATION_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
MARKUP_RE = re.compile(r"<\s*[a-zA-Z!/?]")
# bytes that do not occur in text: C0 controls other than tab, newlines, form feed
CONTROL_BYTES = bytes([*range(0, 9), *range(14, 32)])
BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


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
        text = decode_bytes(data)
    elif isinstance(data, str):
        text = data
        if len(text) > h.MAX_INPUT_BYTES:
            text = text[: h.MAX_INPUT_BYTES]
            warnings.append("truncated")
        if "\x00" in text[:4096]:
            return "", warnings + ["not-html"]
    else:
        return "", ["not-html"]
    if not text.strip():
        return "", warnings + ["empty"]
    if has_mojibake(text):
        text = repair_mojibake(text)
        warnings.append("repaired-encoding")
    if not MARKUP_RE.search(text[:65536]):
        return "", warnings + ["not-html"]
    return text, warnings


def has_mojibake(text: str) -> bool:
    """True when ``text`` shows the tell-tale pairs of UTF-8 read as Windows-1252."""
    if text.isascii():
        return False
    # the pairs all start with one of three letters: look for those first (a plain
    # substring search), and run the pattern only on the pages that have one
    if not any(lead in text for lead in h.MOJIBAKE_LEAD_CHARS):
        return False
    return bool(h.MOJIBAKE_RE.search(text))


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 read as Windows-1252 ("CafÃ©" -> "Café") with ftfy."""
    import ftfy

    return ftfy.fix_text(text, unescape_html=False, fix_line_breaks=False, uncurl_quotes=False)


def looks_binary(data: bytes) -> bool:
    """True for inputs that are not text: images, archives, PDFs."""
    if data.startswith(tuple(bom for bom, _ in BOMS[1:])):
        return False
    sample = data[:8192]
    controls = len(sample) - len(sample.translate(None, CONTROL_BYTES))
    return bool(sample) and controls / len(sample) > h.MAX_BINARY_BYTE_RATIO


def decode_bytes(data: bytes) -> str:
    """Decode using the BOM, then the declared charset, then UTF-8, then Windows-1252."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    declared = CHARSET_RE.search(data[:4096])
    candidates = ["utf-8"]
    if declared:
        candidates.insert(0, declared.group(1).decode("ascii", "ignore"))
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("cp1252", errors="replace")


def parse_page(text: str) -> HtmlElement | None:
    """Parse page text into an lxml tree; None when there is nothing to parse."""
    text = XML_DECLARATION_RE.sub("", text)  # lxml refuses str input with an encoding declaration
    try:
        tree = lxml.html.document_fromstring(text)
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
