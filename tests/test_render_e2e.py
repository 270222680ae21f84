"""End to end: ``crawl --render auto`` with Debian's Chromium, on sites served on 127.0.0.1.

* a single-page app (tests/jsapp.py: article bodies arrive as JSON and are drawn by the
  page's script; the listing has "Load more"): every article archived, read from the
  rendered DOM, which the WARC keeps beside the response as it was served;
* a static site: no browser starts, and the same articles as without rendering;
* a browser that cannot start: the crawl goes on and records what it could not render.

Which browser starts is told by ``ARCHIVE_RENDER_CHROMIUM`` pointing at a small wrapper
that notes each launch in a file and then runs Chromium. Skipped, saying why, without
Chromium or the render extra (scrapy-playwright).
"""

import gzip
import os
import shutil
import sqlite3
import stat

import pytest
from warcio.archiveiterator import ArchiveIterator

from . import builtsites as b
from .conftest import query, run_cli
from .jsapp import JS_ARTICLES, STORIES, build_jsapp
from .sitekit import TestSite

CHROMIUM = os.environ.get("ARCHIVE_CHROMIUM", "/usr/bin/chromium")
if not shutil.which(CHROMIUM):
    pytest.skip(f"rendering tests need Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
pytest.importorskip("scrapy_playwright", reason="rendering tests need the render extra (scrapy-playwright)")

pytestmark = pytest.mark.e2e


def chromium_wrapper(folder) -> tuple[str, str]:
    """(wrapper path, launch log path): a Chromium that notes each launch."""
    log = os.path.join(folder, "launches.log")
    wrapper = os.path.join(folder, "chromium")
    with open(wrapper, "w") as handle:
        handle.write(f'#!/bin/sh\necho launched >> "{log}"\nexec "{CHROMIUM}" "$@"\n')
    os.chmod(wrapper, os.stat(wrapper).st_mode | stat.S_IEXEC)
    return wrapper, log


def launches(log: str) -> int:
    if not os.path.exists(log):
        return 0
    with open(log) as handle:
        return len(handle.read().split())


def crawl(site, db_path, *args):
    return run_cli("crawl", site.url + "/", "--db", db_path, "--concurrency", "4", *args)


def archived_paths(db_path, base: str) -> set[str]:
    return {url[len(base):] for (url,) in query(db_path, "select url from articles")}


@pytest.fixture(scope="module")
def app_crawl(tmp_path_factory):
    folder = tmp_path_factory.mktemp("jsapp")
    wrapper, log = chromium_wrapper(folder)
    db_path = str(folder / "archive.db")
    with TestSite(build_jsapp) as site:
        result = crawl(site, db_path, "--render", "auto", "-s", f"ARCHIVE_RENDER_CHROMIUM={wrapper}")
        yield site, db_path, result, log


def test_js_app_every_article_archived_from_the_rendered_page(app_crawl):
    site, db_path, result, log = app_crawl
    assert result.returncode == 0, result.stderr[-3000:]
    # the listing shows 4 stories; the other 7 come with two clicks on "Load more"
    assert archived_paths(db_path, site.url) == JS_ARTICLES
    assert "/api/stories?page=3" in site.fetched()
    rows = {url[len(site.url):]: (title, author, published, text)
            for url, title, author, published, text in query(
                db_path, "select url, title, author, published, text from articles")}
    for story in STORIES:
        title, author, published, text = rows[story.path]
        assert (title, author, published) == (story.title, story.author, story.published)
        assert story.paragraphs[-1] in text
        assert "Loading" not in text
    assert query(db_path, "select count(*) from failures") == [(0,)]
    assert launches(log) == 1


def test_js_app_warc_keeps_the_rendered_dom_beside_the_response(app_crawl):
    site, db_path, result, _ = app_crawl
    story = STORIES[0]
    rows = query(db_path, "select warc_file, offset, role from warc_records where url = ? order by id",
                 (site.url + story.path,))
    assert [role for _, _, role in rows] == ["article", "article"]
    folder = os.path.dirname(db_path)
    records = []
    for warc_file, offset, _ in rows:
        with open(os.path.join(folder, warc_file), "rb") as handle:
            handle.seek(offset)
            record = next(iter(ArchiveIterator(handle)))
            records.append((record.rec_type, record.rec_headers, record.content_stream().read()))
    (kind1, headers1, served), (kind2, headers2, rendered) = records
    assert (kind1, kind2) == ("response", "conversion")
    assert headers2.get_header("WARC-Refers-To") == headers1.get_header("WARC-Record-ID")
    assert b"Loading" in served and story.title.encode() not in served
    assert story.paragraphs[0].encode() in rendered


def test_js_app_reextract_reads_the_rendered_pages(app_crawl):
    _, db_path, result, _ = app_crawl
    again = run_cli("reextract", "--db", db_path)
    assert again.returncode == 0, again.stderr[-2000:]
    assert f"of {len(STORIES)} articles; 0 updated, {len(STORIES)} unchanged" in again.stdout


def test_static_site_with_auto_starts_no_browser(tmp_path):
    wrapper, log = chromium_wrapper(tmp_path)
    with TestSite(b.build_wordpress) as site:
        result = crawl(site, str(tmp_path / "auto.db"), "--render", "auto", "-s", f"ARCHIVE_RENDER_CHROMIUM={wrapper}")
        assert result.returncode == 0, result.stderr[-3000:]
        assert launches(log) == 0
        assert archived_paths(str(tmp_path / "auto.db"), site.url) == b.WP_ARTICLES
        assert query(str(tmp_path / "auto.db"), "select count(*) from failures where reason = 'not-rendered'") == [(0,)]


def test_browser_that_cannot_start_the_crawl_goes_on_and_records_it(tmp_path):
    db_path = str(tmp_path / "archive.db")
    with TestSite(build_jsapp) as site:
        result = crawl(site, db_path, "--render", "auto", "-s", "ARCHIVE_RENDER_CHROMIUM=/nonexistent/chromium")
        assert result.returncode == 0, result.stderr[-3000:]
        assert "not be rendered" in result.stderr
        failures = query(db_path, "select url, reason, kind, detail from failures")
        assert (site.url + "/", "not-rendered", "error") in [f[:3] for f in failures]
        assert all("chromium" in detail for *_, detail in failures), failures
        errors, = query(db_path, "select errors from crawls")[0]
        assert errors == len(failures) >= 1


def test_render_never_is_refused_nothing_and_changes_nothing(tmp_path):
    # the default: the app's shells are fetched, judged empty, and nothing is archived
    wrapper, log = chromium_wrapper(tmp_path)
    db_path = str(tmp_path / "archive.db")
    with TestSite(build_jsapp) as site:
        result = crawl(site, db_path, "-s", f"ARCHIVE_RENDER_CHROMIUM={wrapper}")
        assert result.returncode == 0, result.stderr[-3000:]
        assert archived_paths(db_path, site.url) == set()
        assert launches(log) == 0
        assert "/static/app.js" not in site.fetched()
