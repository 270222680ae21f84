"""Site health: what each crawl saw of each site, and whether the site changed under it.

Cron runs the crawler for months while sites change their templates, move their articles
behind JavaScript, start refusing crawlers or move their listings. This module notices.

* During a crawl, :class:`HealthRecorder` (a Scrapy extension) notes per site what the
  site answered (statuses, 304s), which article pages came back and what each extracted
  article looked like (words, warnings, teaser found or not, the element its text sat in).
* After the crawl, :func:`assess_crawl` turns that, the crawl's failures and the archive
  into one row of figures per site (:func:`site_metrics`, pure), compares it with the
  site's previous rows (:func:`detect_drift`, pure: medians and MADs over the recent
  crawls, with floors so that small sites and noise raise nothing), stores it in
  ``site_health`` and logs one WARNING line per site that changed.

See docs/health.md for the figures, the checks and their thresholds.
"""

from __future__ import annotations

import sqlite3
import datetime as dt
import json
import logging
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Iterable
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured

from archive_spider import revisit
from archive_spider import settings as defaults
from archive_spider.archive import queries, schema, writes
from archive_spider.archive.connection import CrawlArchive
from archive_spider.extraction.boilerplate import block_hash, may_be_boilerplate, split_blocks
from archive_spider.percrawler import one_per_crawler
from archive_spider.vocabulary import ROLE, Role

logger = logging.getLogger(__name__)

# Statuses that say the site refuses the crawler, and the failure reason robots.txt gives.
BLOCKING_STATUSES = (401, 403, 429)
ROBOTS_REASON = "robots-txt"
# Articles per site and crawl whose container element is looked up (an lxml parse each).
CONTAINER_SAMPLE = 12
# MAD to standard deviation, for normally distributed figures.
MAD_SCALE = 1.4826


# --- during the crawl ---------------------------------------------------------------------

@dataclass
class ArticleFacts:
    """What one extracted article of the crawl looked like."""

    url: str
    words: int
    warnings: tuple[str, ...]
    had_teaser: bool
    teaser_found: bool
    container: str | None = None
    blocks: frozenset[str] = frozenset()


@dataclass
class SiteObservations:
    """What one crawl saw of one site."""

    statuses: Counter = field(default_factory=Counter)  # final answers by HTTP status
    not_modified: int = 0  # 304 answers to conditional article requests
    article_pages: int = 0  # article requests answered 2xx
    dropped: int = 0  # extractions the pipelines dropped (too short, empty, a second copy in the crawl)
    articles: list[ArticleFacts] = field(default_factory=list)
    listed: int = 0  # distinct article links the site's listings showed
    canaries: int = 0  # known articles fetched for health although the revisit policy skips them
    start_redirects: dict[str, str] = field(default_factory=dict)  # start URL -> where it led
    start_statuses: dict[str, int] = field(default_factory=dict)  # start URL -> its final status


