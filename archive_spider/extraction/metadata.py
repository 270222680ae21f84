"""Article metadata from a parsed page: title, byline, dates, language, site, image, tags.

Sources are tried from the most deliberate to the most incidental: JSON-LD first, then
``<meta>`` tags, then the visible page (h1, byline elements, ``<time>``), and htmldate last
for the publication date.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any
from collections.abc import Callable, Iterator, Sequence
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from archive_spider.bylines import BYLINE_WORD_RE, strip_byline_prefix
from archive_spider.dates import first_machine_date, parse_machine_date
from archive_spider.jsonld import json_ld_documents
from archive_spider.urls import canonical_href

from . import heuristics as h
from .article import Article
from .text import normalize_space as normalize_text


def normalize_space(value: str) -> str:
    """Whitespace-normalise a metadata value and decode entities left in it ("&amp;")."""
    return normalize_text(html.unescape(value)) if "&" in value else normalize_text(value)

ARTICLE_TYPES = frozenset(
    {"article", "newsarticle", "blogposting", "reportagenewsarticle", "report", "posting",
     "socialmediaposting", "scholarlyarticle", "techarticle", "analysisnewsarticle",
     "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "liveblogposting",
     "webpage", "creativework", "review", "recipe", "howto", "medicalwebpage"}
)

META_TITLE_KEYS = ("dc:title", "dc.title", "dcterm:title", "dcterms.title", "dcterms:title",
                   "og:title", "twitter:title", "title", "parsely-title", "sailthru.title")
META_AUTHOR_KEYS = ("dc:creator", "dc.creator", "dcterm:creator", "dcterms.creator", "author",
                    "article:author", "og:article:author", "parsely-author",
                    "sailthru.author", "byl", "citation_author", "twitter:creator")
META_PUBLISHED_KEYS = ("article:published_time", "og:published_time", "datepublished",
                       "parsely-pub-date", "sailthru.date", "dc.date", "dcterms.date",
                       "dc.date.issued", "dcterms.created", "pubdate", "publishdate",
                       "publish-date", "date", "citation_publication_date", "article.published")
META_MODIFIED_KEYS = ("article:modified_time", "og:updated_time", "datemodified",
                      "dcterms.modified", "last-modified", "article.updated")

# <meta> keys that pages repeat, one value per tag
MULTI_VALUE_META_KEYS = frozenset({"article:tag", "article:author", "article:section"})

# Inside a byline, the element that holds just the name.
BYLINE_NAME_XPATH = (
    ".//*[@rel='author' or @itemprop='author' or @itemprop='name' or contains(@class, 'author')"
    " or contains(@class, 'name') or contains(concat(' ', @class, ' '), ' fn ')] | .//a"
)
# Links to an author's page ("/author/tess/", "author.php?id=7", "/auteur/claire/"): the
# last resort for bylines written without any markup.
AUTHOR_LINK_XPATH = (
    "//body//a[contains(@href, '/author') or contains(@href, 'author.') or contains(@href, 'author=')"
    " or contains(@href, '/auteur')"
    " or contains(@href, '/autor') or contains(@href, '/redacteur') or contains(@href, '/journalist')]"
)
HOME_PATH_RE = re.compile(r"^/?(index\.\w+)?$")
AUTHOR_MARKUP_XPATH = "//*[@rel='author' or @itemprop='author']"
BYLINE_XPATH = (
    "//*[@rel='author' or @itemprop='author' or contains(concat(' ', normalize-space(@class), ' '), ' byline ')"
    " or contains(@class, 'byline') or contains(@class, 'author') or contains(@id, 'byline')]"
)


@dataclass
class Metadata(Article):
    """What a page says about its article before its body is found: the metadata fields
    of ``Article`` (title, author, dates, language, site, canonical URL, image,
    description, tags; declared there, once), its body fields left empty, and JSON-LD's
    ``articleBody``, one candidate for the body."""

    article_body: str | None = None


def extract_metadata(tree: HtmlElement, url: str | None = None) -> Metadata:
    """Return the metadata of the page ``tree`` (parsed, not yet cleaned)."""
    linked = read_json_ld(tree)
    meta = read_meta_tags(tree)
    metadata = Metadata()
    metadata.site_name = first_text(linked.get("site_name"), meta.get("og:site_name"),
                                    meta.get("application-name"))
    metadata.title = extract_title(tree, linked, meta, metadata.site_name)
    metadata.author = extract_author(tree, linked, meta)
    metadata.published = first_machine_date(linked.get("datePublished"),
                                            *(meta.get(k) for k in META_PUBLISHED_KEYS),
                                            *read_time_elements(tree))
    metadata.modified = first_machine_date(linked.get("dateModified"),
                                           *(meta.get(k) for k in META_MODIFIED_KEYS))
    if metadata.published is None and sum(1 for _ in tree.iter()) <= h.MAX_ELEMENTS_FOR_FALLBACKS:
        metadata.published = guess_date(tree, url)
    metadata.lang = extract_language(tree, meta, linked)
    metadata.canonical_url = extract_canonical_url(tree, meta, url)
    metadata.image = absolutize(first_text(meta.get("og:image"), meta.get("twitter:image"),
                                           linked.get("image")), metadata.canonical_url or url)
    metadata.description = first_text(meta.get("description"), meta.get("og:description"),
                                      meta.get("twitter:description"), linked.get("description"))
    metadata.tags = extract_tags(meta, linked, tree)
    metadata.article_body = linked.get("articleBody")
    return metadata


# --- sources ------------------------------------------------------------------------------


def read_json_ld(tree: HtmlElement) -> dict[str, Any]:
    """Return the fields of the page's main JSON-LD article object (flattened, plain values)."""
    found: dict[str, Any] = {}
    for document in json_ld_documents(tree):
        for item in iterate_json_ld_objects(document):
            types = item.get("@type")
            types = [types] if isinstance(types, str) else (types or [])
            type_names = {str(t).lower() for t in types}
            if "website" in type_names or "organization" in type_names:
                if name_of(item):
                    found.setdefault("site_name", name_of(item))
                continue
            if not type_names & ARTICLE_TYPES:
                continue
            is_real_article = bool(type_names - {"webpage", "creativework"})
            if found.get("_is_article") and not is_real_article:
                continue
            if is_real_article and not found.get("_is_article"):
                # a real article object beats a WebPage object seen earlier
                found = {"_is_article": True, **({"site_name": found["site_name"]} if found.get("site_name") else {})}
            collect_json_ld_fields(item, found)
    return found


