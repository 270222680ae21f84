"""The text policy for pictures: a caption at most once, photo credits never, no slideshows.

The finders judge blocks by their words, so what a page writes around its pictures comes
through with the prose: a caption repeated by a lightbox or a second layout, the credit
line under it ("Photo: Jane Roe, AP", "Getty Images"), the label of a player ("Video"),
and the slides of a gallery of other stories ("1/50 ... 2/50 ..."). This pass runs on the
chosen body, after the figures are restored, and removes them from html and text alike;
figures keep their pictures and their (first) caption.
"""

from __future__ import annotations

import lxml.etree
from lxml.html import HtmlElement

from . import heuristics as h
from .text import normalize_space

# Elements read as one line of text each: where captions, credits and counters stand.
LINE_TAGS = ("p", "figcaption", "caption", "li", "h2", "h3", "h4", "h5", "h6", "div", "span",
             "small", "em", "i", "strong", "b", "cite", "dt", "dd", "blockquote")
HEADING_TAGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
LINE_HOLDERS = ("figcaption", "caption", "p", *sorted(HEADING_TAGS))
# Elements a credit line stands in (headings name sections; inline elements are judged
# with the line around them, or as a caption's last part).
CREDIT_TAGS = ("p", "figcaption", "caption", "li", "div", "dt", "dd", "blockquote")
CAPTION_TAGS = frozenset({"figcaption", "caption", "p"})  # lines a credit may end
CONTAINER_TAGS = frozenset({"div", "ul", "ol", "section", "figure", "table", "tbody", "dl", "blockquote"})


def apply_caption_policy(root: HtmlElement) -> bool:
    """Remove credits, media labels, repeated captions and slideshows from the body
    ``root``, in place. Returns whether anything changed."""
    changed = remove_slideshows(root)
    changed |= remove_credit_lines(root)
    changed |= remove_repeated_captions(root)
    return changed


def is_credit_line(text: str) -> bool:
    """True for a line that is only a photo credit or a media label."""
    if not text or len(text) > h.MAX_CREDIT_CHARS or len(text.split()) > h.MAX_CREDIT_WORDS:
        return False
    if h.MEDIA_LABEL_RE.match(text):
        return True
    # the full pattern only for lines with a credit's words (most short lines are not)
    return has_credit_hint(text) and bool(h.CREDIT_LINE_RE.match(text))


def has_credit_hint(text: str) -> bool:
    """True when ``text`` holds a credit's label or an agency's name (then it is worth
    the full credit patterns)."""
    return h.CREDIT_HINT_RE.search(text) or h.AGENCY_HINT_RE.search(text)


def remove_credit_lines(root: HtmlElement) -> bool:
    """Drop elements whose whole text is a credit; cut credits off the end of captions."""
    changed = False
    for element in list(root.iter(*CREDIT_TAGS)):
        if element.getparent() is None or next(element.iterchildren(*CREDIT_TAGS), None) is not None:
            continue  # a line holding lines is judged by its lines
        raw = element.text_content()
        # most lines are prose: too long for a credit, and without a credit's words at the end
        short = len(raw) <= 2 * h.MAX_CREDIT_CHARS
        if not short and not (element.tag in CAPTION_TAGS and has_credit_hint(raw[-h.MAX_CREDIT_CHARS:])):
            continue
        text = normalize_space(raw)
        # a line with a picture is not a credit line, but its caption may end with one
        if short and element.find(".//img") is None and is_credit_line(text):
            drop_keeping_tail(element)
            changed = True
        elif element.tag in CAPTION_TAGS and text and len(text.split()) <= h.MAX_CAPTION_WORDS:
            changed |= cut_trailing_credit(element)
    # a credit as loose text after a picture, a line break or a line of a caption:
    # "<img>Photo: AP", "<figcaption><p>The pumps.</p> Foto: sidm / DW</figcaption>"
    for node in list(root.iter(lxml.etree.Element)):
        tail = node.tail
        if tail and len(tail) <= 2 * h.MAX_CREDIT_CHARS and is_credit_line(normalize_space(tail)):
            node.tail = None
            changed = True
    return changed


