"""The published archive in a real browser: Debian's Chromium driven by Playwright.

`archive-spider serve` runs as a subprocess on a free port; each test uses the archive as a
person would and asserts on what they see. Screenshots go to test-artifacts/ (git-ignored).
The module is skipped, saying why, when Chromium or Playwright is missing (.ci/run installs
Chromium with apt-get).
"""

import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.polling import NotReady, wait_until
from tests.test_publish import ARTICLES, article_id, make_archive

CHROMIUM = os.environ.get("ARCHIVE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"

if not shutil.which(CHROMIUM):
    pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright")

LONG_READ = {
    "url": "https://field-notes.example/essays/lighthouse-keepers",
    "title": "The Last Lighthouse Keepers",
    "author": "Marta Quill",
    "published": "2024-03-14",
    "lang": "en",
    "word_count": 96,
    "summary": "Automation emptied the lighthouses; the logbooks stayed.",
    "text": "For two centuries a lighthouse needed a keeper.\n\n"
            "The keepers trimmed wicks, wound clockwork and wrote the weather in logbooks.\n\n"
            "When the lights were automated the logbooks went to archives, where they still "
            "tell us how the sea behaved on nights nobody else was watching.",
    "html": "<p>For two centuries a lighthouse needed a keeper.</p>"
            "<h2>Wicks, clockwork and weather</h2>"
            "<p>The keepers trimmed wicks, wound clockwork and wrote the weather in "
            "<em>logbooks</em>.</p>"
            "<blockquote><p>Wind NW, heavy swell, light burning well.</p></blockquote>"
            "<p>When the lights were automated the logbooks went to archives, where they still "
            "tell us how the sea behaved on nights nobody else was watching.</p>",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    def answers() -> bool:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200

    try:
        wait_until(answers, timeout, f"archive-spider serve answering at {url}", interval=0.2,
                   ignoring=(OSError,), process=process)
    except NotReady as error:
        raise RuntimeError(f"{error}: {process.stderr.read() if process.poll() is not None else ''}") from None


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    return make_archive(tmp_path_factory.mktemp("browser") / "archive.db", ARTICLES + [LONG_READ])


@pytest.fixture(scope="module")
def site(archive):
    yield from serving(archive)


def serving(archive):
    """The real `archive-spider serve` of ``archive`` on a free port; yields its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "archive_spider", "serve", "--db", str(archive), "--port", str(port)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(f"{base}/-/versions.json", process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_home_page_search_and_article(site, page):
    page.goto(site + "/")
    expect = sync_api.expect
    expect(page.get_by_role("heading", level=1)).to_have_text("archive-spider")
    expect(page.get_by_role("link", name="Latest articles")).to_be_visible()
    screenshot(page, "home")

    page.get_by_role("searchbox").fill("lighthouse logbooks")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/archive/search?q=lighthouse+logbooks")
    result = page.get_by_role("link", name="The Last Lighthouse Keepers")
    expect(result).to_be_visible()
    expect(page.locator(".result .snippet mark").first).to_be_visible()
    expect(page.locator("p.count")).to_contain_text("1 article matches")
    screenshot(page, "search")

    result.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The Last Lighthouse Keepers")
    expect(page.locator(".byline")).to_contain_text("By Marta Quill · 2024-03-14 · field-notes.example")
    expect(page.get_by_role("heading", name="Wicks, clockwork and weather")).to_be_visible()
    expect(page.locator(".article-body blockquote")).to_have_text("Wind NW, heavy swell, light burning well.")
    source = page.get_by_role("link", name=LONG_READ["url"])
    expect(source).to_have_attribute("href", LONG_READ["url"])
    expect(page.get_by_role("heading", name="Revisions")).to_be_visible()
    screenshot(page, "article")


def test_facets_narrow_the_articles(site, page):
    page.goto(site + "/archive/articles")
    expect = sync_api.expect
    # A list to read: headlines with their teasers, no table of heavy columns.
    expect(page.get_by_role("link", name="The Last Lighthouse Keepers")).to_be_visible()
    expect(page.get_by_text(LONG_READ["summary"])).to_be_visible()
    assert page.locator("th[data-column=html]").count() == 0
    page.locator("#facet-site").get_by_role("link", name="news.example").click()
    expect(page.locator("p.count")).to_contain_text("2 articles")
    expect(page.get_by_role("link", name="Crawling politely at scale")).to_be_visible()
    expect(page.get_by_role("link", name="✕ site: news.example")).to_be_visible()
    assert "duplicate_of" not in page.url and "_nocol" not in page.url
    screenshot(page, "facet")


def test_csv_download_holds_every_article(site, page, tmp_path):
    page.goto(site + "/archive/articles")
    with page.expect_download() as download_info:
        page.locator("p.export-links").get_by_role("link", name="CSV", exact=True).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    rows = list(csv.DictReader(target.open(encoding="utf-8", newline="")))
    assert len(rows) == len(ARTICLES) + 1
    assert {"The Last Lighthouse Keepers", "SQLite everywhere"} <= {r["title"] for r in rows}
    assert all("text" in row and "html" in row for row in rows)
    assert "wrote the weather in" in next(r["text"] for r in rows if r["title"] == "The Last Lighthouse Keepers")


def test_json_from_the_browser(site, page):
    response = page.goto(site + "/archive/latest.json?_shape=array")
    rows = json.loads(response.text())
    assert len(rows) == len(ARTICLES) + 1
    assert "The Last Lighthouse Keepers" in {row["title"] for row in rows}


def test_script_in_archived_content_never_runs(site, page, archive):
    """The hostile article stores raw <script>, an onerror image, a javascript: link and an
    iframe in its html (store_articles keeps what it is given): none may run or load."""
    dialogs, requests_out = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: requests_out.append(request.url))
    pk = article_id(archive, "https://blog.example/posts/hostile")
    page.goto(f"{site}/archive/articles/{pk}")
    expect = sync_api.expect
    expect(page.locator(".article-body")).to_contain_text("Before the trap.")
    expect(page.locator(".article-body")).to_contain_text("After the trap.")
    # The title's markup shows as text.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "A page with <script>alert('title')</script> in its title")
    # Sanitising removed its javascript: address; clicking it must do nothing.
    page.get_by_text("a javascript link").click()
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert dialogs == []
    assert page.locator("iframe").count() == 0
    assert page.locator(".article-body script").count() == 0
    assert not any("evil.example" in url for url in requests_out)
    screenshot(page, "hostile-article")


def test_article_page_has_no_console_errors_and_blocks_foreign_inline_script(site, page, archive):
    """The article page's Content-Security-Policy lets Datasette's own inline script run
    (no "Refused to execute inline script" in the console) and still nothing else."""
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(site + f"/archive/articles/{article_id(archive, LONG_READ['url'])}")
    sync_api.expect(page.get_by_role("heading", level=1)).to_have_text("The Last Lighthouse Keepers")
    assert errors == []
    page.evaluate("""() => { const s = document.createElement('script');
        s.textContent = 'window.injected = 1'; document.body.appendChild(s); }""")
    assert page.evaluate("() => window.injected") is None
