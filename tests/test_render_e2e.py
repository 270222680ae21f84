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

import os
import shutil
import stat
import subprocess
import sys

import pytest
from warcio.archiveiterator import ArchiveIterator

from . import builtsites as b
from .conftest import ROOT, query, run_cli
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


def test_over_the_memory_cap_contexts_are_closed_and_the_crawl_goes_on(tmp_path):
    db_path, log_file = str(tmp_path / "archive.db"), str(tmp_path / "crawl.log")
    with TestSite(build_jsapp) as site:
        result = crawl(site, db_path, "--render", "auto", "-s", "ARCHIVE_RENDER_MAX_MEMORY=1", "--log-file", log_file)
        assert result.returncode == 0, result.stderr[-3000:]
        assert archived_paths(db_path, site.url) == JS_ARTICLES
    with open(log_file) as handle:
        log = handle.read()
    assert "(cap 1 MB): closing context render-" in log
    assert "'archive/render/contexts_recycled'" in log
    assert query(db_path, "select count(*) from failures") == [(0,)]


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
        not_rendered = [f for f in failures if f[1] == "not-rendered"]
        assert all("chromium" in detail for *_, detail in not_rendered), failures
        # read from its static HTML, the app's empty shell is no article nor listing: said so too
        assert {f[1] for f in failures} <= {"not-rendered", "not-article:other"}, failures
        errors, = query(db_path, "select errors from crawls")[0]
        assert errors == len(not_rendered) >= 1


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


# --------------------------------------------------------------------- the browser's own requests


class FakeRequest:
    """What should_abort reads of a Playwright request."""

    def __init__(self, url: str, resource_type: str = "fetch"):
        self.url = url
        self.resource_type = resource_type


class FakeStats:
    def __init__(self):
        self.values = {}

    def inc_value(self, key, count=1):
        self.values[key] = self.values.get(key, 0) + count


@pytest.fixture
def handler():
    """A BrowserHandler's request rules, trusting the start URL http://127.0.0.1:8000/
    and --allow-host intranet.example (no browser, no crawl)."""
    from archive_spider.browser_handler import BrowserHandler

    rules = BrowserHandler.__new__(BrowserHandler)
    rules._trusted = ({("127.0.0.1", 8000)}, {"intranet.example"})
    rules._address_cache = {}
    rules.stats = FakeStats()
    return rules


@pytest.mark.parametrize("url, resource_type, aborted", [
    ("http://127.0.0.1:8000/api/story.json", "fetch", False),   # the start host itself
    ("http://intranet.example/app.js", "script", False),        # allowed by name
    ("http://127.0.0.1:6379/", "fetch", True),                  # another port of loopback
    ("http://localhost:8000/secret", "xhr", True),              # loopback by another name
    ("http://169.254.169.254/latest/meta-data/", "fetch", True),  # cloud metadata
    ("http://10.0.0.5/admin", "document", True),
    ("http://[::1]:8000/", "fetch", True),
    ("http://93.184.215.14/cdn/app.js", "script", False),       # a public address
    ("http://127.0.0.1:8000/photo.jpg", "image", True),         # no images, even from the site
    ("file:///etc/passwd", "fetch", True),
    ("data:text/plain,hello", "fetch", False),
])
async def test_the_browser_refuses_internal_addresses_and_images(handler, url, resource_type, aborted):
    assert await handler.should_abort(FakeRequest(url, resource_type)) is aborted
    blocked = handler.stats.values.get("archive/render/blocked_requests", 0)
    assert blocked == (1 if aborted and resource_type != "image" and url.startswith("http") else 0)


# --------------------------------------------------------------------- "Load more" and infinite scroll

INFINITE_SCROLL = """<!DOCTYPE html><html><body><main id="list"></main><script>
  let n = 0;
  const add = count => { for (let i = 0; i < count && n < 50; i++, n++) {
    const a = document.createElement('a'); a.href = 'http://example.test/p/' + n; a.textContent = 'Post ' + n;
    a.style.display = 'block'; a.style.height = '300px'; document.getElementById('list').appendChild(a); } };
  add(10);
  let loading = false;
  window.addEventListener('scroll', () => {
    if (loading || window.innerHeight + window.scrollY < document.body.scrollHeight - 100) return;
    loading = true; setTimeout(() => { add(10); loading = false; }, 150);
  });
</script></body></html>"""

LOAD_MORE = """<!DOCTYPE html><html><body><main id="list"></main>
<button type="button" class="btn">Load more</button><script>
  let n = 0;
  const button = document.querySelector('button');
  const add = () => { for (let i = 0; i < 5; i++, n++) {
    const a = document.createElement('a'); a.href = 'http://example.test/p/' + n; a.textContent = 'Post ' + n;
    document.getElementById('list').appendChild(a); } if (n >= 25) button.remove(); };
  add();
  button.addEventListener('click', () => setTimeout(add, 100));
</script></body></html>"""

PAGINATION = """<!DOCTYPE html><html><body><a href="http://example.test/p/1">Post 1</a>
<a href="http://example.test/page/2">Load more posts</a></body></html>"""


