"""Scoring used by benchmarks/extraction.py (kept out of the package on purpose).

Two corpora, each scored the way its README says:

- **Readability layout** (a folder per page with ``source.html``, ``expected.html``):
  body text by 4-gram shingle F1 against the visible text of the reference HTML. Tokens
  are ``\\w+`` runs, lowercased; per page true positives, false positives and false
  negatives are counted over the multiset of 4-token shingles. Precision and recall are
  macro-averaged over pages and F1 is their harmonic mean. Title and byline: exact match
  after case and whitespace folding.
- **Snippet layout** (trafilatura's evaluation: ``evaldata.json`` with snippets that
  must and must not appear): white space collapsed in text and snippets; a ``with``
  snippet found is a true positive, else a false negative; a ``without`` snippet found is
  a false positive. Counts are summed over pages (micro average): F1 = 2tp/(2tp+fp+fn).

Losses are sorted into kinds (``classify_extra``, ``classify_missing``) so that a run
says what went wrong, not only how much: the kinds are the failures issue 16 lists.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import lxml.html

SHINGLE_SIZE = 4
TOKEN_RE = re.compile(r"\w+")
INVISIBLE_TAGS = ("script", "style", "noscript", "template")
SPACE_RE = re.compile(r"\s+")


def tokenize(text: str) -> list[str]:
    """Split text into lowercased ``\\w+`` tokens."""
    return TOKEN_RE.findall((text or "").lower())


def shingles_of(tokens: list[str], size: int = SHINGLE_SIZE) -> list[tuple]:
    """The ``size``-token shingles of ``tokens`` in order (one shingle of all the tokens
    when there are fewer, so that very short pages are still scored rather than ignored)."""
    if len(tokens) < size:
        return [tuple(tokens)] if tokens else []
    return [tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1)]


def count_shingles(text: str, size: int = SHINGLE_SIZE) -> Counter:
    """Return the multiset of ``size``-token shingles of ``text``."""
    return Counter(shingles_of(tokenize(text), size))


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
    # counts, for corpora scored by summing over pages (snippets)
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def score_text(candidate: str, reference: str) -> PageScore:
    """Score one page's extracted text against its reference text (shingles)."""
    got, want = count_shingles(candidate), count_shingles(reference)
    true_pos = sum((got & want).values())
    false_pos = sum(got.values()) - true_pos
    false_neg = sum(want.values()) - true_pos
    if not got and not want:
        return PageScore(1.0, 1.0)
    precision = true_pos / (true_pos + false_pos) if got else 0.0
    recall = true_pos / (true_pos + false_neg) if want else 0.0
    return PageScore(precision, recall, true_pos, false_pos, false_neg)


def collapse(text: str) -> str:
    """White space collapsed to single spaces, stripped (as trafilatura's tests do)."""
    return SPACE_RE.sub(" ", text or "").strip()


def score_snippets(candidate: str, with_: list[str], without: list[str]) -> tuple[PageScore, list[int], list[str]]:
    """Score one page by snippets: the score, the indices of the ``with`` snippets
    missed, and the ``without`` snippets kept."""
    text = collapse(candidate)
    missed = [i for i, s in enumerate(with_) if collapse(s) not in text]
    kept = [s for s in without if collapse(s) in text]
    tp, fn, fp = len(with_) - len(missed), len(missed), len(kept)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return PageScore(precision, recall, tp, fp, fn), missed, kept


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


def sum_scores(scores: list[PageScore]) -> tuple[float, float, float]:
    """Return micro (precision, recall, F1) over pages: counts summed first."""
    tp, fp, fn = (sum(getattr(s, name) for s in scores) for name in ("tp", "fp", "fn"))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, (2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)


