"""End to end: the hostile site crawled by the real CLI. What is archived, what is not,
what the failures table says, and that no internal service is ever reached."""

import re
import sqlite3
import time

import pytest

from .conftest import run_cli
from .hostile_site import GENUINE, TRAPS, HostileSite, InternalService

pytestmark = pytest.mark.e2e

# Small limits so the traps trip quickly; the crawl must still end by itself.
TIMEOUT_SECONDS = 2
MAX_PAGE_BYTES = 200_000
CRAWL_BOUND_SECONDS = 120  # generous: it takes about ten seconds here


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """The hostile site crawled once (through a sites.toml); yields (site, db_path, result, seconds, internal services)."""
    db_path = tmp_path_factory.mktemp("hostile") / "archive.db"
    with InternalService("127.0.0.1") as internal, InternalService("127.0.0.2") as internal2:
        with HostileSite(internal.port, internal2.port, huge_bytes=3 * MAX_PAGE_BYTES,
                         slow_seconds=TIMEOUT_SECONDS * 3) as site:
            config_file = db_path.parent / "sites.toml"
            config_file.write_text(f'[sites.hostile]\nstart_urls = ["{site.url}/"]\n')
            started = time.monotonic()
            result = run_cli(
                "crawl", "--config", config_file, "--db", db_path, "--concurrency", "8",
                "--timeout", TIMEOUT_SECONDS,
                "-s", f"ARCHIVE_MAX_PAGE_BYTES={MAX_PAGE_BYTES}",
                "-s", "ARCHIVE_RETRY_BACKOFF=0.2", "-s", "ARCHIVE_MAX_RETRY_DELAY=10",
                timeout=CRAWL_BOUND_SECONDS * 2,
            )
            seconds = time.monotonic() - started
            yield site, db_path, result, seconds, (internal, internal2)


def query(db_path, sql, params=()):
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(sql, params)]
    finally:
        conn.close()


def path_of(url):
    return re.sub(r"^http://127\.0\.0\.1:\d+", "", url)


def test_crawl_ends_by_itself_and_exits_zero(crawled):
    site, db_path, result, seconds, _ = crawled
    assert result.returncode == 0, result.stderr[-3000:]
    assert seconds < CRAWL_BOUND_SECONDS
    assert re.search(r"crawl 1 ok: 14 new", result.stdout), result.stdout


def test_every_genuine_article_is_archived_with_its_text_decoded_right(crawled):
    site, db_path, _, _, _ = crawled
    stored = {path_of(row["url"]).split("?")[0]: row for row in query(db_path, "select * from articles")}
    assert set(stored) == {page.path for page in GENUINE}
    for page in GENUINE:
        row = stored[page.path]
        assert row["title"] == page.title
        text = " ".join(row["text"].split())
        for paragraph in page.body:
            assert " ".join(paragraph.split()) in text, (page.path, text[:300])
        # No replacement characters, no mojibake left behind.
        assert "\ufffd" not in text and "Ã" not in text and "â€" not in text, page.path


def test_no_trap_is_archived_and_no_internal_service_is_reached(crawled):
    site, db_path, _, _, (internal, internal2) = crawled
    urls = [row["url"] for row in query(db_path, "select url from articles")]
    assert not [u for u in urls if path_of(u) in TRAPS or "/page/" in u]
    assert not query(db_path, "select url from articles where text like '%trap words%' or text like '%secret%'")
    assert internal.hits == [] and internal2.hits == []
    assert all(u.startswith(site.url) for u in urls)


def test_failures_table_explains_every_trap(crawled):
    site, db_path, _, _, _ = crawled
    failures = query(db_path, "select * from failures")
    by_path = {}
    for row in failures:
        by_path.setdefault(path_of(row["url"]), []).append(row)
    for path, reason in TRAPS.items():
        if reason in (None, "blocked-host", "blocked-address"):
            continue  # recorded under the redirect's target, checked below
        reasons = {row["reason"] for row in by_path.get(path, [])}
        assert reason in reasons, (path, reasons)
    assert {row["status"] for row in by_path["/2025/07/a-missing-page/"]} == {404}
    assert {row["status"] for row in by_path["/2025/07/a-gone-page/"]} == {410}
    assert {row["status"] for row in by_path["/2025/08/always-500/"]} == {500}
    internal_redirect = [r for r in failures if r["reason"] == "blocked-address"]
    assert internal_redirect and "redirect-to-an-internal-port" in internal_redirect[0]["detail"]
    assert any(r["reason"] == "blocked-host" and "redirect-to-another-host" in r["detail"] for r in failures)
    assert any(r["reason"] == "blocked-scheme" and "file:///etc/passwd" in r["detail"] for r in failures)
    assert any(r["reason"] == "blocked-host" and "a-meta-refresh-elsewhere" in r["detail"] for r in failures)
    assert any(r["reason"] == "listing-stopped" for r in failures)
    for row in failures:
        assert row["crawl_id"] == 1
        assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", row["failed_at"])
    # A page that failed once and then worked is no failure.
    assert "/2025/05/fails-once-with-500/" not in by_path
    assert "/2025/05/rate-limited-once/" not in by_path


def test_crawl_counts_match_the_failures(crawled):
    _, db_path, _, _, _ = crawled
    crawl = query(db_path, "select * from crawls")[0]
    errors = query(db_path, "select count(*) as n from failures where kind = 'error'")[0]["n"]
    skipped = query(db_path, "select count(*) as n from failures where kind = 'skipped'")[0]["n"]
    assert crawl["status"] == "ok"
    assert crawl["errors"] == errors >= 8
    assert crawl["skipped"] >= skipped >= 8


def test_retries_back_off_and_honour_retry_after(crawled):
    site, _, _, _, _ = crawled
    times = {}
    for at, path, status in site.requests:
        times.setdefault(path, []).append((at, status))
    limited = times["/2025/05/rate-limited-once/"]
    assert [s for _, s in limited] == [429, 200]
    assert limited[1][0] - limited[0][0] >= 1.9  # Retry-After: 2
    assert [s for _, s in times["/2025/05/fails-once-with-500/"]] == [500, 200]
    assert len(times["/2025/08/always-500/"]) == 3  # first try and RETRY_TIMES=2
    assert len(times["/2025/08/always-429/"]) == 1  # Retry-After: 3600 is over the cap: not retried


def test_endless_next_chain_is_cut_short(crawled):
    site, _, _, _, _ = crawled
    listing_pages = {path for _, path, _ in site.requests if path.startswith("/page/")}
    assert 1 <= len(listing_pages) <= 5


def test_stored_html_has_no_script_style_frame_or_handler(crawled):
    _, db_path, _, _, _ = crawled
    for row in query(db_path, "select url, html from articles"):
        html = row["html"].lower()
        for bad in ("<script", "<style", "<iframe", "<object", "<embed", "<svg", "<form", "javascript:", "<base"):
            assert bad not in html, (row["url"], bad)
        assert not re.search(r"\son\w+\s*=", html), row["url"]
        assert not re.search(r"""(href|src)\s*=\s*["']?data:(?!image/)""", html), row["url"]
    hostile = query(db_path, "select html from articles where url like '%scripts-and-handlers%'")[0]["html"]
    assert "A hostile paragraph" in hostile


def test_stats_shows_the_failures(crawled):
    _, db_path, _, _, _ = crawled
    result = run_cli("stats", "--db", db_path)
    assert result.returncode == 0, result.stderr
    assert re.search(r"\d+ failures: .*http-error 3", result.stdout), result.stdout
    assert "Recent failures" in result.stdout and "timeout" in result.stdout
