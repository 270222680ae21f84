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
    """Shingle F1 of ``candidate`` against ``reference``, over distinct shingles (a set
    intersection in C; the multiset one walked every shingle in Python)."""
    common = len(candidate.keys() & reference.keys())
    if not common:
        return 0.0
    precision = common / len(candidate)
    recall = common / len(reference)
    return 2 * precision * recall / (precision + recall)


def containment(part: Counter, whole: Counter) -> float:
    """The share of ``part``'s distinct shingles that ``whole`` holds too."""
    return len(part.keys() & whole.keys()) / len(part) if part else 0.0


def contains_teaser(text: str, teaser: str, text_shingles: Counter | None = None) -> bool:
    """True when most of the teaser's shingles appear in ``text`` (fuzzy containment).

    ``text_shingles``, when the caller has them already, saves counting the text again.
    """
    teaser_shingles = count_shingles(tokenize(teaser))
    if not teaser_shingles:
        return True
    if text_shingles is None:
        text_shingles = count_shingles(tokenize(text))
    # walk the teaser's few shingles, not the text's many
    found = sum(min(count, text_shingles.get(shingle, 0)) for shingle, count in teaser_shingles.items())
    return found / sum(teaser_shingles.values()) >= h.TEASER_MIN_OVERLAP


def summarises(text: str, teaser: str, text_tokens: list[str] | None = None) -> bool:
    """True when the teaser reads like an editor's summary of ``text``: most of its content
    words (by their first letters, so "measuring" meets "measurement") occur in the text,
    though not its phrases. ``text_tokens``: the text's tokens, when the caller has them."""
    stems = {word[: h.TEASER_STEM_LETTERS] for word in tokenize(teaser)
             if len(word) >= h.TEASER_MIN_WORD_LETTERS and word not in h.TEASER_IGNORED_WORDS}
    if not stems:
        return True
    size = h.TEASER_STEM_LETTERS
    found = stems & {word[:size] for word in (tokenize(text) if text_tokens is None else text_tokens)}
    return len(found) / len(stems) >= h.TEASER_MIN_STEM_OVERLAP
