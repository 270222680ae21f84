"""Several workers, one archive: the frontier in Redis, one writer for SQLite.

A distributed crawl has three kinds of process, all meeting in one Redis database:

- **workers** (``archive-spider crawl --redis URL``, or the ``articles_redis`` spider under
  Scrapyd) fetch and extract. Their scheduler and dupefilter are scrapy-redis's, so they
  share one frontier and one seen-set; what they extract goes to a Redis list instead of
  SQLite. They never open the archive.
- **the ingester** (``archive-spider ingest --redis URL --db PATH``) is the only process
  that writes SQLite. It drains that list in batches through the same validate and dedupe
  pipelines and the same ``storage.store_articles`` as a single-process crawl, and
  publishes the archive's known URLs back to Redis so that workers skip them.
- **Redis** holds everything in between, under one key prefix (``ARCHIVE_REDIS_KEY``).

Nothing is lost when a process is killed:

- a worker moves each request it takes from the frontier to its own in-flight set and
  removes it only when Scrapy is done with it (downloaded, parsed, its items queued and
  its links scheduled). A worker that stops renewing its lease is dead: the next worker
  that looks (any of them, whenever it is idle or starts) puts its in-flight requests
  back in the frontier.
- the ingester moves each message it takes to a processing list and deletes it only once
  the SQLite transaction holding it has committed; at start it puts back what a killed
  ingester left there. Storing is idempotent (an article stored twice is "unchanged"), so
  a message handled twice does no harm.

Keys, all under the prefix ``P`` (default ``archive``)::

    P:requests        sorted set  the frontier (scrapy-redis PriorityQueue)
    P:dupefilter      set         fingerprints of the requests scheduled in this crawl
    P:workers         set         ids of the workers that joined the crawl
    P:worker:ID       string      a worker's lease; expires ARCHIVE_REDIS_LEASE s after its last renewal
    P:inflight:ID     sorted set  requests worker ID has taken and not finished
    P:crawl           integer     number of the current crawl (a new one starts when a worker
                                  finds no live worker and an empty frontier)
    P:start_urls      set         start URLs of the current crawl (workers without URLs join with them)
    P:teasers         hash        article URL -> best teaser seen in this crawl (JSON)
    P:teaser_ranks    hash        article URL -> rank of that teaser
    P:items           list        messages for the ingester: articles, better teasers, worker reports
    P:items:processing list       messages the ingester has taken and not committed yet
    P:ingester        string      the ingester's lock: one writer at a time
    P:known           set         article URLs the archive holds, published by the ingester
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import time
import uuid
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, AsyncIterator, Iterable

import redis
from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, DropItem, IgnoreRequest, NotConfigured
from scrapy.settings import BaseSettings, Settings
from scrapy.utils.misc import load_object
from scrapy_redis.scheduler import Scheduler as ScrapyRedisScheduler
from twisted.internet import task

from archive_spider import boilerplate, storage
from archive_spider.middlewares import ROLE, ROLE_ARTICLE

logger = logging.getLogger(__name__)

ENV_REDIS_URL = "ARCHIVE_REDIS_URL"
DEFAULT_KEY = "archive"
# How often an idle worker looks at the shared frontier again. Scrapy's own engine
# heartbeat is 5 s, which would leave workers waiting seconds for work another one queued.
IDLE_POLL_SECONDS = 0.2
# The ingester blocks this long on an empty queue before checking whether the crawl is over.
INGEST_POLL_SECONDS = 1


class RedisKeys:
    """Names of every Redis key of one distributed crawl, from its prefix (see above)."""

    def __init__(self, prefix: str = DEFAULT_KEY):
        self.prefix = prefix
        self.requests = f"{prefix}:requests"
        self.dupefilter = f"{prefix}:dupefilter"
        self.workers = f"{prefix}:workers"
        self.crawl = f"{prefix}:crawl"
        self.start_urls = f"{prefix}:start_urls"
        self.teasers = f"{prefix}:teasers"
        self.teaser_ranks = f"{prefix}:teaser_ranks"
        self.items = f"{prefix}:items"
        self.processing = f"{prefix}:items:processing"
        self.ingester = f"{prefix}:ingester"
        self.known = f"{prefix}:known"

    def worker(self, worker_id: str) -> str:
        return f"{self.prefix}:worker:{worker_id}"

    def inflight(self, worker_id: str) -> str:
        return f"{self.prefix}:inflight:{worker_id}"


@dataclass(frozen=True)
class RedisConfig:
    """The distributed settings of a worker or an ingester."""

    url: str
    key: str = DEFAULT_KEY
    idle_timeout: float = 30.0
    lease: float = 60.0
    backlog: int = 2

    @property
    def keys(self) -> RedisKeys:
        return RedisKeys(self.key)

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> "RedisConfig":
        url = settings.get("ARCHIVE_REDIS_URL") or os.environ.get(ENV_REDIS_URL)
        if not url:
            raise NotConfigured("no Redis URL: set ARCHIVE_REDIS_URL (setting or environment variable)")
        return cls(
            url=url,
            key=settings.get("ARCHIVE_REDIS_KEY") or DEFAULT_KEY,
            idle_timeout=settings.getfloat("ARCHIVE_REDIS_IDLE_TIMEOUT", 30.0),
            lease=settings.getfloat("ARCHIVE_REDIS_LEASE", 60.0),
            backlog=settings.getint("ARCHIVE_REDIS_BACKLOG", 2),
        )


def connect(url: str) -> redis.Redis:
    """A Redis client for ``url``; fails now, with a one-line reason, if Redis is not there."""
    client = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10, retry_on_timeout=True)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise storage.ArchiveError(f"cannot reach Redis at {url}: {exc}") from None
    return client


def new_worker_id() -> str:
    """Readable in ``redis-cli``: the host, the process and a few random characters."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