def iterate_json_ld_objects(data: Any) -> Iterator[dict]:
    """Yield every object of a JSON-LD document, descending into lists and @graph."""
    if isinstance(data, list):
        for item in data:
            yield from iterate_json_ld_objects(item)
    elif isinstance(data, dict):
        if "@graph" in data:
            yield from iterate_json_ld_objects(data["@graph"])
        if "@type" in data:
            yield data


def collect_json_ld_fields(item: dict, found: dict[str, Any]) -> None:
    """Copy the fields we use from one JSON-LD object into ``found`` (first value wins)."""
    for key in ("headline", "name", "datePublished", "dateModified", "description",
                "articleBody", "inLanguage"):
        value = item.get(key)
        if isinstance(value, str) and value.strip():
            found.setdefault(key, value.strip())
    authors = names_of(item.get("author")) or names_of(item.get("creator"))
    if authors:
        found.setdefault("author", authors)
    image = item.get("image") or item.get("thumbnailUrl")
    if isinstance(image, list) and image:
        image = image[0]
    if isinstance(image, dict):
        image = image.get("url") or image.get("contentUrl")
    if isinstance(image, str) and image.strip():
        found.setdefault("image", image.strip())
    publisher = name_of(item.get("publisher"))
    if publisher:
        found.setdefault("site_name", publisher)
    keywords = item.get("keywords")
    if isinstance(keywords, str):
        keywords = keywords.split(",")
    if isinstance(keywords, list):
        found.setdefault("keywords", [str(k).strip() for k in keywords if str(k).strip()])
    if isinstance(item.get("headline"), str):
        found.setdefault("title", item["headline"].strip())


