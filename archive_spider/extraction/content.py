"""Choosing the article body among the finders' candidates, completing it, anchoring it."""

from __future__ import annotations

from collections import Counter
from copy import deepcopy
from dataclasses import dataclass
from functools import cached_property

import lxml.html
from lxml.html import HtmlElement

from . import heuristics as h
from .fragments import serialize_block
from .shingles import agreement, containment, contains_teaser, count_shingles, tokenize
from .text import render_text
from .loading import HTML_PARSER


@dataclass
class Candidate:
    """One finder's idea of the article body. Its tokens and shingles are counted when
    first asked for: the bodies made along the way (merged, with figures) mostly are not."""

    name: str
    root: HtmlElement
    text: str
    html: str

    @cached_property
    def tokens(self) -> list[str]:
        return tokenize(self.text)

    @cached_property
    def words(self) -> int:
        return len(self.tokens)

    @cached_property
    def shingles(self) -> Counter:
        return count_shingles(self.tokens)


def choose_body(
    candidates: list[Candidate], reference_text: str | None = None, topic: str | None = None
) -> Candidate | None:
    """Pick the body candidate the evidence supports best.

    With a reference text (JSON-LD articleBody), the candidate that agrees with it most
    wins. Otherwise readability's and trafilatura's bodies are weighed against each other
    (``choose_between``, with ``topic``: the page's title and description). Without
    readability's, the longest body wins (trafilatura's fast mode may have stopped at a
    "Skip to content" strip that its full mode, run as a last resort, went past).
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
        return choose_between(readability, trafilatura, topic)
    return max(usable, key=lambda c: c.words)


def choose_between(readability: Candidate, trafilatura: Candidate, topic: str | None) -> Candidate:
    """readability's body (the more precise finder) unless the two finders' agreement
    says otherwise: it lies inside trafilatura's, which is much longer (readability found a
    part of the article); the two found different things, and trafilatura's is the one
    about the page's topic; or it holds only a sliver of what trafilatura found."""
    inside = containment(readability.shingles, trafilatura.shingles)
    if inside >= h.MIN_FRAGMENT_CONTAINMENT and trafilatura.words >= h.MIN_FRAGMENT_GROWTH * readability.words:
        return trafilatura
    if (topic and inside < h.MAX_DISAGREEMENT_CONTAINMENT
            and containment(trafilatura.shingles, readability.shingles) < h.MAX_DISAGREEMENT_CONTAINMENT):
        on_topic = {w for w in tokenize(topic) if len(w) >= h.TOPIC_WORD_LETTERS}
        if on_topic:
            by_readability = len(on_topic.intersection(readability.tokens)) / len(on_topic)
            by_trafilatura = len(on_topic.intersection(trafilatura.tokens)) / len(on_topic)
            if by_trafilatura >= by_readability + h.MIN_TOPIC_MARGIN:
                return trafilatura
            if by_readability >= by_trafilatura + h.MIN_TOPIC_MARGIN:
                return readability
    if readability.words < h.MIN_READABILITY_SHARE * trafilatura.words:
        return trafilatura
    return readability


