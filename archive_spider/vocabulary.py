"""The crawl's vocabulary: the names every part of a crawl shares.

* ``Role``: what a request is for (its ``Request.meta[ROLE]``);
* the ``Request.meta`` keys of our own;
* ``ArticleLink``: a link to an article with what the listing showed of it;
* ``ArticleItem``: one extracted article, the contract between crawling and storing.
  The archive's ``articles`` columns are derived from its fields (``ARTICLE_FIELDS``).

A ``Role`` is a ``str`` enum: it goes into request meta, Redis (pickled requests) and the
database (``failures.role``, ``warc_records.role``) as its plain value, ``"article"``.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field


class Role(str, enum.Enum):
    """What a request is for."""

    START = "start"  # a start URL
    INDEX = "index"  # a listing page: a next page or a section of an index page
    ARTICLE = "article"  # a page linked as an article
    CONTINUATION = "continuation"  # page 2, 3... of a multi-page article
    SOURCE = "source"  # a feed, sitemap or robots.txt
    PROBE = "probe"  # a guessed feed or sitemap address (--discover): may not exist

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


# Roles whose pages are read as a site's listing.
LISTING_ROLES = (Role.START, Role.INDEX)

# --- Request.meta keys of our own ---------------------------------------------------------
ROLE = "archive_role"  # a Role
SITE = "archive_site"  # the name of the site (sites.py) the request belongs to
DEPTH = "archive_depth"  # links from a start URL (continuation pages do not count)
STALE = "archive_stale"  # index pages in a row, up to this one, that brought nothing new
FORCED = "archive_forced"  # listed by a site's article_links selector: archive it
VIA_CANONICAL = "archive_via_canonical"  # asked for as another page's canonical URL
SECTION = "archive_section"  # a section link of an index page (a menu's), not its next page
GUESS = "archive_guess"  # a --discover guess at a feed or sitemap address
# What the archive knew when a conditional request was sent (middlewares.py).
CONDITIONAL = "archive_conditional"
# A page's rendering in a browser (browser.py): the page was fetched already, so its
# revisit was decided then.
RENDERED = "archive_rendered"
# The id of the WARC record a page's response went to (the record of its rendering in a
# browser refers to it; archive/warc.py).
RECORD_ID = "archive_warc_record_id"
# Set on a dropped request, so that errbacks can tell why (responses.py).
FAILURE_REASON = "archive_failure_reason"
TEASER = "teaser"  # the ArticleLink an article request was made from
PAGES = "pages"  # a multi-page article's (url, html) pages fetched so far
FIRST = "first"  # the discovery analysis of a multi-page article's first page


@dataclass(frozen=True)
class ArticleLink:
    """A link to a (probable) article found on a page."""

    url: str  # absolute, normalised
    title: str | None  # the teaser's heading / link text
    teaser: str | None  # teaser text shown with the link on the index page
    published: str | None  # 'YYYY-MM-DD' if a date is shown with the teaser


# Field metadata of an ArticleItem field that is no column of ``articles``.
NOT_STORED = {"stored": False}


@dataclass
class ArticleItem:
    """One extracted article, as the crawl hands it to validation and storage.

    The fields are in the order of the ``articles`` columns (Datasette shows them so).
    ``url`` is the normalised address the article was fetched from (after redirects);
    ``canonical_url`` what the page names as its canonical address, when on the same site.
    ``summary`` is the teaser the index page showed for it. ``tags`` and
    ``extraction_warnings`` are stored as JSON lists.

    Not stored as columns: ``pages``, how many pages the article was fetched in (a
    dropped item's ``failures`` row counts them for the crawl's page balance), and
    ``simhash``, the fingerprint of ``text`` when the extraction worker computed it
    (storage computes it otherwise, into its own table).
    """

    url: str
    canonical_url: str | None = None
    title: str | None = None
    author: str | None = None
    published: str | None = None
    modified: str | None = None
    site: str | None = None
    lang: str | None = None
    word_count: int = 0
    summary: str | None = None
    description: str | None = None
    text: str = ""
    html: str = ""
    image: str | None = None
    tags: list[str] = field(default_factory=list)
    extraction_warnings: list[str] = field(default_factory=list)
    pages: int = field(default=1, metadata=NOT_STORED)
    simhash: int | None = field(default=None, metadata=NOT_STORED)


def _column_type(annotation: str) -> type:
    """The SQLite column type of an ArticleItem field's annotation (a string, as
    annotations are here): ``int`` for integers, ``str`` for text and JSON lists."""
    return int if annotation.split("|")[0].strip() == "int" else str


# The ArticleItem fields that are columns of ``articles``, in column order, with their types.
ARTICLE_ITEM_COLUMNS: dict[str, type] = {
    f.name: _column_type(str(f.type)) for f in dataclasses.fields(ArticleItem)
    if f.metadata.get("stored", True)
}