def name_of(value: Any) -> str | None:
    """Return the name of a JSON-LD person/organisation given as text, object or list."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name")
    if isinstance(value, str) and value.strip():
        return normalize_space(value)
    return None


def names_of(value: Any) -> list[str]:
    """Return all person names from a JSON-LD author value."""
    values = value if isinstance(value, list) else [value]
    names = [name_of(v) for v in values]
    return [n for n in names if n and not n.startswith(("http://", "https://"))]


def read_meta_tags(tree: HtmlElement) -> dict[str, str]:
    """Return ``<meta>`` values keyed by lowercased name/property/itemprop (first wins)."""
    meta: dict[str, str] = {}
    for element in tree.iterfind(".//meta"):
        content = element.get("content")
        if content is None or not content.strip():
            continue
        for attribute in ("property", "name", "itemprop"):
            # some pages put several space-separated properties in one attribute
            for key in (element.get(attribute) or "").lower().split():
                if key in MULTI_VALUE_META_KEYS and key in meta:
                    meta[key] += "," + content.strip()
                meta.setdefault(key, content.strip())
    return meta


def read_time_elements(tree: HtmlElement) -> list[str]:
    """Return datetime values of ``<time>`` elements, those marked as publication first."""
    marked: list[str] = []
    others: list[str] = []
    for element in tree.iterfind(".//time"):
        value = element.get("datetime") or element.text_content()
        if not value:
            continue
        is_published = "pubdate" in element.attrib or "publish" in (element.get("itemprop") or "").lower()
        (marked if is_published else others).append(value)
    return marked + others[:1]


# --- fields -------------------------------------------------------------------------------


def extract_title(tree: HtmlElement, linked: dict, meta: dict, site_name: str | None) -> str | None:
    """Return the article title without a site-name part ("Title | Site" -> "Title").

    The most deliberate source wins (JSON-LD, then Dublin Core, Open Graph, Twitter, then
    ``<title>``); the visible h1 and the site name only decide which part to keep.
    """
    title_element = tree.find(".//title")
    page_title = title_element.text_content() if title_element is not None else ""
    candidates: list[Any] = [*order_json_ld_titles(linked, page_title), *(meta.get(k) for k in META_TITLE_KEYS),
                  page_title]
    candidates = [normalize_space(c) for c in candidates if isinstance(c, str) and c.strip()]
    headings = [normalize_space(e.text_content()) for e in tree.iterfind(".//h1")][:5]
    headings = [heading for heading in headings if heading]
    if not candidates:
        return headings[0] if headings else None
    title = strip_site_name(candidates[0], site_name, headings, lambda: read_home_link_names(tree))
    return visible_title(title, headings)


# Markup written into a title as text (``<title>A &lt;code&gt;b()&lt;/code&gt;</title>``).
MARKUP_IN_TEXT_RE = re.compile(r"</?[A-Za-z][^<>]*>")


def visible_title(title: str, headings: list[str]) -> str:
    """``title`` as a reader sees it: a visible h1 that says the same (markup, case and
    spacing apart) wins; else the title with any markup it holds as text taken out."""
    plain = normalize_space(MARKUP_IN_TEXT_RE.sub("", title))
    folded = plain.casefold()
    for heading in headings:
        if normalize_space(MARKUP_IN_TEXT_RE.sub("", heading)).casefold() == folded:
            return heading
    return plain or title


def read_home_link_names(tree: HtmlElement) -> set[str]:
    """Return the (folded) texts and logo alts of links to the site's home page."""
    names: set[str] = set()
    home_links = [link for link in tree.iterfind(".//body//a") if is_home_link(link)]
    for link in home_links[: h.MAX_HOME_LINKS]:
        for text in [link.text_content(), *link.xpath(".//img/@alt")]:
            text = normalize_space(text).casefold()
            if text:
                names.add(text)
    return names


def order_json_ld_titles(linked: dict, page_title: str) -> list[str]:
    """Return JSON-LD headline and name, the one closer to the page's <title> first.

    Some sites put a description in ``headline`` and the title in ``name`` (or the reverse).
    """
    titles = [t for t in (linked.get("headline"), linked.get("name")) if isinstance(t, str)]
    if len(titles) == 2 and titles[0] != titles[1]:
        words = set(page_title.casefold().split())
        titles.sort(key=lambda t: -len(words & set(t.casefold().split())))
    return titles


def is_home_link(link: HtmlElement) -> bool:
    """True for a link to the site's home page ("/", "index.php", rel=home)."""
    if "home" in (link.get("rel") or "").split():
        return True
    parts = urlsplit((link.get("href") or "").strip())
    return not parts.query and not parts.fragment and bool(HOME_PATH_RE.match(parts.path)) and (
        bool(parts.path) or bool(parts.netloc)
    )


