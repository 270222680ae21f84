import pytest

from archive_spider.urls import has_binary_extension, is_followable, normalise_url, same_site


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # scheme and host lower-cased, default port dropped, empty path made '/'
        ("HTTP://Example.COM:80", "http://example.com/"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000/"),
        # fragment dropped
        ("https://example.com/post/#comments", "https://example.com/post/"),
        # tracking and session parameters dropped, the rest sorted by name
        (
            "https://example.com/a?utm_source=rss&utm_medium=feed&z=1&fbclid=x&a=2",
            "https://example.com/a?a=2&z=1",
        ),
        ("https://example.com/a?gclid=1&mc_cid=2&mc_eid=3&_ga=4&yclid=5&ref_src=6", "https://example.com/a"),
        ("https://example.com/article.php?id=12&PHPSESSID=a81f0e", "https://example.com/article.php?id=12"),
        ("https://example.com/a?sid=a81f0e77c2d94b1e&b=1", "https://example.com/a?b=1"),
        # ... but a numeric sid is a story id in PHP-Nuke
        (
            "http://example.com/modules.php?name=News&file=article&sid=123",
            "http://example.com/modules.php?file=article&name=News&sid=123",
        ),
        ("https://example.com/a/?ref=home&_hsenc=x&xtor=RSS-1&mkt_tok=y", "https://example.com/a/"),
        ("https://example.com/page.jsp;jsessionid=ABC123?x=1", "https://example.com/page.jsp?x=1"),
        # repeated names keep their order; blank values are kept
        ("https://example.com/?b=2&a=1&b=1&c=", "https://example.com/?a=1&b=2&b=1&c="),
        # trailing slash kept as written
        ("https://example.com/essays/slug", "https://example.com/essays/slug"),
        ("https://example.com/essays/slug/", "https://example.com/essays/slug/"),
        # static directory index names dropped, script names kept
        ("https://example.com/news/index.html", "https://example.com/news/"),
        ("https://example.com/INDEX.HTM", "https://example.com/"),
        ("https://example.com/index.php", "https://example.com/index.php"),
        # percent-encoding: unreserved decoded, others upper-cased, raw characters encoded
        ("https://example.com/%7Eanna/%61bc", "https://example.com/~anna/abc"),
        ("https://example.com/caf%c3%a9", "https://example.com/caf%C3%A9"),
        ("https://example.com/café menu", "https://example.com/caf%C3%A9%20menu"),
        ("https://example.com/a?q=caf%c3%a9+au+lait&r=a%2Fb", "https://example.com/a?q=caf%C3%A9+au+lait&r=a%2Fb"),
        ("https://example.com/100%", "https://example.com/100%25"),
        # dot segments
        ("https://example.com/a/./b/../c/", "https://example.com/a/c/"),
        # IDN to punycode, trailing dot, credentials dropped
        ("https://bücher.example/", "https://xn--bcher-kva.example/"),
        ("https://example.com./a", "https://example.com/a"),
        ("https://user:secret@example.com/a", "https://example.com/a"),
    ],
)
def test_normalise_url(url, expected):
    assert normalise_url(url) == expected


def test_normalise_url_resolves_against_base():
    assert normalise_url("../b?utm_source=x&z=1&a=2#top", "HTTP://Example.com:80/x/y") == "http://example.com/b?a=2&z=1"
    assert normalise_url("article.php?id=3", "http://dir.example/category.php?cat=1") == "http://dir.example/article.php?id=3"
    assert normalise_url("//cdn.example.com/x", "https://example.com/") == "https://cdn.example.com/x"
    assert normalise_url("  /a\n/b ", "https://example.com/") == "https://example.com/a/b"


def test_normalise_url_is_idempotent():
    once = normalise_url("HTTPS://Bücher.example:443/a/../caf%c3%a9?utm_x=1&b=2&a=%7e#f")
    assert normalise_url(once) == once


@pytest.mark.parametrize("url", ["/relative/only", "mailto:anna@example.com", "", "http://"])
def test_normalise_url_rejects_what_is_not_an_absolute_url(url):
    with pytest.raises(ValueError):
        normalise_url(url)


@pytest.mark.parametrize(
    ("url", "hosts", "expected"),
    [
        ("https://example.com/a", ["example.com"], True),
        ("https://www.example.com/a", ["example.com"], True),
        ("https://example.com/a", ["www.example.com"], True),
        ("https://blog.example.com/a", ["example.com"], True),
        ("https://blog.example.com/a", ["www.example.com"], True),
        ("https://EXAMPLE.com/a", ["Example.COM"], True),
        ("https://notexample.com/a", ["example.com"], False),
        ("https://example.com.evil.net/a", ["example.com"], False),
        ("https://other.org/a", ["example.com", "other.org"], True),
        ("https://example.com/a", [], False),
        ("mailto:a@example.com", ["example.com"], False),
        ("ftp://example.com/a", ["example.com"], False),
        # ports: ignored unless the allowed host names one
        ("http://127.0.0.1:8000/a", ["127.0.0.1"], True),
        ("http://127.0.0.1:8000/a", ["127.0.0.1:8000"], True),
        ("http://127.0.0.1:9000/a", ["127.0.0.1:8000"], False),
        ("http://127.0.0.1:8000/a", ["http://127.0.0.1:8000/"], True),
        # no subdomains of an IP address
        ("http://1.127.0.0.1/a", ["127.0.0.1"], False),
        # IDN hosts compare in punycode
        ("https://xn--bcher-kva.example/a", ["bücher.example"], True),
    ],
)
def test_same_site(url, hosts, expected):
    assert same_site(url, hosts) is expected


def test_binary_files_are_not_followable():
    assert has_binary_extension("/files/report.PDF")
    assert has_binary_extension("/img/photo.jpg")
    assert not has_binary_extension("/essays/on-jpg-compression/")
    assert not has_binary_extension("/article.php")
    assert is_followable("https://example.com/a.html")
    assert not is_followable("https://example.com/archive.zip")
    assert not is_followable("javascript:void(0)")


# --------------------------------------------------------------------------- properties

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_segment = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/?#"), max_size=12)
_param = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_ABC%20é+=", min_size=1, max_size=8)
_host = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?(\.[a-z]{2,6}){1,2}", fullmatch=True) | st.sampled_from(
    ["bücher.example", "WWW.Example.COM", "127.0.0.1", "xn--bcher-kva.example"]
)


@st.composite
def urls(draw):
    scheme = draw(st.sampled_from(["http", "https", "HTTP"]))
    port = draw(st.sampled_from(["", ":80", ":443", ":8080"]))
    path = "/".join(draw(st.lists(_segment, max_size=4)))
    pairs = draw(st.lists(st.tuples(_param, _param), max_size=4))
    query = "&".join(f"{k}={v}" for k, v in pairs)
    fragment = draw(st.sampled_from(["", "#top", "#"]))
    return f"{scheme}://{draw(_host)}{port}/{path}" + (f"?{query}" if query else "") + fragment


@settings(max_examples=300, deadline=None)
@given(urls())
def test_normalise_url_is_idempotent_on_generated_urls(url):
    once = normalise_url(url)
    assert normalise_url(once) == once
    assert "#" not in once
    assert once.startswith(("http://", "https://"))
    assert " " not in once and once.isascii()
