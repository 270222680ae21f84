"""Page discovery: what one fetched HTML page is, and which of its links to follow.

Pure: no network, no state. The spider calls ``analyse_page`` on every page it fetches and
routes on the result: ``kind == 'article'`` goes to extraction, ``article_links`` and
``next_pages`` and ``section_links`` are followed, ``continuation`` is fetched as the next
page of the same article.

How a page is read (the patterns and thresholds live in ``discovery/heuristics.py``; the
date parser, the JSON-LD reader, the canonical link and the byline words, shared with
extraction, in ``dates.py``, ``jsonld.py``, ``urls.canonical_href`` and ``bylines.py``):

1. Every ``<a href>`` is resolved, normalised and kept only if it is an http(s) page on
   the allowed hosts. Each link knows its region: site chrome (header, menus, footer),
   sidebar, pagination block, tag cloud, heading.
2. Pagination: ``rel=next/prev``, "Next"/"Older posts"/"Load more" texts in seven
   languages, numbered links in a pagination block, and links to another page number
   (``/page/3/``, ``?page=3``, ``/slug/2/``) of this very listing or article.
3. Teasers: for each link that may lead to an article, its *teaser block* is the largest
   element around it whose links all lead to that one article (the heading link, the
   image link and the "Read More" link of one card share one block; the list holding
   the cards does not). A link is an article link when it is a "Read More" link or a
   ``rel=bookmark`` permalink, a heading link in a short block, or the title standing
   alone on its line in one of several alike sibling blocks (same tag, same first
   class). Links to what is plainly no article (a section word, a tag, an author, the
   page itself in print or AMP view) never are.
4. The page kind weighs JSON-LD and Open Graph types, ``article:published_time``, the
   longest run of prose outside teaser blocks and whether the page's one ``<h1>`` leads
   it, CMS body classes, and the URL's shape; listing, taxonomy, people, search,
   account and site-information URLs, soft-404 pages and sign-in pages are never
   articles.
5. Sections: menu links to plain section paths and links named as categories anywhere
   (``/category/x/``, ``?cat=3``); never tags, authors, accounts, legal pages or '/'.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import lxml.etree
import lxml.html

from archive_spider.bylines import TEASER_BYLINE_RE
from archive_spider.dates import parse_date, without_dates
from archive_spider.discovery import heuristics as h
from archive_spider.jsonld import json_ld_documents
from archive_spider.urls import (
    URL_CACHE_SIZE,
    URL_SHAPE_CACHE_SIZE,
    canonical_href,
    is_followable,
    link_scheme,
    normalise_url,
    same_site,
)
from archive_spider.vocabulary import ArticleLink


@dataclass
class PageAnalysis:
    """What ``analyse_page`` found on one page; every URL absolute, normalised, on-site."""

    kind: str  # 'article' | 'index' | 'other'
    article_links: list[ArticleLink] = field(default_factory=list)
    next_pages: list[str] = field(default_factory=list)
    section_links: list[str] = field(default_factory=list)
    continuation: str | None = None
    canonical_url: str | None = None
    feeds: list[str] = field(default_factory=list)


@dataclass(eq=False)
class _Link:
    """One on-site ``<a href>`` (or ``<link rel=next/prev>``) with what its place says."""

    element: lxml.html.HtmlElement
    url: str
    text: str  # visible text, whitespace collapsed
    words: str  # lower case, arrows and punctuation stripped from both ends
    rel: frozenset[str]
    in_head: bool = False
    in_chrome: bool = False
    in_sidebar: bool = False
    in_pagination: bool = False
    in_tag_cloud: bool = False
    in_heading: bool = False
    has_image: bool = False
    # no text of its own, only a label (aria-label, title): a card's overlay link
    labelled: bool = False


@dataclass
class _Teaser:
    """The teaser blocks found for one article URL (usually one; old table layouts put
    the title and the "Read More" of one article in two rows)."""

    url: str
    blocks: list[lxml.html.HtmlElement]
    links: list[_Link]
    read_more: bool
    in_sidebar: bool

    @property
    def block(self) -> lxml.html.HtmlElement:
        return self.blocks[0]


def analyse_page(html: str, url: str, allowed_hosts: Iterable[str] | None = None, *,
                 tree: lxml.html.HtmlElement | None = None) -> PageAnalysis:
    """Tell what the page at ``url`` is and which of its links are worth following.

    Args:
        html: the page's HTML, decoded.
        url: the URL it was fetched from (after redirects).
        allowed_hosts: hosts whose links may be returned (see ``urls.same_site``);
            default: the page's own host.
        tree: ``html`` already parsed by extraction's loader (``extraction.loading``)
            from these very characters, so that the page is parsed once; discovery
            takes it over and changes it (the worker gives it a copy). Default: parse
            ``html`` here.

    Returns:
        A ``PageAnalysis``; all URLs in it are absolute, normalised, on the allowed hosts,
        deduplicated and in page order.
    """
    page_url = normalise_url(url)
    hosts = list(allowed_hosts) if allowed_hosts else [urlsplit(page_url).netloc]
    root = parse_html(html) if tree is None else without_comments(tree)
    if root is None:
        return PageAnalysis(kind="other")
    base = find_base_url(root, page_url)
    signals = read_metadata(root)
    remove_invisible(root)

    canonical = find_canonical_url(root, base, hosts)
    feeds = find_feeds(root, base, hosts)
    links = collect_links(root, base, hosts)
    own_urls = {page_url} | ({canonical} if canonical else set())
    own_base = page_base(page_url)

    pagination = [link for link in links if is_pagination_link(link, own_base)]
    # pagination links to other articles (WordPress' rel=prev/next between posts) may
    # still be article links; links to this listing's pages and to other listings not
    pagination_urls = {
        link.url for link in pagination
        if page_base(link.url) == own_base or not is_article_shaped_url(link.url)
    }
    teasers = find_teasers(links, own_urls, own_base, pagination_urls)

    analysis = PageAnalysis(classify_page(root, page_url, signals, teasers, pagination),
                            canonical_url=canonical, feeds=feeds)
    if analysis.kind == "article":
        analysis.continuation = find_continuation(pagination, page_url, own_urls)
    else:
        analysis.next_pages = unique(link.url for link in pagination if link.url not in own_urls)

    skip = own_urls | set(analysis.next_pages) | ({analysis.continuation} if analysis.continuation else set())
    analysis.article_links = [describe_teaser(t) for t in teasers if t.url not in skip]
    taken = skip | {a.url for a in analysis.article_links} | pagination_urls
    analysis.section_links = find_section_links(links, taken, own_base)
    return analysis


# --------------------------------------------------------------------------- parsing


def parse_html(html: str) -> lxml.html.HtmlElement | None:
    """Parse ``html`` into an lxml tree; ``None`` for an empty document."""
    if not html or not html.strip():
        return None
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        return lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=parser)
    except (lxml.etree.ParserError, ValueError):
        return None


def without_comments(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """``tree`` (parsed keeping comments and processing instructions, as extraction
    parses) without them, their tails kept: the tree ``parse_html`` makes."""
    lxml.etree.strip_tags(tree, lxml.etree.Comment, lxml.etree.ProcessingInstruction)
    return tree


def find_base_url(root: lxml.html.HtmlElement, page_url: str) -> str:
    """The URL relative links resolve against: ``<base href>`` if any, else the page URL."""
    for href in root.xpath("//base/@href"):
        try:
            return normalise_url(href, page_url)
        except ValueError:
            break
    return page_url


def remove_invisible(root: lxml.html.HtmlElement) -> None:
    """Drop scripts, styles and other elements whose text no reader sees."""
    for element in root.xpath("|".join(f"//{tag}" for tag in h.INVISIBLE_TAGS)):
        element.drop_tree()


def resolve(href: str | None, base: str, hosts: list[str]) -> str | None:
    """Normalise ``href`` against ``base``; ``None`` unless it is a followable on-site page."""
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    # Menus, sidebars and footers repeat the same links on every page of a site: a link
    # written from the site's root, or whole, resolves alike against any page of it.
    if href.startswith("/") and not href.startswith("//"):
        parts = urlsplit(base)
        base = f"{parts.scheme}://{parts.netloc}/"
    elif link_scheme(href):
        base = ""
    return _resolve(href, base, tuple(hosts))


@functools.lru_cache(maxsize=URL_CACHE_SIZE)
def _resolve(href: str, base: str, hosts: tuple[str, ...]) -> str | None:
    if link_scheme(href) in h.UNFOLLOWABLE_SCHEMES:
        return None
    try:
        url = normalise_url(href, base)
    except ValueError:
        return None
    if not is_followable(url) or not same_site(url, hosts):
        return None
    if h.NOT_A_PAGE_PATH_RE.search(urlsplit(url).path):
        return None
    return url


def visible_text(element: lxml.html.HtmlElement) -> str:
    """The text of ``element`` a sighted reader sees, whitespace collapsed."""
    if not len(element) and isinstance(element.tag, str):  # no children: most links
        if h.HIDDEN_TEXT_CLASS_RE.search(element.get("class", "")) or element.get("hidden") is not None:
            return ""
        return collapse_space(element.text or "")
    return " ".join(text_lines(element))


def text_lines(
    element: lxml.html.HtmlElement, skip: Callable[[lxml.html.HtmlElement], bool] | None = None
) -> list[str]:
    """The visible text of ``element`` split where block-level elements start and end.

    Hidden text (``screen-reader-text``, ``hidden``) is left out, and so is every element
    for which ``skip`` returns true (with what it holds; it still ends a line).
    """
    lines: list[str] = []
    current: list[str] = []

    def end_line() -> None:
        text = collapse_space("".join(current))
        current.clear()
        if text:
            lines.append(text)

    def walk(node: lxml.html.HtmlElement) -> None:
        if not isinstance(node.tag, str):
            return
        names = node.get("class")
        if (names and h.HIDDEN_TEXT_CLASS_RE.search(names)) or node.get("hidden") is not None:
            return
        if skip is not None and skip(node):
            end_line()
            return
        block = node.tag in h.BLOCK_TAGS
        if block:
            end_line()
        current.append(node.text or "")
        for child in node:
            walk(child)
            current.append(child.tail or "")
        if block:
            end_line()

    walk(element)
    end_line()
    return lines


def collapse_space(text: str) -> str:
    # str.split() splits on exactly what \s matches (no-break spaces included), in C
    return " ".join(text.split())


def clean_link_text(text: str) -> str:
    """Lower-case ``text`` and strip arrows, quotes and punctuation from both ends."""
    return re.sub(r"^[\W_]+|[\W_]+$", "", text.lower()).strip()


# --------------------------------------------------------------------------- metadata


@dataclass
class _Metadata:
    schema_types: set[str] = field(default_factory=set)  # lower-cased main-entity types
    og_type: str = ""
    has_published_time: bool = False


def read_metadata(root: lxml.html.HtmlElement) -> _Metadata:
    """Read JSON-LD types, ``og:type`` and ``article:published_time`` (before scripts go)."""
    meta = _Metadata()
    for item in json_ld_documents(root):
        meta.schema_types |= main_entity_types(item)
    for element in root.xpath("//meta[@property or @name]"):
        name = (element.get("property") or element.get("name") or "").strip().lower()
        content = (element.get("content") or "").strip().lower()
        if name == "og:type":
            meta.og_type = content
        elif name in ("article:published_time", "og:article:published_time") and content:
            meta.has_published_time = True
    return meta


def main_entity_types(item: object) -> set[str]:
    """schema.org types of a JSON-LD object, its ``@graph`` and its ``mainEntity``.

    Types nested elsewhere (an ``ItemList``'s elements, an author) say nothing about the
    page and are ignored.
    """
    if not isinstance(item, dict):
        return set()
    found: set[str] = set()
    types = item.get("@type")
    for value in types if isinstance(types, list) else [types]:
        if isinstance(value, str):
            found.add(value.rsplit("/", 1)[-1].lower())
    for key in ("@graph", "mainEntity", "mainEntityOfPage"):
        nested = item.get(key)
        for sub in nested if isinstance(nested, list) else [nested]:
            found |= main_entity_types(sub)
    return found


def find_canonical_url(root: lxml.html.HtmlElement, base: str, hosts: list[str]) -> str | None:
    """``<link rel=canonical>``, normalised, if it is on the allowed hosts."""
    return resolve(canonical_href(root), base, hosts)


def find_feeds(root: lxml.html.HtmlElement, base: str, hosts: list[str]) -> list[str]:
    """RSS and Atom feeds announced with ``<link rel=alternate type=...>``."""
    feeds = []
    for element in root.xpath("//link[@href]"):
        kind = (element.get("type") or "").strip().lower()
        if "alternate" in rel_values(element) and kind in h.FEED_TYPES:
            url = resolve(element.get("href"), base, hosts)
            if url:
                feeds.append(url)
    return unique(feeds)


def rel_values(element: lxml.html.HtmlElement) -> frozenset[str]:
    return frozenset((element.get("rel") or "").lower().split())


# --------------------------------------------------------------------------- links


def collect_links(root: lxml.html.HtmlElement, base: str, hosts: list[str]) -> list[_Link]:
    """Every on-site, followable link of the page, in page order, with its region."""
    links = []
    regions: dict = {}
    for element in root.xpath("//head/link[@href]"):
        rel = rel_values(element)
        if rel & {"next", "prev", "previous"}:
            url = resolve(element.get("href"), base, hosts)
            if url:
                links.append(_Link(element, url, "", "", rel, in_head=True))
    for element in root.xpath("//body//a[@href][not(@download)] | //body//area[@href]"):
        url = resolve(element.get("href"), base, hosts)
        if not url:
            continue
        text = visible_text(element)
        link = _Link(element, url, text, clean_link_text(text), rel_values(element))
        link.has_image = next(element.iter("img", "picture"), None) is not None
        if not text:  # an image link, or an icon: what it says to a screen reader
            alt = " ".join(element.xpath(".//img/@alt"))
            link.text = collapse_space(alt or element.get("aria-label") or element.get("title") or "")
            link.labelled = bool(link.text) and not link.has_image
        mark_regions(link, regions)
        links.append(link)
    return links


@dataclass(frozen=True)
class _Region:
    """Where an element sits on the page, from its ancestors and itself."""

    in_content: bool = False  # inside <article>/<main>: its header and footer are not chrome
    in_chrome: bool = False
    in_sidebar: bool = False
    in_pagination: bool = False
    in_tag_cloud: bool = False
    in_heading: bool = False


def class_and_id(element: lxml.html.HtmlElement) -> str:
    """``element``'s class and id, space-separated, for the region patterns."""
    names, ident = element.get("class"), element.get("id")
    return f"{names or ''} {ident or ''}" if names or ident else ""


def region_of(element: lxml.html.HtmlElement, cache: dict) -> _Region:
    """The region of ``element`` (itself included), memoised in ``cache`` per element."""
    if element in cache:
        return cache[element]
    parent = element.getparent()
    outer = region_of(parent, cache) if parent is not None else _Region()
    tag = element.tag if isinstance(element.tag, str) else ""
    classes = class_and_id(element)
    role = (element.get("role") or "").lower()
    # inside <article>, <section>, <aside> or <main>, a header or footer is that
    # block's own; so is one that a class names as a post's, card's or teaser's
    # (not <body class="single-post">: that says what the page is, not where)
    parent_classes = ""
    if parent is not None and parent.tag not in ("body", "html"):
        parent_classes = class_and_id(parent)
    named_content = tag not in ("body", "html") and bool(h.CONTENT_CLASS_RE.search(classes))
    in_content = (
        outer.in_content or tag in h.CONTENT_TAGS or role == "main" or named_content
        or bool(h.CONTENT_CLASS_RE.search(parent_classes))
    )
    chrome = tag == "nav" or role in h.CHROME_ROLES or (
        not in_content and (tag in h.CHROME_TAGS or bool(h.CHROME_CLASS_RE.search(classes)))
    )
    region = _Region(
        in_content=in_content,
        in_chrome=outer.in_chrome or chrome,
        in_sidebar=outer.in_sidebar or tag == "aside" or bool(h.SIDEBAR_CLASS_RE.search(classes)),
        in_pagination=outer.in_pagination or bool(h.PAGINATION_CLASS_RE.search(classes)),
        in_tag_cloud=outer.in_tag_cloud or bool(h.TAG_CLOUD_CLASS_RE.search(classes)),
        in_heading=outer.in_heading or tag in h.HEADING_TAGS,
    )
    cache[element] = region
    return region


def mark_regions(link: _Link, cache: dict) -> None:
    """Set the region flags of ``link`` from its ancestors."""
    parent = link.element.getparent()
    region = region_of(parent, cache) if parent is not None else _Region()
    link.in_chrome = region.in_chrome
    link.in_sidebar = region.in_sidebar
    link.in_pagination = region.in_pagination
    link.in_tag_cloud = region.in_tag_cloud
    link.in_heading = region.in_heading or next(link.element.iter(*h.HEADING_TAGS), None) is not None


# --------------------------------------------------------------------------- URL shapes


@functools.lru_cache(maxsize=URL_SHAPE_CACHE_SIZE)
def document_url(url: str) -> str:
    """``url`` without what only selects a view of the same document (print, AMP, reply)."""
    parts = urlsplit(url)
    path = h.VIEW_PATH_SUFFIX_RE.sub("/", parts.path)
    query = "&".join(
        pair for pair in parts.query.split("&")
        if pair and pair.split("=", 1)[0].lower() not in h.VIEW_QUERY_PARAMS
    )
    return urlunsplit((parts.scheme, parts.netloc, path.rstrip("/") or "/", query, ""))


@functools.lru_cache(maxsize=URL_SHAPE_CACHE_SIZE)
def page_base(url: str) -> str:
    """``url`` without its page number: the listing or article it is one page of.

    ``/category/x/page/3/``, ``/category/x/?page=3`` and ``/category/x/`` share one base;
    so do ``/essays/slug/2/`` and ``/essays/slug/``.
    """
    parts = urlsplit(url)
    path = h.PAGE_PATH_RE.sub("/", parts.path)
    match = h.PAGE_NUMBER_SEGMENT_RE.search(path)
    if match and is_article_shaped_path(path[: match.start()] + "/"):
        path = path[: match.start()] + "/"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in h.PAGE_QUERY_PARAMS]
    query_text = "&".join(f"{k}={v}" for k, v in query)
    return urlunsplit((parts.scheme, parts.netloc, path.rstrip("/") or "/", query_text, ""))


