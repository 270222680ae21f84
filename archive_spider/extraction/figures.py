"""Putting back the article's own pictures, with their captions, that the finders dropped.

Both finders judge blocks by their prose, so a ``<figure>`` whose caption is a line and a
photo credit loses to the paragraphs around it, and readability-lxml keeps only the
paragraphs' container when the figure sits beside it. A figure belongs to the article
when it stands between two paragraphs of the chosen body (or after its last paragraph,
at the end of the page): pictures in sidebars, teaser boxes and galleries around the
article do not, and stay out with their captions.
"""

from __future__ import annotations

from copy import deepcopy

import lxml.html
from lxml.html import HtmlElement

from . import heuristics as h
from .cleaning import is_spacer_image
from .content import Candidate, covering_block, map_shingles_to_blocks
from .fragments import serialize_block
from .sanitizing import sanitize_html
from .shingles import count_shingles, tokenize
from .text import normalize_space, render_text
from .loading import HTML_PARSER

# The nearest paragraph-like element before or after a figure, in document order.
PREVIOUS_TEXT_XPATH = "preceding::*[self::p or self::li][normalize-space()][1]"
NEXT_TEXT_XPATH = "following::*[self::p or self::li][normalize-space()][1]"


def restore_figures(body: Candidate, page: HtmlElement) -> Candidate:
    """Return ``body`` with the figures of ``page`` (the pruned page the finders read)
    that lie inside the article and are missing from ``body``, each after the paragraph
    it follows on the page; a picture the body shows without its caption gets it, and a
    picture the body shows twice (once from each finder) is shown once."""
    blocks = list(body.root)
    figures = [figure for figure in page.iter("figure") if figure.find(".//img") is not None]
    changed = False
    if figures:
        blocks, changed = add_missing_figures(body, blocks, figures)
    tidied = False
    if changed or "<img" in body.html:
        blocks, tidied = join_pictures_and_captions(blocks)
    if not changed and not tidied:
        return body
    root = lxml.html.fragment_fromstring("<div></div>", parser=HTML_PARSER)
    root.extend(deepcopy(block) for block in blocks)
    html = "\n".join(serialize_block(block) for block in root)
    return Candidate(body.name + "+figures", root, render_text(root), html)


def add_missing_figures(
    body: Candidate, blocks: list[HtmlElement], figures: list[HtmlElement]
) -> tuple[list[HtmlElement], bool]:
    """The body's blocks with the missing figures of the article put in, and whether any were."""
    shown = {image.get("src") for image in body.root.iter("img")}
    # pictures the body shows on their own, without a caption: a caption can join them
    bare = {picture_source(block): index for index, block in enumerate(blocks)
            if is_picture(block) and not caption_of(block)}
    owner = None
    folded_text = None
    insertions: dict[int, list[HtmlElement]] = {}
    replacements: dict[int, HtmlElement] = {}
    for figure in figures[: h.MAX_RESTORED_FIGURES_CHECKED]:
        image = figure.find(".//img")
        source = (image.get("src") or "").strip()
        if not source.startswith(("http://", "https://")) or is_spacer_image(image):
            continue
        caption = read_caption(figure)
        if caption and h.ADVERTISEMENT_TEXT_RE.match(caption):
            continue  # an advertisement (clean_article removes those the finders kept)
        if caption:
            if folded_text is None:
                folded_text = fold(body.text)
            if fold(caption) in folded_text:  # the body has the caption already
                continue
        if source in bare and caption:
            replacements[bare[source]] = build_figure(image, caption)
            continue
        if source in shown:
            continue
        if owner is None:
            owner = map_shingles_to_blocks(blocks)
        position = place_in_body(figure, owner)
        if position is not None:
            insertions.setdefault(position, []).append(build_figure(image, caption))
    if not insertions and not replacements:
        return blocks, False
    result = []
    for index, block in enumerate(blocks):
        result.append(replacements.get(index, block))
        result.extend(insertions.get(index, []))
    return result, True


