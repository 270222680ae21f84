"""Building an ``ArticleItem`` from an article's extracted pages.

Pure of any crawler: every input is an argument. The spider calls ``prepare_pages``
before extraction (in its worker pool) and ``build_item`` after; ``reextract`` calls
``extract_item``, which extracts in this thread and builds the same item.

``selectors`` is a site's ``sites.SiteSelectors`` (None: the site has none): ``body``
cuts the pages down before extraction; ``title``, ``author`` and ``date`` override what
extraction found, where they match. ``on_miss(name)`` is told of each selector that
matched nothing (the crawl counts them as ``archive/selector_missed/NAME``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence

import parsel

from archive_spider.bylines import strip_byline_prefix
from archive_spider.dates import parse_date, parse_feed_date
from archive_spider.urls import normalise_url
from archive_spider.vocabulary import ArticleItem, ArticleLink

logger = logging.getLogger(__name__)

Pages = Sequence[tuple[str, str]]  # (url, html) of each page of one article, in reading order
OnMiss = Callable[[str], None]


def _no_miss(name: str) -> None:
    pass


def prepare_pages(pages: Pages, selectors=None, on_miss: OnMiss = _no_miss) -> list[tuple[str, str]]:
    """The pages of an article as extraction should see them: with a ``body`` selector,
    only the selected element inside the page's own ``<head>`` (metadata stays)."""
    if selectors is None or selectors.body is None:
        return list(pages)
    prepared = []
    for url, html in pages:
        page = parsel.Selector(text=html)
        bodies = selectors.body.select(page).getall()
        if not bodies:
            on_miss("body")
            prepared.append((url, html))
            continue
        head = page.css("head").get() or "<head></head>"
        lang = page.xpath("/html/@lang").get()
        lang_attr = f' lang="{lang}"' if lang else ""
        prepared.append((url, f"<html{lang_attr}>{head}<body><article>{''.join(bodies)}</article></body></html>"))
    return prepared


def build_item(pages: Pages, analysis, teaser: ArticleLink | None, article, warnings: Sequence[str] = (),
               selectors=None, on_miss: OnMiss = _no_miss) -> ArticleItem:
    """The item of the article extracted as ``article`` (extraction's ``Article``) from
    ``pages``: ``analysis`` is discovery's analysis of the first page (its canonical URL),
    or None; ``teaser`` the listing's link the article was extracted with (its teaser text
    is the summary; its title and date stand in for what extraction did not find);
    ``warnings`` are added to extraction's."""
    url = normalise_url(pages[0][0])
    teaser_text = teaser.teaser if teaser else None
    canonical = analysis.canonical_url if analysis else None
    item = ArticleItem(
        url=url,
        canonical_url=canonical if canonical and canonical != url else None,
        title=article.title or (teaser.title if teaser else None),
        author=article.author,
        published=article.published or (teaser.published if teaser else None),
        modified=article.modified,
        text=article.text,
        html=article.html,
        summary=teaser_text or article.description,
        description=article.description,
        lang=article.lang,
        word_count=article.word_count,
        image=article.image,
        tags=list(article.tags or []),
        extraction_warnings=list(article.warnings or []) + list(warnings),
        pages=len(pages),
    )
    return apply_item_selectors(item, pages[0][1], selectors, on_miss)


def extract_item(pages: Pages, analysis, teaser: ArticleLink | None, warnings: Sequence[str] = (),
                 selectors=None, boilerplate: frozenset[str] | None = None) -> ArticleItem | None:
    """Extract ``pages`` in this thread and build their item (``reextract``: no crawl
    runs); ``boilerplate``: the site's known boilerplate hashes, if any. None, logged, if
    extraction raised (it promises not to)."""
    from archive_spider.workers import extract_pages

    try:
        article = extract_pages(prepare_pages(pages, selectors), teaser.teaser if teaser else None, boilerplate)
    except Exception:
        logger.exception("Extraction failed: %s", pages[0][0])
        return None
    return build_item(pages, analysis, teaser, article, warnings, selectors)


def apply_item_selectors(item: ArticleItem, html: str, selectors=None, on_miss: OnMiss = _no_miss) -> ArticleItem:
    """A site's ``title``, ``author`` and ``date`` selectors, applied to the first page's
    ``html``, override what extraction found, where they match."""
    if selectors is None or not (selectors.title or selectors.author or selectors.date):
        return item
    page = parsel.Selector(text=html)
    for name in ("title", "author", "date"):
        selector = getattr(selectors, name)
        if selector is None:
            continue
        value = selected_value(page, selector, name)
        if value:
            setattr(item, "published" if name == "date" else name, value)
        else:
            on_miss(name)
    return item


def selected_value(page: parsel.Selector, selector, name: str) -> str | None:
    """The text of the first element a selector picks (a date: its ``datetime`` or
    ``content`` attribute first, as 'YYYY-MM-DD')."""
    for element in selector.select(page):
        if isinstance(element.root, str):  # an XPath picking text or an attribute
            text = element.root
        else:
            if name == "date":
                for attribute in ("datetime", "content"):
                    value = element.attrib.get(attribute)
                    if value and parse_date(value):
                        return parse_date(value)
            text = " ".join(element.xpath(".//text()").getall())
        text = re.sub(r"\s+", " ", text).strip()
        if not text:
            continue
        if name == "date":
            parsed = parse_feed_date(text)
            if parsed:
                return parsed
            continue
        if name == "author":
            text = strip_byline_prefix(text)
        return text
    return None
