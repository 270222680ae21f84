"""Reads of the archive: an article by its addresses, what a crawl's revisit policy needs,
site boilerplate, listing times, statistics, failures and site health. Nothing here writes.
"""

from __future__ import annotations

import json
from typing import Any
from collections.abc import Iterable

import sqlite_utils

from archive_spider.archive.schema import CRAWL_COUNTS, SITE_HEALTH_JSON

def find_article(db: sqlite_utils.Database, url: str, canonical_url: str | None = None) -> dict | None:
    """The stored article at ``url``, or the one known under another of its addresses:
    a stored row whose canonical URL is ``url``, or whose URL or canonical URL is
    ``canonical_url``. An exact URL match wins."""
    rows = list(db.query("select * from articles where url = ?", [url]))
    if not rows:
        names = [url] + ([canonical_url] if canonical_url else [])
        marks = ", ".join("?" for _ in names)
        rows = list(db.query(
            f"select * from articles where canonical_url in ({marks}) or url in ({marks}) "
            "order by id limit 1",
            names + names,
        ))
    return rows[0] if rows else None


def known_urls(db: sqlite_utils.Database) -> set[str]:
    """Every URL the archive holds an article for (fetched and canonical)."""
    known: set[str] = set()
    for url, canonical in db.execute("select url, canonical_url from articles"):
        known.add(url)
        if canonical:
            known.add(canonical)
    return known


ADAPTIVE_DATES = ("first_seen", "last_changed", "published", "modified")


def revisit_state(db: sqlite_utils.Database, dates: bool = False) -> dict[str, dict[str, Any]]:
    """For every URL the archive holds (fetched and canonical): the validators and time
    of the article's last fetch, which the revisit policy decides on (with ``dates``, also
    the ADAPTIVE_DATES the adaptive policy needs), and under ``url`` the address it was
    fetched from (a canonical URL shares its article's entry)."""
    state: dict[str, dict[str, Any]] = {}
    extra = "".join(f", {name}" for name in ADAPTIVE_DATES) if dates else ""
    for row in db.query(
        f"select url, canonical_url, http_etag, http_last_modified, last_fetched, last_seen{extra} from articles"
    ):
        known = {
            "url": row["url"],
            "http_etag": row["http_etag"],
            "http_last_modified": row["http_last_modified"],
            # Articles archived before validators were kept: their last sighting.
            "last_fetched": row["last_fetched"] or row["last_seen"],
        }
        if dates:  # what the adaptive policy judges an article's age by, when known
            known.update((name, row[name]) for name in ADAPTIVE_DATES if row[name])
        state[row["url"]] = known
        if row["canonical_url"]:
            state.setdefault(row["canonical_url"], known)
    # Pages whose canonical URL held the same text, archived there (archive/failures.py reason
    # ``canonical:archived-as``, the detail naming that URL): known as that article.
    for row in db.query("select url, detail from failures where reason = 'canonical:archived-as'"):
        known = state.get(row["detail"])
        if known is not None:
            state.setdefault(row["url"], known)
    return state


def site_boilerplate(db: sqlite_utils.Database, site: str, min_articles: int, limit: int) -> frozenset[str]:
    """The hashes of the paragraphs seen in at least ``min_articles`` articles of ``site``,
    at most ``limit`` of them (the most widespread). ``min_articles`` below 1: none."""
    if min_articles < 1 or "site_boilerplate" not in db.table_names():
        return frozenset()
    rows = db.execute(
        "select block_hash from site_boilerplate where site = ? and articles >= ? "
        "order by articles desc, block_hash limit ?", [site, min_articles, limit],
    )
    return frozenset(row[0] for row in rows)


def full_listing_times(db: sqlite_utils.Database, start_urls: Iterable[str]) -> dict[str, str]:
    """When a crawl last read the whole listing of each of ``start_urls`` (those it ever did)."""
    urls = list(dict.fromkeys(start_urls))
    if not urls:
        return {}
    marks = ",".join("?" * len(urls))
    return dict(db.execute(f"select start_url, full_read from listings where start_url in ({marks})", urls).fetchall())


