"""The archive: the only module that writes SQLite.

One file, written with sqlite-utils in WAL mode. The schema is created and upgraded by
:func:`migrate`, which applies the functions in ``MIGRATIONS`` in order and records how far
it got in ``PRAGMA user_version``; a database from a newer version is refused, not touched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable
from urllib.parse import urlsplit

import sqlite_utils

# Columns of the articles table, in the order Datasette shows them.
ARTICLE_COLUMNS: dict[str, type] = {
    "id": int,
    "url": str,
    "canonical_url": str,
    "title": str,
    "author": str,
    "published": str,
    "modified": str,
    "site": str,
    "lang": str,
    "word_count": int,
    "summary": str,
    "description": str,
    "text": str,
    "html": str,
    "image": str,
    "tags": str,
    "extraction_warnings": str,
    "content_hash": str,
    "first_seen": str,
    "last_seen": str,
    "last_changed": str,
    "crawl_id": int,
}

# Fields of an article that callers hand to store_articles (the rest is bookkeeping).
ARTICLE_FIELDS = (
    "url", "canonical_url", "title", "author", "published", "modified", "site", "lang",
    "word_count", "summary", "description", "text", "html", "image", "tags",
    "extraction_warnings",
)

CRAWL_COUNTS = ("requests", "pages", "new", "updated", "unchanged", "skipped", "duplicates", "errors")


class ArchiveError(Exception):
    """The archive cannot be opened or written; the message says why, in one line."""


def utc_now() -> str:
    """The current time as ISO 8601 UTC with seconds, the format of every timestamp here."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def content_hash(title: str | None, text: str | None) -> str:
    """A hash of what a reader sees: title and text with whitespace folded."""
    folded = " ".join((title or "").split()) + "\n" + " ".join((text or "").split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def site_of(url: str) -> str:
    """The site an article belongs to: its host without a leading ``www.``."""
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


# --- schema -------------------------------------------------------------------------------

def _migration_1_initial(db: sqlite_utils.Database) -> None:
    db["articles"].create(ARTICLE_COLUMNS, pk="id", not_null={"url"})
    db["articles"].create_index(["url"], unique=True)
    db["articles"].create_index(["canonical_url"])
    db["articles"].create_index(["site", "published"])
    db["articles"].create_index(["published"])
    db["articles"].create_index(["content_hash"])
    db["articles"].enable_fts(["title", "text"], tokenize="porter", create_triggers=True)
    db["revisions"].create(
        {
            "id": int,
            "article_id": int,
            "captured": str,
            "crawl_id": int,
            "content_hash": str,
            "title": str,
            "text": str,
            "word_count": int,
            "words_changed": int,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["revisions"].create_index(["article_id", "captured"])
    db["crawls"].create(
        {
            "id": int,
            "started": str,
            "finished": str,
            "status": str,
            "start_urls": str,
            **{name: int for name in CRAWL_COUNTS},
            "message": str,
        },
        pk="id",
    )


def _migration_2_published_year(db: sqlite_utils.Database) -> None:
    # A computed column, so Datasette can facet articles by year without a view.
    db.execute(
        "alter table articles add column year integer "
        "generated always as (cast(substr(published, 1, 4) as integer)) virtual"
    )


# Append only: each function upgrades the schema by one version.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _migration_1_initial,
    _migration_2_published_year,
]
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(db: sqlite_utils.Database) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: sqlite_utils.Database) -> None:
    """Bring the schema up to SCHEMA_VERSION, one migration per transaction."""
    version = schema_version(db)
    if version > SCHEMA_VERSION:
        raise ArchiveError(
            f"{db_path_of(db)} was written by a newer archive-spider (schema version "
            f"{version}; this version knows up to {SCHEMA_VERSION}): upgrade archive-spider"
        )
    for number in range(version + 1, SCHEMA_VERSION + 1):
        with db.conn:
            MIGRATIONS[number - 1](db)
            db.execute(f"PRAGMA user_version = {number}")


def db_path_of(db: sqlite_utils.Database) -> str:
    row = db.execute("PRAGMA database_list").fetchone()
    return row[2] or ":memory:"


def open_db(path: str | os.PathLike | None, *, create: bool = True) -> sqlite_utils.Database:
    """Open (and create or upgrade) the archive at ``path``; ``None`` opens one in memory.

    Raises ArchiveError with a one-line reason when the file is missing (and ``create`` is
    false), not a database, unwritable, or from a newer version.
    """
    if path is None:
        db = sqlite_utils.Database(memory=True)
        migrate(db)
        return db
    path = os.fspath(path)
    if not os.path.exists(path):
        if not create:
            raise ArchiveError(f"no archive at {path}: run `archive-spider crawl` first")
        parent = os.path.dirname(os.path.abspath(path))
        try:
            os.makedirs(parent, exist_ok=True)
        except OSError as exc:
            raise ArchiveError(f"cannot create {parent}: {exc.strerror}") from None
    try:
        conn = sqlite3.connect(path, timeout=30)
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA busy_timeout = 30000")
        if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            db.enable_wal()
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        migrate(db)
    except sqlite3.DatabaseError as exc:
        raise ArchiveError(f"cannot use {path} as an archive: {exc}") from None
    return db


# --- articles -----------------------------------------------------------------------------

@dataclass
class StoreResult:
    """What one call of store_articles did, by outcome."""

    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


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
) -> StoreResult:
    """Insert or update articles in one transaction.

    A new URL is inserted; a known one with the same content only has ``last_seen``
    moved; a known one whose title or text changed is updated and gets a revision. Every
    first version is kept as revision 1 too, so the history is complete.
    """
    now = now or utc_now()
    result = StoreResult()
    table = db["articles"]
    with db.conn:
        for article in articles:
            row = _as_row(article)
            existing = find_article(db, row["url"], row["canonical_url"])
            if existing is None:
                row.update(first_seen=now, last_seen=now, last_changed=now, crawl_id=crawl_id)
                article_id = table.insert(row).last_pk
                result.new.append(row["url"])
            elif existing["content_hash"] == row["content_hash"]:
                table.update(existing["id"], {"last_seen": now, "crawl_id": crawl_id})
                result.unchanged.append(existing["url"])
                continue
            else:
                article_id = existing["id"]
                row["url"] = existing["url"]
                row.update(last_seen=now, last_changed=now, crawl_id=crawl_id)
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


