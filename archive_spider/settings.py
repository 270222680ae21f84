"""Scrapy settings for archive-spider.

Polite by default: robots.txt obeyed, AutoThrottle on, two requests at a time per host.
``archive-spider crawl --concurrency N`` lifts AutoThrottle and delays for sites you own.
Settings of our own start with ``ARCHIVE_``; each is documented in the README.
"""

from archive_spider import __version__

BOT_NAME = "archive_spider"
SPIDER_MODULES = ["archive_spider.spiders", "archive_spider.distributed.spider"]
NEWSPIDER_MODULE = "archive_spider.spiders"

# The project and its version (it has no public address yet); `crawl --user-agent` adds
# a contact, e.g. "archive-spider/0.1.0 (+https://example.org/about-our-archive)".
USER_AGENT = f"archive-spider/{__version__}"
ROBOTSTXT_OBEY = True

# Scrapy's caching resolver, refusing internal addresses for names found on pages (safety.py).
TWISTED_DNS_RESOLVER = "archive_spider.safety.GuardedResolver"

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
# `crawl --timeout`; it bounds the whole download, so a server trickling bytes ends too.
DOWNLOAD_TIMEOUT = 20
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
REDIRECT_MAX_TIMES = 10
DEPTH_LIMIT = 0
COOKIES_ENABLED = False

# Requests go out by the spider's priorities (spiders/routing.py: an article's next page,
# then articles, then index pages), each in the order found (FIFO queues: breadth-first).
# Depth does not lower priority: a page 2 found deep in a listing would wait for the end.
DEPTH_PRIORITY = 0
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"

DOWNLOADER_MIDDLEWARES = {
    # Scrapy's, but a robots.txt answering 5xx or not at all disallows everything (RFC 9309).
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "archive_spider.robots.RobotsTxtMiddleware": 100,
    "archive_spider.middlewares.IncrementalMiddleware": 50,
    # Before OffsiteMiddleware (50): hosts, private addresses, schemes, size cap.
    "archive_spider.safety.SafetyMiddleware": 40,
    # Sees every final outcome, after retries: failures recorded, bodies checked and decoded.
    "archive_spider.responses.ResponseCheckMiddleware": 540,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "archive_spider.retry.BackoffRetryMiddleware": 550,
    # Scrapy's, but recording what they give up on (redirect chains, decompression bombs).
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "archive_spider.responses.MetaRefreshMiddleware": 580,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "archive_spider.responses.HttpCompressionMiddleware": 590,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "archive_spider.responses.RedirectMiddleware": 600,
    # The bytes as the server sent them, with their Content-Type: after decompression (590)
    # and retries (550), before ResponseCheckMiddleware (540) re-encodes the page as UTF-8.
    "archive_spider.archive.warc.WarcMiddleware": 545,
    # Last before the download: what it counts is what is fetched (ARCHIVE_MAX_PAGES).
    "archive_spider.middlewares.PageCapMiddleware": 990,
}

