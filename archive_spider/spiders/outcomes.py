"""What becomes of each fetched page that is not plainly an article or a listing.

Mixed into ArticlesSpider beside SiteRoutingMixin. Three rules, so that every page the
crawl fetches is archived, read as a listing, or recorded in ``failures`` with a reason:

* **Canonical URLs rename, never lose.** An article whose on-site ``rel=canonical`` names
  another URL is held while that URL is asked for. It is dropped (recorded as
  ``canonical:archived-as``) only when the canonical URL is archived with the same text;
  when the canonical URL fails, is not an article or holds another text, the page is
  archived under its own URL, its ``canonical_url`` kept as declared. A canonical naming
  the home page, a start URL or a page the crawl read as a listing is ignored.
* **The site's listing is evidence.** A page linked as an article that discovery does not
  call an article is extracted all the same; if an index page, feed or sitemap of the site
  lists it and it holds at least ``ARCHIVE_MIN_WORDS`` words, it is archived, unless its
  main content is demonstrably a list of the page's article links. A page found only
  through article sidebars waits until a listing lists it, or the crawl goes idle.
* **Accounting.** ``archive/pages/listing`` counts listing pages read; the failures side
  is counted by FailureLog, the archived side by StorePipeline.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import DontCloseSpider

from archive_spider import similarity
from archive_spider.discovery import pages as discovery
from archive_spider.archive.failures import FailureLog
from archive_spider.assembly import article_words
from archive_spider.middlewares import KnownArticle
from archive_spider.urls import normalise_url
from archive_spider.vocabulary import DEPTH, SECTION, TEASER, VIA_CANONICAL, ArticleItem, ArticleLink

logger = logging.getLogger(__name__)

# The outcome of a URL whose article the archive held before this crawl (not fetched).
KNOWN = ("known",)
# SimHash bits two texts may differ by and still be the same article (a date, a counter).
SAME_TEXT_BITS = 3
# A listing's article links whose title or teaser the extracted text must hold for the
# page to be a listing (its main content a list of articles) rather than an article.
LISTING_LINKS_IN_TEXT = 2
# Title or teaser shorter than this says too little to be matched in a text.
MIN_SNIPPET_CHARS = 20


def fold(text: str | None) -> str:
    return " ".join((text or "").casefold().split())


def fingerprint(item: ArticleItem) -> tuple:
    """What tells two extracted texts apart: SimHash and a hash of the folded text."""
    print_ = item.simhash if item.simhash is not None else similarity.simhash(item.text)
    return (print_, hash(" ".join((item.text or "").split())))


def same_text(a: tuple, b: tuple) -> bool:
    if b is KNOWN:
        return True  # archived before; the page itself says it is that article
    if a[1] == b[1]:
        return True
    return a[0] is not None and b[0] is not None and similarity.distance(a[0], b[0]) <= SAME_TEXT_BITS


def lists_articles(analysis, item: ArticleItem) -> bool:
    """Whether the extracted main content of a page is a list of its article links: it
    holds the titles or teasers of at least LISTING_LINKS_IN_TEXT of them."""
    text = fold(item.text)
    hits = 0
    for link in analysis.article_links:
        for snippet in (link.title, (link.teaser or "")[:80]):
            if snippet and len(snippet) >= MIN_SNIPPET_CHARS and fold(snippet) in text:
                hits += 1
                break
        if hits >= LISTING_LINKS_IN_TEXT:
            return True
    return False


@dataclasses.dataclass
class _Unlisted:
    """A page linked as an article, fit to archive, that no listing has listed yet."""

    item: ArticleItem
    reason: str
    read_as_listing: bool = False  # counted as a listing page meanwhile


class PageOutcomesMixin:
    """Needs SiteRoutingMixin's ``site_of``, ``respell``, ``article_requests``,
    ``site_requests``, ``fetched_starts``, ``listed`` and ArticlesSpider's ``extract_item``."""

    def setup_outcomes(self, crawler) -> None:
        self.min_words = crawler.settings.getint("ARCHIVE_MIN_WORDS")
        # canonical URL -> the items of the pages that name it, waiting for its outcome
        self.awaiting: dict[str, list[ArticleItem]] = {}
        # URL -> fingerprint of the article archived from it, KNOWN, or None (none there)
        self.outcomes: dict[str, tuple | None] = {}
        self.listing_urls: set[str] = set()  # pages read as listings
        self.unlisted: dict[str, _Unlisted] = {}
        crawler.signals.connect(self.settle_leftovers, signal=signals.spider_idle)

    # --- listings -------------------------------------------------------------------------

    def read_as_listing(self, url: str) -> None:
        """Count a fetched page read for its links (index page, feed, sitemap, robots.txt)."""
        self.crawler.stats.inc_value("archive/pages/listing")
        self.listing_urls.add(normalise_url(url))

    def not_archived(self, response, reason: str, detail: str | None = None, pages: int = 1):
        """Record a fetched page that is not archived; settle the pages waiting for it."""
        FailureLog.of(self.crawler).record(
            response.url, reason, status=response.status, detail=detail, fetched=True, pages=pages,
            referer=(response.request.headers.get("Referer") or b"").decode("latin-1") or None
            if response.request is not None else None)
        yield from self.resolve(self.requested_url(response), None)

    async def listed_or_not(self, response, analysis, read_as_listing: bool = False):
        """A page linked as an article that discovery calls an index page or other: archived
        if the site's listing presents it as an article and its text is an article's.
        ``read_as_listing``: a page counted as a listing already, which stays one unless a
        listing lists it later."""
        reason = "not-article:listing" if analysis.kind == "index" else "not-article:other"
        item = await self.extract_item([(response.url, response.text)], analysis, response.meta.get(TEASER))
        words = article_words(item, self.min_words) if item is not None else 0
        if item is None or words < self.min_words or (analysis.kind == "index" and lists_articles(analysis, item)):
            if not read_as_listing:
                detail = f"{analysis.kind} page of {words} words" if item is not None and words < self.min_words \
                    else "its main content lists articles" if item is not None else "not extracted"
                for output in self.not_archived(response, reason, detail):
                    yield output
            return
        if self.is_listed(response):
            self.crawler.stats.inc_value("archive/listed_as_article")
            for output in self.settle(item, response):
                yield output
            return
        # Found through an article's sidebar or a page's other links: wait for a listing.
        self.unlisted[self.requested_url(response)] = _Unlisted(item, reason, read_as_listing)

    def is_listed(self, response) -> bool:
        """Whether a listing of the site (index page, feed, sitemap) listed the page so far."""
        return normalise_url(response.url) in self.listed or self.requested_url(response) in self.listed

    def listed_candidates(self, response, links):
        """Pages that waited for a listing (listed_or_not) and that ``links`` list."""
        if not self.unlisted:
            return
        for link in links:
            waiting = self.unlisted.pop(link.url, None)
            if waiting is not None:
                self.crawler.stats.inc_value("archive/listed_as_article")
                if waiting.read_as_listing:  # an article after all: not a listing page
                    self.crawler.stats.inc_value("archive/pages/listing", -1)
                    self.listing_urls.discard(link.url)
                yield from self.settle(waiting.item, response)

    # --- canonical URLs -------------------------------------------------------------------

    def requested_url(self, response_or_request) -> str:
        """The URL a page was asked for, before redirects."""
        meta = response_or_request.meta
        return normalise_url((meta.get("redirect_urls") or [response_or_request.url])[0])

    def canonical_target(self, item: ArticleItem, response) -> str | None:
        """The URL to archive ``item`` under instead of its own, if its canonical URL may be
        that: on the site, not the home page, a start URL or a listing, nor a URL shaped
        like a listing."""
        target = item.canonical_url
        if not target or target == item.url or response.meta.get(VIA_CANONICAL):
            return None
        if discovery.is_non_article_url(target) or discovery.page_base(target) == discovery.page_base(item.url):
            return None
        site = self.site_of(item.url, response.meta)
        if site is None or not site.owns(target):
            return None
        target = self.respell(target, site)
        if urlsplit(target).path in ("", "/") or target in self.listing_urls:
            return None
        if target in {normalise_url(u) for u in site.start_urls}:
            return None
        return target

    def settle(self, item: ArticleItem, response):
        """Yield ``item`` (and what it waits for), or hold it until its canonical URL is
        settled; settle the items waiting for this page. An article reached only through
        a listing's section links (menus: About, Services) waits for a listing to list it."""
        if response.meta.get(SECTION) and not self.is_listed(response):
            self.unlisted[self.requested_url(response)] = _Unlisted(item, "not-article:other")
            return
        target = self.canonical_target(item, response)
        if target is None:
            yield item
            yield from self.resolve(item.url, fingerprint(item), also=self.requested_url(response))
            return
        self.crawler.stats.inc_value("archive/canonical_elsewhere")
        if target in self.outcomes:
            yield from self.decide(item, target, self.outcomes[target])
            return
        self.awaiting.setdefault(target, []).append(item)
        site = self.site_of(item.url, response.meta)
        if target in self.site_requests.get(site.name, ()) or target in self.fetched_starts:
            return  # asked for already: its outcome settles this item
        link = ArticleLink(target, item.title, item.summary, item.published)
        meta = {VIA_CANONICAL: True, DEPTH: response.meta.get(DEPTH, 0)}
        requests = list(self.article_requests(response, [link], meta))
        if requests:
            yield from requests
        else:  # refused by the site's rules or limits
            yield from self.resolve(target, None)

    def decide(self, item: ArticleItem, target: str, outcome):
        """``item`` named ``target`` as canonical, whose outcome is now known."""
        mine = fingerprint(item)
        if outcome is not None and same_text(mine, outcome):
            self.crawler.stats.inc_value("archive/canonical_same")
            FailureLog.of(self.crawler).record(
                item.url, "canonical:archived-as", detail=target,
                fetched=True, pages=item.pages)
            yield from self.resolve(item.url, outcome)
            return
        self.crawler.stats.inc_value("archive/canonical_kept")
        logger.info("Archived under its own URL: %s (its canonical URL %s %s)", item.url, target,
                    "holds another text" if outcome is not None else "is not an article")
        yield item
        yield from self.resolve(item.url, mine)

    def resolve(self, url: str, outcome, also: str | None = None):
        """The outcome of ``url`` (and of ``also``, the URL it was asked for) is known:
        settle the items waiting for it."""
        for key in {url, also} - {None}:
            self.outcomes[key] = outcome
            for item in self.awaiting.pop(key, []):
                yield from self.decide(item, key, outcome)

    def page_failed(self, failure):
        """Errback of article requests: a canonical URL that failed settles its waiters."""
        request = failure.request
        outcome = KNOWN if failure.check(KnownArticle) else None
        yield from self.resolve(self.requested_url(request), outcome, also=normalise_url(request.url))

    # --- the end ----------------------------------------------------------------------------

    def settle_leftovers(self) -> None:
        """When the crawl is idle: items still waiting for a canonical URL (asked for in a
        way that ended unseen) are archived under their own URLs; pages no listing listed
        are recorded as not articles."""
        items = [item for waiting in self.awaiting.values() for item in waiting]
        self.awaiting.clear()
        for url, waiting in self.unlisted.items():
            if waiting.read_as_listing:
                continue  # a listing page, as counted
            FailureLog.of(self.crawler).record(
                url, waiting.reason, fetched=True, pages=waiting.item.pages,
                detail="not an article by its looks, and listed by no index page, feed or sitemap of the site")
        self.unlisted.clear()
        if not items:
            return
        scraper = self.crawler.engine.scraper
        for item in items:
            self.crawler.stats.inc_value("archive/canonical_kept")
            self.outcomes[item.url] = fingerprint(item)
            if hasattr(scraper, "_start_itemproc_nowait"):  # counts the item as in process at once
                scraper._start_itemproc_nowait(item)
            else:
                asyncio.ensure_future(scraper.start_itemproc_async(item, response=None))
        raise DontCloseSpider
