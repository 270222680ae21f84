"""The Scrapy add-on that makes a crawl a worker of a distributed crawl (Scrapy's ``ADDONS``).

The ``articles_redis`` spider (``distributed/spider.py``) lists it in ``ADDONS``, so
``archive-spider crawl --redis URL``, ``scrapy crawl articles_redis -s ARCHIVE_REDIS_URL=...``
and Scrapyd all get the same worker. Without a Redis URL (setting or environment variable)
the add-on is disabled and says why.
"""

from __future__ import annotations

from scrapy.settings import BaseSettings

from archive_spider.distributed.keys import RedisConfig

ADDON_PATH = "archive_spider.distributed.addon.WorkerAddon"


class WorkerAddon:
    """Swaps what a single-process crawl uses for what a worker shares through Redis:
    scrapy-redis's scheduler, queue and dupefilter on the crawl's keys, the known-URL set
    in Redis instead of the archive, and the item queue instead of SQLite."""

    def update_settings(self, settings: BaseSettings) -> None:
        config = RedisConfig.from_settings(settings)  # NotConfigured without a Redis URL
        keys = config.keys
        middlewares = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
        # The archive may be on another machine: known URLs come from Redis instead.
        middlewares["archive_spider.middlewares.IncrementalMiddleware"] = None
        middlewares["archive_spider.distributed.worker.SharedKnownUrlsMiddleware"] = 50
        # Raw pages are kept by single-process crawls only: a worker has no archive beside it
        # to index its WARC records in (docs/distributed.md, limits).
        middlewares["archive_spider.archive.warc.WarcMiddleware"] = None
        # At the spider's priority, as the worker spider did before add-ons: above the
        # project's settings.py (which names the single-process pipelines), below -s.
        settings.setdict({
            "ARCHIVE_REDIS_URL": config.url,
            "SCHEDULER": "archive_spider.distributed.scheduler.RedisScheduler",
            "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
            "SCHEDULER_QUEUE_KEY": keys.requests,
            "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter,
            "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
            # Several workers share the frontier: the first to finish must not clear it.
            "SCHEDULER_PERSIST": True,
            "REDIS_URL": config.url,
            "DOWNLOADER_MIDDLEWARES": middlewares,
            # Workers do not write SQLite: validate, dedupe and store run in the ingester.
            "ITEM_PIPELINES": {"archive_spider.distributed.worker.QueueItemsPipeline": 300},
        }, priority="spider")


def enable(settings: BaseSettings) -> None:
    """List the add-on in ``settings``' ``ADDONS`` (the worker spider's ``update_settings``)."""
    addons = dict(settings.getdict("ADDONS"))
    addons[ADDON_PATH] = 0
    settings.set("ADDONS", addons, priority="spider")
