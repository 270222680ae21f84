"""Offline pieces of scheduled crawls: revisit policies, near-duplicates, the lock,
WARC records, and the storage they write to."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time

import pytest

from archive_spider import revisit, similarity
from archive_spider.archive import locking
from archive_spider.archive import queries, schema, writes
from archive_spider.archive import warc
from archive_spider.demo.site import load_essays

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc)
WITH_ETAG = {"http_etag": '"abc"', "http_last_modified": None, "last_fetched": "2025-05-31T00:00:00+00:00"}
NO_VALIDATORS = {"http_etag": None, "http_last_modified": None, "last_fetched": "2025-05-01T00:00:00+00:00"}


# --- revisit policies ------------------------------------------------------------------------

@pytest.mark.parametrize("policy, known, decision", [
    ("never", WITH_ETAG, revisit.SKIP),
    ("always", NO_VALIDATORS, revisit.FULL),
    ("conditional", WITH_ETAG, revisit.CONDITIONAL),
    ("conditional", NO_VALIDATORS, revisit.SKIP),
    ("max-age=7d", WITH_ETAG, revisit.SKIP),  # fetched a day ago
    ("max-age=7d", NO_VALIDATORS, revisit.FULL),  # a month ago, nothing to ask with
    ("max-age=12h", WITH_ETAG, revisit.CONDITIONAL),
    ("max-age=2w", NO_VALIDATORS, revisit.FULL),
])
def test_revisit_policy_decides(policy, known, decision):
    assert revisit.parse_policy(policy).decide(known, now=NOW) == decision


def fetched(days_ago: float, **dates) -> dict:
    """What the archive knows of an article last fetched ``days_ago`` before NOW."""
    when = (NOW - dt.timedelta(days=days_ago)).isoformat()
    return {"http_etag": '"e"', "last_fetched": when, **dates}


def days_before(days: float) -> str:
    return (NOW - dt.timedelta(days=days)).isoformat()


@pytest.mark.parametrize("known, decision", [
    # published five years before its last fetch: fresh for 30 days (the cap), fetched 3 days ago
    (fetched(3, published="2020-06-01", first_seen=days_before(3), last_changed=days_before(3)), revisit.SKIP),
    # ... but checked again once the month is over
    (fetched(31, published="2020-06-01", first_seen=days_before(31), last_changed=days_before(31)),
     revisit.CONDITIONAL),
    # published 10 days before the fetch: fresh for a day; fetched 2 days ago
    (fetched(2, published=days_before(12), first_seen=days_before(2), last_changed=days_before(2)),
     revisit.CONDITIONAL),
    # ... fetched 12 hours ago: skipped
    (fetched(0.5, published=days_before(10.5), first_seen=days_before(5), last_changed=days_before(5)), revisit.SKIP),
    # the archive saw it change a day before the last fetch: fresh for 2.4 hours only,
    # whatever its publication date
    (fetched(0.2, published="2020-06-01", first_seen=days_before(400), last_changed=days_before(1.2)),
     revisit.CONDITIONAL),
    # the page's own modified date counts as a change
    (fetched(2, published="2020-06-01", modified=days_before(10), first_seen=days_before(2),
             last_changed=days_before(2)), revisit.CONDITIONAL),
    # no dates at all but its first archiving, which was the last fetch: asked every run
    (fetched(0.01, first_seen=days_before(0.01), last_changed=days_before(0.01)), revisit.CONDITIONAL),
    # a publication date after the fetch (a bad page) is no evidence
    (fetched(1, published="2031-01-01", first_seen=days_before(300), last_changed=days_before(300)),
     revisit.SKIP),
])
def test_adaptive_revisits_an_article_once_a_tenth_of_its_age_has_passed(known, decision):
    assert revisit.parse_policy("adaptive").decide(known, now=NOW) == decision


def test_adaptive_downloads_in_full_what_it_cannot_ask_about():
    known = {**fetched(40, published="2020-06-01"), "http_etag": None}
    assert revisit.parse_policy("adaptive").decide(known, now=NOW) == revisit.FULL


def test_default_policy_is_conditional_and_bad_ones_say_what_is_accepted():
    assert revisit.parse_policy(None).name == revisit.DEFAULT_POLICY == "conditional"
    with pytest.raises(ValueError, match="max-age=7d"):
        revisit.parse_policy("sometimes")


def test_conditional_headers_carry_both_validators():
    headers = revisit.conditional_headers({"http_etag": '"x"', "http_last_modified": "Mon, 02 Jun 2025 10:00:00 GMT"})
    assert headers == {"If-None-Match": '"x"', "If-Modified-Since": "Mon, 02 Jun 2025 10:00:00 GMT"}


# --- near-duplicates -------------------------------------------------------------------------

def test_simhash_finds_an_edited_copy_and_tells_essays_apart():
    essays = load_essays()
    texts = ["\n\n".join(e.paragraphs) for e in essays]
    prints = [similarity.simhash(t) for t in texts]
    assert all(p is not None for p in prints)
    for i in range(len(prints)):
        for j in range(i + 1, len(prints)):
            assert not similarity.is_candidate(prints[i], prints[j]), (essays[i].slug, essays[j].slug)
    for text, fingerprint in zip(texts, prints):
        for copy in (text.replace(" the ", " a ", 1) + "\n\nFirst published in The Commonplace Review.",
                     text.rsplit(". ", 1)[0] + "."):  # the last sentence cut
            assert similarity.is_near_duplicate(text, fingerprint, copy, similarity.simhash(copy))


def test_fingerprints_stay_those_older_archives_hold():
    # archives keep the fingerprints of earlier runs; a new version must compute the
    # same ones, or edited copies of old articles are no longer found
    text = " ".join(f"word{i % 37} token{i % 11}" for i in range(120))
    assert similarity.simhash(text) == -1198397256224151222
    assert similarity.simhash("Ünïcode Straße — " * 30) == -8628821277431805372


def test_short_texts_get_no_fingerprint():
    assert similarity.simhash("Too short to tell anything by.") is None


def article(url, text, **extra):
    return {"url": url, "title": "T", "text": text, "word_count": len(text.split()), **extra}


def test_copies_are_stored_with_duplicate_of(fresh_db):
    text = " ".join(f"word{i} and some more text number {i}" for i in range(40))
    result = writes.store_articles(fresh_db, [
        article("https://a.example/1/", text),
        article("https://b.example/copy/", text),  # exact copy
        article("https://c.example/edited/", text.replace("word3 ", "term3 ")),  # near copy
        article("https://d.example/other/", " ".join(f"other{i} unrelated words here {i * 7}" for i in range(40))),
    ])
    assert result.new == ["https://a.example/1/", "https://d.example/other/"]
    assert len(result.duplicates) == 2
    rows = {r["url"]: r["duplicate_of"] for r in fresh_db.query("select url, duplicate_of from articles")}
    assert rows == {"https://a.example/1/": None, "https://b.example/copy/": 1,
                    "https://c.example/edited/": 1, "https://d.example/other/": None}
    assert queries.archive_stats(fresh_db)["duplicates"] == 2


# --- storage for revisits --------------------------------------------------------------------

def test_validators_are_kept_and_a_304_moves_last_seen_only(fresh_db):
    fetch = {"http_etag": '"v1"', "http_last_modified": None, "last_fetched": "2025-01-01T00:00:00+00:00"}
    writes.store_articles(fresh_db, [article("https://a.example/1/", "Some words.", **fetch)],
                           now="2025-01-01T00:00:00+00:00")
    assert queries.revisit_state(fresh_db)["https://a.example/1/"]["http_etag"] == '"v1"'
    touched = writes.mark_not_modified(
        fresh_db, {"https://a.example/1/": {"http_etag": None, "last_fetched": "2025-02-01T00:00:00+00:00"}},
        crawl_id=7, now="2025-02-01T00:00:00+00:00")
    assert touched == 1
    row = fresh_db["articles"].get(1)
    assert (row["last_seen"], row["last_fetched"], row["http_etag"], row["last_changed"], row["crawl_id"]) == (
        "2025-02-01T00:00:00+00:00", "2025-02-01T00:00:00+00:00", '"v1"', "2025-01-01T00:00:00+00:00", 7)
    assert fresh_db["revisions"].count == 1


def test_a_304_finds_its_article_by_url_or_canonical(fresh_db):
    writes.store_articles(fresh_db, [
        article("https://a.example/1/", "First words here."),
        article("https://a.example/2/", "Second words here.", canonical_url="https://a.example/two/"),
        article("https://a.example/3/", "Third words here."),
    ], now="2025-01-01T00:00:00+00:00")
    later = "2025-02-01T00:00:00+00:00"
    touched = writes.mark_not_modified(fresh_db, {
        "https://a.example/1/": {"last_fetched": later},
        "https://a.example/two/": {"http_etag": '"t"', "last_fetched": later},  # its canonical URL
        "https://a.example/unknown/": {"last_fetched": later},
    }, now=later)
    assert touched == 2
    seen = {r["url"]: (r["last_seen"], r["http_etag"]) for r in fresh_db.query("select * from articles")}
    assert seen == {
        "https://a.example/1/": (later, None),
        "https://a.example/2/": (later, '"t"'),
        "https://a.example/3/": ("2025-01-01T00:00:00+00:00", None),
    }


def test_reextraction_does_not_move_last_seen(fresh_db):
    writes.store_articles(fresh_db, [article("https://a.example/1/", "Old words.")], now="2025-01-01T00:00:00+00:00")
    writes.store_articles(fresh_db, [article("https://a.example/1/", "New words.")], now="2025-03-01T00:00:00+00:00",
                           seen=False)
    row = fresh_db["articles"].get(1)
    assert (row["last_seen"], row["last_changed"]) == ("2025-01-01T00:00:00+00:00", "2025-03-01T00:00:00+00:00")


def test_interrupted_crawls_are_closed(fresh_db):
    crawl_id = writes.start_crawl(fresh_db, ["https://a.example/"])
    assert writes.close_interrupted_crawls(fresh_db) == 1
    assert fresh_db["crawls"].get(crawl_id)["status"] == "interrupted"


def test_revisit_migration_upgrades_an_archive_of_version_2(tmp_path):
    path = tmp_path / "old.db"
    import sqlite_utils

    db = sqlite_utils.Database(path)
    for number, migration in enumerate(schema.MIGRATIONS[:2], start=1):
        migration(db)
        db.execute(f"PRAGMA user_version = {number}")
    db.close()
    db = schema.open_db(path)
    assert schema.schema_version(db) == schema.SCHEMA_VERSION
    assert {"http_etag", "last_fetched", "simhash", "duplicate_of"} <= set(db["articles"].columns_dict)
    assert "not_modified" in db["crawls"].columns_dict and db["warc_records"].exists()
    db.close()


# --- WARC ------------------------------------------------------------------------------------

def test_warc_record_reads_back_at_its_offset(tmp_path):
    file = warc.WarcFile(str(tmp_path / "warc" / "a-crawl-00001.warc.gz"))
    first = file.write_response("https://a.example/1/", 200, "OK", [("Content-Type", "text/html; charset=utf-8")],
                                "<p>Café</p>".encode(), "2025-01-01T00:00:00+00:00")
    second = file.write_response("https://a.example/2/", 200, "OK", [("Content-Type", "text/html")],
                                 b"<p>Two</p>", "2025-01-01T00:00:01+00:00")
    file.close()
    assert second[0] == first[0] + first[1]
    page = warc.read_record(file.path, second[0])
    assert (page.url, page.status, page.body) == ("https://a.example/2/", 200, b"<p>Two</p>")
    assert warc.read_record(file.path, first[0]).body.decode() == "<p>Café</p>"


def test_stored_page_is_decoded_by_its_own_charset_for_reextract(tmp_path):
    from archive_spider import reextract

    file = warc.WarcFile(str(tmp_path / "warc" / "a-crawl-00001.warc.gz"))
    offset, _ = file.write_response(
        "https://a.example/j/", 200, "OK", [("Content-Type", "text/html; charset=Shift_JIS")],
        "<p>日本語の記事です。</p>".encode("shift_jis"), "2025-01-01T00:00:00+00:00")
    file.close()
    record = {"warc_file": os.path.relpath(file.path, tmp_path), "offset": offset, "url": "https://a.example/j/"}
    assert reextract.page_text(record, str(tmp_path)) == ("https://a.example/j/", "<p>日本語の記事です。</p>")


def test_warc_folder_sits_next_to_the_archive():
    assert warc.warc_dir_of("db/archive.db") == os.path.abspath("db/warc")
    assert warc.warc_name_for("db/archive.db", 12) == "archive-crawl-00012.warc.gz"


# --- the lock --------------------------------------------------------------------------------

def test_second_holder_is_refused_with_the_first_named(tmp_path):
    db_path = tmp_path / "archive.db"
    with locking.archive_lock(db_path):
        with pytest.raises(locking.ArchiveLocked, match=f"pid {os.getpid()}.*--wait"):
            with locking.archive_lock(db_path):
                pass
        with pytest.raises(locking.ArchiveLocked, match="gave up waiting"):
            with locking.archive_lock(db_path, wait=True, timeout=0.3):
                pass
    with locking.archive_lock(db_path):  # free again
        pass


def test_lock_of_a_killed_process_is_free(tmp_path):
    db_path = tmp_path / "archive.db"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from archive_spider.archive.locking import archive_lock\n"
        f"with archive_lock({str(db_path)!r}):\n    print('held', flush=True); time.sleep(60)  # held until killed"
    )], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(locking.ArchiveLocked):
        with locking.archive_lock(db_path):
            pass
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    started = time.monotonic()
    with locking.archive_lock(db_path, wait=True, timeout=5):
        pass
    assert time.monotonic() - started < 2


# --- the middleware, offline -----------------------------------------------------------------

def make_middleware(known, policy="conditional"):
    from archive_spider.middlewares import IncrementalMiddleware
    from archive_spider.spiders.articles import ArticlesSpider

    from .conftest import project_crawler

    crawler = project_crawler(ArticlesSpider, {"ARCHIVE_REVISIT": policy})
    middleware = IncrementalMiddleware.from_crawler(crawler)
    middleware._known = known
    heard = []
    crawler.signals.connect(lambda url, fetch: heard.append(("not modified", url)),
                            signal=revisit.article_not_modified, weak=False)
    crawler.signals.connect(lambda url, fetch: heard.append(("fetched", url, fetch["http_etag"])),
                            signal=revisit.article_fetched, weak=False)
    return middleware, crawler, heard


def article_request(url):
    from scrapy import Request

    return Request(url, meta={"archive_role": "article"})


def test_known_article_is_asked_conditionally_and_304_ends_there():
    from scrapy.exceptions import IgnoreRequest
    from scrapy.http import Response

    url = "https://a.example/1/"
    middleware, crawler, heard = make_middleware({url: WITH_ETAG})
    request = article_request(url)
    assert middleware.process_request(request) is None
    assert request.headers[b"If-None-Match"] == b'"abc"'
    with pytest.raises(IgnoreRequest):
        middleware.process_response(request, Response(url, status=304, headers={"ETag": '"abc"'}))
    assert heard == [("not modified", url)]
    assert crawler.stats.get_value("archive/not_modified") == 1
    # A new article goes out as it is, and its validators are reported for storage.
    new = article_request("https://a.example/2/")
    assert middleware.process_request(new) is None and b"If-None-Match" not in new.headers
    middleware.process_response(new, Response(new.url, status=200, headers={"ETag": '"n"'}))
    assert heard[-1] == ("fetched", "https://a.example/2/", '"n"')


def test_a_host_that_ignores_validators_costs_one_download():
    from scrapy.exceptions import IgnoreRequest
    from scrapy.http import Response

    known = {f"https://a.example/{i}/": WITH_ETAG for i in range(3)}
    middleware, crawler, _ = make_middleware(known)
    first = article_request("https://a.example/0/")
    middleware.process_request(first)
    middleware.process_response(first, Response(first.url, status=200, headers={"ETag": '"abc"'}))
    for i in (1, 2):
        with pytest.raises(IgnoreRequest):
            middleware.process_request(article_request(f"https://a.example/{i}/"))
    assert crawler.stats.get_value("archive/validators_ignored") == 1


def test_never_skips_and_always_fetches_in_full():
    from scrapy.exceptions import IgnoreRequest

    url = "https://a.example/1/"
    with pytest.raises(IgnoreRequest):
        make_middleware({url: WITH_ETAG}, "never")[0].process_request(article_request(url))
    request = article_request(url)
    assert make_middleware({url: WITH_ETAG}, "always")[0].process_request(request) is None
    assert b"If-None-Match" not in request.headers


def test_progress_line_shows_pages_articles_errors_and_rate():
    from archive_spider.progress import format_progress

    line = format_progress({"response_received_count": 30, "archive/not_modified": 10, "item_scraped_count": 12,
                            "archive/new": 9, "archive/updated": 2, "archive/errors": 1}, seconds=4.0)
    assert line == ("40 pages (10.0/s), 12 articles extracted: 9 new, 2 updated, 10 not modified, "
                    "0 skipped, 1 errors")


def test_progress_line_is_drawn_in_place_and_cleared():
    import io

    from scrapy.utils.test import get_crawler

    from archive_spider.progress import ProgressLine
    from archive_spider.spiders.articles import ArticlesSpider

    stream = io.StringIO()
    line = ProgressLine(get_crawler(ArticlesSpider), stream=stream)
    line.draw()
    line.spider_closed()
    assert stream.getvalue().startswith("\r0 pages") and stream.getvalue().endswith("\r\x1b[K")
