"""Property-based tests: extraction, decoding and URL normalisation on arbitrary input
never raise, and never take long. The time bound is generous (it catches hangs and
pathological backtracking, not slowness): measured per call, reported on failure."""

import time

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from archive_spider.decoding import decode_html, looks_binary
from archive_spider.extraction import extract_article

# Seconds one call may take at most on arbitrary input (a real page takes milliseconds).
TIME_BOUND = 30.0
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow])

TAGS = ["p", "div", "article", "main", "h1", "h2", "a", "script", "style", "iframe", "table",
        "td", "tr", "li", "ul", "span", "base", "meta", "title", "head", "body", "html", "svg",
        "noscript", "template", "br", "img", "form", "!--", "![CDATA["]
ATTRIBUTES = st.sampled_from(['href="javascript:alert(1)"', 'onclick="x()"', 'src="data:text/html,x"',
                              'class="content"', 'href="/a"', 'charset="shift_jis"', 'property="og:type"',
                              'content="article"', 'href="http://[::1"', 'href="%zz"', ""])


@st.composite
def html_soup(draw):
    """Tag soup: random tags, attributes and text, opened and closed in any order."""
    parts = draw(st.lists(st.one_of(
        st.text(max_size=80),
        st.builds(lambda t, a: f"<{t} {a}>", st.sampled_from(TAGS), ATTRIBUTES),
        st.builds(lambda t: f"</{t}>", st.sampled_from(TAGS)),
        st.sampled_from(["&amp;", "&#0;", "&#x110000;", "&bogus;", "<", ">", "\x00", "\ufeff", "\ud7ff"]),
    ), max_size=60))
    return "".join(parts)


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    elapsed = time.perf_counter() - started
    assert elapsed < TIME_BOUND, f"{fn.__name__} took {elapsed:.2f} s"
    return result


@PROPERTY_SETTINGS
@given(html=st.one_of(html_soup(), st.text(max_size=2000)),
       url=st.one_of(st.none(), st.just("https://example.com/a/b"), st.text(max_size=40)),
       teaser=st.one_of(st.none(), st.text(max_size=100)))
def test_extract_article_never_raises_on_text(html, url, teaser):
    article = timed(extract_article, html, url=url, teaser=teaser)
    assert isinstance(article.text, str) and isinstance(article.html, str)
    assert "<script" not in article.html.lower()


@PROPERTY_SETTINGS
@given(body=st.binary(max_size=4000))
def test_extract_article_never_raises_on_bytes(body):
    article = timed(extract_article, body, url="https://example.com/")
    assert isinstance(article.text, str)


@PROPERTY_SETTINGS
@given(body=st.binary(max_size=4000),
       content_type=st.one_of(st.none(), st.text(max_size=40),
                              st.sampled_from(["text/html; charset=utf-8", "text/html; charset=latin-1",
                                               "text/html; charset=shift_jis", "text/html; charset=x-bogus"])))
def test_decode_html_never_raises(body, content_type):
    page = timed(decode_html, body, content_type)
    assert isinstance(page.text, str)
    looks_binary(body)


def test_extract_article_on_a_big_flat_page_stays_in_bound():
    """A page of 20,000 paragraphs and deep nesting (peers hang on such pages)."""
    flat = "<html><body>" + "<p>word " * 20000 + "</body></html>"
    deep = "<div>" * 5000 + "<p>deep text here</p>" + "</div>" * 5000
    for html in (flat, deep):
        timed(extract_article, html, url="https://example.com/big")


urls = pytest.importorskip("archive_spider.urls")  # on main; absent on some branches


URL_PIECES = st.one_of(
    st.text(max_size=60),
    st.builds(lambda s, h, p, q, f: f"{s}://{h}{p}?{q}#{f}",
              st.sampled_from(["http", "https", "HTTP", "ftp", "javascript", "file", "", "h ttp"]),
              st.text(max_size=20), st.text(max_size=30), st.text(max_size=30), st.text(max_size=10)),
    st.sampled_from(["http://[::1", "http://a:99999/", "http://user:pw@host:/", "//x", "http://xn--/",
                     "http://\u0000/", "http://a..b/", "http://%zz/", "http://[fe80::1%25eth0]/"]),
)


@PROPERTY_SETTINGS
@given(url=URL_PIECES, base=st.one_of(st.none(), st.just("http://example.com/a/b"), URL_PIECES))
def test_normalise_url_returns_a_string_or_raises_value_error(url, base):
    started = time.perf_counter()
    try:
        result = urls.normalise_url(url, base)
    except ValueError:
        result = None
    assert time.perf_counter() - started < TIME_BOUND
    assert result is None or isinstance(result, str)


@PROPERTY_SETTINGS
@given(url=URL_PIECES)
@example(url="A://0\u2024")  # IDNA maps the one-dot leader to a dot: a trailing dot again
@example(url="A://\u2024")
@example(url="A://0 .")  # a space before the root's dot
def test_normalise_url_is_idempotent(url):
    try:
        result = urls.normalise_url(url)
    except ValueError:
        return
    assert urls.normalise_url(result) == result  # the one spelling maps to itself
