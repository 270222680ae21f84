"""The article assembler: from extracted pages to an ``ArticleItem``, outside the spider.

* ``builder.py``: pages + discovery's analysis + teaser + the site's selectors ->
  ``ArticleItem`` (explicit arguments, no crawler); also the in-thread extraction that
  ``reextract`` uses.
* ``teasers.py``: the teaser book, the fullest teaser seen per article. ``TeaserBook``
  keeps it in memory for a single-process crawl; ``distributed/teasers.py`` shares it
  through Redis with the same interface.
* ``validate.py``: ``validate()``, the one rule of what is worth archiving
  (``ARCHIVE_MIN_WORDS``, words counted in any script by ``wordcount.py``), used by the
  crawl's ValidatePipeline, the spider's doubtful pages, ``reextract`` and the ingester.
  Beside it, ``FirstCopies`` (the first copy of an article in a crawl wins; the
  DedupePipeline and the ingester) and ``rejection_detail`` (a rejection's failure detail).
"""

from archive_spider.assembly.builder import apply_item_selectors, build_item, extract_item, prepare_pages
from archive_spider.assembly.teasers import NO_TEASER, TeaserBook, teaser_quality, teaser_rank
from archive_spider.assembly.validate import FirstCopies, article_words, rejection_detail, validate

__all__ = [
    "NO_TEASER", "FirstCopies", "TeaserBook", "apply_item_selectors", "article_words", "build_item", "extract_item",
    "prepare_pages", "rejection_detail", "teaser_quality", "teaser_rank", "validate",
]
