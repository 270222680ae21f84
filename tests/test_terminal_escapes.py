"""A site cannot drive the terminal of whoever reads the crawl's output (cron mail, a
shell): control characters in its headers reach warnings, failures and `stats` escaped."""

from __future__ import annotations

import logging

import pytest

from archive_spider.terminal import EscapeControls, printable

from .builtsites import WP_POSTS, build_wordpress
from .conftest import query, run_cli
from .sitekit import Reply, TestSite

CLEAR = "\x1b[2J\x1b[H"
FORGED = "crawl 999 ok: 999 new, 0 updated"
# What a terminal would obey: ESC, C1 CSI, BEL, carriage return, backspace.
DANGEROUS = ("\x1b", "\x9b", "\x07", "\r", "\x08")


def build(base_url):
    pages = build_wordpress(base_url)
    posts = [p.path for p in WP_POSTS]
    pages[posts[0]] = Reply(b"slow down", 429, "text/plain", {"Retry-After": f"{CLEAR}\r{FORGED}"})
    pages[posts[1]] = Reply(b"moved", 302, "text/plain", {"Location": f"ftp://files.example/{CLEAR}\x9b2J\r{FORGED}"})
    pages[posts[2]] = Reply(b"%PDF-1.4 not a page", 200, f"application/x-{CLEAR}\x07\r{FORGED}")
    return pages


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    db_path = tmp_path_factory.mktemp("escapes") / "archive.db"
    with TestSite(build) as site:
        quiet = run_cli("crawl", site.url + "/", "--db", db_path, "--concurrency", "8",
                        "-s", "ARCHIVE_RETRY_BACKOFF=0.1")
        verbose = run_cli("crawl", site.url + "/", "--db", db_path, "--concurrency", "8", "-v", "--revisit", "always",
                          "-s", "ARCHIVE_RETRY_BACKOFF=0.1")
    stats = run_cli("stats", "--db", db_path, "--failures", "50")
    return db_path, quiet, verbose, stats


def assert_safe(output: str) -> None:
    for character in DANGEROUS:
        assert character not in output, (repr(character), output[-2000:])
    assert not any(line.startswith(FORGED) for line in output.splitlines())


def test_crawl_output_carries_no_control_characters(crawled):
    db_path, quiet, verbose, _ = crawled
    assert quiet.returncode == 0, quiet.stderr[-2000:]
    for result in (quiet, verbose):
        assert_safe(result.stdout)
        assert_safe(result.stderr)
    # The warnings still say what happened, escaped.
    assert "\\x1b[2J" in quiet.stderr and "rate-limited" in quiet.stderr


def test_failures_and_stats_are_escaped(crawled):
    db_path, _, _, stats = crawled
    reasons = {reason for (reason,) in query(db_path, "select reason from failures")}
    assert {"rate-limited", "blocked-scheme", "not-html"} <= reasons
    for (detail,) in query(db_path, "select detail from failures where detail is not null"):
        assert_safe(detail)
    assert stats.returncode == 0, stats.stderr
    assert_safe(stats.stdout)
    assert "ftp://files.example/\\x1b[2J" in stats.stdout


def test_printable_escapes_controls_and_keeps_text():
    assert printable("caf\u00e9 \u2013 \u65e5\u672c") == "caf\u00e9 \u2013 \u65e5\u672c"
    assert printable(f"a{CLEAR}b\nc\x9bd\u202ee") == "a\\x1b[2J\\x1b[Hb\\x0ac\\x9bd\\u202ee"
    assert printable(b"\x1b]0;title\x07") == "\\x1b]0;title\\x07"
    assert printable("line one\nline two\x1b", keep_newlines=True) == "line one\nline two\\x1b"


def test_the_log_filter_escapes_every_message():
    record = logging.LogRecord("scrapy", logging.WARNING, __file__, 1, "Got %s", (f"{CLEAR}x",), None)
    assert EscapeControls().filter(record)
    assert record.getMessage() == "Got \\x1b[2J\\x1b[Hx"
