"""Incremental listing, end to end (listing.py): once a crawl has read a site's whole
listing, later crawls read its index pages only as far as they bring articles the archive
lacks, still revisit every known article, and read everything again when a crawl was cut
short, when the period is over, or when asked."""


import pytest

from archive_spider.demo.generated import build_generated_site, generate_essays
from archive_spider.demo.server import DemoServer

from .conftest import query, run_cli

pytestmark = pytest.mark.e2e

ESSAYS = generate_essays(125)
LATER = 5  # the newest essays, published between two crawls
PER_PAGE = 5


def index_requests(requests):
    return [path for _, path, _ in requests if path == "/" or path.startswith(("/category/", "/authors/"))]


def essay_statuses(requests):
    return sorted({status for _, path, status in requests if path.startswith("/essays/")})


def crawl(site, db_path, *extra):
    start = len(site.requests)
    result = run_cli("crawl", f"{site.url}/", "--db", db_path, "--concurrency", "8", *extra)
    assert result.returncode == 0, result.stderr[-3000:]
    return result, site.requests[start:]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The site without its LATER newest essays, crawled once; yields (site, db_path, first
    crawl's requests)."""
    db_path = tmp_path_factory.mktemp("listing") / "archive.db"
    with DemoServer(pages=build_generated_site(0, per_page=PER_PAGE, essays=ESSAYS[LATER:])) as site:
        _, first = crawl(site, db_path)
        yield site, db_path, first


def test_first_crawl_reads_the_whole_listing_and_records_it(served):
    site, db_path, first = served
    assert query(db_path, "select count(*) from articles") == [(len(ESSAYS) - LATER,)]
    category_pages = [p for p in site.pages if p.startswith("/category/")]
    assert len(category_pages) > 12  # several pages per category: a listing worth cutting
    assert set(index_requests(first)) >= set(category_pages)
    assert query(db_path, "select start_url, crawl_id from listings") == [(f"{site.url}/", 1)]


def test_rerun_reads_the_first_index_pages_and_still_revisits_every_article(served):
    site, db_path, first = served
    result, requests = crawl(site, db_path)
    assert len(index_requests(requests)) <= len(index_requests(first)) // 2
    # Every known article is still asked whether it changed, those on unread index pages too.
    assert essay_statuses(requests) == [304]
    assert f"{len(ESSAYS) - LATER} not modified" in result.stdout
    # Not recorded as a whole listing: the period runs from the crawl that read it all.
    assert query(db_path, "select crawl_id from listings") == [(1,)]


def test_new_articles_on_the_first_pages_are_found_by_a_short_rerun(served):
    site, db_path, first = served
    for path, page in build_generated_site(0, per_page=PER_PAGE, essays=ESSAYS).items():
        site.set_page(path, page)
    result, requests = crawl(site, db_path, "--revisit", "never")
    assert f"{LATER} new" in result.stdout
    assert query(db_path, "select count(*) from articles") == [(len(ESSAYS),)]
    assert len(index_requests(requests)) <= len(index_requests(first)) // 2
    assert "skipped" in result.stdout and " 0 errors" in result.stdout


def test_full_listing_option_reads_every_index_page(served):
    site, db_path, first = served
    result, requests = crawl(site, db_path, "--full-listing", "--revisit", "never")
    assert set(index_requests(requests)) >= {p for p in site.pages if p.startswith("/category/")}
    assert query(db_path, "select max(crawl_id) from listings")[0][0] > 1


def test_a_crawl_cut_short_records_nothing_and_the_next_reads_everything(tmp_path):
    db_path = tmp_path / "archive.db"
    with DemoServer(pages=build_generated_site(0, per_page=PER_PAGE, essays=ESSAYS)) as site:
        result = run_cli("crawl", f"{site.url}/", "--db", db_path, "--max-pages", "30")
        assert result.returncode == 0, result.stderr[-3000:]
        assert query(db_path, "select count(*) from listings") == [(0,)]
        _, requests = crawl(site, db_path)
        assert set(index_requests(requests)) >= {p for p in site.pages if p.startswith("/category/")}
        assert query(db_path, "select count(*) from articles") == [(len(ESSAYS),)]
        assert query(db_path, "select count(*) from listings") == [(1,)]


def test_a_period_of_zero_reads_the_whole_listing_every_time(tmp_path):
    db_path = tmp_path / "archive.db"
    with DemoServer(pages=build_generated_site(0, per_page=PER_PAGE, essays=ESSAYS[:40])) as site:
        _, first = crawl(site, db_path)
        _, again = crawl(site, db_path, "-s", "ARCHIVE_FULL_LISTING_EVERY=0", "--revisit", "never")
        assert sorted(index_requests(again)) == sorted(index_requests(first))
        bad = run_cli("crawl", f"{site.url}/", "--db", db_path, "-s", "ARCHIVE_FULL_LISTING_EVERY=weekly")
        assert bad.returncode != 0 and "ARCHIVE_FULL_LISTING_EVERY: 'weekly'" in bad.stderr


def test_adaptive_revisits_nothing_published_long_ago_right_after_a_crawl(tmp_path):
    db_path = tmp_path / "archive.db"
    essays = ESSAYS[:30]
    with DemoServer(pages=build_generated_site(0, per_page=PER_PAGE, essays=essays)) as site:
        crawl(site, db_path)
        result, requests = crawl(site, db_path, "--revisit", "adaptive")
        # all published a year or more before they were fetched: fresh for 30 days
        assert query(db_path, "select count(*) from articles where published < '2026'") == [(len(essays),)]
        assert essay_statuses(requests) == []
        assert " 0 not modified" in result.stdout and " 0 errors" in result.stdout
        # conditional asks about every one of them
        _, requests = crawl(site, db_path)
        assert essay_statuses(requests) == [304]
