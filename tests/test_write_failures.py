"""A full or read-only disk stops the crawl cleanly; articles are written on a timer.

The end-to-end tests crawl onto real small file systems: a 2 MB tmpfs that fills up, and
an ext4 image that the kernel remounts read-only mid-crawl (ext4's ``trigger_fs_error``,
with ``errors=remount-ro``: what a failing disk does). They need root and mounting;
without it they are skipped, saying why. The pipeline's error path is also tested
offline, with a write that raises.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive_spider import pipelines
from archive_spider.archive import writes
from archive_spider.demo.generated import build_generated_site
from archive_spider.demo.server import DemoServer, SlowDemoServer
from archive_spider.demo.site import load_essays
from archive_spider.archive.failures import FailureLog
from archive_spider.vocabulary import ArticleItem
from archive_spider.spiders.articles import ArticlesSpider
from archive_spider.writeguard import REASON, WriteGuard, is_disk_failure

from .builtsites import WP_POSTS, build_wordpress
from .conftest import ROOT, project_crawler, query, run_cli
from .sitekit import TestSite, text

# --- offline: the pipeline's error path -----------------------------------------------------


@pytest.fixture(autouse=True)
def stops(monkeypatch):
    """The crawls the guard stops (no reactor runs here: Scrapy's engine is not used)."""
    stopped = []
    monkeypatch.setattr(WriteGuard, "stop_crawl", lambda guard: stopped.append(guard.crawler))
    return stopped


def article(n: int) -> ArticleItem:
    text = " ".join(f"word{n}x{i}" for i in range(60))
    return ArticleItem(url=f"https://example.org/post/{n}", title=f"Post {n}", text=text, html=f"<p>{text}</p>",
                       word_count=60, site="example.org")


@pytest.fixture
def pipeline(tmp_path):
    crawler = project_crawler(ArticlesSpider, {"ARCHIVE_DB_PATH": str(tmp_path / "archive.db"), "ARCHIVE_BATCH_SIZE": 2})
    store = pipelines.StorePipeline(crawler, str(tmp_path / "archive.db"), batch_size=2, flush_seconds=0)
    store.open_spider()  # no timer (it needs the reactor): flush_if_due is called by hand
    store.flush_seconds = 3600
    yield store
    if store.db is not None:
        store.db.close()


def disk_full(*args, **kwargs):
    raise sqlite3.OperationalError("database or disk is full")


def test_a_failed_commit_stops_the_crawl_once_and_raises_nothing(pipeline, monkeypatch, caplog, stops):
    pipeline.process_item(article(1))
    pipeline.process_item(article(2))  # a batch of 2: written
    assert query(pipeline.db_path, "select count(*) from articles") == [(2,)]
    monkeypatch.setattr(writes, "store_articles", disk_full)
    for n in range(3, 9):
        assert pipeline.process_item(article(n)).url.endswith(f"/{n}")  # no exception: no item dump
    stats = pipeline.crawler.stats
    assert stops == [pipeline.crawler]
    error = stats.get_value("archive/write_failed")
    assert "could not write a batch of 2 articles" in error and "database or disk is full" in error
    assert stats.get_value("archive/write_failures") == 1  # nothing tried after the first
    assert stats.get_value("archive/not_stored") == 6
    assert "word3x" not in caplog.text  # no article in the log
    pipeline.close_spider()
    pipeline.spider_closed("finished")  # even a "finished" close is no "ok" crawl now
    assert query(pipeline.db_path, "select status, message from crawls") == [(REASON, error)]
    assert query(pipeline.db_path, "select count(*) from articles") == [(2,)]


def test_a_crawl_whose_end_cannot_be_recorded_stays_running_for_the_next_run(pipeline, monkeypatch):
    monkeypatch.setattr(writes, "store_articles", disk_full)
    monkeypatch.setattr(writes, "finish_crawl", disk_full)
    pipeline.process_item(article(1))
    pipeline.process_item(article(2))
    pipeline.close_spider()
    pipeline.spider_closed(REASON)  # does not raise
    assert query(pipeline.db_path, "select status from crawls") == [("running",)]


def test_a_bug_is_not_taken_for_a_full_disk(pipeline, monkeypatch):
    def bug(*args, **kwargs):
        raise sqlite3.IntegrityError("UNIQUE constraint failed: articles.url")

    monkeypatch.setattr(writes, "store_articles", bug)
    pipeline.process_item(article(1))
    with pytest.raises(sqlite3.IntegrityError):
        pipeline.process_item(article(2))
    assert not WriteGuard.of(pipeline.crawler).stopped


def test_failures_that_cannot_be_written_stop_the_crawl(tmp_path, monkeypatch, stops):
    crawler = project_crawler(ArticlesSpider, {"ARCHIVE_DB_PATH": str(tmp_path / "archive.db")})
    log = FailureLog(crawler, str(tmp_path / "archive.db"))
    monkeypatch.setattr(writes, "record_failures", disk_full)
    log.record("https://example.org/a", "timeout")
    log.flush()
    assert stops == [crawler]
    assert "could not write 1 failures" in crawler.stats.get_value("archive/write_failed")
    log.record("https://example.org/b", "timeout")
    log.flush()  # not tried again
    assert crawler.stats.get_value("archive/write_failures") == 1
    log.spider_closed(REASON)


def test_disk_failures_told_from_other_errors():
    assert is_disk_failure(sqlite3.OperationalError("attempt to write a readonly database"))
    assert is_disk_failure(sqlite3.OperationalError("disk I/O error"))
    assert is_disk_failure(OSError(28, "No space left on device"))
    assert is_disk_failure(OSError(30, "Read-only file system"))
    assert not is_disk_failure(OSError(2, "No such file or directory"))
    assert not is_disk_failure(sqlite3.IntegrityError("UNIQUE constraint failed"))
    assert not is_disk_failure(ValueError("x"))


def test_articles_waiting_are_written_when_their_time_is_up(pipeline):
    """The timer's tick (flush_if_due) writes a batch that waited 3/4 of
    ARCHIVE_FLUSH_SECONDS, with no further item to trigger it."""
    pipeline.batch_size = 50
    pipeline.flush_seconds = 0.4
    pipeline.process_item(article(1))  # the first item may flush at once (last flush long ago)
    pipeline.process_item(article(2))
    pipeline.process_item(article(3))
    waiting = len(pipeline.buffer)
    assert waiting >= 2
    pipeline.flush_if_due()
    assert len(pipeline.buffer) == waiting  # not yet due
    time.sleep(0.35)  # the scenario: the 0.4 s flush interval runs out
    pipeline.flush_if_due()
    assert pipeline.buffer == []
    assert query(pipeline.db_path, "select count(*) from articles") == [(3,)]


# --- end to end: articles written on a timer, on a slow site -------------------------------

FAST = {"/", "/robots.txt", *(p.path for p in WP_POSTS[:3])}
SLOW_SECONDS = 15


def test_articles_fetched_before_a_long_pause_are_stored_within_the_interval(tmp_path):
    """Three articles come quickly, then every other page of the site takes 15 s: with
    ARCHIVE_FLUSH_SECONDS=1 the three are in the archive about a second after they came,
    long before the crawl ends."""
    def build(base_url):
        pages = build_wordpress(base_url)
        pages["/robots.txt"] = text("User-agent: *\nDisallow: /wp-login.php\n")
        return {path: pages[path] for path in FAST}

    gone = WP_POSTS[3].path  # answers 404 at once: a failure, written on the timer too

    def slow(base_url, path):
        if path != gone:
            time.sleep(SLOW_SECONDS)  # the scenario: a slow page
        return None  # then 404

    db_path = tmp_path / "archive.db"
    with TestSite(build, slow) as site:
        crawl = subprocess.Popen(
            [sys.executable, "-m", "archive_spider", "crawl", site.url + "/", "--db", str(db_path),
             "--concurrency", "16", "--timeout", "30", "-s", "ARCHIVE_FLUSH_SECONDS=1"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            wanted = {f"{site.url}{p.path}" for p in WP_POSTS[:3]}
            stored: set[str] = set()
            failed: set[str] = set()
            deadline = time.monotonic() + SLOW_SECONDS
            while not (wanted <= stored and failed) and time.monotonic() < deadline and crawl.poll() is None:
                time.sleep(0.2)
                try:
                    stored = {url for (url,) in query(db_path, "select url from articles")}
                    failed = {url for (url,) in query(db_path, "select url from failures")}
                except sqlite3.OperationalError:
                    pass
            served = [t for (_, path, _), t in zip(site.requests, site.times) if path in FAST - {"/", "/robots.txt"}]
            seen_at = time.monotonic()
            assert crawl.poll() is None, "the crawl ended before the slow pages were answered"
            assert wanted <= stored, (sorted(stored), sorted(wanted))
            assert f"{site.url}{gone}" in failed, failed
            # Stored within the interval (plus extraction and polling), not at the end.
            assert len(served) == 3 and seen_at - max(served) < 6
        finally:
            out, err = crawl.communicate(timeout=120)
    assert crawl.returncode == 0, err


# --- end to end: a disk that fills up, a file system turned read-only -----------------------

def mount_or_skip(*args: str) -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    result = subprocess.run(["mount", *args], capture_output=True, text=True)
    if result.returncode:
        pytest.skip(f"cannot mount here ({' '.join(args)}): {result.stderr.strip()}")


def unmount(path: Path) -> None:
    subprocess.run(["umount", str(path)], capture_output=True)


@pytest.fixture
def tiny_disk(tmp_path):
    """A 2 MB tmpfs: room for some 50 articles and their WARC records, not 300."""
    mount = tmp_path / "disk"
    mount.mkdir()
    mount_or_skip("-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount))
    yield mount
    unmount(mount)


def assert_one_error_line(result_stderr: str) -> str:
    lines = [line for line in result_stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error:")]
    assert len(errors) == 1, result_stderr[-3000:]
    assert "Traceback" not in result_stderr and "'text':" not in result_stderr and "Dropped" not in result_stderr
    assert len(result_stderr) < 2000, result_stderr[-3000:]
    return errors[0]


def test_a_full_disk_stops_the_crawl_with_one_error_and_loses_nothing(tiny_disk):
    db_path = tiny_disk / "archive.db"
    with DemoServer(pages=build_generated_site(300)) as site:
        # Batches of 10, so that some land before the disk is full however big a
        # batch's WAL frames and WARC records come out.
        first = run_cli("crawl", f"{site.url}/", "--db", db_path, "--concurrency", "8",
                        "-s", "ARCHIVE_BATCH_SIZE=10")
        assert first.returncode == 1, first.stdout + first.stderr[-3000:]
        error = assert_one_error_line(first.stderr)
        assert "No space left on device" in error or "disk is full" in error, error
        assert first.stdout == ""  # no summary line claiming a crawl
        assert query(db_path, "PRAGMA integrity_check") == [("ok",)]
        kept = query(db_path, "select count(*) from articles")[0][0]
        assert 0 < kept < 300
        assert query(db_path, "select status from crawls") != [("ok",)]
        assert query(db_path, "select count(*) from listings") == [(0,)]  # not read whole

        # Room again: the next run fetches what the first could not store.
        subprocess.run(["mount", "-o", "remount,size=64m", str(tiny_disk)], check=True)
        second = run_cli("crawl", f"{site.url}/", "--db", db_path, "--concurrency", "8")
    assert second.returncode == 0, second.stderr[-3000:]
    assert query(db_path, "select count(*) from articles") == [(300,)]
    # The first crawl's end was recorded if the disk took that last small write, else the
    # second run marked it interrupted: never ok.
    statuses = [status for (status,) in query(db_path, "select status from crawls order by id")]
    assert statuses[0] in ("write-failed", "interrupted") and statuses[1:] == ["ok"], statuses
    assert f"{kept} not modified" in second.stdout


@pytest.fixture
def ext4_disk(tmp_path):
    """An ext4 image mounted with errors=remount-ro; yields (mount point, its sysfs name)."""
    if shutil.which("mkfs.ext4") is None:
        pytest.skip("mkfs.ext4 is not installed")
    image = tmp_path / "disk.img"
    with open(image, "wb") as handle:
        handle.truncate(32 * 1024 * 1024)
    subprocess.run(["mkfs.ext4", "-q", "-F", str(image)], check=True)
    mount = tmp_path / "disk"
    mount.mkdir()
    mount_or_skip("-o", "loop,errors=remount-ro", str(image), str(mount))
    try:
        device = subprocess.run(["findmnt", "-no", "SOURCE", str(mount)], capture_output=True, text=True).stdout
        trigger = Path("/sys/fs/ext4") / Path(device.strip()).name / "trigger_fs_error"
        if not trigger.exists():
            pytest.skip(f"this kernel has no {trigger} to make ext4 fail")
        yield mount, trigger, image
    finally:
        unmount(mount)


def test_a_file_system_turning_read_only_mid_crawl_stops_the_crawl_cleanly(ext4_disk, tmp_path):
    mount, trigger, image = ext4_disk
    db_path = mount / "archive.db"
    essays = len(load_essays())
    with SlowDemoServer(delay=0.2) as site:
        crawl = subprocess.Popen(
            [sys.executable, "-m", "archive_spider", "crawl", f"{site.url}/", "--db", str(db_path),
             "--concurrency", "2", "-s", "ARCHIVE_FLUSH_SECONDS=0.5"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            stored, deadline = 0, time.monotonic() + 60
            while stored < 3 and crawl.poll() is None and time.monotonic() < deadline:
                time.sleep(0.1)
                try:
                    stored = query(db_path, "select count(*) from articles")[0][0]
                except sqlite3.OperationalError:
                    stored = 0
            assert crawl.poll() is None, "the crawl ended before the disk failed"
            trigger.write_text("archive-spider test: the disk fails\n")
            failed_at = time.monotonic()
            out, err = crawl.communicate(timeout=60)
            stopped_after = time.monotonic() - failed_at
        finally:
            if crawl.poll() is None:
                crawl.kill()
                crawl.communicate()
        options = subprocess.run(["findmnt", "-no", "OPTIONS", str(mount)], capture_output=True, text=True).stdout
        assert {"ro", "emergency_ro"} & set(options.strip().split(",")), options  # the kernel made it read-only
        assert crawl.returncode == 1, out + err[-3000:]
        error = assert_one_error_line(err)
        assert "Read-only file system" in error or "readonly" in error, error
        assert stopped_after < 15  # not fetching on
        # What was stored is intact (read from a copy: the file system is read-only).
        copy = tmp_path / "copy"
        copy.mkdir()
        for path in mount.glob("archive.db*"):
            shutil.copy(path, copy / path.name)
        assert query(copy / "archive.db", "PRAGMA integrity_check") == [("ok",)]
        kept = query(copy / "archive.db", "select count(*) from articles")[0][0]
        assert stored <= kept < essays
        assert query(copy / "archive.db", "select count(*) from listings") == [(0,)]

        # Repaired and writable again: the next run completes the archive.
        unmount(mount)
        subprocess.run(["e2fsck", "-fy", str(image)], capture_output=True)
        subprocess.run(["mount", "-o", "loop", str(image), str(mount)], check=True)
        site.delay = 0
        again = run_cli("crawl", f"{site.url}/", "--db", db_path, "--concurrency", "8")
    assert again.returncode == 0, again.stderr[-3000:]
    assert query(db_path, "select count(*) from articles") == [(essays,)]
    assert query(db_path, "select status from crawls order by id")[-1] == ("ok",)


def fill(disk: Path) -> None:
    with open(disk / "filler", "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
        except OSError:
            pass


def test_an_archive_on_a_disk_already_full_is_one_error_and_nothing_fetched(tiny_disk):
    db_path = tiny_disk / "archive.db"
    with DemoServer() as site:
        assert run_cli("crawl", f"{site.url}/", "--db", db_path, "--max-pages", "1").returncode == 0
        fill(tiny_disk)
        asked = len(site.requests)
        result = run_cli("crawl", f"{site.url}/", "--db", db_path, "--concurrency", "8")
        assert len(site.requests) == asked
    assert result.returncode == 1, result.stdout + result.stderr[-3000:]
    assert_one_error_line(result.stderr)


def test_a_log_file_on_a_full_disk_is_said_once_and_the_crawl_goes_on(tiny_disk, tmp_path):
    fill(tiny_disk)  # the disk is full from the start
    db_path = tmp_path / "archive.db"
    with DemoServer() as site:
        result = run_cli("crawl", f"{site.url}/", "--db", db_path, "--concurrency", "8",
                         "--log-file", tiny_disk / "crawl.log")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr and "Logging error" not in result.stderr, result.stderr[-3000:]
    complaints = [line for line in result.stderr.splitlines() if "cannot write the log file" in line]
    assert len(complaints) == 1 and "No space left on device" in complaints[0], result.stderr[-3000:]
    assert query(db_path, "select count(*) from articles") == [(len(load_essays()),)]


def test_a_disk_io_error_on_a_file_system_gone_read_only_says_so(tmp_path, monkeypatch):
    """SQLite reports a write cut short by the kernel's read-only remount as a bare "disk
    I/O error"; the crawl's one error line names the cause."""
    from types import SimpleNamespace

    from archive_spider.writeguard import describe

    path = str(tmp_path / "archive.db")
    error = sqlite3.OperationalError("disk I/O error")
    assert describe(error, path) == "disk I/O error"  # a writable file system: as SQLite says
    real_statvfs = os.statvfs
    monkeypatch.setattr(os, "statvfs", lambda folder: SimpleNamespace(f_flag=real_statvfs(folder).f_flag | os.ST_RDONLY))
    assert describe(error, path) == "disk I/O error (Read-only file system)"
    readonly = sqlite3.OperationalError("attempt to write a readonly database")
    assert describe(readonly, path) == "attempt to write a readonly database"  # said already
