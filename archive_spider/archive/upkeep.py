"""Upkeep of an archive: ``archive-spider delete-site``, ``prune-revisions`` and ``vacuum``.

Each is one transaction (vacuum aside), run under the archive's lock, keeping articles,
revisions, the full-text index (its triggers) and the WARC index in step.
"""

from __future__ import annotations

import os

import sqlite_utils

from archive_spider.archive.schema import open_db, site_of

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
