"""The teaser book: the fullest teaser seen for each article of a crawl.

The same article is often listed with its whole teaser on its category page and a cut
one in a sidebar, and may be fetched before the page with the whole one. The book keeps,
per article URL, the best teaser not used yet: for an article not extracted yet, the
fullest seen; for an extracted one, only a teaser better than the one it was extracted
with (StorePipeline stores those when the crawl ends). Of an extracted article only that
teaser's quality is kept, so the crawl does not hold every teaser of the site.

``TeaserBook`` keeps it in this process; ``distributed.teasers.RedisTeaserBook`` shares
it between the workers of a distributed crawl, with the same interface.
"""

from __future__ import annotations

from archive_spider.urls import normalise_url
from archive_spider.vocabulary import ArticleLink

Quality = tuple[bool, bool, int]


def teaser_quality(link: ArticleLink) -> Quality:
    """Orders teasers of one article: one with text beats none, an uncut one beats one cut
    short with an ellipsis, and a longer one beats a shorter."""
    text = (link.teaser or "").rstrip()
    return (bool(text), not text.endswith(("…", "...")), len(text))


# The quality of a listing with no teaser text.
NO_TEASER = teaser_quality(ArticleLink("", None, None, None))


def teaser_rank(link: ArticleLink) -> int:
    """``teaser_quality`` as one integer, for Redis to compare."""
    has_text, uncut, length = teaser_quality(link)
    return (int(has_text) << 41) | (int(uncut) << 40) | min(length, (1 << 40) - 1)


class TeaserBook:
    """The teaser book of a single-process crawl, in memory (see the module)."""

    def __init__(self) -> None:
        self.held: dict[str, ArticleLink] = {}  # article URL -> best teaser not used yet
        self.used: dict[str, Quality] = {}  # article URL -> quality of the teaser it was extracted with

    def remember(self, link: ArticleLink) -> bool:
        """Keep ``link`` if it beats what the book holds or used for its article; True if kept."""
        best = self.held.get(link.url)
        bar = teaser_quality(best) if best is not None else self.used.get(link.url)
        if bar is None or teaser_quality(link) > bar:
            self.held[link.url] = link
            return True
        return False

    def best(self, first_url: str, fallback: ArticleLink | None) -> ArticleLink | None:
        """The fullest teaser known for the article at ``first_url``, else ``fallback``
        (the teaser its request was made from)."""
        return self.held.get(normalise_url(first_url)) or fallback

    def use(self, url: str, teaser: ArticleLink | None) -> None:
        """The article at ``url`` (normalised) is extracted with ``teaser``: from now on
        only a better teaser matters (one that came while the page was in extraction
        stays, for the end of the crawl)."""
        used = teaser_quality(teaser) if teaser else NO_TEASER
        self.used[url] = used
        best = self.held.get(url)
        if best is not None and teaser_quality(best) <= used:
            del self.held[url]

    def better(self, url: str) -> ArticleLink | None:
        """The teaser held for the article at ``url``: for an extracted article, one better
        than the one it was extracted with."""
        return self.held.get(url)

    def __contains__(self, url: str) -> bool:
        return url in self.held

    def __len__(self) -> int:
        return len(self.held)
