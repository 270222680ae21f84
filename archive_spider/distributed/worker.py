"""A worker of a distributed crawl: the spider mixin, the item queue, known URLs, running one.

What makes a crawl a worker (scheduler, dupefilter, pipelines, middlewares) is the add-on's
job (``distributed/addon.py``); the mixin below enables it."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any
from collections.abc import AsyncIterator, Iterable

import redis
from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest, NotConfigured
from scrapy.settings import BaseSettings

from archive_spider.archive import schema
from archive_spider.distributed import addon
from archive_spider.vocabulary import ROLE, Role
from archive_spider.distributed.teasers import RedisTeaserBook
from archive_spider.distributed.keys import (
    WORKER_SPIDER, RedisConfig, RedisKeys, connect, count_live_work, no_crawl_to_join,
    wait_for_start_urls,
)

logger = logging.getLogger(__name__)


# --- worker: spider mixin -----------------------------------------------------------------

class RedisWorkerMixin:
    """Makes an ArticlesSpider a worker of a distributed crawl.

    scrapy-redis's RedisSpider reads start URLs through the ``start_requests()`` that
    Scrapy 2.19 no longer calls, and warns; this mixin covers what we need instead:

    - ``update_settings`` enables the worker add-on (``distributed/addon.py``), which
      switches the crawler to the Redis scheduler, dupefilter and item queue when
      ``ARCHIVE_REDIS_URL`` is set (so ``scrapy crawl articles_redis`` and Scrapyd need
      nothing else);
    - ``async start()`` records the crawl's start URLs in Redis and schedules them through
      the shared seen-set, so N workers given the same URLs fetch each once; a worker given
      none joins with the URLs of the running crawl, waiting up to its idle timeout for
      one to appear (``wait_for_start_urls``);
    - the teaser book is shared through Redis (distributed/teasers.py), as the
      single-process spider keeps it in memory;
    - on ``spider_idle``, the worker waits for work while any is waiting or in flight
      anywhere, and closes when there has been none for ARCHIVE_REDIS_IDLE_TIMEOUT seconds.
    """

    redis_config: RedisConfig
    redis: redis.Redis
    # The archive is the ingester's: a worker reads the whole listing every time.
    incremental_listing = False

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        addon.enable(settings)  # the add-on swaps scheduler, pipelines, middlewares

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        config = RedisConfig.from_settings(crawler.settings)
        client = connect(config.url)
        if not (kwargs.get("url") or kwargs.get("urls") or kwargs.get("config")):
            # Join the running crawl with its start URLs (they also say which hosts are
            # allowed), waiting for a first worker to register them.
            known = wait_for_start_urls(client, config)
            if not known:
                raise ValueError(no_crawl_to_join(config))
            kwargs["urls"] = known
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.redis_config = config
        spider.redis = client
        spider.redis_keys = config.keys
        spider._idle_since = None
        spider.teasers = RedisTeaserBook(client, config.keys)
        spider.redis_scheduler = None  # set by RedisScheduler.open
        crawler.signals.connect(spider.wait_for_work, signal=signals.spider_idle)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        if self.start_urls:
            self.redis.sadd(self.redis_keys.start_urls, *self.start_urls)
        async for request in super().start():
            # Through the shared seen-set: each start URL is fetched once per crawl, by
            # whichever worker schedules it first.
            yield request.replace(dont_filter=False) if hasattr(request, "replace") else request

    # --- idle and close -------------------------------------------------------------------

    def wait_for_work(self) -> None:
        scheduler = self.redis_scheduler
        if scheduler is not None and scheduler.requeue_dead_workers():
            logger.warning("Put back the in-flight requests of a worker that stopped")
        waiting, inflight = count_live_work(self.redis, self.redis_keys)
        if waiting or inflight:
            self._idle_since = None
            raise DontCloseSpider
        now = time.monotonic()
        if self._idle_since is None:
            self._idle_since = now
        if now - self._idle_since < self.redis_config.idle_timeout:
            raise DontCloseSpider
        logger.info("No work in the shared frontier for %.0f s: this worker stops", self.redis_config.idle_timeout)

    def report_to_ingester(self, reason: str) -> None:
        """The worker's counts (requests, errors...) go to the ingester for the crawls row;
        called by RedisScheduler.close, before the worker leaves the crawl."""
        from archive_spider.pipelines import crawl_counts, crawl_status

        stats = self.crawler.stats.get_stats()
        message = {
            "kind": "report",
            "worker": stats.get("archive/worker_id"),
            "crawl": stats.get("archive/redis_crawl"),
            "status": crawl_status(reason, stats),
            "start_urls": list(self.start_urls),
            "counts": crawl_counts(stats),
        }
        self.redis.lpush(self.redis_keys.items, json.dumps(message))


# --- worker: item queue and known URLs ----------------------------------------------------

class RedisComponent:
    """A Scrapy component of a worker that talks to the crawl's Redis: its stats, client, keys."""

    def __init__(self, crawler, client: redis.Redis, keys: RedisKeys):
        self.stats = crawler.stats
        self.redis = client
        self.keys = keys

    @classmethod
    def from_crawler(cls, crawler):
        config = RedisConfig.from_settings(crawler.settings)
        return cls(crawler, connect(config.url), config.keys)


