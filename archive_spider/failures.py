"""Why a page is not in the archive: the crawl's failures, explained and recorded.

Every component that gives up on a page (an HTTP error after its retries, a timeout, a
body too large or not a page, a redirect loop, a link the safety rules block) calls
:meth:`FailureLog.record` with a reason from ``REASONS``. The log counts each failure in
the crawl's stats (``crawls.errors`` or ``crawls.skipped``, by the reason's kind) and
writes it to the ``failures`` table through storage.py, in batches.

There is one FailureLog per crawler: ``FailureLog.of(crawler)``.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.http import Request

from archive_spider import storage
from archive_spider.middlewares import ROLE, SITE

logger = logging.getLogger(__name__)

ERROR = "error"      # the site or the network failed: counted in crawls.errors
SKIPPED = "skipped"  # a rule kept the page out: counted in crawls.skipped

# Reason codes stored in failures.reason, with their kind and what they mean.
REASONS: dict[str, tuple[str, str]] = {
    "http-error": (ERROR, "the server answered with an HTTP error status (4xx, or 5xx after retries)"),
    "rate-limited": (ERROR, "429 Too Many Requests, still after retries or with a Retry-After over the cap"),
    "timeout": (ERROR, "no complete answer within DOWNLOAD_TIMEOUT"),
    "connection": (ERROR, "the connection was refused, reset or lost (after retries)"),
    "dns": (ERROR, "the host name could not be resolved"),
    "redirect-loop": (ERROR, "redirects went round in a circle or past REDIRECT_MAX_TIMES"),
    "too-large": (SKIPPED, "the body is over ARCHIVE_MAX_PAGE_BYTES"),
    "not-html": (SKIPPED, "the Content-Type is not a web page (PDF, image, ...)"),
    "binary": (SKIPPED, "the body is binary data although labelled as text"),
    "empty": (SKIPPED, "the body is empty"),
    "blocked-host": (SKIPPED, "a redirect led to a host outside the allowed hosts"),
    "blocked-address": (SKIPPED, "the host is a private, loopback or link-local address other than a start URL's"),
    "blocked-scheme": (SKIPPED, "not an http(s) URL (file:, ftp:, ...)"),
    "robots-txt": (SKIPPED, "robots.txt forbids it"),
    "listing-stopped": (SKIPPED, "a chain of index pages brought nothing new for ARCHIVE_STALE_INDEX_PAGES pages, "
                                 "or went past ARCHIVE_MAX_DEPTH: the links of this page were not followed"),
    "download-error": (ERROR, "the download failed for another reason"),
    "extraction-error": (ERROR, "the article could not be extracted"),
    "not-rendered": (ERROR, "the page needed a browser (--render) and could not be rendered: no browser, a "
                            "timeout or a crash; it was read from its static HTML"),
}

# Failures written to the archive in one transaction.
BATCH_SIZE = 50


def kind_of(reason: str) -> str:
    return REASONS.get(reason, (ERROR, ""))[0]


class FailureLog:
    """Collects the failures of one crawl and writes them to the ``failures`` table."""

    def __init__(self, crawler, db_path: str | None):
        self.crawler = crawler
        self.stats = crawler.stats
        self.db_path = db_path
        self.buffer: list[dict[str, Any]] = []
        self.recorded: set[tuple[str, str]] = set()
        # (site, role) of the requests that failed in a way that may hide a page (not a
        # 4xx: that page is not there): listing.py asks whether a crawl read a site's
        # whole listing.
        self.failed_roles: set[tuple[str | None, str | None]] = set()
        self.db = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def of(cls, crawler) -> "FailureLog":
        """The crawler's FailureLog, created on first use."""
        log = getattr(crawler, "_archive_failure_log", None)
        if log is None:
            log = cls(crawler, crawler.settings.get("ARCHIVE_DB_PATH"))
            crawler._archive_failure_log = log
        return log

    def record(
        self,
        url: str | Request,
        reason: str,
        *,
        status: int | None = None,
        detail: str | None = None,
        referer: str | None = None,
    ) -> None:
        """Record that ``url`` was not archived, for ``reason`` (a key of REASONS).

        The same URL is recorded once per reason and crawl.
        """
        if isinstance(url, Request):
            request = url
            url = request.url
            gone = reason == "http-error" and status is not None and 400 <= status < 500
            if kind_of(reason) == ERROR and not gone:
                self.failed_roles.add((request.meta.get(SITE), request.meta.get(ROLE)))
            if referer is None:
                referer = _referer_of(request)
        if (url, reason) in self.recorded:
            return
        self.recorded.add((url, reason))
        kind = kind_of(reason)
        self.stats.inc_value(f"archive/failures/{kind}")
        self.stats.inc_value(f"archive/failures/reason/{reason}")
        log = logger.warning if kind == ERROR else logger.info
        log("Not archived (%s%s): %s%s", reason, f" {status}" if status else "", url,
            f" - {detail}" if detail else "")
        self.buffer.append({
            "failed_at": storage.utc_now(),
            "url": url,
            "reason": reason,
            "kind": kind,
            "status": status,
            "detail": (detail or "")[:500] or None,
            "referer": referer,
        })
        if len(self.buffer) >= BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        if not self.buffer or not self.db_path:
            return
        batch, self.buffer = self.buffer, []
        try:
            if self.db is None:
                self.db = storage.open_db(self.db_path)
            storage.record_failures(self.db, self.stats.get_value("archive/crawl_id"), batch)
        except (storage.ArchiveError, storage.sqlite3.Error) as exc:
            logger.error("Could not record %d failures in %s: %s", len(batch), self.db_path, exc)

    def spider_closed(self, reason: str) -> None:
        self.flush()
        if self.db is not None:
            self.db.close()
            self.db = None


def _referer_of(request: Request) -> str | None:
    value = request.headers.get("Referer")
    if value:
        return value.decode("latin-1", "replace")
    urls = request.meta.get("redirect_urls")
    return urls[0] if urls else None
