"""The teaser book of a distributed crawl, shared by its workers through Redis.

Same interface as ``assembly.teasers.TeaserBook``, which it extends: each worker keeps its
own book, and a teaser better than any before it goes to ``P:teasers`` (with its rank in
``P:teaser_ranks``) and, as a ``teaser`` message, to the ingester, which stores it for an
article already stored (BETTER_TEASER_SCRIPT decides atomically). Asked for the best
teaser of an article, a worker takes the shared one when it beats its own.
"""

from __future__ import annotations

import json

from archive_spider.assembly.teasers import TeaserBook, teaser_quality, teaser_rank
from archive_spider.distributed.keys import BETTER_TEASER_SCRIPT, RedisKeys
from archive_spider.urls import normalise_url
from archive_spider.vocabulary import ArticleLink


def link_to_json(link: ArticleLink) -> str:
    return json.dumps({"url": link.url, "title": link.title, "teaser": link.teaser,
                       "published": link.published}, ensure_ascii=False)


def link_from_json(raw: bytes | str) -> ArticleLink:
    data = json.loads(raw)
    return ArticleLink(url=data["url"], title=data.get("title"), teaser=data.get("teaser"),
                       published=data.get("published"))


class RedisTeaserBook(TeaserBook):
    """A worker's teaser book, shared with the other workers of its crawl."""

    def __init__(self, client, keys: RedisKeys) -> None:
        super().__init__()
        self.redis = client
        self.keys = keys
        self._better_teaser = client.register_script(BETTER_TEASER_SCRIPT)

    def remember(self, link: ArticleLink) -> bool:
        if not super().remember(link):
            return False  # not better than what this worker already shared
        message = json.dumps({"kind": "teaser", "url": link.url, "teaser": link.teaser}, ensure_ascii=False)
        keys = self.keys
        self._better_teaser(keys=[keys.teasers, keys.teaser_ranks, keys.items],
                            args=[link.url, link_to_json(link), teaser_rank(link), message])
        return True

    def best(self, first_url: str, fallback: ArticleLink | None) -> ArticleLink | None:
        """The fullest teaser any worker of the crawl has seen for this article."""
        url = normalise_url(first_url)
        raw = self.redis.hget(self.keys.teasers, url)
        if raw is not None:
            shared = link_from_json(raw)
            local = self.held.get(url)
            if local is None or teaser_quality(shared) > teaser_quality(local):
                self.held[url] = shared
        return super().best(first_url, fallback)
