"""Generated article text with a realistic vocabulary, for the search benchmark.

Real archives have a Zipfian vocabulary: a few dozen function words make up about 40 % of
the running text, a few hundred common words occur in a large share of the articles, and
tens of thousands of words occur in a handful each. Search cost follows that shape (how
many articles a query matches), so the benchmark's text must have it too; recombining a
few dozen essays does not (every content word then occurs in most articles).

Everything here is made up by this module, reproducibly from a seed: pseudo-words built
from syllables, ranked so that shorter words are the more frequent ones (as in real
language). The running text draws from one Zipf distribution (exponent 1) over the
function words followed by the generated vocabulary, so "the" is about 7 % of the words
and the most frequent generated word, at rank 123, about 0.06 %, roughly as in English
prose; and each article belongs to a topic whose own few hundred words it uses much more
often than the rest of the archive does (15 % of its words).
"""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass

# English function words, the most frequent words of any English text.
FUNCTION_WORDS = (
    "the of and to a in is that for it as was with be by on not he this are or his from at "
    "which but have an they you were her she there one all we their been has had would will "
    "what if can when who more no so up out about into than them some could only other then "
    "its also these two may after first new most over such where our any very through those "
    "how before between should each because both under while during against again"
).split()

ONSETS = ("b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w",
          "br", "cl", "cr", "dr", "fl", "fr", "gl", "gr", "pl", "pr", "sc", "sl", "sp", "st", "tr",
          "ch", "sh", "th", "wh", "qu", "")
VOWELS = ("a", "e", "i", "o", "u", "ai", "ea", "ee", "oa", "ou", "io", "y")
CODAS = ("", "", "", "n", "r", "l", "s", "t", "m", "nd", "st", "rk", "ng", "ll", "ck", "sh", "nt")


def zipf_cumulative(size: int, exponent: float) -> list[float]:
    """Cumulative weights of ranks 1..size under Zipf's law (weight 1 / rank**exponent)."""
    return list(itertools.accumulate(1.0 / rank ** exponent for rank in range(1, size + 1)))


def make_vocabulary(size: int, rng: random.Random) -> list[str]:
    """``size`` distinct pseudo-words of one to four syllables, shortest first (the
    frequent ranks get the short words), none equal to a function word."""
    taken = set(FUNCTION_WORDS)
    words: list[str] = []
    while len(words) < size:
        syllables = rng.choices((1, 2, 3, 4), weights=(3, 5, 3, 1))[0]
        word = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(syllables))
        if len(word) >= 3 and word not in taken:
            taken.add(word)
            words.append(word)
    # Sort by length, but only roughly: ties and near-ties keep a random order.
    return sorted(words, key=lambda w: len(w) + rng.random() * 3)


@dataclass
class Corpus:
    """A vocabulary, its topics, and how often each word is drawn."""

    vocabulary: list[str]
    topics: list[list[str]]
    # The function words, then the vocabulary, most frequent first, and their weights.
    background: list[str]
    background_cumulative: list[float]
    topic_cumulative: list[float]
    # The share of the running text drawn from the article's topic.
    topic_share: float = 0.15


def make_corpus(vocabulary_size: int = 60_000, topic_count: int = 300, topic_words: int = 400,
                seed: int = 2024) -> Corpus:
    rng = random.Random(seed)
    vocabulary = make_vocabulary(vocabulary_size, rng)
    # A topic's words come from the middle and the tail of the vocabulary: rare in the
    # archive as a whole, frequent in the topic's articles.
    pool = vocabulary[300:]
    topics = [rng.sample(pool, topic_words) for _ in range(topic_count)]
    background = list(FUNCTION_WORDS) + vocabulary
    return Corpus(
        vocabulary=vocabulary,
        topics=topics,
        background=background,
        background_cumulative=zipf_cumulative(len(background), 1.0),
        topic_cumulative=zipf_cumulative(topic_words, 0.8),
    )


def _draw(rng: random.Random, words: list[str], cumulative: list[float]) -> str:
    return words[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


def _draw_content(rng: random.Random, corpus: Corpus) -> str:
    """A word of the vocabulary (never a function word), as often as the Zipf weights say."""
    low, high = corpus.background_cumulative[len(FUNCTION_WORDS) - 1], corpus.background_cumulative[-1]
    index = bisect.bisect(corpus.background_cumulative, low + rng.random() * (high - low))
    return corpus.background[min(index, len(corpus.background) - 1)]


def sentence(corpus: Corpus, topic: int, rng: random.Random, length: int) -> str:
    topic_words = corpus.topics[topic]
    words = []
    for _ in range(length):
        if rng.random() < corpus.topic_share:
            words.append(_draw(rng, topic_words, corpus.topic_cumulative))
        else:
            words.append(_draw(rng, corpus.background, corpus.background_cumulative))
    text = " ".join(words)
    if length > 10 and rng.random() < 0.4:  # a comma now and then
        cut = text.find(" ", len(text) // 2)
        text = text[:cut] + "," + text[cut:]
    return text[0].upper() + text[1:] + "."


def article_text(corpus: Corpus, topic: int, rng: random.Random) -> tuple[str, list[str]]:
    """A title and the paragraphs of one article about ``topic``."""
    topic_words = corpus.topics[topic]
    title_words = [_draw(rng, topic_words, corpus.topic_cumulative) if rng.random() < 0.5
                   else _draw_content(rng, corpus)
                   for _ in range(rng.randint(3, 8))]
    if rng.random() < 0.5:
        title_words.insert(rng.randrange(1, len(title_words)), rng.choice(("of", "and", "in", "the", "for")))
    title = " ".join(title_words).capitalize()
    paragraphs = [
        " ".join(sentence(corpus, topic, rng, rng.randint(6, 28)) for _ in range(rng.randint(2, 6)))
        for _ in range(rng.randint(4, 12))
    ]
    return title, paragraphs
