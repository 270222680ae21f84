"""The standfirst: the lead paragraph set above the article, apart from its body.

News and magazine templates print the article's summary in bold between the headline and
the body, in a container of its own, so the finders (which take one container) leave it
out. The same words are usually the page's description (``<meta name="description">``,
``og:description``). When the description stands on the page as a block of its own and
the body lacks it, it is the article's first paragraph: it is put back at the start.
"""

from __future__ import annotations

from lxml.html import HtmlElement

from . import heuristics as h
from .content import Candidate
from .fragments import serialize_block
from .shingles import containment, count_shingles, tokenize
from .text import normalize_space, render_text

BLOCK_TAGS = frozenset({"p", "div", "h2", "h3", "h4", "header", "section"})
FURNITURE_ANCESTORS = frozenset({"a", "nav", "aside", "footer", "li", "figcaption", "button", "label"})


def restore_standfirst(body: Candidate, page: HtmlElement, description: str | None) -> Candidate:
    """``body`` with the page's standfirst as its first paragraph, when the page shows its
    ``description`` as a block of its own and the body lacks it."""
    if not description:
        return body
    wanted = tokenize(description.rstrip(".… "))
    if len(wanted) < h.MIN_STANDFIRST_WORDS:
        return body
    wanted_shingles = count_shingles(wanted)
    if containment(wanted_shingles, body.shingles) >= h.MIN_COVERED_SHARE:
        return body
    block = find_standfirst(page, wanted, wanted_shingles)
    if block is None:
        return body
    lead = normalize_space(block.text_content())
    root = body.root
    paragraph = root.makeelement("p")
    paragraph.text = lead
    root.insert(0, paragraph)
    html = "\n".join(serialize_block(b) for b in root if isinstance(b.tag, str))
    return Candidate(body.name + "+standfirst", root, render_text(root), html)


def find_standfirst(page: HtmlElement, wanted: list[str], wanted_shingles) -> HtmlElement | None:
    """The block of ``page``'s body whose text is the description (``wanted``, tokens):
    it starts with the description's first words and holds little else."""
    key = wanted[: h.STANDFIRST_KEY_WORDS]
    body = page.find("body")
    for node in (body if body is not None else page).iter():
        # a cheap look first: the description's first word in the node's own text
        if not isinstance(node.tag, str) or not node.text or key[0] not in node.text.lower():
            continue
        own = tokenize(node.text)[: len(key)]
        if not own or own != key[: len(own)]:
            continue
        block = node
        while block.tag not in BLOCK_TAGS and block.getparent() is not None:
            block = block.getparent()
        tokens = tokenize(block.text_content())
        if tokens[: len(key)] != key:
            continue
        if len(tokens) > h.MAX_STANDFIRST_GROWTH * len(wanted) + h.STANDFIRST_SLACK_WORDS:
            continue  # the description is the start of a longer text: the body, not a lead
        if node.tag in FURNITURE_ANCESTORS or any(a.tag in FURNITURE_ANCESTORS for a in node.iterancestors()):
            continue  # a teaser card or a menu quoting it
        if containment(wanted_shingles, count_shingles(tokens)) >= h.MIN_STANDFIRST_MATCH:
            return block
    return None
