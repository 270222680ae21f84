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


def content_hash(title: str | None, text: str | None) -> str:
    """A hash of what a reader sees: title and text with whitespace folded."""
    folded = " ".join((title or "").split()) + "\n" + " ".join((text or "").split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


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


# --- articles -----------------------------------------------------------------------------

@dataclass
class StoreResult:
    """What one call of store_articles did, by outcome."""

    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # New rows that copy an earlier article (stored with duplicate_of set).
    duplicates: list[str] = field(default_factory=list)


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


# --- site boilerplate ---------------------------------------------------------------------

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


# --- listings ------------------------------------------------------------------------------

def full_listing_times(db: sqlite_utils.Database, start_urls: Iterable[str]) -> dict[str, str]:
    """When a crawl last read the whole listing of each of ``start_urls`` (those it ever did)."""
    urls = list(dict.fromkeys(start_urls))
    if not urls:
        return {}
    marks = ",".join("?" * len(urls))
    return dict(db.execute(f"select start_url, full_read from listings where start_url in ({marks})", urls).fetchall())


def record_full_listings(db: sqlite_utils.Database, start_urls: Iterable[str], when: str,
                         crawl_id: int | None) -> None:
    """Record that the crawl ``crawl_id``, started at ``when``, read the whole listing of
    each of ``start_urls``."""
    rows = [{"start_url": url, "full_read": when, "crawl_id": crawl_id} for url in dict.fromkeys(start_urls)]
    if rows:
        with db.atomic():
            db["listings"].upsert_all(rows, pk="start_url")


# --- crawls -------------------------------------------------------------------------------

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


# --- failures -----------------------------------------------------------------------------

FAILURE_FIELDS = ("failed_at", "url", "reason", "kind", "status", "detail", "referer")


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


# --- upkeep -------------------------------------------------------------------------------
# `archive-spider delete-site`, `prune-revisions` and `vacuum`: each one transaction (vacuum
# aside), run under the archive's lock, keeping articles, revisions, the full-text index
# (its triggers) and the WARC index in step.

def delete_site(db: sqlite_utils.Database, site: str) -> dict[str, int]:
    """Delete every article of ``site`` (as in the site column) with its revisions, its
    WARC index rows (the WARC files stay: their other records belong to other sites), the
    site's boilerplate and listing marks. A copy on another site of a deleted article
    becomes an original. Returns how many rows of each kind went."""
    db.conn.create_function("site_of", 1, site_of, deterministic=True)
    counts = {}
    with db.atomic():
        ids = "select id from articles where site = :site"
        counts["duplicates_released"] = db.execute(
            f"update articles set duplicate_of = null where duplicate_of in ({ids}) and site != :site",
            {"site": site}).rowcount
        counts["revisions"] = db.execute(f"delete from revisions where article_id in ({ids})", {"site": site}).rowcount
        counts["warc_records"] = db.execute(
            "delete from warc_records where article_url in (select url from articles where site = :site) "
            "or site_of(url) = :site", {"site": site}).rowcount
        counts["boilerplate"] = db.execute("delete from site_boilerplate where site = ?", [site]).rowcount
        counts["listings"] = db.execute("delete from listings where site_of(start_url) = ?", [site]).rowcount
        counts["articles"] = db.execute("delete from articles where site = ?", [site]).rowcount
    return counts


def prune_revisions(db: sqlite_utils.Database, keep: int, older_than: str | None = None) -> int:
    """Delete all but the newest ``keep`` (at least 1: the article's current text)
    revisions of each article; with ``older_than`` (an ISO time), only those captured
    before it. Returns how many were deleted."""
    keep = max(1, keep)
    condition, params = "n > :keep", {"keep": keep}
    if older_than:
        condition += " and captured < :before"
        params["before"] = older_than
    with db.atomic():
        return db.execute(
            "delete from revisions where id in (select id from ("
            "  select id, captured, row_number() over (partition by article_id order by captured desc, id desc) as n"
            f"  from revisions) where {condition})", params).rowcount


def vacuum(path: str | os.PathLike) -> tuple[int, int]:
    """Merge the full-text index's segments, fold the write-ahead log in and rewrite the
    file without its free pages; returns its size in bytes before and after."""
    path = os.fspath(path)
    before = os.path.getsize(path) + (os.path.getsize(path + "-wal") if os.path.exists(path + "-wal") else 0)
    db = open_db(path, create=False)
    try:
        db.execute("insert into articles_fts(articles_fts) values ('optimize')")
        db.conn.commit()
        db.execute("VACUUM")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    after = os.path.getsize(path) + (os.path.getsize(path + "-wal") if os.path.exists(path + "-wal") else 0)
    return before, after


# --- site health ---------------------------------------------------------------------------

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
