"""Running a crawl in this process: settings from options, then Scrapy, then the outcome.

The CLI's ``crawl`` and ``demo`` commands call :func:`run_crawl`; tests and scripts may too
(once per process: Scrapy's reactor cannot be restarted).
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Callable, Iterable

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from archive_spider import config, sites
from archive_spider.archive import schema, writes
from archive_spider.archive.connection import CrawlArchive
from archive_spider.archive.locking import archive_lock
from archive_spider.crawlcontext import CrawlContext
from archive_spider.settings import project_settings
from archive_spider.terminal import escape_log_handlers, printable
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
    # Why each start URL that failed did ("URL (reason)"), when a quiet run held them back.
    start_failures: list[str] = field(default_factory=list)
    # Whether every start URL failed (nothing could be crawled).
    no_start: bool = False
    # Per site the crawl touched: its figures and what changed (health.SiteHealth).
    health: list = field(default_factory=list)

    @property
    def drifted(self) -> list:
        """The sites that changed under the crawl (health.py)."""
        return [site for site in self.health if site.flagged]

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "limit")

    def to_dict(self) -> dict[str, Any]:
        """The outcome for machines (``crawl --json``)."""
        return {"crawl": self.crawl_id, "status": self.status, "ok": self.ok, "counts": self.counts,
                "seconds": round(self.seconds, 3), "db": self.db_path, "failed_start_urls": self.start_failures,
                "changed_sites": {site.site: [d.message for d in site.drift] for site in self.drifted}}

    def error_line(self) -> str | None:
        """One line for a crawl none of whose start URLs could be fetched, else None."""
        if self.ok or not self.no_start or not self.start_failures:
            return None
        return (f"crawl {self.crawl_id} failed: no start URL could be fetched: "
                + "; ".join(self.start_failures))

    def summary(self) -> str:
        c = self.counts
        return (
            f"crawl {self.crawl_id} {self.status}: {c.get('new', 0)} new, {c.get('updated', 0)} updated, "
            f"{c.get('unchanged', 0)} unchanged, {c.get('not_modified', 0)} not modified, "
            f"{c.get('skipped', 0)} skipped, "
            f"{c.get('duplicates', 0)} duplicates, {c.get('errors', 0)} errors; "
            f"{c.get('pages', 0)} pages = {c.get('pages_archived', 0)} archived + {c.get('pages_listing', 0)} listing"
            f" + {c.get('pages_failed', 0)} in failures; "
            f"{c.get('requests', 0)} requests in {self.seconds:.1f} s -> {printable(self.db_path)}"
        )


def build_settings(options: CrawlOptions) -> Settings:
    """Scrapy settings: the project's, then what the options change."""
    settings = project_settings()
    overrides: dict[str, Any] = {"LOG_LEVEL": options.log_level}
    if options.log_file:
        overrides["LOG_FILE"] = options.log_file
        # run_crawl installs its own handlers: the file and, for warnings, standard error.
        overrides["LOG_INSTALL_ROOT_HANDLER"] = False
    if options.db_path:
        overrides["ARCHIVE_DB_PATH"] = options.db_path
    if options.max_pages:
        overrides["ARCHIVE_MAX_PAGES"] = options.max_pages
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
    Raises schema.ArchiveError when a write to the archive failed mid-crawl (a full or
    read-only disk stops the crawl: writeguard.py).
    """
    options = options or CrawlOptions()
    settings = build_settings(options)
    db_path = settings.get("ARCHIVE_DB_PATH")
    config.check_settings(settings)  # a bad value ends here, before the archive is touched
    arguments = spider_arguments(options)
    schema.check_writable(db_path)  # a read-only archive ends here, before its lock file
    with archive_lock(db_path, wait=options.wait, on_wait=on_wait):
        return _run_locked(start_urls, settings, db_path, options, arguments)


class LogFile(logging.FileHandler):
    """The --log-file handler. A log file that cannot be written (a full or read-only
    disk) is said once on standard error and then left alone: logging's default is a
    traceback on standard error for every message."""

    failed = False

    def emit(self, record: logging.LogRecord) -> None:
        if not self.failed:
            super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:
        if self.failed:
            return
        self.failed = True
        error = sys.exc_info()[1]
        why = getattr(error, "strerror", None) or error or "unknown error"
        sys.stderr.write(f"archive-spider: cannot write the log file {self.baseFilename} ({why}); "
                         "the rest of the log is not kept\n")


def install_log_handlers(options: CrawlOptions) -> None:
    """With a log file, the file gets the whole story (INFO, or DEBUG with -vv) while
    standard error keeps to ``log_level`` (warnings by default), so cron still mails
    the warnings. Scrapy's own LOG_FILE would send everything to the file instead."""
    level = logging.getLevelName(options.log_level)
    formatter = logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s", "%Y-%m-%d %H:%M:%S")
    to_file = LogFile(options.log_file, encoding="utf-8")
    to_file.setLevel(min(level, logging.INFO))
    to_stderr = logging.StreamHandler()
    to_stderr.setLevel(level)
    root = logging.getLogger()
    root.setLevel(min(level, logging.INFO))
    for handler in (to_file, to_stderr):
        handler.setFormatter(formatter)
        root.addHandler(handler)


