"""What is worth archiving: one rule for every way an item is made.

Pure: an item and the setting's value in, a verdict out. The crawl's ValidatePipeline,
the spider's doubtful pages (spiders/outcomes.py), ``reextract`` and the distributed
ingester all judge by it, so ``ARCHIVE_MIN_WORDS`` means the same everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence

from archive_spider.vocabulary import ArticleItem
from archive_spider.wordcount import count_words_any_script


def article_words(item: ArticleItem, min_words: int) -> int:
    """The words of ``item`` as judged against ``min_words``: the extractor's count, and
    when that says too short, counted again script by script (a Chinese or Japanese
    article is one "word" per sentence to a ``\\w+`` count; wordcount.py)."""
    words = item.word_count or 0
    if words < min_words:
        words = max(words, count_words_any_script(item.text))
    return words


def validate(item: ArticleItem, min_words: int) -> str | None:
    """None when ``item`` is worth archiving; else why not, in words (the detail of its
    ``too-short`` failure): no text at all, or fewer than ``min_words``
    (``ARCHIVE_MIN_WORDS``) words."""
    if not (item.text or "").strip():
        return "no article text"
    words = article_words(item, min_words)
    if words < min_words:
        return f"only {words} words (ARCHIVE_MIN_WORDS={min_words})"
    return None


def rejection_detail(why: str, warnings: Sequence[str] | None) -> str:
    """The detail of a rejected item: ``validate()``'s reason, with the extraction's
    warnings (``not-html`` says the page could not be read as HTML at all)."""
    listed = ", ".join(warnings or [])
    return f"{why} (extraction: {listed})" if listed else why


class FirstCopies:
    """The article URLs (and canonical URLs) one crawl has accepted: the first copy of an
    article wins, a second under any of its URLs is refused. The crawl's DedupePipeline
    and the distributed ingester both keep one."""

    def __init__(self) -> None:
        self.urls: set[str] = set()

    def accept(self, url: str, canonical_url: str | None) -> bool:
        """True for the first copy (its URLs are remembered), False for a later one."""
        urls = {url} if canonical_url is None else {url, canonical_url}
        if urls & self.urls:
            return False
        self.urls |= urls
        return True
