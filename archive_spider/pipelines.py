"""Item pipelines: validate -> dedupe -> store.

Each is built with ``from_crawler``. StorePipeline is the only one that touches the
archive, through archive/writes.py, in batches of ARCHIVE_BATCH_SIZE articles per transaction.
"""

from __future__ import annotations

import json
import logging
import time

from twisted.internet.task import LoopingCall

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import DropItem

from archive_spider import revisit
from archive_spider.archive import site_boilerplate as boilerplate
from archive_spider.archive import queries, writes
from archive_spider.archive import warc
from archive_spider.extraction import teaser_matches
from archive_spider.archive.connection import CrawlArchive
from archive_spider.archive.failures import FailureLog
from archive_spider.assembly import FirstCopies, rejection_detail, validate
from archive_spider.crawlcontext import CrawlContext
from archive_spider.vocabulary import ArticleItem
from archive_spider.writeguard import REASON as WRITE_FAILED
from archive_spider.writeguard import WriteGuard, is_disk_failure

logger = logging.getLogger(__name__)


class ValidatePipeline:
    """Drops extractions that are not worth archiving: no text, or too few words
    (``assembly.validate``, the rule reextract and the distributed ingester apply too).

    In a crawl each is recorded in ``failures`` (``too-short``, with the extraction's
    warnings: ``not-html`` says the page could not be read as HTML at all)."""

    def __init__(self, crawler, min_words: int):
        self.crawler = crawler
        self.stats = crawler.stats
        self.min_words = min_words

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, crawler.settings.getint("ARCHIVE_MIN_WORDS"))

    def drop(self, item: ArticleItem, why: str) -> None:
        drop(self.crawler, item, "too-short", rejection_detail(why, ItemAdapter(item).get("extraction_warnings")))

    def process_item(self, item: ArticleItem):
        # counted in crawls.skipped through the failure
        why = validate(item, self.min_words)
        if why is not None:
            self.drop(item, why)
        return item


def drop(crawler, item: ArticleItem, reason: str, detail: str):
    """Record the item's pages in ``failures`` and drop it (at INFO level: these are
    routine)."""
    adapter = ItemAdapter(item)
    FailureLog.of(crawler).record(adapter["url"], reason, detail=detail, fetched=True,
                                  pages=adapter.get("pages") or 1)
    raise DropItem(f"{detail}: {adapter['url']}", log_level="INFO")