class HealthRecorder:
    """Notes per site what the crawl saw (a Scrapy extension, one per crawler)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.sites: dict[str, SiteObservations] = {}
        self.canaries = max(0, crawler.settings.getint("ARCHIVE_HEALTH_CANARIES"))
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(self.article_not_modified, signal=revisit.article_not_modified)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler) -> HealthRecorder:
        if not crawler.settings.getbool("ARCHIVE_HEALTH"):
            raise NotConfigured("ARCHIVE_HEALTH is off")
        return cls.of(crawler)

    @classmethod
    def of(cls, crawler) -> HealthRecorder:
        return one_per_crawler(crawler, "_archive_health", lambda: cls(crawler))

    def take_canary(self, url: str) -> bool:
        """Whether to fetch the archived article at ``url``, which the revisit policy
        would skip: the first ARCHIVE_HEALTH_CANARIES such articles of each site are
        fetched, so that a site whose known articles all go unfetched (no validators, no
        new articles) still shows each crawl what its article pages look like now."""
        site = self.site(url)
        if site.canaries >= self.canaries:
            return False
        site.canaries += 1
        self.crawler.stats.inc_value("archive/health_canaries")
        return True

    def site(self, url: str) -> SiteObservations:
        return self.sites.setdefault(schema.site_of(url), SiteObservations())

    def response_received(self, response, request, spider=None) -> None:
        if request.meta.get(ROLE) is None and request.url.endswith("/robots.txt"):
            return  # Scrapy's own robots.txt fetch: a 404 there is no error of the site
        site = self.site(request.url)
        site.statuses[response.status] += 1
        if request.meta.get(ROLE) == Role.START:
            redirected = request.meta.get("redirect_urls")
            start = redirected[0] if redirected else request.url
            site.start_statuses[start] = response.status
            if redirected:
                site.start_redirects[start] = response.url
        if request.meta.get(ROLE) == Role.ARTICLE and 200 <= response.status < 300:
            site.article_pages += 1

    def article_not_modified(self, url: str, fetch: dict) -> None:
        self.site(url).not_modified += 1

    def item_dropped(self, item, response, exception, spider=None) -> None:
        url = getattr(item, "url", None)
        if url:
            self.site(url).dropped += 1

    def item_scraped(self, item, response, spider=None) -> None:
        site = self.site(item.url)
        warnings = tuple(item.extraction_warnings or ())
        had_teaser = bool(item.summary) and item.summary != item.description
        container = None
        if len(site.articles) < CONTAINER_SAMPLE and response is not None and hasattr(response, "text"):
            container = container_of(response.text, item.text)
        site.articles.append(ArticleFacts(
            url=item.url, words=int(item.word_count or 0), warnings=warnings, had_teaser=had_teaser,
            teaser_found=had_teaser and "teaser-not-found" not in warnings, container=container,
            blocks=frozenset(block_hash(b) for b in split_blocks(item.text) if may_be_boilerplate(b)),
        ))

    def spider_closed(self, spider, reason: str = "") -> None:
        for url in getattr(spider, "listed", ()):
            self.site(url).listed += 1


# --- where an article's text sits in its page -----------------------------------------------

def _describe(element) -> str:
    """``tag#id.class``, leaving out names with digits (post-123, a per-article id)."""
    def keep(name: str) -> bool:
        return bool(name) and not any(ch.isdigit() for ch in name)

    out = element.tag if isinstance(element.tag, str) else "?"
    ident = element.get("id") or ""
    if keep(ident):
        out += f"#{ident}"
    classes = sorted(c for c in (element.get("class") or "").split() if keep(c))
    return out + "".join(f".{c}" for c in classes[:3])


def container_of(page_html: str, text: str | None) -> str | None:
    """The element of ``page_html`` that holds the article ``text`` (extracted from it),
    described as ``tag#id.class`` (with its parent's when it has neither), or None when
    no paragraph of the text is found in the page. A site that renames its article
    container changes this, however well extraction copes."""
    import lxml.html

    probes = []
    for paragraph in (text or "").split("\n\n"):
        folded = " ".join(paragraph.split())
        if len(folded) >= 40:
            probes.append(folded[:40])
        if len(probes) == 3:
            break
    if not probes or not page_html:
        return None
    try:
        root = lxml.html.fromstring(page_html)
    except (ValueError, lxml.etree.ParserError):
        return None
    holder = None
    for paragraph in root.iter("p"):
        folded = " ".join(paragraph.text_content().split())
        if any(folded.startswith(probe) for probe in probes):
            holder = paragraph.getparent()
            break
    if holder is None:  # text straight inside a container, lines broken by <br>
        for element in root.iter():
            own = " ".join((element.text or "").split())
            if own and any(own.startswith(probe[:20]) for probe in probes):
                holder = element
                break
    if holder is None:
        return None
    described = _describe(holder)
    parent = holder.getparent()
    if "#" not in described and "." not in described and parent is not None:
        described = f"{_describe(parent)} > {described}"
    return described


# --- the figures of one crawl of one site (pure) -------------------------------------------

def _median(values: Iterable[float]) -> float | None:
    values = list(values)
    return statistics.median(values) if values else None


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def rhythm_days(published: Iterable[str | None]) -> float | None:
    """The site's usual days between articles: the median gap between the distinct
    publication days of its latest articles (None with fewer than five dated days)."""
    days = sorted({p[:10] for p in published if p and len(p) >= 10}, reverse=True)
    dates = []
    for day in days:
        try:
            dates.append(dt.date.fromisoformat(day))
        except ValueError:
            continue
    if len(dates) < 5:
        return None
    return float(statistics.median((a - b).days for a, b in zip(dates, dates[1:])))


