"""Incremental listing, offline: which sites a crawl lists incrementally, what it records,
and which pagination link a page that brought nothing new leads to."""

import datetime as dt

import pytest

from archive_spider import revisit
from archive_spider.archive import queries, schema, writes
from archive_spider.archive.connection import CrawlArchive
from archive_spider.discovery.pages import following_page
from archive_spider.listing import ArchiveKnowledge, ListingPlan, parse_every
from archive_spider.sites import sites_for_urls

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.timezone.utc)


def at(delta: dt.timedelta) -> str:
    return (NOW - delta).isoformat()


@pytest.fixture
def db_path(tmp_path):
    path = tmp_path / "archive.db"
    schema.open_db(path).close()
    return str(path)


def plan_for(db_path, *urls, every="7d"):
    return ListingPlan(sites_for_urls(list(urls), [], False), CrawlArchive(db_path), parse_every(every))


def test_a_site_is_listed_incrementally_only_when_every_start_url_was_read_whole_recently(db_path):
    db = schema.open_db(db_path)
    writes.record_full_listings(db, ["https://a.example/", "https://b.example/news/"], at(dt.timedelta(days=2)), 1)
    writes.record_full_listings(db, ["https://c.example/"], at(dt.timedelta(days=8)), 1)
    db.close()
    plan = plan_for(db_path, "https://a.example/", "https://b.example/news/", "https://b.example/blog/",
                    "https://c.example/")
    plan.open(now=NOW)
    by_host = {name.split(".")[0]: name for name in plan.sites}
    assert plan.incremental == {by_host["a"]}  # b: one start URL never read whole; c: too long ago


def test_period_zero_and_a_missing_archive_list_everything(tmp_path, db_path):
    db = schema.open_db(db_path)
    writes.record_full_listings(db, ["https://a.example/"], at(dt.timedelta(minutes=5)), 1)
    db.close()
    plan = plan_for(db_path, "https://a.example/", every="0")
    plan.open(now=NOW)
    assert plan.incremental == set()
    missing = plan_for(str(tmp_path / "none.db"), "https://a.example/")
    missing.open(now=NOW)
    assert missing.incremental == set()
    assert not (tmp_path / "none.db").exists()


def test_finish_records_whole_listings_only_of_an_ok_crawl_that_nothing_cut(db_path):
    plan = plan_for(db_path, "https://a.example/", "https://b.example/")
    names = sorted(plan.sites)
    plan.cut_short(names[1], "a index page failed")
    assert plan.finish("limit", 3) == []
    assert plan.finish("ok", 3) == ["https://a.example/"]
    db = schema.open_db(db_path)
    assert queries.full_listing_times(db, ["https://a.example/", "https://b.example/"]) == {
        "https://a.example/": plan.started}
    db.close()


def test_a_site_listed_incrementally_keeps_the_time_of_its_last_whole_listing(db_path):
    db = schema.open_db(db_path)
    writes.record_full_listings(db, ["https://a.example/"], at(dt.timedelta(days=1)), 1)
    db.close()
    plan = plan_for(db_path, "https://a.example/")
    plan.open(now=NOW)
    assert plan.finish("ok", 2) == []
    db = schema.open_db(db_path)
    assert db.execute("select crawl_id from listings").fetchall() == [(1,)]
    db.close()


def test_archive_knowledge_lists_each_fetched_address_once(db_path):
    db = schema.open_db(db_path)
    writes.store_articles(db, [
        {"url": "https://a.example/x/", "canonical_url": "https://a.example/x-canonical/", "title": "X",
         "text": "one two three"},
        {"url": "https://a.example/y/", "title": "Y", "text": "four five six"},
    ])
    db.close()
    knowledge = ArchiveKnowledge(CrawlArchive(db_path))
    assert set(knowledge.state) == {"https://a.example/x/", "https://a.example/x-canonical/", "https://a.example/y/"}
    assert sorted(knowledge.archived_urls()) == ["https://a.example/x/", "https://a.example/y/"]


@pytest.mark.parametrize("next_pages, url, expected", [
    (["https://s/c/page/2/", "https://s/c/page/3/", "https://s/c/page/9/"], "https://s/c/", "https://s/c/page/2/"),
    (["https://s/c/", "https://s/c/page/3/", "https://s/c/page/5/"], "https://s/c/page/4/", "https://s/c/page/5/"),
    (["https://s/c/?page=7", "https://s/c/?page=3"], "https://s/c/?page=2", "https://s/c/?page=3"),
    # the next listing page is missing from the links: the nearest later one
    (["https://s/c/page/6/", "https://s/c/page/4/"], "https://s/c/page/2/", "https://s/c/page/4/"),
    # no page numbers to go by ("Older posts" to an opaque URL), or only earlier pages
    (["https://s/c/older-abc/"], "https://s/c/", None),
    (["https://s/c/page/1/"], "https://s/c/page/2/", None),
    # another listing's pages are not this listing's successor
    (["https://s/d/page/2/"], "https://s/c/", None),
])
def test_following_page(next_pages, url, expected):
    assert following_page(next_pages, url) == expected


@pytest.mark.parametrize("text, seconds", [("7d", 7 * 86400), ("12h", 43200), ("0", 0), ("3", 3 * 86400),
                                           (" 2W ", 14 * 86400)])
def test_parse_duration(text, seconds):
    assert revisit.parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["weekly", "-1d", "7 d", "1.5h", ""])
def test_parse_duration_refuses_what_is_no_duration(text):
    with pytest.raises(ValueError, match="not a duration"):
        revisit.parse_duration(text)


def test_only_failures_that_may_hide_a_page_cut_a_listing():
    from scrapy import Request
    from scrapy.utils.test import get_crawler

    from archive_spider.archive.failures import FailureLog
    from archive_spider.spiders.articles import ArticlesSpider

    log = FailureLog(get_crawler(ArticlesSpider), None)

    def index(url):
        return Request(url, meta={"archive_site": "blog", "archive_role": "index"})

    log.record(index("https://a.example/page/9/"), "http-error", status=404)  # not there: hides nothing
    log.record(index("https://a.example/tag/x/"), "robots-txt")  # a rule, not a failure
    assert log.failed_roles == set()
    log.record(index("https://a.example/page/3/"), "http-error", status=503)
    log.record(index("https://a.example/page/4/"), "timeout")
    assert log.failed_roles == {("blog", "index")}