# --- worker settings ----------------------------------------------------------------------

def worker_settings(settings: BaseSettings) -> dict[str, Any]:
    """What turns a single-process crawl into a worker of a distributed one."""
    config = RedisConfig.from_settings(settings)
    keys = config.keys
    middlewares = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
    # The archive may be on another machine: known URLs come from Redis instead.
    middlewares["archive_spider.middlewares.IncrementalMiddleware"] = None
    middlewares["archive_spider.distributed.SharedKnownUrlsMiddleware"] = 50
    # Raw pages are kept by single-process crawls only: a worker has no archive beside it
    # to index its WARC records in (docs/distributed.md, limits).
    middlewares["archive_spider.warc.WarcMiddleware"] = None
    return {
        "ARCHIVE_REDIS_URL": config.url,
        "SCHEDULER": "archive_spider.distributed.RedisScheduler",
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "SCHEDULER_QUEUE_KEY": keys.requests,
        "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter,
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        # Several workers share the frontier: the first to finish must not clear it.
        "SCHEDULER_PERSIST": True,
        "REDIS_URL": config.url,
        "DOWNLOADER_MIDDLEWARES": middlewares,
        # Workers do not write SQLite: validate, dedupe and store run in the ingester.
        "ITEM_PIPELINES": {"archive_spider.distributed.QueueItemsPipeline": 300},
    }


# --- Lua scripts: each a single atomic step on the shared state ---------------------------

# Puts the in-flight requests of workers whose lease has expired back in the frontier.
# KEYS: workers set, frontier. ARGV: key prefix. Returns the number of requests put back.
_REQUEUE_DEAD = """
local moved = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[1] .. ':worker:' .. id) == 0 then
    local inflight = ARGV[1] .. ':inflight:' .. id
    local entries = redis.call('ZRANGE', inflight, 0, -1, 'WITHSCORES')
    for i = 1, #entries, 2 do
      redis.call('ZADD', KEYS[2], entries[i + 1], entries[i])
      moved = moved + 1
    end
    redis.call('DEL', inflight)
    redis.call('SREM', KEYS[1], id)
  end
end
"""

REQUEUE_DEAD_SCRIPT = _REQUEUE_DEAD + "return moved\n"

# A worker joins: dead workers are requeued; if nobody is alive and nothing is waiting,
# this worker starts a new crawl (the seen-set and teasers of the last one are forgotten).
# KEYS: workers, frontier, dupefilter, crawl counter, start_urls, teasers, teaser_ranks.
# ARGV: prefix, worker id, lease seconds. Returns {1 if a new crawl, crawl number, requeued}.
JOIN_SCRIPT = _REQUEUE_DEAD + """
local live = redis.call('SCARD', KEYS[1])
local new = 0
if live == 0 and redis.call('ZCARD', KEYS[2]) == 0 then
  redis.call('DEL', KEYS[3], KEYS[5], KEYS[6], KEYS[7])
  redis.call('INCR', KEYS[4])
  new = 1
end
redis.call('SET', ARGV[1] .. ':worker:' .. ARGV[2], '1', 'PX', ARGV[3])
redis.call('SADD', KEYS[1], ARGV[2])
return {new, tonumber(redis.call('GET', KEYS[4]) or '0'), moved}
"""