def strip_site_name(
    title: str,
    site_name: str | None,
    headings: Sequence[str] = (),
    read_home_names: Callable[[], set[str]] = set,
) -> str:
    """Remove a leading or trailing part that names the site ("Title | Site").

    A leading part of at least MIN_TITLE_WORDS words that is a visible h1 is the title,
    whatever follows it. Otherwise the part is recognised by the site name, by the text or
    logo of the link to the home page (``read_home_names``, read only when needed), by the
    rest matching a visible h1, or by being short and set off with a separator that is
    rare inside titles.
    """
    separators = list(h.TITLE_SEPARATORS_RE.finditer(title))
    if not separators:
        return title
    first, last = separators[0], separators[-1]
    head, tail = title[: last.start()].strip(), title[last.end():].strip()
    site = (site_name or "").casefold().strip()
    folded_headings = {heading.casefold() for heading in headings}
    for separator in separators:  # "Title - Author - Site" with h1 "Title": the headline
        prefix = title[: separator.start()].strip()
        if (len(prefix.split()) >= h.MIN_TITLE_WORDS and prefix.casefold() in folded_headings
                and prefix.casefold() != site):
            return prefix
    if site and tail.casefold() in (site, site.replace(" ", "")):
        return head
    if site and title[: first.start()].casefold().strip() == site:
        return title[first.end():].strip()
    if len(head.split()) >= h.MIN_TITLE_WORDS and tail.casefold() in read_home_names():
        return head
    for separator in separators:  # "Title | Section | Site" with h1 "Title"
        if title[: separator.start()].strip().casefold() in folded_headings:
            return title[: separator.start()].strip()
    if (
        last.group().strip() in h.SITE_SEPARATORS
        and len(tail.split()) <= h.MAX_SITE_NAME_WORDS
        and len(head.split()) >= h.MIN_TITLE_WORDS
    ):
        return head
    return title


def extract_author(tree: HtmlElement, linked: dict, meta: dict) -> str | None:
    """Return the author names joined by ", " (no "By", roles or dates)."""
    if linked.get("author"):
        names = linked["author"]
    else:
        names = []
        for key in META_AUTHOR_KEYS:
            value = meta.get(key)
            if value and not value.startswith(("http://", "https://", "@")):
                names = [value]
                break
        if not names:
            names = find_byline_names(tree)
    cleaned: list[str] = []
    for name in names:
        for part in split_author_names(name):
            if part and part.casefold() not in {c.casefold() for c in cleaned}:
                cleaned.append(part)
    return ", ".join(cleaned) or None


def find_byline_names(tree: HtmlElement) -> list[str]:
    """Return the author names marked up in the page (rel/itemprop author, then bylines)."""
    for xpath in (AUTHOR_MARKUP_XPATH, BYLINE_XPATH):
        for element in tree.xpath(xpath)[: h.MAX_BYLINE_ELEMENTS]:
            if element.tag in ("html", "body", "article", "main", "meta", "link"):
                continue
            text = normalize_space(element.text_content())
            if not text or len(text) > h.MAX_BYLINE_CHARS:
                continue
            # a name element or link inside the byline holds the name without the date
            names = [normalize_space(e.text_content()) for e in element.xpath(BYLINE_NAME_XPATH)]
            names = [n for n in names if looks_like_name(strip_byline_prefix(n))]
            if not names and looks_like_name(strip_byline_prefix(text)):
                names = [text]
            if not names:
                names = [n for n in split_author_names(text) if looks_like_name(n)]
            if names:
                return names
    for link in tree.iterfind(".//body//a"):
        # "By <a>Name</a>": a link right after a byline word, written without markup
        previous = link.getprevious()
        if previous is not None and previous.tag != "br":
            continue
        before = (previous.tail if previous is not None else link.getparent().text) or ""
        if BYLINE_WORD_RE.match(before):
            name = normalize_space(link.text_content())
            if looks_like_name(name):
                return [name]
    for link in tree.xpath(AUTHOR_LINK_XPATH)[: h.MAX_BYLINE_ELEMENTS]:
        name = normalize_space(link.text_content())
        if looks_like_name(name):
            return [name]
    return []


