"""End to end: sites built by the tests, served on 127.0.0.1, crawled with the real CLI.

Each crawl must archive exactly the site's articles (no index, tag, author, search,
log-in, about or contact page, nothing twice), fetch no page outside the site (also not
through redirects), and stay within a budget of requests per article.
"""

import re
import sqlite3
from dataclasses import dataclass

import pytest

from . import builtsites as b
from .conftest import run_cli
from .sitekit import TestSite

pytestmark = pytest.mark.e2e


@dataclass
class Crawl:
    site: TestSite
    db_path: str
    result: object

    def archived(self) -> dict[str, dict]:
        """Archived rows by path (the part of the URL after the site's address)."""
        conn = sqlite3.connect(self.db_path)
        conn.row_factory = sqlite3.Row
        try:
            return {row["url"][len(self.site.url):]: dict(row) for row in conn.execute("select * from articles")}
        finally:
            conn.close()

    def fetched(self) -> list[str]:
        return self.site.fetched()

    def ok(self) -> None:
        assert self.result.returncode == 0, self.result.stderr[-3000:]


def crawl(site: TestSite, db_path, start: str = "/", *args) -> Crawl:
    result = run_cli("crawl", site.url + start, "--db", db_path, "--concurrency", "8", *args)
    return Crawl(site, str(db_path), result)


def served(tmp_path_factory, build, start="/", *args, dynamic=None):
    """A module-scoped fixture body: serve ``build``, crawl it once, yield the Crawl."""
    with TestSite(build, dynamic) as site:
        yield crawl(site, tmp_path_factory.mktemp("crawl") / "archive.db", start, *args)


def assert_exactly(found: Crawl, expected: set[str]) -> None:
    found.ok()
    archived = set(found.archived())
    assert archived == expected, (sorted(archived - expected), sorted(expected - archived))


def requests_per_article(found: Crawl) -> float:
    return len(found.site.requests) / max(1, len(found.archived()))


# --------------------------------------------------------------------------- WordPress


@pytest.fixture(scope="module")
def wordpress(tmp_path_factory):
    yield from served(tmp_path_factory, b.build_wordpress)


def test_wordpress_blog_every_post_once_and_nothing_else(wordpress):
    assert_exactly(wordpress, b.WP_ARTICLES)
    assert re.search(r"ok: 13 new, .* 0 duplicates, 0 errors", wordpress.result.stdout), wordpress.result.stdout
    assert requests_per_article(wordpress) <= 2.0


def test_wordpress_shortlink_redirect_is_stored_under_the_permalink(wordpress):
    assert "/?p=7" in wordpress.fetched()
    assert b.WP_POSTS[6].path in wordpress.archived()


def test_article_under_two_addresses_is_stored_under_its_canonical_one(wordpress):
    assert b.WP_ALIAS in wordpress.fetched()  # reached first, through the sidebar
    assert b.WP_POSTS[12].path in wordpress.archived()
    assert b.WP_ALIAS not in wordpress.archived()


def test_redirect_off_the_site_is_never_followed(wordpress):
    assert "/go/partner-offer/" in wordpress.fetched()
    hosts = {host for host, _, _ in wordpress.site.requests}
    assert hosts == {f"127.0.0.1:{wordpress.site.port}"}
    assert not any("partner/deal" in path for _, path, _ in wordpress.site.requests)


def test_start_url_redirecting_off_the_site_fails_the_crawl_with_a_reason(wordpress, tmp_path):
    before = len(wordpress.site.requests)
    found = crawl(wordpress.site, tmp_path / "a.db", "/go/partner-offer/")
    assert found.result.returncode == 1
    assert "redirects off the site, to http://localhost:" in found.result.stderr
    assert "--allow-host localhost" in found.result.stderr
    assert {host for host, _, _ in wordpress.site.requests[before:]} == {f"127.0.0.1:{wordpress.site.port}"}


def test_wordpress_service_pages_are_never_fetched(wordpress):
    fetched = wordpress.fetched()
    for path in ("/wp-login.php", "/tag/slow-travel/", "/author/anna/", "/about/", "/contact/", "/privacy-policy/"):
        assert path not in fetched, path
    assert not any("replytocom" in path for path in fetched)


def test_wordpress_teasers_and_metadata_are_kept(wordpress):
    rows = wordpress.archived()
    for post in b.WP_POSTS:
        row = rows[post.path]
        assert (row["title"], row["author"], row["published"]) == (post.title, post.author, post.published)
        assert row["summary"].startswith(post.teaser.rstrip("…")[:60]), row["summary"]


