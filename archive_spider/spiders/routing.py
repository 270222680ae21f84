"""Crawl-level routing for ArticlesSpider: sites, sources, limits and traps.

``articles.py`` routes one page at a time by what discovery says about it; this mixin
holds what spans pages:

* **Sites** (``sites.py``): every request belongs to one site, whose hosts, include and
  exclude patterns, selectors and limits apply. Start URLs given without a config form
  one site per host.
* **One spelling per site**: once a site's first start URL answers, links to the same
  host with or without ``www.``, over http or https, are requested in the spelling that
  answered (after its redirects), so one article cannot be stored under two origins.
* **Sources** (``discovery/feeds.py``): feeds, sitemaps and robots.txt are recognised by content and
  turned into article requests; ``discover`` asks a site's front page, robots.txt and the
  usual feed and sitemap paths.
* **Limits**: per-site page cap (requests scheduled), depth cap (links from a start URL),
  a delay through a download slot of its own, and the stale-index rule: a chain of index
  pages that brings no article link the crawl has not seen for ``stale_index_pages``
  pages in a row is followed no further (endless calendars, filter combinations).
* **Bounds** on endless and huge sites: sitemaps per site, URLs taken from one sitemap
  (read as a stream, so the rest is never parsed), links taken from one page. Each cut
  is counted (``archive/capped/*``), recorded in ``failures`` as ``capped``, keeps the
  site's listing from counting as read whole, and is summed up in one warning per site
  and cap when the crawl ends.
"""

from __future__ import annotations

import sqlite3
import dataclasses
import itertools
import logging
from urllib.parse import urlsplit, urlunsplit

import parsel
import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response

from archive_spider import revisit, sites
from archive_spider.discovery import pages as discovery
from archive_spider.discovery import feeds
from archive_spider.archive import schema
from archive_spider.archive.failures import FailureLog
from archive_spider.crawlcontext import CrawlContext
from archive_spider.listing import ArchiveKnowledge, ListingPlan
from archive_spider.sites import SiteConfig
from archive_spider.urls import normalise_url
from archive_spider.vocabulary import (
    DEPTH, FORCED, GUESS, ROLE, SECTION, SITE, STALE, TEASER, VIA_CANONICAL, ArticleLink, LISTING_ROLES, Role,
)

logger = logging.getLogger(__name__)

# Roles and Request.meta keys: vocabulary.py.
SLOT_PREFIX = "archive-site:"

# Scheduler priorities (higher goes first; within one, requests wait in the order they were
# found, breadth-first: DEPTH_PRIORITY is 0). The next page of a multi-page article first:
# its meta holds the article's pages fetched so far. Then articles, then index pages and
# sources, so the articles waiting are those of the pages read last, not the whole site's.
ARTICLE_PRIORITY = 1
CONTINUATION_PRIORITY = 2

# The per-site caps: SiteLimits field -> (setting, stats key, what a cut leaves out).
CAPS = {
    "max_pages": ("ARCHIVE_SITE_MAX_PAGES", "site_max_pages", "links not requested"),
    "max_sitemaps": ("ARCHIVE_SITE_MAX_SITEMAPS", "site_max_sitemaps", "lists of sitemaps cut short"),
    "max_sitemap_urls": ("ARCHIVE_SITEMAP_MAX_URLS", "sitemap_max_urls", "sitemaps not read to the end"),
    "max_links_per_page": ("ARCHIVE_MAX_LINKS_PER_PAGE", "max_links_per_page", "pages and feeds cut short"),
}
# Sitemap entries handed to the routing at a time (a sitemap is read as a stream).
SITEMAP_BATCH = 500