def archive_stats(db: sqlite_utils.Database, last_crawls: int = 5, last_failures: int = 10) -> dict[str, Any]:
    """What is in the archive (per site), how the last crawls went (with their failures
    by reason), and the latest failures."""
    sites = list(db.query(
        "select site, count(*) as articles, sum(word_count) as words, "
        "min(published) as oldest, max(published) as newest, max(last_seen) as last_seen "
        "from articles group by site order by articles desc"
    ))
    crawls = list(db.query(
        f"select id, started, finished, status, {', '.join(CRAWL_COUNTS)}, message "
        "from crawls order by id desc limit ?",
        [last_crawls],
    ))
    for crawl in crawls:
        crawl["failures"] = failure_counts(db, crawl["id"])
    return {
        "articles": db["articles"].count,
        "duplicates": db.execute("select count(*) from articles where duplicate_of is not null").fetchone()[0],
        "revisions": db["revisions"].count,
        "sites": sites,
        "crawls": crawls,
        "recent_failures": recent_failures(db, last_failures),
    }


def failure_counts(db: sqlite_utils.Database, crawl_id: int) -> dict[str, int]:
    """How many failures of each reason a crawl had, most frequent first."""
    return {
        reason: count
        for reason, count in db.execute(
            "select reason, count(*) as n from failures where crawl_id = ? group by reason "
            "order by n desc, reason",
            [crawl_id],
        )
    }


def recent_failures(db: sqlite_utils.Database, limit: int = 10, crawl_id: int | None = None) -> list[dict]:
    """The latest failures (of one crawl, or of any), newest first."""
    where, params = ("where crawl_id = ?", [crawl_id]) if crawl_id is not None else ("", [])
    return list(db.query(
        f"select crawl_id, failed_at, url, reason, status, detail from failures {where} "
        "order by id desc limit ?",
        params + [limit],
    ))


def _health_row(row: dict[str, Any]) -> dict[str, Any]:
    for name in SITE_HEALTH_JSON:
        row[name] = json.loads(row[name]) if row.get(name) else ({} if name != "drift" else [])
    return row


def site_health_history(db: sqlite_utils.Database, site: str, before_crawl: int, limit: int) -> list[dict]:
    """The site's ``site_health`` rows of crawls before ``before_crawl``, newest first."""
    return [_health_row(row) for row in db.query(
        "select * from site_health where site = ? and crawl_id < ? order by crawl_id desc limit ?",
        [site, before_crawl, limit])]


def latest_site_health(db: sqlite_utils.Database, site: str | None = None, crawls: int = 1) -> list[dict]:
    """Per site (or for ``site``), its latest ``crawls`` rows of ``site_health``, newest first."""
    where, params = ("where site = ?", [site]) if site else ("", [])
    return [_health_row(row) for row in db.query(
        f"select * from (select *, row_number() over (partition by site order by crawl_id desc) as nth "
        f"from site_health {where}) where nth <= ? order by site, crawl_id desc", params + [crawls])]


def count_first_stored_in(db: sqlite_utils.Database, urls: Iterable[str], crawl_id: int) -> int:
    """How many of the articles at ``urls`` the crawl ``crawl_id`` stored first: their
    first revision is that crawl's (a timestamp would not do: the crawl before may have
    stored articles in the same second this one started)."""
    urls, count = list(dict.fromkeys(urls)), 0
    for start in range(0, len(urls), 400):
        chunk = urls[start:start + 400]
        count += db.execute(
            f"select count(*) from articles a where url in ({', '.join('?' * len(chunk))}) "
            "and duplicate_of is null and (select r.crawl_id from revisions r where r.article_id = a.id "
            "order by r.id limit 1) = ?", chunk + [crawl_id]).fetchone()[0]
    return count


def site_last_first_seen(db: sqlite_utils.Database, site: str) -> str | None:
    """When the archive last stored a new article of ``site``."""
    return db.execute("select max(first_seen) from articles where site = ? and duplicate_of is null",
                      [site]).fetchone()[0]


def site_latest_published(db: sqlite_utils.Database, site: str, limit: int) -> list[str]:
    """The publication dates of the site's ``limit`` latest dated articles, newest first."""
    return [row[0] for row in db.execute(
        "select published from articles where site = ? and published is not null "
        "order by published desc limit ?", [site, limit])]
