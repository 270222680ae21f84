"""Streaming export of the archive as CSV, JSON or JSON Lines.

Rows are read from SQLite with a cursor and written one at a time, so memory stays flat
whatever the size of the archive.
"""

from __future__ import annotations

import csv
import json
from typing import IO, Any
from collections.abc import Iterator, Sequence

import sqlite_utils

FORMATS = ("csv", "json", "jsonl")
# A search word in the title counts this many times one in the text (as in the canned
# search query of db/metadata.yml).
TITLE_WEIGHT = 10.0
# Everything but the heavy HTML, unless asked for.
DEFAULT_COLUMNS = (
    "id", "url", "canonical_url", "title", "author", "published", "modified", "site", "lang",
    "word_count", "summary", "text", "tags", "first_seen", "last_seen", "last_changed",
)


# The query of a search without words (search_query): matches nothing, as on the search page.
NOTHING = '""'


class BadRequest(ValueError):
    """An export asks for something the archive has not (``option`` names which)."""

    def __init__(self, option: str, message: str):
        super().__init__(message)
        self.option = option


def check_request(db: sqlite_utils.Database, columns: Sequence[str], site: str | None) -> None:
    """Raise BadRequest for a column the articles table lacks (listing those it has), no
    columns at all, or a site with no article (listing the sites it holds)."""
    # table_xinfo, unlike table_info, lists generated columns (year) too.
    known = {row[1] for row in db.execute("PRAGMA table_xinfo(articles)")}
    unknown = [c for c in columns if c not in known]
    if unknown or not columns:
        raise BadRequest("columns", f"unknown column(s): {', '.join(unknown) or '(none given)'}; "
                                    f"known: {', '.join(sorted(known))}")
    if site and db.execute("select 1 from articles where site = ? limit 1", [site]).fetchone() is None:
        sites = [row[0] for row in db.execute("select distinct site from articles where site is not null order by site")]
        raise BadRequest("site", f"no articles of site {site!r}; the archive holds "
                                 + (", ".join(sites) if sites else "no articles yet"))


def search_query(words: str | None) -> str:
    """Search words as an FTS5 query that always parses, as the archive's search page reads
    them: every word must appear, "a phrase" in quotes as a phrase, word* matches words
    starting with it, OR between two words or phrases matches either. Anything else is only
    words; an empty search gives NOTHING. The one parser is ``fts_query()`` of the Datasette
    plugin (db/plugins/archive_pages.py), which must stay standalone."""
    from archive_spider.publish import site_plugin

    return site_plugin().fts_query(words)


def select_articles(
    db: sqlite_utils.Database,
    columns: Sequence[str] = DEFAULT_COLUMNS,
    *,
    site: str | None = None,
    since: str | None = None,
    search: str | None = None,
    duplicates: bool = False,
) -> Iterator[dict[str, Any]]:
    """Articles matching the filters, newest first (by published date, then first seen).

    Copies of other articles (``duplicate_of`` set) are left out unless ``duplicates``.

    ``since`` is an ISO date: articles published (or, without a date, first seen) on or
    after it. ``search`` is a search as the archive's search page takes it (words that
    must all appear in the title or text, "phrases", prefix*, OR; see search_query), best
    matches first. Rows come from an open cursor, one at a
    time; raises ValueError for an unknown column.
    """
    check_request(db, columns, None)
    cols = ", ".join(f"articles.[{c}]" for c in columns)
    where, params = [], []
    if not duplicates:
        where.append("articles.duplicate_of is null")
    if site:
        where.append("articles.site = ?")
        params.append(site)
    if since:
        where.append("coalesce(articles.published, substr(articles.first_seen, 1, 10)) >= ?")
        params.append(since)
    if search is not None:
        sql = (f"select {cols} from articles join articles_fts on articles_fts.rowid = articles.rowid "
               "where articles_fts match ?")
        params.insert(0, search_query(search))
        order = f"order by bm25(articles_fts, {TITLE_WEIGHT}, 1.0)"
    else:
        sql = f"select {cols} from articles where 1"
        order = "order by articles.published desc, articles.first_seen desc, articles.id"
    if where:
        sql += " and " + " and ".join(where)
    # Executed here, not on first iteration, so a bad query fails before any output.
    cursor = db.conn.execute(f"{sql} {order}", params)
    names = [d[0] for d in cursor.description]
    return (dict(zip(names, row)) for row in cursor)


def write_rows(rows: Iterator[dict[str, Any]], fmt: str, out: IO[str], columns: Sequence[str]) -> int:
    """Write rows to ``out`` in ``fmt``; returns how many were written."""
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=list(columns))
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
    elif fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    elif fmt == "json":
        out.write("[")
        for row in rows:
            out.write(("\n" if count == 0 else ",\n") + json.dumps(row, ensure_ascii=False))
            count += 1
        out.write("\n]\n" if count else "]\n")
    else:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return count
