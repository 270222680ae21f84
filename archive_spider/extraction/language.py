"""A cheap guess at the language of an article's text, for pages that do not declare one.

Pages mostly say their language (``<html lang>``, ``content-language``, ``og:locale``); the
metadata reads that first. For the rest, the writing system settles most non-Latin
languages, and for Latin script the language whose most common short words (articles,
prepositions, pronouns) occur most often in the text wins, when it clearly does.
"""

from __future__ import annotations

import re
from collections import Counter

# Short, frequent words that are rare in the other languages of the list.
STOPWORDS = {
    "en": "the and of to is in that it was for with as are this be have not you from by which",
    "de": "der die und das ist nicht ein eine zu den mit sich auf des dem auch wird ich sie",
    "fr": "le la les et des est une dans que pour qui pas sur du au ce avec sont il nous",
    "es": "el la los las y que es en por un una del para con se no como más pero sus",
    "it": "il di che la è per una sono non con gli della del le anche più ma come nel",
    "pt": "o a os as e que de não um uma para com é do da em no na mais por",
    "nl": "de het een en van is dat niet op te zijn voor met ook aan er maar wordt",
    "sv": "och det att är som en på för av med den inte till har om ett jag var",
    "pl": "i w nie na się z że do to jest jak o co po ale tak przez",
    "cs": "a je se na v že to s z do jsou jako pro ale by také které",
    "tr": "ve bir bu da de için ile ne çok olarak gibi daha ama en",
}
STOPWORD_SETS = {language: frozenset(words.split()) for language, words in STOPWORDS.items()}

# Writing systems that (nearly) belong to one language, tested in this order: Japanese
# text has kanji too, so kana come before the Chinese ideographs.
SCRIPTS = (
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
    ("el", re.compile(r"[\u0370-\u03ff]")),
    ("he", re.compile(r"[\u0590-\u05ff]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
    ("hi", re.compile(r"[\u0900-\u097f]")),
)
CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
UKRAINIAN_LETTERS_RE = re.compile(r"[іїєґІЇЄҐ]")
ARABIC_RE = re.compile(r"[\u0600-\u06ff]")
PERSIAN_LETTERS_RE = re.compile(r"[پچژگ]")
WORD_RE = re.compile(r"\w+")

SAMPLE_CHARS = 6000  # the opening of the text is enough
MIN_SCRIPT_SHARE = 0.3  # of the sample's letters, for a writing system to decide
MIN_STOPWORDS = 5  # hits of the best language's common words
MIN_STOPWORD_SHARE = 0.12  # of the sample's words
MIN_LEAD = 1.5  # the best language's hits over the runner-up's


def guess_language(text: str) -> str | None:
    """Return an ISO 639-1 code for the language ``text`` is written in, or None when the
    text is too short or too mixed to tell."""
    sample = text[:SAMPLE_CHARS]
    if not sample.isascii():  # plain ASCII is Latin script: no other writing system to test
        letters = sum(map(str.isalpha, sample))
        if not letters:
            return None
        for language, script in SCRIPTS:
            if len(script.findall(sample)) >= MIN_SCRIPT_SHARE * letters:
                return language
        if len(CYRILLIC_RE.findall(sample)) >= MIN_SCRIPT_SHARE * letters:
            return "uk" if UKRAINIAN_LETTERS_RE.search(sample) else "ru"
        if len(ARABIC_RE.findall(sample)) >= MIN_SCRIPT_SHARE * letters:
            return "fa" if PERSIAN_LETTERS_RE.search(sample) else "ar"
    words = WORD_RE.findall(sample.lower())
    if not words:
        return None
    counts = Counter(words)
    scores = sorted(((sum(counts[word] for word in stopwords), language)
                     for language, stopwords in STOPWORD_SETS.items()), reverse=True)
    (best, language), (second, _) = scores[0], scores[1]
    if best < MIN_STOPWORDS or best < MIN_STOPWORD_SHARE * len(words) or best < MIN_LEAD * second:
        return None
    return language
