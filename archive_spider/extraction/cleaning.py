"""Removing page furniture: before extraction (whole page) and after it (article HTML).

Before extraction we drop what is never article text (scripts, hidden nodes, share bars,
comment sections, newsletter and author boxes, "Read More" teaser lists, ad rows), so that
the content finders see a page closer to what a reader reads. After extraction we remove the
leftovers those finders let through: spacer images, ``![]()`` and ``|`` debris, empty links
and paragraphs.
"""

from __future__ import annotations

import re

import lxml.etree
import lxml.html
from lxml.html import HtmlElement

from archive_spider.bylines import BYLINE_PREFIX_RE, LEADING_BYLINE_RE

from . import heuristics as h
from .captions import apply_caption_policy
from .text import INLINE_TAGS, normalize_space

TOKEN_SPLIT_RE = re.compile(r"[\s_\-]+")
HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
PROTECTED_TAGS = frozenset({"html", "body", "article", "main"})
LINK_BLOCK_TAGS = frozenset({"td", "div", "section", "ul", "ol", "table", "p", "dl"})
LINE_TAGS = ("h1", "h2", "b", "strong", "font", "span", "div", "p", "small", "address", "header")
HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def prune_page(tree: HtmlElement, title: str | None = None, author: str | None = None) -> None:
    """Remove non-article furniture from a whole parsed page, in place.

    ``title`` and ``author`` (from the metadata) let title lines and bylines written without
    any markup be recognised and removed too.
    """
    for element in list(tree.iter(*h.UNWANTED_TAGS)):
        drop(element)
    flatten_math(tree)
    rename_custom_elements(tree)
    unwrap_script_links(tree)
    stats = TextStats(tree)
    verdicts: dict[tuple, bool] = {}  # class/id strings repeat a lot within one page
    removed: set[HtmlElement] = set()  # inside a block dropped already: nothing to judge
    for element in list(tree.iter(lxml.etree.Element)):
        if element in removed or element.getparent() is None:
            continue
        if is_hidden(element) or is_furniture(element, stats, verdicts):
            removed.update(element.iter(lxml.etree.Element))
            drop(element)
        elif element.tag in INLINE_TAGS:
            # the finders drop inline elements by class ("menu", "popup", "tweet") and
            # take the sentence's words with them; inline names carry no layout meaning
            element.attrib.pop("class", None)
            element.attrib.pop("id", None)
    remove_teaser_sections(tree)
    remove_title_and_byline_lines(tree, title, author)


def remove_title_and_byline_lines(tree: HtmlElement, title: str | None, author: str | None) -> None:
    """Remove unmarked title lines (``<b>Title</b><br>``) and bylines ("By Jim Waters in
    Garden | Added: 2009"): the Article carries both apart from the text."""
    wanted_title = normalize_space(title or "").casefold()
    names = [name.casefold() for name in (author or "").split(", ") if name]
    if not wanted_title and not names:
        return
    for element in list(tree.iter(*LINE_TAGS)):
        if element.getparent() is None or element.find(".//p") is not None:
            continue
        text = read_short_text(element)
        if not text:
            continue
        folded = text.casefold()
        is_title = len(wanted_title.split()) >= h.MIN_TITLE_WORDS and folded == wanted_title
        is_byline = bool(names) and BYLINE_PREFIX_RE.match(text) and any(n in folded for n in names)
        if is_title or is_byline:
            drop(element)


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


def promote_lazy_images(tree: HtmlElement) -> None:
    """Give lazy-loaded images their real source (data-src, srcset) in place of a placeholder."""
    for image in tree.iter("img"):
        src = (image.get("src") or "").strip()
        if src and not h.PLACEHOLDER_SRC_RE.search(src):
            continue
        for attribute in h.LAZY_SRC_ATTRIBUTES:
            value = (image.get(attribute) or "").strip()
            if attribute.endswith("srcset") and value:
                value = value.split(",")[0].split()[0]
            if value and not value.startswith("data:"):
                image.set("src", value)
                break


def remove_sourceless_images(tree: HtmlElement) -> None:
    """Remove images without a usable src (empty, or a data: URL that is not an image),
    before resolving links turns "" into the page URL."""
    for image in list(tree.iter("img")):
        src = (image.get("src") or "").strip().lower()
        if (not src and not image.get("data-src")) or (src.startswith("data:") and not src.startswith("data:image/")):
            drop(image)


