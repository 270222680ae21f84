"""Choosing the body by the agreement between the finders (content.choose_body): a body
that is a part of the other finder's, bodies that found different things, a finder that
stopped at a "Skip to content" strip."""

from __future__ import annotations

import lxml.html

from archive_spider.extraction.content import choose_body
from archive_spider.extraction.core import build_candidate

ARTICLE = [
    f"The council voted on Tuesday to reopen the old swimming baths, closed since {year}, after "
    f"a survey found the roof sound and the pool tiles worth saving, item {year}."
    for year in range(1990, 2002)
]
COMMENT = ("Great news, I learned to swim there in the seventies and still remember the smell of "
           "chlorine and the cold showers before every single lesson we had.")


def candidate(name: str, paragraphs: list[str]):
    root = lxml.html.fragment_fromstring("".join(f"<p>{p}</p>" for p in paragraphs), create_parent="div")
    return build_candidate(name, root, None)


def test_readability_part_of_trafilaturas_article_gives_way():
    # readability locked onto the last three paragraphs, which trafilatura's body holds too
    part = candidate("readability", ARTICLE[-3:])
    whole = candidate("trafilatura", ARTICLE)
    assert choose_body([whole, part]) is whole


def test_readability_kept_when_trafilatura_only_adds_a_little():
    precise = candidate("readability", ARTICLE)
    generous = candidate("trafilatura", ARTICLE + [COMMENT])
    assert choose_body([generous, precise]) is precise


def test_disagreeing_finders_settled_by_the_pages_topic():
    article = candidate("trafilatura", ARTICLE[:4])
    comment = candidate("readability", [COMMENT] * 2)
    topic = "Council votes to reopen the old swimming baths. The roof is sound and the tiles can be saved."
    assert choose_body([article, comment], topic=topic) is article
    # and the other way round: the topic decides, not the finder's name
    swapped_article = candidate("readability", ARTICLE[:4])
    swapped_comment = candidate("trafilatura", [COMMENT] * 2)
    assert choose_body([swapped_comment, swapped_article], topic=topic) is swapped_article


def test_without_readability_the_longest_body_wins():
    strip = candidate("trafilatura", ["Skip to content Harbour Gazette"])
    full = candidate("trafilatura-full", ARTICLE)
    assert choose_body([strip, full]) is full
