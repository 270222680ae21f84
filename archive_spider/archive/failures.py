"""Why a page is not in the archive: the crawl's failures, explained and recorded.

Every component that gives up on a page (an HTTP error after its retries, a timeout, a
body too large or not a page, a redirect loop, a link the safety rules block) calls
:meth:`FailureLog.record` with a reason from ``REASONS``. The log counts each failure in
the crawl's stats (``crawls.errors`` or ``crawls.skipped``, by the reason's kind) and
writes it to the ``failures`` table through archive/writes.py, in batches.

There is one FailureLog per crawler: ``FailureLog.of(crawler)``.
"""

from __future__ import annotations

import sqlite3
import logging
from typing import Any

from scrapy import signals
from scrapy.http import Request

from archive_spider.archive import schema, writes
from archive_spider.archive.connection import CrawlArchive
from archive_spider.crawlcontext import CrawlContext
from archive_spider.vocabulary import ROLE, SITE, Role
from archive_spider.percrawler import one_per_crawler
from archive_spider.terminal import printable
from archive_spider.writeguard import WriteGuard, is_disk_failure

logger = logging.getLogger(__name__)

ERROR = "error"      # the site or the network failed: counted in crawls.errors
SKIPPED = "skipped"  # a rule kept the page out: counted in crawls.skipped

# Reason codes stored in failures.reason, by kind, with what they mean: the site or the
# network failed (counted in crawls.errors) ...
ERROR_REASONS: dict[str, str] = {
    "http-error": "the server answered with an HTTP error status (4xx, or 5xx after retries)",
    "rate-limited": "429 Too Many Requests, still after retries or with a Retry-After over the cap",
    "timeout": "no complete answer within DOWNLOAD_TIMEOUT",
    "connection": "the connection was refused, reset or lost (after retries)",
    "dns": "the host name could not be resolved",
    "redirect-loop": "redirects went round in a circle or past REDIRECT_MAX_TIMES",
    "robots-unreachable": (
        "the host's robots.txt answered 5xx or 429, or not at all: RFC 9309 says complete disallow for this crawl "
        "(the robots.txt's own row says why)"),
    "download-error": "the download failed for another reason",
    "extraction-error": (
        "the article could not be extracted (its worker crashed or ran past ARCHIVE_EXTRACT_TIMEOUT)"),
    "not-rendered": (
        "the page needed a browser (--render) and could not be rendered: no browser, a timeout or a crash; it was "
        "read from its static HTML"),
}
# ... or a rule kept the page out (counted in crawls.skipped).
SKIPPED_REASONS: dict[str, str] = {
    "too-large": "the body is over ARCHIVE_MAX_PAGE_BYTES",
    "not-html": "the Content-Type is not a web page (PDF, image, ...)",
    "binary": "the body is binary data although labelled as text",
    "empty": "the body is empty",
    "blocked-host": "a redirect led to a host outside the allowed hosts",
    "blocked-address": "the host is a private, loopback or link-local address other than a start URL's",
    "blocked-scheme": "not an http(s) URL (file:, ftp:, ...)",
    "robots-txt": "robots.txt forbids it",
    "listing-stopped": (
        "a chain of index pages brought nothing new for ARCHIVE_STALE_INDEX_PAGES pages, or went past "
        "ARCHIVE_MAX_DEPTH: the links of this page were not followed"),
    "capped": (
        "a per-site bound (ARCHIVE_SITE_MAX_PAGES, ARCHIVE_SITE_MAX_SITEMAPS, ARCHIVE_SITEMAP_MAX_URLS, "
        "ARCHIVE_MAX_LINKS_PER_PAGE) was reached here: what lies beyond it was not requested"),
    "not-article:listing": (
        "linked as an article, but the page is a listing: its main content is a list of article links (its links "
        "were followed)"),
    "not-article:other": (
        "not an article, nor a listing (an about or contact page, a form, a page of another kind), or a page "
        "linked as an article that no listing of the site lists"),
    "too-short": "the extracted article has fewer than ARCHIVE_MIN_WORDS words, or no text",
    "duplicate": "the same article URL was archived already in this crawl",
    "canonical:archived-as": (
        "the page names another URL as canonical (the detail), which holds the same article and is archived under "
        "that URL; later crawls know the page as it"),
}
REASONS: dict[str, tuple[str, str]] = {
    **{reason: (ERROR, meaning) for reason, meaning in ERROR_REASONS.items()},
    **{reason: (SKIPPED, meaning) for reason, meaning in SKIPPED_REASONS.items()},
}