EXTENSIONS = {
    "archive_spider.progress.ProgressLine": 500,
    "archive_spider.health.HealthRecorder": 510,
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
# A short paragraph found in at least this many archived articles of a site is that
# site's boilerplate, left out of its later extractions; 0: never leave any out.
ARCHIVE_BOILERPLATE_MIN_PAGES = 4
# Hosts the crawl may visit besides those of the start URLs.
ARCHIVE_ALLOWED_HOSTS = []
# Pages of one multi-page article followed at most.
ARCHIVE_MAX_ARTICLE_PAGES = 20
# Which links a crawl follows (sites.toml ``scope`` overrides it per site): "prefix"
# follows a link found on a page only under the folder of a start URL (``/blog/`` for
# https://example.com/blog/), except the article links of the index pages, feeds and
# sitemaps read, which are followed anywhere on the site; "host" follows links anywhere
# on the site's hosts. A crawl started from the front page is the same either way.
ARCHIVE_SCOPE = "prefix"
# Fetch at most this many pages in all, then stop (0: no limit); `crawl --max-pages`.
# robots.txt files, redirects and retries of a page are not counted.
ARCHIVE_MAX_PAGES = 0
# Revisit policy for articles already in the archive (see revisit.py): "conditional"
# asks the site with If-None-Match / If-Modified-Since and counts 304s; "never" skips
# them; "max-age=7d" revisits those last fetched longer ago; "adaptive" checks each once a
# tenth of its text's age has passed since its last fetch; "always" fetches them again.
ARCHIVE_REVISIT = "conditional"
# Write every fetched page to a WARC file per crawl under warc/ next to the archive.
ARCHIVE_WARC = True
# Write stored articles at least this often (seconds), however small the batch.
ARCHIVE_FLUSH_SECONDS = 3
# A live progress line on standard error (`crawl` turns it on when that is a terminal).
ARCHIVE_PROGRESS = False
# Largest page body downloaded (bytes, after decompression); larger ones are cancelled
# and recorded as `too-large` failures. 0: no limit beyond DOWNLOAD_MAXSIZE.
ARCHIVE_MAX_PAGE_BYTES = 5 * 1024 * 1024
# First wait before retrying a 5xx, 429 or network error (seconds, doubled per attempt),
# unless the server sends Retry-After.
ARCHIVE_RETRY_BACKOFF = 1.0
# Longest wait before a retry (seconds); a Retry-After asking for more is not retried.
ARCHIVE_MAX_RETRY_DELAY = 60.0
# Index pages in a row that bring no article link no listing page has shown before the
# chain is followed no further (endless calendars, filters, an endless "Next"); 0: no limit.
ARCHIVE_STALE_INDEX_PAGES = 3
# Once a crawl has read a site's whole listing, later crawls within this period stop an
# index chain ARCHIVE_STALE_INDEX_PAGES pages after the last article the archive lacks
# (see listing.py); then a crawl reads it whole again. "0": read it whole every time.
ARCHIVE_FULL_LISTING_EVERY = "7d"
# Links away from a start URL a page may be (start URLs are 0); 0: no limit. The default
# ends a "Next" chain that invents a new article on every page, which nothing else can
# tell from a real archive, without cutting any real site's pagination.
ARCHIVE_MAX_DEPTH = 1000
# Bounds on endless and huge sites (sites.toml's limits.max_pages, max_sitemaps,
# max_sitemap_urls and max_links_per_page for one site); 0: no limit. Each cut is counted
# (archive/capped/*), recorded in `failures` as `capped` and summed up when the crawl ends.
# Requests per site and crawl, start URLs included: about 3 h at the default politeness.
ARCHIVE_SITE_MAX_PAGES = 20000
# Sitemaps requested per site and crawl, from sitemap indexes and robots.txt.
ARCHIVE_SITE_MAX_SITEMAPS = 500
# URLs taken from one sitemap (the protocol's own maximum); the rest is not read.
ARCHIVE_SITEMAP_MAX_URLS = 50000
# Links taken from one page or feed page: next pages first, then articles, then sections.
ARCHIVE_MAX_LINKS_PER_PAGE = 1000

# Site health after each crawl (health.py, docs/health.md): figures per site in
# site_health, and a WARNING line for a site that changed against its earlier crawls.
ARCHIVE_HEALTH = True
# Archived articles per site fetched again each crawl although the "conditional" revisit
# policy skips them (the site sends no validators to ask with), so that a crawl bringing
# no new article still sees what the site's article pages look like now; 0: none.
ARCHIVE_HEALTH_CANARIES = 0
# Earlier crawls of a site with a figure measured before that figure is judged.
ARCHIVE_HEALTH_MIN_HISTORY = 1
# Earlier crawls of a site a crawl is compared with (medians and MADs over them).
ARCHIVE_HEALTH_WINDOW = 10
# Articles (or article pages, or teasers) a crawl needs for a figure of it to be judged.
ARCHIVE_HEALTH_MIN_ARTICLES = 3

# --- rendering in a browser (archive_spider/browser.py, rendering.py) --------------------------
# "never": plain HTTP only; "auto": render a page in Chromium when its static HTML shows it
# needs JavaScript (and every later page of a site that turned out to); "always": render
# every page. sites.toml's `render` overrides it per site. Needs archive-spider[render].
ARCHIVE_RENDER = "never"
# Pages rendered at once (browser contexts in the pool, one page each).
ARCHIVE_RENDER_CONCURRENCY = 2
# Seconds a page may take to load and settle in the browser ("Load more" rounds included).
ARCHIVE_RENDER_TIMEOUT = 30
# MB of memory the browser may use before a context is closed to free it (0: no cap).
ARCHIVE_RENDER_MAX_MEMORY = 1024
# "Load more" clicks (or scrolls) at most per rendered listing page (0: none).
ARCHIVE_RENDER_MAX_ROUNDS = 20
# Under "auto", pages of a site read well without the browser after which the site is
# taken for static and its pages are no longer examined (0: examine every page).
ARCHIVE_RENDER_SAMPLE_PAGES = 5
# The browser (Debian's Chromium; Playwright's own download is not used).
ARCHIVE_RENDER_CHROMIUM = "/usr/bin/chromium"

# --- distributed crawls (archive_spider/distributed/, docs/distributed.md) -------------
# Redis of a distributed crawl; empty: the ARCHIVE_REDIS_URL environment variable, if set.
# Only the articles_redis spider (`crawl --redis`) uses it.
ARCHIVE_REDIS_URL = ""
# Prefix of the crawl's Redis keys: one per independent crawl sharing a Redis.
ARCHIVE_REDIS_KEY = "archive"
# A worker stops once there has been no work in Redis for this many seconds.
ARCHIVE_REDIS_IDLE_TIMEOUT = 30
# A worker silent this long is taken for dead and its in-flight requests are requeued.
ARCHIVE_REDIS_LEASE = 60
# A worker with this many responses waiting for its parser takes no more requests from
# Redis, leaving them to idle workers (extraction is CPU-bound).
ARCHIVE_REDIS_BACKLOG = 2

# --- extraction workers (archive_spider/workers.py) ----------------------------------------
# Worker processes for discovery and extraction (workers.py): None, one per core; 0, both
# inline on the crawl's own thread (slower: fetching waits for every page read).
ARCHIVE_EXTRACT_WORKERS = None
# Pages in flight in the workers at most (0: four per worker); beyond it, fetching waits.
ARCHIVE_EXTRACT_QUEUE = 0
# Seconds an extraction may take before its worker is killed and the page counted an error.
ARCHIVE_EXTRACT_TIMEOUT = 60
# Callbacks await their extraction, so responses wait in Scrapy's scraper meanwhile: keep
# that queue short (bytes of responses; Scrapy's default is 5 MB, some 300 pages), and do
# not start 100 item tasks per response (CONCURRENT_ITEMS) for pages that yield one article.
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 1_000_000
CONCURRENT_ITEMS = 16


def project_settings(values: dict | None = None):
    """Scrapy ``Settings`` holding this module's values, then ``values`` over them.

    The one place the defaults above are stated: code reads ``settings.getint("ARCHIVE_X")``
    without a fallback of its own, so whatever builds settings by hand (the ingester, the
    CLI, tests) starts from here rather than from Scrapy's bare ``Settings()``.
    """
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule(__name__, priority="project")
    settings.setdict(values or {}, priority="project")
    return settings