# Schedules a request unless this crawl has seen it: both in one step, so that a worker
# killed in between cannot leave a request marked as seen that was never queued.
# KEYS: dupefilter, frontier. ARGV: fingerprint, score, encoded request. Returns 1 if queued.
ENQUEUE_SCRIPT = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""

# Takes the best request off the frontier into the worker's in-flight set.
# KEYS: frontier, in-flight. Returns the encoded request or nil.
TAKE_SCRIPT = """
local entries = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #entries == 0 then return nil end
redis.call('ZREM', KEYS[1], entries[1])
redis.call('ZADD', KEYS[2], entries[2], entries[1])
return entries[1]
"""

# Keeps the best teaser per article; when one is better than all before it, queues a
# message so the ingester updates an article it may already have stored.
# KEYS: teasers, teaser_ranks, items. ARGV: url, link JSON, rank, message JSON.
BETTER_TEASER_SCRIPT = """
local old = redis.call('HGET', KEYS[2], ARGV[1])
if old and tonumber(old) >= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('LPUSH', KEYS[3], ARGV[4])
return 1
"""


def count_live_work(client: redis.Redis, keys: RedisKeys) -> tuple[int, int]:
    """(requests waiting in the frontier, requests in flight at live workers)."""
    waiting = client.zcard(keys.requests)
    inflight = 0
    for raw in client.smembers(keys.workers):
        inflight += client.zcard(keys.inflight(raw.decode()))
    return waiting, inflight


# How often a worker started without URLs looks again for a crawl to join.
JOIN_POLL_SECONDS = 0.2


def wait_for_start_urls(client: redis.Redis, config: RedisConfig) -> list[str]:
    """The start URLs of the crawl on ``config``'s Redis, for a worker given none. Workers
    started at the same moment race: one without URLs may look before the first has
    registered them, so it waits for them up to its idle timeout. [] if none came."""
    deadline = time.monotonic() + config.idle_timeout
    waiting = False
    while True:
        known = sorted(raw.decode() for raw in client.smembers(config.keys.start_urls))
        left = deadline - time.monotonic()
        if known or left <= 0:
            if waiting:
                logger.info("%s", f"A crawl appeared on {config.url}" if known else "No crawl appeared")
            return known
        if not waiting:
            logger.info("No crawl on %s (key prefix %r) yet: waiting up to %.0f s for a worker with URLs",
                        config.url, config.key, config.idle_timeout)
            waiting = True
        time.sleep(min(JOIN_POLL_SECONDS, left))


def no_crawl_to_join(config: RedisConfig) -> str:
    return (f"no start URLs: give some, or start a first worker with URLs on {config.url} "
            f"(key prefix {config.key!r}); none appeared within the idle timeout ({config.idle_timeout:g} s)")


def live_workers(client: redis.Redis, keys: RedisKeys) -> list[str]:
    ids = [raw.decode() for raw in client.smembers(keys.workers)]
    return [i for i in ids if client.exists(keys.worker(i))]


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
        hook_engine(crawler.engine)
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
        on_request_done(self.crawler.engine, self.request_done)
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


# Scrapy has no public signal for "the engine is done with this request" (after its
# callback ran, its items went through the pipelines and its new requests were
# scheduled); the engine slot's remove_request is that moment, so we wrap it. Scrapy is
# pinned below 2.20 and tests/test_distributed.py fails loudly if this moves.
def hook_engine(engine) -> None:
    # Poll the shared frontier often while idle (the engine's default heartbeat is 5 s).
    engine._SLOT_HEARTBEAT_INTERVAL = IDLE_POLL_SECONDS


def on_request_done(engine, callback) -> None:
    slot = getattr(engine, "_slot", None)
    if slot is None or not callable(getattr(slot, "remove_request", None)):
        raise RuntimeError("this Scrapy version has no engine slot to hook: distributed mode needs Scrapy 2.19")
    original = slot.remove_request

    def remove_request(request):
        original(request)
        callback(request)

    slot.remove_request = remove_request


# --- worker: spider mixin -----------------------------------------------------------------

def teaser_rank(link) -> int:
    """The teaser order of ``articles.teaser_quality`` as one integer, for Redis to compare."""
    from archive_spider.spiders.articles import teaser_quality

    has_text, uncut, length = teaser_quality(link)
    return (int(has_text) << 41) | (int(uncut) << 40) | min(length, (1 << 40) - 1)


