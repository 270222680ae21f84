"""Incremental listing: how much of a site's listing a crawl reads, and how the articles
it no longer reaches through it are still revisited.

A site's *listing* is everything its start URLs lead to: index pages with their next pages
and sections, feeds, sitemaps. The first crawl of a site reads all of it (up to the
stale-index rule and the limits of docs/discovery.md). After a crawl has read the whole
listing of every start URL of a site, and for ``ARCHIVE_FULL_LISTING_EVERY`` (7 days by
default), later crawls count an index page as stale when it lists no article that the
*archive* lacks, where a full listing counts only articles *this crawl* has already seen.
An index chain then stops ``ARCHIVE_STALE_INDEX_PAGES`` pages past the newest article:
a nightly rerun reads the first pages of each listing, not all of them.

A crawl has read the whole listing of a site when it ended normally (status ``ok``), it
read the listing in full (not incrementally), and nothing cut it: no start URL, index
page, feed or sitemap of the site failed for good with an error that may hide a page
(a 5xx, a timeout, a network error; a 404 hides nothing), no depth or page cap refused
one of its pages, no worker failed on one of its index pages. Anything else records nothing,
so an interrupted or cut crawl is completed by the next one, which reads everything
again. Once the period is over a crawl reads the whole listing again: that catches
articles a site inserts deep in its listing (backdated posts) and links a changed
template moved. ``crawl --full-listing`` does it now.

Since a shortened listing no longer links every known article, the spider revisits the
rest from the archive once everything else is done (``ArticlesSpider.revisit_unlisted``):
every archived article of the crawl's sites that the crawl has not asked for, and that
the revisit policy would revisit, is requested like one found on an index page. So each
known article is checked per the policy whether or not the crawl read its index page,
including articles a site has taken off its listings.

The listing times live in the ``listings`` table (start URL, when, which crawl).
Distributed workers (distributed/) always read the whole listing: the archive is the
ingester's, not theirs.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from archive_spider import revisit
from archive_spider.archive import queries, schema, writes
from archive_spider.archive.connection import CrawlArchive
from archive_spider.percrawler import one_per_crawler
from archive_spider.urls import normalise_url

logger = logging.getLogger(__name__)

DEFAULT_EVERY = "7d"


def parse_every(value) -> dt.timedelta:
    """ARCHIVE_FULL_LISTING_EVERY: a duration (``7d``, ``12h``); ``0`` reads the whole
    listing on every crawl. Raises ValueError otherwise."""
    return revisit.parse_duration(str(value if value not in (None, "") else DEFAULT_EVERY))


class ArchiveKnowledge:
    """What the archive holds, read once per crawl and shared by the spider and the
    revisit middleware: ``state`` maps every archived URL (fetched and canonical) to what
    its last fetch left (``queries.revisit_state``; with ``dates`` for the adaptive
    policy). Empty when there is no archive yet. ``archive`` is the crawl's
    (archive/connection.py)."""

    def __init__(self, archive: CrawlArchive, dates: bool = False):
        self.archive = archive
        self.dates = dates
        self._state: dict[str, dict] | None = None

    @classmethod
    def of(cls, crawler) -> ArchiveKnowledge:
        """The crawler's ArchiveKnowledge, created on first use."""
        def make() -> ArchiveKnowledge:
            policy = revisit.parse_policy(crawler.settings.get("ARCHIVE_REVISIT"))
            return cls(CrawlArchive.of(crawler), dates=policy.name == "adaptive")

        return one_per_crawler(crawler, "_archive_knowledge", make)

    @property
    def state(self) -> dict[str, dict]:
        if self._state is None:
            self._state = {}
            if self.archive.path:
                try:
                    db = self.archive.open(create=False)
                except schema.ArchiveError:
                    return self._state  # no archive yet: nothing is known
                self._state = queries.revisit_state(db, dates=self.dates)
        return self._state

    def archived_urls(self) -> Iterable[str]:
        """The address each archived article was fetched from, once each."""
        for url, known in self.state.items():
            if known.get("url", url) == url:
                yield url


class ListingPlan:
    """Which sites this crawl lists incrementally, what cut a full listing short, and the
    record of full listings at the end. ``sites`` are SiteConfig objects; ``archive`` is
    the crawl's (archive/connection.py)."""

    def __init__(self, sites, archive: CrawlArchive, every: dt.timedelta, enabled: bool = True):
        self.sites = {site.name: site for site in sites}
        self.archive = archive
        self.every = every
        self.enabled = enabled and bool(archive.path)
        self.incremental: set[str] = set()
        self.cut: dict[str, str] = {}  # site name -> the first reason its listing was cut
        self.started = schema.utc_now()

    @classmethod
    def from_crawler(cls, crawler, sites, enabled: bool = True) -> ListingPlan:
        settings = crawler.settings
        return cls(sites, CrawlArchive.of(crawler),
                   parse_every(settings.get("ARCHIVE_FULL_LISTING_EVERY")), enabled)

    def open(self, now: dt.datetime | None = None) -> None:
        """Decide, from the archive's ``listings``, which sites are listed incrementally."""
        if not self.enabled or not self.every:
            return
        try:
            db = self.archive.open(create=False)
        except schema.ArchiveError:
            return
        times = queries.full_listing_times(db, (url for s in self.sites.values() for url in start_keys(s)))
        now = now or dt.datetime.now(dt.timezone.utc)
        for name, site in self.sites.items():
            read = [revisit.parse_time(times.get(url)) for url in start_keys(site)]
            if read and all(t is not None and now - t < self.every for t in read):
                self.incremental.add(name)
        if self.incremental:
            logger.info("Listing incrementally (whole listing read within %s): %s",
                        self.every, ", ".join(sorted(self.incremental)))

    def is_incremental(self, site) -> bool:
        return site is not None and site.name in self.incremental

    def cut_short(self, site_name: str | None, why: str) -> None:
        """Something kept this crawl from reading the site's whole listing."""
        if site_name in self.sites and site_name not in self.cut:
            self.cut[site_name] = why
            if site_name not in self.incremental:
                logger.info("Listing of %s not read whole (%s): the next crawl reads it all again", site_name, why)

    def finish(self, status: str, crawl_id: int | None) -> list[str]:
        """Record the start URLs whose whole listing this crawl read; returns them."""
        if not self.enabled or status != "ok":
            return []
        whole = [url for name, site in self.sites.items()
                 if name not in self.incremental and name not in self.cut for url in start_keys(site)]
        if whole:
            writes.record_full_listings(self.archive.open(), whole, self.started, crawl_id)
        return whole


def start_keys(site) -> list[str]:
    """How the ``listings`` table names a site's start URLs."""
    return [normalise_url(url) for url in site.start_urls]