# Scrapy's own lines for a request it gave up on repeat what the failure's "Not archived"
# warning says (archive_spider.archive.failures), reason and detail included.
REPEATED_LOGGERS = ("scrapy.downloadermiddlewares.retry", "scrapy.downloadermiddlewares.robotstxt",
                    "scrapy.core.scraper")
QUIET_LOGGERS = (*REPEATED_LOGGERS, "archive_spider.spiders.articles", "archive_spider.archive.failures")


class QuietStartFailures(logging.Filter):
    """For a run without -v or a log file (set on QUIET_LOGGERS): drops Scrapy's repeats of a failure and the
    spider's "Start URL failed" (the failure's warning says it), and holds back the
    failure warnings of start URLs until the end, when the caller either prints them or,
    if no start URL could be fetched, says so in one line instead."""

    def __init__(self, start_urls: Iterable[str]):
        super().__init__()
        self.start_urls = set(start_urls)
        self.held: list[logging.LogRecord] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(REPEATED_LOGGERS) and record.levelno >= logging.ERROR:
            return record.name == "scrapy.core.scraper" and "Error processing" in str(record.msg)
        if record.name == "archive_spider.spiders.articles" and str(record.msg).startswith("Start URL failed"):
            return False
        if (record.name == "archive_spider.archive.failures" and isinstance(record.args, tuple)
                and len(record.args) == 4 and record.args[2] in self.start_urls):
            self.held.append(record)
            return False
        return True

    def reasons(self) -> list[str]:
        """"URL (reason status - detail)" of each start URL held back."""
        lines = []
        for record in self.held:
            reason, status, url, detail = record.args
            lines.append(f"{url} ({reason}{status}{detail})")
        return lines

    def install(self) -> None:
        for name in QUIET_LOGGERS:
            logging.getLogger(name).addFilter(self)

    def uninstall(self, release: bool) -> None:
        """Stop filtering; with ``release``, log the held warnings after all (some start
        URL could be fetched, so they are news)."""
        for name in QUIET_LOGGERS:
            logging.getLogger(name).removeFilter(self)
        for record in self.held if release else ():
            logging.getLogger(record.name).handle(record)
        self.held.clear()


class ArchiveCrawlerProcess(CrawlerProcess):
    """Scrapy's CrawlerProcess, saying at once what a Ctrl-C (or SIGTERM) does: Scrapy
    logs it at INFO level only, so a quiet run looked as if it had not heard."""

    @staticmethod
    def say(message: str) -> None:
        # A fresh line: the progress line may be drawn on the current one.
        sys.stderr.write(("\n" if sys.stderr.isatty() else "") + message + "\n")
        sys.stderr.flush()

    def _signal_shutdown(self, signum: int, frame: Any) -> None:
        from twisted.internet import reactor

        self.say("Stopping: no new requests; finishing the pages in flight and recording the crawl "
                 "(Ctrl-C again to stop at once)...")
        super()._signal_shutdown(signum, frame)  # the engine stops taking requests first
        reactor.callFromThread(self.drop_queued_requests)

    def drop_queued_requests(self) -> None:
        """Requests waiting in the downloader's per-site queues (for a free slot or the
        politeness delay) are not sent: Scrapy's graceful stop would download them all.
        They were never fetched, so they are no failure (IgnoreRequest records none)."""
        from scrapy.exceptions import IgnoreRequest

        for crawler in self.crawlers:
            downloader = getattr(getattr(crawler, "engine", None), "downloader", None)
            for slot in list(getattr(downloader, "slots", {}).values()):
                queue = getattr(slot, "queue", None)
                while queue:
                    request, deferred = queue.popleft()
                    if not deferred.called:
                        deferred.errback(IgnoreRequest(f"not fetched: the crawl is stopping: {request.url}"))

    def _signal_kill(self, signum: int, frame: Any) -> None:
        self.say("Stopping at once: storing what was extracted and recording the crawl.")
        super()._signal_kill(signum, frame)


