"""Pure: whether a page needs a browser, and what each site has shown so far.

``--render auto`` fetches every page over plain HTTP first; this module reads that static
HTML and says whether the page must be rendered in a browser to be read:

* the main content is empty or nearly so while script bundles are present (a single-page
  app's shell: ``<div id="app"></div>`` and ``<script src="/app.js">``);
* a ``<noscript>`` asks for JavaScript ("Please enable JavaScript to read this site");
* the page is a listing whose teasers arrive by XHR: a "Load more" control that is no
  link to another page, an infinite-scroll marker, or an empty container named for the
  teasers (``<ul id="posts"></ul>``) on a page with little text.

:class:`RenderMemory` keeps the verdict per site: a site whose rendered page brought what
its static HTML lacked is rendered from then on without deciding page by page; a site
whose first pages all read well without a browser is judged static, and its later pages
are not even looked at. No network and no browser here: ``browser.py`` does the rendering.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import cast

import lxml.html
from lxml import etree

from archive_spider import settings as defaults

# Render modes (``--render``, ``ARCHIVE_RENDER``, ``render = ...`` in sites.toml).
NEVER = "never"
AUTO = "auto"
ALWAYS = "always"
MODES = (NEVER, AUTO, ALWAYS)

# Visible characters of main content below which a page counts as empty: a shell's
# "Loading..." and a cookie line, not a teaser list (a teaser is some 150) or an article.
MIN_CONTENT_CHARS = 200
# Visible characters from which a page holds an article's worth of text already: a
# <noscript> asking for JavaScript there is about something else (comments, a player).
MIN_ARTICLE_CHARS = 1500
# A <noscript> or control about comments, not about the page's content (Disqus, wpDiscuz).
ABOUT_COMMENTS_RE = re.compile(r"comment|disqus|repl(y|ies)|review", re.I)
# An inline script this long is an application bundle, not an analytics snippet.
INLINE_BUNDLE_CHARS = 2000
# Elements whose text is no content: code, and the furniture around the main content.
NOT_CONTENT_TAGS = ("script", "style", "noscript", "template", "svg", "nav", "header", "footer", "aside", "form")
# A <noscript> asking the reader to turn JavaScript on.
NOSCRIPT_ASKS_JS_RE = re.compile(
    r"(enable|turn on|activate|allow|switch on)\s+(your\s+)?javascript"
    r"|javascript\s+(is\s+)?(required|needed|disabled|must be enabled|is not enabled|is off)"
    r"|(requires?|needs?)\s+javascript"
    r"|javascript\s+(aktivieren|einschalten)|activez\s+javascript|activa\s+javascript|attiva\s+javascript",
    re.I,
)
# The label of a control that appends more teasers to the listing in place.
LOAD_MORE_LABEL_RE = re.compile(
    r"^\s*(load|show|view|see|get)\s+(more|older)\b"
    r"|^\s*more\s+(articles|stories|posts|news|entries|results)\s*$"
    r"|^\s*(mehr\s+(laden|anzeigen)|weitere\s+(artikel|beiträge)\s+laden|voir\s+plus|afficher\s+plus"
    r"|charger\s+plus|cargar\s+más|ver\s+más|carica\s+altri|mostra\s+altri|meer\s+laden)\b",
    re.I,
)
# Class, id or data attribute names of "Load more" controls and infinite-scroll listings.
XHR_LISTING_MARKER_RE = re.compile(r"load[-_]?more|infinite[-_]?scroll|show[-_]?more[-_]?(posts|articles|stories)", re.I)
SCRIPT_TAG_RE = re.compile(r"<script\b", re.I)
# The id or class of a container for a listing's teasers ("posts", "article-list",
# "stories", "feed"...): empty in the static HTML, it is filled by a script.
TEASER_LIST_NAME_RE = re.compile(
    r"(^|[-_\s])(posts?|articles?|stor(y|ies)|news|entr(y|ies)|feed|teasers?|cards?|results|items|list(ing)?)($|[-_\s])",
    re.I)
# Pages an undecided site shows without needing the browser before it is judged static.
DEFAULT_SAMPLE_PAGES = defaults.ARCHIVE_RENDER_SAMPLE_PAGES
# What rendering must add to count as having helped: this much more text (and half as
# much again: a cookie banner drawn on a long static article is no help), or links.
HELPED_EXTRA_CHARS = 200
HELPED_EXTRA_LINKS = 4


@dataclass(frozen=True)
class PageSignals:
    """What the HTML of one page shows about its need for a browser."""

    content_chars: int  # visible text outside scripts and page furniture
    script_bundles: int  # external scripts, module scripts and long inline scripts
    noscript_asks_js: bool
    load_more: bool  # a "Load more" control or an infinite-scroll marker
    links: int  # distinct http(s) links
    empty_list: bool = False  # an empty container named for a listing's teasers


@dataclass(frozen=True)
class Verdict:
    render: bool
    reason: str  # why (for the log and the stats); "" when no render is needed


NO_RENDER = Verdict(False, "")


def read_signals(html: str) -> PageSignals:
    """The signals of a page's HTML (static or rendered)."""
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return PageSignals(0, 0, False, False, 0)
    scripts = 0
    for script in root.iter("script"):
        kind = (script.get("type") or "").strip().lower()
        if kind and kind not in ("module", "text/javascript", "application/javascript"):
            continue  # JSON-LD, templates
        if script.get("src") or kind == "module" or len(script.text or "") >= INLINE_BUNDLE_CHARS:
            scripts += 1
    noscript_asks = False
    for noscript in root.iter("noscript"):
        text = cast(lxml.html.HtmlElement, noscript).text_content() or ""
        if NOSCRIPT_ASKS_JS_RE.search(text) and not ABOUT_COMMENTS_RE.search(text):
            noscript_asks = True
            break
    links = {a.get("href", "").split("#", 1)[0] for a in root.iter("a")
             if a.get("href") and not a.get("href", "").lstrip().lower().startswith(("#", "javascript:", "mailto:"))}
    return PageSignals(
        content_chars=content_chars(root),
        script_bundles=scripts,
        noscript_asks_js=noscript_asks,
        load_more=has_load_more(root),
        links=len(links),
        empty_list=has_empty_teaser_list(root),
    )