class DedupePipeline:
    """Drops the second copy of an article URL within one crawl.

    The same article may be reached by several URLs (canonical, tracking parameters the
    normaliser did not know) or served twice; the first copy wins. A copy under another
    URL with the same text is not dropped: storage keeps it, marked ``duplicate_of``.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.seen = FirstCopies()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item: ArticleItem):
        adapter = ItemAdapter(item)
        if not self.seen.accept(adapter["url"], adapter.get("canonical_url")):
            self.stats.inc_value("archive/duplicates")
            drop(self.crawler, item, "duplicate", "already archived in this crawl")
        return item


class StorePipeline:
    """Writes articles to the archive in batches and records the crawl in ``crawls``.

    A batch is written when it holds ARCHIVE_BATCH_SIZE articles, and on a timer every
    ARCHIVE_FLUSH_SECONDS whatever comes next (a slow site, a long sitemap), so a killed
    crawl loses little work. With the articles go what the middlewares reported:
    validators of each fetch, 304 answers and WARC index rows.

    The first write that fails (a full disk, a file system turned read-only) stops the
    crawl (writeguard.py); nothing more is written, nor logged per item.
    """

    def __init__(self, crawler, db_path: str, batch_size: int, flush_seconds: float):
        self.crawler = crawler
        self.stats = crawler.stats
        self.db_path = db_path
        self.batch_size = max(1, batch_size)
        self.flush_seconds = flush_seconds
        self.last_flush = time.monotonic()
        self.buffer: list[dict] = []
        self.db = None
        self.crawl_id: int | None = None
        # The hash of each stored article's summary, to tell a better teaser from it at
        # the end (store_better_teasers); the text itself is in the archive.
        self.summaries: dict[str, int] = {}
        self.fetches: dict[str, dict] = {}
        self.not_modified: dict[str, dict] = {}
        self.warc_records: list[dict] = []
        # Paragraph counts of the articles this crawl stored new (archive/site_boilerplate.py).
        self.block_counts: dict[tuple[str, str], tuple[str | None, int]] = {}
        self.guard = WriteGuard.of(crawler)
        self.timer: LoopingCall | None = None
        # When the oldest write now waiting came (time.monotonic()); None: nothing waits.
        self.waiting_since: float | None = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        pipeline = cls(crawler, settings.get("ARCHIVE_DB_PATH"), settings.getint("ARCHIVE_BATCH_SIZE"),
                       settings.getfloat("ARCHIVE_FLUSH_SECONDS"))
        # The crawl's finish reason is known only at spider_closed, after close_spider.
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(pipeline.article_fetched, signal=revisit.article_fetched)
        crawler.signals.connect(pipeline.article_not_modified, signal=revisit.article_not_modified)
        crawler.signals.connect(pipeline.warc_record_written, signal=warc.record_written)
        return pipeline

    def article_fetched(self, url: str, fetch: dict) -> None:
        self.fetches[url] = fetch

    def article_not_modified(self, url: str, fetch: dict) -> None:
        self.not_modified[url] = fetch
        self.note_waiting()

    def warc_record_written(self, record: dict) -> None:
        self.warc_records.append(record)
        self.note_waiting()

    def note_waiting(self) -> None:
        if self.waiting_since is None:
            self.waiting_since = time.monotonic()

    def open_spider(self):
        self.db = CrawlArchive.of(self.crawler).open()  # the crawl's one connection
        spider = self.crawler.spider
        self.crawl_id = writes.start_crawl(self.db, getattr(spider, "start_urls", []))
        CrawlContext.of(self.crawler).crawl_id = self.crawl_id
        if self.flush_seconds > 0:
            # Four ticks per interval: what has waited 3/4 of it is written at the next.
            self.timer = LoopingCall(self.flush_if_due)
            self.timer.start(self.flush_seconds / 4, now=False).addErrback(
                lambda failure: logger.error("The flush timer stopped: %s", failure.getErrorMessage()))

    def process_item(self, item: ArticleItem):
        if self.guard.stopped:
            # The archive cannot be written: this article is fetched again by the next run.
            self.stats.inc_value("archive/not_stored")
            return item
        record = ItemAdapter(item).asdict()
        record.update(self.fetches.pop(record["url"], {}))
        self.stats.inc_value("archive/pages/archived", record.get("pages") or 1)
        self.summaries[record["url"]] = hash(record.get("summary"))
        self.buffer.append(record)
        self.note_waiting()
        if len(self.buffer) >= self.batch_size or time.monotonic() - self.last_flush >= self.flush_seconds:
            self.flush()
        return item

    def flush_if_due(self) -> None:
        """The timer's tick: write what waits before it has waited ARCHIVE_FLUSH_SECONDS
        (the crawl's failures too: a killed crawl keeps them as it keeps its articles)."""
        if self.db is None:
            return
        if self.waiting_since is not None and time.monotonic() - self.waiting_since >= self.flush_seconds * 0.75:
            self.flush()
        FailureLog.of(self.crawler).flush()

    def flush(self) -> None:
        """Write what waits, in one transaction per kind; a failure stops the crawl."""
        self.last_flush = time.monotonic()
        self.waiting_since = None
        if not self.guard.stopped:
            try:
                self._write()
                return
            except Exception as exc:
                if not is_disk_failure(exc):
                    raise
                self.guard.fail(f"a batch of {len(self.buffer)} articles" if self.buffer else "WARC index rows", exc)
        # Not written: the next run fetches these articles again (the crawl is not "ok").
        self.stats.inc_value("archive/not_stored", len(self.buffer))
        self.buffer, self.warc_records, self.not_modified = [], [], {}

    def _write(self) -> None:
        # Index rows first: their records are already flushed to the WARC file.
        records, self.warc_records = self.warc_records, []
        writes.add_warc_records(self.db, records)
        if self.not_modified:
            fetches, self.not_modified = self.not_modified, {}
            writes.mark_not_modified(self.db, fetches, crawl_id=self.crawl_id)
        if not self.buffer:
            return
        result = writes.store_articles(self.db, self.buffer, crawl_id=self.crawl_id)
        batch, self.buffer = self.buffer, []
        new = set(result.new)
        boilerplate.merge_counts(self.block_counts, boilerplate.count_blocks(a for a in batch if a["url"] in new),
                                 samples_from=boilerplate.MIN_NEW_ARTICLES)
        self.stats.inc_value("archive/new", len(result.new))
        self.stats.inc_value("archive/updated", len(result.updated))
        self.stats.inc_value("archive/unchanged", len(result.unchanged))
        self.stats.inc_value("archive/duplicates", len(result.duplicates))
        logger.info(
            "Stored %d articles: %d new, %d updated, %d unchanged, %d duplicates",
            len(batch), len(result.new), len(result.updated), len(result.unchanged), len(result.duplicates),
        )

    def close_spider(self):
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        self.flush()
        if self.guard.stopped:
            return
        try:
            self.store_better_teasers()
            writes.add_boilerplate_sightings(self.db, self.block_counts, min_new=boilerplate.MIN_NEW_ARTICLES)
        except Exception as exc:
            if not is_disk_failure(exc):
                raise
            self.guard.fail("the crawl's teasers and boilerplate counts", exc)
        self.block_counts = {}

    def store_better_teasers(self) -> None:
        """An article may be fetched before the index page that shows its full teaser
        (a sidebar listed it first, cut short): store the fullest teaser the crawl saw,
        and judge 'teaser-not-found' again by it. The spider's teaser book
        (assembly/teasers.py) holds a listing better than the one an article was
        extracted with, if one came later."""
        teasers = getattr(self.crawler.spider, "teasers", None)
        better = {}
        for url, used in self.summaries.items():
            link = teasers.better(url) if teasers is not None else None
            if link is None or not link.teaser or hash(link.teaser) == used:
                continue
            stored = queries.find_article(self.db, url)
            if stored is None:
                continue
            warnings = [w for w in json.loads(stored["extraction_warnings"] or "[]") if w != "teaser-not-found"]
            if not teaser_matches(stored["text"] or "", link.teaser):
                warnings.append("teaser-not-found")
            better[url] = (link.teaser, warnings)
        if better:
            writes.update_summaries(self.db, better)

    def spider_closed(self, reason: str):
        if self.db is None:
            return
        status = crawl_status(reason, self.stats.get_stats())
        self.stats.set_value("archive/status", status)
        try:
            writes.finish_crawl(self.db, self.crawl_id, status, crawl_counts(self.stats.get_stats()),
                                 message=self.guard.error)
        except Exception as exc:
            if not self.guard.stopped or not is_disk_failure(exc):
                raise
            # The archive still cannot be written: the crawl stays "running" in it, and
            # the next run marks it "interrupted".
            logger.info("Could not record the end of crawl %s: %s", self.crawl_id, exc)
        self.db = None  # the connection is the crawl's (archive/connection.py)


def crawl_status(reason: str, stats: dict) -> str:
    """``ok``, ``limit`` (a page or time cap ended it), ``failed`` or Scrapy's reason.

    A crawl fails when none of its start URLs could be fetched; it is ``write-failed``
    when the archive could not be written (writeguard.py), however it ended.
    """
    if stats.get("archive/write_failed"):
        return WRITE_FAILED
    if stats.get("archive/start_failed", 0) and stats.get("archive/start_failed") >= stats.get("archive/start_urls", 1):
        return "failed"
    if reason == "finished":
        return "limit" if stats.get("archive/page_cap_reached") else "ok"
    if reason.startswith("closespider_"):
        return "limit"
    return reason


def crawl_counts(stats: dict) -> dict[str, int]:
    """The crawls-table counts, from Scrapy's stats of the run."""
    # Pages that failed for good (archive/failures.py records each once, after its retries),
    # plus code that raised; a 503 that succeeded on retry is no error.
    errors = (
        stats.get("archive/failures/error", 0)
        + stats.get("spider_exceptions/count", 0)
        + stats.get("archive/errors", 0)
    )
    return {
        "requests": stats.get("downloader/request_count", 0),
        # Pages fetched (final answers, robots.txt and 304s apart) = archived + listing
        # pages read + pages in failures: the crawl's page balance.
        "pages": stats.get("archive/pages/fetched", stats.get("response_received_count", 0)),
        "pages_archived": stats.get("archive/pages/archived", 0),
        "pages_listing": stats.get("archive/pages/listing", 0),
        "pages_failed": stats.get("archive/pages/failed", 0),
        "new": stats.get("archive/new", 0),
        "updated": stats.get("archive/updated", 0),
        "unchanged": stats.get("archive/unchanged", 0),
        "not_modified": stats.get("archive/not_modified", 0),
        # a second copy in one crawl is a failures row (its page is accounted for) but
        # counted once, as a duplicate
        "skipped": (stats.get("archive/skipped", 0) + stats.get("archive/known_skipped", 0)
                    + stats.get("archive/failures/skipped", 0) - stats.get("archive/failures/reason/duplicate", 0)),
        "duplicates": stats.get("archive/duplicates", 0),
        "errors": errors,
    }
