"""Word shingles: how the finders' bodies, JSON-LD articleBody and teasers are compared."""

from __future__ import annotations

from collections import Counter

from . import heuristics as h
from .text import WORD_RE


def tokenize(text: str) -> list[str]:
    """Return the lowercased word tokens of ``text``."""
    return WORD_RE.findall((text or "").lower())


def count_shingles(tokens: list[str], size: int = h.SHINGLE_SIZE) -> Counter:
    """Return the multiset of ``size``-token shingles (one short shingle for short texts)."""
    if len(tokens) < size:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(zip(*(tokens[i:] for i in range(size))))


def agreement(candidate: Counter, reference: Counter) -> float:
    """Shingle F1 of ``candidate`` against ``reference``."""
    common = sum((candidate & reference).values())
    if not common:
        return 0.0
    precision = common / sum(candidate.values())
    recall = common / sum(reference.values())
    return 2 * precision * recall / (precision + recall)


def contains_teaser(text: str, teaser: str) -> bool:
    """True when most of the teaser's shingles appear in ``text`` (fuzzy containment)."""
    teaser_shingles = count_shingles(tokenize(teaser))
    if not teaser_shingles:
        return True
    found = count_shingles(tokenize(text)) & teaser_shingles
    return sum(found.values()) / sum(teaser_shingles.values()) >= h.TEASER_MIN_OVERLAP


def summarises(text: str, teaser: str) -> bool:
    """True when the teaser reads like an editor's summary of ``text``: most of its content
    words (by their first letters, so "measuring" meets "measurement") occur in the text,
    though not its phrases."""
    stems = {word[: h.TEASER_STEM_LETTERS] for word in tokenize(teaser)
             if len(word) >= h.TEASER_MIN_WORD_LETTERS and word not in h.TEASER_IGNORED_WORDS}
    if not stems:
        return True
    found = stems & {word[: h.TEASER_STEM_LETTERS] for word in tokenize(text)}
    return len(found) / len(stems) >= h.TEASER_MIN_STEM_OVERLAP
