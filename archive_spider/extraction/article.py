"""The result of extraction: one article, plain data."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Article:
    """An extracted article. Missing values are None (or empty); ``warnings`` says why."""

    title: str | None = None
    author: str | None = None  # names only, several joined by ", "
    published: str | None = None  # 'YYYY-MM-DD'
    modified: str | None = None  # 'YYYY-MM-DD'
    text: str = ""  # paragraphs separated by one blank line
    html: str = ""  # sanitised article HTML
    lang: str | None = None
    word_count: int = 0
    site_name: str | None = None
    canonical_url: str | None = None
    image: str | None = None
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    boilerplate_blocks: int = 0  # paragraphs left out as the site's known boilerplate

    def to_dict(self) -> dict[str, Any]:
        """Return the article as a JSON-serialisable dict."""
        return asdict(self)
