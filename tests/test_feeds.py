"""discovery/feeds.py: feeds, sitemaps and robots.txt read offline."""

import gzip

import pytest

from archive_spider.discovery import feeds
from archive_spider.vocabulary import ArticleLink

SITE = "https://blog.example.org"
HOSTS = ["blog.example.org"]

RSS = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0">
<channel><title>Slow Roads</title><link>{SITE}/</link>
<item><title>The slow train to Lisbon</title>
  <link>{SITE}/2024/05/slow-train-to-lisbon/?utm_source=rss&amp;utm_medium=rss</link>
  <pubDate>Fri, 03 May 2024 08:12:00 +0000</pubDate>
  <description><![CDATA[<p>Twenty-two hours and <b>three</b> changes.</p> <a href="x">Continue reading &#8594;</a>]]></description>
  <content:encoded><![CDATA[<p>The whole article.</p>]]></content:encoded></item>
<item><title>Bread &amp; salt</title>
  <link>http://feeds.feedburner.com/~r/slowroads/~3/abc/</link>
  <feedburner:origLink>{SITE}/2024/04/bread-and-salt/</feedburner:origLink>
  <description>A loaf at four in the morning […]</description></item>
<item><title>Elsewhere</title><link>https://other.example.com/post/</link></item>
<item><title>Permalink only</title><guid isPermaLink="true">{SITE}/2024/03/guid-only/</guid></item>
<item><title>Duplicate</title><link>{SITE}/2024/05/slow-train-to-lisbon/</link></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://blog.example.org/notes/">
<title>Notes</title>
<link rel="self" href="/feed.atom"/><link rel="next" href="/feed.atom?page=2"/>
<entry><title type="html">Tides &lt;em&gt;and&lt;/em&gt; moons</title>
  <link rel="replies" href="tides/#comments"/><link rel="alternate" type="text/html" href="tides/"/>
  <published>2024-02-01T10:00:00Z</published><updated>2024-02-03T10:00:00Z</updated>
  <summary type="html">&lt;p&gt;On the &lt;b&gt;pull&lt;/b&gt; of the moon.&lt;/p&gt;</summary></entry>
<entry><title>No date</title><link href="https://blog.example.org/notes/undated/"/></entry>
</feed>"""

RDF = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://blog.example.org/"><title>Old</title></channel>
<item rdf:about="https://blog.example.org/story.php?id=7"><title>Story seven</title>
  <dc:date>2003-06-01T12:00:00+02:00</dc:date><description>Plain text teaser.</description></item>
</rdf:RDF>"""


def test_rss_entries_become_teasers_like_index_page_links():
    result = feeds.parse_feed(RSS.encode(), f"{SITE}/feed/", HOSTS)
    assert result.title == "Slow Roads"
    assert result.links == [
        ArticleLink(f"{SITE}/2024/05/slow-train-to-lisbon/", "The slow train to Lisbon",
                    "Twenty-two hours and three changes.", "2024-05-03"),
        ArticleLink(f"{SITE}/2024/04/bread-and-salt/", "Bread & salt", "A loaf at four in the morning", None),
        ArticleLink(f"{SITE}/2024/03/guid-only/", "Permalink only", None, None),
    ]
    assert result.next_page is None


def test_feed_without_allowed_hosts_keeps_every_host():
    urls = [link.url for link in feeds.parse_feed(RSS.encode(), f"{SITE}/feed/").links]
    assert "https://other.example.com/post/" in urls


def test_atom_resolves_against_xml_base_prefers_alternate_and_names_next_page():
    result = feeds.parse_feed(ATOM.encode(), f"{SITE}/feed.atom", HOSTS)
    assert result.links == [
        ArticleLink(f"{SITE}/notes/tides/", "Tides and moons", "On the pull of the moon.", "2024-02-01"),
        ArticleLink(f"{SITE}/notes/undated/", "No date", None, None),
    ]
    assert result.next_page == f"{SITE}/feed.atom?page=2"


def test_rss_1_rdf_items_and_dublin_core_dates():
    result = feeds.parse_feed(RDF.encode(), f"{SITE}/index.rdf", HOSTS)
    assert result.links == [ArticleLink(f"{SITE}/story.php?id=7", "Story seven", "Plain text teaser.", "2003-06-01")]


def test_whole_article_in_description_is_cut_to_a_teaser():
    long = " ".join(["word"] * 400)
    body = f"<rss><channel><item><title>T</title><link>{SITE}/a-b-c/</link><description>{long}</description></item></channel></rss>"
    teaser = feeds.parse_feed(body.encode(), SITE, HOSTS).links[0].teaser
    assert len(teaser) <= feeds.MAX_FEED_TEASER_CHARS + 2 and teaser.endswith("…")


def test_entities_are_not_expanded_and_broken_feeds_yield_nothing():
    evil = f"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rss><channel><item><title>&x;</title><link>{SITE}/a-b-c/</link></item></channel></rss>"""
    links = feeds.parse_feed(evil.encode(), SITE, HOSTS).links
    assert [link.url for link in links] == [f"{SITE}/a-b-c/"]
    assert "root:" not in (links[0].title or "")
    assert feeds.parse_feed(b"", SITE, HOSTS).links == []
    assert feeds.parse_feed(b"not xml at all", SITE, HOSTS).links == []


@pytest.mark.parametrize("body, url, content_type, kind", [
    (RSS.encode(), "/feed/", "application/rss+xml", "rss"),
    (RSS.encode(), "/feed.php", "text/html", "rss"),  # by content, not by name or type
    (b"\xef\xbb\xbf\n" + ATOM.encode(), "/notes", "application/octet-stream", "atom"),
    (RDF.encode(), "/index.rdf", "", "rdf"),
    (b'<?xml version="1.0"?><!-- generated --><urlset xmlns="x"></urlset>', "/s", "text/xml", "sitemap"),
    (b'<?xml version="1.0"?><?xml-stylesheet type="text/xsl" href="/main-sitemap.xsl"?>\n<sitemapindex>',
     "/sitemap_index.xml", "text/xml", "sitemapindex"),  # Yoast's styled sitemaps
    (gzip.compress(b"<sitemapindex><sitemap><loc>x</loc></sitemap></sitemapindex>"), "/s.gz", "application/x-gzip",
     "sitemapindex"),
    (b"User-agent: *\nDisallow: /private/\n", "/robots.txt", "text/plain", "robots"),
    (b"https://a.example/x\nhttps://a.example/y\n", "/sitemap.txt", "text/plain", "sitemap"),
    (b"<!DOCTYPE html><html><head><title>x</title></head></html>", "/", "text/html", None),
    (b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"></html>', "/", "application/xhtml+xml", None),
    (b"Hello there, plain text.", "/notes.txt", "text/plain", None),
    (b"\x89PNG\r\n", "/logo.png", "image/png", None),
])
def test_detect_source_by_content(body, url, content_type, kind):
    assert feeds.detect_source(body, SITE + url, content_type) == kind


def urlset(*entries):
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + "".join(entries) + "</urlset>")


def test_sitemap_pages_with_lastmod_and_news_titles():
    body = urlset(
        f"<url><loc> {SITE}/2024/05/a-b-c/ </loc><lastmod>2024-05-04T10:00:00+00:00</lastmod></url>",
        f"<url><loc>{SITE}/news/x-y-z</loc><news:news><news:publication_date>2024-05-01</news:publication_date>"
        "<news:title>Harbour reopens</news:title></news:news></url>",
        "<url><loc>https://elsewhere.example/a-b-c/</loc></url>",
        f"<url><loc>{SITE}/2024/05/a-b-c/</loc></url>",
        f"<url><loc>{SITE}/files/report.pdf</loc></url>",
    )
    result = feeds.parse_sitemap(body.encode(), f"{SITE}/sitemap.xml", HOSTS)
    assert result.sitemaps == []
    assert result.pages == [
        feeds.SitemapEntry(f"{SITE}/2024/05/a-b-c/", "2024-05-04"),
        feeds.SitemapEntry(f"{SITE}/news/x-y-z", "2024-05-01", "Harbour reopens", "2024-05-01"),
    ]


def test_sitemap_index_lists_gzipped_sitemaps_and_is_read_gzipped():
    index = (f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>{SITE}/s-1.xml.gz</loc>'
             f"</sitemap><sitemap><loc>/s-2.xml</loc></sitemap></sitemapindex>")
    result = feeds.parse_sitemap(gzip.compress(index.encode()), f"{SITE}/sitemap_index.xml", HOSTS)
    assert result.sitemaps == [f"{SITE}/s-1.xml.gz", f"{SITE}/s-2.xml"]
    assert result.pages == []


def test_text_sitemap_and_robots_sitemap_lines():
    body = f"{SITE}/a-b-c/\n\n{SITE}/d-e-f/\nhttps://other.example/x/\n".encode()
    assert [e.url for e in feeds.parse_sitemap(body, f"{SITE}/sitemap.txt", HOSTS).pages] == [f"{SITE}/a-b-c/", f"{SITE}/d-e-f/"]
    robots = "User-agent: *\nDisallow: /wp-admin/\nsitemap: /sitemap_index.xml\nSITEMAP:https://blog.example.org/news.xml.gz\n" \
             "Sitemap: https://cdn.other.example/sitemap.xml\n"
    assert feeds.parse_robots_sitemaps(robots, f"{SITE}/robots.txt", HOSTS) == [
        f"{SITE}/sitemap_index.xml", f"{SITE}/news.xml.gz"]


def test_gzip_bomb_is_cut_at_the_limit():
    bomb = gzip.compress(b"<urlset>" + b" " * 5_000_000)
    assert len(feeds.ungzip(bomb, limit=1000)) == 1000


def test_well_known_sources_of_a_front_page():
    assert feeds.well_known_sources("https://www.example.org/blog/") == [
        "https://www.example.org/robots.txt", "https://www.example.org/sitemap.xml",
        "https://www.example.org/sitemap_index.xml", "https://www.example.org/feed",
        "https://www.example.org/rss.xml", "https://www.example.org/atom.xml",
    ]