def link_to_json(link) -> str:
    return json.dumps({"url": link.url, "title": link.title, "teaser": link.teaser,
                       "published": link.published}, ensure_ascii=False)


def link_from_json(raw: bytes | str):
    from archive_spider.discovery import ArticleLink

    data = json.loads(raw)
    return ArticleLink(url=data["url"], title=data.get("title"), teaser=data.get("teaser"),
                       published=data.get("published"))


class RedisWorkerMixin:
    """Makes an ArticlesSpider a worker of a distributed crawl.

    scrapy-redis's RedisSpider reads start URLs through the ``start_requests()`` that
    Scrapy 2.19 no longer calls, and warns; this mixin covers what we need instead:

    - ``update_settings`` switches the crawler to the Redis scheduler, dupefilter and item
      queue when ``ARCHIVE_REDIS_URL`` is set (so ``scrapy crawl articles_redis`` and
      Scrapyd need nothing else);
    - ``async start()`` records the crawl's start URLs in Redis and schedules them through
      the shared seen-set, so N workers given the same URLs fetch each once; a worker given
      none joins with the URLs of the running crawl, waiting up to its idle timeout for
      one to appear (``wait_for_start_urls``);
    - the best teaser per article is shared through Redis, as the single-process spider
      keeps it in memory;
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
        settings.setdict(worker_settings(settings), priority="spider")

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
        spider._better_teaser = client.register_script(BETTER_TEASER_SCRIPT)
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

    # --- teasers shared between workers ---------------------------------------------------

    def remember_teaser(self, link) -> None:
        best = self.teasers.get(link.url)
        super().remember_teaser(link)
        if self.teasers.get(link.url) is best:
            return  # not better than what this worker already shared
        message = json.dumps({"kind": "teaser", "url": link.url, "teaser": link.teaser}, ensure_ascii=False)
        keys = self.redis_keys
        self._better_teaser(keys=[keys.teasers, keys.teaser_ranks, keys.items],
                            args=[link.url, link_to_json(link), teaser_rank(link), message])

    def best_teaser(self, first_url, teaser):
        """The fullest teaser any worker of the crawl has seen for this article."""
        from archive_spider.spiders.articles import teaser_quality
        from archive_spider.urls import normalise_url

        url = normalise_url(first_url)
        raw = self.redis.hget(self.redis_keys.teasers, url)
        if raw is not None:
            shared = link_from_json(raw)
            local = self.teasers.get(url)
            if local is None or teaser_quality(shared) > teaser_quality(local):
                self.teasers[url] = shared
        return super().best_teaser(first_url, teaser)

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

class QueueItemsPipeline:
    """Sends each extracted article to the ingester's queue in Redis (the worker's only pipeline)."""

    def __init__(self, crawler, client: redis.Redis, keys: RedisKeys):
        self.stats = crawler.stats
        self.redis = client
        self.keys = keys

    @classmethod
    def from_crawler(cls, crawler):
        config = RedisConfig.from_settings(crawler.settings)
        return cls(crawler, connect(config.url), config.keys)

    def process_item(self, item):
        # Synchronous on purpose: once process_item returns the article is in Redis, which
        # is what lets the scheduler count the request as done.
        message = {"kind": "article", "item": ItemAdapter(item).asdict()}
        self.redis.lpush(self.keys.items, json.dumps(message, ensure_ascii=False))
        self.stats.inc_value("archive/queued")
        return item


class SharedKnownUrlsMiddleware:
    """IncrementalMiddleware for workers: asks the known-URL set the ingester publishes.

    A worker may run where the archive is not; the ingester copies the archive's article
    URLs into ``P:known`` when it starts and adds each URL it stores.
    """

    def __init__(self, crawler, client: redis.Redis, keys: RedisKeys):
        self.stats = crawler.stats
        self.redis = client
        self.keys = keys

    @classmethod
    def from_crawler(cls, crawler):
        if crawler.settings.get("ARCHIVE_REVISIT", "never") == "always":
            raise NotConfigured("ARCHIVE_REVISIT=always: every article is fetched again")
        config = RedisConfig.from_settings(crawler.settings)
        return cls(crawler, connect(config.url), config.keys)

    def process_request(self, request):
        if request.meta.get(ROLE) != ROLE_ARTICLE:
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
    from archive_spider.spiders.articles_redis import DistributedArticlesSpider

    urls = list(start_urls)
    # Fail before Scrapy starts, in one line, if Redis is not there or no crawl to join
    # appears within the idle timeout.
    client = connect(config.url)
    try:
        if not urls and not options.config and not wait_for_start_urls(client, config):
            raise storage.ArchiveError(no_crawl_to_join(config))
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
    crawler = process.create_crawler(DistributedArticlesSpider)
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


# --- the ingester ---------------------------------------------------------------------------

class IngestStats:
    """The part of Scrapy's stats collector the pipelines use."""

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


