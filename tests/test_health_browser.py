"""The site health dashboard in a real browser: one page per site with its charts
(datasette-dashboards, Vega-Lite) served by the real `archive-spider serve`."""

import pytest

from archive_spider.archive import schema, writes
from tests.test_browser import browser, page  # noqa: F401 (fixtures)
from tests.test_browser import screenshot, serving, sync_api
from tests.test_health import row

CRAWLS = [  # (median words, failures, what changed)
    (610, {}, None), (640, {"http-error": 1}, None), (600, {}, None), (655, {"timeout": 2}, None),
    (620, {}, None), (90, {"not-article:other": 5}, "median word count fell to 90 (usually 620)"),
]


@pytest.fixture(scope="module")
def health_site(tmp_path_factory):
    db_path = tmp_path_factory.mktemp("health-browser") / "archive.db"
    db = schema.open_db(db_path)
    for words, failures, change in CRAWLS:
        crawl_id = writes.start_crawl(db, ["https://tidewater.example/blog/"])
        drift = [{"check": "words-collapsed", "message": change}] if change else []
        writes.record_site_health(db, crawl_id, "tidewater.example", schema.utc_now(),
                                   row(median_words=words, failures=failures, new=crawl_id % 3, listed=10),
                                   drift, f"Site tidewater.example changed: {change}" if change else None)
        writes.record_site_health(db, crawl_id, "other.example", schema.utc_now(), row(), [], None)
    db.close()
    yield from serving(db_path)


def test_a_page_per_site_with_its_charts(health_site, page):  # noqa: F811 (the fixture imported above)
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(f"{health_site}/-/dashboards/site-health?site=tidewater.example")
    expect = sync_api.expect
    expect(page.get_by_role("heading", name="Site health")).to_be_visible()
    for title in ("Articles per crawl", "Median words of the articles extracted", "Pages not archived, by reason"):
        expect(page.get_by_text(title)).to_be_visible()
    # Vega draws each chart: one line per series, the bars of the failures
    charts = page.locator(".vega-embed")
    expect(charts).to_have_count(3)
    for i in range(3):
        expect(charts.nth(i).locator("canvas, svg").first).to_be_visible()
    expect(page.get_by_text("median word count fell to 90 (usually 620)")).to_be_visible()
    assert failed == []  # the charting scripts come with the plugin: nothing from the internet
    screenshot(page, "site-health")
    # the other site has its own page, without changes
    page.goto(f"{health_site}/-/dashboards/site-health?site=other.example")
    expect(page.locator(".vega-embed")).to_have_count(3)
    assert page.get_by_text("median word count fell").count() == 0
