"""Learning each site's boilerplate from the articles a crawl stores.

A paragraph (extraction/boilerplate.py says what one is) that is short and occurs in
several distinct articles of a site is furniture the body finders kept: a subscription
plea, a licence line, a "follow us" row inside the article container. StorePipeline
counts the paragraphs of each newly stored article here and adds the counts to the
archive's ``site_boilerplate`` table when the crawl ends; the spider hands the blocks seen in at least
ARCHIVE_BOILERPLATE_MIN_PAGES articles to later extractions of that site, which leave
them out. Only new articles count, so re-crawling the same pages does not inflate them.
"""

from __future__ import annotations

from typing import Any
from collections.abc import Iterable

from archive_spider.archive import schema
from archive_spider.extraction.boilerplate import block_hash, may_be_boilerplate, split_blocks


def count_blocks(articles: Iterable[dict[str, Any]]) -> dict[tuple[str, str], tuple[str, int]]:
    """For each (site, block hash): a sample of the paragraph and in how many of
    ``articles`` it occurs (once per article however often it repeats there)."""
    counts: dict[tuple[str, str], tuple[str, int]] = {}
    for article in articles:
        site = article.get("site") or schema.site_of(article["url"])
        seen: dict[str, str] = {}
        for block in split_blocks(article.get("text")):
            if may_be_boilerplate(block):
                seen.setdefault(block_hash(block), block)
        merge_counts(counts, {(site, block): (sample, 1) for block, sample in seen.items()})
    return counts


# A paragraph enters a site's boilerplate table once this many new articles of one crawl
# share it (archive.writes.add_boilerplate_sightings); below that only its count is used.
MIN_NEW_ARTICLES = 2


def merge_counts(total: dict[tuple[str, str], tuple[str | None, int]],
                 more: dict[tuple[str, str], tuple[str | None, int]], *, samples_from: int = 1) -> None:
    """Add the counts ``more`` into ``total``.

    A block counted fewer than ``samples_from`` times keeps no sample in ``total``: most
    paragraphs occur in one article only, and a crawl's running totals then hold their
    hashes, not their text (at 10,000 articles the text took 12 MB); the next article that
    shares a paragraph brings its text along.
    """
    for key, (sample, count) in more.items():
        previous = total.get(key)
        if previous is not None:
            sample, count = previous[0] or sample, previous[1] + count
        total[key] = (sample if count >= samples_from else None, count)