def cut_trailing_credit(element: HtmlElement) -> bool:
    """Remove "| Photo: Jane Roe/AP" from the end of a caption's last piece of text."""
    children = list(element)
    if children:
        last = children[-1]
        piece, owner, attribute = last.tail, last, "tail"
        if not (piece and piece.strip()):  # the credit may be a child of its own
            if last.tag not in ("br", "img") and is_credit_line(normalize_space(last.text_content())):
                drop_keeping_tail(last)
                return True
            return False
    else:
        piece, owner, attribute = element.text, element, "text"
    if not piece or not has_credit_hint(piece[-h.MAX_CREDIT_CHARS:]):
        return False
    cut = h.TRAILING_CREDIT_RE.sub("", piece.rstrip())
    if cut == piece.rstrip() or not normalize_space(cut) and owner is element:
        return False  # nothing to cut, or the whole line is the credit (handled by the caller)
    setattr(owner, attribute, cut)
    return True


def fold(text: str) -> str:
    return normalize_space(text).casefold()


def remove_repeated_captions(root: HtmlElement) -> bool:
    """Keep a caption once: a caption (``figcaption``, or a short line next to a picture)
    that repeats a line seen earlier in the body goes, and so does a heading that repeats
    the line just before it (two layouts of one gallery or box title)."""
    changed = False
    seen: set[str] = set()
    previous = None
    pictured = root.find(".//img") is not None or root.find(".//figcaption") is not None
    for element in list(root.iter(*(LINE_HOLDERS if pictured else HEADING_TAGS))):
        if element.getparent() is None or next(element.iterdescendants(*LINE_HOLDERS), None) is not None:
            continue  # a line holding lines is judged by its lines
        key = fold(element.text_content())
        if not key:
            continue
        words = len(key.split())
        caption = element.tag in ("figcaption", "caption") or (
            words <= h.MAX_LOOSE_CAPTION_WORDS and is_beside_picture(element))
        if key in seen and (caption or (key == previous and element.tag in HEADING_TAGS)):
            drop_keeping_tail(element)
            changed = True
            continue
        seen.add(key)
        previous = key
    return changed


def is_beside_picture(element: HtmlElement) -> bool:
    """True for a line directly after (or inside the same figure as) a picture."""
    if element.getparent() is not None and element.getparent().tag == "figure":
        return True
    before = element.getprevious()
    return before is not None and (before.tag in ("img", "figure") or (
        before.tag == "p" and not normalize_space(before.text_content()) and before.find(".//img") is not None))


def remove_slideshows(root: HtmlElement) -> bool:
    """Remove galleries whose slides are numbered ("1/50", "2/50", ...): their captions
    describe pictures the archive does not keep, usually of other stories. The smallest
    element holding every counter goes, with a heading just before it; when the counters
    sit loose in the body, only they go. A page that is mostly the slideshow keeps it."""
    counters: dict[str, list[HtmlElement]] = {}
    for element in root.iter(*LINE_TAGS):
        if len(element) == 0 or element.tag in HEADING_TAGS or element.tag == "p":
            raw = element.text_content()
            if len(raw) > h.MAX_COUNTER_CHARS or not any(c.isdigit() for c in raw):
                continue
            match = h.SLIDE_COUNTER_RE.match(normalize_space(raw))
            if match and int(match.group(1)) <= int(match.group(2)):
                counters.setdefault(match.group(2), []).append(element)
    changed = False
    total_words = len(root.text_content().split())
    for slides in counters.values():
        if len({normalize_space(s.text_content()) for s in slides}) < h.MIN_SLIDESHOW_COUNTERS:
            continue
        holder = common_ancestor(slides)
        if holder is not None and holder is not root and holder.tag in CONTAINER_TAGS:
            if total_words - len(holder.text_content().split()) >= h.MIN_WORDS_BESIDE_SLIDESHOW:
                heading = holder.getprevious()
                while heading is not None and heading.tag in HEADING_TAGS:
                    before = heading.getprevious()
                    drop_keeping_tail(heading)
                    heading = before
                drop_keeping_tail(holder)
                changed = True
                continue
        for slide in slides:
            if slide.getparent() is not None:
                drop_keeping_tail(slide)
                changed = True
    return changed


def common_ancestor(elements: list[HtmlElement]) -> HtmlElement | None:
    """The innermost element that holds all of ``elements``."""
    paths = []
    for element in elements:
        path = list(element.iterancestors())[::-1]
        paths.append(path)
    shared = None
    for level in zip(*paths):
        if any(node is not level[0] for node in level):
            break
        shared = level[0]
    return shared


def drop_keeping_tail(element: HtmlElement) -> None:
    """Remove ``element`` but keep the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    previous = element.getprevious()
    parent.remove(element)
    if tail and tail.strip():
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail

