"""Removing page furniture: before extraction (whole page) and after it (article HTML).

Before extraction we drop what is never article text (scripts, hidden nodes, share bars,
comment sections, newsletter and author boxes, "Read More" teaser lists, ad rows), so that
the content finders see a page closer to what a reader reads. After extraction we remove the
leftovers those finders let through: spacer images, ``![]()`` and ``|`` debris, empty links
and paragraphs.
"""

from __future__ import annotations

import re

import lxml.html
from lxml.html import HtmlElement

from . import heuristics as h
from .text import normalize_space

TOKEN_SPLIT_RE = re.compile(r"[\s_\-]+")
HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
PROTECTED_TAGS = frozenset({"html", "body", "article", "main"})
INLINE_TAGS = frozenset({"a", "span", "em", "strong", "b", "i", "u", "font", "abbr", "sup", "sub",
                         "small", "mark", "cite", "q", "time", "code", "label"})
HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")

# A furniture block holding more than this share of the page's text is probably the
# article itself wearing an unlucky class name ("has-sidebar", "comments-open").
MAX_FURNITURE_TEXT_SHARE = 0.35

# Class names and ids with more parts than this are slugs of headings, not layout names.
MAX_FURNITURE_NAME_TOKENS = 4


def prune_page(tree: HtmlElement) -> None:
    """Remove non-article furniture from a whole parsed page, in place."""
    for element in list(tree.iter(*h.UNWANTED_TAGS)):
        drop(element)
    flatten_math(tree)
    rename_custom_elements(tree)
    unwrap_script_links(tree)
    page_length = len(normalize_space(tree.text_content())) or 1
    verdicts: dict[tuple, bool] = {}  # class/id strings repeat a lot within one page
    for element in list(tree.iter()):
        if not isinstance(element.tag, str) or element.getparent() is None:
            continue
        if is_hidden(element) or is_furniture(element, page_length, verdicts):
            drop(element)
        elif element.tag in INLINE_TAGS:
            # the finders drop inline elements by class ("menu", "popup", "tweet") and
            # take the sentence's words with them; inline names carry no layout meaning
            element.attrib.pop("class", None)
            element.attrib.pop("id", None)
    remove_teaser_sections(tree)


def flatten_math(tree: HtmlElement) -> None:
    """Replace MathML with its plain text, which the finders and sanitiser would drop."""
    for math in list(tree.iter("math", "{http://www.w3.org/1998/Math/MathML}math")):
        if math.getparent() is None:
            continue
        text = " ".join(part.strip() for part in math.itertext() if part.strip())
        replacement = lxml.html.Element("span")
        replacement.text = text
        replacement.tail = math.tail
        math.getparent().replace(math, replacement)


def unwrap_script_links(tree: HtmlElement) -> None:
    """Keep the words of javascript: links (popups, notes) as text; finders drop the links."""
    for link in list(tree.iter("a")):
        if (link.get("href") or "").strip().lower().startswith("javascript:"):
            link.drop_tag()


def rename_custom_elements(tree: HtmlElement) -> None:
    """Turn custom elements (<story-body>, <mjx-container>) into div/span the finders know."""
    for element in tree.iter():
        tag = element.tag
        if isinstance(tag, str) and "-" in tag:
            has_blocks = element.find(".//p") is not None or element.find(".//div") is not None
            element.tag = "div" if has_blocks else "span"


def remove_sourceless_images(tree: HtmlElement) -> None:
    """Remove images with an empty src, before resolving links turns "" into the page URL."""
    for image in list(tree.iter("img")):
        if not (image.get("src") or "").strip() and not image.get("data-src"):
            drop(image)


def is_hidden(element: HtmlElement) -> bool:
    """True for elements a reader cannot see (hidden attribute, display:none, aria-hidden)."""
    if element.tag in PROTECTED_TAGS:
        return False
    if "hidden" in element.attrib or element.get("aria-hidden") == "true":
        # images inside aria-hidden wrappers are usually decorative; keep real pictures
        return element.tag != "img" and element.find(".//img") is None
    style = element.get("style")
    return bool(style and HIDDEN_STYLE_RE.search(style))


def is_furniture(element: HtmlElement, page_length: int, verdicts: dict | None = None) -> bool:
    """True for share bars, comment sections, ad rows, author boxes and similar blocks.

    ``verdicts`` memoises the class/id test for the page being pruned.
    """
    tag = element.tag
    if tag in PROTECTED_TAGS or tag in ("head", "title", "meta", "link"):
        return False
    if tag in ("nav", "aside") or element.get("role") in h.BOILERPLATE_ROLES:
        return is_small_share(element, page_length)
    if tag in INLINE_TAGS:  # a "popup" link or "tag" span inside a sentence is still text
        return False
    key = (element.get("class"), element.get("id"))
    if key == (None, None):
        named_furniture = False
    elif verdicts is not None and key in verdicts:
        named_furniture = verdicts[key]
    else:
        names = " ".join(filter(None, key)).lower().split()
        named_furniture = names_furniture(names)
        if verdicts is not None:
            verdicts[key] = named_furniture
    if named_furniture:
        if element.find(".//h1") is not None:  # an article header is not furniture
            return False
        return is_small_share(element, page_length)
    if tag in ("p", "div", "span", "li", "section", "aside", "center", "font") and len(element) <= 3:
        text = read_short_text(element)
        if text and (h.ADVERTISEMENT_TEXT_RE.match(text) or is_share_text(text)):
            return True
    return False