class SiteRoutingMixin:
    """Mixed into ArticlesSpider; needs ``self.crawler``, ``self.teasers`` and
    ``self.parse_page``."""

    sites: list[SiteConfig]
    # Read a site's listing only as far as it brings articles the archive lacks, once a
    # crawl has read it whole (listing.py). Distributed workers read it whole every time.
    incremental_listing = True
    # Known articles asked for from the archive at each idle moment (revisit_unlisted).
    REVISIT_CHUNK = 500

    def setup_sites(self, crawler) -> None:
        """Read the crawl-wide limits and register per-site download slots. Called from
        ``from_crawler``, while the settings may still change."""
        settings = crawler.settings
        self.default_max_depth = settings.getint("ARCHIVE_MAX_DEPTH")
        self.default_stale_pages = settings.getint("ARCHIVE_STALE_INDEX_PAGES")
        self.default_caps = {name: settings.getint(setting) for name, (setting, _, _) in CAPS.items()}
        # sitemaps requested per site; what each cap cut, per (site, limit)
        self.site_sitemaps: dict[str, int] = {}
        self.cuts: dict[tuple[str, str], int] = {}
        crawler.signals.connect(self.report_cuts, signal=signals.spider_closed)
        self.default_scope = settings.get("ARCHIVE_SCOPE")
        # the folders of each site's start URLs (scope "prefix"); after redirects too
        self.scope_prefixes: dict[str, set[str]] = {
            site.name: {sites.scope_prefix(url) for url in site.start_urls} for site in self.sites}
        self.origins: dict[str, tuple[str, str]] = {}
        self.discovery: dict[str, DiscoveryState] = {}
        self.fetched_starts: set[str] = set(self.start_urls)
        # start URLs count against a site's page cap too
        self.site_requests: dict[str, set[str]] = {site.name: set(site.start_urls) for site in self.sites}
        self.sites_by_name = {site.name: site for site in self.sites}
        # Article URLs listed by the index pages, feeds and sitemaps read so far: the
        # stale-index rule asks whether a listing page brings any other.
        self.listed: set[str] = set()
        slots = dict(settings.getdict("DOWNLOAD_SLOTS"))
        for site in self.sites:
            if site.limits.delay is not None:
                # A slot of the site's own: its delay holds whatever --concurrency lifted.
                slots[SLOT_PREFIX + site.name] = {"delay": site.limits.delay, "concurrency": 1}
        if slots and settings.frozen:
            logger.warning("Settings are frozen: per-site delays are not applied (set DOWNLOAD_SLOTS instead)")
        elif slots:
            settings.set("DOWNLOAD_SLOTS", slots, priority="spider")
        crawler.signals.connect(self.watch_start_redirects, signal=signals.request_scheduled)
        self.listing = ListingPlan.from_crawler(crawler, self.sites, enabled=self.incremental_listing)
        self.revisit_policy = revisit.parse_policy(settings.get("ARCHIVE_REVISIT"))
        self._unlisted = None  # the known articles still to revisit, once listing is done
        if self.incremental_listing:
            crawler.signals.connect(self.revisit_unlisted, signal=signals.spider_idle)
            crawler.signals.connect(self.finish_listing, signal=signals.spider_closed)
        hosts = {host for site in self.sites for host in site.allowed_hosts}
        self.allowed_hosts = sorted(hosts)
        # Scrapy's OffsiteMiddleware matches host names (and their subdomains), no ports;
        # it also checks every redirect.
        names = {urlsplit("//" + host).hostname for host in hosts}
        self.allowed_domains = sorted(n.removeprefix("www.") for n in names if n)

    def watch_start_redirects(self, request, spider=None) -> None:
        """A start URL that redirects off the allowed hosts is dropped, silently, by
        Scrapy's offsite check: say so, and count it as a failed start URL."""
        if request.meta.get(ROLE) != Role.START or not request.meta.get("redirect_urls"):
            return
        site = self.site_of(request.meta["redirect_urls"][0], request.meta)
        if site is not None and not site.owns(request.url):
            self.crawler.stats.inc_value("archive/start_failed")
            logger.error("Start URL %s redirects off the site, to %s: not followed (add --allow-host %s "
                         "or start from there)", request.meta["redirect_urls"][0], request.url,
                         urlsplit(request.url).hostname)

    # --- which site -----------------------------------------------------------------------

    def site_of(self, url: str, meta: dict | None = None) -> SiteConfig | None:
        """The site a request or response belongs to: the one named in its meta, else the
        first whose hosts hold ``url``."""
        name = (meta or {}).get(SITE)
        if name in self.sites_by_name:
            return self.sites_by_name[name]
        for site in self.sites:
            if site.owns(url):
                return site
        return None

    def hosts_for(self, response: Response) -> list[str]:
        site = self.site_of(response.url, response.meta)
        return list(site.allowed_hosts) if site else self.allowed_hosts

    def learn_origin(self, site: SiteConfig, url: str) -> None:
        """Remember the scheme and host a site answered on (its first start URL, after
        redirects): other spellings of that host are requested this way from now on."""
        # Start requests bypass the duplicate filter: links back to them must not refetch.
        self.fetched_starts.add(normalise_url(url))
        self.scope_prefixes.setdefault(site.name, set()).add(sites.scope_prefix(url))
        if site.name not in self.origins:
            parts = urlsplit(url)
            self.origins[site.name] = (parts.scheme, parts.netloc)

    def respell(self, url: str, site: SiteConfig | None) -> str:
        """``url`` in the site's own spelling when it differs only by ``www.`` or http/https."""
        origin = self.origins.get(site.name) if site else None
        if origin is None:
            return url
        return respell_url(url, *origin)

    # --- requests -------------------------------------------------------------------------

    def site_start_requests(self):
        """Start requests for every site, then (for sites that ask) its feeds and sitemaps."""
        stats = self.crawler.stats
        stats.set_value("archive/start_urls", len(self.start_urls))
        for site in self.sites:
            for url in site.start_urls:
                yield self.make_request(site, url, role=Role.START, depth=0, errback=self.start_failed)
        for site in self.sites:
            if site.discover:
                # robots.txt first; the usual sitemap and feed paths are guessed only if it
                # and the start pages name none (see discovery_step_done)
                self.discovery[site.name] = DiscoveryState(waiting=len(site.start_urls) + 1)
                robots = feeds.well_known_sources(site.start_urls[0])[0]
                yield self.probe_request(site, robots)

    def probe_request(self, site: SiteConfig, url: str) -> scrapy.Request:
        return self.make_request(site, url, role=Role.PROBE, depth=0, errback=self.probe_failed)

    def discovery_step_done(self, response_or_request, found_sitemaps: bool = False, found_feeds: bool = False):
        """Count off robots.txt and the start pages of a site crawled with ``discover``;
        once all have answered, guess the sitemap and feed paths they did not name."""
        meta = response_or_request.meta
        site = self.site_of(response_or_request.url, meta)
        state = self.discovery.get(site.name) if site else None
        if state is None or meta.get(ROLE) not in (Role.PROBE, Role.START) or meta.get(GUESS):
            return
        state.sitemaps |= found_sitemaps
        state.feeds |= found_feeds
        state.waiting -= 1
        if state.waiting:
            return
        for url in feeds.well_known_sources(site.start_urls[0])[1:]:
            is_feed = not urlsplit(url).path.startswith("/sitemap")
            if (state.feeds if is_feed else state.sitemaps) or not site.allows(url):
                continue
            request = self.probe_request(site, url)
            request.meta[GUESS] = True
            yield request

    def slot_meta(self, site: SiteConfig) -> dict:
        return {"download_slot": SLOT_PREFIX + site.name} if site.limits.delay is not None else {}

    def site_request(
        self, response: Response, url: str, *, role: str, meta: dict | None = None,
        stale: int = 0, errback=None,
    ) -> scrapy.Request | None:
        """A request for ``url`` found on ``response``, or ``None`` when the site's patterns
        or limits say no (each refusal counted in the stats)."""
        stats = self.crawler.stats
        site = self.site_of(response.url, response.meta) or self.site_of(url)
        if site is None:
            stats.inc_value("archive/refused/offsite")
            return None
        url = self.respell(url, site)
        if url in self.fetched_starts:
            return None
        if url in self.site_requests.get(site.name, ()):
            # Asked for already (menus and sidebars list the same links on every page):
            # Scrapy's duplicate filter would drop it, after its middlewares had run.
            stats.inc_value("archive/refused/seen")
            return None
        if not site.allows(url):
            stats.inc_value("archive/refused/pattern" if site.owns(url) else "archive/refused/offsite")
            return None
        if not self.in_scope(site, url, response, role, meta):
            stats.inc_value("archive/refused/scope")
            return None
        depth = response.meta.get(DEPTH, 0) + 1
        max_depth = first_set(site.limits.max_depth, self.default_max_depth)
        if max_depth and depth > max_depth:
            stats.inc_value("archive/refused/depth")
            self.listing.cut_short(site.name, "ARCHIVE_MAX_DEPTH")
            if role == Role.INDEX:
                FailureLog.of(self.crawler).record(
                    url, "listing-stopped", referer=response.url,
                    detail=f"{depth} links from the start URL (ARCHIVE_MAX_DEPTH={max_depth})")
            return None
        if not self.count_request(site, url):
            stats.inc_value("archive/refused/site_max_pages")
            self.capped(site, "max_pages", url, 1, "the site's page cap was reached: this link and later ones "
                        "were not requested", referer=response.url)
            return None
        if role == Role.INDEX and url in ArchiveKnowledge.of(self.crawler).state:
            # an archived article, whatever the page that links it calls it: asked for
            # as one, so the revisit policy applies (no full download of a known article)
            role, errback = Role.ARTICLE, self.page_failed
        return self.make_request(site, url, role=role, depth=depth, stale=stale, meta=meta, errback=errback)

    def in_scope(self, site: SiteConfig, url: str, response: Response, role: str, meta: dict | None) -> bool:
        """Whether the site's scope lets the crawl follow ``url`` from ``response``: under
        scope ``prefix``, a link under the folder of a start URL; an article link of a
        listing page (index page, feed, sitemap) or a canonical URL anywhere on the site;
        sitemaps and feeds a site announces. Under scope ``host``, any link."""
        if (site.scope or self.default_scope) == "host" or role in (Role.SOURCE, Role.PROBE):
            return True
        if role == Role.ARTICLE and ((meta or {}).get(VIA_CANONICAL) or normalise_url(response.url) in self.listing_urls):
            return True
        return sites.under_prefix(url, self.scope_prefixes.get(site.name, ()))

    def make_request(self, site: SiteConfig, url: str, *, role: str, depth: int, stale: int = 0,
                     meta: dict | None = None, errback=None) -> scrapy.Request:
        """A request for one of ``site``'s pages, with the meta the crawl routes it by."""
        request_meta = {ROLE: role, SITE: site.name, DEPTH: depth, STALE: stale, **self.slot_meta(site)}
        request_meta.update(meta or {})
        return scrapy.Request(url, callback=self.parse_page, errback=errback, meta=request_meta)

    def count_request(self, site: SiteConfig, url: str) -> bool:
        """Count a request against the site's page cap; a URL asked for twice counts once
        (Scrapy's duplicate filter drops the second)."""
        requested = self.site_requests.setdefault(site.name, set())
        if url in requested:
            return True
        cap = self.cap_of(site, "max_pages")
        if cap and len(requested) >= cap:
            return False
        requested.add(url)
        return True

    def article_requests(self, response: Response, links, extra_meta: dict | None = None):
        """Requests for the article links of a page (or feed, or sitemap), teasers kept
        for the articles asked for (not for those a limit refused: an endless site would
        fill memory with them)."""
        site = self.site_of(response.url, response.meta)
        for link in links:
            url = self.respell(link.url, site)
            if url != link.url:
                link = dataclasses.replace(link, url=url)
            request = self.site_request(response, url, role=Role.ARTICLE, meta={TEASER: link, **(extra_meta or {})},
                                        errback=self.page_failed)
            if request is not None or url in self.fetched_starts or (site and url in self.site_requests.get(site.name, ())):
                self.remember_teaser(link)
            if request is not None:
                request.priority = ARTICLE_PRIORITY
                yield request

    # --- bounds ---------------------------------------------------------------------------

    def cap_of(self, site: SiteConfig | None, name: str) -> int:
        """The cap ``name`` (a SiteLimits field of CAPS) for ``site``: its sites.toml
        limit, else the crawl-wide setting; 0: none."""
        return first_set(getattr(site.limits, name) if site else None, self.default_caps[name]) or 0

    def capped(self, site: SiteConfig | None, name: str, url: str, count: int, detail: str,
               referer: str | None = None) -> None:
        """A cap (``name``, of CAPS) cut the crawl at ``url``, leaving out ``count`` things:
        counted in the stats and for the summary, the site's listing not read whole, and
        a ``capped`` failures row (for the page cap, only its first cut per site: the
        links of an endless site are endless)."""
        setting, stat, _ = CAPS[name]
        key = (site.name if site else "", name)
        first = key not in self.cuts
        self.cuts[key] = self.cuts.get(key, 0) + count
        self.crawler.stats.inc_value(f"archive/capped/{stat}", count)
        if site is not None:
            self.listing.cut_short(site.name, setting)
        if first or name != "max_pages":
            FailureLog.of(self.crawler).record(url, "capped", referer=referer,
                                               detail=f"{detail} ({setting}={self.cap_of(site, name)})")

    def report_cuts(self, reason: str | None = None) -> None:
        """One warning per site and cap that cut the crawl, when it ends."""
        for (site_name, name), count in sorted(self.cuts.items()):
            setting, _, what = CAPS[name]
            site = self.sites_by_name.get(site_name)
            logger.warning("Site %s: %s=%d cut the crawl: %d %s (raise limits.%s in sites.toml, or -s %s=N)",
                           site_name, setting, self.cap_of(site, name), count, what, name, setting)

    def cap_links(self, response: Response, analysis):
        """At most ``max_links_per_page`` links taken from one page: its next pages first,
        then its article links, then its section links."""
        site = self.site_of(response.url, response.meta)
        cap = self.cap_of(site, "max_links_per_page")
        total = len(analysis.next_pages) + len(analysis.article_links) + len(analysis.section_links)
        if not cap or total <= cap:
            return analysis
        analysis.next_pages = analysis.next_pages[:cap]
        analysis.article_links = analysis.article_links[:cap - len(analysis.next_pages)]
        analysis.section_links = analysis.section_links[:cap - len(analysis.next_pages) - len(analysis.article_links)]
        self.capped(site, "max_links_per_page", response.url, 1,
                    f"the page lists {total} links: the first {cap} were taken")
        return analysis

    def site_full(self, site: SiteConfig | None) -> bool:
        """Whether the site's page cap takes no more requests."""
        cap = self.cap_of(site, "max_pages") if site else 0
        return bool(cap) and len(self.site_requests.get(site.name, ())) >= cap

    def sitemap_requests(self, response: Response, urls):
        """Requests for the sitemaps an index or robots.txt lists, up to the site's
        ``max_sitemaps`` in the crawl; ``urls`` is read no further once it is reached
        (the generator then returns True)."""
        site = self.site_of(response.url, response.meta)
        cap = self.cap_of(site, "max_sitemaps")
        for url in urls:
            asked = self.site_sitemaps.get(site.name, 0) if site else 0
            if cap and asked >= cap:
                self.capped(site, "max_sitemaps", response.url, 1,
                            f"the site's {cap} sitemaps were asked for: {url} and the rest of this list were not")
                return True
            request = self.site_request(response, url, role=Role.SOURCE)
            if request is not None:
                if site is not None:
                    self.site_sitemaps[site.name] = asked + 1
                yield request
        return False

    def index_requests(self, response: Response, next_pages, new_links: int, sections=()):
        """Requests for the next pages and sections of an index page, unless the chain it
        is part of has brought nothing new for too long. On a site listed incrementally
        (listing.py), a page that brought nothing new leads only to the page after it,
        when its URLs tell which that is, so that the chain can end there."""
        site = self.site_of(response.url, response.meta)
        stale = 0 if new_links else response.meta.get(STALE, 0) + 1
        limit = first_set(site.limits.stale_index_pages if site else None, self.default_stale_pages)
        next_pages = list(next_pages)
        if stale and limit and self.listing.is_incremental(site):
            following = discovery.following_page(next_pages, response.url)
            if following is not None:
                next_pages = [following]
        urls = next_pages + list(sections)
        if limit and stale >= limit and urls and self.listing.is_incremental(site):
            # Past the newest articles of a listing read whole before: the expected end.
            self.crawler.stats.inc_value("archive/listing_caught_up")
            logger.debug("Caught up with the archive at %s", response.url)
            return
        if limit and stale >= limit and urls:
            self.crawler.stats.inc_value("archive/stale_index_stopped")
            logger.info("%d index pages in a row brought no new article; not following the %d links of %s",
                        stale, len(urls), response.url)
            FailureLog.of(self.crawler).record(
                response.url, "listing-stopped",
                detail=f"{stale} index pages in a row without a new article (ARCHIVE_STALE_INDEX_PAGES={limit})")
            return
        sections = set(sections)
        for url in urls:
            meta = {SECTION: True} if url in sections else None
            request = self.site_request(response, url, role=Role.INDEX, stale=stale, meta=meta)
            if request is not None:
                yield request

    def count_new_links(self, response: Response, links) -> int:
        """How many of the article ``links`` of a listing page (index page, feed) no
        listing page before it in this crawl has listed; on a site listed incrementally,
        of those, how many the archive does not hold either (listing.py).

        Links on article pages ("related", "popular" sidebars) do not count as listed:
        articles are fetched before index pages, and their sidebars often link the
        articles of the next index page, which would then look stale.

        Once the site's page cap is full nothing more is asked for, so what its pages list
        is no longer remembered: on an endless site that would grow without end."""
        site = self.site_of(response.url, response.meta)
        known = ArchiveKnowledge.of(self.crawler).state if self.listing.is_incremental(site) else ()
        remember = not self.site_full(site)
        new = 0
        for link in links:
            if link.url not in self.listed:
                if remember:
                    self.listed.add(link.url)
                if self.respell(link.url, site) not in known:
                    new += 1
        return new

    # --- incremental listing --------------------------------------------------------------

    def revisit_unlisted(self) -> None:
        """Once the crawl has nothing else to do: ask for the archived articles of the
        crawl's sites that it has not asked for, when the revisit policy would revisit
        them (listing.py), a chunk at a time."""
        if self._unlisted is None:
            self._unlisted = self.unlisted_articles()
        requests = []
        for url, site in self._unlisted:
            if url in self.site_requests.get(site.name, ()) or url in self.fetched_starts:
                continue  # asked for since
            if not self.count_request(site, url):
                self.capped(site, "max_pages", url, 1, "the site's page cap was reached: this archived article "
                            "and later ones were not revisited")
                continue
            requests.append(self.make_request(site, url, role=Role.ARTICLE, depth=1))
            if len(requests) >= self.REVISIT_CHUNK:
                break
        if not requests:
            return
        self.crawler.stats.inc_value("archive/revisited_unlisted", len(requests))
        for request in requests:
            self.crawler.engine.crawl(request)
        raise DontCloseSpider

    def unlisted_articles(self):
        """(URL, site) of each archived article of the crawl's sites that the revisit
        policy would ask for (a generator, so that later requests are checked late)."""
        if self.revisit_policy.name == "never":
            return
        knowledge = ArchiveKnowledge.of(self.crawler)
        for url in knowledge.archived_urls():
            site = self.site_of(url)
            if site is None or not site.allows(url) or url in self.site_requests.get(site.name, ()):
                continue
            if self.revisit_policy.decide(knowledge.state[url]) != revisit.SKIP:
                yield url, site

    def finish_listing(self, reason: str) -> None:
        """Record the sites whose whole listing this crawl read (listing.py)."""
        from archive_spider.pipelines import crawl_status

        stats = self.crawler.stats
        for site_name, role in FailureLog.of(self.crawler).failed_roles:
            if role in (*LISTING_ROLES, Role.SOURCE):
                self.listing.cut_short(site_name, f"a {role} page failed")
        status = crawl_status(reason, stats.get_stats())
        try:
            whole = self.listing.finish(status, CrawlContext.of(self.crawler).crawl_id)
        except (schema.ArchiveError, sqlite3.Error) as exc:
            logger.error("Could not record which listings were read whole: %s", exc)
            return
        if whole:
            logger.info("Whole listing read for %d start URLs", len(whole))

    # --- sources --------------------------------------------------------------------------

    def parse_source(self, response: Response, kind: str):
        """A feed, sitemap or robots.txt: requests for what it lists."""
        stats = self.crawler.stats
        stats.inc_value(f"archive/sources/{kind}")
        hosts = self.hosts_for(response)
        if kind in feeds.FEED_KINDS:
            site = self.site_of(response.url, response.meta)
            cap = self.cap_of(site, "max_links_per_page")
            result = feeds.parse_feed(response.body, response.url, hosts, max_entries=cap)
            logger.info("Feed %s: %d entries", response.url, len(result.links))
            if result.truncated:
                self.capped(site, "max_links_per_page", response.url, 1,
                            f"the feed lists more than {cap} entries: the rest was not read")
            new_links = self.count_new_links(response, result.links)
            yield from self.article_requests(response, result.links)
            yield from self.listed_candidates(response, result.links)
            if result.next_page:
                yield from self.index_requests(response, [result.next_page], new_links)
        elif kind in feeds.SITEMAP_KINDS:
            yield from self.read_sitemap(response, hosts)
        elif kind == feeds.SOURCE_ROBOTS:
            text = response.body.decode("utf-8", "replace")
            sitemaps = feeds.iter_robots_sitemaps(text, response.url, hosts)
            first = next(sitemaps, None)
            if first is not None:
                yield from self.sitemap_requests(response, itertools.chain([first], sitemaps))
            yield from self.discovery_step_done(response, found_sitemaps=first is not None)
            return
        if response.meta.get(ROLE) in (Role.PROBE, Role.START):
            yield from self.discovery_step_done(response, found_sitemaps=kind in feeds.SITEMAP_KINDS,
                                                found_feeds=kind in feeds.FEED_KINDS)

    def read_sitemap(self, response: Response, hosts):
        """Requests for what a sitemap lists, read as a stream: at most
        ``max_sitemap_urls`` of its URLs, and no further once the site's page cap is full
        (a sitemap of a million URLs costs what is taken of it)."""
        stats = self.crawler.stats
        site = self.site_of(response.url, response.meta)
        cap = self.cap_of(site, "max_sitemap_urls")
        entries = feeds.iter_sitemap(response.body, response.url, hosts)
        taken: set[str] = set()
        pages = sitemaps = 0
        batch: list[ArticleLink] = []
        for entry in entries:
            if entry.url in taken:
                continue
            if cap and len(taken) >= cap:
                self.capped(site, "max_sitemap_urls", response.url, 1,
                            f"the sitemap lists more than {cap} URLs: the rest was not read")
                break
            taken.add(entry.url)
            if entry.is_sitemap:
                sitemaps += 1
                if (yield from self.sitemap_requests(response, [entry.url])):
                    break  # the site's sitemap cap: the rest of this index is not read
                continue
            pages += 1
            # Sitemaps list every page of a site; listings and service pages are not
            # fetched, the articles they list are in the sitemap too.
            if discovery.is_non_article_url(entry.url):
                stats.inc_value("archive/sitemap_non_articles")
                continue
            batch.append(ArticleLink(entry.url, entry.title, None, entry.published))
            if len(batch) >= SITEMAP_BATCH:
                yield from self.sitemap_articles(response, batch)
                batch = []
                if self.site_full(site):
                    break  # the page cap, counted where it refused the batch's last links
        yield from self.sitemap_articles(response, batch)
        logger.info("Sitemap %s: %d pages, %d sitemaps", response.url, pages, sitemaps)

    def sitemap_articles(self, response: Response, links: list):
        self.count_new_links(response, links)  # listed: index pages listing only these are stale
        yield from self.article_requests(response, links)
        yield from self.listed_candidates(response, links)

    def discover_feeds(self, response: Response, analysis) -> list:
        """The feeds a start page announces, for sites crawled with ``discover``."""
        site = self.site_of(response.url, response.meta)
        if not (site and site.discover and response.meta.get(ROLE) == Role.START):
            return []
        requests = [self.site_request(response, url, role=Role.SOURCE) for url in analysis.feeds]
        requests += list(self.discovery_step_done(response, found_feeds=bool(analysis.feeds)))
        return [r for r in requests if r is not None]

    def probe_failed(self, failure):
        """A guessed feed or sitemap address that does not exist: normal, not an error."""
        self.crawler.stats.inc_value("archive/probes_missing")
        logger.debug("No source at %s (%s)", failure.request.url, failure.getErrorMessage())
        yield from self.discovery_step_done(failure.request)

    # --- selectors --------------------------------------------------------------------------

    def apply_link_selectors(self, response: Response, analysis):
        """A site's link selectors over what discovery found (``select_links``), then the
        cap on links taken from one page."""
        return self.cap_links(response, self.select_links(response, analysis))

    def select_links(self, response: Response, analysis):
        """A site's ``article_links`` and ``next_page`` selectors, over what discovery found.

        Where the article-links selector matches, its links replace discovery's (keeping
        discovery's teasers for the same URLs) and are archived as articles whatever their
        pages look like; ``next_page`` links are followed as index pages.
        """
        site = self.site_of(response.url, response.meta)
        if site is None:
            return analysis
        if response.meta.get(FORCED) and analysis.kind != "article":
            analysis.kind = "article"
            analysis.continuation = analysis.continuation or (analysis.next_pages[0] if analysis.next_pages else None)
            analysis.next_pages = []
        selectors = site.selectors
        if not (selectors.article_links or selectors.next_page):
            return analysis
        page = parsel.Selector(text=response.text)
        if selectors.article_links:
            urls = self.selected_urls(response, page, selectors.article_links, site)
            if urls:
                found = {link.url: link for link in analysis.article_links}
                analysis.article_links = [found.get(url) or ArticleLink(url, text, None, None)
                                          for url, text in urls.items()]
        if selectors.next_page:
            urls = self.selected_urls(response, page, selectors.next_page, site)
            analysis.next_pages = list(dict.fromkeys([*urls, *analysis.next_pages]))
        return analysis

    def selected_urls(self, response, page, selector, site) -> dict[str, str | None]:
        """URL -> link text of the links a selector picks (``<a>`` or elements holding them)."""
        urls: dict[str, str | None] = {}
        for element in selector.select(page):
            anchors = [element] if element.root.tag == "a" else element.css("a[href]")
            for anchor in anchors:
                href = anchor.attrib.get("href")
                if not href:
                    continue
                try:
                    url = normalise_url(href, response.url)
                except ValueError:
                    continue
                if site.owns(url) and url != normalise_url(response.url):
                    text = " ".join(" ".join(anchor.css("::text").getall()).split())
                    urls.setdefault(url, text or None)
        return urls

    def forced_meta(self, response: Response) -> dict:
        site = self.site_of(response.url, response.meta)
        return {FORCED: True} if site and site.selectors.article_links else {}

    def has_body_selector(self, url: str) -> bool:
        site = self.site_of(url)
        return site is not None and site.selectors.body is not None

    def selectors_of(self, url: str):
        """The sites.toml selectors of the site of ``url`` (None: not a configured site)."""
        site = self.site_of(url)
        return site.selectors if site is not None else None

    def selector_missed(self, name: str) -> None:
        """A site's selector ``name`` matched nothing on a page (assembly/builder.py)."""
        self.crawler.stats.inc_value(f"archive/selector_missed/{name}")


@dataclasses.dataclass
class DiscoveryState:
    """What ``discover`` has learnt about one site so far."""

    waiting: int  # robots.txt and start pages not answered yet
    sitemaps: bool = False  # robots.txt named sitemaps
    feeds: bool = False  # a start page announced feeds


def respell_url(url: str, scheme: str, netloc: str) -> str:
    """``url`` on ``scheme://netloc`` when it names the same host up to a leading ``www.``
    and http/https (default ports only); other URLs unchanged."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or (parts.scheme, parts.netloc) == (scheme, netloc):
        return url
    if ":" in parts.netloc or ":" in netloc:  # explicit ports: another server, perhaps
        return url
    if parts.netloc.removeprefix("www.") != netloc.removeprefix("www."):
        return url
    return urlunsplit((scheme, netloc, parts.path, parts.query, ""))


def first_set(*values):
    """The first value that is not None."""
    for value in values:
        if value is not None:
            return value
    return None
