"""Site boilerplate: paragraphs that recur on many articles of one site.

The learner (archive_spider/archive/site_boilerplate.py) and the extractor must agree on what a block
is and how it is named: a block is one paragraph of an article's text (paragraphs are
separated by a blank line), named by a hash of its case- and space-folded words.
"""

from __future__ import annotations

import hashlib
import re

from lxml.html import HtmlElement

from . import heuristics as h
from .text import canonical, count_words, normalize_space, render_text

PARAGRAPH_BREAK_RE = re.compile(r"\n[ \t]*\n")


def split_blocks(text: str | None) -> list[str]:
    """The paragraphs of an article's plain text, stripped, empty ones left out."""
    return [block.strip() for block in PARAGRAPH_BREAK_RE.split(text or "") if block.strip()]


def block_hash(block: str) -> str:
    """A short, stable name of a paragraph that ignores case, white space and how its
    letters are composed (NFC: the stored text is canonical, the body it is applied to
    may not be yet)."""
    folded = (canonical(normalize_space(block)) or "").casefold()
    return hashlib.sha1(folded.encode("utf-8")).hexdigest()[:16]


def may_be_boilerplate(block: str) -> bool:
    """Whether a paragraph is short enough to be learned (and dropped) as boilerplate."""
    return 0 < count_words(block) <= h.MAX_BOILERPLATE_WORDS


def remove_boilerplate_elements(root: HtmlElement, hashes: frozenset[str]) -> int:
    """Remove the elements under ``root`` whose every paragraph is known boilerplate.

    Goes down into an element only when part of it is boilerplate, so a footer sentence
    inside a larger wrapper goes and the wrapper's other paragraphs stay. Returns the
    number of paragraphs removed.
    """
    removed = 0
    for element in list(root):
        if not isinstance(element.tag, str):
            continue
        blocks = split_blocks(render_text(element))
        known = [block_hash(block) in hashes for block in blocks]
        if blocks and all(known):
            element.drop_tree()  # keeps the element's tail text
            removed += len(blocks)
        elif any(known) and len(element):
            removed += remove_boilerplate_elements(element, hashes)
    return removed


def remove_boilerplate_text(text: str, hashes: frozenset[str]) -> tuple[str, int]:
    """``text`` without its known boilerplate paragraphs, and how many were removed."""
    blocks = split_blocks(text)
    kept = [block for block in blocks if block_hash(block) not in hashes]
    return "\n\n".join(kept), len(blocks) - len(kept)
