"""ArticleItem: the contract between the crawling half and the storing half."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ArticleItem:
    """One extracted article, as the spider hands it to the pipelines.

    ``url`` is the normalised address the article was fetched from (after redirects);
    ``canonical_url`` what the page names as its canonical address, when on the same site.
    ``summary`` is the teaser the index page showed for it. ``simhash`` is the
    fingerprint of ``text`` when the extraction worker computed it (storage computes it
    otherwise).
    """

    url: str
    title: str | None = None
    author: str | None = None
    published: str | None = None
    modified: str | None = None
    text: str = ""
    html: str = ""
    summary: str | None = None
    description: str | None = None
    site: str | None = None
    lang: str | None = None
    word_count: int = 0
    canonical_url: str | None = None
    image: str | None = None
    tags: list[str] = field(default_factory=list)
    extraction_warnings: list[str] = field(default_factory=list)
    pages: int = 1
    simhash: int | None = None
