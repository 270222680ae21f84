"""Orchestration: input -> tree -> metadata + body -> cleaned, sanitised Article."""

from __future__ import annotations

import logging
from copy import deepcopy
from typing import cast
from urllib.parse import urljoin

from lxml.html import HtmlElement

from . import heuristics as h
from .article import Article
from .boilerplate import remove_boilerplate_elements, remove_boilerplate_text
from .captions import apply_caption_policy
from .cleaning import (
    clean_article,
    promote_lazy_images,
    prune_page,
    remove_empty_blocks,
    remove_sourceless_images,
    remove_title_heading,
    unwrap_dead_links,
)
from .content import Candidate, anchor_on_teaser, choose_body, merge_missing_blocks, prefer_teaser_holder
from .figures import restore_figures
from .finders import find_body_with_readability, find_body_with_trafilatura
from .fragments import (
    inner_html,
    parse_fragment,
    serialize_block,
    split_at_double_breaks,
    tidy_whitespace,
    wrap_loose_inline,
)
from .language import guess_language
from .leads import restore_standfirst
from .loading import LoadedPage, load_page, truncate_tree
from .metadata import Metadata, extract_metadata
from .sanitizing import sanitize_html
from .shingles import contains_teaser, summarises
from .text import canonical, count_words, render_text

LOGGER = logging.getLogger(__name__)


def extract_article(
    html: str | bytes,
    url: str | None = None,
    teaser: str | None = None,
    *,
    boilerplate: frozenset[str] | None = None,
    loaded: LoadedPage | None = None,
) -> Article:
    """Extract the article of one page.

    Args:
        html: the page as fetched, bytes (any encoding) or text.
        url: the page URL, used to resolve relative links and images.
        teaser: the teaser shown for this article on an index page, if known; the body is
            expected to contain it ('teaser-not-found' in warnings when it does not).
        boilerplate: hashes (``boilerplate.block_hash``) of paragraphs known to recur on
            this page's site; they are left out of text and html, and counted in
            ``boilerplate_blocks``.
        loaded: ``loading.load_page(html)``, when the caller has read the page already
            (the worker shares the parse with discovery); extraction takes it over and
            changes its tree.

    Returns:
        An Article. Never raises: unusable input gives empty fields and a warning.
    """
    try:
        return build_article(html, url, teaser, boilerplate, loaded)
    except Exception as error:  # the crawler must never die on one bad page
        LOGGER.warning("extraction failed for %s: %r", url, error)
        return Article(warnings=["error"])


def build_article(
    html: str | bytes, url: str | None, teaser: str | None, boilerplate: frozenset[str] | None = None,
    loaded: LoadedPage | None = None,
) -> Article:
    """Do the work of extract_article (which only adds the safety net)."""
    if loaded is None:
        loaded = load_page(html)
    text, warnings, tree = loaded.text, loaded.warnings, loaded.tree
    if not text:
        return Article(warnings=warnings)
    if tree is None:
        return Article(warnings=warnings + ["not-html"])
    if truncate_tree(tree, h.MAX_PAGE_ELEMENTS):
        warnings.append("truncated")
    promote_lazy_images(tree)
    remove_sourceless_images(tree)
    if url:
        make_links_absolute(tree, url)
    metadata = extract_metadata(tree, url)
    body = find_body(tree, metadata, url, teaser)
    body_html = body.html if body else ""
    body_text = body.text if body else ""
    removed = 0
    if body is not None and boilerplate:
        body_text, body_html, removed = remove_site_boilerplate(body, boilerplate)
    body_text, body_html = canonical(body_text), canonical(body_html)

    article = Article(
        title=canonical(metadata.title),
        author=canonical(metadata.author),
        published=metadata.published,
        modified=metadata.modified,
        text=body_text,
        html=body_html,
        lang=metadata.lang or (guess_language(body_text) if body_text else None),
        word_count=count_words(body_text),
        site_name=metadata.site_name,
        canonical_url=metadata.canonical_url,
        image=metadata.image,
        description=metadata.description,
        tags=metadata.tags,
        warnings=warnings,
        boilerplate_blocks=removed,
    )
    add_quality_warnings(article, teaser, body if body is not None and body.text == body_text else None)
    return article


