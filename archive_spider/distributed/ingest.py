"""The ingester: the only process of a distributed crawl that writes SQLite."""

from __future__ import annotations

import json
import logging
import signal
import time
import dataclasses
from dataclasses import dataclass, field
from typing import Any

from scrapy.settings import BaseSettings

from archive_spider import settings as defaults
from archive_spider.settings import project_settings
from archive_spider.archive import site_boilerplate as boilerplate
from archive_spider.archive import queries, schema, writes
from archive_spider.assembly import FirstCopies, rejection_detail, validate
from archive_spider.vocabulary import ArticleItem
from archive_spider.distributed.keys import (
    INGEST_POLL_SECONDS, RedisConfig, connect, count_live_work, live_workers, new_worker_id,
)

logger = logging.getLogger(__name__)


# --- the ingester ---------------------------------------------------------------------------

class IngestStats:
    """The part of Scrapy's stats collector the ingester uses."""

    def __init__(self):
        self._stats: dict[str, Any] = {}

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self._stats[key] = self._stats.get(key, start) + count

    def set_value(self, key: str, value: Any) -> None:
        self._stats[key] = value

    def get_value(self, key: str, default: Any = None) -> Any:
        return self._stats.get(key, default)

    def get_stats(self) -> dict[str, Any]:
        return self._stats

    def clear(self) -> None:
        self._stats.clear()


@dataclass
class IngestOutcome:
    crawls: list[int] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    status: str = "ok"
    seconds: float = 0.0
    db_path: str = ""

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "limit")

    def summary(self) -> str:
        c = self.counts
        crawls = ", ".join(str(i) for i in self.crawls) or "none"
        return (
            f"ingest {self.status} (crawls {crawls}): {c.get('new', 0)} new, {c.get('updated', 0)} updated, "
            f"{c.get('unchanged', 0)} unchanged, {c.get('skipped', 0)} skipped, "
            f"{c.get('duplicates', 0)} duplicates, {c.get('errors', 0)} errors; "
            f"{c.get('requests', 0)} requests by workers in {self.seconds:.1f} s -> {self.db_path}"
        )


def judge_teaser(text: str | None, warnings: list[str], teaser: str) -> list[str]:
    """``warnings`` with 'teaser-not-found' set by whether ``text`` matches ``teaser``."""
    from archive_spider.extraction import teaser_matches

    judged = [w for w in warnings if w != "teaser-not-found"]
    if not teaser_matches(text or "", teaser):
        judged.append("teaser-not-found")
    return judged


class AnotherIngesterRunning(schema.ArchiveError):
    pass


