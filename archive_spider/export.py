"""Streaming export of the archive as CSV, JSON or JSON Lines.

Rows are read from SQLite with a cursor and written one at a time, so memory stays flat
whatever the size of the archive.
"""

from __future__ import annotations

import csv
import json
from typing import IO, Any, Iterator, Sequence

import sqlite_utils

FORMATS = ("csv", "json", "jsonl")
# Everything but the heavy HTML, unless asked for.
DEFAULT_COLUMNS = (
    "id", "url", "canonical_url", "title", "author", "published", "modified", "site", "lang",
    "word_count", "summary", "text", "tags", "first_seen", "last_seen", "last_changed",
)


def select_articles(
    db: sqlite_utils.Database,
    columns: Sequence[str] = DEFAULT_COLUMNS,
    *,
    site: str | None = None,
    since: str | None = None,
    search: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Articles matching the filters, newest first (by published date, then first seen).

    ``since`` is an ISO date: articles published (or, without a date, first seen) on or
    after it. ``search`` is a full-text query in SQLite FTS5 syntax, ranked by relevance.
    """
    known = set(db["articles"].columns_dict)
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise ValueError(f"unknown column(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    cols = ", ".join(f"articles.[{c}]" for c in columns)
    where, params = [], []
    if site:
        where.append("articles.site = ?")
        params.append(site)
    if since:
        where.append("coalesce(articles.published, substr(articles.first_seen, 1, 10)) >= ?")
        params.append(since)
    if search:
        sql = (f"select {cols} from articles join articles_fts on articles_fts.rowid = articles.rowid "
               "where articles_fts match ?")
        params.insert(0, search)
        order = "order by articles_fts.rank"
    else:
        sql = f"select {cols} from articles where 1"
        order = "order by articles.published desc, articles.first_seen desc, articles.id"
    if where:
        sql += " and " + " and ".join(where)
    cursor = db.conn.execute(f"{sql} {order}", params)
    names = [d[0] for d in cursor.description]
    for row in cursor:
        yield dict(zip(names, row))


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
