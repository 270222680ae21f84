"""Bylines: the words that introduce an author's name ("By Anna Berg", "par Claire",
"von Jan Meier"), in one place for discovery, extraction and per-site selectors.

Each pattern is built from ``BY_WORDS`` (the word "by" in English, German, French,
Spanish/Portuguese and Dutch) and adds only the words its use can afford:

* ``BYLINE_PREFIX_RE`` (:func:`strip_byline_prefix`): the furniture before a name in an
  author string or a byline line, long forms too ("Written by", "publicado por"), also
  Swedish/Danish "av"/"af", Polish "przez", Russian "автор" and Italian "di" (lower case
  only: "Di Stefano" is a name);
* ``BYLINE_WORD_RE``: a text node that is only a byline word, the name following in a link;
* ``LEADING_BYLINE_RE``: a paragraph that starts with a byline word and a capital, the
  byline line at the top of an article body;
* ``TEASER_BYLINE_RE``: a whole short line of a teaser that is a byline (Italian "di" and
  Spanish/Portuguese "de" too: a teaser line of at most five words after either is not
  teaser text).
"""

from __future__ import annotations

import re

BY_WORDS = ("by", "von", "par", "por", "door")
# Swedish and Norwegian "av", Danish "af".
NORDIC_BY_WORDS = ("av", "af")
# Before a name in an author string, besides the words above: the longer forms (tried
# first), Polish, Russian, and Italian "di" in lower case only.
PREFIX_FORMS = (
    r"(written|posted|words|text|story|reported|published)\s+by", r"(publicado|escrito)\s+por",
    r"(publié|écrit)\s+par", r"geschrieben\s+von", r"scritto\s+da",
    *BY_WORDS, *NORDIC_BY_WORDS, "przez", "автор", "(?-i:di)",
)
_BY = "|".join(BY_WORDS)

BYLINE_PREFIX_RE = re.compile(r"^\s*(%s)\s*[:\-]?\s+" % "|".join(PREFIX_FORMS), re.IGNORECASE)
BYLINE_WORD_RE = re.compile(r"^\s*(%s)\s*:?\s*$" % "|".join(BY_WORDS + NORDIC_BY_WORDS), re.IGNORECASE)
LEADING_BYLINE_RE = re.compile(rf"^\s*({_BY})\s+[A-ZÀ-ÖØ-Þ]", re.IGNORECASE)
TEASER_BYLINE_RE = re.compile(rf"^(?:{_BY}|di|de)\s+\S+(?:\s+\S+){{0,4}}$", re.IGNORECASE)


def strip_byline_prefix(text: str) -> str:
    """``text`` without the byline words before the name ("By: Anna Berg" -> "Anna Berg")."""
    return BYLINE_PREFIX_RE.sub("", text)
