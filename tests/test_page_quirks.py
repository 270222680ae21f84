"""Small quirks of real pages that used to lose an article: a stray NUL byte, a utf-16
label on a cp1252 page, a meta refresh to the page itself or to javascript:, HTML served
as application/xml. Each is archived now; a page still dropped has a failures row."""

from __future__ import annotations

import pytest

from archive_spider.decoding import decode_html

from .builtsites import esc
from .conftest import query, run_cli
from .sitekit import Reply, TestSite, html, paragraphs, title_for

QUIRKS = {
    "/posts/nul-byte/": "a NUL byte in the middle of its text",
    "/posts/utf16-label/": "a charset=utf-16 label on a cp1252 body",
    "/posts/refresh-self/": "a meta refresh to itself",
    "/posts/refresh-js/": "a meta refresh to javascript:",
    "/posts/served-as-xml/": "HTML served as application/xml",
    "/posts/xhtml-as-xml/": "XHTML with an XML declaration, served as application/xml",
}
STUB = "/posts/stub/"


def page(path: str, head: str = "", extra: str = "", prologue: str = "<!DOCTYPE html>") -> str:
    title = title_for(path)
    body = "".join(f"<p>{esc(p)}</p>" for p in paragraphs(path))
    return (f'{prologue}<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>{head}'
            f'<meta property="og:type" content="article"></head><body><nav><a href="/">Home</a></nav>'
            f'<article><h1>{esc(title)}</h1><p class="byline">By Ada Lund, 3 March 2025</p>{extra}{body}'
            f"<p>Caf\u00e9 culture, na\u00efve hopes \u2013 it\u2019s all here.</p></article></body></html>")


def build(base_url: str) -> dict[str, Reply]:
    teasers = "".join(f'<article class="post"><h2><a href="{path}">{esc(title_for(path))}</a></h2>'
                      f'<p>{esc(paragraphs(path)[0][:120])}</p><a href="{path}" class="more-link">Read more</a></article>'
                      for path in [*QUIRKS, STUB])
    pages = {"/": html(f"<!DOCTYPE html><html><head><title>Quirks</title></head><body><main>{teasers}</main></body></html>")}
    nul = page("/posts/nul-byte/").replace("</h1>", "</h1>\x00")
    pages["/posts/nul-byte/"] = Reply(nul.encode("utf-8"))
    cp1252 = page("/posts/utf16-label/").replace('<meta charset="utf-8">', "")
    pages["/posts/utf16-label/"] = Reply(cp1252.encode("cp1252"), content_type="text/html; charset=utf-16")
    pages["/posts/refresh-self/"] = html(page("/posts/refresh-self/", f'<meta http-equiv="refresh" content="0; url={base_url}/posts/refresh-self/">'))
    pages["/posts/refresh-js/"] = html(page("/posts/refresh-js/", '<meta http-equiv="refresh" content="0; url=javascript:void(0)">'))
    pages["/posts/served-as-xml/"] = Reply(page("/posts/served-as-xml/").encode(), content_type="application/xml")
    xhtml = page("/posts/xhtml-as-xml/", prologue='<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>')
    pages["/posts/xhtml-as-xml/"] = Reply(xhtml.encode(), content_type="application/xml; charset=utf-8")
    stub = page(STUB).split("<p>")[0] + "<p>More soon, we promise.</p></article></body></html>"
    pages[STUB] = html(stub)
    return pages


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    db_path = tmp_path_factory.mktemp("quirks") / "archive.db"
    with TestSite(build) as site:
        result = run_cli("crawl", site.url + "/", "--db", db_path, "--concurrency", "8")
        yield site, db_path, result


@pytest.mark.parametrize("path", sorted(QUIRKS))
def test_quirky_article_is_archived(crawled, path):
    site, db_path, result = crawled
    assert result.returncode == 0, result.stderr[-3000:]
    rows = query(db_path, "select title, text from articles where url = ?", (site.url + path,))
    assert rows, (QUIRKS[path], query(db_path, "select url, reason, detail from failures"))
    title, text = rows[0]
    assert title == title_for(path)
    assert paragraphs(path)[1] in text
    assert "Caf\u00e9 culture, na\u00efve hopes \u2013 it\u2019s all here." in text
    assert "\x00" not in text


def test_no_quirk_is_recorded_as_a_failure_and_a_stub_is(crawled):
    site, db_path, _ = crawled
    failed = query(db_path, "select url, reason, detail from failures")
    assert [(url, reason) for url, reason, _ in failed] == [(site.url + STUB, "too-short")], failed
    assert "words" in failed[0][2]
    assert query(db_path, "select skipped from crawls") == [(1,)]


def test_a_wrong_utf16_label_does_not_win_whatever_the_length():
    text = "<html><body><p>It\u2019s a caf\u00e9 \u2013 na\u00efve.</p></body></html>"
    for body in (text.encode("cp1252"), (text + " ").encode("cp1252")):
        decoded = decode_html(body, "text/html; charset=utf-16")
        assert "caf\u00e9 \u2013 na\u00efve" in decoded.text, decoded
    # A real UTF-16 page (no BOM) with its label is still read by it.
    assert "caf\u00e9" in decode_html(text.encode("utf-16-le"), "text/html; charset=utf-16le").text


def test_a_nul_byte_is_left_out_of_the_text():
    assert decode_html(b"<p>one\x00 two</p>", "text/html").text == "<p>one two</p>"


def test_an_extraction_past_its_timeout_leaves_a_failures_row(tmp_path):
    """A page whose analysis outlasts ARCHIVE_EXTRACT_TIMEOUT (a wall of 20,000
    paragraphs, some seconds here, against 0.5 s) is recorded, not silently lost."""
    wall = "/posts/wall-of-text/"

    def build_wall(base_url):
        body = "".join(f"<p>{esc(p)}</p>" for p in paragraphs(wall, count=20000, words=12))
        return {
            "/": html(f'<html><body><main><article><h2><a href="{wall}">A wall</a></h2><p>It goes on.</p>'
                      f'<a href="{wall}">Read more</a></article></main></body></html>'),
            wall: html(f"<html><head><title>A wall</title></head><body><article><h1>A wall</h1>{body}</article></body></html>"),
        }

    db_path = tmp_path / "archive.db"
    with TestSite(build_wall) as site:
        result = run_cli("crawl", site.url + "/", "--db", db_path, "--concurrency", "4", "--workers", "1",
                         "-s", "ARCHIVE_EXTRACT_TIMEOUT=0.5")
    assert result.returncode == 0, result.stderr[-3000:]
    rows = query(db_path, "select url, reason, detail from failures")
    assert [(url, reason) for url, reason, _ in rows] == [(site.url + wall, "extraction-error")], rows
    assert "0.5" in rows[0][2] or "past" in rows[0][2]
    assert query(db_path, "select errors from crawls") == [(1,)]
