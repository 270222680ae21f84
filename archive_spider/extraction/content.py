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
from .text import render_text

WORD_RE = re.compile(r"\w+")

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
logging.getLogger("readability").setLevel(logging.CRITICAL)


def find_body_with_trafilatura(
    tree: HtmlElement, url: str | None, fast: bool = True, **focus: bool
) -> HtmlElement | None:
    """Return trafilatura's main content as simple HTML (a ``<body>``), or None.

    ``fast`` skips trafilatura's own fallback finders (readability is our second opinion);
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
        fast=fast,
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
    readability = next((c for c in usable if c.name == "readability"), None)
    others = [c for c in usable if c is not readability]
    trafilatura = max(others, key=lambda c: c.words, default=None)
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
    return Counter(zip(*(tokens[i:] for i in range(size))))


def contains_teaser(text: str, teaser: str) -> bool:
    """True when most of the teaser's shingles appear in ``text`` (fuzzy containment)."""
    teaser_shingles = count_shingles(tokenize(teaser))
    if not teaser_shingles:
        return True
    found = count_shingles(tokenize(text)) & teaser_shingles
    return sum(found.values()) / sum(teaser_shingles.values()) >= h.TEASER_MIN_OVERLAP


def merge_missing_blocks(primary: Candidate, secondary: Candidate) -> Candidate:
    """Add to ``primary`` the substantial blocks only ``secondary`` found, in reading order.

    Each block of ``secondary`` is either covered by ``primary`` (most of its shingles
    appear there; it then anchors the position) or missing. Missing blocks that read as
    prose are inserted after the last anchor. If the missing prose outweighs the primary
    body, the secondary finder has wandered into a list of other stories: no merge.
    """
    blocks = list(primary.root)
    owner: dict[tuple, int] = {}
    for index, block in enumerate(blocks):
        for shingle in count_shingles(tokenize(block.text_content())):
            owner.setdefault(shingle, index)
    insertions: dict[int, list[HtmlElement]] = {}
    anchor, added_words = -1, 0
    pending: list[tuple[HtmlElement, int]] = []  # missing blocks since the last anchor
    for block in secondary.root:
        tokens = tokenize(block.text_content())
        shingles = count_shingles(tokens)
        if not shingles:
            continue
        owners = [owner[s] for s in shingles if s in owner]
        if len(owners) >= h.MIN_COVERED_SHARE * len(shingles):
            # blocks between two anchors lie inside the article: looser test (lists, notes)
            for missing, words in pending:
                if anchor < 0 and not is_prose_block(missing, words):
                    continue
                if anchor >= 0 and not is_inner_block(missing, words):
                    continue
                insertions.setdefault(anchor, []).append(missing)
                added_words += words
            pending = []
            anchor = max(anchor, Counter(owners).most_common(1)[0][0])
        else:
            pending.append((block, len(tokens)))
    for missing, words in pending:  # after the last anchor: only prose
        if is_prose_block(missing, words):
            insertions.setdefault(anchor, []).append(missing)
            added_words += words
    if not insertions or added_words > h.MAX_MERGED_SHARE * primary.words:
        return primary
    if agreement(secondary.shingles, primary.shingles) < h.MIN_MERGE_AGREEMENT:
        return primary  # the two finders found different things: nothing to complete
    root = lxml.html.fragment_fromstring("<div></div>")
    for index in range(-1, len(blocks)):
        if index >= 0:
            root.append(deepcopy(blocks[index]))
        for block in insertions.get(index, []):
            root.append(deepcopy(block))
    html = "\n".join(serialize_block(block) for block in root)
    return Candidate(f"{primary.name}+{secondary.name}", root, render_text(root), html)


def is_inner_block(block: HtmlElement, words: int) -> bool:
    """True for blocks that may sit inside an article: not link lists, not single words."""
    if block.tag not in h.PROSE_TAGS or words < h.MIN_INNER_BLOCK_WORDS:
        return False
    text_length = len(block.text_content()) or 1
    link_length = sum(len(a.text_content()) for a in block.iter("a"))
    return link_length / text_length < h.MAX_MERGED_LINK_DENSITY


def is_prose_block(block: HtmlElement, words: int) -> bool:
    """True for blocks that read as article prose: long enough, not a list of links."""
    if block.tag not in h.PROSE_TAGS or words < h.MIN_MERGED_BLOCK_WORDS:
        return False
    lines = 1 + sum(1 for _ in block.iter("li", "p", "br", "h2", "h3", "h4", "tr", "figcaption"))
    if words / lines < h.MIN_MERGED_WORDS_PER_LINE:  # menus and teaser stacks, not prose
        return False
    text_length = len(block.text_content()) or 1
    link_length = sum(len(a.text_content()) for a in block.iter("a"))
    return link_length / text_length < h.MAX_MERGED_LINK_DENSITY


def serialize_block(block: HtmlElement) -> str:
    """Return the block's markup without the text that follows it."""
    return lxml.html.tostring(block, encoding="unicode", with_tail=False)


def wrap_loose_inline(root: HtmlElement) -> None:
    """Put text and inline elements lying directly in ``root`` into ``<p>`` elements."""
    runs: list[list] = []
    current: list = []
    if root.text and root.text.strip():
        current.append(root.text)
    root.text = None
    for child in list(root):
        if child.tag in h.INLINE_TAGS:
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


def find_teaser_block(candidate: Candidate, teaser: str) -> int | None:
    """Return the index of the body block where the teaser starts, or None."""
    teaser_shingles = list(count_shingles(tokenize(teaser)))[: h.TEASER_ANCHOR_SHINGLES]
    if not teaser_shingles:
        return None
    for index, block in enumerate(candidate.root):
        block_shingles = count_shingles(tokenize(block.text_content()))
        if sum(1 for s in teaser_shingles if s in block_shingles) >= len(teaser_shingles) / 2:
            return index
    return None


def anchor_on_teaser(candidate: Candidate, teaser: str) -> Candidate:
    """Start the body where the teaser starts, dropping a short lead of page furniture
    (kicker, dateline, reading time) before it. A long lead is kept: then the teaser is
    a quote from the middle of the article, not its opening."""
    start = find_teaser_block(candidate, teaser)
    if not start:
        return candidate
    lead = list(candidate.root)[:start]
    if sum(len(tokenize(block.text_content())) for block in lead) > h.MAX_TEASER_LEAD_WORDS:
        return candidate
    root = deepcopy(candidate.root)
    for block in list(root)[:start]:
        root.remove(block)
    html = "\n".join(serialize_block(block) for block in root)
    return Candidate(candidate.name, root, render_text(root), html)


def prefer_teaser_holder(chosen: Candidate, candidates: list[Candidate], teaser: str) -> Candidate:
    """When the chosen body lacks the teaser and another finder's body has it, take that one."""
    if contains_teaser(chosen.text, teaser):
        return chosen
    for other in candidates:
        if other is not chosen and other.words and contains_teaser(other.text, teaser):
            return other
    return chosen
