"""A failed write to the archive stops the crawl.

When the disk fills up or its file system turns read-only mid-crawl, every later write
fails too: a crawl that went on fetching would lose what it fetched, report success and,
having read the sites' listings whole, tell the next runs there was nothing left to
fetch. So the first write that fails (a batch of articles, of failures, a WARC record)
stops the crawl at once:

* ``WriteGuard.of(crawler).fail(what, exc)`` keeps the first error, in the stats as
  ``archive/write_failed``, and closes the spider with the reason ``write-failed``;
* the writers (StorePipeline, FailureLog, WarcMiddleware) write nothing more once
  ``stopped``: no error per item, no item dumped in the log;
* the crawl's status is ``write-failed`` (pipelines.crawl_status), so no listing is
  recorded as read whole and the next run fetches what this one could not store;
* ``run_crawl`` raises :class:`archive.schema.ArchiveError`, which the CLI prints as one
  ``Error:`` line, with exit status 1.

What was committed before stays: SQLite rolls back only the transaction that failed.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3

from archive_spider.percrawler import one_per_crawler

logger = logging.getLogger(__name__)

# Scrapy's finish reason, and the crawl's status, when a write failed.
REASON = "write-failed"
# OS errors that say the archive's disk cannot take more: full, over quota, read-only,
# failing. Others (a WARC folder made unreadable by hand...) stay warnings.
DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EFBIG})


def is_disk_failure(exc: BaseException) -> bool:
    """Whether ``exc``, raised by a write, means the archive cannot be written any more.

    SQLite's operational errors do (``database or disk is full``, ``attempt to write a
    readonly database``, ``disk I/O error``, a corrupt file...): the batch a write
    carried is lost, and going on would lose more."""
    if isinstance(exc, sqlite3.OperationalError) or type(exc) is sqlite3.DatabaseError:
        return True  # not IntegrityError, ProgrammingError...: those are bugs, and raise
    return isinstance(exc, OSError) and exc.errno in DISK_ERRNOS


def describe(exc: BaseException, path: str | None = None) -> str:
    """One line for ``exc``: its message, or its class name when it has none. When the
    file system holding ``path`` has become read-only, the line says so: SQLite reports a
    write cut short by the kernel's remount as a bare ``disk I/O error``."""
    if isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror
    else:
        text = str(exc).strip()
        text = text.splitlines()[0] if text else type(exc).__name__
    if path and "read-only" not in text.lower() and "readonly" not in text.lower() and on_read_only_fs(path):
        text += " (Read-only file system)"
    return text


def on_read_only_fs(path: str) -> bool:
    """Whether the file system holding ``path`` (or its folder) is mounted read-only."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


class WriteGuard:
    """The crawl's first failed write, and the stop it causes (one per crawler)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.error: str | None = None

    @classmethod
    def of(cls, crawler) -> WriteGuard:
        return one_per_crawler(crawler, "_archive_write_guard", lambda: cls(crawler))

    @property
    def stopped(self) -> bool:
        return self.error is not None

    def fail(self, what: str, exc: BaseException) -> None:
        """A write of ``what`` (e.g. "12 articles") failed with ``exc``: stop the crawl.

        Only the first failure is told; later ones are counted
        (``archive/write_failures``)."""
        stats = self.crawler.stats
        stats.inc_value("archive/write_failures")
        if self.error is not None:
            return
        path = self.crawler.settings.get("ARCHIVE_DB_PATH")
        self.error = f"could not write {what} to the archive {path}: {describe(exc, path)}"
        stats.set_value("archive/write_failed", self.error)
        # The CLI says it, as its one Error: line; the log file keeps it too.
        logger.info("Stopping the crawl: %s", self.error)
        self.stop_crawl()

    def stop_crawl(self) -> None:
        """Close the spider with the reason ``write-failed`` (in-flight requests end,
        nothing new is fetched)."""
        engine = getattr(self.crawler, "engine", None)
        if engine is None or engine.spider is None:
            return
        from scrapy.utils.defer import deferred_from_coro

        async def close() -> None:
            try:
                await engine.close_spider_async(reason=REASON)
            except RuntimeError:
                pass  # the spider closed meanwhile (the write failed while it was closing)

        deferred_from_coro(close())
