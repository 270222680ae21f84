"""ArticlesSpider: the one generic spider. It routes; it does not parse.

Every fetched page goes to discovery.analyse_page, which says what the page is and which
links to follow; it runs in a worker process (workers.ExtractionPool.process_page), which
also extracts a one-page article in the same trip. Index pages lead to articles and
further index pages; article pages are extracted (joined across their "Page 2 »"
continuations) and lead to the articles they list in turn. What a page is and what a link
means is decided in discovery/pages.py, how an article's text is found in extraction/, how
its item is built and which teaser it gets in assembly/, what is worth keeping in
assembly/validate.py; the names of roles and request meta keys are in vocabulary.py.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any
from collections.abc import AsyncIterator, Iterable
from urllib.parse import urlsplit

import scrapy
from scrapy.http import HtmlResponse, Response

from archive_spider import sites
from archive_spider.discovery import pages as discovery
from archive_spider.discovery import feeds
from archive_spider.archive import queries, schema
from archive_spider.browser import setup_rendering
from archive_spider.extraction.heuristics import MAX_BOILERPLATE_BLOCKS
from archive_spider.archive.connection import CrawlArchive
from archive_spider.archive.failures import FailureLog
from archive_spider.assembly import TeaserBook, build_item, prepare_pages
from archive_spider.middlewares import PageCapReached
from archive_spider.spiders.outcomes import PageOutcomesMixin
from archive_spider.spiders.routing import CONTINUATION_PRIORITY, SiteRoutingMixin
from archive_spider.urls import normalise_url
from archive_spider.vocabulary import FIRST, PAGES, ROLE, SITE, TEASER, ArticleItem, ArticleLink, Role
from archive_spider.workers import ExtractionFailed, ExtractionPool

logger = logging.getLogger(__name__)


def split_urls(value: str | Iterable[str] | None) -> list[str]:
    """Start URLs from a spider argument: a list, or a string of URLs separated by
    commas or white space (``scrapy crawl articles -a url=A,B``)."""
    if not value:
        return []
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    return [u for u in value if u]


class ArticlesSpider(PageOutcomesMixin, SiteRoutingMixin, scrapy.Spider):
    """Crawls article sites from their index pages, feeds and sitemaps into the archive.

    Arguments (``-a`` with ``scrapy crawl``): ``url`` / ``urls``: start URLs (index pages,
    front pages, single articles, feeds, sitemaps); ``allowed_hosts``: more hosts the crawl
    may visit; ``config``: a sites.toml, ``site``: the names of its sites to crawl (all by
    default); ``discover``: also try each site's robots.txt, sitemaps and feeds.
    """

    name = "articles"

    def __init__(self, url: str | None = None, urls: Any = None, allowed_hosts: Any = None,
                 config: Any = None, site: Any = None, discover: Any = False, **kwargs):
        super().__init__(**kwargs)
        self._extra_hosts = split_urls(allowed_hosts)
        discover = discover not in (False, None, "", "0", "false", "no")
        self.sites = sites.sites_for_urls(split_urls(url) + split_urls(urls), self._extra_hosts, discover)
        if config:
            configured = sites.select_sites(sites.load_sites(config), split_urls(site), str(config))
            if discover:
                configured = [s if s.discover else dataclasses.replace(s, discover=True) for s in configured]
            self.sites += configured
        self.start_urls = [u for s in self.sites for u in s.start_urls]
        if not self.start_urls:
            raise ValueError("ArticlesSpider needs at least one start URL (-a url=https://...)")
        # The fullest teaser seen for each article (assembly/teasers.py); a distributed
        # worker shares its book through Redis instead.
        self.teasers: TeaserBook = TeaserBook()
        # Each site's known boilerplate paragraphs, read from the archive at first use.
        self.boilerplate: dict[str, frozenset[str]] = {}
        self.renderer = None  # browser.Renderer, set by from_crawler when a site may be rendered

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        hosts = {urlsplit(u).hostname for u in spider.start_urls}
        hosts |= set(spider._extra_hosts) | set(crawler.settings.getlist("ARCHIVE_ALLOWED_HOSTS"))
        spider.allowed_hosts = sorted(h for h in hosts if h)
        # Scrapy's OffsiteMiddleware reads allowed_domains; it also stops redirects off-site.
        spider.allowed_domains = list(spider.allowed_hosts)
        spider.max_article_pages = crawler.settings.getint("ARCHIVE_MAX_ARTICLE_PAGES")
        spider.boilerplate_min_pages = crawler.settings.getint("ARCHIVE_BOILERPLATE_MIN_PAGES")
        spider.setup_sites(crawler)
        spider.setup_outcomes(crawler)
        # Pages rendered in a browser when they need it (--render); None with "never".
        spider.renderer = setup_rendering(crawler, spider.sites)
        # Extraction runs in worker processes, so fetching goes on meanwhile (workers.py).
        spider.extraction_pool = ExtractionPool.from_crawler(crawler)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.listing.open()
        for request in self.site_start_requests():
            yield request

    # --- callbacks ------------------------------------------------------------------------

    async def parse_page(self, response: Response):
        """Any page: route it by what discovery says it is (feeds and sitemaps by what
        discovery/feeds.py reads in them)."""
        site = self.site_of(response.url, response.meta)
        if site is not None and response.meta.get(ROLE) == Role.START:
            self.learn_origin(site, response.url)
        source = feeds.detect_source(response.body, response.url, response.headers.get("Content-Type", b"").decode("latin-1"))
        if source is not None:
            self.read_as_listing(response.url)
            for output in self.parse_source(response, source):
                yield output
            return
        if not isinstance(response, HtmlResponse):
            for output in self.not_archived(response, "not-html", "not a page"):
                yield output
            return
        if self.renderer is not None:  # --render: the page as a browser shows it, if it needs one
            response = await self.renderer.maybe_render(response, site)
        result = await self.process_page(response, self.hosts_for(response), extract=True)
        if result is None:
            if response.meta.get(ROLE) != Role.ARTICLE and site is not None:
                self.listing.cut_short(site.name, "a worker failed on an index page")
            for output in self.not_archived(response, "extraction-error", "the page analysis failed"):
                yield output
            return
        analysis = self.apply_link_selectors(response, result.analysis)
        role = response.meta.get(ROLE)
        self.crawler.stats.inc_value(f"archive/pages/{analysis.kind}")
        for request in self.discover_feeds(response, analysis):
            yield request

        if analysis.kind == "article":
            for request in self.follow_article_links(response, analysis.article_links):
                yield request
            teaser = response.meta.get(TEASER)
            pages = [(response.url, response.text)]
            async for output in self.continue_or_extract(response, analysis, pages, teaser, result):
                yield output
            return

        if analysis.kind == "index" and role != Role.ARTICLE and not self.is_listed(response):
            self.read_as_listing(response.url)
            for output in self.resolve(self.requested_url(response), None, also=normalise_url(response.url)):
                yield output  # pages that named this listing as their canonical URL
            if discovery.is_article_shaped_url(normalise_url(response.url)):
                # an article's URL, reached by a link no listing gave (a post's "next"
                # link): an article if a listing lists it later (outcomes.py)
                async for output in self.listed_or_not(response, analysis, read_as_listing=True):
                    yield output
        else:
            # Linked like an article, or no listing, but not an article by its looks: archived
            # all the same if the site's listing presents it as one (outcomes.py).
            self.crawler.stats.inc_value("archive/not_article")
            logger.info("Linked as %s but looks like %s: %s", role, analysis.kind, response.url)
            async for output in self.listed_or_not(response, analysis):
                yield output
        new_links = self.count_new_links(response, analysis.article_links)
        for request in self.follow_article_links(response, analysis.article_links):
            yield request
        for output in self.listed_candidates(response, analysis.article_links):
            yield output
        for request in self.index_requests(response, analysis.next_pages, new_links, analysis.section_links):
            yield request

    async def parse_continuation(self, response: Response):
        """Page 2, 3... of a multi-page article: collect it, then go on or extract."""
        if self.renderer is not None and isinstance(response, HtmlResponse):
            response = await self.renderer.maybe_render(response, self.site_of(response.url, response.meta))
        pages = response.meta[PAGES] + [(response.url, response.text)]
        if not isinstance(response, HtmlResponse):
            pages = pages[:-1]
            analysis = None
            FailureLog.of(self.crawler).record(response.url, "not-html", status=response.status, fetched=True,
                                               detail="a later page of an article, not a page")
        else:
            result = await self.process_page(response, self.allowed_hosts)
            analysis = result.analysis if result is not None else None
        async for output in self.continue_or_extract(response, analysis, pages, response.meta.get(TEASER)):
            yield output

    async def process_page(self, response: HtmlResponse, hosts, extract: bool = False):
        """Discovery on the page in a worker process and, with ``extract``, the extraction
        of a page that is a whole article by itself in the same round trip (not for sites
        whose ``body`` selector must first cut the page). None if the worker failed.

        Index pages go to the pool too: a rerun over a large site reads hundreds of them
        (about 15 ms each, with 20 teasers to describe), which the workers share out."""
        extract_args = teaser = None
        if extract and not self.has_body_selector(response.url):
            teaser = self.best_teaser(response.url, response.meta.get(TEASER))
            extract_args = (teaser.teaser if teaser else None, self.site_boilerplate(response.url))
        try:
            result = await self.extraction_pool.process_page(response.url, response.text, hosts, extract_args)
        except ExtractionFailed as exc:  # a crashed or hung worker: record it and go on
            FailureLog.of(self.crawler).record(response.request or response.url, "extraction-error", detail=str(exc))
            return None
        result.teaser = teaser  # the one the article was extracted with, if it was
        return result

    async def continue_or_extract(self, response, analysis, pages, teaser, result=None):
        seen = {normalise_url(u) for u, _ in pages}
        nxt = analysis.continuation if analysis else None
        if nxt and normalise_url(nxt) not in seen and len(pages) < self.max_article_pages:
            yield response.follow(
                nxt, callback=self.parse_continuation, errback=self.continuation_failed,
                priority=CONTINUATION_PRIORITY,
                meta={ROLE: Role.CONTINUATION, PAGES: pages, TEASER: teaser, FIRST: response.meta.get(FIRST, analysis)},
            )
            return
        first_analysis = response.meta.get(FIRST) or analysis
        if result is not None and result.article is not None and len(pages) == 1:
            # Extracted by the worker along with the analysis.
            self.count_boilerplate(result.article)
            item = self.make_item(pages, first_analysis, result.teaser, result.article)
            item.simhash = result.simhash
            for output in self.settle(item, response):
                yield output
            return
        item = await self.extract_item(pages, first_analysis, teaser)
        if item is not None:
            for output in self.settle(item, response):
                yield output
        else:
            FailureLog.of(self.crawler).record(pages[0][0], "extraction-error", fetched=True, pages=len(pages))
            for output in self.resolve(normalise_url(pages[0][0]), None):
                yield output

    def follow_article_links(self, response: Response, links: Iterable[ArticleLink]):
        yield from self.article_requests(response, links, self.forced_meta(response))

    def remember_teaser(self, link: ArticleLink) -> None:
        """Keep the fullest teaser seen for each article (assembly/teasers.py)."""
        self.teasers.remember(link)

    # --- errbacks -------------------------------------------------------------------------

    def start_failed(self, failure):
        yield from self.page_failed(failure)
        if failure.check(PageCapReached):
            return  # a start URL past --max-pages: not asked for, not failed
        self.crawler.stats.inc_value("archive/start_failed")
        self.listing.cut_short(failure.request.meta.get(SITE), "a start URL failed")
        logger.error("Start URL failed: %s (%s)", failure.request.url, failure.getErrorMessage())
        yield from self.discovery_step_done(failure.request)

    async def continuation_failed(self, failure):
        """A later page of an article failed: archive what was collected, with a warning."""
        request = failure.request
        logger.warning("Article continuation failed: %s (%s)", request.url, failure.getErrorMessage())
        pages = request.meta[PAGES]
        item = await self.extract_item(pages, request.meta.get(FIRST), request.meta.get(TEASER),
                                       warnings=["continuation-failed"])
        if item is not None:
            for output in self.settle(item, failure.request):
                yield output
        else:
            FailureLog.of(self.crawler).record(pages[0][0], "extraction-error", fetched=True, pages=len(pages))

    # --- items ----------------------------------------------------------------------------

    def site_boilerplate(self, url: str) -> frozenset[str]:
        """The hashes of the known boilerplate paragraphs of the site of ``url``, as the
        archive held them when this crawl first extracted an article of that site (the
        counts of this crawl are added when it ends, so its extractions agree)."""
        site = schema.site_of(url)
        if site not in self.boilerplate:
            self.boilerplate[site] = frozenset()
            archive = CrawlArchive.of(self.crawler)
            if self.boilerplate_min_pages > 0 and archive.path and archive.exists:
                try:
                    db = archive.open(create=False)
                except schema.ArchiveError as exc:
                    logger.warning("Site boilerplate not read: %s", exc)
                else:
                    self.boilerplate[site] = queries.site_boilerplate(
                        db, site, self.boilerplate_min_pages, MAX_BOILERPLATE_BLOCKS)
        return self.boilerplate[site]

    def count_boilerplate(self, article) -> None:
        if getattr(article, "boilerplate_blocks", 0):
            self.crawler.stats.inc_value("archive/boilerplate_blocks_removed", article.boilerplate_blocks)

    def best_teaser(self, first_url: str, teaser: ArticleLink | None) -> ArticleLink | None:
        """The fullest teaser known for the article at ``first_url`` (see remember_teaser)."""
        return self.teasers.best(first_url, teaser)

    async def extract_item(self, pages, analysis, teaser: ArticleLink | None, warnings=()) -> ArticleItem | None:
        """The crawl's way to an item: extraction in the worker pool, off the event loop."""
        teaser = self.best_teaser(pages[0][0], teaser)
        teaser_text = teaser.teaser if teaser else None
        try:
            article = await self.extraction_pool.extract(self.prepare_pages(pages), teaser_text,
                                                         self.site_boilerplate(pages[0][0]))
        except ExtractionFailed as exc:  # a crashed or hung worker: record it and go on
            FailureLog.of(self.crawler).record(pages[0][0], "extraction-error", detail=str(exc))
            return None
        except Exception:  # extraction promises not to raise; if it does, count and go on
            self.crawler.stats.inc_value("archive/errors")
            logger.exception("Extraction failed: %s", pages[0][0])
            return None
        self.count_boilerplate(article)
        return self.make_item(pages, analysis, teaser, article, warnings)

    def prepare_pages(self, pages):
        """The pages as extraction should see them, by their site's ``body`` selector."""
        return prepare_pages(pages, self.selectors_of(pages[0][0]), self.selector_missed)

    def make_item(self, pages, analysis, teaser, article, warnings=()) -> ArticleItem:
        """The item of an extracted article (assembly/builder.py); the teaser book learns
        which teaser it was extracted with."""
        item = build_item(pages, analysis, teaser, article, warnings, self.selectors_of(pages[0][0]),
                          self.selector_missed)
        self.teasers.use(item.url, teaser)
        return item
