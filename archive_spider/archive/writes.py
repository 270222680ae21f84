"""What a crawl writes to the archive: articles and their revisions, the crawl's own row,
its failures, fetch validators, WARC index rows, teasers, site boilerplate counts, full
listings and site health. Each function is one transaction.

With schema.py (the migrations) and upkeep.py, the only code that writes SQLite.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Iterable

import sqlite_utils

from archive_spider import similarity
from archive_spider.archive.queries import find_article
from archive_spider.archive.schema import (
    ARTICLE_FIELDS, CRAWL_COUNTS, FAILURE_FIELDS, FETCH_FIELDS, SITE_HEALTH_COLUMNS, SITE_HEALTH_JSON, site_of,
    utc_now,
)

def content_hash(title: str | None, text: str | None) -> str:
    """A hash of what a reader sees: title and text with whitespace folded."""
    folded = " ".join((title or "").split()) + "\n" + " ".join((text or "").split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


@dataclass
class StoreResult:
    """What one call of store_articles did, by outcome."""

    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # New rows that copy an earlier article (stored with duplicate_of set).
    duplicates: list[str] = field(default_factory=list)


def _as_row(article: dict[str, Any]) -> dict[str, Any]:
    row = {name: article.get(name) for name in ARTICLE_FIELDS}
    for name in ("tags", "extraction_warnings"):
        value = row[name]
        if isinstance(value, (list, tuple)):
            row[name] = json.dumps(list(value), ensure_ascii=False) if value else None
    if not row["site"]:
        row["site"] = site_of(row["url"])
    row["content_hash"] = content_hash(row["title"], row["text"])
    return row


def _words_changed(old: str | None, new: str | None) -> int:
    """A cheap size of change: words in one version and not the other (multiset)."""
    from collections import Counter

    if not old:  # a first version: every word is new (and counting them needs no Counter)
        return len((new or "").split())
    before, after = Counter((old or "").split()), Counter((new or "").split())
    return sum(((before - after) + (after - before)).values())


def store_articles(
    db: sqlite_utils.Database,
    articles: Iterable[dict[str, Any]],
    *,
    crawl_id: int | None = None,
    now: str | None = None,
    seen: bool = True,
) -> StoreResult:
    """Insert or update articles in one transaction.

    A new URL is inserted; a known one with the same content only has ``last_seen``
    moved; a known one whose title or text changed is updated and gets a revision. Every
    first version is kept as revision 1 too, so the history is complete. A new article
    whose text copies an earlier one (same content hash, or a SimHash a few bits away) is
    stored with ``duplicate_of`` set to the earlier one's id.

    An article dict with ``last_fetched`` also updates the HTTP validators kept for
    conditional requests (``http_etag``, ``http_last_modified``). ``seen=False`` (re-extraction
    from stored pages) leaves ``last_seen`` where it is.
    """
    now = now or utc_now()
    result = StoreResult()
    table = db["articles"]
    with db.atomic():
        for article in articles:
            row = _as_row(article)
            fetch = {name: article.get(name) for name in FETCH_FIELDS} if article.get("last_fetched") else {}
            seen_now = {"last_seen": now} if seen else {}
            existing = find_article(db, row["url"], row["canonical_url"])
            if existing is None:
                row.update(first_seen=now, last_seen=now, last_changed=now, crawl_id=crawl_id, **fetch)
                row["simhash"] = fingerprint_of(article, row["text"])
                row["duplicate_of"] = find_duplicate(db, row)
                article_id = table.insert(row).last_pk
                (result.duplicates if row["duplicate_of"] else result.new).append(row["url"])
            elif existing["content_hash"] == row["content_hash"]:
                table.update(existing["id"], {**seen_now, "crawl_id": crawl_id, **fetch})
                result.unchanged.append(existing["url"])
                continue
            else:
                article_id = existing["id"]
                row["url"] = existing["url"]
                row.update(last_changed=now, crawl_id=crawl_id, simhash=fingerprint_of(article, row["text"]),
                           **seen_now, **fetch)
                table.update(article_id, row)
                result.updated.append(existing["url"])
            db["revisions"].insert({
                "article_id": article_id,
                "captured": now,
                "crawl_id": crawl_id,
                "content_hash": row["content_hash"],
                "title": row["title"],
                "text": row["text"],
                "word_count": row["word_count"],
                "words_changed": _words_changed(existing["text"] if existing else "", row["text"]),
            })
    return result


def fingerprint_of(article: dict[str, Any], text: str | None) -> int | None:
    """The SimHash of the article's text: the one computed with its extraction (off the
    crawl's thread) if given, else computed now."""
    if article.get("simhash") is not None:
        return article["simhash"]
    return similarity.simhash(text)


