"""A crawl's one connection to the archive.

Every component of a crawl that reads or writes the archive (the store pipeline, the
failure log, what the archive knows for the revisit policy, the listing plan, the
spider's site boilerplate, site health after the crawl) gets its connection from
``CrawlArchive.of(crawler).open()``: the file is opened, and its schema checked and
migrated, once per crawl.

``run_crawl`` (crawl.py) opens the archive before Scrapy starts, to refuse a corrupt,
newer or unwritable one at once, and hands that connection to the crawler with
:meth:`CrawlArchive.attach`; it closes it after the crawl's outcome and site health are
read. A crawl started any other way opens the archive on first use, and it is closed
when the engine stops.

A SQLite connection may only be used by the thread that opened it. All of these users
run on one thread: Scrapy's pipelines, signal handlers, middlewares and spider callbacks
run on the Twisted reactor's thread, and ``CrawlerProcess.start()`` runs the reactor on
the thread that calls it, the one ``run_crawl`` opens the archive on and reads the
outcome on. (Extraction runs in worker processes and never touches the archive.)
"""

from __future__ import annotations

import os
from typing import Any

import sqlite_utils
from scrapy import signals

from archive_spider.archive import schema
from archive_spider.percrawler import one_per_crawler


class CrawlArchive:
    """The archive at ``path`` (``None``: the crawl keeps no archive), opened once."""

    def __init__(self, path: str | None):
        self.path = path
        self.db: sqlite_utils.Database | None = None

    @classmethod
    def of(cls, crawler: Any) -> CrawlArchive:
        """The crawler's CrawlArchive (of its ``ARCHIVE_DB_PATH``), made on first use; a
        connection it opens itself is closed when the engine stops."""
        def make() -> CrawlArchive:
            archive = cls(crawler.settings.get("ARCHIVE_DB_PATH"))
            crawler.signals.connect(archive.close, signal=signals.engine_stopped)
            return archive

        return one_per_crawler(crawler, "_archive_connection", make)

    @classmethod
    def attach(cls, crawler: Any, path: str, db: sqlite_utils.Database) -> CrawlArchive:
        """Give the crawler the connection ``db`` (to ``path``, opened and migrated by the
        caller, who closes it after the crawl)."""
        archive = cls(path)
        archive.db = db
        crawler._archive_connection = archive
        return archive

    @property
    def exists(self) -> bool:
        """Whether there is an archive to read: a connection is open, or the file exists."""
        return self.db is not None or bool(self.path and os.path.exists(self.path))

    def open(self, *, create: bool = True) -> sqlite_utils.Database:
        """The crawl's connection, opened (created if need be, and migrated) the first time.
        With ``create=False`` and no archive yet, raises ArchiveError and creates nothing."""
        if self.db is None:
            self.db = schema.open_db(self.path, create=create)
        return self.db

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
