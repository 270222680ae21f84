"""The crawl's identity, one per crawler: which ``crawls`` row this crawl writes.

StorePipeline opens the row when the spider opens and sets ``crawl_id`` here; the spider
(the listing's end), the failure log, the WARC middleware and ``run_crawl`` (for site
health and the outcome) read it here, instead of each from the stats. It stays None in a
crawl that opens no row (a distributed worker: the ingester opens it).
"""

from __future__ import annotations

from dataclasses import dataclass

from archive_spider.percrawler import one_per_crawler


@dataclass
class CrawlContext:
    crawl_id: int | None = None

    @classmethod
    def of(cls, crawler) -> CrawlContext:
        """The crawler's context, made on first use."""
        return one_per_crawler(crawler, "_archive_crawl_context", cls)
