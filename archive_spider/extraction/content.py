"""Finding the article body: candidates from several finders, and the choice between them."""

from __future__ import annotations

import logging
import re
from collections import Counter
from copy import deepcopy
from dataclasses import dataclass, field

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


def find_body_with_readability(tree: HtmlElement, url: str | None) -> HtmlElement | None:
    """Return readability-lxml's article (a ``<div>``), or None. Modifies ``tree``."""
    from readability import Document

    summary = Document(tree, url=url).summary(html_partial=True)
    if not summary or not summary.strip():
        return None
    return lxml.html.fragment_fromstring(summary, create_parent="div")


@dataclass
class Candidate:
    """One finder's idea of the article body."""

    name: str
    root: HtmlElement
    text: str
    html: str
    shingles: Counter = field(init=False)
    words: int = field(init=False)

    def __post_init__(self) -> None:
        tokens = tokenize(self.text)
        self.words = len(tokens)
        self.shingles = count_shingles(tokens)


def choose_body(candidates: list[Candidate], reference_text: str | None = None) -> Candidate | None:
    """Pick the body candidate the evidence supports best.

    With a reference text (JSON-LD articleBody), the candidate that agrees with it most
    wins. Otherwise readability's candidate wins (it is the more precise), unless it holds
    only a sliver of what trafilatura found, which means it locked onto a fragment.
    """
    usable = [c for c in candidates if c.words]
    if not usable:
        return None
    if reference_text:
        reference = count_shingles(tokenize(reference_text))
        if sum(reference.values()) >= h.MIN_REFERENCE_SHINGLES:
            return max(usable, key=lambda c: agreement(c.shingles, reference))
    by_name = {c.name: c for c in usable}
    readability, trafilatura = by_name.get("readability"), by_name.get("trafilatura")
    if readability and trafilatura:
        if readability.words < h.MIN_READABILITY_SHARE * trafilatura.words:
            return trafilatura
        return readability
    return usable[0]


def agreement(candidate: Counter, reference: Counter) -> float:
    """Shingle F1 of ``candidate`` against ``reference``."""
    common = sum((candidate & reference).values())
    if not common:
        return 0.0
    precision = common / sum(candidate.values())
    recall = common / sum(reference.values())
    return 2 * precision * recall / (precision + recall)


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
