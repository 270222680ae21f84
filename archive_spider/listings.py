"""When to stop following a listing: the endless "Next" trap.

A calendar, a search page or a misbehaving CMS can link "Next" to a new URL forever.
A real archive listing brings articles not seen before on each page; a trap does not.
ListingGuard passes two counters from a listing page to the pages it links to (in
``Request.meta``): how many listing pages in a row brought no new article link, and how
deep the chain of listing pages is. Past ARCHIVE_MAX_BARREN_PAGES or
ARCHIVE_MAX_LISTING_DEPTH, the page's listing links are not followed, and the stop is
recorded (reason ``listing-stopped``).
"""

from __future__ import annotations

import logging

from archive_spider.failures import FailureLog

logger = logging.getLogger(__name__)

BARREN = "archive_barren_pages"
DEPTH = "archive_listing_depth"


class ListingGuard:
    def __init__(self, crawler, max_barren: int, max_depth: int):
        self.crawler = crawler
        self.max_barren = max_barren
        self.max_depth = max_depth

    @classmethod
    def from_crawler(cls, crawler) -> "ListingGuard":
        settings = crawler.settings
        return cls(crawler, settings.getint("ARCHIVE_MAX_BARREN_PAGES", 3),
                   settings.getint("ARCHIVE_MAX_LISTING_DEPTH", 1000))

    def follow_meta(self, response, new_article_links: int) -> dict | None:
        """Request.meta for the listing pages that ``response`` links to, or None when
        they must not be followed. ``new_article_links``: article links on this page
        that the crawl had not seen before."""
        barren = 0 if new_article_links else response.meta.get(BARREN, 0) + 1
        depth = response.meta.get(DEPTH, 0) + 1
        if barren >= self.max_barren:
            detail = f"{barren} listing pages in a row without a new article (ARCHIVE_MAX_BARREN_PAGES)"
        elif depth > self.max_depth:
            detail = f"listing {depth} pages deep (ARCHIVE_MAX_LISTING_DEPTH)"
        else:
            return {BARREN: barren, DEPTH: depth}
        self.crawler.stats.inc_value("archive/listings_stopped")
        FailureLog.of(self.crawler).record(response.url, "listing-stopped", detail=detail)
        return None