@functools.lru_cache(maxsize=URL_SHAPE_CACHE_SIZE)
def page_number(url: str) -> int | None:
    """The page number written in ``url`` (``/page/3/``, ``?page=3``, ``/slug/3/``), if any."""
    parts = urlsplit(url)
    match = h.PAGE_PATH_RE.search(parts.path)
    if match:
        return int(match.group(1))
    for key, value in parse_qsl(parts.query):
        if key.lower() in h.PAGE_QUERY_PARAMS - {"start", "offset"} and value.isdigit():
            return int(value)
    match = h.PAGE_NUMBER_SEGMENT_RE.search(parts.path)
    if match and is_article_shaped_path(parts.path[: match.start()] + "/"):
        return int(match.group(1))
    return None


def following_page(next_pages: list[str], page_url: str) -> str | None:
    """Of an index page's pagination links, the one to the page right after it (page
    N+1 of the same listing, or the nearest later page), when the URLs say; else None.

    A listing read page by page stops where it stops bringing anything new; following
    every numbered link at once ("1 2 3 ... 150") would read it all."""
    own_base = page_base(page_url)
    current = page_number(page_url) or 1
    later = [(number, url) for url in next_pages
             if page_base(url) == own_base and (number := page_number(url)) is not None and number > current]
    return min(later)[1] if later else None