def is_hidden(element: HtmlElement) -> bool:
    """True for elements a reader cannot see (hidden attribute, display:none, aria-hidden)."""
    if element.tag in PROTECTED_TAGS:
        return False
    if element.get("hidden") is not None or element.get("aria-hidden") == "true":
        # images inside aria-hidden wrappers are usually decorative; keep real pictures
        return element.tag != "img" and element.find(".//img") is None
    style = element.get("style")
    return bool(style and HIDDEN_STYLE_RE.search(style))


class TextStats:
    """Characters, link characters and links below each element, counted in one pass.

    Measured once before pruning; later removals leave the ancestors' figures a little high,
    which only makes the furniture tests more careful.
    """

    def __init__(self, tree: HtmlElement) -> None:
        self.counts: dict[HtmlElement, tuple[int, int, int]] = {}
        counts = self.counts
        # reversed document order visits every child before its parent, without recursion
        for element in reversed(list(tree.iter())):
            text = element.text if isinstance(element.tag, str) else None
            chars = len(text.strip()) if text else 0
            link_chars = links = 0
            for child in element:
                child_chars, child_link_chars, child_links = counts[child]
                tail = child.tail
                chars += child_chars + (len(tail.strip()) if tail else 0)
                link_chars += child_link_chars
                links += child_links
            if element.tag == "a":
                link_chars, links = chars, links + 1
            counts[element] = (chars, link_chars, links)
        self.page_chars = counts[tree][0] or 1

    def chars(self, element: HtmlElement) -> int:
        return self.counts.get(element, (0, 0, 0))[0]

    def is_small_share(self, element: HtmlElement) -> bool:
        """True when the element holds only a small part of the page's text."""
        return self.chars(element) < h.MAX_FURNITURE_TEXT_SHARE * self.page_chars

    def is_link_list(self, element: HtmlElement) -> bool:
        """True for menus and link columns: many links, nearly all of the text link text."""
        chars, link_chars, links = self.counts.get(element, (0, 0, 0))
        if links < h.MIN_LINK_LIST_LINKS or element.find(".//h1") is not None:
            return False
        return link_chars >= h.MIN_LINK_LIST_DENSITY * max(chars, 1)


def is_furniture(element: HtmlElement, stats: TextStats, verdicts: dict | None = None) -> bool:
    """True for share bars, comment sections, ad rows, author boxes and similar blocks.

    ``verdicts`` memoises the class/id test for the page being pruned.
    """
    tag = element.tag
    if tag in PROTECTED_TAGS or tag in ("head", "title", "meta", "link"):
        return False
    if tag in ("nav", "aside") or element.get("role") in h.BOILERPLATE_ROLES:
        return stats.is_small_share(element)
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
        return stats.is_small_share(element)
    if tag in LINK_BLOCK_TAGS and stats.is_link_list(element) and stats.is_small_share(element):
        return True
    if (
        tag in ("p", "div", "span", "li", "section", "aside", "center", "font", "figure")
        and len(element) <= 3
        and 0 < stats.chars(element) <= h.MAX_FURNITURE_LINE_CHARS
    ):
        text = read_short_text(element)
        if text and (h.ADVERTISEMENT_TEXT_RE.match(text) or is_share_text(text)):
            return True
    return False


def read_short_text(element: HtmlElement) -> str | None:
    """Return the element's text if it is a short line (furniture-sized), else None."""
    text = element.text_content()  # in C; the caller made sure the element is small
    return normalize_space(text) if len(text) <= h.MAX_FURNITURE_LINE_CHARS else None


def names_furniture(names: list[str]) -> bool:
    """True when one of the class names or ids names a furniture block.

    Long names are slugs of headings ("sharing-with-a-single-developer"), not furniture.
    """
    for name in names:
        tokens = TOKEN_SPLIT_RE.split(name)
        if len(tokens) > h.MAX_FURNITURE_NAME_TOKENS:
            continue
        if h.BOILERPLATE_TOKENS.intersection(tokens) or h.BOILERPLATE_JOINED_RE.search(name):
            return True
    return False