def join_pictures_and_captions(blocks: list[HtmlElement]) -> tuple[list[HtmlElement], bool]:
    """Give a caption standing alone after a picture to that picture, and show a picture
    that occurs twice once (with its caption, if one of the two has it)."""
    result: list[HtmlElement] = []
    seen: dict[str, int] = {}  # picture source -> its index in result
    changed = False
    for block in blocks:
        if block.tag == "figcaption" and result and is_picture(result[-1]) and not caption_of(result[-1]):
            caption = normalize_space(block.text_content())
            if caption:
                result[-1] = build_figure(result[-1].find(".//img"), caption)
                changed = True
                continue
        if is_picture(block):
            source = picture_source(block)
            if source in seen:
                earlier = seen[source]
                if caption_of(block) and not caption_of(result[earlier]):
                    result[earlier] = block
                changed = True
                continue
            seen[source] = len(result)
        result.append(block)
    return result, changed


def is_picture(block: HtmlElement) -> bool:
    """True for a body block that is one picture: a figure, or a paragraph holding only an
    image."""
    images = block.findall(".//img")
    if len(images) != 1 or not images[0].get("src"):
        return False
    return block.tag == "figure" or (block.tag == "p" and not normalize_space(block.text_content()))


def picture_source(block: HtmlElement) -> str:
    return block.find(".//img").get("src")


def caption_of(block: HtmlElement) -> str:
    caption = block.find(".//figcaption")
    return normalize_space(caption.text_content()) if caption is not None else ""


def read_caption(figure: HtmlElement) -> str:
    """The figure's caption: its ``<figcaption>``, or a caption element right after it
    (some templates close the figure before the caption). Empty when there is none, or
    when it is mostly links (a teaser card, not a caption)."""
    caption = figure.find(".//figcaption")
    if caption is None:
        following = figure.getnext()
        if following is not None and (
            following.tag == "figcaption" or "caption" in (following.get("class") or "").lower()
        ):
            caption = following
    if caption is None:
        return ""
    text = normalize_space(caption.text_content())
    if len(text.split()) > h.MAX_CAPTION_WORDS:
        return ""
    link_chars = sum(len(normalize_space(a.text_content())) for a in caption.iter("a"))
    return "" if link_chars > h.MAX_CAPTION_LINK_SHARE * len(text) else text


def fold(text: str) -> str:
    """``text`` with white space collapsed and case folded, for containment tests."""
    return normalize_space(text).casefold()


def place_in_body(figure: HtmlElement, owner: dict[tuple, int]) -> int | None:
    """The index of the body block after which ``figure`` goes, or None when the figure
    is not inside the article: the paragraph before it must be in the body, and so must
    the paragraph after it, if there is one."""
    if any(ancestor.tag == "a" for ancestor in figure.iterancestors()):
        return None  # a linked picture is a teaser for another page
    previous = figure.xpath(PREVIOUS_TEXT_XPATH)
    if not previous:
        return None
    position = covering_block(owner, count_shingles(tokenize(previous[0].text_content())))
    if position is None:
        return None
    following = figure.xpath(NEXT_TEXT_XPATH)
    if following:
        after = covering_block(owner, count_shingles(tokenize(following[0].text_content())))
        if after is None or after < position:
            return None
    return position


def build_figure(image: HtmlElement, caption: str) -> HtmlElement:
    """A clean ``<figure>``: the image (source and alt text) and the caption."""
    figure = lxml.html.Element("figure")
    picture = lxml.html.Element("img", src=image.get("src").strip())
    if image.get("alt"):
        picture.set("alt", normalize_space(image.get("alt")))
    figure.append(picture)
    if caption:
        figcaption = lxml.html.Element("figcaption")
        figcaption.text = caption
        figure.append(figcaption)
    # the same allow-list as every other block of the body
    return lxml.html.fragment_fromstring(sanitize_html(lxml.html.tostring(figure, encoding="unicode")), parser=HTML_PARSER)
