"""Article extraction: html (+ url, + teaser) -> Article. Pure: no network, no database.

Example:
    >>> from archive_spider.extraction import extract_article
    >>> article = extract_article(html, url="https://example.org/post")
    >>> article.title, article.author, article.published, article.word_count
"""

from .article import Article
from .core import extract_article, merge_pages, teaser_matches

__all__ = ["Article", "extract_article", "merge_pages", "teaser_matches"]