class Ingester:
    """Drains the workers' item queue into the archive: the only writer of SQLite.

    Each batch is taken with LMOVE into ``P:items:processing``, validated, deduplicated and
    stored in one transaction by ``writes.store_articles``; only then is it deleted from
    Redis. A crawl of the workers becomes one row of ``crawls``, finished when nothing has
    been waiting, in flight or queued for ``idle_timeout`` seconds.
    """

    def __init__(self, config: RedisConfig, db_path: str, *, batch_size: int = defaults.ARCHIVE_BATCH_SIZE,
                 min_words: int = defaults.ARCHIVE_MIN_WORDS,
                 forever: bool = False):
        self.config = config
        self.keys = config.keys
        self.db_path = db_path
        self.batch_size = max(1, batch_size)
        self.min_words = min_words
        self.forever = forever
        self.redis = connect(config.url)
        self.token = new_worker_id()
        self.stopping = False
        self.db = None
        self.stats = IngestStats()
        self.crawl_id: int | None = None
        self.seen = FirstCopies()  # article and canonical URLs stored by this crawl
        self.worker_counts: dict[str, int] = {}
        self.worker_statuses: list[str] = []
        self.start_urls: set[str] = set()
        self.outcome = IngestOutcome(db_path=db_path)
        # Paragraph counts of the articles this crawl stored new (archive/site_boilerplate.py).
        self.block_counts: dict[tuple[str, str], tuple[str | None, int]] = {}

    @classmethod
    def from_settings(cls, settings: BaseSettings, config: RedisConfig, db_path: str, forever: bool = False):
        return cls(config, db_path, batch_size=settings.getint("ARCHIVE_BATCH_SIZE"),
                   min_words=settings.getint("ARCHIVE_MIN_WORDS"), forever=forever)

    # --- lifecycle ------------------------------------------------------------------------

    def run(self) -> IngestOutcome:
        started = time.monotonic()
        self.acquire_lock()
        try:
            self.db = schema.open_db(self.db_path)
            self.requeue_unacknowledged()
            self.publish_known_urls()
            self.loop()
        finally:
            if self.crawl_id is not None:
                self.finish_crawl("interrupted" if self.stopping else "failed")
            if self.db is not None:
                self.db.close()
            if self.owns_lock():
                self.redis.delete(self.keys.ingester)
            self.outcome.seconds = time.monotonic() - started
        return self.outcome

    def stop(self, *_args) -> None:
        """Finish the current batch, then stop (SIGTERM, SIGINT)."""
        self.stopping = True

    def acquire_lock(self) -> None:
        ttl = int(self.config.lease * 1000)
        if not self.redis.set(self.keys.ingester, self.token, nx=True, px=ttl):
            holder = self.redis.get(self.keys.ingester)
            raise AnotherIngesterRunning(
                f"another ingester ({holder.decode() if holder else '?'}) is draining {self.keys.items} "
                f"on {self.config.url}: SQLite takes one writer; stop it first, or wait "
                f"{self.config.lease:.0f} s if it was killed"
            )

    def owns_lock(self) -> bool:
        held = self.redis.get(self.keys.ingester)
        return held is not None and held.decode() == self.token

    def renew_lock(self) -> None:
        if not self.owns_lock():
            raise AnotherIngesterRunning("lost the ingester lock (stalled longer than ARCHIVE_REDIS_LEASE?)")
        self.redis.pexpire(self.keys.ingester, int(self.config.lease * 1000))

    def requeue_unacknowledged(self) -> None:
        """Messages a killed ingester took but never committed go back, oldest first."""
        moved = 0
        while self.redis.lmove(self.keys.processing, self.keys.items, "LEFT", "RIGHT") is not None:
            moved += 1
        if moved:
            logger.warning("Put back %d messages an earlier ingester took without storing", moved)

    def publish_known_urls(self) -> None:
        known = queries.known_urls(self.db)
        staging = f"{self.keys.known}:staging:{self.token}"
        pipe = self.redis.pipeline()
        pipe.delete(staging)
        urls = sorted(known)
        for start in range(0, len(urls), 1000):
            pipe.sadd(staging, *urls[start:start + 1000])
        if urls:
            pipe.rename(staging, self.keys.known)
        else:
            pipe.delete(self.keys.known)
        pipe.execute()
        logger.info("Published %d known article URLs to %s", len(urls), self.keys.known)

    # --- the loop ---------------------------------------------------------------------------

    def loop(self) -> None:
        idle_since: float | None = None
        while not self.stopping:
            self.renew_lock()
            batch = self.take_batch()
            if batch:
                idle_since = None
                self.handle_batch(batch)
                continue
            if self.crawl_is_running():
                idle_since = None
                continue
            now = time.monotonic()
            idle_since = idle_since or now
            if now - idle_since < self.config.idle_timeout:
                continue
            if self.crawl_id is not None:
                self.finish_crawl(self.crawl_status())
            if not self.forever:
                return
            idle_since = None

    def take_batch(self) -> list[bytes]:
        first = self.redis.blmove(self.keys.items, self.keys.processing, INGEST_POLL_SECONDS, "RIGHT", "LEFT")
        if first is None:
            return []
        batch = [first]
        while len(batch) < self.batch_size:
            message = self.redis.lmove(self.keys.items, self.keys.processing, "RIGHT", "LEFT")
            if message is None:
                break
            batch.append(message)
        return batch

    def crawl_is_running(self) -> bool:
        if live_workers(self.redis, self.keys):
            return True
        return False

    # --- one batch ----------------------------------------------------------------------------

    def handle_batch(self, batch: list[bytes]) -> None:
        if self.crawl_id is None:
            self.begin_crawl()
        articles: list[dict] = []
        teasers: dict[str, str] = {}
        for raw in batch:
            try:
                message = json.loads(raw)
            except ValueError:
                logger.error("Not a JSON message, dropped: %r", raw[:200])
                self.stats.inc_value("archive/errors")
                continue
            kind = message.get("kind")
            if kind == "article":
                record = self.accept_article(message["item"])
                if record is not None:
                    articles.append(record)
            elif kind == "teaser":
                if message.get("teaser"):
                    teasers[message["url"]] = message["teaser"]
            elif kind == "report":
                self.add_report(message)
            else:
                logger.error("Unknown message kind %r, dropped", kind)
        self.apply_shared_teasers(articles)
        result = writes.store_articles(self.db, articles, crawl_id=self.crawl_id)
        new = set(result.new)
        boilerplate.merge_counts(self.block_counts, boilerplate.count_blocks(a for a in articles if a["url"] in new),
                                 samples_from=boilerplate.MIN_NEW_ARTICLES)
        if teasers:
            self.store_better_teasers(teasers)
        self.stats.inc_value("archive/new", len(result.new))
        self.stats.inc_value("archive/updated", len(result.updated))
        self.stats.inc_value("archive/unchanged", len(result.unchanged))
        self.stats.inc_value("archive/duplicates", len(result.duplicates))
        stored = [a["url"] for a in articles] + [a["canonical_url"] for a in articles if a.get("canonical_url")]
        pipe = self.redis.pipeline()
        if stored:
            pipe.sadd(self.keys.known, *stored)
        # Committed: acknowledge the batch (this ingester is the processing list's only user).
        pipe.delete(self.keys.processing)
        pipe.execute()
        logger.info("Stored %d articles: %d new, %d updated, %d unchanged (%d messages)",
                    len(articles), len(result.new), len(result.updated), len(result.unchanged), len(batch))

    def accept_article(self, item: dict) -> dict | None:
        """Validate (``assembly.validate``, the rule of a single-process crawl's
        ValidatePipeline), then drop the second copy of a URL within the crawl, as its
        DedupePipeline does; both counted (``skipped``, ``duplicates``), not recorded in
        ``failures``: the ingester has no fetch to account for."""
        try:
            article = ArticleItem(**item)
        except TypeError as exc:
            logger.error("Malformed article message, dropped: %s", exc)
            self.stats.inc_value("archive/errors")
            return None
        why = validate(article, self.min_words)
        if why is not None:
            logger.info("Dropped: %s: %s", rejection_detail(why, article.extraction_warnings), article.url)
            self.stats.inc_value("archive/skipped")
            return None
        if not self.seen.accept(article.url, article.canonical_url):
            logger.info("Dropped: already archived in this crawl: %s", article.url)
            self.stats.inc_value("archive/duplicates")
            return None
        return dataclasses.asdict(article)

    def apply_shared_teasers(self, articles: list[dict]) -> None:
        """Use the best teaser the workers saw, as the single-process crawl does at its end."""
        if not articles:
            return
        raws = self.redis.hmget(self.keys.teasers, [a["url"] for a in articles])
        for article, raw in zip(articles, raws):
            teaser = json.loads(raw).get("teaser") if raw is not None else None
            if teaser and teaser != article.get("summary"):
                article["summary"] = teaser
                article["extraction_warnings"] = judge_teaser(
                    article.get("text"), article.get("extraction_warnings") or [], teaser)

    def store_better_teasers(self, teasers: dict[str, str]) -> None:
        """A better teaser for an article already stored: store it and judge
        'teaser-not-found' again by it (what StorePipeline does at the end of a crawl)."""
        better = {}
        for url, teaser in teasers.items():
            stored = queries.find_article(self.db, url)
            if stored is None or stored["summary"] == teaser:
                continue
            warnings = json.loads(stored["extraction_warnings"] or "[]")
            better[url] = (teaser, judge_teaser(stored["text"], warnings, teaser))
        if better:
            writes.update_summaries(self.db, better)

    def add_report(self, message: dict) -> None:
        for name, value in (message.get("counts") or {}).items():
            self.worker_counts[name] = self.worker_counts.get(name, 0) + int(value or 0)
        self.worker_statuses.append(message.get("status") or "ok")
        self.start_urls.update(message.get("start_urls") or [])

    # --- crawls rows ----------------------------------------------------------------------------

    def begin_crawl(self) -> None:
        self.stats.clear()
        self.worker_counts, self.worker_statuses = {}, []
        self.seen = FirstCopies()
        urls = sorted(raw.decode() for raw in self.redis.smembers(self.keys.start_urls))
        self.start_urls = set(urls)
        self.crawl_id = writes.start_crawl(self.db, urls)
        logger.info("Crawl %d: ingesting from %s into %s", self.crawl_id, self.keys.items, self.db_path)

    def crawl_status(self) -> str:
        waiting, inflight = count_live_work(self.redis, self.keys)
        if waiting or inflight:
            logger.warning("No worker is left but %d requests wait in Redis: start a worker to finish the crawl",
                           waiting + inflight)
            return "incomplete"
        statuses = self.worker_statuses
        if statuses and all(s == "failed" for s in statuses):
            return "failed"
        for status in statuses:
            if status not in ("ok", "limit", "failed"):
                return status
        return "limit" if "limit" in statuses else "ok"

    def finish_crawl(self, status: str) -> None:
        from archive_spider.pipelines import crawl_counts

        counts = crawl_counts(self.stats.get_stats())
        for name in ("requests", "pages", "errors", "skipped"):
            counts[name] = counts.get(name, 0) + self.worker_counts.get(name, 0)
        message = f"{len(self.worker_statuses)} workers reported" if self.worker_statuses else None
        writes.add_boilerplate_sightings(self.db, self.block_counts, min_new=boilerplate.MIN_NEW_ARTICLES)
        self.block_counts = {}
        writes.finish_crawl(self.db, self.crawl_id, status, counts, message)
        for name, value in counts.items():
            self.outcome.counts[name] = self.outcome.counts.get(name, 0) + value
        self.outcome.crawls.append(self.crawl_id)
        if status not in ("ok", "limit"):
            self.outcome.status = status
        logger.info("Crawl %d %s", self.crawl_id, status)
        self.crawl_id = None


def run_ingester(config: RedisConfig, db_path: str, *, forever: bool = False,
                 settings: BaseSettings | None = None) -> IngestOutcome:
    """Drain the item queue into the archive at ``db_path`` until the crawl is over
    (or, with ``forever``, until SIGTERM/SIGINT)."""
    if settings is None:
        settings = project_settings()
    ingester = Ingester.from_settings(settings, config, db_path, forever=forever)
    previous = {sig: signal.signal(sig, ingester.stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        return ingester.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
