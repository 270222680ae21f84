"""Components a crawl shares between its middlewares, pipelines and spider.

Scrapy builds each middleware and pipeline on its own; a few components must be one per
crawl all the same (the failure log, the write guard, what the archive knows, site
health). Each lives on the crawler under a name of its own, made on first use.
"""

from __future__ import annotations

from typing import Any, TypeVar
from collections.abc import Callable

T = TypeVar("T")


def one_per_crawler(crawler: Any, name: str, make: Callable[[], T]) -> T:
    """The crawler's component ``name``, made by ``make()`` the first time it is asked for."""
    component = getattr(crawler, name, None)
    if component is None:
        component = make()
        setattr(crawler, name, component)
    return component
