"""Re-extraction: run the extractor again over the pages kept in WARC files, offline.

After an extractor upgrade, ``archive-spider reextract`` reads back the last stored copy
of every archived article's pages (the first page and its continuations, from the crawl
that last downloaded it), extracts them and builds their items as the crawl does (assembly/builder.py), judges
them by the crawl's rule (``assembly.validate``, ``ARCHIVE_MIN_WORDS``) and stores the
result through writes.store_articles: changed text becomes a new revision, the rest
stays as it is. No request leaves the machine. The run is recorded in ``crawls`` like any other.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from archive_spider import settings as defaults
from archive_spider.assembly import extract_item, validate
from archive_spider.discovery import pages as discovery
from archive_spider.archive import queries, schema, writes
from archive_spider.archive import warc
from archive_spider.decoding import decode_html
from archive_spider.extraction.heuristics import MAX_BOILERPLATE_BLOCKS
from archive_spider.vocabulary import ArticleLink

logger = logging.getLogger(__name__)

# Articles stored per transaction.
BATCH_SIZE = 100


@dataclass
class ReextractOutcome:
    crawl_id: int
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        c = self.counts
        return (
            f"reextract {self.crawl_id} ok: {c.get('pages', 0)} stored pages of {c.get('articles', 0)} articles; "
            f"{c.get('updated', 0)} updated, {c.get('unchanged', 0)} unchanged, {c.get('skipped', 0)} skipped, "
            f"{c.get('missing', 0)} without stored pages, {c.get('errors', 0)} errors"
        )


def latest_records(db, site: str | None = None) -> list[tuple[dict, list[dict]]]:
    """For each archived article (of ``site``), its last stored first page and the
    continuation pages stored by the same crawl, in fetch order."""
    where, params = ("where a.site = ?", [site]) if site else ("", [])
    firsts = list(db.query(
        "select w.*, a.id as article_id from articles a join warc_records w on w.id = ("
        "  select id from warc_records where article_url = a.url and role != 'continuation' "
        "  order by fetched desc, id desc limit 1"
        f") {where} order by a.id", params,
    ))
    result = []
    for first in firsts:
        rest = list(db.query(
            "select * from warc_records where article_url = ? and crawl_id is ? and role = 'continuation' "
            "and id > ? order by id", [first["article_url"], first["crawl_id"], first["id"]],
        ))
        result.append((first, rest))
    return result


def page_text(record: dict, folder: str) -> tuple[str, str]:
    """(url, decoded HTML) of an indexed record, decoded as the crawl decoded it: the
    record holds the bytes as served, with their Content-Type (decoding.decode_html)."""
    page = warc.read_record(os.path.join(folder, record["warc_file"]), record["offset"])
    return page.url or record["url"], decode_html(page.body, page.headers.get("content-type")).text


def reextract(db_path: str, site: str | None = None, min_words: int = defaults.ARCHIVE_MIN_WORDS,
              boilerplate_min_pages: int = defaults.ARCHIVE_BOILERPLATE_MIN_PAGES) -> ReextractOutcome:
    """Re-extract every archived article (of ``site``) from its stored pages; see the module.

    ``min_words``: ARCHIVE_MIN_WORDS, below which an article is skipped (left as stored);
    ``boilerplate_min_pages``: ARCHIVE_BOILERPLATE_MIN_PAGES, for the site boilerplate."""
    db = schema.open_db(db_path, create=False)
    folder = os.path.dirname(os.path.abspath(db_path))
    counts = dict.fromkeys(("articles", "pages", "updated", "unchanged", "skipped", "missing", "errors"), 0)
    crawl_id = writes.start_crawl(db, ["reextract" + (f":{site}" if site else "")])
    try:
        wanted = db.execute(
            "select count(*) from articles" + (" where site = ?" if site else ""), [site] if site else []
        ).fetchone()[0]
        items: list[dict] = []
        boilerplate: dict[str, frozenset[str]] = {}  # each site's known boilerplate paragraphs

        def store(batch: list[dict]) -> None:
            result = writes.store_articles(db, batch, crawl_id=crawl_id, seen=False)
            counts["updated"] += len(result.updated)
            counts["unchanged"] += len(result.unchanged)

        for first, rest in latest_records(db, site):
            counts["articles"] += 1
            try:
                pages = [page_text(record, folder) for record in [first, *rest]]
            except (OSError, ValueError) as exc:
                counts["errors"] += 1
                logger.warning("Cannot read the stored page of %s: %s", first["article_url"], exc)
                continue
            counts["pages"] += len(pages)
            row = db["articles"].get(first["article_id"])
            host = urlsplit(first["url"]).hostname
            analysis = discovery.analyse_page(pages[0][1], pages[0][0], [host] if host else [])
            # What the index page gave the crawl: the teaser, and fallbacks for title and date.
            teaser = ArticleLink(url=row["url"], title=row["title"], teaser=row["summary"],
                                published=row["published"])
            try:
                known = row["site"] or schema.site_of(row["url"])
                if known not in boilerplate:
                    boilerplate[known] = queries.site_boilerplate(db, known, boilerplate_min_pages,
                                                                  MAX_BOILERPLATE_BLOCKS)
                item = extract_item(pages, analysis, teaser, boilerplate=boilerplate[known])
            except Exception:
                item = None
                counts["errors"] += 1
                logger.exception("Extraction failed: %s", first["article_url"])
            if item is None or validate(item, min_words) is not None:
                counts["skipped"] += 1
                continue
            record = dataclasses.asdict(item)
            record["url"] = row["url"]
            items.append(record)
            if len(items) >= BATCH_SIZE:
                store(items)
                items = []
        store(items)
        counts["missing"] = wanted - counts["articles"]
        writes.finish_crawl(db, crawl_id, "ok", {
            "pages": counts["pages"], "updated": counts["updated"], "unchanged": counts["unchanged"],
            "skipped": counts["skipped"] + counts["missing"], "errors": counts["errors"],
        }, message=f"re-extracted {counts['articles']} articles from WARC records")
    except BaseException as exc:
        writes.finish_crawl(db, crawl_id, "failed", {}, message=f"reextract failed: {exc}")
        raise
    finally:
        db.close()
    return ReextractOutcome(crawl_id, counts)
