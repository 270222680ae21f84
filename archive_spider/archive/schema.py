"""The archive's schema: its tables, how a file is opened, created and upgraded, and the
error every archive module raises.

One SQLite file, written with sqlite-utils in WAL mode. The schema is created and upgraded
by :func:`migrate`, which applies the functions in ``MIGRATIONS`` in order and records how
far it got in ``PRAGMA user_version``; a database from a newer version is refused, not
touched. :func:`open_db` opens (and migrates) a file; a crawl opens it once, through
:class:`archive_spider.archive.connection.CrawlArchive`.

Only the modules of ``archive/`` write SQLite: ``writes.py`` (what a crawl stores),
``upkeep.py`` (delete-site, prune-revisions, vacuum) and the migrations here.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Callable
from urllib.parse import quote, urlsplit

import sqlite_utils

from archive_spider import similarity
from archive_spider.vocabulary import ARTICLE_ITEM_COLUMNS

# Columns of the articles table, in the order Datasette shows them: the id, the stored
# fields of an ArticleItem (vocabulary.py), then bookkeeping.
ARTICLE_COLUMNS: dict[str, type] = {
    "id": int,
    **ARTICLE_ITEM_COLUMNS,
    "content_hash": str,
    "first_seen": str,
    "last_seen": str,
    "last_changed": str,
    "crawl_id": int,
}


# Fields of an article that callers hand to store_articles (the rest is bookkeeping).
ARTICLE_FIELDS = tuple(ARTICLE_ITEM_COLUMNS)


CRAWL_COUNTS = (
    "requests", "pages", "new", "updated", "unchanged", "not_modified", "skipped", "duplicates", "errors",
    # the page balance: pages = pages_archived + pages_listing + pages_failed
    "pages_archived", "pages_listing", "pages_failed",
)


# What the last fetch of an article said, for the conditional request of the next one.
FETCH_FIELDS = ("http_etag", "http_last_modified", "last_fetched")


class ArchiveError(Exception):
    """The archive cannot be opened or written; the message says why, in one line."""


def utc_now() -> str:
    """The current time as ISO 8601 UTC with seconds, the format of every timestamp here."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def site_of(url: str) -> str:
    """The site an article belongs to: its host without a leading ``www.``, with its port
    when the URL names one other than the scheme's default (``127.0.0.1:8780``: two
    servers on one host are two sites, and a local crawl says which)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    host = host[4:] if host.startswith("www.") else host
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and port != {"http": 80, "https": 443}.get(parts.scheme.lower()):
        host = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return host


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


def _migration_3_newest_first_order(db: sqlite_utils.Database) -> None:
    # A unique, indexed sort key (publication date, then id) for newest-first listings:
    # Datasette pages through a sort column with ties inconsistently (articles sharing a
    # date get skipped or repeated), but never through a unique one. NOT NULL lets SQLite
    # drop Datasette's "or newest_first is null" and walk the index instead of sorting
    # the whole table for every page.
    db.execute(
        "alter table articles add column newest_first text generated always as "
        "(coalesce(published, '') || ' #' || printf('%010d', id)) virtual not null"
    )
    db.execute("create unique index idx_articles_newest_first on articles (newest_first)")


def _migration_4_facet_indexes(db: sqlite_utils.Database) -> None:
    # Datasette counts articles by author, language and year on every table page: without
    # an index each count reads every row, html and all, and a large archive times out.
    for column in ("author", "lang", "year"):
        db.execute(f"create index idx_articles_{column} on articles ({column})")


def _migration_5_failures(db: sqlite_utils.Database) -> None:
    # Every page a crawl could not archive, and why (see archive/failures.py for the reasons).
    db["failures"].create(
        {
            "id": int,
            "crawl_id": int,
            "failed_at": str,
            "url": str,
            "reason": str,
            "kind": str,
            "status": int,
            "detail": str,
            "referer": str,
        },
        pk="id",
        not_null={"url", "reason"},
    )
    db["failures"].create_index(["crawl_id", "reason"])
    db["failures"].create_index(["url"])


def _migration_6_revisits_warc_duplicates(db: sqlite_utils.Database) -> None:
    # What a conditional request needs (validators of the last fetch and when it was), the
    # near-duplicate fingerprint, and which earlier article a copy duplicates.
    for column, kind in (("http_etag", str), ("http_last_modified", str), ("last_fetched", str),
                         ("simhash", int), ("duplicate_of", int)):
        db["articles"].add_column(column, kind)
    db["articles"].create_index(["duplicate_of"])
    # Rows carry text and HTML: without these, each crawl's revisit lookup and each new
    # article's duplicate check would read the whole table. Both are covering indexes.
    db.execute("create index idx_articles_revisit on articles "
               "(url, canonical_url, http_etag, http_last_modified, last_fetched, last_seen)")
    for band in range(similarity.BANDS):
        db.execute(f"create index idx_articles_simhash_{band} on articles "
                   f"(((simhash >> {8 * band}) & 255), simhash, word_count) where duplicate_of is null")
    # Migration 1 builds crawls from CRAWL_COUNTS, so a fresh archive has this already.
    if "not_modified" not in db["crawls"].columns_dict:
        db["crawls"].add_column("not_modified", int, not_null_default=0)
    # Where each fetched article page lies in the crawl's WARC file.
    db["warc_records"].create(
        {
            "id": int,
            "url": str,
            "article_url": str,
            "role": str,
            "warc_file": str,
            "offset": int,
            "length": int,
            "status": int,
            "fetched": str,
            "crawl_id": int,
        },
        pk="id",
    )
    db["warc_records"].create_index(["article_url", "fetched"])
    db["warc_records"].create_index(["url"])


def _migration_7_site_boilerplate(db: sqlite_utils.Database) -> None:
    # Paragraphs seen on several articles of a site (archive/site_boilerplate.py learns them): in how
    # many distinct articles each occurred, so that later extractions can leave them out.
    db["site_boilerplate"].create(
        {
            "site": str,
            "block_hash": str,
            "sample": str,
            "articles": int,
            "first_seen": str,
            "last_seen": str,
        },
        pk=("site", "block_hash"),
        not_null={"site", "block_hash"},
    )
    db["site_boilerplate"].create_index(["site", "articles"])


# Indexes over the articles that are not copies (duplicate_of is null, the filter of every
# reader-facing listing), one per column the articles table page sorts or facets by.
LISTING_INDEX_COLUMNS = ("newest_first", "site", "author", "lang", "year")


# Prefix lengths the full-text index keeps a ready index of, so that a search for "st*"
# reads one list of articles instead of merging those of every word starting with "st".
FTS_PREFIXES = "2 3"


def create_fts_triggers(db: sqlite_utils.Database) -> None:
    """Keep articles_fts in step with the title and text of articles. An update rewrites
    the article's index entries only when it sets the title or the text: a crawl that
    only moves last_seen of every known article leaves the index alone."""
    db.execute("create trigger articles_ai after insert on articles begin "
               "insert into articles_fts (rowid, title, text) values (new.rowid, new.title, new.text); end")
    db.execute("create trigger articles_ad after delete on articles begin "
               "insert into articles_fts (articles_fts, rowid, title, text) "
               "values ('delete', old.rowid, old.title, old.text); end")
    db.execute("create trigger articles_au after update of title, text on articles begin "
               "insert into articles_fts (articles_fts, rowid, title, text) "
               "values ('delete', old.rowid, old.title, old.text); "
               "insert into articles_fts (rowid, title, text) values (new.rowid, new.title, new.text); end")


def _migration_8_faster_search(db: sqlite_utils.Database) -> None:
    # The full-text index again, with prefix indexes (FTS_PREFIXES; FTS5 cannot add them
    # to an existing index), built from the articles in one pass and merged into one
    # segment; its triggers now skip updates that leave title and text alone.
    for trigger in ("articles_ai", "articles_ad", "articles_au"):
        db.execute(f"drop trigger if exists {trigger}")
    db.execute("drop table if exists articles_fts")
    db.execute("create virtual table articles_fts using fts5 (title, text, tokenize='porter', "
               f"content='articles', prefix='{FTS_PREFIXES}')")
    create_fts_triggers(db)
    db.execute("insert into articles_fts (articles_fts) values ('rebuild')")
    db.execute("insert into articles_fts (articles_fts) values ('optimize')")
    # Covering indexes for the articles table page: its newest-first page, its count and
    # its facets (site, author, lang, year) over a search's matches read these instead of
    # every matching row. Each starts with duplicate_of, the filter the page always has.
    for column in LISTING_INDEX_COLUMNS:
        db.execute(f"create index idx_articles_listing_{column} on articles (duplicate_of, {column})")


def _migration_9_listings(db: sqlite_utils.Database) -> None:
    # When a crawl last read the whole listing a start URL leads to (listing.py): until
    # ARCHIVE_FULL_LISTING_EVERY has passed, later crawls stop reading index pages where
    # they list nothing the archive lacks.
    db["listings"].create(
        {"start_url": str, "full_read": str, "crawl_id": int},
        pk="start_url",
        not_null={"start_url", "full_read"},
    )


def _migration_10_page_balance(db: sqlite_utils.Database) -> None:
    # What became of each page a crawl fetched: archived, read as a listing, or recorded
    # in failures (migration 1 builds crawls from CRAWL_COUNTS: a fresh archive has them).
    for name in ("pages_archived", "pages_listing", "pages_failed"):
        if name not in db["crawls"].columns_dict:
            db["crawls"].add_column(name, int, not_null_default=0)


# Figures of one crawl of one site (health.py computes them); dict and list values are JSON.
SITE_HEALTH_COLUMNS: dict[str, type] = {
    "listed": int, "article_pages": int, "archived": int, "new": int, "dropped": int, "article_yield": float,
    "pages": int, "http_errors": int, "blocked": int, "status_403": int, "status_429": int, "not_modified": int,
    "failures": str, "failures_total": int, "extracted": int, "median_words": float, "warnings_share": float,
    "teasers": int, "teaser_agreement": float, "boilerplate_share": float, "containers": str, "start_redirects": str,
    "start_statuses": str,
    "last_new": str, "days_since_new": float, "rhythm_days": float,
}


SITE_HEALTH_JSON = ("failures", "containers", "start_redirects", "start_statuses", "drift")


def _migration_11_site_health(db: sqlite_utils.Database) -> None:
    # One row per crawl and site: what the crawl saw of the site, and what changed
    # against the site's earlier crawls (drift, a JSON list; flagged when not empty).
    db["site_health"].create(
        {"id": int, "crawl_id": int, "site": str, "assessed": str, **SITE_HEALTH_COLUMNS,
         "flagged": int, "drift": str, "message": str},
        pk="id", not_null={"site"},
    )
    db["site_health"].create_index(["site", "crawl_id"], unique=True)
    db["site_health"].create_index(["flagged", "crawl_id"])


# Append only: each function upgrades the schema by one version.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _migration_1_initial,
    _migration_2_published_year,
    _migration_3_newest_first_order,
    _migration_4_facet_indexes,
    _migration_5_failures,
    _migration_6_revisits_warc_duplicates,
    _migration_7_site_boilerplate,
    _migration_8_faster_search,
    _migration_9_listings,
    _migration_10_page_balance,
    _migration_11_site_health,
]


SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(db: sqlite_utils.Database) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def refuse_newer_schema(db: sqlite_utils.Database) -> int:
    """The schema version of ``db``; raises ArchiveError if a newer archive-spider wrote it."""
    version = schema_version(db)
    if version > SCHEMA_VERSION:
        raise ArchiveError(
            f"{db_path_of(db)} was written by a newer archive-spider (schema version "
            f"{version}; this version knows up to {SCHEMA_VERSION}): upgrade archive-spider"
        )
    return version


def migrate(db: sqlite_utils.Database) -> None:
    """Bring the schema up to SCHEMA_VERSION, one migration per transaction."""
    version = refuse_newer_schema(db)
    for number in range(version + 1, SCHEMA_VERSION + 1):
        with db.atomic():
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
        # Before anything writes (switching to WAL does): a newer archive is left untouched.
        refuse_newer_schema(db)
        if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            db.enable_wal()
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        migrate(db)
    except sqlite3.DatabaseError as exc:
        raise ArchiveError(f"cannot use {path} as an archive: {exc}") from None
    return db


def is_writable(path: str | os.PathLike) -> bool:
    """Whether this process may write the archive file and create its ``-wal`` and
    ``-shm`` files beside it."""
    path = os.path.abspath(os.fspath(path))
    return os.access(path, os.W_OK) and os.access(os.path.dirname(path), os.W_OK)


def check_writable(path: str | os.PathLike) -> None:
    """Before a run that writes the archive takes its lock: raise ArchiveError if this
    process may not write the archive (or create it), so that a read-only archive is
    refused with one line and without a ``-wal``, ``-shm`` or ``.lock`` file left beside it."""
    path = os.path.abspath(os.fspath(path))
    if os.path.exists(path):
        if not is_writable(path):
            raise ArchiveError(f"{path} is read-only (this user may not write it or its folder): "
                               "nothing done; make it writable, or work on a copy with --db")
        return
    folder = os.path.dirname(path)
    while not os.path.exists(folder):
        folder = os.path.dirname(folder)
    if not os.access(folder, os.W_OK):
        raise ArchiveError(f"cannot create {path}: {folder} is read-only for this user")


def check_read_only(path: str | os.PathLike) -> None:
    """For an archive this process may not write: raise ArchiveError unless it exists and
    is an archive of the current schema, read without writing a byte (SQLite's
    ``immutable=1``, which needs neither a lock nor the ``-shm`` file)."""
    path = os.path.abspath(os.fspath(path))
    if not os.path.exists(path):
        raise ArchiveError(f"no archive at {path}: run `archive-spider crawl` first")
    try:
        db = sqlite_utils.Database(sqlite3.connect(f"file:{quote(path)}?immutable=1", uri=True))
        try:
            version = refuse_newer_schema(db)
            has_articles = "articles" in db.table_names()
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise ArchiveError(f"cannot use {path} as an archive: {exc}") from None
    if not has_articles:
        raise ArchiveError(f"cannot use {path} as an archive: it has no articles table")
    if version < SCHEMA_VERSION:
        raise ArchiveError(
            f"{path} is read-only and needs an upgrade (schema version {version}, this version "
            f"uses {SCHEMA_VERSION}): run `archive-spider stats --db` on a writable copy first")


FAILURE_FIELDS = ("failed_at", "url", "reason", "kind", "status", "detail", "referer")
