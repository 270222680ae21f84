"""Feeds, sitemaps and robots.txt as sources of article links.

Pure: bytes in, links out; no network, no state. The spider hands every fetched body to
``detect_source`` first, so a start URL may be a feed, a sitemap (plain, index, gzipped or
plain text) or a robots.txt as well as an HTML page, whatever its file name says.

* RSS 2.0, RSS 1.0 (RDF) and Atom: each entry becomes an ``ArticleLink`` with the title,
  summary (markup stripped) and date the feed gives, exactly like a teaser found on an
  index page. Read as a stream, like sitemaps, up to the entries the caller takes. FeedBurner's ``origLink`` is preferred to its tracking redirect. Paged
  feeds (RFC 5005 ``<link rel="next">``) name their next page.
* XML sitemaps: ``<urlset>`` entries become pages (with ``lastmod`` and a Google News
  title when given), ``<sitemapindex>`` entries further sitemaps. Gzip is undone here,
  whatever the server said, up to ``MAX_SOURCE_BYTES``; a sitemap is parsed as a stream
  (inflated and read a chunk at a time, each entry dropped once read), up to the number
  of URLs the caller takes from it.
* robots.txt: its ``Sitemap:`` lines.

XML is parsed with entity expansion and network access off: a feed is untrusted input.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import lxml.etree
import lxml.html

from archive_spider.dates import parse_date, parse_feed_date
from archive_spider.discovery.pages import collapse_space
from archive_spider.vocabulary import ArticleLink
from archive_spider.urls import is_followable, normalise_url, same_site

# What a fetched body may be, besides an HTML page.
SOURCE_RSS = "rss"  # RSS 2.0 and 0.9x
SOURCE_RDF = "rdf"  # RSS 1.0
SOURCE_ATOM = "atom"
SOURCE_SITEMAP = "sitemap"  # <urlset>, or a plain-text list of URLs
SOURCE_SITEMAP_INDEX = "sitemapindex"
SOURCE_ROBOTS = "robots"
FEED_KINDS = frozenset({SOURCE_RSS, SOURCE_RDF, SOURCE_ATOM})
SITEMAP_KINDS = frozenset({SOURCE_SITEMAP, SOURCE_SITEMAP_INDEX})

# A gzipped sitemap may inflate a thousandfold; the protocol caps sitemaps at 50 MB.
MAX_SOURCE_BYTES = 50 * 1024 * 1024
# Only the start of a body is looked at to tell what it is.
SNIFF_BYTES = 2048
# Feeds that put the whole article in <description> are cut to a teaser this long.
MAX_FEED_TEASER_CHARS = 600
GZIP_MAGIC = b"\x1f\x8b"

# Paths a site's feeds and sitemaps are usually found at (``crawl --discover`` asks for
# these besides robots.txt's Sitemap: lines and the feeds the front page announces).
# Kept short: every guess that misses costs a request.
WELL_KNOWN_SOURCE_PATHS = (
    "/sitemap.xml",  # the protocol's default; WordPress >= 5.5 redirects it to its index
    "/sitemap_index.xml",  # Yoast SEO, Rank Math
    "/feed",  # WordPress
    "/rss.xml",  # Drupal, many static site generators
    "/atom.xml",  # Jekyll, Hugo variants
)

_ROOT_TAG_RE = re.compile(rb"<(?![?!])\s*([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
_ROBOTS_SITEMAP_RE = re.compile(r"^\s*sitemap\s*:\s*(\S+)", re.I | re.M)
_ROOT_KINDS = {
    b"rss": SOURCE_RSS,
    b"rdf": SOURCE_RDF,
    b"feed": SOURCE_ATOM,
    b"urlset": SOURCE_SITEMAP,
    b"sitemapindex": SOURCE_SITEMAP_INDEX,
}


@dataclass(frozen=True)
class SitemapEntry:
    """One page a sitemap lists (or, ``is_sitemap``, one sitemap an index lists)."""

    url: str  # absolute, normalised
    lastmod: str | None = None  # 'YYYY-MM-DD'
    title: str | None = None  # from a Google News sitemap
    published: str | None = None  # 'YYYY-MM-DD', from a Google News sitemap
    is_sitemap: bool = False


@dataclass
class FeedResult:
    """What one feed page holds: its entries (as teasers) and its next page, if paged."""

    links: list[ArticleLink] = field(default_factory=list)
    next_page: str | None = None
    title: str | None = None
    truncated: bool = False  # it listed more than it was allowed to: the rest was not read


@dataclass
class SitemapResult:
    """What one sitemap holds: pages, or (a sitemap index) further sitemaps."""

    pages: list[SitemapEntry] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    truncated: bool = False  # it listed more than it was allowed to: the rest was not read


def detect_source(body: bytes, url: str = "", content_type: str = "") -> str | None:
    """Tell what a fetched body is by its content: one of the ``SOURCE_*`` kinds, or
    ``None`` for anything else (an HTML page, an image...).

    The root element decides for XML (a feed served as ``text/html`` or named ``.php`` is
    still a feed); gzip is recognised by its magic bytes. A robots.txt is recognised by
    its path, a plain-text sitemap by being nothing but http(s) URLs, one a line.
    """
    body = ungzip(body, limit=SNIFF_BYTES * 16) if body[:2] == GZIP_MAGIC else body
    head = body[:SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        for match in _ROOT_TAG_RE.finditer(head):
            name = match.group(2).lower()
            if name in _ROOT_KINDS:
                return _ROOT_KINDS[name]
            return None  # the first element is something else (html, svg...)
        return None
    path = re.sub(r"[?#].*", "", url).lower()
    if path.endswith("/robots.txt"):
        return SOURCE_ROBOTS
    if "html" not in content_type.lower() and is_url_list(head.decode("utf-8", "replace")):
        return SOURCE_SITEMAP
    return None


def is_url_list(text: str) -> bool:
    """A plain-text sitemap: every non-blank line is one http(s) URL (the last line may be
    cut off by the sniffing window)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return bool(lines) and all(re.fullmatch(r"https?://\S+", line, re.I) for line in lines[:-1] or lines)