def merge_missing_blocks(primary: Candidate, secondary: Candidate) -> Candidate:
    """Add to ``primary`` the substantial blocks only ``secondary`` found, in reading order.

    Each block of ``secondary`` is either covered by ``primary`` (most of its shingles
    appear there; it then anchors the position) or missing. Missing blocks that read as
    prose are inserted after the last anchor. If the missing prose outweighs the primary
    body, the secondary finder has wandered into a list of other stories: no merge.
    """
    nothing_missing = len(secondary.shingles.keys() - primary.shingles.keys()) < h.MIN_INNER_BLOCK_WORDS
    if nothing_missing and secondary.html.count("<img") <= primary.html.count("<img"):
        return primary
    blocks = list(primary.root)
    owner = map_shingles_to_blocks(blocks)
    insertions: dict[int, list[HtmlElement]] = {}
    anchor, added_words = -1, 0
    pending: list[tuple[HtmlElement, int]] = []  # missing blocks since the last anchor
    for block in secondary.root:
        tokens = tokenize(block.text_content())
        shingles = count_shingles(tokens)
        if not shingles:
            if is_image_block(block):  # a picture the chosen finder dropped
                pending.append((block, 0))
            continue
        covering = covering_block(owner, shingles)
        if covering is not None:
            # blocks between two anchors lie inside the article: looser test (lists, notes)
            for missing, words in pending:
                if anchor < 0 and not is_prose_block(missing, words):
                    continue
                if anchor >= 0 and not (is_inner_block(missing, words) or is_image_block(missing)):
                    continue
                insertions.setdefault(anchor, []).append(missing)
                added_words += words
            pending = []
            anchor = max(anchor, covering)
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
    root = lxml.html.fragment_fromstring("<div></div>", parser=HTML_PARSER)
    for index in range(-1, len(blocks)):
        if index >= 0:
            root.append(deepcopy(blocks[index]))
        for block in insertions.get(index, []):
            root.append(deepcopy(block))
    html = "\n".join(serialize_block(block) for block in root)
    return Candidate(f"{primary.name}+{secondary.name}", root, render_text(root), html)


def map_shingles_to_blocks(blocks: list[HtmlElement]) -> dict[tuple, int]:
    """Map every shingle of the body ``blocks`` to the index of the first block that has it."""
    owner: dict[tuple, int] = {}
    for index, block in enumerate(blocks):
        for shingle in count_shingles(tokenize(block.text_content())):
            owner.setdefault(shingle, index)
    return owner


def covering_block(owner: dict[tuple, int], shingles: Counter) -> int | None:
    """The index of the body block that holds most of a text's ``shingles``, when the body
    holds at least MIN_COVERED_SHARE of them (the text is in the body); else None."""
    owners = [owner[s] for s in shingles if s in owner]
    if not shingles or len(owners) < h.MIN_COVERED_SHARE * len(shingles):
        return None
    return Counter(owners).most_common(1)[0][0]


def is_image_block(block: HtmlElement) -> bool:
    """True for a block that is a picture (an image, maybe with a caption), not text."""
    return block.tag in ("p", "figure", "img") and (block.tag == "img" or block.find(".//img") is not None)


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


def find_teaser_block(candidate: Candidate, teaser: str, max_lead_words: int | None = None) -> int | None:
    """Return the index of the body block where the teaser starts, or None.

    With ``max_lead_words``, only blocks preceded by at most that many words are looked at.
    """
    teaser_shingles = list(count_shingles(tokenize(teaser)))[: h.TEASER_ANCHOR_SHINGLES]
    if not teaser_shingles:
        return None
    lead_words = 0
    for index, block in enumerate(candidate.root):
        tokens = tokenize(block.text_content())
        block_shingles = count_shingles(tokens)
        if sum(1 for s in teaser_shingles if s in block_shingles) >= len(teaser_shingles) / 2:
            return index
        lead_words += len(tokens)
        if max_lead_words is not None and lead_words > max_lead_words:
            return None
    return None


def anchor_on_teaser(candidate: Candidate, teaser: str) -> Candidate:
    """Start the body where the teaser starts, dropping a short lead of page furniture
    (kicker, dateline, reading time) before it. A long lead is kept: then the teaser is
    a quote from the middle of the article, not its opening."""
    start = find_teaser_block(candidate, teaser, max_lead_words=h.MAX_TEASER_LEAD_WORDS)
    if not start:
        return candidate
    root = deepcopy(candidate.root)
    for block in list(root)[:start]:
        root.remove(block)
    html = "\n".join(serialize_block(block) for block in root)
    return Candidate(candidate.name, root, render_text(root), html)


def prefer_teaser_holder(chosen: Candidate, candidates: list[Candidate], teaser: str) -> Candidate:
    """When the chosen body lacks the teaser and another finder's body has it, take that one."""
    if contains_teaser(chosen.text, teaser, chosen.shingles):
        return chosen
    for other in candidates:
        if other is not chosen and other.words and contains_teaser(other.text, teaser, other.shingles):
            return other
    return chosen
