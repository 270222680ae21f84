"""Redis for a distributed crawl: the keys, the connection, the Lua steps on the shared state."""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass

import redis
from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings

from archive_spider import settings as defaults
from archive_spider.archive import schema

logger = logging.getLogger(__name__)


ENV_REDIS_URL = "ARCHIVE_REDIS_URL"
# The worker spider (distributed/spider.py), found by name through SPIDER_MODULES.
WORKER_SPIDER = "articles_redis"
# How often an idle worker looks at the shared frontier again. Scrapy's own engine
# heartbeat is 5 s, which would leave workers waiting seconds for work another one queued.
IDLE_POLL_SECONDS = 0.2
# The ingester blocks this long on an empty queue before checking whether the crawl is over.
INGEST_POLL_SECONDS = 1


class RedisKeys:
    """Names of every Redis key of one distributed crawl, from its prefix (see above)."""

    def __init__(self, prefix: str = defaults.ARCHIVE_REDIS_KEY):
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
    """The distributed settings of a worker or an ingester; the defaults are settings.py's."""

    url: str
    key: str = defaults.ARCHIVE_REDIS_KEY
    idle_timeout: float = defaults.ARCHIVE_REDIS_IDLE_TIMEOUT
    lease: float = defaults.ARCHIVE_REDIS_LEASE
    backlog: int = defaults.ARCHIVE_REDIS_BACKLOG

    @property
    def keys(self) -> RedisKeys:
        return RedisKeys(self.key)

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> RedisConfig:
        """From Scrapy settings that include the project's (``settings.project_settings()``)."""
        url = settings.get("ARCHIVE_REDIS_URL") or os.environ.get(ENV_REDIS_URL)
        if not url:
            raise NotConfigured("no Redis URL: set ARCHIVE_REDIS_URL (setting or environment variable)")
        return cls(
            url=url,
            key=settings.get("ARCHIVE_REDIS_KEY"),
            idle_timeout=settings.getfloat("ARCHIVE_REDIS_IDLE_TIMEOUT"),
            lease=settings.getfloat("ARCHIVE_REDIS_LEASE"),
            backlog=settings.getint("ARCHIVE_REDIS_BACKLOG"),
        )


def connect(url: str) -> redis.Redis:
    """A Redis client for ``url``; fails now, with a one-line reason, if Redis is not there."""
    client = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10, retry_on_timeout=True)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise schema.ArchiveError(f"cannot reach Redis at {url}: {exc}") from None
    return client


def new_worker_id() -> str:
    """Readable in ``redis-cli``: the host, the process and a few random characters."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"



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


