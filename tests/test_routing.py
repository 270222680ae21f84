"""Crawl-level routing of ArticlesSpider, offline: sites, spellings, limits, selectors."""

import asyncio

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse

from archive_spider.vocabulary import ArticleLink
from archive_spider.extraction import extract_article
from archive_spider.spiders.articles import ArticlesSpider
from archive_spider.assembly import extract_item
from archive_spider.spiders.routing import respell_url
from archive_spider.vocabulary import DEPTH, SITE, STALE

from .conftest import ROOT, project_crawler

SITE_URL = "https://www.example.org"


def collect(outputs):
    """What a spider callback (an async generator since extraction is awaited) yields."""
    async def drain():
        return [output async for output in outputs]
    return asyncio.run(drain())


def make_spider(tmp_path=None, config_text=None, settings=None, **kwargs):
    if config_text is not None:
        path = tmp_path / "sites.toml"
        path.write_text(config_text, encoding="utf-8")
        kwargs["config"] = str(path)
    crawler = project_crawler(ArticlesSpider, {"ARCHIVE_STALE_INDEX_PAGES": 3, **(settings or {})})
    crawler.settings.frozen = False  # as in Crawler.crawl, which freezes them after from_crawler
    crawler.spider = ArticlesSpider.from_crawler(crawler, **kwargs)
    return crawler.spider, crawler


def response(url, body, meta=None, cls=HtmlResponse):
    request = Request(url, meta=meta or {})
    return cls(url, body=body.encode(), encoding="utf-8", request=request)


@pytest.mark.parametrize("url, expected", [
    ("http://example.org/a/?x=1", "https://www.example.org/a/?x=1"),
    ("https://example.org/a/", "https://www.example.org/a/"),
    ("http://www.example.org/a/", "https://www.example.org/a/"),
    ("https://www.example.org/a/", "https://www.example.org/a/"),
    ("https://blog.example.org/a/", "https://blog.example.org/a/"),  # another host
    ("https://example.org:8443/a/", "https://example.org:8443/a/"),  # another server, perhaps
    ("https://notexample.org/a/", "https://notexample.org/a/"),
])
def test_one_spelling_per_site(url, expected):
    assert respell_url(url, "https", "www.example.org") == expected


def test_links_take_the_spelling_the_start_url_answered_on():
    spider, _ = make_spider(url="http://example.org/")
    front = response("https://www.example.org/", "<html></html>", {"archive_role": "start", SITE: "example.org"})
    spider.learn_origin(spider.sites[0], front.url)
    request = spider.site_request(front, "http://example.org/2024/05/a-post/", role="article")
    assert request.url == "https://www.example.org/2024/05/a-post/"


def test_config_sites_reach_the_spider_and_scrapy_settings(tmp_path):
    spider, crawler = make_spider(tmp_path, """
[sites.blog]
start_urls = ["https://www.example.org/"]
allowed_hosts = ["cdn.example.net"]
[sites.blog.limits]
delay = 2.5
max_depth = 4
[sites.other]
start_urls = ["https://other.example/"]
""", site="blog")
    assert [s.name for s in spider.sites] == ["blog"]
    assert spider.start_urls == ["https://www.example.org/"]
    assert spider.allowed_domains == ["cdn.example.net", "example.org"]
    assert crawler.settings.getdict("DOWNLOAD_SLOTS") == {"archive-site:blog": {"delay": 2.5, "concurrency": 1}}
    start = list(spider.site_start_requests())
    # not dont_filter: the offsite check must see where a start URL redirects
    assert [(r.url, r.meta["download_slot"], r.dont_filter) for r in start] == [
        ("https://www.example.org/", "archive-site:blog", False)]


def test_discover_asks_robots_txt_first(tmp_path):
    spider, _ = make_spider(url="https://example.org/news/", discover="1")
    urls = [r.url for r in spider.site_start_requests()]
    assert urls == ["https://example.org/news/", "https://example.org/robots.txt"]


