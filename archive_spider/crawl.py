"""Running a crawl in this process: settings from options, then Scrapy, then the outcome.

The CLI's ``crawl`` and ``demo`` commands call :func:`run_crawl`; tests and scripts may too
(once per process: Scrapy's reactor cannot be restarted).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from archive_spider import config, sites, storage
from archive_spider.locking import archive_lock
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
    # Revisit policy for known articles (ARCHIVE_REVISIT): never, conditional, max-age=7d, adaptive, always.
    revisit: str | None = None
    # Wait for another run holding the archive's lock instead of raising ArchiveLocked.
    wait: bool = False
    # Draw a live progress line on standard error (ARCHIVE_PROGRESS).
    progress: bool = False
    config: str | None = None  # a sites.toml
    sites: tuple[str, ...] = ()  # names of its sites to crawl (default: all)
    discover: bool = False  # also try robots.txt sitemaps, /sitemap.xml, feeds
    extract_workers: int | None = None
    render: str | None = None  # ARCHIVE_RENDER: never, auto, always


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
            f"{c.get('unchanged', 0)} unchanged, {c.get('not_modified', 0)} not modified, "
            f"{c.get('skipped', 0)} skipped, "
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
        # run_crawl installs its own handlers: the file and, for warnings, standard error.
        overrides["LOG_INSTALL_ROOT_HANDLER"] = False
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
    if options.revisit:
        overrides["ARCHIVE_REVISIT"] = options.revisit
    if options.progress:
        overrides["ARCHIVE_PROGRESS"] = True
    if options.render:
        overrides["ARCHIVE_RENDER"] = options.render
    overrides.update(options.extra_settings or {})
    settings.setdict(overrides, priority="cmdline")
    # ARCHIVE_MAX_PAGES (e.g. -s ARCHIVE_MAX_PAGES=100) is --max-pages by another name.
    max_pages = settings.get("ARCHIVE_MAX_PAGES")
    if max_pages and not options.max_pages and str(max_pages).isdigit():
        settings.set("CLOSESPIDER_PAGECOUNT", int(max_pages), priority="cmdline")
    return settings


def spider_arguments(options: CrawlOptions) -> dict[str, Any]:
    """ArticlesSpider's arguments for the config, sites and discovery options; the config
    is validated here, so a bad one fails before Scrapy starts (``SiteConfigError``)."""
    arguments: dict[str, Any] = {}
    if options.config:
        sites.select_sites(sites.load_sites(options.config), options.sites, options.config)
        arguments.update(config=options.config, site=list(options.sites))
    if options.discover:
        arguments["discover"] = True
    return arguments


def run_crawl(
    start_urls: Iterable[str],
    options: CrawlOptions | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> CrawlOutcome:
    """Crawl from ``start_urls`` into the archive and say how it went.

    Holds the archive's lock throughout: raises locking.ArchiveLocked at once if another
    run holds it, unless ``options.wait`` (then ``on_wait(holder)`` is called and it waits).
    """
    options = options or CrawlOptions()
    settings = build_settings(options)
    db_path = settings.get("ARCHIVE_DB_PATH")
    config.check_settings(settings)  # a bad value ends here, before the archive is touched
    arguments = spider_arguments(options)
    with archive_lock(db_path, wait=options.wait, on_wait=on_wait):
        return _run_locked(start_urls, settings, db_path, options, arguments)


def install_log_handlers(options: CrawlOptions) -> None:
    """With a log file, the file gets the whole story (INFO, or DEBUG with -vv) while
    standard error keeps to ``log_level`` (warnings by default), so cron still mails
    the warnings. Scrapy's own LOG_FILE would send everything to the file instead."""
    level = logging.getLevelName(options.log_level)
    formatter = logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s", "%Y-%m-%d %H:%M:%S")
    to_file = logging.FileHandler(options.log_file, encoding="utf-8")
    to_file.setLevel(min(level, logging.INFO))
    to_stderr = logging.StreamHandler()
    to_stderr.setLevel(level)
    root = logging.getLogger()
    root.setLevel(min(level, logging.INFO))
    for handler in (to_file, to_stderr):
        handler.setFormatter(formatter)
        root.addHandler(handler)


def _run_locked(
    start_urls: Iterable[str], settings: Settings, db_path: str, options: CrawlOptions,
    arguments: dict[str, Any],
) -> CrawlOutcome:
    from archive_spider.spiders.articles import ArticlesSpider

    # Fail before Scrapy starts if the archive cannot be used (corrupt, newer, unwritable).
    db = storage.open_db(db_path)
    try:
        # We hold the lock: a crawl still marked running was killed.
        interrupted = storage.close_interrupted_crawls(db)
    finally:
        db.close()
    if interrupted:
        logging.getLogger(__name__).info("%d earlier crawl(s) had been interrupted; this one resumes", interrupted)

    started = time.monotonic()
    if options.log_file:
        install_log_handlers(options)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(ArticlesSpider)
    process.crawl(crawler, urls=list(start_urls), **arguments)
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