# ---- kinds of loss ------------------------------------------------------------------
# Text that should not be there. Patterns over the words of one paragraph (or snippet);
# the first kind that matches wins. They describe kinds of furniture, in several
# languages, not pages.
EXTRA_KINDS = (
    ("caption or credit", re.compile(
        r"(?i)(^|\W)(photo|foto|bild|image|picture|credit|courtesy|copyright|getty|reuters|"
        r"afp|dpa|shutterstock|istock|imago|illustration|grafik|quelle)s?\s*[:/©]|©|\(c\)\s*\d{4}|"
        r"^\s*(photo|foto|image|bild)\b|\b(ap|afp|dpa|reuters|getty images)\s*\)?\s*$")),
    ("share row", re.compile(
        r"(?i)\b(share|sharing|teilen|tweet|facebook|twitter|whatsapp|pinterest|linkedin|"
        r"e-?mail|print|drucken|reddit|telegram|xing|copy link|link kopieren)\b")),
    ("related widget", re.compile(
        r"(?i)\b(related|most read|most popular|read next|read more|more from|more stories|"
        r"you may also|you might also|recommended|see also|trending|meistgelesen|meist gelesen|"
        r"lesen sie auch|auch interessant|mehr zum thema|weitere artikel|das könnte sie auch|"
        r"previous (article|post)|next (article|post)|zurück zur übersicht|le puede interesar|"
        r"top stories|latest news|neueste|beliebte)\b")),
    ("comments", re.compile(
        r"(?i)\b(comments?|kommentar\w*|reply|antworten|leave a reply|schreibe einen|"
        r"e-mail-adresse wird nicht|your email address will not)\b")),
    ("date or byline", re.compile(
        r"(?i)^\s*(by|von|par|por)\s+\w|\b\d{1,2}[./]\s?\d{1,2}[./]\s?\d{2,4}\b|"
        r"\b(19|20)\d\d-\d\d-\d\d\b|\b(min(ute)?s? read|lesezeit)\b|"
        r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2},? (19|20)\d\d\b")),
    ("cookies, sign-up, legal", re.compile(
        r"(?i)\b(cookies?|newsletter|subscribe|abonn\w*|sign up|anmeld\w*|log ?in|registrier\w*|"
        r"privacy|datenschutz|impressum|terms|agb|copyright|all rights reserved|"
        r"alle rechte)\b")),
)


def classify_extra(text: str, repeated: bool = False) -> str:
    """The kind of one piece of text that should not be in the article."""
    if repeated:
        return "repeated block"
    for kind, pattern in EXTRA_KINDS:
        if pattern.search(text):
            return kind
    return "other"


def classify_missing(recall: float, text: str, missed_positions: list[float]) -> str:
    """The kind of a page's missing text. ``missed_positions``: where in the reference
    (0 = start, 1 = end) each missed piece sits."""
    if not text.strip():
        return "empty"
    if recall < 0.25:
        return "body missed"
    if not missed_positions:
        return "none"
    tail = sum(1 for p in missed_positions if p >= 0.6) / len(missed_positions)
    head = sum(1 for p in missed_positions if p <= 0.4) / len(missed_positions)
    if tail >= 0.75:
        return "cut short"
    if head >= 0.75:
        return "start missed"
    return "gaps"


def extra_paragraphs(candidate: str, reference: str) -> list[tuple[str, int, bool]]:
    """The paragraphs of ``candidate`` that are mostly not in ``reference``: (text,
    shingles not in the reference, whether it occurs twice in the candidate)."""
    want = count_shingles(reference)
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", candidate or "") if p.strip()]
    seen = Counter(fold(p) for p in paragraphs)
    extra = []
    for paragraph in paragraphs:
        shingles = count_shingles(paragraph)
        outside = sum((shingles - want).values())
        repeated = seen[fold(paragraph)] > 1 and len(tokenize(paragraph)) >= 3
        if repeated or (shingles and outside >= len(shingles) / 2 + 0.5):
            extra.append((paragraph, max(outside, 1), repeated))
    return extra


def missed_positions(candidate: str, reference: str) -> list[float]:
    """Where (0 to 1) in ``reference`` each of its shingles missing from ``candidate`` sits."""
    got = count_shingles(candidate)
    order = shingles_of(tokenize(reference))
    if not order:
        return []
    return [i / len(order) for i, s in enumerate(order) if s not in got]