def ungzip(body: bytes, limit: int = MAX_SOURCE_BYTES) -> bytes:
    """Inflate a gzipped body, at most ``limit`` bytes of it; a body that is not gzip (a
    server that already undid it) comes back as it was."""
    if body[:2] != GZIP_MAGIC:
        return body
    out = io.BytesIO()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as handle:
            while out.tell() < limit:
                chunk = handle.read(min(65536, limit - out.tell()))
                if not chunk:
                    break
                out.write(chunk)
    except (OSError, EOFError, zlib.error):
        pass  # a truncated download: keep what inflated
    return out.getvalue()


# --------------------------------------------------------------------------- XML


XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"


def iter_xml(body: bytes):
    """Parse an untrusted XML body (gzipped or not) as a stream: ``(event, element,
    parent)`` for each element's ``start`` and ``end``. No entities, no network, broken
    markup recovered; at most ``MAX_SOURCE_BYTES`` inflated; a body broken past repair
    ends where it breaks. Callers ``forget`` what they have read."""
    with open_inflated(body) as stream:
        events = lxml.etree.iterparse(
            stream, events=("start", "end"), recover=True, resolve_entities=False, no_network=True,
            remove_comments=True, remove_pis=True, huge_tree=False,
        )
        try:
            for event, element in events:
                yield event, element, element.getparent()
        except lxml.etree.XMLSyntaxError:
            return