def test_wordpress_rerun_fetches_no_known_post(wordpress):
    before = len(wordpress.site.requests)
    again = crawl(wordpress.site, wordpress.db_path)
    again.ok()
    # 13 known posts, the featured page known as the post its canonical names (archived
    # there), and the partner link that redirects off the site (a `failures` row)
    assert re.search(r"ok: 0 new, .* 15 skipped, 0 duplicates, 0 errors", again.result.stdout), again.result.stdout
    assert "/featured/editors-pick/" not in [p for _, p, _ in wordpress.site.requests[before:]]
    refetched = [p for _, p, _ in wordpress.site.requests[before:] if p in b.WP_ARTICLES]
    assert refetched == []


# --------------------------------------------------------------------------- news, directory, chain


@pytest.fixture(scope="module")
def news(tmp_path_factory):
    yield from served(tmp_path_factory, b.build_news)


def test_news_site_category_pages(news):
    assert_exactly(news, b.NEWS_ARTICLES)
    fetched = news.fetched()
    for path in ("/search", "/account/login", "/subscribe", "/about-us", "/terms"):
        assert path not in fetched
    assert requests_per_article(news) <= 1.6


@pytest.fixture(scope="module")
def directory(tmp_path_factory):
    yield from served(tmp_path_factory, b.build_directory)


def test_old_style_article_directory(directory):
    assert_exactly(directory, b.DIR_ARTICLES)
    fetched = directory.fetched()
    assert not any(p.startswith(("/email.php", "/submit.php", "/login.php")) or "print=1" in p for p in fetched)
    assert requests_per_article(directory) <= 2.0


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    yield from served(tmp_path_factory, b.build_chain)


def test_older_articles_listed_only_on_article_pages(chain):
    assert_exactly(chain, b.CHAIN_ARTICLES)
    assert requests_per_article(chain) <= 1.3


# --------------------------------------------------------------------------- feeds and sitemaps


@pytest.fixture(scope="module")
def feed_site():
    with TestSite(b.build_feed_only) as site:
        yield site


def test_feed_only_site_from_its_feed_url(feed_site, tmp_path):
    found = crawl(feed_site, tmp_path / "a.db", "/feeds/all")
    assert_exactly(found, b.FEED_ARTICLES)
    rows = found.archived()
    for post in b.FEED_POSTS:
        assert (rows[post.path]["title"], rows[post.path]["published"]) == (post.title, post.published)
        assert rows[post.path]["summary"] == post.teaser  # the feed's summary is the teaser


def test_feed_only_site_discovered_from_its_front_page(feed_site, tmp_path):
    before = len(feed_site.requests)
    found = crawl(feed_site, tmp_path / "a.db", "/", "--discover")
    assert_exactly(found, b.FEED_ARTICLES)
    paths = [p for _, p, _ in feed_site.requests[before:]]
    assert "/feeds/all" in paths and "/feeds/all?page=2" in paths
    # the front page announced a feed: no feed path is guessed
    assert not {"/feed", "/rss.xml", "/atom.xml"} & set(paths)


@pytest.fixture(scope="module")
def sitemap_site():
    with TestSite(b.build_sitemap_only) as site:
        yield site


def test_sitemap_only_site_discovered_through_robots_txt(sitemap_site, tmp_path):
    before = len(sitemap_site.requests)
    found = crawl(sitemap_site, tmp_path / "a.db", "/", "--discover")
    assert_exactly(found, b.SITEMAP_ARTICLES)
    paths = [p for _, p, _ in sitemap_site.requests[before:]]
    assert "/sitemaps/posts-1.xml.gz" in paths  # the gzipped sitemap
    assert b.SITEMAP_PRIVATE not in paths  # listed, but robots.txt disallows it
    for path in ("/about/", "/contact/", "/tag/harbour/", "/author/ines/"):
        assert path not in paths  # listed in the sitemap, but no article
    assert "/sitemap.xml" not in paths  # robots.txt named the sitemaps: none guessed


def test_sitemap_index_as_start_url(sitemap_site, tmp_path):
    assert_exactly(crawl(sitemap_site, tmp_path / "a.db", "/sitemap_index.xml"), b.SITEMAP_ARTICLES)


