"""Scrapy settings for archive-spider.

Polite by default: robots.txt obeyed, AutoThrottle on, two requests at a time per host.
``archive-spider crawl --concurrency N`` lifts AutoThrottle and delays for sites you own.
Settings of our own start with ``ARCHIVE_``; each is documented in the README.
"""

from archive_spider import __version__

BOT_NAME = "archive_spider"
SPIDER_MODULES = ["archive_spider.spiders"]
NEWSPIDER_MODULE = "archive_spider.spiders"

USER_AGENT = f"archive-spider/{__version__} (+https://github.com/archive-spider/archive-spider)"
ROBOTSTXT_OBEY = True

# An archiver must not open code-execution ports (both are on by default in Scrapy 2.19).
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

# Politeness: per-host concurrency, a delay, and AutoThrottle adapting it to the server.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Scrapy's 180 s default timeout lets one slow server hold a crawl for minutes.
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
REDIRECT_MAX_TIMES = 10
DEPTH_LIMIT = 0
COOKIES_ENABLED = False

# Crawl breadth-first, so index pages come before the articles they list.
DEPTH_PRIORITY = 1
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"

DOWNLOADER_MIDDLEWARES = {
    "archive_spider.middlewares.IncrementalMiddleware": 50,
}

ITEM_PIPELINES = {
    "archive_spider.pipelines.ValidatePipeline": 100,
    "archive_spider.pipelines.DedupePipeline": 200,
    "archive_spider.pipelines.StorePipeline": 300,
}

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"

# --- archive-spider's own settings ------------------------------------------------------
ARCHIVE_DB_PATH = "db/archive.db"
# Articles written to SQLite in one transaction.
ARCHIVE_BATCH_SIZE = 50
# Extractions with fewer words than this are not stored (counted as skipped).
ARCHIVE_MIN_WORDS = 30
# Hosts the crawl may visit besides those of the start URLs.
ARCHIVE_ALLOWED_HOSTS = []
# Pages of one multi-page article followed at most.
ARCHIVE_MAX_ARTICLE_PAGES = 20
# Stop after fetching this many pages in all (0: no limit); `crawl --max-pages`.
ARCHIVE_MAX_PAGES = 0
# Revisit policy for articles already in the archive: "never" skips them.
ARCHIVE_REVISIT = "never"
# Extraction worker processes (workers.py): None, one per core; 0, extract inline on the
# crawl's own thread (slower: fetching waits for every extraction).
ARCHIVE_EXTRACT_WORKERS = None
# Extractions in flight at most (0: four per worker); beyond it, fetching waits.
ARCHIVE_EXTRACT_QUEUE = 0
# Seconds an extraction may take before its worker is killed and the page counted an error.
ARCHIVE_EXTRACT_TIMEOUT = 60
# Callbacks await their extraction, so responses wait in Scrapy's scraper meanwhile: keep
# that queue short (bytes of responses; Scrapy's default is 5 MB, some 300 pages), and do
# not start 100 item tasks per response (CONCURRENT_ITEMS) for pages that yield one article.
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 1_000_000
CONCURRENT_ITEMS = 16