def looks_like_name(text: str) -> bool:
    """True for text that can be a person's or desk's name (no digits, handles or links)."""
    words = text.split()
    if not 1 <= len(words) <= h.MAX_NAME_WORDS or len(text) > h.MAX_NAME_CHARS:
        return False
    if any(ch.isdigit() for ch in text) or "@" in text or "://" in text:
        return False
    if words[0].casefold() in h.SOCIAL_NETWORK_WORDS or h.DATE_WORD_RE.search(text):
        return False
    if any(word.casefold() in h.NOT_NAME_WORDS for word in words):
        return False
    return not text.isascii() or any(word[:1].isupper() for word in words)


def split_author_names(value: str) -> list[str]:
    """Split a byline into clean names: drop "By", roles, dates and separators."""
    text = normalize_space(value)
    text = strip_byline_prefix(text)
    text = re.split(r"\s+[·|•]\s+|\s+[-–—]\s+|\d{1,2}[:/.]\d{2}|\b\d{4}\b", text)[0]
    text = h.DATE_WORD_RE.split(text)[0]
    text = h.AUTHOR_ROLE_RE.sub("", text).strip(" ,;:-–—|·")
    if not text or len(text) > h.MAX_BYLINE_CHARS:
        return []
    parts = [p.strip() for p in re.split(r"\s*[,;]\s*", text)]
    names = []
    for part in parts:
        # "A and B" / "A & B" are two people only when both sides look like full names
        pair = re.split(r"\s+(?:&|and|und|et|y)\s+", part)
        if len(pair) > 1 and all(len(side.split()) >= 2 for side in pair):
            names.extend(pair)
        else:
            names.append(part)
    names = [strip_byline_prefix(n).strip() for n in names]
    return [n for n in names if n and not any(ch.isdigit() for ch in n)]


def guess_date(tree: HtmlElement, url: str | None) -> str | None:
    """Ask htmldate for the original publication date, without network or extensive search."""
    try:
        from htmldate import find_date

        return parse_machine_date(find_date(tree, url=url, original_date=True, extensive_search=False))
    except Exception:  # htmldate is a best-effort last resort
        return None


def extract_language(tree: HtmlElement, meta: dict, linked: dict) -> str | None:
    """Return the page language code ('en', 'pt-BR') from html@lang or metadata."""
    root = tree.getroottree().getroot()
    value = first_text(root.get("lang"), root.get("xml:lang"), meta.get("og:locale"),
                       meta.get("content-language"), meta.get("language"), linked.get("inLanguage"))
    if not value:
        return None
    value = value.replace("_", "-").split(",")[0].strip()
    return value if re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", value) else None


def extract_canonical_url(tree: HtmlElement, meta: dict, url: str | None) -> str | None:
    """Return the absolute canonical URL (link rel=canonical, og:url, else the given URL)."""
    href = canonical_href(tree)
    if href:
        return absolutize(href, url)
    return absolutize(meta.get("og:url"), url) or url


def extract_tags(meta: dict, linked: dict, tree: HtmlElement | None = None) -> list[str]:
    """Return article tags/keywords, deduplicated, in page order: JSON-LD keywords, the
    section and tags of <meta>, then the page's rel="tag" links (those inside its
    <article> when it has any there, so that a sidebar's tag cloud does not count)."""
    values = list(linked.get("keywords") or [])
    for key in ("article:section", "article:tag", "keywords", "news_keywords", "parsely-tags"):
        if meta.get(key):
            values.extend(meta[key].split(","))
    if tree is not None:
        links = [a for a in tree.iterfind(".//a[@rel]") if "tag" in a.get("rel", "").lower().split()]
        inside = [a for a in links if any(parent.tag == "article" for parent in a.iterancestors())]
        values.extend(a.text_content() for a in inside or links)
    tags: list[str] = []
    for value in values:
        tag = normalize_space(value)
        if tag and len(tag) <= 60 and tag.casefold() not in {t.casefold() for t in tags}:
            tags.append(tag)
    return tags[:30]


def first_text(*values: Any) -> str | None:
    """Return the first non-empty string, whitespace-normalised."""
    for value in values:
        if isinstance(value, str) and value.strip():
            return normalize_space(value)
    return None


def absolutize(link: str | None, base: str | None) -> str | None:
    """Resolve ``link`` against ``base``; keep only http(s) results."""
    if not link:
        return None
    resolved = urljoin(base, link) if base else link
    return resolved if urlsplit(resolved).scheme in ("http", "https") else None
