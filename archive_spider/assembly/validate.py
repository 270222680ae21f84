"""What is worth archiving: one rule for every way an item is made.

Pure: an item and the setting's value in, a verdict out. The crawl's ValidatePipeline,
the spider's doubtful pages (spiders/outcomes.py), ``reextract`` and the distributed
ingester all judge by it, so ``ARCHIVE_MIN_WORDS`` means the same everywhere.
"""

from __future__ import annotations

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