def update_summaries(db: sqlite_utils.Database, summaries: dict[str, str]) -> None:
    """Set the teaser (``summary``) of articles by URL; the text is not touched."""
    with db.conn:
        for url, summary in summaries.items():
            db.execute("update articles set summary = ? where url = ?", [summary, url])


# --- crawls -------------------------------------------------------------------------------

def start_crawl(db: sqlite_utils.Database, start_urls: Iterable[str]) -> int:
    """Record a crawl as running; returns its id."""
    with db.conn:
        return db["crawls"].insert({
            "started": utc_now(),
            "status": "running",
            "start_urls": json.dumps(list(start_urls)),
            **{name: 0 for name in CRAWL_COUNTS},
        }).last_pk


def finish_crawl(
    db: sqlite_utils.Database, crawl_id: int, status: str, counts: dict[str, int], message: str | None = None
) -> None:
    """Record how a crawl ended: its status, counts and an optional one-line message."""
    with db.conn:
        db["crawls"].update(crawl_id, {
            "finished": utc_now(),
            "status": status,
            "message": message,
            **{name: int(counts.get(name, 0)) for name in CRAWL_COUNTS},
        })


def archive_stats(db: sqlite_utils.Database, last_crawls: int = 5) -> dict[str, Any]:
    """What is in the archive (per site) and how the last crawls went."""
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
    return {
        "articles": db["articles"].count,
        "revisions": db["revisions"].count,
        "sites": sites,
        "crawls": crawls,
    }