@pytest.fixture
async def page():
    from playwright.async_api import async_playwright

    from archive_spider.browser import CHROMIUM_ARGS

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield await browser.new_page()
        finally:
            await browser.close()


@pytest.mark.parametrize("rounds, links", [(20, 50), (2, 30)])
async def test_expand_listing_scrolls_until_no_new_link_within_the_bound(page, rounds, links):
    from archive_spider.browser import expand_listing

    await page.set_content(INFINITE_SCROLL)
    result = await expand_listing(page, rounds, 1500, 30000)
    assert result["links"] == links
    assert result["clicks"] == 0
    assert result["rounds"] <= rounds


async def test_expand_listing_clicks_load_more_until_it_is_gone(page):
    from archive_spider.browser import expand_listing

    await page.set_content(LOAD_MORE)
    result = await expand_listing(page, 20, 1500, 30000)
    assert (result["links"], result["clicks"]) == (25, 4)


async def test_expand_listing_leaves_pagination_links_to_discovery(page):
    from archive_spider.browser import expand_listing

    await page.set_content(PAGINATION)
    result = await expand_listing(page, 20, 500, 30000)
    assert result["clicks"] == 0
    assert page.url == "about:blank"


SPLASH = b"""<!DOCTYPE html><html><body><div id="app">Loading</div><script>
  setTimeout(() => fetch('/api').catch(() => null).finally(() => {
    document.getElementById('app').innerHTML = '<p>' + 'The keeper wrote the weather down. '.repeat(20) + '</p>';
  }), 1500);
</script></body></html>"""


async def test_settle_waits_for_a_page_that_fills_itself_after_a_splash(page):
    from archive_spider.browser import PageSession

    session = PageSession("http://app.example/story", SPLASH)  # served from these bytes, no network
    await session(page, None)
    await page.goto("http://app.example/story", wait_until="load")
    assert await session.settle(page, 8000)
    assert "The keeper wrote the weather down." in await page.inner_text("#app")


SLOW_LOAD_MORE = b"""<!DOCTYPE html><html><body><main id="list"></main>
<button type="button">Load more</button><script>
  let n = 0;
  const button = document.querySelector('button');
  const add = count => { for (let i = 0; i < count; i++, n++) {
    const a = document.createElement('a'); a.href = 'http://app.example/p/' + n; a.textContent = 'Post ' + n;
    document.getElementById('list').appendChild(a); } if (n >= 15) button.remove(); };
  add(5);
  button.addEventListener('click', async () => add((await (await fetch('/api/more')).json()).count));
</script></body></html>"""


async def test_expand_listing_waits_for_a_slow_load_more(page):
    """Each "Load more" answer takes 2 s, longer than a round's settling time: the round
    waits while the request is in flight."""
    import asyncio

    from archive_spider.browser import SETTLE_MS, PageSession, expand_listing

    async def slow(route, request):
        await asyncio.sleep(2.0)  # the scenario: a slow "Load more" answer
        await route.fulfill(status=200, content_type="application/json", body='{"count": 5}')

    session = PageSession("http://app.example/", SLOW_LOAD_MORE)
    await session(page, None)
    await page.route("http://app.example/api/more", slow)
    await page.goto("http://app.example/", wait_until="load")
    assert SETTLE_MS < 2000
    result = await expand_listing(page, 20, SETTLE_MS, 30000)
    assert (result["links"], result["clicks"]) == (15, 2)


async def test_expand_listing_waits_for_links_added_after_a_slow_answer(page):
    """The page adds its links a moment after its slow "Load more" answer arrives (as a
    loaded machine or a page that animates them in does): the round waits for them
    rather than ending as soon as the request is over."""
    import asyncio

    from archive_spider.browser import SETTLE_MS, PageSession, expand_listing

    async def slow(route, request):
        await asyncio.sleep(2.0)  # the scenario: a slow "Load more" answer
        await route.fulfill(status=200, content_type="application/json", body='{"count": 5}')

    late = SLOW_LOAD_MORE.replace(
        b"button.addEventListener('click', async () => add((await (await fetch('/api/more')).json()).count));",
        b"button.addEventListener('click', async () => {"
        b" const count = (await (await fetch('/api/more')).json()).count; setTimeout(() => add(count), 250); });")
    assert late != SLOW_LOAD_MORE
    session = PageSession("http://app.example/", late)
    await session(page, None)
    await page.route("http://app.example/api/more", slow)
    await page.goto("http://app.example/", wait_until="load")
    assert SETTLE_MS < 2000
    result = await expand_listing(page, 20, SETTLE_MS, 30000)
    assert (result["links"], result["clicks"]) == (15, 2)


def test_render_benchmark_runs_and_measures_the_browser():
    result = subprocess.run([sys.executable, "benchmarks/render.py", "--articles", "4", "--repeat", "1"],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()
            if line.startswith(("static/", "app/"))}
    assert set(rows) == {"static/never", "static/auto", "app/auto", "static/always"}
    for name, (articles, failures, _seconds, _rate, browser_mb, _crawl_mb, *_) in rows.items():
        assert (articles, failures) == ("4", "0"), (name, rows[name])
        assert (float(browser_mb) > 0) == name.endswith(("app/auto", "always")), (name, rows[name])