def find_body(tree: HtmlElement, metadata: Metadata, url: str | None, teaser: str | None) -> Candidate | None:
    """Find, choose, complete and anchor the article body of the parsed page ``tree``."""
    page = deepcopy(tree)
    prune_page(page, metadata.title, metadata.author)
    truncate_tree(page, h.MAX_FINDER_ELEMENTS)
    candidates = find_candidates(page, url, metadata.title, unpruned=tree)
    topic = " ".join(filter(None, (metadata.title, metadata.description)))
    chosen = choose_body(candidates, metadata.article_body, topic)
    if chosen is None:
        return None
    has_teaser = bool(teaser and teaser.strip())
    if has_teaser:
        chosen = prefer_teaser_holder(chosen, candidates, cast(str, teaser))
    for other in [c for c in candidates if c is not chosen]:
        chosen = merge_missing_blocks(chosen, other)
    restored = restore_figures(chosen, page)
    if restored is not chosen:  # restored figures bring their captions, and their credits
        chosen = follow_caption_policy(restored)
    chosen = restore_standfirst(chosen, page, metadata.description)
    if has_teaser:
        chosen = anchor_on_teaser(chosen, cast(str, teaser))
    return chosen


def follow_caption_policy(body: Candidate) -> Candidate:
    """The body with captions once, no credits and no slideshows (captions.py)."""
    if not apply_caption_policy(body.root):
        return body
    remove_empty_blocks(body.root)
    html = "\n".join(serialize_block(block) for block in body.root if isinstance(block.tag, str))
    return Candidate(body.name, body.root, render_text(body.root), html)


def remove_site_boilerplate(body: Candidate, hashes: frozenset[str]) -> tuple[str, str, int]:
    """The body's text and html without the site's known boilerplate paragraphs, and how
    many paragraphs were removed. Elements go from the html; a boilerplate paragraph
    that shares an element with article text goes from the text only."""
    root = deepcopy(body.root)
    removed = remove_boilerplate_elements(root, hashes)
    text, also_removed = remove_boilerplate_text(render_text(root), hashes)
    if not removed and not also_removed:
        return body.text, body.html, 0
    html = "\n".join(serialize_block(block) for block in root if isinstance(block.tag, str))
    return text, html, removed + also_removed


def find_candidates(
    page: HtmlElement, url: str | None, title: str | None, unpruned: HtmlElement
) -> list[Candidate]:
    """Run the body finders on the pruned page; return their cleaned, sanitised results.

    When every finder comes back with almost nothing, trafilatura runs once more in its
    full mode (with its own fallback finders) on the unpruned page, as a last resort:
    our pruning may have mistaken the content of an unusual page for furniture.
    """
    found = [("trafilatura", run_finder(find_body_with_trafilatura, page, url)),
             ("readability", run_finder(find_body_with_readability, page))]
    candidates = [c for c in (build_candidate(name, root, title) for name, root in found) if c]
    found_little = max((c.words for c in candidates), default=0) < h.SHORT_TEXT_WORDS
    if found_little and sum(1 for _ in unpruned.iter()) <= h.MAX_ELEMENTS_FOR_FALLBACKS:
        root = run_finder(find_body_with_trafilatura, unpruned, url, fast=False)
        generous = build_candidate("trafilatura-full", root, title)
        if generous:
            candidates.append(generous)
    return candidates


def run_finder(finder, *args, **kwargs) -> HtmlElement | None:
    """Run one body finder; a finder that fails (or is not installed) just finds nothing."""
    try:
        return finder(*args, **kwargs)
    except ImportError:
        return None
    except Exception as error:  # one finder's bug must not cost the whole article
        LOGGER.debug("%s failed: %r", finder.__name__, error)
        return None


def build_candidate(name: str, root: HtmlElement | None, title: str | None) -> Candidate | None:
    """Clean and sanitise one finder's body; None when nothing is left."""
    if root is None:
        return None
    remove_title_heading(root, title)
    unwrap_dead_links(root)
    html = sanitize_html(inner_html(root))
    if not html:
        return None
    fragment = parse_fragment(html)
    wrap_loose_inline(fragment)
    split_at_double_breaks(fragment)
    clean_article(fragment)  # after the splits, so that furniture rows stand alone
    tidy_whitespace(fragment)
    html = "\n".join(serialize_block(block) for block in fragment)
    if not html:
        return None
    return Candidate(name, fragment, render_text(fragment), html)


def add_quality_warnings(article: Article, teaser: str | None, body: Candidate | None = None) -> None:
    """Flag articles a reader would find lacking. ``body``: the candidate whose text is
    the article's text, if it is, so that its words are not counted again."""
    if not article.title:
        article.warnings.append("no-title")
    if not article.text:
        article.warnings.append("empty")
    elif article.word_count < h.SHORT_TEXT_WORDS:
        article.warnings.append("short-text")
    if teaser and teaser.strip() and not teaser_matches(article.text, teaser, body):
        article.warnings.append("teaser-not-found")


