"""Finding the article body: candidates from several finders, and the choice between them."""

from __future__ import annotations

import logging
import re
from collections import Counter
from copy import deepcopy

import lxml.etree
import lxml.html
from lxml.html import HtmlElement

from . import heuristics as h

WORD_RE = re.compile(r"\w+")

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
logging.getLogger("readability").setLevel(logging.CRITICAL)


def find_body_with_trafilatura(tree: HtmlElement, url: str | None, **focus: bool) -> HtmlElement | None:
    """Return trafilatura's main content as simple HTML (a ``<body>``), or None.

    ``focus`` takes ``favor_precision`` or ``favor_recall``.
    """
    import trafilatura
    from trafilatura.htmlprocessing import convert_to_html

    document = trafilatura.bare_extraction(
        tree,
        url=url,
        include_comments=False,
        include_formatting=True,
        include_links=True,
        include_images=True,
        include_tables=True,
        with_metadata=False,
        **focus,
    )
    if document is None or document.body is None or not len(document.body):
        return None
    html_root = convert_to_html(deepcopy(document.body))
    # trafilatura builds plain etree elements; reparse to get lxml.html's API
    markup = lxml.etree.tostring(html_root.find("body"), encoding="unicode")
    return lxml.html.fragment_fromstring(markup, create_parent="div")


def parse_fragment(html: str) -> HtmlElement:
    """Parse an HTML fragment into a ``<div>`` root."""
    return lxml.html.fragment_fromstring(html or "<p></p>", create_parent="div")


def tokenize(text: str) -> list[str]:
    """Return the lowercased word tokens of ``text``."""
    return WORD_RE.findall((text or "").lower())


def count_shingles(tokens: list[str], size: int = h.SHINGLE_SIZE) -> Counter:
    """Return the multiset of ``size``-token shingles (one short shingle for short texts)."""
    if len(tokens) < size:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1))


def contains_teaser(text: str, teaser: str) -> bool:
    """True when most of the teaser's shingles appear in ``text`` (fuzzy containment)."""
    teaser_shingles = count_shingles(tokenize(teaser))
    if not teaser_shingles:
        return True
    found = count_shingles(tokenize(text)) & teaser_shingles
    return sum(found.values()) / sum(teaser_shingles.values()) >= h.TEASER_MIN_OVERLAP
