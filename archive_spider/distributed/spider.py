"""articles_redis: ArticlesSpider as a worker of a distributed crawl (see distributed/).

``archive-spider crawl --redis URL`` runs it; so can Scrapy and Scrapyd::

    scrapy crawl articles_redis -a url=https://example.com/ -s ARCHIVE_REDIS_URL=redis://host:6379/0
"""

from archive_spider.distributed.keys import WORKER_SPIDER
from archive_spider.distributed.worker import RedisWorkerMixin
from archive_spider.spiders.articles import ArticlesSpider


class DistributedArticlesSpider(RedisWorkerMixin, ArticlesSpider):
    """Shares its frontier, seen-set and teasers through Redis; queues articles for the ingester."""

    name = WORKER_SPIDER
