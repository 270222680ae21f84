"""The bundled demo site: essays, rendered pages, links and the local server. Offline."""

from __future__ import annotations

import hashlib
import http.client
import re
from datetime import datetime, timezone
from email.utils import format_datetime
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest

from archive_spider.demo.server import DemoServer
from archive_spider.demo.site import (
    CATEGORIES,
    PER_PAGE,
    SITE_NAME,
    Essay,
    Page,
    load_essays,
)
from archive_spider.demo.templates import build_site


@pytest.fixture(scope="module")
def essays() -> list[Essay]:
    return load_essays()


@pytest.fixture(scope="module")
def site(essays) -> dict[str, Page]:
    return build_site(essays)


@pytest.fixture(scope="module")
def server():
    with DemoServer() as running:
        yield running


class LinkCollector(HTMLParser):
    """Every href/src/action of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src", "action") and value:
                self.links.append(value)


def links_of(page: Page) -> list[str]:
    collector = LinkCollector()
    collector.feed(page.body.decode("utf-8"))
    return collector.links


def teaser_links(page: Page) -> list[str]:
    html = page.body.decode("utf-8")
    return re.findall(r'<article class="teaser[^"]*">\s*<h\d class="entry-title"><a href="([^"]+)"', html)


def fetch(server: DemoServer, path: str, method: str = "GET", headers: dict | None = None):
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


# ---------------------------------------------------------------- essays


def test_essays_load_and_cover_the_site(essays):
    assert len(essays) >= 40
    assert {c for e in essays for c in e.categories} == set(CATEGORIES)
    assert any(len(e.pages) == 2 for e in essays), "no essay is split over two pages"
    assert any(len(e.categories) == 2 for e in essays), "no essay is in two categories"
    assert len({e.slug for e in essays}) == len(essays)
    assert [e.published for e in essays] == sorted((e.published for e in essays), reverse=True)


@pytest.mark.parametrize("essay", load_essays(), ids=lambda e: e.slug)
def test_each_essay_is_long_enough(essay):
    words = sum(len(p.split()) for p in essay.paragraphs)
    assert words >= 300, f"{essay.slug}: only {words} words"
    assert essay.url_path == f"/essays/{essay.slug}/"


def test_paragraphs_include_headings_quotes_and_list_items(tmp_path):
    (tmp_path / "a-test-essay.txt").write_text(
        "title: A Test\nauthor: Maren Holt\ndate: 2025-03-14\ncategories: nature, science\n"
        "teaser: Short.\n---\nFirst line\nwrapped here.\n\n## A heading\n\n> Quoted\n> text.\n\n"
        "- one\n- two\n\n=== page break ===\n\nPage two.\n",
        encoding="utf-8",
    )
    [essay] = load_essays(tmp_path)
    assert essay.paragraphs == ["First line wrapped here.", "A heading", "Quoted text.", "one", "two", "Page two."]
    assert essay.categories == ("nature", "science")
    assert len(essay.pages) == 2


@pytest.mark.parametrize(
    "header, problem",
    [
        ("title: X\nauthor: Maren Holt\ndate: 2025-02-30\ncategories: nature\nteaser: T.", "date"),
        ("title: X\nauthor: Nobody\ndate: 2025-02-03\ncategories: nature\nteaser: T.", "author"),
        ("title: X\nauthor: Maren Holt\ndate: 2025-02-03\ncategories: cooking\nteaser: T.", "categories"),
        ("title: X\nauthor: Maren Holt\ndate: 2025-02-03\ncategories: nature", "teaser"),
    ],
)
def test_malformed_essay_raises_naming_file(tmp_path, header, problem):
    (tmp_path / "broken.txt").write_text(f"{header}\n---\nBody.\n", encoding="utf-8")
    with pytest.raises(ValueError, match=rf"broken\.txt: .*{problem}"):
        load_essays(tmp_path)


# ---------------------------------------------------------------- pages


def test_every_internal_link_resolves(site):
    broken = []
    for path, page in site.items():
        if not page.content_type.startswith("text/html"):
            continue
        for link in links_of(page):
            target = urldefrag(link)[0]
            if not target.startswith("/"):
                continue  # external share links, mailto:, fragments
            if urlsplit(target).path not in site:
                broken.append((path, link))
    assert not broken


def test_category_pagination_lists_each_essay_once(site, essays):
    for category in CATEGORIES:
        expected = [e.url_path for e in essays if category in e.categories]
        listed, path, seen = [], f"/category/{category}/", set()
        while path:
            assert path not in seen
            seen.add(path)
            page = site[path]
            found = teaser_links(page)
            assert 1 <= len(found) <= PER_PAGE
            listed += found
            match = re.search(r'<a class="next page-numbers" rel="next" href="([^"]+)"', page.body.decode())
            path = match.group(1) if match else None
        assert listed == expected, category


def test_front_page_and_article_page_shape(site, essays):
    front = site["/"].body.decode()
    assert teaser_links(site["/"])[:6] == [e.url_path for e in essays[:6]]
    assert "More in Nature &raquo;" in front

    essay = next(e for e in essays if len(e.pages) == 2)
    html = site[essay.url_path].body.decode()
    assert f"<title>{essay.title} | {SITE_NAME}</title>" in html.replace("&#x27;", "'")
    assert '"@type": "Article"' in html and 'property="og:type" content="article"' in html
    assert f'<time class="entry-date published" datetime="{essay.published}">' in html
    for leftover in ('<img src=""', 'src="/static/spacer.gif" width="1" height="1"', "<p>![]()</p>",
                     "<td>|</td>", "<p></p>", "Advertisement", "Share this:", "About the author",
                     "Leave a comment", "Subscribe to our newsletter", "Editor's pick"):
        assert leftover in html, leftover
    assert f'rel="next" href="{essay.url_path}2/">Page 2' in html
    assert f'rel="prev" href="{essay.url_path}">&laquo; Page 1' in site[f"{essay.url_path}2/"].body.decode()
    both = next(e for e in essays if len(e.categories) == 2)
    for category in both.categories:
        assert both.url_path in "".join(
            p.body.decode() for path, p in site.items() if path.startswith(f"/category/{category}/")
        )


def test_build_site_is_deterministic_and_feeds_take_base_url(essays):
    assert build_site(essays) == build_site(essays)
    feed = build_site(essays, base_url="http://example.test")["/feed.xml"].body.decode()
    assert feed.count("<item>") == 10
    assert f"<link>http://example.test{essays[0].url_path}</link>" in feed
    sitemap = build_site(essays)["/sitemap.xml"].body.decode()
    assert all(f"<loc>{e.url_path}</loc>" in sitemap for e in essays)
    assert build_site(essays)["/static/spacer.gif"].body.startswith(b"GIF89a\x01\x00\x01\x00")


# ---------------------------------------------------------------- server


def test_server_answers_200_404_301_and_records(server):
    status, headers, body = fetch(server, "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert SITE_NAME.encode() in body
    assert fetch(server, "/no-such-page/")[0] == 404
    essay_path = load_essays()[0].url_path
    status, headers, _ = fetch(server, essay_path.rstrip("/"))
    assert status == 301 and headers["Location"] == essay_path
    status, headers, body = fetch(server, essay_path, method="HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 1000
    assert ("GET", "/", 200) in server.requests
    assert ("GET", "/no-such-page/", 404) in server.requests
    assert ("HEAD", essay_path, 200) in server.requests


def test_server_conditional_requests_get_304(server):
    status, headers, _ = fetch(server, "/about/")
    assert status == 200
    assert fetch(server, "/about/", headers={"If-None-Match": headers["ETag"]})[0] == 304
    assert fetch(server, "/about/", headers={"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    assert fetch(server, "/about/", headers={"If-None-Match": '"other"'})[0] == 200
    assert fetch(server, "/about/", headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})[0] == 200


def test_server_pages_can_change_between_crawls(server):
    when = datetime(2030, 1, 1, tzinfo=timezone.utc)
    server.set_page("/essays/brand-new/", Page(b"<html>new</html>", "text/html; charset=utf-8", when))
    status, headers, body = fetch(server, "/essays/brand-new/")
    assert (status, body) == (200, b"<html>new</html>")
    assert headers["Last-Modified"] == format_datetime(when, usegmt=True)
    assert headers["ETag"].strip('"') in hashlib.sha256(body).hexdigest()
    server.remove_page("/essays/brand-new/")
    assert fetch(server, "/essays/brand-new/")[0] == 404


def test_server_feed_uses_its_own_url(server):
    status, _, body = fetch(server, "/feed.xml")
    assert status == 200 and f"<link>{server.url}/essays/".encode() in body