def forget(element) -> None:
    """Drop an element that has been read, and its earlier siblings, from the tree being
    parsed: the tree then never holds more than the entry at hand."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    while parent is not None and element.getprevious() is not None:
        del parent[0]


def local_name(element) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.rsplit("}", 1)[-1].split(":")[-1].lower()


def children(element, name: str) -> list:
    return [child for child in element if local_name(child) == name]


def child_text(element, *names: str) -> str | None:
    """The text of the first child element named one of ``names`` (in that order)."""
    for name in names:
        for child in children(element, name):
            text = "".join(child.itertext()).strip()
            if text:
                return text
    return None


def resolve_link(href: str | None, base: str, hosts: Iterable[str] | None, page: bool = True) -> str | None:
    """Normalise ``href`` against ``base``; ``None`` unless on the hosts and (``page``) a
    followable page rather than a download."""
    if not href or not href.strip():
        return None
    try:
        url = normalise_url(href, base)
    except ValueError:
        return None
    if urlsplit(url).scheme not in ("http", "https") or (page and not is_followable(url)):
        return None
    if hosts is not None and not same_site(url, hosts):
        return None
    return url


# --------------------------------------------------------------------------- feeds


def parse_feed(body: bytes, url: str, allowed_hosts: Iterable[str] | None = None,
               max_entries: int = 0) -> FeedResult:
    """Read an RSS or Atom feed into teasers, as a stream (like a sitemap): each entry is
    dropped from the tree once read, and reading stops after ``max_entries``.

    Args:
        body: the feed as fetched (gzipped or not).
        url: where it was fetched from (relative links resolve against it, or the feed's
            ``xml:base``).
        allowed_hosts: hosts whose entries are kept (see ``urls.same_site``); ``None``
            keeps every host.
        max_entries: entries kept at most (0: all); past it the rest of the body is not
            read and ``truncated`` is set.

    Returns:
        A ``FeedResult``: entries in feed order, deduplicated, each an ``ArticleLink``;
        the feed's title and its next page (when they come before the cut).
    """
    hosts = list(allowed_hosts) if allowed_hosts is not None else None
    result = FeedResult()
    seen: set[str] = set()
    kind = ""
    base = url
    for event, element, parent in iter_xml(body):
        name = local_name(element)
        if event == "start":
            if parent is None:
                kind, base = name, element.get(XML_BASE) or url
            continue
        outer = parent is not None and (local_name(parent) == "channel" or parent.getparent() is None)
        if not outer:
            continue
        if name == ("entry" if kind == "feed" else "item"):
            link = read_entry(element, SOURCE_ATOM if kind == "feed" else kind, base, hosts)
            if link is not None and link.url not in seen:
                if max_entries and len(result.links) >= max_entries:
                    result.truncated = True
                    break
                seen.add(link.url)
                result.links.append(link)
        elif name == "title" and result.title is None:
            result.title = "".join(element.itertext()).strip() or None
        elif name == "link" and result.next_page is None and (element.get("rel") or "").lower() == "next":
            result.next_page = resolve_link(element.get("href"), base, hosts)
        if name != "channel":
            forget(element)
    return result


def read_entry(entry, kind: str, base: str, hosts) -> ArticleLink | None:
    """One ``<item>`` or ``<entry>`` as a teaser; ``None`` without an on-site link."""
    entry_base = entry.get("{http://www.w3.org/XML/1998/namespace}base") or base
    url = resolve_link(entry_link(entry, kind), entry_base, hosts)
    if url is None:
        return None
    title = child_text(entry, "title")
    summary = child_text(entry, "summary", "description", "content", "encoded")
    published = child_text(entry, "published", "pubdate", "issued", "date", "created", "updated", "modified")
    return ArticleLink(
        url=url,
        title=(plain_text(title) or None) if title else None,
        teaser=teaser_from(summary),
        published=parse_feed_date(published),
    )


def entry_link(entry, kind: str) -> str | None:
    """The address of the article an entry stands for."""
    # FeedBurner rewrites links to its own redirector and keeps the original here.
    original = child_text(entry, "origlink")
    if original:
        return original
    if kind == "atom":
        links = children(entry, "link")
        for link in links:
            if (link.get("rel") or "alternate").lower() == "alternate" and link.get("href"):
                if (link.get("type") or "text/html").lower() in ("text/html", "application/xhtml+xml"):
                    return link.get("href")
        for link in links:
            if (link.get("rel") or "alternate").lower() == "alternate" and link.get("href"):
                return link.get("href")
        return None
    link = child_text(entry, "link")
    if link:
        return link
    # RSS 1.0 names the item by rdf:about; some RSS 2.0 feeds only have a permalink guid.
    about = entry.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about")
    if about:
        return about
    for guid in children(entry, "guid"):
        if (guid.get("isPermaLink") or "true").lower() == "true" and (guid.text or "").strip().startswith("http"):
            return guid.text.strip()
    return None


def plain_text(markup: str) -> str:
    """Feed text with its HTML markup stripped and whitespace collapsed."""
    if "<" not in markup and "&" not in markup:
        return collapse_space(markup)
    try:
        fragment = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return collapse_space(re.sub(r"<[^>]+>", " ", markup))
    for element in fragment.xpath(".//script|.//style"):
        element.drop_tree()
    return collapse_space(" ".join(fragment.itertext()))


def teaser_from(summary: str | None) -> str | None:
    """A feed summary as teaser text: markup gone, and a whole article cut to a teaser."""
    if not summary:
        return None
    text = plain_text(summary)
    # WordPress ends excerpts with "[…]" or "Continue reading →": not part of the teaser.
    text = re.sub(r"\s*(\[(?:…|\.\.\.|&hellip;)\]|(?:continue reading|read more)\b.*)$", "", text, flags=re.I)
    if len(text) > MAX_FEED_TEASER_CHARS:
        cut = text[:MAX_FEED_TEASER_CHARS].rsplit(" ", 1)[0]
        text = cut.rstrip(",;:") + " …"
    return text or None


# --------------------------------------------------------------------------- sitemaps


def parse_sitemap(body: bytes, url: str, allowed_hosts: Iterable[str] | None = None,
                  max_urls: int = 0) -> SitemapResult:
    """Read an XML sitemap, sitemap index or plain-text sitemap (gzipped or not).

    The body is read as a stream (``iter_sitemap``): a sitemap of a million URLs costs
    the entries kept, not a tree of the whole document.

    Args:
        body: the sitemap as fetched.
        url: where it was fetched from.
        allowed_hosts: hosts whose pages and sitemaps are kept; ``None`` keeps all.
        max_urls: distinct pages and sitemaps kept at most (0: all); past it the rest of
            the body is not read and ``truncated`` is set.

    Returns:
        A ``SitemapResult``: the pages it lists, or the sitemaps an index lists, in order
        and deduplicated.
    """
    pages: dict[str, SitemapEntry] = {}
    sitemaps: dict[str, None] = {}
    result = SitemapResult()
    for entry in iter_sitemap(body, url, allowed_hosts):
        if entry.url in (sitemaps if entry.is_sitemap else pages):
            continue
        if max_urls and len(pages) + len(sitemaps) >= max_urls:
            result.truncated = True
            break
        if entry.is_sitemap:
            sitemaps[entry.url] = None
        else:
            pages[entry.url] = entry
    result.pages, result.sitemaps = list(pages.values()), list(sitemaps)
    return result


def iter_sitemap(body: bytes, url: str, allowed_hosts: Iterable[str] | None = None) -> Iterator[SitemapEntry]:
    """The entries of a sitemap one at a time, as its body is inflated and parsed: pages
    (``<urlset>`` or plain text) or, for a ``<sitemapindex>``, sitemaps (``is_sitemap``).
    At most ``MAX_SOURCE_BYTES`` of the inflated body are read; a truncated or broken
    body yields what came before the break."""
    hosts = list(allowed_hosts) if allowed_hosts is not None else None
    with open_inflated(body, SNIFF_BYTES) as sniff:
        is_xml = sniff.read().lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")
    if is_xml:
        yield from iter_xml_sitemap(body, url, hosts)
        return
    with open_inflated(body) as stream:
        for line in io.TextIOWrapper(stream, "utf-8", errors="replace"):
            page = resolve_link(line.strip(), url, hosts)
            if page:
                yield SitemapEntry(page)


def iter_xml_sitemap(body: bytes, url: str, hosts: list[str] | None) -> Iterator[SitemapEntry]:
    """The entries of an XML sitemap, each element dropped once read."""
    kind = ""
    for event, element, parent in iter_xml(body):
        if parent is None:
            if event == "start":
                kind = local_name(element)
            continue
        if event != "end" or parent.getparent() is not None:
            continue
        entry = read_sitemap_entry(element, kind, url, hosts)
        forget(element)
        if entry is not None:
            yield entry


def read_sitemap_entry(element, kind: str, url: str, hosts) -> SitemapEntry | None:
    """One ``<url>`` of a ``<urlset>`` or ``<sitemap>`` of a ``<sitemapindex>``."""
    name = local_name(element)
    index = kind == "sitemapindex"
    if (index and name != "sitemap") or (kind == "urlset" and name != "url") or kind not in ("urlset", "sitemapindex"):
        return None
    # a sitemap may be gzipped (.xml.gz), a page may not be a download
    location = resolve_link(child_text(element, "loc"), url, hosts, page=not index)
    if location is None:
        return None
    if index:
        return SitemapEntry(location, is_sitemap=True)
    news = next(iter(children(element, "news")), None)
    title = published = None
    if news is not None:
        title = child_text(news, "title")
        published = parse_date(child_text(news, "publication_date") or "")
    lastmod = parse_date(child_text(element, "lastmod") or "") or published
    return SitemapEntry(location, lastmod, title, published)


class Inflated(io.RawIOBase):
    """A body as a stream, gzip undone (stacked gzip too, as ``gzip`` reads members),
    ending after ``limit`` bytes or where a truncated or broken gzip stream stops."""

    def __init__(self, body: bytes, limit: int):
        self.source = gzip.GzipFile(fileobj=io.BytesIO(body)) if body[:2] == GZIP_MAGIC else io.BytesIO(body)
        self.left = limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.left <= 0:
            return 0
        try:
            chunk = self.source.read(min(len(buffer), self.left, 65536))
        except (OSError, EOFError, zlib.error):
            chunk = b""  # a truncated download: what inflated so far is all there is
        buffer[:len(chunk)] = chunk
        self.left -= len(chunk)
        if not chunk:
            self.left = 0
        return len(chunk)

    def close(self) -> None:
        self.source.close()
        super().close()


def open_inflated(body: bytes, limit: int | None = None) -> io.BufferedReader:
    """``body`` (gzipped or not) as a buffered stream of at most ``limit`` (by default
    ``MAX_SOURCE_BYTES``) inflated bytes."""
    return io.BufferedReader(Inflated(body, MAX_SOURCE_BYTES if limit is None else limit))


def parse_robots_sitemaps(text: str, url: str, allowed_hosts: Iterable[str] | None = None) -> list[str]:
    """The sitemaps a robots.txt names in its ``Sitemap:`` lines (any group, any case)."""
    return list(iter_robots_sitemaps(text, url, allowed_hosts))


def iter_robots_sitemaps(text: str, url: str, allowed_hosts: Iterable[str] | None = None) -> Iterator[str]:
    """The same, one at a time (a caller that takes a few does not resolve them all)."""
    hosts = list(allowed_hosts) if allowed_hosts is not None else None
    seen: set[str] = set()
    for match in _ROBOTS_SITEMAP_RE.finditer(text):
        found = resolve_link(match.group(1), url, hosts, page=False)
        if found and found not in seen:
            seen.add(found)
            yield found


def well_known_sources(front_url: str) -> list[str]:
    """The URLs ``--discover`` asks a site for, besides the front page itself: robots.txt
    (for its Sitemap: lines), then ``WELL_KNOWN_SOURCE_PATHS``, all on the front page's
    scheme and host."""
    return [normalise_url(path, front_url) for path in ("/robots.txt", *WELL_KNOWN_SOURCE_PATHS)]
