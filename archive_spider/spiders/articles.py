"""ArticlesSpider: the one generic spider. It routes; it does not parse.

Every fetched page goes to discovery.analyse_page, which says what the page is and which
links to follow. Index pages lead to articles and further index pages; article pages are
extracted (joined across their "Page 2 »" continuations) and lead to the articles they
list in turn. What a page is and what a link means is decided in discovery.py, how an
article's text is found in extraction/.
"""

from __future__ import annotations

import logging
from typing import Any, AsyncIterator, Iterable
from urllib.parse import urlsplit

import scrapy
from scrapy.http import HtmlResponse, Response

from archive_spider import discovery
from archive_spider.items import ArticleItem
from archive_spider.middlewares import ROLE, ROLE_ARTICLE
from archive_spider.urls import normalise_url
from archive_spider.workers import ExtractionFailed, ExtractionPool

logger = logging.getLogger(__name__)

ROLE_START = "start"
ROLE_INDEX = "index"
ROLE_CONTINUATION = "continuation"


def split_urls(value: str | Iterable[str] | None) -> list[str]:
    """Start URLs from a spider argument: a list, or a string of URLs separated by
    commas or white space (``scrapy crawl articles -a url=A,B``)."""
    if not value:
        return []
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    return [u for u in value if u]


def teaser_quality(link: discovery.ArticleLink) -> tuple[bool, bool, int]:
    """Orders teasers of one article: one with text beats none, an uncut one beats one cut
    short with an ellipsis, and a longer one beats a shorter."""
    text = (link.teaser or "").rstrip()
    return (bool(text), not text.endswith(("…", "...")), len(text))


