"""Downloader middlewares: incremental fetching.

IncrementalMiddleware is the one place where the crawl asks the archive what it already
has: a request for an article the archive holds is not sent (revisit policy ``never``).
Index pages, feeds and sitemaps are always fetched, so new articles are found.
"""

from __future__ import annotations

import logging

from scrapy.exceptions import IgnoreRequest, NotConfigured

from archive_spider import storage

logger = logging.getLogger(__name__)

# Request.meta key the spider sets to say what a request is for.
ROLE = "archive_role"
ROLE_ARTICLE = "article"
REVISIT_POLICIES = ("never", "always")


class IncrementalMiddleware:
    """Skips article requests whose URL the archive already holds."""

    def __init__(self, crawler, db_path: str, policy: str):
        if policy not in REVISIT_POLICIES:
            raise ValueError(f"ARCHIVE_REVISIT must be one of {', '.join(REVISIT_POLICIES)}, not {policy!r}")
        self.stats = crawler.stats
        self.db_path = db_path
        self.known: set[str] = set()
        self._loaded = False

    @classmethod
    def from_crawler(cls, crawler):
        policy = crawler.settings.get("ARCHIVE_REVISIT", "never")
        if policy == "always":
            raise NotConfigured("ARCHIVE_REVISIT=always: every article is fetched again")
        return cls(crawler, crawler.settings.get("ARCHIVE_DB_PATH"), policy)

    def _load_known(self) -> None:
        self._loaded = True
        try:
            db = storage.open_db(self.db_path, create=False)
        except storage.ArchiveError:
            return  # no archive yet: nothing is known
        try:
            self.known = storage.known_urls(db)
        finally:
            db.close()
        logger.info("Archive holds %d article URLs; they will not be fetched again", len(self.known))

    def process_request(self, request):
        if request.meta.get(ROLE) != ROLE_ARTICLE:
            return None
        if not self._loaded:
            self._load_known()
        if request.url in self.known:
            self.stats.inc_value("archive/known_skipped")
            raise IgnoreRequest(f"already archived: {request.url}")
        return None