def read_short_text(element: HtmlElement) -> str | None:
    """Return the element's text if it is a short line (furniture-sized), else None."""
    length, parts = 0, []
    for part in element.itertext():
        length += len(part)
        if length > h.MAX_FURNITURE_LINE_CHARS:
            return None
        parts.append(part)
    return normalize_space("".join(parts))


def names_furniture(names: list[str]) -> bool:
    """True when one of the class names or ids names a furniture block.

    Long names are slugs of headings ("sharing-with-a-single-developer"), not furniture.
    """
    for name in names:
        tokens = TOKEN_SPLIT_RE.split(name)
        if len(tokens) > MAX_FURNITURE_NAME_TOKENS:
            continue
        if h.BOILERPLATE_TOKENS.intersection(tokens) or h.BOILERPLATE_JOINED_RE.search(name):
            return True
    return False


def is_small_share(element: HtmlElement, page_length: int) -> bool:
    """True when the element holds only a small part of the page's text."""
    return len(normalize_space(element.text_content())) < MAX_FURNITURE_TEXT_SHARE * page_length


def is_share_text(text: str) -> bool:
    """True for "Share this: Twitter | Facebook"-like lines."""
    if not h.SHARE_TEXT_RE.match(text):
        return False
    words = re.findall(r"[\w-]+", text.lower())
    networks = sum(word in h.SOCIAL_NETWORK_WORDS for word in words)
    return networks >= max(1, len(words) // 2)


def remove_teaser_sections(tree: HtmlElement) -> None:
    """Remove "Read More" / "Comments" / "Related" headings with the lists they introduce."""
    for heading in list(tree.iter(*HEADING_TAGS)):
        if heading.getparent() is None:
            continue
        if not h.FURNITURE_HEADING_RE.match(normalize_space(heading.text_content())):
            continue
        following = heading.getnext()
        while following is not None and following.tag in ("ul", "ol", "div", "section", "p"):
            if following.tag == "p" and not is_link_heavy(following):
                break
            if following.find(".//h1") is not None:
                break
            nxt = following.getnext()
            drop(following)
            following = nxt
            if following is not None and following.tag in HEADING_TAGS:
                break
        drop(heading)


def is_link_heavy(element: HtmlElement) -> bool:
    """True when most of the element's text is link text."""
    text = len(normalize_space(element.text_content()))
    links = sum(len(normalize_space(a.text_content())) for a in element.iterfind(".//a"))
    return text > 0 and links / text > 0.5


def drop(element: HtmlElement) -> None:
    """Remove ``element`` and its content but keep the text that follows it."""
    if element.getparent() is not None:
        element.drop_tree()


# --- after extraction ---------------------------------------------------------------------


def clean_article(root: HtmlElement) -> None:
    """Remove leftovers from extracted article HTML, in place."""
    for image in list(root.iter("img")):
        if is_spacer_image(image):
            drop(image)
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        if element.text and "![" in element.text:
            element.text = h.MARKDOWN_IMAGE_RE.sub("", element.text)
        if element.tail and "![" in element.tail:
            element.tail = h.MARKDOWN_IMAGE_RE.sub("", element.tail)
    for element in list(root.iter("p", "div", "tr", "li", *HEADING_TAGS, "blockquote", "span")):
        if element.getparent() is None:
            continue
        text = normalize_space(element.text_content())
        if h.PIPES_ONLY_RE.match(text) and element.find(".//img") is None:
            drop(element)
        elif text and (h.ADVERTISEMENT_TEXT_RE.match(text) or is_share_text(text)):
            drop(element)
    for link in list(root.iter("a")):
        if not normalize_space(link.text_content()) and link.find(".//img") is None:
            drop(link)
    remove_teaser_sections(root)
    remove_empty_blocks(root)


def is_spacer_image(image: HtmlElement) -> bool:
    """True for images without a real source: empty src, 1x1 pixels, tracking beacons."""
    src = (image.get("src") or "").strip()
    if not src or src in ("#", "about:blank"):
        return True
    if src.startswith("data:") and not src.startswith("data:image/") or (
        src.startswith("data:image/gif") and len(src) < 200
    ):
        return True
    if h.TRACKING_IMAGE_RE.search(src):
        return True
    for attribute in ("width", "height"):
        value = (image.get(attribute) or "").strip().removesuffix("px")
        if value.isdigit() and int(value) <= h.MAX_SPACER_IMAGE_SIZE:
            return True
    return False


def remove_empty_blocks(root: HtmlElement) -> None:
    """Remove blocks with no text and no image, innermost first."""
    blocks = ("p", "div", "span", "li", "ul", "ol", "blockquote", "figure", "figcaption", "em",
              "strong", "b", "i", "table", "tr", "pre", "code", *HEADING_TAGS)
    for element in reversed(list(root.iter(*blocks))):
        if element.getparent() is None:
            continue
        if normalize_space(element.text_content()) or element.find(".//img") is not None:
            continue
        drop(element)


def remove_title_heading(root: HtmlElement, title: str | None) -> None:
    """Remove a heading near the top that repeats the title (the Article has it apart)."""
    if not title:
        return
    wanted = normalize_space(title).casefold()
    for element in list(root.iter("h1", "h2", "h3", "p"))[:3]:
        if normalize_space(element.text_content()).casefold() == wanted:
            drop(element)
            return


def unwrap_dead_links(root: HtmlElement) -> None:
    """Turn links without an http(s) target into plain text (they lead nowhere offline)."""
    for link in list(root.iter("a")):
        if not (link.get("href") or "").lower().startswith(("http://", "https://")):
            link.drop_tag()
