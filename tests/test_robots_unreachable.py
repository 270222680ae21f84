"""robots.txt that answers 5xx, or never answers: nothing of the site is fetched (RFC 9309
§2.3.1.4), the failures say why, and the next crawl asks again. A 404 allows all."""

from __future__ import annotations

import time

from .builtsites import WP_ARTICLES, build_wordpress
from .conftest import query, run_cli
from .polling import wait_until
from .sitekit import Reply, TestSite, text

ROBOTS = "User-agent: *\nDisallow: /wp-login.php\n"


class Robots:
    """What the site's /robots.txt does; tests change it between crawls."""

    def __init__(self, reply: Reply | None = None, hang: float = 0):
        self.reply = reply
        self.hang = hang

    def __call__(self, base_url: str, path: str) -> Reply | None:
        if path != "/robots.txt":
            return None
        if self.hang:
            time.sleep(self.hang)  # the scenario: a robots.txt that answers late or never
        return self.reply


def site_with(robots: Robots) -> TestSite:
    return TestSite(build_wordpress, robots)


def crawl(site, db_path, *extra):
    return run_cli("crawl", site.url + "/", "--db", db_path, "--concurrency", "4", *extra)


def failures(db_path, reason):
    return query(db_path, "select url, status, detail from failures where reason = ? order by id", (reason,))


def test_robots_txt_answering_503_disallows_everything_then_the_next_run_asks_again(tmp_path):
    db_path = tmp_path / "archive.db"
    robots = Robots(Reply(b"<h1>Service Unavailable</h1>", 503, "text/html"))
    with site_with(robots) as site:
        first = crawl(site, db_path, "-s", "ARCHIVE_RETRY_BACKOFF=0.1")
        asked = site.fetched()
        # Nothing but robots.txt (3 times: the 2 retries of a 503) was requested.
        assert set(asked) == {"/robots.txt"} and len(asked) == 3, asked
        assert first.returncode == 1, first.stderr[-3000:]  # the start URL could not be fetched
        assert "crawl 1 failed" in first.stderr
        assert query(db_path, "select count(*) from articles") == [(0,)]
        rows = failures(db_path, "robots-unreachable")
        assert rows[0][0] == f"{site.url}/robots.txt" and rows[0][1] == 503 and "complete disallow" in rows[0][2]
        assert [url for url, _, _ in rows[1:]] == [f"{site.url}/"]
        assert "robots.txt unreachable (HTTP 503)" in rows[1][2]
        assert query(db_path, "select count(*) from listings") == [(0,)]

        robots.reply = text(ROBOTS)
        second = crawl(site, db_path)
        later = site.fetched()[len(asked):]
    # The next run asked robots.txt again, found it, and crawled by it.
    assert later[0] == "/robots.txt", later
    assert second.returncode == 0, second.stderr[-3000:]
    assert "/wp-login.php" not in later
    archived = {url.removeprefix(site.url) for (url,) in query(db_path, "select url from articles")}
    assert WP_ARTICLES <= archived


def test_robots_txt_that_never_answers_disallows_everything(tmp_path):
    db_path = tmp_path / "archive.db"
    with site_with(Robots(text(ROBOTS), hang=3)) as site:
        result = crawl(site, db_path, "--timeout", "1", "-s", "RETRY_TIMES=0")
        asked = wait_until(site.fetched, 10, "the site logging the request (once it has answered it)")
    assert asked == ["/robots.txt"]
    assert result.returncode == 1
    rows = failures(db_path, "robots-unreachable")
    assert rows[0][0].endswith("/robots.txt") and rows[0][1] is None and rows[0][2].startswith("timeout")
    assert query(db_path, "select count(*) from articles") == [(0,)]


def test_a_missing_robots_txt_allows_everything_whatever_its_error_page_says(tmp_path):
    db_path = tmp_path / "archive.db"
    with site_with(Robots(Reply(b"User-agent: *\nDisallow: /\n", 404, "text/plain"))) as site:
        result = crawl(site, db_path)
        asked = site.fetched()
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(asked) > 10
    assert failures(db_path, "robots-unreachable") == []
    archived = {url.removeprefix(site.url) for (url,) in query(db_path, "select url from articles")}
    assert WP_ARTICLES <= archived
