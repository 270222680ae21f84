"""Bounds on endless and huge sites: streamed sitemaps and the per-site caps, each counted
when it cuts. Offline units first, then crawls of tests/endless_site.py with the real CLI
(peak memory is measured by benchmarks/bounds.py, not here)."""

import gzip
import re
import sqlite3
import time

import pytest
from scrapy.http import TextResponse

from archive_spider import sites
from archive_spider.discovery import feeds
from archive_spider.discovery.pages import PageAnalysis
from archive_spider.vocabulary import ArticleLink
from archive_spider.archive.failures import FailureLog

from .conftest import run_cli
from .endless_site import EndlessSite, huge_sitemap, sitemap_index, url_set
from .test_routing import make_spider, response

SITE = "https://example.org"


def capped_rows(crawler):
    return [row for row in FailureLog.of(crawler).buffer if row["reason"] == "capped"]


# --- sitemaps read as a stream -----------------------------------------------------------------

def test_a_huge_gzipped_sitemap_is_read_only_as_far_as_its_urls_are_taken():
    body = huge_sitemap(200_000, SITE)
    started = time.monotonic()
    result = feeds.parse_sitemap(body, f"{SITE}/huge.xml.gz", ["example.org"], max_urls=1000)
    assert time.monotonic() - started < 5  # the whole sitemap takes some 20 s to parse here
    assert result.truncated
    assert [e.url for e in result.pages[:2]] == [f"{SITE}/a/0/", f"{SITE}/a/1/"]
    assert len(result.pages) == 1000 and result.pages[0].lastmod == "2025-01-01"


def test_a_sitemap_within_the_cap_is_read_whole_and_deduplicated():
    body = url_set([f"{SITE}/a-b/", f"{SITE}/c-d/", f"{SITE}/a-b/", "https://elsewhere.example/x-y/"]).encode()
    result = feeds.parse_sitemap(body, f"{SITE}/sitemap.xml", ["example.org"], max_urls=2)
    assert [e.url for e in result.pages] == [f"{SITE}/a-b/", f"{SITE}/c-d/"]
    assert not result.truncated


def test_the_inflated_size_cap_holds_while_streaming(monkeypatch):
    monkeypatch.setattr(feeds, "MAX_SOURCE_BYTES", 100_000)
    entries = list(feeds.iter_sitemap(huge_sitemap(50_000, SITE), f"{SITE}/huge.xml.gz"))
    # about 60 bytes an entry: what fits in 100 kB, and no error for the cut-off end
    assert 1000 < len(entries) < 2000


