"""End to end: a crawl stopped by Ctrl-C, SIGTERM or SIGKILL leaves no process behind."""

import importlib.util
import os
import signal
import sqlite3
import subprocess
import sys
import time

import psutil
import pytest

from archive_spider.demo.generated import build_generated_site
from archive_spider.demo.server import DemoServer

from .conftest import ROOT
from .polling import wait_until
from .test_workers import wait_gone

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(importlib.util.find_spec("archive_spider.discovery.pages") is None,
                       reason="needs archive_spider.discovery.pages (page discovery)"),
]

ARTICLES = 400


@pytest.fixture(scope="module")
def site():
    with DemoServer(pages=build_generated_site(ARTICLES)) as server:
        yield server


def start_crawl(site, db_path):
    return subprocess.Popen(
        [sys.executable, "-m", "archive_spider", "crawl", f"{site.url}/", "--db", str(db_path),
         "--concurrency", "16", "--workers", "2"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def wait_for_workers(crawl, count=2, seconds=60.0):
    """Descendants of the crawl once ``count`` extraction workers run (forkserver children)."""
    parent = psutil.Process(crawl.pid)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        descendants = parent.children(recursive=True)
        forkserver_children = [p for p in descendants if p.ppid() != crawl.pid]
        if len(forkserver_children) >= count:
            return [p.pid for p in parent.children(recursive=True)]
        if crawl.poll() is not None:
            break
        time.sleep(0.1)
    crawl.kill()
    pytest.fail(f"no extraction workers appeared: {crawl.communicate()[1][-2000:]}")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_stopped_crawl_closes_its_workers_and_records_the_stop(site, tmp_path, signum):
    db_path = tmp_path / "archive.db"
    crawl = start_crawl(site, db_path)
    descendants = wait_for_workers(crawl)
    wait_until(lambda: stored_articles(db_path), 60, "an article stored", process=crawl)
    crawl.send_signal(signum)
    try:
        _, stderr = crawl.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        crawl.kill()
        pytest.fail("the crawl did not stop within 90 s of the signal")
    assert wait_gone(descendants), "extraction processes outlived the crawl"
    conn = sqlite3.connect(db_path)
    try:
        status, new = conn.execute("select status, new from crawls").fetchone()
        stored = conn.execute("select count(*) from articles").fetchone()[0]
    finally:
        conn.close()
    assert status == "shutdown", stderr[-2000:]
    assert 0 < stored == new < ARTICLES


def test_a_killed_crawl_leaves_no_orphan_workers(site, tmp_path):
    crawl = start_crawl(site, tmp_path / "archive.db")
    descendants = wait_for_workers(crawl)
    wait_until(lambda: stored_articles(tmp_path / "archive.db"), 60, "an article stored", process=crawl)
    os.kill(crawl.pid, signal.SIGKILL)
    crawl.communicate(timeout=30)
    assert wait_gone(descendants, seconds=15), "extraction workers outlived a killed crawl"


def stored_articles(db_path) -> int:
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            return conn.execute("select count(*) from articles").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def test_ctrl_c_says_stopping_and_a_second_one_still_records_the_true_counts(site, tmp_path):
    db_path = tmp_path / "archive.db"
    crawl = start_crawl(site, db_path)
    wait_for_workers(crawl)
    wait_until(lambda: stored_articles(db_path), 60, "an article stored", process=crawl)
    crawl.send_signal(signal.SIGINT)
    # Said at once, though Scrapy logs it only at INFO level.
    first_line = crawl.stderr.readline()
    assert first_line.startswith("Stopping: no new requests"), first_line
    crawl.send_signal(signal.SIGINT)
    try:
        _, stderr = crawl.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        crawl.kill()
        pytest.fail("the crawl did not stop within 90 s of two Ctrl-C")
    assert crawl.returncode == 1
    conn = sqlite3.connect(db_path)
    try:
        status, new, requests = conn.execute("select status, new, requests from crawls").fetchone()
        stored = conn.execute("select count(*) from articles").fetchone()[0]
    finally:
        conn.close()
    assert status == "shutdown" and requests > 0, stderr[-2000:]
    assert 0 < stored == new < ARTICLES
    assert f"shutdown: {new} new," in stderr