# Statuses that say a page is not there: a followed link that answers one is logged at
# INFO level and summed up in one warning at the end of the crawl.
GONE_STATUSES = (404, 410)

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
        self.fetched_urls: set[str] = set()  # fetched pages recorded (the page balance)
        # (site, role) of the requests that failed in a way that may hide a page (not a
        # 4xx: that page is not there): listing.py asks whether a crawl read a site's
        # whole listing.
        self.failed_roles: set[tuple[str | None, str | None]] = set()
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def of(cls, crawler) -> FailureLog:
        """The crawler's FailureLog, created on first use."""
        return one_per_crawler(crawler, "_archive_failure_log",
                               lambda: cls(crawler, crawler.settings.get("ARCHIVE_DB_PATH")))

    def record(
        self,
        url: str | Request,
        reason: str,
        *,
        status: int | None = None,
        detail: str | None = None,
        referer: str | None = None,
        fetched: bool = False,
        pages: int = 1,
    ) -> None:
        """Record that ``url`` was not archived, for ``reason`` (a key of REASONS).

        The same URL is recorded once per reason and crawl. ``fetched``: a page the crawl
        downloaded (``pages`` of them, for a multi-page article) ends here; each URL counts
        once in ``archive/pages/failed``, the failures side of the crawl's page balance.
        """
        role = None
        if isinstance(url, Request):
            request = url
            url = request.url
            role = request.meta.get(ROLE)
            gone = reason == "http-error" and status is not None and 400 <= status < 500
            if kind_of(reason) == ERROR and not gone:
                self.failed_roles.add((request.meta.get(SITE), request.meta.get(ROLE)))
            if referer is None:
                referer = _referer_of(request)
        if fetched and url not in self.fetched_urls:
            self.fetched_urls.add(url)
            self.stats.inc_value("archive/pages/failed", pages)
        if (url, reason) in self.recorded:
            return
        self.recorded.add((url, reason))
        kind = kind_of(reason)
        self.stats.inc_value(f"archive/failures/{kind}")
        self.stats.inc_value(f"archive/failures/reason/{reason}")
        # A followed link that is not there (404, 410) is routine on real sites, by the
        # thousand: one warning at the end sums them up (spider_closed). A start URL's is not.
        gone = reason == "http-error" and status in GONE_STATUSES and role != Role.START
        if gone:
            self.stats.inc_value("archive/failures/gone")
        # The detail quotes the site (headers, messages): kept printable, in the log and
        # in the table `stats` prints.
        detail = printable(detail) if detail else None
        log = logger.warning if kind == ERROR and not gone else logger.info
        log("Not archived (%s%s): %s%s", reason, f" {status}" if status else "", printable(url),
            f" - {detail}" if detail else "")
        self.buffer.append({
            "failed_at": schema.utc_now(),
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
        guard = WriteGuard.of(self.crawler)
        if guard.stopped:
            return  # the archive cannot be written; the crawl is stopping
        try:
            writes.record_failures(CrawlArchive.of(self.crawler).open(), CrawlContext.of(self.crawler).crawl_id, batch)
        except (schema.ArchiveError, sqlite3.Error) as exc:
            if is_disk_failure(exc):
                guard.fail(f"{len(batch)} failures", exc)
            else:
                logger.error("Could not record %d failures in %s: %s", len(batch), self.db_path, exc)

    def spider_closed(self, reason: str) -> None:
        gone = self.stats.get_value("archive/failures/gone", 0)
        if gone:
            logger.warning("%d link%s answered 404 or 410: see failures (reason http-error; the referer column "
                           "names the page that linked each)", gone, "" if gone == 1 else "s")
        self.flush()


def _referer_of(request: Request) -> str | None:
    value = request.headers.get("Referer")
    if value:
        return value.decode("latin-1", "replace")
    urls = request.meta.get("redirect_urls")
    return urls[0] if urls else None