def site_metrics(
    observed: SiteObservations,
    failures: dict[str, int],
    *,
    new: int,
    last_new: str | None,
    rhythm: float | None,
    boilerplate: frozenset[str] = frozenset(),
    now: str,
) -> dict[str, Any]:
    """The figures of one crawl of one site (a ``site_health`` row without its keys)."""
    articles = observed.articles
    pages = sum(observed.statuses.values()) + observed.not_modified
    robots = failures.get(ROBOTS_REASON, 0)
    blocked = sum(observed.statuses[s] for s in BLOCKING_STATUSES) + robots
    teasers = [a for a in articles if a.had_teaser]
    containers = Counter(a.container for a in articles if a.container)
    archived_pages = min(len(articles), observed.article_pages)
    days_since = None
    if last_new:
        days_since = round((_parse_time(now) - _parse_time(last_new)).total_seconds() / 86400, 2)
    return {
        "listed": observed.listed,
        "article_pages": observed.article_pages,
        "archived": len(articles) + observed.not_modified,
        "new": new,
        "dropped": observed.dropped,
        "article_yield": _share(archived_pages, observed.article_pages),
        "pages": pages + robots,
        "http_errors": sum(n for s, n in observed.statuses.items() if s >= 400),
        "blocked": blocked,
        "status_403": observed.statuses[403],
        "status_429": observed.statuses[429],
        "not_modified": observed.not_modified,
        "failures": dict(sorted(failures.items(), key=lambda kv: (-kv[1], kv[0]))),
        "failures_total": sum(failures.values()),
        "extracted": len(articles),
        "median_words": _median(a.words for a in articles),
        "warnings_share": _share(sum(1 for a in articles if a.warnings), len(articles)),
        "teasers": len(teasers),
        "teaser_agreement": _share(sum(1 for a in teasers if a.teaser_found), len(teasers)),
        "boilerplate_share": _share(sum(1 for a in articles if a.blocks & boilerplate), len(articles)),
        "containers": dict(containers.most_common()),
        "start_redirects": dict(sorted(observed.start_redirects.items())),
        "start_statuses": dict(sorted(observed.start_statuses.items())),
        "last_new": last_new,
        "days_since_new": days_since,
        "rhythm_days": rhythm,
    }