class ArticlesSpider(scrapy.Spider):
    """Crawls article sites from their index pages into the archive.

    Arguments (``-a`` with ``scrapy crawl``): ``url`` / ``urls``: start URLs (index pages,
    front pages or single articles); ``allowed_hosts``: more hosts the crawl may visit.
    """

    name = "articles"

    def __init__(self, url: str | None = None, urls: Any = None, allowed_hosts: Any = None, **kwargs):
        super().__init__(**kwargs)
        self.start_urls = [normalise_url(u) for u in split_urls(url) + split_urls(urls)]
        if not self.start_urls:
            raise ValueError("ArticlesSpider needs at least one start URL (-a url=https://...)")
        self._extra_hosts = split_urls(allowed_hosts)
        self.teasers: dict[str, discovery.ArticleLink] = {}

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        hosts = {urlsplit(u).hostname for u in spider.start_urls}
        hosts |= set(spider._extra_hosts) | set(crawler.settings.getlist("ARCHIVE_ALLOWED_HOSTS"))
        spider.allowed_hosts = sorted(h for h in hosts if h)
        # Scrapy's OffsiteMiddleware reads allowed_domains; it also stops redirects off-site.
        spider.allowed_domains = list(spider.allowed_hosts)
        spider.max_article_pages = crawler.settings.getint("ARCHIVE_MAX_ARTICLE_PAGES")
        # Extraction runs in worker processes, so fetching goes on meanwhile (workers.py).
        spider.extraction_pool = ExtractionPool.from_crawler(crawler)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.crawler.stats.set_value("archive/start_urls", len(self.start_urls))
        for url in self.start_urls:
            yield scrapy.Request(
                url, callback=self.parse_page, errback=self.start_failed,
                meta={ROLE: ROLE_START}, dont_filter=True,
            )

    # --- callbacks ------------------------------------------------------------------------

    async def parse_page(self, response: Response):
        """Any page: route it by what discovery says it is."""
        if not isinstance(response, HtmlResponse):
            self.crawler.stats.inc_value("archive/skipped")
            logger.info("Not HTML, skipped: %s", response.url)
            return
        analysis = discovery.analyse_page(response.text, response.url, self.allowed_hosts)
        role = response.meta.get(ROLE)
        self.crawler.stats.inc_value(f"archive/pages/{analysis.kind}")

        if analysis.kind == "article":
            for request in self.follow_article_links(response, analysis.article_links):
                yield request
            teaser = response.meta.get("teaser")
            pages = [(response.url, response.text)]
            async for output in self.continue_or_extract(response, analysis, pages, teaser):
                yield output
            return

        if role == ROLE_ARTICLE:
            # Listed like an article, but the page says otherwise (an index, a form...).
            self.crawler.stats.inc_value("archive/not_article")
            logger.info("Listed as an article but is %s, not archived: %s", analysis.kind, response.url)
        for request in self.follow_article_links(response, analysis.article_links):
            yield request
        for url in analysis.next_pages + analysis.section_links:
            yield response.follow(url, callback=self.parse_page, meta={ROLE: ROLE_INDEX})

    async def parse_continuation(self, response: Response):
        """Page 2, 3... of a multi-page article: collect it, then go on or extract."""
        pages = response.meta["pages"] + [(response.url, response.text)]
        if not isinstance(response, HtmlResponse):
            pages = pages[:-1]
            analysis = None
        else:
            analysis = discovery.analyse_page(response.text, response.url, self.allowed_hosts)
        async for output in self.continue_or_extract(response, analysis, pages, response.meta.get("teaser")):
            yield output

    async def continue_or_extract(self, response, analysis, pages, teaser):
        seen = {normalise_url(u) for u, _ in pages}
        nxt = analysis.continuation if analysis else None
        if nxt and normalise_url(nxt) not in seen and len(pages) < self.max_article_pages:
            yield response.follow(
                nxt, callback=self.parse_continuation, errback=self.continuation_failed,
                meta={ROLE: ROLE_CONTINUATION, "pages": pages, "teaser": teaser, "first": response.meta.get("first", analysis)},
            )
            return
        first_analysis = response.meta.get("first") or analysis
        item = await self.build_item(pages, first_analysis, teaser)
        if item is not None:
            yield item

    def follow_article_links(self, response: Response, links: Iterable[discovery.ArticleLink]):
        for link in links:
            self.remember_teaser(link)
            yield response.follow(
                link.url, callback=self.parse_page, meta={ROLE: ROLE_ARTICLE, "teaser": link},
            )

    def remember_teaser(self, link: discovery.ArticleLink) -> None:
        """Keep the fullest teaser seen for each article: the same essay is often listed
        with its whole teaser on its category page and a cut one in a sidebar."""
        best = self.teasers.get(link.url)
        if best is None or teaser_quality(link) > teaser_quality(best):
            self.teasers[link.url] = link

    # --- errbacks -------------------------------------------------------------------------

    def start_failed(self, failure):
        self.crawler.stats.inc_value("archive/start_failed")
        logger.error("Start URL failed: %s (%s)", failure.request.url, failure.getErrorMessage())

    async def continuation_failed(self, failure):
        """A later page of an article failed: archive what was collected, with a warning."""
        request = failure.request
        logger.warning("Article continuation failed: %s (%s)", request.url, failure.getErrorMessage())
        item = await self.build_item(request.meta["pages"], request.meta.get("first"), request.meta.get("teaser"),
                               warnings=["continuation-failed"])
        if item is not None:
            yield item

    # --- items ----------------------------------------------------------------------------

    async def build_item(self, pages, analysis, teaser: discovery.ArticleLink | None, warnings=()) -> ArticleItem | None:
        first_url = pages[0][0]
        teaser = self.teasers.get(normalise_url(first_url)) or teaser
        teaser_text = teaser.teaser if teaser else None
        try:
            article = await self.extraction_pool.extract(pages, teaser_text)
        except ExtractionFailed as exc:  # a crashed or hung worker: count it and go on
            self.crawler.stats.inc_value("archive/errors")
            logger.error("Extraction failed: %s", exc)
            return None
        except Exception:  # extraction promises not to raise; if it does, count and go on
            self.crawler.stats.inc_value("archive/errors")
            logger.exception("Extraction failed: %s", first_url)
            return None
        canonical = analysis.canonical_url if analysis else None
        url = normalise_url(first_url)
        return ArticleItem(
            url=url,
            canonical_url=canonical if canonical and canonical != url else None,
            title=article.title or (teaser.title if teaser else None),
            author=article.author,
            published=article.published or (teaser.published if teaser else None),
            modified=article.modified,
            text=article.text,
            html=article.html,
            summary=teaser_text or article.description,
            description=article.description,
            lang=article.lang,
            word_count=article.word_count,
            image=article.image,
            tags=list(article.tags or []),
            extraction_warnings=list(article.warnings or []) + list(warnings),
            pages=len(pages),
        )