class AnotherIngesterRunning(storage.ArchiveError):
    pass


class Ingester:
    """Drains the workers' item queue into the archive: the only writer of SQLite.

    Each batch is taken with LMOVE into ``P:items:processing``, validated, deduplicated and
    stored in one transaction by ``storage.store_articles``; only then is it deleted from
    Redis. A crawl of the workers becomes one row of ``crawls``, finished when nothing has
    been waiting, in flight or queued for ``idle_timeout`` seconds.
    """

    def __init__(self, config: RedisConfig, db_path: str, *, batch_size: int = 50, min_words: int = 30,
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
        self.worker_counts: dict[str, int] = {}
        self.worker_statuses: list[str] = []
        self.start_urls: set[str] = set()
        self.outcome = IngestOutcome(db_path=db_path)
        # Paragraph counts of the articles this crawl stored new (boilerplate.py).
        self.block_counts: dict[tuple[str, str], tuple[str | None, int]] = {}

    @classmethod
    def from_settings(cls, settings: BaseSettings, config: RedisConfig, db_path: str, forever: bool = False):
        return cls(config, db_path, batch_size=settings.getint("ARCHIVE_BATCH_SIZE", 50),
                   min_words=settings.getint("ARCHIVE_MIN_WORDS", 30), forever=forever)

    # --- lifecycle ------------------------------------------------------------------------

    def run(self) -> IngestOutcome:
        started = time.monotonic()
        self.acquire_lock()
        try:
            self.db = storage.open_db(self.db_path)
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
        known = storage.known_urls(self.db)
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
        result = storage.store_articles(self.db, articles, crawl_id=self.crawl_id)
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
        """Validate then dedupe, with the very pipelines of a single-process crawl."""
        from archive_spider.items import ArticleItem

        try:
            article = ArticleItem(**item)
        except TypeError as exc:
            logger.error("Malformed article message, dropped: %s", exc)
            self.stats.inc_value("archive/errors")
            return None
        try:
            for pipeline in self.pipelines:
                article = pipeline.process_item(article)
        except DropItem as exc:
            logger.info("Dropped: %s", exc)
            return None
        return ItemAdapter(article).asdict()

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
            stored = storage.find_article(self.db, url)
            if stored is None or stored["summary"] == teaser:
                continue
            warnings = json.loads(stored["extraction_warnings"] or "[]")
            better[url] = (teaser, judge_teaser(stored["text"], warnings, teaser))
        if better:
            storage.update_summaries(self.db, better)

    def add_report(self, message: dict) -> None:
        for name, value in (message.get("counts") or {}).items():
            self.worker_counts[name] = self.worker_counts.get(name, 0) + int(value or 0)
        self.worker_statuses.append(message.get("status") or "ok")
        self.start_urls.update(message.get("start_urls") or [])

    # --- crawls rows ----------------------------------------------------------------------------

    def begin_crawl(self) -> None:
        from archive_spider.pipelines import DedupePipeline, ValidatePipeline

        self.stats.clear()
        self.worker_counts, self.worker_statuses = {}, []
        crawler = SimpleNamespace(stats=self.stats, settings=Settings())
        self.pipelines = [ValidatePipeline(crawler, self.min_words), DedupePipeline(crawler)]
        urls = sorted(raw.decode() for raw in self.redis.smembers(self.keys.start_urls))
        self.start_urls = set(urls)
        self.crawl_id = storage.start_crawl(self.db, urls)
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
        storage.add_boilerplate_sightings(self.db, self.block_counts, min_new=boilerplate.MIN_NEW_ARTICLES)
        self.block_counts = {}
        storage.finish_crawl(self.db, self.crawl_id, status, counts, message)
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
        settings = Settings()
        settings.setmodule("archive_spider.settings", priority="project")
    ingester = Ingester.from_settings(settings, config, db_path, forever=forever)
    previous = {sig: signal.signal(sig, ingester.stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        return ingester.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