def test_depth_cap_and_page_cap_per_site(tmp_path):
    spider, crawler = make_spider(tmp_path, """
[sites.blog]
start_urls = ["https://example.org/"]
limits = { max_depth = 2, max_pages = 3 }
""")
    page = response("https://example.org/x/", "<html></html>", {SITE: "blog", DEPTH: 1})
    assert spider.site_request(page, "https://example.org/a-b-c/", role="article") is not None
    deep = response("https://example.org/y/", "<html></html>", {SITE: "blog", DEPTH: 2})
    assert spider.site_request(deep, "https://example.org/d-e-f/", role="article") is None
    assert spider.site_request(page, "https://example.org/g-h-i/", role="article") is not None  # 3 with the start
    # asked for before: no second request (the menus of every page list the same links),
    # and no count against the cap
    assert spider.site_request(page, "https://example.org/a-b-c/", role="article") is None
    assert spider.site_request(page, "https://example.org/j-k-l/", role="article") is None
    stats = crawler.stats.get_stats()
    assert (stats["archive/refused/depth"], stats["archive/refused/site_max_pages"]) == (1, 1)
    assert stats["archive/refused/seen"] == 1


def test_stale_index_chain_is_left_after_n_pages_with_nothing_new():
    spider, crawler = make_spider(url="https://example.org/")
    spider.teasers.remember(ArticleLink("https://example.org/a-b-c/", None, None, None))
    page = response("https://example.org/cal/3/", "<html></html>", {STALE: 1})
    followed = list(spider.index_requests(page, ["https://example.org/cal/4/"], new_links=0))
    assert [r.meta[STALE] for r in followed] == [2]
    page = response("https://example.org/cal/4/", "<html></html>", {STALE: 2})
    assert list(spider.index_requests(page, ["https://example.org/cal/5/"], new_links=0)) == []
    assert crawler.stats.get_value("archive/stale_index_stopped") == 1
    fresh = list(spider.index_requests(page, ["https://example.org/cal/6/"], new_links=2))
    assert [r.meta[STALE] for r in fresh] == [0]


def test_only_listing_pages_make_a_link_seen_for_the_stale_rule():
    spider, _ = make_spider(url="https://example.org/")
    links = [ArticleLink(f"https://example.org/essay-{n}/", None, None, None) for n in range(3)]
    # An article page's sidebar linked these first: they still count as new on an index page.
    for link in links:
        spider.remember_teaser(link)
    index = response("https://example.org/page/2/", "<html></html>", {STALE: 0})
    assert spider.count_new_links(index, links) == 3
    # A second listing page with the same links brings nothing new.
    again = response("https://example.org/page/3/", "<html></html>", {STALE: 0})
    assert spider.count_new_links(again, links[:2] + [ArticleLink("https://example.org/essay-9/", None, None, None)]) == 1


ARTICLE = """<html lang="en"><head><title>Site | A title</title><meta name="author" content="Wrong Person"></head><body>
<table><tr><td class="nav"><a href="/">Home</a> Menu text that is not the article.</td>
<td class="content"><h1 class="headline">The real title</h1><font class="by">by Jane Roe</font>
<span class="date" data-x="1">Posted 3 March 2021</span>
<div class="text"><p>{p}</p><p>{p}</p></div><p>About the author: not part of the article.</p></td></tr></table></body></html>"""


def test_body_title_author_and_date_selectors(tmp_path):
    spider, _ = make_spider(tmp_path, """
[sites.old]
start_urls = ["https://old.example/"]
[sites.old.selectors]
body = "td.content div.text"
title = "h1.headline"
author = "xpath://font[@class='by']"
date = "span.date"
""")
    words = "Granite quarry workers carved the harbour wall stone by stone over forty patient years of labour"
    html = ARTICLE.format(p=words)
    url = "https://old.example/story.php?id=3"
    item = extract_item([(url, html)], None, None, selectors=spider.selectors_of(url))
    assert (item.title, item.author, item.published) == ("The real title", "Jane Roe", "2021-03-03")
    assert item.text == f"{words}\n\n{words}"


