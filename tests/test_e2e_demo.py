"""End to end: serve the demo site on 127.0.0.1, crawl it with the real CLI, read the archive."""

import json
import re
import sqlite3

import pytest

from archive_spider.demo.server import DemoServer
from archive_spider.demo.site import load_essays

from .conftest import run_cli

pytestmark = pytest.mark.e2e

ESSAYS = load_essays()
# Text of the site's furniture that must never reach an article's text.
BOILERPLATE = [
    "Read More", "Share this", "Twitter", "Facebook", "Advertisement", "Comments",
    "Leave a comment", "Contact us", "Subscribe", "newsletter", "About the author",
    "More essays", "Editor", "![]()", "|", "Log in", "Page 2", "Tags:", "The Commonplace Review",
]


def words(text):
    return re.findall(r"\w+", text.lower())


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """The demo site crawled once; yields (site, db_path, first_run, requests of the first run)."""
    db_path = tmp_path_factory.mktemp("e2e") / "archive.db"
    with DemoServer() as site:
        result = run_cli("crawl", f"{site.url}/", "--db", db_path, "--concurrency", "8")
        first_requests = list(site.requests)
        yield site, db_path, result, first_requests


def articles(db_path):
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        return {row["url"]: dict(row) for row in conn.execute("select * from articles")}
    finally:
        conn.close()


def test_crawl_exits_zero_and_prints_a_summary(crawled):
    site, db_path, result, _ = crawled
    assert result.returncode == 0, result.stderr[-3000:]
    assert re.search(r"crawl 1 ok: 44 new", result.stdout), result.stdout


def test_every_essay_is_archived_exactly_once(crawled):
    site, db_path, _, _ = crawled
    stored = articles(db_path)
    expected = {f"{site.url}{essay.url_path}" for essay in ESSAYS}
    assert set(stored) == expected
    assert len(stored) == len(ESSAYS) >= 40


def test_no_index_or_service_page_is_archived(crawled):
    _, db_path, _, _ = crawled
    for url in articles(db_path):
        assert re.search(r"/essays/[a-z0-9-]+/$", url), url


def test_title_author_and_date_are_right_for_every_essay(crawled):
    site, db_path, _, _ = crawled
    stored = articles(db_path)
    for essay in ESSAYS:
        row = stored[f"{site.url}{essay.url_path}"]
        assert (row["title"], row["author"], row["published"]) == (essay.title, essay.author, essay.published)
        assert row["summary"] == essay.teaser


def test_article_text_is_the_essay_and_nothing_else(crawled):
    site, db_path, _, _ = crawled
    stored = articles(db_path)
    for essay in ESSAYS:
        row = stored[f"{site.url}{essay.url_path}"]
        assert words(row["text"]) == words("\n\n".join(essay.paragraphs)), essay.slug
        for furniture in BOILERPLATE:
            assert furniture not in row["text"], (essay.slug, furniture)
        assert "\n\n" in row["text"]
        assert row["extraction_warnings"] is None, (essay.slug, row["extraction_warnings"])


def test_two_page_essay_is_one_article_with_both_pages(crawled):
    site, db_path, _, _ = crawled
    stored = articles(db_path)
    split = [e for e in ESSAYS if len(e.pages) > 1]
    assert split
    for essay in split:
        row = stored[f"{site.url}{essay.url_path}"]
        last_paragraph = essay.paragraphs[-1]
        assert " ".join(words(last_paragraph)) in " ".join(words(row["text"]))
        assert f"{site.url}{essay.url_path}2/" not in stored


def test_stored_html_is_sanitised_and_has_no_placeholders(crawled):
    _, db_path, _, _ = crawled
    for row in articles(db_path).values():
        html = row["html"]
        assert "<p>" in html
        for bad in ("<script", "<img src=\"\"", "spacer.gif", "onclick", "<form", "<nav", "<aside"):
            assert bad not in html, (row["url"], bad)


def test_crawl_is_recorded(crawled):
    _, db_path, _, _ = crawled
    conn = sqlite3.connect(db_path)
    status, new, requests = conn.execute("select status, new, requests from crawls where id = 1").fetchone()
    assert (status, new) == ("ok", 44)
    assert requests > 44


def test_second_crawl_adds_nothing_and_fetches_no_known_article(crawled):
    site, db_path, _, first_requests = crawled
    before = articles(db_path)
    start = len(site.requests)
    result = run_cli("crawl", f"{site.url}/", "--db", db_path, "--concurrency", "8")
    assert result.returncode == 0, result.stderr[-3000:]
    # The default revisit policy asks each known article "changed?" and gets 304s.
    assert re.search(r"ok: 0 new, 0 updated, 0 unchanged, 44 not modified, 0 skipped, 0 duplicates, 0 errors",
                     result.stdout), result.stdout
    assert articles(db_path).keys() == before.keys()
    # One "changed?" per essay, answered 304: no essay page downloaded in full.
    essay_answers = [status for method, path, status in site.requests[start:] if path.startswith("/essays/")]
    assert essay_answers == [304] * 44


async def test_datasette_answers_full_text_search_and_csv(crawled):
    from datasette.app import Datasette

    _, db_path, _, _ = crawled
    ds = Datasette([str(db_path)])
    response = await ds.client.get("/archive/articles.json?_search=eels&_shape=array")
    assert response.status_code == 200
    titles = [row["title"] for row in response.json()]
    assert any("Eel" in title for title in titles), titles
    response = await ds.client.get("/archive/articles.csv?_search=longitude&_size=max")
    assert response.status_code == 200
    assert response.text.splitlines()[0].startswith("id,url,")
    assert "Longitude" in response.text


async def test_tags_hold_each_essays_categories_and_fill_the_tag_facet(crawled):
    from archive_spider import publish
    from archive_spider.demo.templates import CATEGORIES

    site, db_path, _, _ = crawled
    stored = articles(db_path)
    for essay in ESSAYS:
        tags = json.loads(stored[f"{site.url}{essay.url_path}"]["tags"])
        assert tags == [CATEGORIES[c] for c in essay.categories], essay.url_path
    ds = publish.build_datasette(db_path)
    data = (await ds.client.get("/archive/articles.json?_extra=facet_results")).json()
    facet = {row["value"]: row["count"] for row in data["facet_results"]["tags"]["results"]}
    assert set(facet) == set(CATEGORIES.values())
    assert sum(facet.values()) == sum(len(essay.categories) for essay in ESSAYS)