def teaser_matches(text: str, teaser: str, body: Candidate | None = None) -> bool:
    """Whether ``text`` is the article an index page's ``teaser`` describes: the teaser is
    quoted in it (fuzzily), or is a summary of it in other words. A teaser cut short with
    an ellipsis is compared without its last, possibly broken, word. ``body``: a
    candidate with this very text, whose tokens and shingles are then reused."""
    teaser = teaser.strip()
    if teaser.endswith(("…", "...")):
        teaser = teaser.rstrip(".…").rsplit(None, 1)[0] if " " in teaser else teaser
    if body is None:
        return contains_teaser(text, teaser) or summarises(text, teaser)
    return contains_teaser(text, teaser, body.shingles) or summarises(text, teaser, body.tokens)


def merge_pages(first: Article, *rest: Article) -> Article:
    """Join the pages of a multi-page article: text, html and word_count; metadata from ``first``."""
    pages = [first, *rest]
    texts = [page.text for page in pages if page.text]
    htmls = [page.html for page in pages if page.html]
    merged = Article(**{**first.to_dict(), "tags": list(first.tags), "warnings": []})
    merged.text = "\n\n".join(texts)
    merged.html = "\n".join(htmls)
    merged.word_count = sum(page.word_count for page in pages)
    merged.boilerplate_blocks = sum(page.boilerplate_blocks for page in pages)
    # length warnings are recomputed; whether the teaser was found is page 1's business
    warnings = [w for w in first.warnings if w not in ("short-text", "empty")]
    warnings += [w for page in rest for w in page.warnings
                 if w not in ("short-text", "empty", "teaser-not-found")]
    if not merged.text:
        warnings.append("empty")
    elif merged.word_count < h.SHORT_TEXT_WORDS:
        warnings.append("short-text")
    merged.warnings = list(dict.fromkeys(warnings))
    return merged


def make_links_absolute(tree: HtmlElement, url: str) -> None:
    """Resolve relative links and image sources against the page URL (honours <base>).

    Only ``a href`` and ``img src`` are resolved: they are the only URLs the article HTML
    keeps, and the only ones metadata reads from the body (canonical and image URLs are
    resolved where they are read). A link that cannot be resolved loses its target.
    """
    base = url
    base_tags = tree.xpath("//base[@href]")
    if base_tags:
        try:
            base = urljoin(url, base_tags[-1].get("href", "").strip())
        except ValueError:
            pass
        for tag in base_tags:
            tag.drop_tree()
    resolved: dict[str, str | None] = {}  # pages repeat the same links many times
    for element in tree.iter("a", "img"):
        attribute = "href" if element.tag == "a" else "src"
        link = element.get(attribute)
        if link is None:
            continue
        if link not in resolved:
            resolved[link] = resolve_link(base, link)
        target = resolved[link]
        if target is None:
            del element.attrib[attribute]
        elif target != link:
            element.set(attribute, target)


def resolve_link(base: str, link: str) -> str | None:
    """``link`` made absolute against ``base`` (None when it cannot be resolved).

    Most links of a page are absolute already, and urljoin would only take them apart
    and put them back together (a tenth of extraction's time on pages with many links):
    a link that ``is_plain_absolute`` comes back as it is, the same string urljoin gives.
    """
    if is_plain_absolute(link):
        return link
    try:
        return urljoin(base, link.strip())
    except ValueError:
        return None


def is_plain_absolute(link: str) -> bool:
    """True for an absolute http(s) link that urljoin gives back unchanged whatever the
    base: lower-case scheme, a host, printable ASCII (urljoin strips or drops white space
    and control characters, and checks non-ASCII hosts), no brackets (IPv6 hosts, which it
    validates), no ``;`` (path parameters, which it takes apart) and no empty query or
    fragment (a bare ``?`` or ``#``, which it drops)."""
    if link.startswith("https://"):
        host_start = 8
    elif link.startswith("http://"):
        host_start = 7
    else:
        return False
    return (len(link) > host_start and link[host_start] not in "/?#"
            and link.isascii() and link.isprintable() and not link.endswith((" ", "?", "#"))
            and "[" not in link and "]" not in link and ";" not in link and "?#" not in link)