class QueueItemsPipeline(RedisComponent):
    """Sends each extracted article to the ingester's queue in Redis (the worker's only pipeline)."""

    def process_item(self, item):
        # Synchronous on purpose: once process_item returns the article is in Redis, which
        # is what lets the scheduler count the request as done.
        message = {"kind": "article", "item": ItemAdapter(item).asdict()}
        self.redis.lpush(self.keys.items, json.dumps(message, ensure_ascii=False))
        self.stats.inc_value("archive/queued")
        return item


class SharedKnownUrlsMiddleware(RedisComponent):
    """IncrementalMiddleware for workers: asks the known-URL set the ingester publishes.

    A worker may run where the archive is not; the ingester copies the archive's article
    URLs into ``P:known`` when it starts and adds each URL it stores.
    """

    @classmethod
    def from_crawler(cls, crawler):
        if crawler.settings.get("ARCHIVE_REVISIT") == "always":
            raise NotConfigured("ARCHIVE_REVISIT=always: every article is fetched again")
        return super().from_crawler(crawler)

    def process_request(self, request):
        if request.meta.get(ROLE) != Role.ARTICLE:
            return None
        if self.redis.sismember(self.keys.known, request.url):
            self.stats.inc_value("archive/known_skipped")
            raise IgnoreRequest(f"already archived: {request.url}")
        return None


# --- worker: running one --------------------------------------------------------------------

@dataclass
class WorkerOutcome:
    worker_id: str | None
    status: str
    counts: dict[str, int]
    queued: int
    seconds: float
    redis_url: str

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "limit")

    def summary(self) -> str:
        c = self.counts
        return (
            f"worker {self.worker_id} {self.status}: {self.queued} articles queued for the ingester, "
            f"{c.get('skipped', 0)} skipped, {c.get('errors', 0)} errors; "
            f"{c.get('requests', 0)} requests in {self.seconds:.1f} s -> {self.redis_url}"
        )


def run_worker(start_urls: Iterable[str], options, config: RedisConfig) -> WorkerOutcome:
    """Run one worker of the distributed crawl in this process until the frontier stays empty.

    ``options`` is a crawl.CrawlOptions; its ``db_path`` is not used (workers do not write).
    """
    from scrapy.crawler import CrawlerProcess

    from archive_spider.crawl import build_settings, spider_arguments
    from archive_spider.pipelines import crawl_counts, crawl_status

    urls = list(start_urls)
    # Fail before Scrapy starts, in one line, if Redis is not there or no crawl to join
    # appears within the idle timeout.
    client = connect(config.url)
    try:
        if not urls and not options.config and not wait_for_start_urls(client, config):
            raise schema.ArchiveError(no_crawl_to_join(config))
    finally:
        client.close()
    settings = build_settings(options)
    settings.setdict({
        "ARCHIVE_REDIS_URL": config.url,
        "ARCHIVE_REDIS_KEY": config.key,
        "ARCHIVE_REDIS_IDLE_TIMEOUT": config.idle_timeout,
        "ARCHIVE_REDIS_LEASE": config.lease,
    }, priority="cmdline")
    started = time.monotonic()
    process = CrawlerProcess(settings)
    # By name, through SPIDER_MODULES: distributed/spider.py imports this module.
    crawler = process.create_crawler(WORKER_SPIDER)
    arguments = spider_arguments(options)  # --config, --site, --discover, checked now
    if urls:
        arguments["urls"] = urls
    process.crawl(crawler, **arguments)
    process.start()
    seconds = time.monotonic() - started
    stats = crawler.stats.get_stats() if crawler.stats else {}
    reason = stats.get("finish_reason")
    if reason is None:
        return WorkerOutcome(None, "failed", {}, 0, seconds, config.url)
    return WorkerOutcome(
        stats.get("archive/worker_id"), crawl_status(reason, stats), crawl_counts(stats),
        stats.get("archive/queued", 0), seconds, config.url,
    )