def test_article_links_selector_replaces_discovery_and_forces_articles(tmp_path):
    spider, _ = make_spider(tmp_path, """
[sites.old]
start_urls = ["https://old.example/"]
[sites.old.selectors]
article_links = "td.list a.t"
next_page = "a.nxt"
""")
    index = response("https://old.example/", """<html><body><table><tr><td class="list">
<a class="t" href="/show.php?n=1">First</a><a class="t" href="/show.php?n=2">Second</a></td></tr></table>
<a href="/about/">About</a><a class="nxt" href="/list.php?from=20">more</a></body></html>""", {SITE: "old"})
    requests = collect(spider.parse_page(index))
    articles = [(r.url, r.meta["teaser"].title, r.meta.get("archive_forced")) for r in requests if r.meta["archive_role"] == "article"]
    assert articles == [("https://old.example/show.php?n=1", "First", True), ("https://old.example/show.php?n=2", "Second", True)]
    assert "https://old.example/list.php?from=20" in [r.url for r in requests if r.meta["archive_role"] == "index"]


def test_feed_start_url_becomes_article_requests_with_teasers():
    spider, _ = make_spider(url="https://example.org/feed")
    rss = """<rss><channel><item><title>One</title><link>https://example.org/2024/01/one-two-three/</link>
<description>Teaser one.</description><pubDate>Tue, 02 Jan 2024 10:00:00 GMT</pubDate></item>
<item><title>Away</title><link>https://elsewhere.example/x-y-z/</link></item></channel></rss>"""
    feed = response("https://example.org/feed", rss, {"archive_role": "start", SITE: "example.org"}, cls=TextResponse)
    requests = collect(spider.parse_page(feed))
    assert [(r.url, r.meta["teaser"]) for r in requests] == [(
        "https://example.org/2024/01/one-two-three/",
        ArticleLink("https://example.org/2024/01/one-two-three/", "One", "Teaser one.", "2024-01-02"))]


def test_example_config_is_accepted_by_the_spider():
    spider, _ = make_spider(config=str(ROOT / "sites.example.toml"))
    assert {s.name for s in spider.sites} == {"slow-roads", "old-directory"}


def test_an_extracted_article_keeps_only_a_better_teaser_that_comes_later():
    spider, _ = make_spider(url="https://example.org/")
    url = "https://example.org/a-b-c/"
    cut = ArticleLink(url, "A B C", "The opening words of the essay, cut short…", None)
    whole = ArticleLink(url, "A B C", "The opening words of the essay, cut short by nobody this time.", None)
    html = ("<html><body><article><h1>A B C</h1><p>" + "The opening words of the essay. " * 40
            + "</p></article></body></html>")
    spider.remember_teaser(cut)
    spider.make_item([(url, html)], None, cut, extract_article(html, url=url))
    # extracted with the only teaser known: the crawl no longer holds it
    assert url not in spider.teasers
    spider.remember_teaser(cut)  # another sidebar lists it, cut the same way
    assert url not in spider.teasers
    spider.remember_teaser(whole)  # its category page, later: kept for the end of the crawl
    assert spider.teasers.better(url) is whole


def test_a_better_teaser_found_during_extraction_is_not_lost():
    spider, _ = make_spider(url="https://example.org/")
    url = "https://example.org/a-b-c/"
    cut = ArticleLink(url, "A B C", "The opening words of the essay, cut short…", None)
    whole = ArticleLink(url, "A B C", "The opening words of the essay, cut short by nobody this time.", None)
    spider.remember_teaser(cut)
    spider.remember_teaser(whole)  # arrives while the page, sent with `cut`, is extracted
    html = "<html><body><article><h1>A B C</h1><p>" + "Words of the essay. " * 40 + "</p></article></body></html>"
    item = spider.make_item([(url, html)], None, cut, extract_article(html, url=url))
    assert item.summary == cut.teaser
    assert spider.teasers.better(url) is whole  # store_better_teasers will store it


def test_a_listing_without_text_after_extraction_is_not_kept():
    spider, _ = make_spider(url="https://example.org/")
    url = "https://example.org/a-b-c/"
    html = "<html><body><article><h1>A B C</h1><p>" + "Words of the essay. " * 40 + "</p></article></body></html>"
    spider.make_item([(url, html)], None, None, extract_article(html, url=url))  # found with no teaser at all
    spider.remember_teaser(ArticleLink(url, "A B C", None, None))  # a bare title in a list
    assert url not in spider.teasers