def content_chars(root) -> int:
    """Visible characters of the page's main content (its ``<main>``, or its only
    ``<article>``, else the body), without scripts and page furniture. (Of a listing's
    many ``<article>`` teasers, the first alone is not the page's content.)"""
    body = root.find("body")
    if body is None:
        return 0
    main = next(body.iter("main"), None)
    if main is None:
        articles = list(body.iter("article"))
        main = articles[0] if len(articles) == 1 else body
    return text_length(main)


def text_length(element) -> int:
    """Characters of text in ``element``, white space aside, leaving out NOT_CONTENT_TAGS."""
    length = len((element.text or "").strip())
    for child in element:
        if isinstance(child.tag, str) and child.tag not in NOT_CONTENT_TAGS:
            length += text_length(child)
        length += len((child.tail or "").strip())
    return length


def has_load_more(root) -> bool:
    """A control that loads more teasers in place: a button (or a link to no other page)
    labelled "Load more", or a class, id or data attribute naming one or infinite scroll."""
    for element in root.iter("button", "a", "div", "span", "ul", "ol", "section", "input"):
        if element.tag == "a":
            href = (element.get("href") or "").strip().lower()
            if href and not href.startswith(("#", "javascript:")):
                continue  # a link to another page: pagination, which discovery follows
        if element.tag in ("button", "a"):
            if is_load_more_label(" ".join((element.text_content() or "").split())):
                return True
        if element.tag == "input" and element.get("type") == "button":
            if is_load_more_label(element.get("value") or ""):
                return True
        for name, value in element.attrib.items():
            if name in ("class", "id") and XHR_LISTING_MARKER_RE.search(value) and not ABOUT_COMMENTS_RE.search(value):
                return True
            if name.startswith("data-") and XHR_LISTING_MARKER_RE.search(name) and not ABOUT_COMMENTS_RE.search(name):
                return True
    return False