def find_duplicate(db: sqlite_utils.Database, row: dict[str, Any]) -> int | None:
    """The id of the earliest article (not itself a copy) that ``row`` duplicates: the same
    content hash, or else a near-identical text (SimHash) of about the same length."""
    exact = db.execute(
        "select id from articles where content_hash = ? and duplicate_of is null and url != ? "
        "order by id limit 1", [row["content_hash"], row["url"]],
    ).fetchone()
    if exact:
        return exact[0]
    fingerprint, words = row.get("simhash"), row.get("word_count") or 0
    if fingerprint is None or not words:
        return None
    # Articles sharing a byte of the fingerprint, each band through its own covering index
    # (the rows themselves, text and HTML, are not read).
    shares_a_band = " union ".join(
        f"select id, simhash, word_count from articles "
        f"where ((simhash >> {8 * band}) & 255) = ? and duplicate_of is null"
        for band in range(similarity.BANDS)
    )
    low, high = int(words * similarity.LENGTH_RATIO), int(words / similarity.LENGTH_RATIO) + 1
    candidates = sorted(
        article_id for article_id, other, length in db.execute(shares_a_band, similarity.bands(fingerprint))
        if low <= (length or 0) <= high and similarity.is_candidate(fingerprint, other)
    )
    for article_id in candidates:
        (text,) = db.execute("select text from articles where id = ?", [article_id]).fetchone()
        if similarity.resemblance(row["text"] or "", text or "") >= similarity.MIN_RESEMBLANCE:
            return article_id
    return None


def mark_not_modified(
    db: sqlite_utils.Database, fetches: dict[str, dict[str, Any]], *, crawl_id: int | None = None,
    now: str | None = None,
) -> int:
    """Record that the site answered 304 Not Modified for these article URLs: ``last_seen``
    and ``last_fetched`` move, new validators (if sent) replace the old. Returns how many
    articles were touched."""
    now = now or utc_now()
    if not fetches:
        return 0
    # Each URL's article: the one fetched from it, else the one that names it canonical.
    ids: dict[str, int] = {}
    urls = list(fetches)
    for start in range(0, len(urls), 400):  # SQLite's limit on parameters, with room
        chunk = urls[start:start + 400]
        marks = ", ".join("?" * len(chunk))
        for article_id, url, canonical in db.execute(
            f"select id, url, canonical_url from articles where url in ({marks}) or canonical_url in ({marks}) "
            "order by id", chunk + chunk,
        ):
            if url in fetches:
                ids[url] = article_id
            if canonical in fetches:
                ids.setdefault(canonical, article_id)
    rows = [
        (now, fetch.get("last_fetched") or now, crawl_id, fetch.get("http_etag"), fetch.get("http_last_modified"), ids[url])
        for url, fetch in fetches.items() if url in ids
    ]
    with db.atomic():
        db.conn.executemany(
            "update articles set last_seen = ?, last_fetched = ?, crawl_id = ?, "
            "http_etag = coalesce(?, http_etag), http_last_modified = coalesce(?, http_last_modified) "
            "where id = ?", rows,
        )
    return len(rows)


def add_warc_records(db: sqlite_utils.Database, records: Iterable[dict[str, Any]]) -> None:
    """Index WARC records already written (and flushed) to their files."""
    records = list(records)
    if records:
        with db.atomic():
            db["warc_records"].insert_all(records)


def update_summaries(db: sqlite_utils.Database, summaries: dict[str, tuple[str, list[str]]]) -> None:
    """Set the teaser (``summary``) and extraction warnings of articles by URL; the text
    is not touched."""
    with db.atomic():
        for url, (summary, warnings) in summaries.items():
            db.execute(
                "update articles set summary = ?, extraction_warnings = ? where url = ?",
                [summary, json.dumps(warnings, ensure_ascii=False) if warnings else None, url],
            )