def is_share_text(text: str) -> bool:
    """True for "Share this: Twitter | Facebook"-like lines."""
    if not h.SHARE_TEXT_RE.match(text):
        return False
    words = re.findall(r"[\w-]+", text.lower())
    networks = sum(word in h.SOCIAL_NETWORK_WORDS for word in words)
    return networks >= max(1, len(words) // 2)


def remove_teaser_sections(tree: HtmlElement) -> None:
    """Remove "Read More" / "Comments" / "Related" headings with the lists they introduce,
    or with the small box they head (author bio, newsletter sign-up)."""
    for heading in list(tree.iter(*HEADING_TAGS)):
        if heading.getparent() is None:
            continue
        if not h.FURNITURE_HEADING_RE.match(normalize_space(heading.text_content())):
            continue
        box = heading.getparent()
        if (
            box.tag not in PROTECTED_TAGS
            and box.find(".//h1") is None
            and len(normalize_space(box.text_content())) <= h.MAX_FURNITURE_BOX_CHARS
        ):
            drop(box)
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
    return text > 0 and links / text > h.LINK_HEAVY_DENSITY


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
    for element in list(root.iter("p", "div", "tr", "li", *HEADING_TAGS, "blockquote", "span", "figure")):
        if element.getparent() is None:
            continue
        raw = element.text_content()
        if len(raw) > h.MAX_FURNITURE_RAW_CHARS:
            continue  # every row below is a short line: no need to tidy a container's text
        text = normalize_space(raw)
        if element.tag == "figure":  # a picture captioned "Advertisement" is an advertisement
            if text and h.ADVERTISEMENT_TEXT_RE.match(text):
                drop(element)
        elif h.PIPES_ONLY_RE.match(text) and element.find(".//img") is None:
            drop(element)
        elif text and (h.ADVERTISEMENT_TEXT_RE.match(text) or is_share_text(text) or is_link_row(element, text)
                       or h.UTILITY_LINE_RE.match(text) or is_pointer_line(element, text)
                       or is_tag_row(element, text)):
            drop(element)
    for link in list(root.iter("a")):
        if not normalize_space(link.text_content()) and link.find(".//img") is None:
            drop(link)
    remove_teaser_sections(root)
    remove_leading_byline(root)
    apply_caption_policy(root)
    remove_empty_blocks(root)


def remove_leading_byline(root: HtmlElement) -> None:
    """Remove a byline block among the first blocks of the body ("By Nathan Willis ...")."""
    for block in list(root)[: h.MAX_LEADING_BLOCKS_CHECKED]:
        text = normalize_space(block.text_content())
        words = text.split()
        if len(words) <= h.MAX_BYLINE_BLOCK_WORDS and LEADING_BYLINE_RE.match(text) and words[1][:1].isupper():
            drop(block)
            return


def is_pointer_line(element: HtmlElement, text: str) -> bool:
    """True for a short line that only points to another page: "Next page: Security>>",
    "← Previous: Older post", "Main article: Firefox" (never a list item or table row)."""
    return (element.tag not in ("li", "tr") and bool(h.POINTER_LINE_RE.match(text))
            and len(text.split()) <= h.MAX_POINTER_LINE_WORDS)


def is_tag_row(element: HtmlElement, text: str) -> bool:
    """True for a row of the article's tags or categories: "Tags: python, docker",
    "Filed under: Travel", mostly links after its label."""
    label = h.TAG_ROW_RE.match(text)
    if label is None or len(text.split()) > h.MAX_POINTER_LINE_WORDS * 2:
        return False
    links = element.findall(".//a")
    if not links:
        return False
    link_chars = sum(len("".join(a.text_content().split())) for a in links)
    label_end = label.end()
    rest_chars = len(h.ROW_SEPARATORS_RE.sub("", text[label_end:]))
    return link_chars >= h.MIN_TAG_ROW_LINK_SHARE * max(rest_chars, 1)


def is_link_row(element: HtmlElement, text: str) -> bool:
    """True for short rows made only of links ("Print this article | Send to a friend")."""
    links = element.findall(".//a")
    if len(links) < 2 or len(text.split()) > h.MAX_LINK_ROW_WORDS:
        return False
    link_chars = sum(len("".join(a.text_content().split())) for a in links)
    row_chars = len(h.ROW_SEPARATORS_RE.sub("", text))
    return link_chars >= h.MIN_LINK_ROW_DENSITY * row_chars


def is_spacer_image(image: HtmlElement) -> bool:
    """True for images without a real source: empty src, 1x1 pixels, tracking beacons."""
    src = (image.get("src") or "").strip()
    if not src or src in ("#", "about:blank"):
        return True
    if src.startswith("data:") and not src.startswith("data:image/"):
        return True
    if src.startswith("data:image/gif") and len(src) < h.MAX_PLACEHOLDER_DATA_URI:
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