def has_empty_teaser_list(root) -> bool:
    """An empty element (no child, no text) whose id or class names a list of teasers
    (``<ul id="posts"></ul>``, ``<div class="article-list"></div>``): a listing whose
    teasers a script fetches."""
    body = root.find("body")
    if body is None:
        return False
    for element in body.iter("div", "ul", "ol", "section", "main"):
        if len(element) or (element.text or "").strip():
            continue
        names = f"{element.get('id') or ''} {element.get('class') or ''}"
        if TEASER_LIST_NAME_RE.search(names) and not ABOUT_COMMENTS_RE.search(names):
            return True
    return False


def is_load_more_label(text: str) -> bool:
    """Whether a control's label asks for more of the listing ("Load more", "Show more
    stories"), not for more comments."""
    return bool(LOAD_MORE_LABEL_RE.search(text)) and not ABOUT_COMMENTS_RE.search(text)


def decide(signals: PageSignals, listing: bool = True) -> Verdict:
    """Whether a page with these static signals must be rendered to be read.
    ``listing``: the page was asked for as a listing (a start or index page), the only
    pages whose "Load more" matters (an article's loads comments or related posts)."""
    if signals.noscript_asks_js and signals.content_chars < MIN_ARTICLE_CHARS:
        return Verdict(True, "noscript")
    if signals.script_bundles and signals.content_chars < MIN_CONTENT_CHARS:
        return Verdict(True, "empty-shell")
    if listing and signals.load_more and signals.script_bundles:
        return Verdict(True, "load-more")
    if listing and signals.empty_list and signals.script_bundles and signals.content_chars < MIN_ARTICLE_CHARS:
        return Verdict(True, "xhr-listing")
    return NO_RENDER


def needs_rendering(html: str, listing: bool = True) -> Verdict:
    """:func:`decide` on a page's HTML. A page without a script is never rendered, and
    is not even parsed."""
    if not has_script(html):
        return NO_RENDER
    return decide(read_signals(html), listing)


def has_script(html: str) -> bool:
    """Whether the page holds a script at all (a cheap test before parsing)."""
    return SCRIPT_TAG_RE.search(html) is not None


def rendering_helped(static: PageSignals, rendered: PageSignals) -> bool:
    """Whether the rendered page holds what the static one lacked: more text or more links."""
    more_text = max(static.content_chars + HELPED_EXTRA_CHARS, static.content_chars * 3 // 2)
    return rendered.content_chars >= more_text or rendered.links >= static.links + HELPED_EXTRA_LINKS


# Site verdicts of RenderMemory.
UNDECIDED = "undecided"
BROWSER = "browser"
STATIC = "static"


@dataclass
class SiteRecord:
    verdict: str = UNDECIDED
    static_pages: int = 0


@dataclass
class RenderMemory:
    """Per site, under ``auto``: whether its pages need the browser.

    ``undecided`` until either a rendered page brought what its static HTML lacked (the
    site is ``browser``: every later page is rendered without deciding) or ``sample``
    pages in a row read well without a browser (the site is ``static``: later pages are
    not looked at). A page rendered in vain counts as one that did not need it.
    """

    sample: int = DEFAULT_SAMPLE_PAGES
    sites: dict[str, SiteRecord] = field(default_factory=dict)

    def verdict(self, site: str) -> str:
        record = self.sites.get(site)
        return record.verdict if record else UNDECIDED

    def note_static(self, site: str) -> str:
        """A page of ``site`` read well without the browser; returns the site's verdict."""
        record = self.sites.setdefault(site, SiteRecord())
        if record.verdict == UNDECIDED:
            record.static_pages += 1
            if self.sample and record.static_pages >= self.sample:
                record.verdict = STATIC
        return record.verdict

    def note_rendered(self, site: str, helped: bool) -> str:
        """A page of ``site`` was rendered; ``helped``: the browser brought what the static
        HTML lacked. Returns the site's verdict."""
        record = self.sites.setdefault(site, SiteRecord())
        if record.verdict != UNDECIDED:
            return record.verdict
        if helped:
            record.verdict = BROWSER
            return record.verdict
        return self.note_static(site)


def parse_mode(value) -> str:
    """A render mode from a setting or option; ValueError naming the choices."""
    mode = str(value).strip().lower()
    if mode not in MODES:
        raise ValueError(f"expected one of {', '.join(MODES)}, not {value!r}")
    return mode
