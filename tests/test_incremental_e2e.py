"""End to end, the way cron runs it: reruns, edits, new essays, re-extraction, overlapping
runs and kill -9, each against the demo site served on 127.0.0.1."""

import dataclasses
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter

import pytest

from archive_spider.demo.server import DemoServer, SlowDemoServer
from archive_spider.demo.site import load_essays
from archive_spider.demo.templates import build_site

from .conftest import ROOT, query, run_cli
from .polling import wait_until

pytestmark = pytest.mark.e2e

ESSAYS = load_essays()
TIDES = """Twice a day the harbour empties and fills again, and the people who live beside it
learn the rhythm before they learn to read. The tide tables pinned in the chandlery are
printed a year ahead, worked out from the pull of the moon and the sun on the water.

A spring tide comes when the two pull together, at new and full moon; a neap tide when they
pull at right angles and cancel a little of each other. The fishermen call the days between
the making and the taking of the tide, and plan their trips to the sandbanks by them.

Nobody here trusts the tables blindly. A strong west wind holds the water in, and a high
barometer presses it down, so the old hands look at the sky before they look at the page."""


def essay_answers(requests):
    """(path, status) of the requests for essay pages."""
    return [(path, status) for method, path, status in requests if path.startswith("/essays/")]


def assert_archive_whole(db_path, site_url):
    assert query(db_path, "PRAGMA integrity_check") == [("ok",)]
    urls = [url for (url,) in query(db_path, "select url from articles")]
    assert len(urls) == len(set(urls))
    assert set(urls) == {f"{site_url}{essay.url_path}" for essay in ESSAYS}
    # No half-written article: every one has its text and its first revision.
    assert query(db_path, "select count(*) from articles where text is null or text = '' "
                          "or id not in (select article_id from revisions)") == [(0,)]


def crawl_command(site, db_path, *extra):
    return [sys.executable, "-m", "archive_spider", "crawl", f"{site.url}/", "--db", str(db_path), *extra]


# --- one archive, crawled as cron would: first run, rerun, edits, re-extraction ------------

@pytest.fixture(scope="module")
def cron(tmp_path_factory):
    db_path = tmp_path_factory.mktemp("cron") / "archive.db"
    with DemoServer() as site:
        first = run_cli("crawl", f"{site.url}/", "--db", db_path, "--concurrency", "8")
        assert first.returncode == 0, first.stderr[-3000:]
        yield site, db_path


def test_rerun_downloads_no_known_article_and_counts_304s(cron):
    site, db_path = cron
    stored = dict(query(db_path, "select url, http_etag from articles"))
    assert all(stored.values()), "validators are kept for the next conditional request"
    start = len(site.requests)
    result = run_cli("crawl", f"{site.url}/", "--db", db_path, "--concurrency", "8")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no terminal: nothing but the summary line
    assert result.stdout.count("\n") == 1
    answers = essay_answers(site.requests[start:])
    assert [status for path, status in answers] == [304] * len(ESSAYS)
    row = query(db_path, "select status, new, updated, unchanged, not_modified, errors from crawls "
                         "order by id desc limit 1")
    assert row == [("ok", 0, 0, 0, len(ESSAYS), 0)]
    # Each 304 moved last_seen and last_fetched: the articles carry the rerun's crawl id.
    crawl_id = query(db_path, "select max(id) from crawls")[0][0]
    assert query(db_path, "select count(*) from articles where crawl_id = ?", [crawl_id]) == [(len(ESSAYS),)]
    assert query(db_path, "select count(*) from revisions") == [(len(ESSAYS),)]


def test_changed_essay_gets_a_revision_and_a_new_one_is_picked_up(cron):
    site, db_path = cron
    edited = ESSAYS[5]
    edited_pages = tuple(page.replace(" the ", " the very ", 1) if i == 0 else page
                         for i, page in enumerate(edited.pages))
    assert edited_pages != edited.pages
    new = dataclasses.replace(ESSAYS[0], slug="a-late-addition-on-tides", title="A Late Addition on Tides",
                              published="2099-01-02", pages=(TIDES,))
    copy = dataclasses.replace(ESSAYS[0], slug="a-reprint", title="A Reprint", published="2099-01-01")
    essays = [new, copy] + [dataclasses.replace(e, pages=edited_pages) if e is edited else e for e in ESSAYS]
    before = site.pages
    for path, page in build_site(essays, base_url=site.url).items():
        # Other essays keep their bytes (their sidebars would list the new one otherwise).
        if not path.startswith("/essays/") or path.startswith((edited.url_path, new.url_path, copy.url_path)):
            if before.get(path) is None or before[path].body != page.body:
                site.set_page(path, page)
    start = len(site.requests)
    log_file = db_path.parent / "crawl.log"
    result = run_cli("crawl", f"{site.url}/", "--db", db_path, "--concurrency", "8", "--log-file", log_file)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # warnings only, and there were none; the file has the story
    assert "[archive_spider.pipelines] INFO: Stored" in log_file.read_text()
    assert "1 new, 1 updated" in result.stdout and "1 duplicates" in result.stdout, result.stdout
    full = [path for path, status in essay_answers(site.requests[start:]) if status == 200]
    assert sorted(full) == sorted([edited.url_path, new.url_path, copy.url_path])
    edited_url = f"{site.url}{edited.url_path}"
    revisions = query(db_path, "select words_changed from revisions r join articles a on a.id = r.article_id "
                               "where a.url = ? order by r.id", [edited_url])
    assert len(revisions) == 2 and revisions[1][0] > 0
    first_seen, last_changed = query(db_path, "select first_seen, last_changed from articles where url = ?",
                                     [edited_url])[0]
    assert last_changed > first_seen
    # The reprint copies an earlier essay's text under a new title: kept, marked a duplicate.
    assert query(db_path, "select a.duplicate_of = b.id from articles a, articles b where a.url = ? and b.url = ?",
                 [f"{site.url}{copy.url_path}", f"{site.url}{ESSAYS[0].url_path}"]) == [(1,)]
    assert query(db_path, "select duplicate_of from articles where url = ?",
                 [f"{site.url}{new.url_path}"]) == [(None,)]
    # Put the site back as it was for the tests that follow.
    for path in set(site.pages) - set(before):
        site.remove_page(path)
    for path, page in before.items():
        site.set_page(path, page)


