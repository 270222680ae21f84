"""Downloader middlewares: incremental fetching, and the crawl's page cap.

IncrementalMiddleware is the one place where the crawl asks the archive what it already
has (through listing.ArchiveKnowledge, which the spider shares). A request for an
article the archive holds is skipped, sent as a conditional request
or sent in full, as the revisit policy (ARCHIVE_REVISIT, see revisit.py) decides; a 304 Not
Modified answer ends there, counted. Index pages, feeds and sitemaps are always fetched, so
new articles are found.

PageCapMiddleware holds a crawl to ``--max-pages`` (ARCHIVE_MAX_PAGES): it counts the pages
sent to the download (not robots.txt, redirects or retries of one page) and refuses every
request after the cap, so a crawl fetches at most that many pages, whatever its concurrency.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest

from archive_spider import revisit
from archive_spider.archive import schema
from archive_spider.urls import normalise_url
from archive_spider.vocabulary import CONDITIONAL, RENDERED, ROLE, SITE, Role

logger = logging.getLogger(__name__)



def health_canary(crawler, url: str) -> bool:
    """Whether health.py wants this known article fetched anyway, as a canary."""
    recorder = getattr(crawler, "_archive_health", None)
    return recorder is not None and recorder.take_canary(url)


class KnownArticle(IgnoreRequest):
    """An article request ended because the archive holds the article: skipped by the
    revisit policy, or answered 304 Not Modified."""


class IncrementalMiddleware:
    """Applies the revisit policy to article requests and reports each article fetch
    (``revisit.article_fetched`` / ``revisit.article_not_modified`` signals)."""

    def __init__(self, crawler, db_path: str, policy: revisit.RevisitPolicy):
        self.crawler = crawler
        self.stats = crawler.stats
        self.db_path = db_path
        self.policy = policy
        self._known: dict[str, dict] | None = None
        # Hosts that answered a conditional request with the same page in full: asking
        # them again only costs downloads, so their known articles are skipped instead.
        self.hosts_ignoring_validators: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        try:
            policy = revisit.parse_policy(crawler.settings.get("ARCHIVE_REVISIT"))
        except ValueError as exc:
            raise ValueError(f"ARCHIVE_REVISIT: {exc}") from None
        return cls(crawler, crawler.settings.get("ARCHIVE_DB_PATH"), policy)

    @property
    def known(self) -> dict[str, dict]:
        """What the archive holds, read at the first article request (listing.py)."""
        if self._known is None:
            from archive_spider.listing import ArchiveKnowledge

            self._known = ArchiveKnowledge.of(self.crawler).state
            logger.info("Archive holds %d article URLs; revisit policy %s", len(self._known), self.policy)
        return self._known

    def process_request(self, request):
        if request.meta.get(ROLE) != Role.ARTICLE or request.meta.get(RENDERED):
            return None
        known = self.known.get(request.url)
        if known is None:
            return None
        decision = self.policy.decide(known)
        if decision == revisit.CONDITIONAL and urlsplit(request.url).hostname in self.hosts_ignoring_validators:
            decision = revisit.SKIP
        if decision == revisit.SKIP and self.policy.name == "conditional" and health_canary(self.crawler, request.url):
            # It cannot be asked (no validators): one of a few fetched to see the site as it is now.
            decision = revisit.FULL
        if decision == revisit.SKIP:
            self.stats.inc_value("archive/known_skipped")
            raise KnownArticle(f"already archived: {request.url}")
        self.stats.inc_value("archive/revisited")
        if decision == revisit.CONDITIONAL:
            for name, value in revisit.conditional_headers(known).items():
                request.headers[name] = value
            request.meta[CONDITIONAL] = known
        return None

    def process_response(self, request, response):
        role = request.meta.get(ROLE)
        if role is None or role == Role.CONTINUATION or request.meta.get(RENDERED):
            return response
        fetch = {**revisit.validators_of(response.headers), "last_fetched": schema.utc_now()}
        if response.status == 304 and CONDITIONAL in request.meta:
            self.stats.inc_value("archive/not_modified")
            self.crawler.signals.send_catch_log(
                revisit.article_not_modified, url=normalise_url(request.url), fetch=fetch)
            raise KnownArticle(f"not modified: {request.url}")
        if 200 <= response.status < 300:
            sent = request.meta.get(CONDITIONAL)
            if sent is not None and self._validators_ignored(sent, fetch):
                host = urlsplit(request.url).hostname
                if host not in self.hosts_ignoring_validators:
                    self.hosts_ignoring_validators.add(host)
                    logger.warning("%s ignores conditional requests (sent the same %s again in full): "
                                   "its other known articles are skipped this crawl", host,
                                   "ETag" if sent.get("http_etag") else "Last-Modified")
                self.stats.inc_value("archive/validators_ignored")
            self.crawler.signals.send_catch_log(
                revisit.article_fetched, url=normalise_url(response.url), fetch=fetch)
        return response

    @staticmethod
    def _validators_ignored(sent: dict, got: dict) -> bool:
        if sent.get("http_etag") and got.get("http_etag"):
            return sent["http_etag"].removeprefix("W/") == got["http_etag"].removeprefix("W/")
        return bool(sent.get("http_last_modified")) and sent.get("http_last_modified") == got.get("http_last_modified")


class PageCapReached(IgnoreRequest):
    """A request refused because the crawl has fetched its ``--max-pages``."""


class PageCapMiddleware:
    """Refuses every page request after ARCHIVE_MAX_PAGES of them (0: no cap).

    Counted where requests leave for the download, after the incremental and robots.txt
    rules have skipped what they skip, so in-flight requests cannot overshoot the cap as
    Scrapy's CLOSESPIDER_PAGECOUNT (counted on responses) does. The crawl then ends when
    what was fetched is processed; its status is ``limit``."""

    def __init__(self, crawler, cap: int):
        self.crawler = crawler
        self.stats = crawler.stats
        self.cap = cap
        self.sent = 0

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, crawler.settings.getint("ARCHIVE_MAX_PAGES"))

    def process_request(self, request):
        if not self.cap or request.meta.get("dont_obey_robotstxt") or request.meta.get("retry_times") \
                or request.meta.get("redirect_times"):
            return None  # robots.txt, or one more try at a page already counted
        if self.sent < self.cap:
            self.sent += 1
            return None
        if not self.stats.get_value("archive/page_cap_reached"):
            self.stats.set_value("archive/page_cap_reached", 1)
            logger.info("Fetched %d pages (ARCHIVE_MAX_PAGES): no more requests", self.cap)
        self.stats.inc_value("archive/refused/max_pages")
        listing = getattr(self.crawler.spider, "listing", None)
        if listing is not None:
            listing.cut_short(request.meta.get(SITE), "--max-pages")
        raise PageCapReached(f"page cap of {self.cap} reached: {request.url}")