def _parse_time(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


# --- drift: this crawl against the site's own history (pure) --------------------------------

@dataclass(frozen=True)
class Limits:
    """How much history and evidence a check needs (ARCHIVE_HEALTH_* settings)."""

    min_history: int = defaults.ARCHIVE_HEALTH_MIN_HISTORY  # earlier crawls of the site with the figure measured
    window: int = defaults.ARCHIVE_HEALTH_WINDOW  # earlier crawls compared with
    min_articles: int = defaults.ARCHIVE_HEALTH_MIN_ARTICLES  # articles (or pages) a crawl's figure needs to be judged


@dataclass(frozen=True)
class Drift:
    check: str  # a key of CHECKS
    message: str


# The checks, with what each looks at (docs/health.md says more).
CHECKS = {
    "listing-empty": "the listing yielded no articles where it used to yield some",
    "listing-moved": "a start URL redirects somewhere it did not before",
    "start-failing": "a start URL that answered before now answers with an HTTP error",
    "not-archived": "article pages the listings lead to stopped being archived",
    "words-collapsed": "the median word count of the extracted articles collapsed",
    "teaser-agreement": "fewer articles contain the teaser their listing showed",
    "container-changed": "the article text sits in an element the site never used before",
    "new-failure-reason": "a failure reason the site did not have makes up most of its failures",
    "blocking": "the site started refusing the crawler (robots.txt, 401, 403, 429)",
    "quiet": "no new article for much longer than the site's usual rhythm",
}


def robust_baseline(values: Iterable[float]) -> tuple[float, float]:
    """The median of ``values`` and their spread: the MAD scaled to a standard deviation."""
    values = list(values)
    centre = statistics.median(values)
    return centre, MAD_SCALE * statistics.median(abs(v - centre) for v in values)


def _history(history: list[dict], name: str, enough=lambda row: True) -> list[float]:
    return [row[name] for row in history if row.get(name) is not None and enough(row)]


def _blocked_share(row: dict) -> float:
    return (row.get("blocked") or 0) / max(row.get("pages") or 0, 1)


def quiet_threshold(rhythm: float) -> float:
    """Days without a new article that are unusual for a site publishing every ``rhythm``
    days: four times its rhythm, and at least two weeks more than it."""
    return max(4 * rhythm, rhythm + 14)


def is_quiet(row: dict) -> bool:
    rhythm, days = row.get("rhythm_days"), row.get("days_since_new")
    return rhythm is not None and days is not None and days > quiet_threshold(rhythm)


def _without_query(url: str) -> str:
    """The URL without its query and fragment (a session id in a redirect is no move)."""
    return urlsplit(url)._replace(query="", fragment="").geturl()


def _percent(value: float) -> str:
    return f"{value:.0%}"


def detect_drift(current: dict, history: list[dict], limits: Limits = Limits()) -> list[Drift]:
    """What changed on the site in the crawl ``current`` against ``history`` (its earlier
    ``site_health`` rows, newest first): a list of Drift, empty when nothing did.

    Each check compares a figure with its median over the history, and flags it only past
    both a fixed floor and three scaled MADs of the history, and only with enough
    evidence in this crawl and the history (``limits``)."""
    history = history[:limits.window]
    need = limits.min_articles
    out: list[Drift] = []

    def enough_history(values: list) -> bool:
        return len(values) >= limits.min_history

    # Blocking started.
    blocked = [_blocked_share(row) for row in history if (row.get("pages") or 0) > 0]
    if enough_history(blocked) and current.get("blocked") and _blocked_share(current) >= 0.5:
        usual, _ = robust_baseline(blocked)
        if usual < 0.1:
            robots = (current.get("failures") or {}).get(ROBOTS_REASON) or 0
            statuses = {s: current.get(f"status_{s}") or 0 for s in (403, 429)}
            parts = [f"{s} on {n}" for s, n in statuses.items() if n]
            parts += [f"robots.txt forbids {robots}"] if robots else []
            other = current["blocked"] - sum(statuses.values()) - robots
            parts += [f"401 on {other}"] if other else []
            out.append(Drift("blocking", f"blocking started: {', '.join(parts)} of {current['pages']} requests"))

    # The listing yielded no articles.
    listed = _history(history, "listed")
    blocking = bool(out)  # a blocked site lists nothing, and that is said already
    if enough_history(listed) and current.get("listed") == 0 and not blocking:
        usual, _ = robust_baseline(listed)
        if usual >= need:
            out.append(Drift("listing-empty", f"the listing yielded no articles (usually {usual:g})"))

    # A start URL now redirects elsewhere (the listing moved, a consent or log-in wall).
    if enough_history(history):
        for source, target in (current.get("start_redirects") or {}).items():
            before = [(row.get("start_redirects") or {}).get(source) for row in history]
            if not any(_without_query(t) == _without_query(target) for t in before if t):
                out.append(Drift("listing-moved", f"start URL {source} now redirects to {target}"))

    # A start URL that answered now fails (the listing moved away, the section was dropped).
    if enough_history(history) and not blocking:
        for start, status in (current.get("start_statuses") or {}).items():
            answered = [(row.get("start_statuses") or {}).get(start) for row in history]
            if status >= 400 and any(s is not None and s < 400 for s in answered):
                out.append(Drift("start-failing", f"start URL {start} now answers {status}"))

    # Article pages came back but were not archived (JavaScript stubs, not articles).
    yields = _history(history, "article_yield", lambda r: (r.get("article_pages") or 0) >= need)
    now_yield = current.get("article_yield")
    if enough_history(yields) and now_yield is not None and (current.get("article_pages") or 0) >= need:
        usual, spread = robust_baseline(yields)
        if usual >= 0.5 and now_yield < usual / 2 and usual - now_yield > max(0.3, 3 * spread):
            archived = round(now_yield * current["article_pages"])
            out.append(Drift("not-archived", f"{archived} of {current['article_pages']} article pages archived "
                                             f"(usually {_percent(usual)})"))

    # The median word count collapsed.
    words = _history(history, "median_words", lambda r: (r.get("extracted") or 0) >= need)
    now_words = current.get("median_words")
    if enough_history(words) and now_words is not None and (current.get("extracted") or 0) >= need:
        usual, spread = robust_baseline(words)
        if now_words < 0.5 * usual and usual - now_words > 3 * spread:
            out.append(Drift("words-collapsed", f"median word count fell to {now_words:g} (usually {usual:g})"))

    # Teaser agreement dropped.
    agreement = _history(history, "teaser_agreement", lambda r: (r.get("teasers") or 0) >= need)
    now_agreement = current.get("teaser_agreement")
    if enough_history(agreement) and now_agreement is not None and (current.get("teasers") or 0) >= need:
        usual, spread = robust_baseline(agreement)
        if usual >= 0.5 and usual - now_agreement > max(0.3, 3 * spread):
            out.append(Drift("teaser-agreement", f"teaser agreement fell to {_percent(now_agreement)} "
                                                 f"(usually {_percent(usual)})"))

    # The article container changed.
    past = [row["containers"] for row in history if sum((row.get("containers") or {}).values()) >= need]
    now_containers = current.get("containers") or {}
    sampled = sum(now_containers.values())
    if enough_history(past) and sampled >= need:
        known = set().union(*past)
        unknown = {name: n for name, n in now_containers.items() if name not in known}
        if sum(unknown.values()) >= 0.6 * sampled:
            usual = Counter()
            for counts in past:
                usual.update(counts)
            before = usual.most_common(1)[0][0]
            after = max(unknown, key=unknown.get)
            out.append(Drift("container-changed", f"article container changed from {before} to {after}"))

    # A new failure reason dominates.
    failures = current.get("failures") or {}
    if failures and enough_history([row for row in history if row.get("pages") is not None]):
        reason, count = max(failures.items(), key=lambda kv: (kv[1], kv[0]))
        rate = count / max(current.get("pages") or 0, count)
        counts = [(row.get("failures") or {}).get(reason, 0) for row in history]
        before = [n / max(row.get("pages") or 0, 1) for n, row in zip(counts, history)]
        covered = any(d.check == "blocking" for d in out) and reason in (ROBOTS_REASON, "http-error", "rate-limited")
        # new: at most a fifth as frequent before, by count and by share of the pages
        if (count >= need and count >= 0.5 * sum(failures.values()) and rate >= 0.25
                and max(counts) * 5 <= count and max(before) * 5 <= rate and not covered):
            seen = sum(1 for b in before if b)
            was = "never before" if not seen else f"before at most {_percent(max(before))} of pages"
            out.append(Drift("new-failure-reason", f"failure reason {reason} dominates: {count} pages ({was})"))

    # No new article for much longer than usual: flagged on the crawl that crosses the line.
    if is_quiet(current) and history and not is_quiet(history[0]):
        out.append(Drift("quiet", f"no new article for {current['days_since_new']:.0f} days "
                                  f"(usually one every {current['rhythm_days']:g})"))
    return out


# --- after the crawl: figures, drift, the site_health row and the warning --------------------

@dataclass
class SiteHealth:
    site: str
    crawl_id: int
    metrics: dict[str, Any]
    drift: list[Drift]

    @property
    def flagged(self) -> bool:
        return bool(self.drift)

    def warning(self) -> str:
        """The one line cron mails for a site that changed."""
        return f"Site {self.site} changed: " + "; ".join(d.message for d in self.drift)


def limits_from(settings) -> Limits:
    return Limits(
        min_history=max(1, settings.getint("ARCHIVE_HEALTH_MIN_HISTORY")),
        window=max(1, settings.getint("ARCHIVE_HEALTH_WINDOW")),
        min_articles=max(1, settings.getint("ARCHIVE_HEALTH_MIN_ARTICLES")),
    )


def site_failures(db, crawl_id: int) -> dict[str, dict[str, int]]:
    """The crawl's failures per site, by reason (any reason, whoever added it)."""
    out: dict[str, dict[str, int]] = {}
    for url, reason, count in db.execute(
        "select url, reason, count(*) from failures where crawl_id = ? group by url, reason", [crawl_id]
    ):
        per_site = out.setdefault(schema.site_of(url), {})
        per_site[reason] = per_site.get(reason, 0) + count
    return out


def assess_crawl(db, crawl_id: int, recorder: HealthRecorder | None, limits: Limits = Limits(),
                 boilerplate_min: int = 4, now: str | None = None) -> list[SiteHealth]:
    """Figures and drift of every site the crawl ``crawl_id`` touched; stores them in
    ``site_health`` and logs one WARNING line per site that changed."""
    now = now or schema.utc_now()
    started = time.monotonic()
    crawl = db["crawls"].get(crawl_id)
    observed = dict(recorder.sites) if recorder is not None else {}
    for url in json.loads(crawl.get("start_urls") or "[]"):
        observed.setdefault(schema.site_of(url), SiteObservations())
    # (a failure off the crawl's sites, such as a redirect to another host, is its site's)
    failures = site_failures(db, crawl_id)
    results = []
    for site, seen in sorted(observed.items()):
        if not site:
            continue
        history = queries.site_health_history(db, site, crawl_id, limits.window)
        new = queries.count_first_stored_in(db, [a.url for a in seen.articles], crawl_id)
        last_new = crawl["started"] if new else (
            history[0]["last_new"] if history else queries.site_last_first_seen(db, site))
        metrics = site_metrics(
            seen, failures.get(site, {}), new=new, last_new=last_new,
            rhythm=rhythm_days(queries.site_latest_published(db, site, 30)),
            boilerplate=queries.site_boilerplate(db, site, boilerplate_min, 10_000), now=now,
        )
        drift = detect_drift(metrics, history, limits)
        health = SiteHealth(site, crawl_id, metrics, drift)
        writes.record_site_health(db, crawl_id, site, now, metrics, [d.__dict__ for d in drift],
                                   health.warning() if drift else None)
        if drift:
            logger.warning(health.warning())
        results.append(health)
    logger.info("Site health of %d site%s assessed in %.3f s", len(results), "" if len(results) == 1 else "s",
                time.monotonic() - started)
    return results


def assess_after_crawl(crawl_id: int | None, crawler, settings) -> list[SiteHealth]:
    """The crawl's hook: assess the crawl ``crawl_id`` in the crawl's archive (its one
    connection, archive/connection.py); a failure here is logged and never fails the crawl."""
    if not crawl_id or not settings.getbool("ARCHIVE_HEALTH"):
        return []
    recorder = getattr(crawler, "_archive_health", None)
    try:
        db = CrawlArchive.of(crawler).open()
        return assess_crawl(db, crawl_id, recorder, limits_from(settings),
                            boilerplate_min=settings.getint("ARCHIVE_BOILERPLATE_MIN_PAGES"))
    except (schema.ArchiveError, sqlite3.Error) as exc:
        logger.error("Site health not assessed: %s", exc)
        return []


# --- reading it back: `archive-spider stats --health` ----------------------------------------

def health_report(db, site: str | None = None, crawls: int = 5) -> list[dict[str, Any]]:
    """Per site (or for ``site``): its latest ``site_health`` row with the word-count
    trend against its earlier crawls, and the rows of its last ``crawls`` crawls."""
    rows = queries.latest_site_health(db, site, max(crawls, 2 * Limits.window))
    by_site: dict[str, list[dict]] = {}
    for row in rows:
        row.pop("nth", None)
        by_site.setdefault(row["site"], []).append(row)
    report = []
    for name, history in by_site.items():
        latest, earlier = history[0], history[1:]
        words = _history(earlier[:Limits.window], "median_words")
        usual = statistics.median(words) if words else None
        trend = None
        if usual and latest.get("median_words") is not None:
            trend = round(latest["median_words"] / usual - 1, 3)
        report.append({"site": name, "latest": latest, "usual_median_words": usual, "words_trend": trend,
                       "crawls": history[:crawls]})
    return report


def describe(entry: dict[str, Any]) -> list[str]:
    """Lines of text for one site of :func:`health_report`."""
    r = entry["latest"]

    def pct(value):
        return "-" if value is None else _percent(value)

    lines = [f"{entry['site']} (crawl {r['crawl_id']}, {r['assessed']})"
             + (": CHANGED" if r["flagged"] else ": ok")]
    yield_text = f"{r['archived']} archived" + (
        f" ({pct(r['article_yield'])} of {r['article_pages']} article pages)" if r["article_pages"] else "")
    lines.append(f"  listed {r['listed']}, {yield_text}, {r['new']} new, {r['dropped'] or 0} dropped")
    if r["median_words"] is not None:
        trend = entry["words_trend"]
        usual = f", usually {entry['usual_median_words']:g} ({trend:+.0%})" if trend is not None else ""
        lines.append(f"  median {r['median_words']:g} words{usual}; extraction warnings {pct(r['warnings_share'])}; "
                     f"teaser agreement {pct(r['teaser_agreement'])}; known boilerplate in "
                     f"{pct(r['boilerplate_share'])}")
    if r["containers"]:
        lines.append("  article text in " + ", ".join(f"{name} ({n})" for name, n in r["containers"].items()))
    pages = r["pages"] or 0
    lines.append(f"  {pages} requests: HTTP errors {pct(_share(r['http_errors'] or 0, pages))}, "
                 f"403/429/robots.txt {pct(_share(r['blocked'] or 0, pages))}, "
                 f"304 {pct(_share(r['not_modified'] or 0, pages))}")
    if r["failures"]:
        lines.append("  not archived: " + ", ".join(f"{reason} {n}" for reason, n in r["failures"].items()))
    if r["days_since_new"] is not None:
        rhythm = f" (usually one every {r['rhythm_days']:g} days)" if r["rhythm_days"] is not None else ""
        lines.append(f"  last new article {r['days_since_new']:.1f} days ago{rhythm}")
    for drift in r["drift"]:
        lines.append(f"  changed: {drift['message']}")
    return lines
