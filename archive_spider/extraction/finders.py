"""The body finders: trafilatura and readability-lxml, each returning simple article HTML."""

from __future__ import annotations

import logging
import re
from copy import deepcopy
from typing import Any

import lxml.etree
import lxml.html
from lxml.html import HtmlElement

from .loading import HTML_PARSER

# Both libraries log a warning for every page they give up on; for us that is a normal
# outcome (the other finder or the fallback takes over), not news for the crawl log.
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
logging.getLogger("readability").setLevel(logging.CRITICAL)


def find_body_with_trafilatura(tree: HtmlElement, url: str | None, fast: bool = True) -> HtmlElement | None:
    """Return trafilatura's main content as simple HTML (a ``<body>``), or None.

    ``fast`` skips trafilatura's own fallback finders (readability is our second opinion).
    """
    import trafilatura
    from trafilatura.htmlprocessing import convert_to_html

    # a trafilatura Document here (a dict only with as_dict=True); its body, an etree element
    document: Any = trafilatura.bare_extraction(
        tree,
        url=url,
        include_comments=False,
        include_formatting=True,
        include_links=True,
        include_images=True,
        include_tables=True,
        with_metadata=False,
        fast=fast,
    )
    if document is None or document.body is None or not len(document.body):
        return None
    html_root: Any = convert_to_html(document.body)  # in place: nothing else reads the document
    # trafilatura builds plain etree elements; reparse to get lxml.html's API
    markup = lxml.etree.tostring(html_root.find("body"), encoding="unicode")
    return lxml.html.fragment_fromstring(markup, create_parent="div", parser=HTML_PARSER)


# readability-lxml measures text with a helper, ``clean``, whose first two patterns
# (``\s{255,}`` and ``\s*\n\s*``) are retried at every position inside a run of white space,
# which makes them quadratic in the run's length; page text is full of indentation runs, and
# the helper runs on every paragraph, link and container, so it took a third of
# readability's time. The same patterns anchored at the start of a run (no white space just
# before) find exactly the same matches in one pass. tests/test_extraction.py checks that
# the two functions agree.
LONG_SPACE_RUN_RE = re.compile(r"(?<!\s)\s{255,}")
SPACE_RUN_WITH_NEWLINE_RE = re.compile(r"(?<!\s)\s*\n\s*")
TABS_AND_SPACES_RE = re.compile(r"\t|[ \t]{2,}")


def clean_like_readability(text: str) -> str:
    """readability-lxml's ``clean``, in linear time: the same result for every text.

    Each pattern runs only when the text can hold a match (a long enough text, a line
    break, a tab or two spaces): most texts it is given are short single lines.
    """
    if len(text) >= 255:
        text = LONG_SPACE_RUN_RE.sub(" " * 255, text)
    if "\n" in text:
        text = collapse_runs_with_newlines(text)
    if "\t" in text or "  " in text:
        text = TABS_AND_SPACES_RE.sub(" ", text)
    return text.strip()


def collapse_runs_with_newlines(text: str) -> str:
    """``SPACE_RUN_WITH_NEWLINE_RE.sub("\\n", text)`` without a pattern tried at every
    position of long container texts: each run of white space that holds a line break
    becomes one line break. Between two line breaks a line keeps its words only; ``strip``
    and ``\\s`` know the same white space."""
    lines = text.split("\n")
    kept = [lines[0].rstrip()]
    for line in lines[1:-1]:
        line = line.strip()
        if line:
            kept.append(line)
    kept.append(lines[-1].lstrip())
    return "\n".join(kept)


class PrunedPageCleaner:
    """Stands in for readability-lxml's ``html_cleaner`` on pages ``prune_page`` has
    cleaned: scripts, styles, forms, embeds and ``javascript:`` links are gone already, and
    whatever attributes remain never reach the article (nh3 sanitises it). The library's
    cleaner walked every element and link once more (a twentieth of extraction's time);
    this one only copies the page (readability changes it, and the page is read again
    afterwards) and removes comments and processing instructions."""

    def clean_html(self, doc):
        doc = deepcopy(doc)
        for node in doc.xpath("//comment() | //processing-instruction()"):
            node.drop_tree()
        return doc


def use_linear_readability_clean() -> None:
    """Make readability-lxml use ``clean_like_readability`` and ``PrunedPageCleaner``
    (once per process)."""
    import readability.readability as module

    if module.clean is not clean_like_readability:
        clean_like_readability.replaces = module.clean  # type: ignore[attr-defined]  # the library's own, for the tests
        module.clean = clean_like_readability
        module.html_cleaner = PrunedPageCleaner()


# readability-lxml turns a <div> into a <p> when its markup names no block element: it
# serialises the div's content and searches the markup for "<p", "<div", "<img", ... So
# every div's whole subtree is serialised, once per enclosing div, and again for each inline
# child of the divs that stay: a tenth of its time. ``ReadDocument`` asks the tree instead
# (which descendants' tag names that pattern would match) and gives the same result on the
# pages it sees: ``prune_page`` has removed scripts and styles (whose raw text could hold
# "<p"), and ``PrunedPageCleaner`` comments and processing instructions.
BLOCK_NAME_PREFIXES = ("blockquote", "dl", "div", "img", "ol", "p", "pre", "table", "ul")
READABILITY_INLINE_TAGS = frozenset({"a", "b", "cite", "code", "em", "font", "i", "small", "span", "strong",
                                     "sub", "sup", "u"})


def make_read_document(base: type) -> type:
    """readability-lxml's ``Document`` with the div test asked of the tree (above)."""

    class ReadDocument(base):  # a subclass of a class given at run time
        def transform_misused_divs_into_paragraphs(self):
            names = {e.tag for e in self.html.iter(lxml.etree.Element)} | {"div", "p"}
            blocks = [name for name in names if name.lower().startswith(BLOCK_NAME_PREFIXES)]

            def holds_block(element) -> bool:
                return next(element.iterdescendants(*blocks), None) is not None

            for div in self.html.findall(".//div"):
                if not holds_block(div):
                    div.tag = "p"
            for div in self.html.findall(".//div"):
                paragraph = None
                children = list(div)
                if div.text and div.text.strip():
                    paragraph = lxml.html.Element("p")
                    paragraph.text, div.text = div.text, None
                    div.insert(0, paragraph)
                for child in children:
                    if child.tag == "br" or child.tag not in READABILITY_INLINE_TAGS or holds_block(child):
                        paragraph = None
                        continue
                    if paragraph is None:
                        paragraph = lxml.html.Element("p")
                        child.addprevious(paragraph)
                    paragraph.append(child)
                for position, child in reversed(list(enumerate(div))):
                    if child.tail and child.tail.strip():
                        paragraph = lxml.html.Element("p")
                        paragraph.text, child.tail = child.tail, None
                        div.insert(position + 1, paragraph)
                    if child.tag == "br":
                        child.drop_tree()

    return ReadDocument


READ_DOCUMENT = None


def find_body_with_readability(tree: HtmlElement) -> HtmlElement | None:
    """Return readability-lxml's article (a ``<div>``), or None. ``tree`` is left as it was."""
    global READ_DOCUMENT
    if READ_DOCUMENT is None:
        from readability import Document

        READ_DOCUMENT = make_read_document(Document)
    use_linear_readability_clean()

    # no url: links are already absolute, and readability would turn the src="" it
    # leaves after removing a javascript:/data: link into the page URL
    summary = READ_DOCUMENT(tree).summary(html_partial=True)
    if not summary or not summary.strip():
        return None
    return lxml.html.fragment_fromstring(summary, create_parent="div", parser=HTML_PARSER)