# --------------------------------------------------------------------------- traps


@pytest.fixture(scope="module")
def calendar_site():
    with TestSite(b.build_calendar, b.calendar_page) as site:
        yield site


def test_endless_calendar_is_left_after_a_few_pages(calendar_site, tmp_path):
    before = len(calendar_site.requests)
    found = crawl(calendar_site, tmp_path / "a.db", "/")
    assert_exactly(found, b.CALENDAR_ARTICLES)
    events = [p for _, p, _ in calendar_site.requests[before:] if p.startswith("/events/")]
    # three months in a row with no article: the chain is left in both directions
    assert 1 < len(events) <= 5, events


def test_stale_index_pages_setting(calendar_site, tmp_path):
    before = len(calendar_site.requests)
    found = crawl(calendar_site, tmp_path / "a.db", "/", "-s", "ARCHIVE_STALE_INDEX_PAGES=1")
    assert_exactly(found, b.CALENDAR_ARTICLES)
    events = [p for _, p, _ in calendar_site.requests[before:] if p.startswith("/events/")]
    assert events == ["/events/2025-09/"]


# --------------------------------------------------------------------------- sites.toml


@pytest.fixture(scope="module")
def configured(tmp_path_factory):
    """Three sites of one sites.toml crawled at once: selectors, depth, page cap, delay."""
    tmp = tmp_path_factory.mktemp("config")
    with TestSite(b.build_directory) as directory, TestSite(b.build_chain) as chain, \
            TestSite(b.build_news) as news:
        config = tmp / "sites.toml"
        config.write_text(f"""
[sites.directory]
start_urls = ["{directory.url}/index.php"]
exclude = ['print=1', '/email\\.php']

[sites.directory.selectors]
article_links = "td > b > a[href^='/article.php']"
body = "div.article"
title = "xpath://td/h1"
author = "font > b"
date = "xpath://font[contains(., 'Submitted')]"

[sites.directory.limits]
delay = 0.1

[sites.chain]
start_urls = ["{chain.url}/"]
limits = {{ max_depth = 2 }}

[sites.news]
start_urls = ["{news.url}/"]
include = ['/world/', '^http://[^/]+/$']
limits = {{ max_pages = 6 }}
""")
        db_path = tmp / "archive.db"
        result = run_cli("crawl", "--config", config, "--db", db_path, "--concurrency", "8")
        yield {"directory": Crawl(directory, str(db_path), result), "chain": Crawl(chain, str(db_path), result),
               "news": Crawl(news, str(db_path), result)}


def archived_on(found: Crawl) -> dict[str, dict]:
    """The rows of one of several sites crawled into one archive."""
    conn = sqlite3.connect(found.db_path)
    conn.row_factory = sqlite3.Row
    try:
        rows = conn.execute("select * from articles where url like ?", (found.site.url + "/%",)).fetchall()
        return {row["url"][len(found.site.url):]: dict(row) for row in rows}
    finally:
        conn.close()


def test_config_selectors_pick_links_body_and_metadata(configured):
    found = configured["directory"]
    found.ok()
    rows = archived_on(found)
    assert set(rows) == b.DIR_ARTICLES
    for post in b.DIR_POSTS:
        row = rows[post.path]
        assert (row["title"], row["author"], row["published"]) == (post.title, post.author, post.published)
        assert "About the author" not in row["text"] and "Printer Friendly" not in row["text"]
        assert row["text"].split("\n\n")[0] == post.paragraphs[0]


def test_config_delay_spaces_requests_to_that_site(configured):
    times = configured["directory"].site.times[1:]  # robots.txt is fetched outside the site's slot
    # one request at a time, 0.1 s apart (measured where they arrive: allow some jitter)
    assert times[-1] - times[0] >= 0.09 * (len(times) - 1), times


def test_config_max_depth(configured):
    rows = archived_on(configured["chain"])
    # front page (0) -> the three newest (1) -> the three each of them lists (2), no further
    assert set(rows) == {p.path for p in b.CHAIN_POSTS[:6]}


def test_config_include_pattern_and_page_cap(configured):
    found = configured["news"]
    fetched = [p for p in found.fetched() if p != "/robots.txt"]
    assert len(fetched) <= 6, fetched
    assert all(p == "/" or p.startswith("/world/") for p in fetched), fetched
    assert set(archived_on(found)) <= {p.path for p in b.NEWS_POSTS if p.section == "world"}
