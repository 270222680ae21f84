"""Several workers, one archive: the frontier in Redis, one writer for SQLite.

A distributed crawl has three kinds of process, all meeting in one Redis database:

- **workers** (``archive-spider crawl --redis URL``, or the ``articles_redis`` spider under
  Scrapyd) fetch and extract. Their scheduler and dupefilter are scrapy-redis's, so they
  share one frontier and one seen-set; what they extract goes to a Redis list instead of
  SQLite. They never open the archive.
- **the ingester** (``archive-spider ingest --redis URL --db PATH``) is the only process
  that writes SQLite. It drains that list in batches through the same validate and dedupe
  pipelines and the same ``writes.store_articles`` as a single-process crawl, and
  publishes the archive's known URLs back to Redis so that workers skip them.
- **Redis** holds everything in between, under one key prefix (``ARCHIVE_REDIS_KEY``).

Modules: ``addon`` turns a crawl into a worker (the Scrapy add-on the ``articles_redis``
spider enables); ``scheduler`` takes requests and leases them; ``keys`` names the keys,
reads the settings and holds the Lua steps; ``worker`` is the spider mixin, the item
queue and ``run_worker``; ``spider`` the ``articles_redis`` spider; ``ingest`` the
ingester; ``scrapy_hooks`` the only reach into Scrapy's private engine.

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

