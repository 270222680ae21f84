"""Turning whatever the crawler fetched (bytes or text, any encoding, any size) into a tree."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

import lxml.etree
import lxml.html
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HtmlProcessingInstruction

from . import heuristics as h

# lxml.html's own parser picks each element's Python class in Python (form and input
# elements get classes of their own), once for every element the code touches: a tenth
# of extraction's time. One class for every element, chosen in C, parses and walks pages
# three times faster; extraction never needs the form classes. Every tree and fragment of
# extraction is parsed with it (copies keep their parser).
HTML_PARSER = lxml.html.HTMLParser()
HTML_PARSER.set_element_class_lookup(lxml.etree.ElementDefaultClassLookup(
    element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity))

CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
XML_DECLARATION_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
MARKUP_RE = re.compile(r"<\s*[a-zA-Z!/?]")
# bytes that do not occur in text: C0 controls other than tab, newlines, form feed
CONTROL_BYTES = bytes([*range(0, 9), *range(14, 32)])
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
REPLACEMENT_RUN_RE = re.compile("\ufffd+")
# a <meta charset> readable as ASCII cannot be right about UTF-16 or UTF-32 without a BOM
WIDE_ENCODINGS = ("utf-16", "utf16", "utf-32", "utf32", "ucs-2", "ucs2", "ucs-4")
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
        sample = text[:8192]
        if sample and len(XML_INCOMPATIBLE_RE.findall(sample)) / len(sample) > h.MAX_BINARY_BYTE_RATIO:
            return "", warnings + ["not-html"]  # bytes decoded as text by the caller
    else:
        return "", ["not-html"]
    text = clean_characters(text)
    if not text.strip():
        return "", warnings + ["empty"]
    if has_mojibake(text):
        text = repair_mojibake(text)
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
    """Decode using the BOM, then the declared charset, then UTF-8, then Windows-1252.

    UTF-8 with a few broken sequences (a lone surrogate, a cut character) stays UTF-8 when
    the page says it is UTF-8 or shows well-formed multi-byte characters too; the broken
    bytes carry no text and are dropped. Otherwise it is read as Windows-1252.
    """
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="ignore")  # broken units carry no text
    declared = CHARSET_RE.search(data[:4096])
    candidates = ["utf-8"]
    if declared:
        encoding = declared.group(1).decode("ascii", "ignore")
        if not encoding.lower().startswith(WIDE_ENCODINGS):
            candidates.insert(0, encoding)
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    lenient = decode_damaged_utf8(data, says_utf8=bool(declared) and candidates[0].lower() in ("utf-8", "utf8"))
    return lenient if lenient is not None else data.decode("cp1252", errors="replace")


def decode_damaged_utf8(data: bytes, says_utf8: bool) -> str | None:
    """``data`` as UTF-8 without its broken sequences, when it is UTF-8 with a little damage
    (broken sequences on at most MAX_BROKEN_UTF8_SHARE of its characters) rather than another encoding."""
    text = data.decode("utf-8", errors="replace")
    # one broken sequence may give several replacement characters: count the runs
    broken = len(REPLACEMENT_RUN_RE.findall(text)) - data.count(b"\xef\xbf\xbd")
    if broken > h.MAX_BROKEN_UTF8_SHARE * len(text):
        return None
    if not says_utf8 and sum(1 for ch in text if ord(ch) > 0x7F and ch != "\ufffd") < broken:
        return None  # no more well-formed characters than broken ones: a legacy encoding
    return data.decode("utf-8", errors="ignore")


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
