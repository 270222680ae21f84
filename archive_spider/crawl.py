"""Running a crawl in this process: settings from options, then Scrapy, then the outcome.

The CLI's ``crawl`` and ``demo`` commands call :func:`run_crawl`; tests and scripts may too
(once per process: Scrapy's reactor cannot be restarted).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Iterable

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from archive_spider import storage
from archive_spider.workers import close_all_pools


@dataclass
class CrawlOptions:
    """What a user can say about one crawl; None keeps the setting's default."""

    db_path: str | None = None
    max_pages: int | None = None
    concurrency: int | None = None
    allowed_hosts: tuple[str, ...] = ()
    log_level: str = "WARNING"
    log_file: str | None = None
    extra_settings: dict[str, Any] | None = None
    extract_workers: int | None = None


@dataclass
class CrawlOutcome:
    crawl_id: int | None
    status: str
    counts: dict[str, int]
    seconds: float
    db_path: str

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "limit")

    def summary(self) -> str:
        c = self.counts
        return (
            f"crawl {self.crawl_id} {self.status}: {c.get('new', 0)} new, {c.get('updated', 0)} updated, "
            f"{c.get('unchanged', 0)} unchanged, {c.get('skipped', 0)} skipped, "
            f"{c.get('duplicates', 0)} duplicates, {c.get('errors', 0)} errors; "
            f"{c.get('requests', 0)} requests in {self.seconds:.1f} s -> {self.db_path}"
        )


def build_settings(options: CrawlOptions) -> Settings:
    """Scrapy settings: the project's, then what the options change."""
    settings = Settings()
    settings.setmodule("archive_spider.settings", priority="project")
    overrides: dict[str, Any] = {"LOG_LEVEL": options.log_level}
    if options.log_file:
        overrides["LOG_FILE"] = options.log_file
    if options.db_path:
        overrides["ARCHIVE_DB_PATH"] = options.db_path
    if options.max_pages:
        overrides["CLOSESPIDER_PAGECOUNT"] = options.max_pages
    if options.concurrency:
        # For sites you own or may crawl fast: no throttling, N requests per host at once.
        overrides.update(
            CONCURRENT_REQUESTS_PER_DOMAIN=options.concurrency,
            CONCURRENT_REQUESTS=max(16, options.concurrency),
            AUTOTHROTTLE_ENABLED=False,
            DOWNLOAD_DELAY=0,
            DOWNLOAD_DELAY_JITTER=0,
        )
    if options.extract_workers is not None:
        overrides["ARCHIVE_EXTRACT_WORKERS"] = options.extract_workers
    if options.allowed_hosts:
        overrides["ARCHIVE_ALLOWED_HOSTS"] = list(options.allowed_hosts)
    overrides.update(options.extra_settings or {})
    settings.setdict(overrides, priority="cmdline")
    return settings


def run_crawl(start_urls: Iterable[str], options: CrawlOptions | None = None) -> CrawlOutcome:
    """Crawl from ``start_urls`` into the archive and say how it went."""
    from archive_spider.spiders.articles import ArticlesSpider

    options = options or CrawlOptions()
    settings = build_settings(options)
    db_path = settings.get("ARCHIVE_DB_PATH")
    # Fail before Scrapy starts if the archive cannot be used (corrupt, newer, unwritable).
    storage.open_db(db_path).close()

    started = time.monotonic()
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(ArticlesSpider)
    process.crawl(crawler, urls=list(start_urls))
    try:
        process.start()
    finally:
        # A forced stop (a second Ctrl-C) skips the spider's close: kill what is left.
        close_all_pools(force=True)
    seconds = time.monotonic() - started

    crawl_id = crawler.stats.get_value("archive/crawl_id")
    db = storage.open_db(db_path)
    try:
        row = db["crawls"].get(crawl_id) if crawl_id else None
    except Exception:
        row = None
    finally:
        db.close()
    if row is None:
        logging.getLogger(__name__).error("The crawl did not start; see the log above")
        return CrawlOutcome(None, "failed", {}, seconds, db_path)
    counts = {name: row[name] for name in storage.CRAWL_COUNTS}
    return CrawlOutcome(crawl_id, row["status"], counts, seconds, db_path)