def is_article_shaped_path(path: str) -> bool:
    return bool(h.ARTICLE_PATH_RE.search(path)) and not h.NON_ARTICLE_PATH_RE.search(path)


@functools.lru_cache(maxsize=URL_SHAPE_CACHE_SIZE)
def is_non_article_url(url: str) -> bool:
    """Listing, taxonomy, people, search, account or site-information pages (and '/')."""
    if is_page_of_article(url):
        return False
    parts = urlsplit(url)
    if parts.path in ("", "/") and not h.ARTICLE_QUERY_RE.search(parts.query):
        return True
    if h.NON_ARTICLE_PATH_RE.search(parts.path):
        return True
    params = {key.lower() for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
    return bool(params & h.NON_ARTICLE_QUERY_PARAMS)


@functools.lru_cache(maxsize=URL_SHAPE_CACHE_SIZE)
def is_page_of_article(url: str) -> bool:
    """Page 2+ of one article: ``/essays/slug/2/``, ``/2024/05/slug/page/3/``, ``?id=12&page=2``."""
    if page_number(url) is None:
        return False
    return is_article_shaped_url(page_base(url))


@functools.lru_cache(maxsize=URL_SHAPE_CACHE_SIZE)
def is_article_shaped_url(url: str) -> bool:
    """A date-and-slug path, a slug of several words, an id, or ``article.php?id=12``."""
    if is_non_article_url(url):
        return False
    parts = urlsplit(url)
    return bool(h.ARTICLE_PATH_RE.search(parts.path) or h.ARTICLE_QUERY_RE.search(parts.query))


def is_section_like_url(url: str) -> bool:
    """One plain word as the whole path (``/science/``): a section, not an article."""
    parts = urlsplit(url)
    return not parts.query and bool(re.fullmatch(r"/[a-z]+/?", parts.path, re.I))


# --------------------------------------------------------------------------- pagination


def is_pagination_link(link: _Link, own_base: str) -> bool:
    """Whether ``link`` leads to another page of this listing (or article)."""
    if link.rel & {"next", "prev", "previous"}:
        return True
    same_listing = page_base(link.url) == own_base
    words = link.words
    raw = link.text.strip()
    if link.in_tag_cloud:
        return False
    if not words and not link.in_pagination and is_inline_symbol(link):
        return False  # "… text of the excerpt »": a "Read more", not the next page
    if is_next_text(words, raw) or is_previous_text(words, raw) or h.LOAD_MORE_RE.match(words):
        # "More stories" under a block may lead to its section (/woodwork/): a listing,
        # but not this one
        return same_listing or link.in_pagination or page_number(link.url) is not None or not (
            is_article_shaped_url(link.url) or is_section_like_url(link.url)
        )
    if words.isdigit() and len(words) <= 4:
        return same_listing or link.in_pagination
    return same_listing and page_number(link.url) is not None and not link.in_chrome


def is_inline_symbol(link: _Link) -> bool:
    """A symbol link ("»") that ends a sentence of other text, as Ghost's read-more does."""
    parent = link.element.getparent()
    if parent is None or parent.tag not in h.BLOCK_TAGS:
        return False
    return len(visible_text(parent)) > len(link.text) + h.MAX_TITLE_EXTRA_CHARS


def is_next_text(words: str, raw: str) -> bool:
    """"Next", "Older posts", "Nächste Seite", "Next 10", "»"..."""
    if words:
        return bool(h.NEXT_PAGE_RE.match(words) or h.NEXT_PAGE_RE.match(without_counts(words)))
    return raw in h.NEXT_SYMBOLS


def is_previous_text(words: str, raw: str) -> bool:
    if words:
        return bool(h.PREVIOUS_PAGE_RE.match(words) or h.PREVIOUS_PAGE_RE.match(without_counts(words)))
    return raw in h.PREVIOUS_SYMBOLS


def without_counts(words: str) -> str:
    """"next 10", "next page (2 of 5)" -> "next", "next page"."""
    return collapse_space(h.PAGE_COUNT_RE.sub(" ", words))


def find_continuation(pagination: list[_Link], page_url: str, own_urls: set[str]) -> str | None:
    """The next page of this article: a pagination link to page N+1 of the same article."""
    own_base = page_base(page_url)
    current = page_number(page_url) or 1
    candidates = [
        link for link in pagination if link.url not in own_urls and page_base(link.url) == own_base
    ]
    for test in (
        lambda link: "next" in link.rel,
        lambda link: page_number(link.url) == current + 1,
        lambda link: is_next_text(link.words, link.text.strip()),
    ):
        for link in candidates:
            if test(link) and (page_number(link.url) or 1) > current:
                return link.url
    return None


# --------------------------------------------------------------------------- teasers


def is_read_more_text(words: str, raw: str) -> bool:
    """"Read more", "Continue reading", "Weiterlesen", "…" and the like."""
    if not words:
        return bool(raw) and bool(h.READ_MORE_SYMBOLS_RE.match(raw))
    return bool(h.READ_MORE_RE.match(words)) or words in h.READ_MORE_WORDS


def may_lead_to_article(link: _Link, own_urls: set[str], own_base: str, pagination_urls: set[str]) -> bool:
    """Whether ``link`` is a candidate for an article link (before its block is judged)."""
    if link.in_head or link.in_chrome or link.in_tag_cloud:
        return False
    if link.url in own_urls or link.url in pagination_urls or page_base(link.url) == own_base:
        return False
    if document_url(link.url) in {document_url(url) for url in own_urls}:  # print, AMP views
        return False
    if is_page_of_article(link.url):  # page 2 of an article is archived with its page 1
        return False
    if is_non_article_url(link.url) or link.rel & h.NON_ARTICLE_RELS:
        return False
    read_more = is_read_more_text(link.words, link.text.strip())
    # a one-word path is a section's, unless a bare "Read more" or "»" leads there
    # (/winspector/); "Read more garden stories" leads to a section all the same
    if is_section_like_url(link.url) and not (read_more and (not link.words or link.words in h.READ_MORE_WORDS)):
        return False
    if read_more or is_article_shaped_url(link.url):
        return True
    if "bookmark" in link.rel:  # the permalink of a post
        return True
    # a plain-word path (/world/europe/) behind a word or two is a kicker or a section;
    # behind a whole title it may be an article with a short slug (/blog/hello/)
    return link.has_image or len(link.text.split()) >= h.MIN_WEAK_URL_TITLE_WORDS


def find_teasers(
    links: list[_Link], own_urls: set[str], own_base: str, pagination_urls: set[str]
) -> list[_Teaser]:
    """The teaser blocks of the page, one per article URL, in page order."""
    candidates = [link for link in links if may_lead_to_article(link, own_urls, own_base, pagination_urls)]
    # element -> the URLs of the candidate links in it (the links themselves included)
    targets: dict[lxml.html.HtmlElement, set[str]] = {}
    for link in candidates:
        for element in (link.element, *link.element.iterancestors()):
            targets.setdefault(element, set()).add(link.url)

    blocks: dict[int, lxml.html.HtmlElement] = {}
    for link in candidates:
        blocks[id(link)] = teaser_block(link, targets)

    # sibling blocks of one kind under one parent: the repeated structure of a listing
    repeated: dict[tuple, set[str]] = {}
    for link in candidates:
        block = blocks[id(link)]
        if stands_alone(link, block) and is_title_like(link, block):
            repeated.setdefault(block_kind(block), set()).add(link.url)

    teasers: dict[str, _Teaser] = {}
    for link in candidates:
        block = blocks[id(link)]
        read_more = is_read_more_text(link.words, link.text.strip())
        accepted = read_more or ("bookmark" in link.rel and is_title_like(link, block))
        group = repeated.get(block_kind(block), set())
        if not accepted and link.in_heading:
            accepted = len(group) >= 2 or len(visible_text(block)) <= h.MAX_SINGLE_TEASER_CHARS
        if not accepted and len(group) >= 2 and link.url in group:
            accepted = stands_alone(link, block) and is_title_like(link, block)
        if not accepted:
            continue
        teaser = teasers.get(link.url)
        if teaser is None:
            extra = text_after_title(block, link.url, targets) if block.tag in h.TITLE_ONLY_TAGS else []
            teasers[link.url] = _Teaser(link.url, [block, *extra], [link], read_more, link.in_sidebar)
            continue
        teaser.read_more = teaser.read_more or read_more
        if not any(is_inside(block, known) or is_inside(known, block) for known in teaser.blocks):
            teaser.blocks.append(block)
    for teaser in teasers.values():
        teaser.links = [
            link for link in candidates if link.url == teaser.url and any(is_inside(link.element, b) for b in teaser.blocks)
        ]
    return list(teasers.values())


def text_after_title(block: lxml.html.HtmlElement, url: str, targets: dict) -> list:
    """The siblings after a bare title that belong to its teaser, in flat listings.

    ``<h2><a>Title</a></h2><p>Teaser</p><p class=meta>May 3</p><h2>...`` has no element
    per teaser: its text is what follows the title up to the next title or other link.
    """
    found = []
    for sibling in block.itersiblings():
        if not isinstance(sibling.tag, str):
            continue
        if sibling.tag in h.TITLE_ONLY_TAGS or sibling.tag == "hr" or count_headings(sibling):
            break
        if targets.get(sibling, set()) - {url}:  # another teaser's link
            break
        found.append(sibling)
        if len(found) == h.MAX_SIBLINGS_AFTER_TITLE:
            break
    return found


def block_kind(block: lxml.html.HtmlElement) -> tuple:
    """What makes sibling blocks alike: parent, tag and first class name without digits.

    ``<article class="post-41 post ...">`` and ``<article class="post-38 post ...">`` are
    alike; a ``<div class="print">`` next to a ``<div class="topics">`` is not.
    """
    classes = (block.get("class") or "").split()
    first_class = re.sub(r"\d+", "", classes[0]).lower() if classes else ""
    return (block.getparent(), block.tag, first_class)


def teaser_block(link: _Link, targets: dict) -> lxml.html.HtmlElement:
    """The largest element around ``link`` whose candidate links all lead to its URL."""
    block = link.element
    headings = count_headings(block)
    for element in link.element.iterancestors():
        if element.tag in ("body", "html", "main") or targets.get(element, set()) != {link.url}:
            break
        # a block with its title does not grow over other headings (a page title, a
        # section heading): they belong to the page, not to this teaser
        more_headings = count_headings(element)
        if headings and more_headings > headings:
            break
        block, headings = element, more_headings
    return block


def count_headings(element: lxml.html.HtmlElement) -> int:
    """Headings in ``element``, itself included."""
    return sum(1 for _ in element.iter(*h.HEADING_TAGS))


def stands_alone(link: _Link, block: lxml.html.HtmlElement) -> bool:
    """Whether the link is a title on its own line, not a few words inside a sentence."""
    if link.in_heading or link.has_image:
        return True
    if link.labelled:  # no text of its own: an icon, or an empty link laid over a card
        return True
    # the link with the inline markup that holds only it: <strong><a>Title</a></strong>
    title = link.element
    parent = title.getparent()
    while (
        parent is not None and parent is not block and parent.tag not in h.BLOCK_TAGS
        and visible_text(parent) == link.text
    ):
        title, parent = parent, parent.getparent()
    container = parent
    while container is not None and container.tag not in h.BLOCK_TAGS and container is not block:
        container = container.getparent()
    if container is None:
        return False
    around = visible_text(container)
    if len(around) <= len(link.text) + h.MAX_TITLE_EXTRA_CHARS:
        return True
    # "Title<br>teaser text": first on its line
    following = title.getnext()
    tail = (title.tail or "").strip()
    return around.startswith(link.text) and not tail and following is not None and following.tag == "br"


def is_title_like(link: _Link, block: lxml.html.HtmlElement) -> bool:
    """A heading link, a link of a few words, or an image link in a block with a title."""
    if link.in_heading:
        return True
    if link.has_image:
        return bool(link.text) or count_headings(block) > 0
    if link.labelled and count_headings(block):  # a card's overlay link: the card has the title
        return True
    return len(link.text.split()) >= h.MIN_TITLE_WORDS


def is_inside(element: lxml.html.HtmlElement, block: lxml.html.HtmlElement) -> bool:
    return element is block or any(a is block for a in element.iterancestors())


def describe_teaser(teaser: _Teaser) -> ArticleLink:
    """Title, teaser text and date of one teaser block."""
    title = find_teaser_title(teaser)
    texts = (find_teaser_text(teaser, title, block) for block in teaser.blocks)
    dates = (find_teaser_date(block) for block in teaser.blocks)
    return ArticleLink(
        url=teaser.url,
        title=title,
        teaser=next((text for text in texts if text), None),
        published=next((found for found in dates if found), None),
    )


def find_teaser_title(teaser: _Teaser) -> str | None:
    """The teaser's heading, else its longest link text, else a short first line."""
    for link in teaser.links:
        heading = next((a for a in link.element.iterancestors() if a.tag in h.HEADING_TAGS), None)
        if link.element.tag in h.HEADING_TAGS:
            heading = link.element
        if heading is None:
            # an overlay link's card: its heading is the title, not the link's label
            inner = (teaser.block if link.labelled else link.element).xpath(".//h1|.//h2|.//h3|.//h4|.//h5|.//h6")
            heading = inner[0] if inner else None
        if heading is not None and heading_text(heading):
            return heading_text(heading)
    texts = [link.text for link in teaser.links if link.text and not is_navigation_text(link.words, link.text)]
    if texts:
        return max(texts, key=len)
    headings = teaser.block.xpath(".//h1|.//h2|.//h3|.//h4|.//h5|.//h6")
    if len(headings) == 1 and heading_text(headings[0]):
        return heading_text(headings[0])
    # no linked or heading title: a short first line above the text ("<b>Title</b><p>...")
    lines = [
        line for line in text_lines(teaser.block, is_teaser_metadata)
        if not is_dateline(line) and not TEASER_BYLINE_RE.match(line)
        and not is_read_more_text(clean_link_text(line), line)
    ]
    if len(lines) >= 2 and len(lines[0]) <= h.MAX_PLAIN_TITLE_CHARS:
        return lines[0]
    return None


def heading_text(heading: lxml.html.HtmlElement) -> str:
    """A heading's text without the labels in it ("<span class=kicker>Live</span>")."""
    return " ".join(text_lines(heading, lambda node: node is not heading and is_teaser_metadata(node)))


def is_navigation_text(words: str, raw: str) -> bool:
    """Link texts that say where a link goes, not what it is: "Read more", "Next post"."""
    return (
        is_read_more_text(words, raw) or is_next_text(words, raw) or is_previous_text(words, raw)
        or bool(h.ADJACENT_POST_RE.match(words))
    )


def is_teaser_metadata(node: lxml.html.HtmlElement) -> bool:
    """Dates, bylines, taxonomy and sharing inside a teaser block."""
    return node.tag in h.NON_TEASER_TAGS or bool(h.TEASER_META_CLASS_RE.search(node.get("class", "")))


def find_teaser_text(teaser: _Teaser, title: str | None, block: lxml.html.HtmlElement) -> str | None:
    """The teaser's own text: without its title, date, byline, taxonomy and "Read More"."""
    link_elements = {id(link.element) for link in teaser.links}

    def is_not_teaser_text(node: lxml.html.HtmlElement) -> bool:
        if node.tag in h.HEADING_TAGS or (node is not block and is_teaser_metadata(node)):
            return True
        if id(node) in link_elements:
            text = visible_text(node)
            return text == title or is_navigation_text(clean_link_text(text), text)
        return False

    segments = text_lines(block, is_not_teaser_text)
    kept = [
        s for s in segments
        if s != title and not is_dateline(s) and not TEASER_BYLINE_RE.match(s)
        and len(s.split()) >= h.MIN_TEASER_LINE_WORDS  # not a label: "Kitchen", "Video"
    ]
    text = collapse_space(" ".join(kept))
    text = re.sub(r"\s*(?:\[\s*(?:…|\.\.\.)\s*\]|…|\.\.\.)\s*$", "…", text) if text else text
    return text if len(text) >= h.MIN_TEASER_CHARS else None


def find_teaser_date(block: lxml.html.HtmlElement) -> str | None:
    """The date shown in a teaser block, as 'YYYY-MM-DD'.

    Machine-readable dates first (``<time datetime>``, ``itemprop=datePublished``), then
    date and byline elements, then a short line of the block that is mostly a date; a
    date inside the teaser's sentences ("On 3 May 1945...") is not its date.
    """
    for element in block.xpath(".//time | .//*[@itemprop='datePublished']"):
        for text in (element.get("datetime"), element.get("content"), visible_text(element)):
            found = parse_date(text or "")
            if found:
                return found
    for element in block.iter():
        if isinstance(element.tag, str) and h.TEASER_META_CLASS_RE.search(element.get("class", "")):
            found = parse_date(visible_text(element))
            if found:
                return found
    for line in text_lines(block):
        if is_dateline(line):
            return parse_date(line)
    # a date heading over the block (Blogger groups posts under "Friday, 3 May 2024")
    previous = block.getprevious()
    if previous is not None and isinstance(previous.tag, str) and is_dateline(visible_text(previous)):
        return parse_date(visible_text(previous))
    return None


def is_dateline(text: str) -> bool:
    """A short line around a date: "Posted on May 3, 2024 by Anna", "3. Mai 2024"."""
    if len(text) > h.MAX_DATELINE_CHARS or not parse_date(text):
        return False
    return len(clean_link_text(without_dates(text))) <= h.MAX_DATELINE_CHARS // 2


# --------------------------------------------------------------------------- page kind


def classify_page(
    root: lxml.html.HtmlElement,
    page_url: str,
    meta: _Metadata,
    teasers: list[_Teaser],
    pagination: list[_Link],
) -> str:
    """'article', 'index' or 'other', from every signal the page gives."""
    # bare lists of titles ("Other articles in this category") are what article pages
    # carry; a listing shows teaser blocks (a heading, a text, a "Read More")
    main_teasers = [t for t in teasers if not t.in_sidebar and not is_bare_title(t)]
    main_titles = [t for t in teasers if not t.in_sidebar and is_bare_title(t)]
    listing = (
        len(main_teasers) >= 2
        or any(t.read_more for t in main_teasers)
        or (bool(teasers) and any(not link.in_head for link in pagination))
        or len(main_titles) >= h.MIN_INDEX_TITLES  # an archive page: a long list of titles
    )
    fallback = "index" if listing else "other"
    if is_non_article_url(page_url):
        return fallback
    if meta.schema_types & h.NON_ARTICLE_SCHEMA_TYPES and not meta.schema_types & h.ARTICLE_SCHEMA_TYPES:
        return fallback
    if is_error_page(root):
        return "other"
    body_classes = " ".join(root.xpath("//body/@class"))
    if h.NON_ARTICLE_BODY_CLASS_RE.search(body_classes) and not h.ARTICLE_BODY_CLASS_RE.search(body_classes):
        return fallback
    prose_chars, prose_parent = measure_prose(root, [block for t in teasers for block in t.blocks])
    has_prose = prose_chars >= h.MIN_ARTICLE_PROSE_CHARS
    article_metadata = (
        bool(meta.schema_types & h.ARTICLE_SCHEMA_TYPES) or meta.og_type == "article" or meta.has_published_time
    )
    # a sign-in page; news sites also hide a sign-in form in every article's header,
    # hence only when nothing else says "article"
    if root.xpath("//input[@type='password']") and not article_metadata and prose_chars < h.LONG_ARTICLE_PROSE_CHARS:
        return fallback
    few_teasers = len(main_teasers) < h.MIN_INDEX_TEASERS
    if article_metadata and (has_prose or few_teasers):
        return "article"
    # the last page of a split article may be short and bare; its URL says what it is
    if is_page_of_article(page_url) and few_teasers and (has_prose or not listing):
        return "article"
    if is_section_like_url(page_url) and not few_teasers:
        return fallback  # /essays/: a section front, however long its introduction
    # prose longer than all teasers together: an article with a "More stories" grid, not
    # a listing with an introduction
    teaser_chars = sum(len(visible_text(t.block)) for t in main_teasers)
    prose_outweighs_teasers = few_teasers or prose_chars > teaser_chars
    if prose_chars >= h.LONG_ARTICLE_PROSE_CHARS and prose_outweighs_teasers:
        return "article"
    titles = root.xpath("//body//h1")
    if has_prose and len(titles) == 1 and leads_prose(titles[0], prose_parent, main_teasers):
        return "article"
    if has_prose and (len(titles) == 1 or is_article_shaped_url(page_url)) and prose_outweighs_teasers:
        return "article"
    return fallback


def is_error_page(root: lxml.html.HtmlElement) -> bool:
    """A "Page not found" page served with status 200 (soft 404)."""
    titles = root.xpath("//title") + root.xpath("//body//h1")
    return any(h.ERROR_PAGE_TITLE_RE.search(visible_text(title)) for title in titles[:3])


def leads_prose(title: lxml.html.HtmlElement, prose_parent, teasers: list[_Teaser]) -> bool:
    """Whether the page title and the prose form one unit with no teaser inside it."""
    if prose_parent is None:
        return False
    # elements, not id()s: lxml makes a new proxy (maybe with a reused id) for an
    # element nobody holds
    title_ancestors = set(title.iterancestors())
    if prose_parent in title_ancestors:
        common = prose_parent
    else:
        common = next((a for a in prose_parent.iterancestors() if a in title_ancestors), None)
    if common is None or common.tag in ("body", "html"):
        return False
    return not any(is_inside(block, common) for t in teasers for block in t.blocks)


def is_bare_title(teaser: _Teaser) -> bool:
    """A teaser block that is only its link's text: an entry of a list of titles."""
    if teaser.read_more or any(link.in_heading for link in teaser.links):
        return False
    titles = {link.text for link in teaser.links}
    return visible_text(teaser.block) in titles


def measure_prose(root: lxml.html.HtmlElement, teaser_blocks: list) -> tuple[int, lxml.html.HtmlElement | None]:
    """The longest run of prose under one parent, outside teaser blocks: (size, parent).

    A run is the paragraphs (``<p>``, ``<blockquote>``, ``<pre>`` with few links) that are
    children of one element plus that element's own loose text (old sites write
    ``text<br><br>text`` in a cell). Its size is in characters, CJK characters counted
    as several (they carry as much as a short word).
    """
    excluded = {id(block) for block in teaser_blocks}
    regions: dict = {}

    def in_teaser(element: lxml.html.HtmlElement) -> bool:
        if id(element) in excluded or any(id(a) in excluded for a in element.iterancestors()):
            return True
        region = region_of(element, regions)  # and not in menus, footers or sidebars
        return region.in_chrome or region.in_sidebar

    totals: dict[lxml.html.HtmlElement, int] = {}
    body = root.find("body")
    if body is None:
        return 0, None
    for element in body.iter():
        if not isinstance(element.tag, str) or element.tag in h.HEADING_TAGS:
            continue
        parent = element.getparent()
        if element.tag in h.PROSE_TAGS and parent is not None:
            text = visible_text(element)
            linked = sum(len(visible_text(a)) for a in element.iter("a"))
            if text and linked / len(text) <= h.MAX_PROSE_LINK_DENSITY and not in_teaser(element):
                totals[parent] = totals.get(parent, 0) + text_size(text)
        elif element.tag in h.LOOSE_PROSE_TAGS:
            loose = loose_text(element)
            if len(loose) >= h.MIN_LOOSE_PROSE_CHARS and not in_teaser(element):
                totals[element] = totals.get(element, 0) + text_size(loose)
    if not totals:
        return 0, None
    parent = max(totals, key=totals.__getitem__)
    return totals[parent], parent


def text_size(text: str) -> int:
    return len(text) + (h.CJK_CHAR_WEIGHT - 1) * len(h.CJK_RE.findall(text))


def loose_text(element: lxml.html.HtmlElement) -> str:
    """Text of ``element`` outside its block-level children (inline markup included)."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and child.tag not in h.BLOCK_TAGS and child.tag != "a":
            parts.append(child.text_content())
        parts.append(child.tail or "")
    return collapse_space("".join(parts))


# --------------------------------------------------------------------------- sections


def find_section_links(links: list[_Link], taken: set[str], own_base: str) -> list[str]:
    """Category and section listings linked from menus or named as such in their URL."""
    found = []
    # a URL the page marks rel=tag or rel=author anywhere is no section anywhere
    taken = taken | {
        link.url for link in links if link.rel & h.NON_ARTICLE_RELS and "category" not in link.rel
    }
    for link in links:
        if link.in_head or link.in_tag_cloud or link.url in taken or page_base(link.url) == own_base:
            continue
        parts = urlsplit(link.url)
        if parts.path in ("", "/") and not parts.query:
            continue  # the front page is where a crawl starts, not a section
        if h.SECTION_EXCLUDE_RE.search(parts.path) or page_number(link.url) is not None:
            continue
        named = bool(h.SECTION_PATH_RE.search(parts.path) or h.SECTION_QUERY_RE.search(parts.query))
        in_menu = link.in_chrome and not is_article_shaped_url(link.url) and not is_non_article_url(link.url)
        if named or (in_menu and parts.path.count("/") <= 3):
            found.append(link.url)
    return unique(found)


def unique(urls: Iterable[str]) -> list[str]:
    """``urls`` without repeats, first occurrence kept."""
    return list(dict.fromkeys(urls))