def test_a_truncated_gzip_sitemap_gives_the_entries_before_the_break():
    whole = gzip.compress(url_set([f"{SITE}/post-{n}/" for n in range(5000)]).encode())
    entries = list(feeds.iter_sitemap(whole[: len(whole) // 2], f"{SITE}/s.xml.gz"))
    assert 100 < len(entries) < 5000
    assert entries[0].url == f"{SITE}/post-0/"


def test_an_index_yields_sitemaps_and_a_plain_text_sitemap_pages():
    index = sitemap_index([f"{SITE}/a.xml", f"{SITE}/b.xml.gz"]).encode()
    assert [(e.url, e.is_sitemap) for e in feeds.iter_sitemap(index, f"{SITE}/index.xml")] == [
        (f"{SITE}/a.xml", True), (f"{SITE}/b.xml.gz", True)]
    text = gzip.compress(f"{SITE}/one-post/\n\n{SITE}/two-post/\n".encode())
    assert [e.url for e in feeds.iter_sitemap(text, f"{SITE}/s.txt.gz")] == [f"{SITE}/one-post/", f"{SITE}/two-post/"]


def test_entities_are_not_expanded_while_streaming():
    body = (b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<urlset><url><loc>https://example.org/&b;/</loc></url>'
            b'<url><loc>https://example.org/&x;post/</loc></url><url><loc>https://example.org/ok-post/</loc></url></urlset>')
    urls = [e.url for e in feeds.iter_sitemap(body, f"{SITE}/s.xml")]
    assert f"{SITE}/ok-post/" in urls
    assert not any("aaaa" in u or "root:" in u for u in urls)


# --- the caps in the spider ----------------------------------------------------------------------

def sitemap_response(url, body):
    from scrapy.http import Request, XmlResponse

    return XmlResponse(url, body=body, request=Request(url, meta={"archive_site": "example.org"}))


def test_sitemap_urls_cap_cuts_and_is_recorded(tmp_path):
    spider, crawler = make_spider(url=f"{SITE}/", settings={"ARCHIVE_SITEMAP_MAX_URLS": 30,
                                                            "ARCHIVE_DB_PATH": str(tmp_path / "a.db")})
    page = sitemap_response(f"{SITE}/huge.xml.gz", huge_sitemap(10_000, SITE))
    requests = list(spider.parse_source(page, feeds.SOURCE_SITEMAP))
    assert len(requests) == 30
    assert crawler.stats.get_value("archive/capped/sitemap_max_urls") == 1
    [row] = capped_rows(crawler)
    assert row["url"] == f"{SITE}/huge.xml.gz" and "ARCHIVE_SITEMAP_MAX_URLS=30" in row["detail"]
    assert spider.listing.cut  # the listing was not read whole


def test_a_full_site_stops_reading_a_sitemap_and_keeps_no_teasers_it_refused(tmp_path):
    spider, crawler = make_spider(url=f"{SITE}/", settings={"ARCHIVE_SITE_MAX_PAGES": 11,
                                                            "ARCHIVE_DB_PATH": str(tmp_path / "a.db")})
    page = sitemap_response(f"{SITE}/huge.xml.gz", huge_sitemap(200_000, SITE))
    started = time.monotonic()
    requests = list(spider.parse_source(page, feeds.SOURCE_SITEMAP))
    assert time.monotonic() - started < 3
    assert len(requests) == 10  # 11 with the start URL
    # one batch read past the cap, not 200,000 entries; no teaser kept for the refused
    assert crawler.stats.get_value("archive/capped/site_max_pages") == feeds_batch() - 10
    assert len(spider.teasers) == 10
    [row] = capped_rows(crawler)  # one row per site for the page cap, however many links it refuses
    assert "ARCHIVE_SITE_MAX_PAGES=11" in row["detail"] and row["referer"] == f"{SITE}/huge.xml.gz"


def feeds_batch():
    from archive_spider.spiders.routing import SITEMAP_BATCH

    return SITEMAP_BATCH


def test_sitemap_cap_counts_sitemaps_across_indexes_and_stops_reading(tmp_path):
    spider, crawler = make_spider(url=f"{SITE}/index.xml", settings={"ARCHIVE_SITE_MAX_SITEMAPS": 3,
                                                            "ARCHIVE_DB_PATH": str(tmp_path / "a.db")})
    first = sitemap_response(f"{SITE}/index.xml", sitemap_index([f"{SITE}/index.xml", f"{SITE}/s1.xml",
                                                                  f"{SITE}/s2.xml"]).encode())
    assert [r.url for r in spider.parse_source(first, feeds.SOURCE_SITEMAP_INDEX)] == [f"{SITE}/s1.xml", f"{SITE}/s2.xml"]
    second = sitemap_response(f"{SITE}/s1.xml", sitemap_index([f"{SITE}/s{n}.xml" for n in range(3, 50_000)]).encode())
    assert [r.url for r in spider.parse_source(second, feeds.SOURCE_SITEMAP_INDEX)] == [f"{SITE}/s3.xml"]
    assert crawler.stats.get_value("archive/capped/site_max_sitemaps") == 1
    [row] = capped_rows(crawler)
    assert row["url"] == f"{SITE}/s1.xml" and "ARCHIVE_SITE_MAX_SITEMAPS=3" in row["detail"]


def test_links_per_page_cap_keeps_next_pages_first(tmp_path):
    spider, crawler = make_spider(url=f"{SITE}/", settings={"ARCHIVE_MAX_LINKS_PER_PAGE": 5,
                                                            "ARCHIVE_DB_PATH": str(tmp_path / "a.db")})
    analysis = PageAnalysis(kind="index", article_links=[ArticleLink(f"{SITE}/post-{n}/", None, None, None)
                                                         for n in range(10)],
                            next_pages=[f"{SITE}/page/2/"], section_links=[f"{SITE}/news/"])
    page = response(f"{SITE}/", "<html></html>", {"archive_site": "example.org"})
    analysis = spider.apply_link_selectors(page, analysis)
    assert analysis.next_pages == [f"{SITE}/page/2/"]
    assert [link.url for link in analysis.article_links] == [f"{SITE}/post-{n}/" for n in range(4)]
    assert analysis.section_links == []
    assert crawler.stats.get_value("archive/capped/max_links_per_page") == 1
    [row] = capped_rows(crawler)
    assert row["url"] == f"{SITE}/" and "12 links" in row["detail"]


def test_a_site_limit_overrides_the_setting_and_zero_lifts_it(tmp_path):
    spider, _ = make_spider(tmp_path, """
[sites.big]
start_urls = ["https://example.org/"]
limits = { max_pages = 0, max_sitemaps = 7, max_sitemap_urls = 100, max_links_per_page = 0 }
""", settings={"ARCHIVE_SITE_MAX_PAGES": 5, "ARCHIVE_MAX_LINKS_PER_PAGE": 9})
    site = spider.sites[0]
    assert [spider.cap_of(site, name) for name in ("max_pages", "max_sitemaps", "max_sitemap_urls",
                                                   "max_links_per_page")] == [0, 7, 100, 0]
    assert spider.cap_of(None, "max_links_per_page") == 9


def test_sites_toml_refuses_a_bad_cap(tmp_path):
    config = tmp_path / "sites.toml"
    config.write_text("[sites.a]\nstart_urls = ['https://a.example/']\n[sites.a.limits]\nmax_sitemaps = -1\n")
    with pytest.raises(sites.SiteConfigError, match="limits.max_sitemaps: must be a whole number >= 0"):
        sites.load_sites(config)


def test_the_summary_names_each_cap_that_cut(tmp_path, caplog):
    spider, _ = make_spider(url=f"{SITE}/", settings={"ARCHIVE_SITE_MAX_PAGES": 2,
                                                      "ARCHIVE_DB_PATH": str(tmp_path / "a.db")})
    page = response(f"{SITE}/", "<html></html>", {"archive_site": "example.org"})
    for n in range(4):
        spider.site_request(page, f"{SITE}/post-{n}/", role="article")
    spider.report_cuts("finished")
    assert re.search(r"Site example.org: ARCHIVE_SITE_MAX_PAGES=2 cut the crawl: 3 links not requested", caplog.text)


# --- end to end: the endless site crawled by the real CLI ------------------------------------------

CRAWL_OPTIONS = ("--concurrency", "16", "--timeout", "10")


@pytest.fixture(scope="module")
def endless():
    with EndlessSite(fanout=10, huge_urls=300_000, children=20_000) as site:
        yield site


@pytest.fixture(scope="module")
def endless_web():
    with EndlessSite(fanout=10) as site:
        yield site


def crawl(site, path, tmp_path, *settings):
    db_path = tmp_path / "archive.db"
    before = dict(site.hits)
    started = time.monotonic()
    result = run_cli("crawl", site.url + path, "--db", db_path, *CRAWL_OPTIONS,
                     *[part for s in settings for part in ("-s", s)], timeout=300)
    seconds = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-3000:]
    hits = {kind: n - before.get(kind, 0) for kind, n in site.hits.items()}
    conn = sqlite3.connect(db_path)
    capped = conn.execute("select url, detail from failures where reason = 'capped'").fetchall()
    status = conn.execute("select status from crawls").fetchone()[0]
    conn.close()
    return result, hits, capped, status, seconds


@pytest.mark.e2e
def test_an_endless_sitemap_tree_ends_at_the_sitemap_cap(endless, tmp_path):
    result, hits, capped, status, _ = crawl(endless, "/tree/index.xml", tmp_path, "ARCHIVE_SITE_MAX_SITEMAPS=25")
    assert hits["tree"] == 26  # the start URL and 25 more
    assert status == "ok" and capped and all("ARCHIVE_SITE_MAX_SITEMAPS=25" in d for _, d in capped)
    assert "ARCHIVE_SITE_MAX_SITEMAPS=25 cut the crawl" in result.stderr


@pytest.mark.e2e
def test_an_endless_web_of_articles_ends_at_the_page_cap(endless_web, tmp_path):
    result, hits, capped, status, _ = crawl(endless_web, "/web/", tmp_path, "ARCHIVE_SITE_MAX_PAGES=80")
    assert hits["web"] == 80
    assert status == "ok" and len(capped) == 1 and "ARCHIVE_SITE_MAX_PAGES=80" in capped[0][1]
    assert re.search(r"ARCHIVE_SITE_MAX_PAGES=80 cut the crawl: \d+ links not requested", result.stderr)
    assert re.search(r"crawl 1 ok: (\d+) new", result.stdout)[1] != "0"


@pytest.mark.e2e
def test_a_huge_gzipped_sitemap_is_crawled_as_far_as_the_url_cap(endless, tmp_path):
    result, hits, capped, status, seconds = crawl(endless, "/huge.xml.gz", tmp_path, "ARCHIVE_SITEMAP_MAX_URLS=40")
    assert hits["a"] == 40 and hits["huge"] == 1
    assert [url for url, _ in capped] == [f"{endless.url}/huge.xml.gz"]
    assert seconds < 60


@pytest.mark.e2e
def test_a_self_listing_index_of_thousands_fetches_the_cap(endless, tmp_path):
    result, hits, capped, status, _ = crawl(endless, "/self-index.xml", tmp_path, "ARCHIVE_SITE_MAX_SITEMAPS=15")
    assert hits["self-index"] == 1 and hits["child"] == 15 and hits["a"] == 30
    assert [url for url, _ in capped] == [f"{endless.url}/self-index.xml"]


def test_a_full_site_remembers_no_more_listed_links(tmp_path):
    spider, _ = make_spider(url=f"{SITE}/", settings={"ARCHIVE_SITE_MAX_PAGES": 3,
                                                      "ARCHIVE_DB_PATH": str(tmp_path / "a.db")})
    page = response(f"{SITE}/page/2/", "<html></html>", {"archive_site": "example.org"})
    links = [ArticleLink(f"{SITE}/post-{n}/", None, None, None) for n in range(5)]
    assert spider.count_new_links(page, links[:2]) == 2
    list(spider.article_requests(page, links[:2]))  # 3 requests with the start URL: full
    assert spider.count_new_links(page, links) == 3
    assert spider.listed == {link.url for link in links[:2]}


def test_a_huge_feed_is_read_only_as_far_as_its_entries_are_taken(tmp_path):
    items = "".join(f"<item><title>Post {n}</title><link>{SITE}/post-{n}/</link>"
                    f"<description>Summary {n}.</description></item>" for n in range(100_000))
    body = gzip.compress(f'<rss version="2.0"><channel><title>Big</title>'
                         f'<atom:link xmlns:atom="http://www.w3.org/2005/Atom" rel="next" href="{SITE}/feed?page=2"/>'
                         f"{items}</channel></rss>".encode())
    started = time.monotonic()
    result = feeds.parse_feed(body, f"{SITE}/feed", ["example.org"], max_entries=50)
    assert time.monotonic() - started < 2  # reading all 100,000 entries takes a minute here
    assert (len(result.links), result.truncated, result.title) == (50, True, "Big")
    assert result.next_page == f"{SITE}/feed?page=2"

    spider, crawler = make_spider(url=f"{SITE}/", settings={"ARCHIVE_MAX_LINKS_PER_PAGE": 20,
                                                            "ARCHIVE_DB_PATH": str(tmp_path / "a.db")})
    page = sitemap_response(f"{SITE}/feed", body)
    requests = list(spider.parse_source(page, feeds.SOURCE_RSS))
    assert len([r for r in requests if r.meta["archive_role"] == "article"]) == 20
    [row] = capped_rows(crawler)
    assert row["url"] == f"{SITE}/feed" and "ARCHIVE_MAX_LINKS_PER_PAGE=20" in row["detail"]


@pytest.mark.e2e
def test_the_bounds_benchmark_prints_its_figures():
    import subprocess
    import sys

    from .conftest import ROOT

    result = subprocess.run(
        [sys.executable, "benchmarks/bounds.py", "--sites", "self", "--children", "40", "--huge-urls", "10",
         "--limit", "120", "-s", "ARCHIVE_SITE_MAX_SITEMAPS=10"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    row = result.stdout.splitlines()[-1].split()
    # site, ended, exit, seconds, requests (robots, the index, 10 sitemaps, 20 articles), peak MB
    assert row[:3] == ["self", "True", "0"] and row[4] == "32", result.stdout
    assert 50 < float(row[5]) < 400


def test_a_robots_txt_naming_countless_sitemaps_gives_the_cap(tmp_path):
    spider, crawler = make_spider(url=f"{SITE}/", settings={"ARCHIVE_SITE_MAX_SITEMAPS": 4,
                                                            "ARCHIVE_DB_PATH": str(tmp_path / "a.db")})
    robots = "User-agent: *\n" + "".join(f"Sitemap: {SITE}/sitemap-{n}.xml\n" for n in range(100_000))
    page = response(f"{SITE}/robots.txt", robots, {"archive_site": "example.org"}, cls=TextResponse)
    started = time.monotonic()
    requests = list(spider.parse_source(page, feeds.SOURCE_ROBOTS))
    assert time.monotonic() - started < 2
    assert [r.url for r in requests] == [f"{SITE}/sitemap-{n}.xml" for n in range(4)]
    [row] = capped_rows(crawler)
    assert row["url"] == f"{SITE}/robots.txt" and "ARCHIVE_SITE_MAX_SITEMAPS=4" in row["detail"]
