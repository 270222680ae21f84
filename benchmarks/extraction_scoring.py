"""Scoring used by benchmarks/extraction.py (kept out of the package on purpose).

Body text: 4-gram shingle F1 against the visible text of a reference HTML. Tokens are
``\\w+`` runs, lowercased; per page true positives, false positives and false negatives
are counted over the multiset of 4-token shingles. Precision and recall are
macro-averaged over pages and F1 is their harmonic mean.

Title and byline: exact match after case and whitespace folding.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import lxml.html

SHINGLE_SIZE = 4
TOKEN_RE = re.compile(r"\w+")
INVISIBLE_TAGS = ("script", "style", "noscript", "template")


def tokenize(text: str) -> list[str]:
    """Split text into lowercased ``\\w+`` tokens."""
    return TOKEN_RE.findall((text or "").lower())


def count_shingles(text: str, size: int = SHINGLE_SIZE) -> Counter:
    """Return the multiset of ``size``-token shingles of ``text``.

    A text shorter than one shingle counts as one shingle of all its tokens, so that very
    short pages are still scored rather than ignored.
    """
    tokens = tokenize(text)
    if len(tokens) < size:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1))


def visible_text(html: str) -> str:
    """Return the text a reader sees in ``html`` (scripts and styles dropped)."""
    if not html or not html.strip():
        return ""
    root = lxml.html.fromstring(html)
    for node in root.iter(*INVISIBLE_TAGS):
        node.drop_tree()
    return root.text_content()


@dataclass
class PageScore:
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def score_text(candidate: str, reference: str) -> PageScore:
    """Score one page's extracted text against its reference text."""
    got, want = count_shingles(candidate), count_shingles(reference)
    true_pos = sum((got & want).values())
    false_pos = sum(got.values()) - true_pos
    false_neg = sum(want.values()) - true_pos
    if not got and not want:
        return PageScore(1.0, 1.0)
    precision = true_pos / (true_pos + false_pos) if got else 0.0
    recall = true_pos / (true_pos + false_neg) if want else 0.0
    return PageScore(precision, recall)


def fold(value: str | None) -> str:
    """Fold case and whitespace for exact-match comparisons."""
    return " ".join((value or "").split()).casefold()


def match_exactly(candidate: str | None, reference: str | None) -> bool:
    """Return True when both values are equal after folding."""
    return fold(candidate) == fold(reference)


def average_scores(scores: list[PageScore]) -> tuple[float, float, float]:
    """Return macro (precision, recall, F1) over pages; F1 of the two averages."""
    if not scores:
        return 0.0, 0.0, 0.0
    precision = sum(s.precision for s in scores) / len(scores)
    recall = sum(s.recall for s in scores) / len(scores)
    total = precision + recall
    return precision, recall, (2 * precision * recall / total if total else 0.0)
