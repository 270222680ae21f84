"""The worker's scheduler: scrapy-redis's, with in-flight leases (see docs/distributed.md)."""

from __future__ import annotations

import logging
from typing import Any

import redis
from scrapy import signals
from scrapy.utils.misc import load_object
from scrapy_redis.scheduler import Scheduler as ScrapyRedisScheduler
from twisted.internet import task

from archive_spider.distributed import scrapy_hooks
from archive_spider.distributed.keys import (
    ENQUEUE_SCRIPT, JOIN_SCRIPT, REQUEUE_DEAD_SCRIPT, TAKE_SCRIPT, RedisConfig, RedisKeys,
    new_worker_id,
)

logger = logging.getLogger(__name__)


# --- worker: scheduler --------------------------------------------------------------------

class RedisScheduler(ScrapyRedisScheduler):
    """scrapy-redis's scheduler, made reliable and quiet on Scrapy 2.19.

    - A request taken from the frontier moves to this worker's in-flight set and leaves it
      only when the engine has finished with it, so a killed worker loses nothing.
    - The worker holds a lease in Redis, renewed every third of ARCHIVE_REDIS_LEASE.
    - A worker whose parser is behind (ARCHIVE_REDIS_BACKLOG responses waiting for it)
      takes no more requests, so that idle workers get them: extraction is CPU-bound, and a
      worker that grabbed all it could download would keep the others idle.
    - Stats are counted without the ``spider`` argument, and nothing logs through
      ``Spider.log()``: both are deprecated in Scrapy 2.19.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.crawler = None
        self.config: RedisConfig | None = None
        self.worker_id = new_worker_id()
        self.leases: dict[Any, bytes] = {}
        self.waiting_for_parser: set[Any] = set()
        self.crawl_number = 0
        self.started_new_crawl = False
        self._renewal: task.LoopingCall | None = None
        self._take = self.server.register_script(TAKE_SCRIPT)
        self._enqueue = self.server.register_script(ENQUEUE_SCRIPT)
        self._requeue_dead = self.server.register_script(REQUEUE_DEAD_SCRIPT)

    @classmethod
    def from_crawler(cls, crawler):
        scheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        scheduler.config = RedisConfig.from_settings(crawler.settings)
        scrapy_hooks.poll_often(crawler.engine)
        return scheduler

    @property
    def keys(self) -> RedisKeys:
        return self.config.keys

    def open(self, spider):
        # scrapy-redis's open(), without its Spider.log() call (deprecated in Scrapy 2.19).
        self.spider = spider
        self.queue = load_object(self.queue_cls)(
            server=self.server, spider=spider, key=self.queue_key % {"spider": spider.name},
            serializer=self.serializer,
        )
        if not self.df:
            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        if self.flush_on_start:
            self.flush()
        if waiting := len(self.queue):
            logger.info("Resuming crawl (%d requests waiting)", waiting)
        keys = self.keys
        join = self.server.register_script(JOIN_SCRIPT)
        new, number, requeued = join(
            keys=[keys.workers, keys.requests, keys.dupefilter, keys.crawl, keys.start_urls,
                  keys.teasers, keys.teaser_ranks],
            args=[keys.prefix, self.worker_id, int(self.config.lease * 1000)],
        )
        self.started_new_crawl, self.crawl_number = bool(new), int(number)
        if requeued:
            logger.warning("Put back %d requests of workers that stopped without finishing", requeued)
        logger.info(
            "Worker %s %s crawl %d on %s (key prefix %r)", self.worker_id,
            "started" if new else "joined", self.crawl_number, self.config.url, keys.prefix,
        )
        spider.redis_scheduler = self
        self.crawler.stats.set_value("archive/worker_id", self.worker_id)
        self.crawler.stats.set_value("archive/redis_crawl", self.crawl_number)
        self._renewal = task.LoopingCall(self.renew_lease)
        self._renewal.start(max(0.1, self.config.lease / 3), now=False)
        scrapy_hooks.on_request_done(self.crawler.engine, self.request_done)
        self.crawler.signals.connect(self.response_received, signal=signals.response_received)

    def renew_lease(self) -> None:
        try:
            self.server.set(self.keys.worker(self.worker_id), "1", px=int(self.config.lease * 1000))
        except redis.RedisError as exc:  # a blip must not kill the crawl; the next renewal retries
            logger.warning("Could not renew the worker lease: %s", exc)

    def close(self, reason):
        if self._renewal is not None and self._renewal.running:
            self._renewal.stop()
        # Report before leaving: the ingester ends the crawl once no worker is left.
        report = getattr(self.spider, "report_to_ingester", None)
        if report is not None:
            report(reason)
        keys = self.keys
        # The engine has finished every request it took (Scrapy waits for them before
        # closing), so whatever is still in flight was never started: give it back.
        leftover = self.server.zrange(keys.inflight(self.worker_id), 0, -1, withscores=True)
        pipe = self.server.pipeline()
        for member, score in leftover:
            pipe.zadd(keys.requests, {member: score})
        pipe.delete(keys.inflight(self.worker_id), keys.worker(self.worker_id))
        pipe.srem(keys.workers, self.worker_id)
        pipe.execute()
        super().close(reason)

    def enqueue_request(self, request):
        if request.dont_filter:
            self.queue.push(request)
        else:
            # What scrapy-redis does in two steps (dupefilter, then queue), in one.
            queued = self._enqueue(keys=[self.df.key, self.queue.key], args=[
                self.df.request_fingerprint(request), -request.priority, self.queue._encode_request(request),
            ])
            if not queued:
                self.df.log(request, self.spider)
                return False
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def response_received(self, response, request, spider=None) -> None:
        if request in self.leases:
            self.waiting_for_parser.add(request)

    def next_request(self):
        if len(self.waiting_for_parser) >= self.config.backlog:
            return None  # busy parsing: leave the frontier to idle workers
        encoded = self._take(keys=[self.keys.requests, self.keys.inflight(self.worker_id)])
        if encoded is None:
            return None
        request = self.queue._decode_request(encoded)
        self.leases[request] = encoded
        self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def request_done(self, request) -> None:
        """The engine has finished with ``request``: its items are queued, its links scheduled."""
        self.waiting_for_parser.discard(request)
        encoded = self.leases.pop(request, None)
        if encoded is not None:
            self.server.zrem(self.keys.inflight(self.worker_id), encoded)

    def requeue_dead_workers(self) -> int:
        return int(self._requeue_dead(keys=[self.keys.workers, self.keys.requests], args=[self.keys.prefix]))