def test_reextract_restores_the_archive_from_warc_with_no_network(cron):
    site, db_path = cron
    warc_files = os.listdir(db_path.parent / "warc")
    assert warc_files and all(name.endswith(".warc.gz") for name in warc_files)
    expected = dict(query(db_path, "select url, content_hash from articles"))
    # As if an old extractor had got three articles wrong.
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("update articles set text = 'garbled', content_hash = 'x' where id in (1, 2, 3)")
    conn.close()
    start = len(site.requests)
    result = run_cli("reextract", "--db", db_path)
    assert result.returncode == 0, result.stderr
    assert site.requests[start:] == []
    assert "3 updated" in result.stdout, result.stdout
    assert dict(query(db_path, "select url, content_hash from articles")) == expected
    other_site = run_cli("reextract", "--db", db_path, "--site", "elsewhere.example")
    assert other_site.returncode == 0 and "of 0 articles" in other_site.stdout, other_site.stdout


# --- overlapping runs and kill -9, on a slow site ------------------------------------------

def test_overlapping_runs_never_interleave(tmp_path):
    db_path = tmp_path / "archive.db"
    with SlowDemoServer(delay=0.05) as site:
        first = subprocess.Popen(crawl_command(site, db_path, "--concurrency", "4"), cwd=ROOT,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_until(lambda: site.requests, 30, "the first crawl's first request", process=first)
        locked = run_cli(*crawl_command(site, db_path)[3:])
        waiting = subprocess.Popen(crawl_command(site, db_path, "--concurrency", "4", "--wait"), cwd=ROOT,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out_first, err_first = first.communicate(timeout=120)
        out_wait, err_wait = waiting.communicate(timeout=120)
        site_url = site.url
    assert locked.returncode == 3, (locked.stdout, locked.stderr)
    assert "in use by pid" in locked.stderr and "--wait" in locked.stderr
    assert first.returncode == 0, err_first
    assert waiting.returncode == 0, err_wait
    assert "44 new" in out_first and "0 new" in out_wait and "44 not modified" in out_wait
    assert_archive_whole(db_path, site_url)
    statuses = query(db_path, "select status, started, finished from crawls order by id")
    assert [s for s, _, _ in statuses] == ["ok", "ok"]
    assert statuses[1][1] >= statuses[0][2]  # the waiting run started after the first ended


def test_kill_9_mid_crawl_then_rerun_completes_the_archive(tmp_path):
    db_path = tmp_path / "archive.db"
    # Slow enough, and stored often enough, that the kill lands mid-crawl even though
    # articles are fetched before the rest of the listing.
    with SlowDemoServer(delay=0.2) as site:
        crawl = subprocess.Popen(crawl_command(site, db_path, "--concurrency", "2", "-s", "ARCHIVE_FLUSH_SECONDS=0.5"),
                                 cwd=ROOT,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        stored = 0
        while stored < 3 and crawl.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
            if db_path.exists():
                try:
                    stored = query(db_path, "select count(*) from articles")[0][0]
                except sqlite3.OperationalError:
                    stored = 0
        assert crawl.poll() is None, "the crawl ended before it could be killed"
        os.kill(crawl.pid, signal.SIGKILL)
        crawl.wait()

        assert query(db_path, "PRAGMA integrity_check") == [("ok",)]
        killed_with = query(db_path, "select count(*) from articles")[0][0]
        assert 3 <= killed_with < len(ESSAYS)
        assert query(db_path, "select status from crawls") == [("running",)]

        site.delay = 0  # the rerun need not be slow
        start = len(site.requests)
        result = run_cli(*crawl_command(site, db_path, "--concurrency", "8")[3:])
        assert result.returncode == 0, result.stderr
        # The rerun downloads only what the killed run had not stored.
        full = Counter(status for path, status in essay_answers(site.requests[start:]))
        assert full[304] == killed_with
        assert_archive_whole(db_path, site.url)
    assert query(db_path, "select status from crawls order by id") == [("interrupted",), ("ok",)]