def finish_after_forced_stop(crawler) -> None:
    """A second Ctrl-C stops Scrapy before the spider closes, so the item pipeline's close
    never runs: store the articles it still holds and record the crawl (status
    ``shutdown``) with its true counts, as a graceful stop would."""
    from archive_spider.pipelines import StorePipeline

    itemproc = getattr(getattr(crawler.engine, "scraper", None), "itemproc", None)
    for pipeline in getattr(itemproc, "middlewares", ()):
        if isinstance(pipeline, StorePipeline) and pipeline.db is not None:
            try:
                pipeline.close_spider()
            finally:
                pipeline.spider_closed("shutdown")


def _run_locked(
    start_urls: Iterable[str], settings: Settings, db_path: str, options: CrawlOptions,
    arguments: dict[str, Any],
) -> CrawlOutcome:
    # Fail before Scrapy starts if the archive cannot be used (corrupt, newer, unwritable).
    # This is the crawl's one connection (archive/connection.py), closed once it is over.
    db = schema.open_db(db_path)
    try:
        return _crawl_with(db, start_urls, settings, db_path, options, arguments)
    finally:
        db.close()


def _crawl_with(
    db, start_urls: Iterable[str], settings: Settings, db_path: str, options: CrawlOptions,
    arguments: dict[str, Any],
) -> CrawlOutcome:
    from archive_spider.spiders.articles import ArticlesSpider

    # We hold the lock: a crawl still marked running was killed.
    interrupted = writes.close_interrupted_crawls(db)
    if interrupted:
        logging.getLogger(__name__).info("%d earlier crawl(s) had been interrupted; this one resumes", interrupted)

    started = time.monotonic()
    if options.log_file:
        install_log_handlers(options)
    process = ArchiveCrawlerProcess(settings)
    start_urls = list(start_urls)
    quiet = None
    if options.log_level in ("WARNING", "ERROR", "CRITICAL") and not options.log_file:
        quiet = QuietStartFailures(start_urls)
        quiet.install()
    crawler = process.create_crawler(ArticlesSpider)
    CrawlArchive.attach(crawler, db_path, db)
    # On Scrapy's root handler and ours: nothing a site sends drives the terminal. Scrapy
    # installs its handler again as the crawl starts, hence the signal too.
    escape_log_handlers()
    crawler.signals.connect(escape_log_handlers, signal=signals.engine_started)
    process.crawl(crawler, urls=start_urls, **arguments)
    try:
        process.start()
    finally:
        # A forced stop (a second Ctrl-C) skips the spider's close: kill what is left,
        # then do the close's bookkeeping here.
        close_all_pools(force=True)
        finish_after_forced_stop(crawler)
    seconds = time.monotonic() - started

    crawl_id = CrawlContext.of(crawler).crawl_id
    write_failed = crawler.stats.get_value("archive/write_failed")
    if write_failed:
        # A full or read-only disk stopped the crawl (writeguard.py): the archive may not
        # even be readable now, so the outcome comes from the stats, as one error.
        stored = sum(crawler.stats.get_value(f"archive/{name}", 0) for name in ("new", "updated"))
        if quiet is not None:
            quiet.uninstall(release=False)
        raise schema.ArchiveError(printable(
            f"{write_failed}; crawl {crawl_id} stopped after storing {stored} new or updated articles "
            f"(what it could not store is fetched again by the next run)"))
    try:
        row = db["crawls"].get(crawl_id) if crawl_id else None
    except Exception:
        row = None
    if row is None:
        logging.getLogger(__name__).error("The crawl did not start; see the log above")
        return CrawlOutcome(None, "failed", {}, seconds, db_path)
    counts = {name: row[name] for name in schema.CRAWL_COUNTS}
    failed_starts = crawler.stats.get_value("archive/start_failed", 0)
    outcome = CrawlOutcome(crawl_id, row["status"], counts, seconds, db_path,
                           no_start=bool(failed_starts) and failed_starts >= crawler.stats.get_value(
                               "archive/start_urls", len(start_urls)))
    if quiet is not None:
        outcome.start_failures = quiet.reasons()
        quiet.uninstall(release=outcome.error_line() is None)
    from archive_spider import health

    outcome.health = health.assess_after_crawl(crawl_id, crawler, settings)
    return outcome