def add_boilerplate_sightings(
    db: sqlite_utils.Database, sightings: dict[tuple[str, str], tuple[str, int]], *, min_new: int = 2,
    now: str | None = None,
) -> None:
    """Add to the counts of ``site_boilerplate``: ``sightings`` maps (site, block hash) to
    (sample text, number of articles the block occurred in). A block not yet in the table
    is added only when seen in at least ``min_new`` articles: most paragraphs occur once,
    and keeping them all would copy every article into the table."""
    if not sightings:
        return
    now = now or utc_now()
    rows = [(site, block, sample, count) for (site, block), (sample, count) in sightings.items()]
    with db.atomic():
        db.conn.executemany(
            "insert into site_boilerplate (site, block_hash, sample, articles, first_seen, last_seen) "
            "values (?, ?, ?, ?, ?, ?) on conflict (site, block_hash) do update set "
            "articles = articles + excluded.articles, last_seen = excluded.last_seen",
            [(site, block, sample, count, now, now) for site, block, sample, count in rows if count >= min_new],
        )
        db.conn.executemany(
            "update site_boilerplate set articles = articles + ?, last_seen = ? where site = ? and block_hash = ?",
            [(count, now, site, block) for site, block, _, count in rows if count < min_new],
        )


def record_full_listings(db: sqlite_utils.Database, start_urls: Iterable[str], when: str,
                         crawl_id: int | None) -> None:
    """Record that the crawl ``crawl_id``, started at ``when``, read the whole listing of
    each of ``start_urls``."""
    rows = [{"start_url": url, "full_read": when, "crawl_id": crawl_id} for url in dict.fromkeys(start_urls)]
    if rows:
        with db.atomic():
            db["listings"].upsert_all(rows, pk="start_url")


def start_crawl(db: sqlite_utils.Database, start_urls: Iterable[str]) -> int:
    """Record a crawl as running; returns its id."""
    with db.atomic():
        return db["crawls"].insert({
            "started": utc_now(),
            "status": "running",
            "start_urls": json.dumps(list(start_urls)),
            **{name: 0 for name in CRAWL_COUNTS},
        }).last_pk


def close_interrupted_crawls(db: sqlite_utils.Database) -> int:
    """Mark crawls still "running" as "interrupted" (killed, or the machine went down).

    Call only while holding the archive's lock: then no crawl of this archive is running.
    """
    with db.atomic():
        cursor = db.execute(
            "update crawls set status = 'interrupted', "
            "message = coalesce(message, 'the process ended before the crawl finished') "
            "where status = 'running'"
        )
    return cursor.rowcount


def finish_crawl(
    db: sqlite_utils.Database, crawl_id: int, status: str, counts: dict[str, int], message: str | None = None
) -> None:
    """Record how a crawl ended: its status, counts and an optional one-line message."""
    with db.atomic():
        db["crawls"].update(crawl_id, {
            "finished": utc_now(),
            "status": status,
            "message": message,
            **{name: int(counts.get(name, 0)) for name in CRAWL_COUNTS},
        })


def record_failures(db: sqlite_utils.Database, crawl_id: int | None, failures: Iterable[dict[str, Any]]) -> int:
    """Append failures of a crawl (dicts with the keys of FAILURE_FIELDS) in one
    transaction; returns how many were written."""
    rows = [{"crawl_id": crawl_id, **{name: f.get(name) for name in FAILURE_FIELDS}} for f in failures]
    for row in rows:
        row["failed_at"] = row["failed_at"] or utc_now()
    if rows:
        with db.atomic():
            db["failures"].insert_all(rows)
    return len(rows)


def record_site_health(db: sqlite_utils.Database, crawl_id: int, site: str, assessed: str,
                       metrics: dict[str, Any], drift: list[dict], message: str | None) -> None:
    """Store the figures and drift of one crawl of one site (a second call replaces them)."""
    row = {"crawl_id": crawl_id, "site": site, "assessed": assessed,
           **{name: metrics.get(name) for name in SITE_HEALTH_COLUMNS},
           "flagged": int(bool(drift)), "drift": drift, "message": message}
    for name in SITE_HEALTH_JSON:
        row[name] = json.dumps(row[name], ensure_ascii=False)
    with db.atomic():
        db.execute("delete from site_health where site = ? and crawl_id = ?", [site, crawl_id])
        db["site_health"].insert(row)
