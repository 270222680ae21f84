"""The two places where a worker reaches into Scrapy's private engine (Scrapy 2.19).

Kept here, and only here, because Scrapy's public API does not give these moments;
``tests/test_distributed.py`` checks both still exist, so a Scrapy upgrade that moves them
fails there first (docs/distributed.md, "Scrapy internals"):

- **"the engine is done with this request"**: downloaded, its callback run, its items
  through the pipelines and its new requests scheduled. Only then may a worker drop the
  request from its in-flight set in Redis. The public signals each mark a part of that
  (``response_received``, ``item_scraped``, ``request_scheduled``...), none marks the end,
  and a callback may yield any number of items and requests. The engine slot's
  ``remove_request`` is that moment, so it is wrapped.
- **how often an idle engine asks its scheduler again**: the engine's heartbeat is a class
  attribute of 5 s with no setting; a worker waiting for work another worker queued would
  sit that long, so it is lowered to ``IDLE_POLL_SECONDS`` for this engine.
"""

from __future__ import annotations

from typing import Any
from collections.abc import Callable

from scrapy.http import Request

from archive_spider.distributed.keys import IDLE_POLL_SECONDS


def poll_often(engine: Any) -> None:
    """Poll the shared frontier every IDLE_POLL_SECONDS while idle (the engine's default is 5 s)."""
    if not isinstance(getattr(type(engine), "_SLOT_HEARTBEAT_INTERVAL", None), float):
        raise RuntimeError("this Scrapy version has no engine heartbeat to set: distributed mode needs Scrapy 2.19")
    engine._SLOT_HEARTBEAT_INTERVAL = IDLE_POLL_SECONDS


def on_request_done(engine: Any, callback: Callable[[Request], None]) -> None:
    """Call ``callback(request)`` each time ``engine`` has finished with a request."""
    slot = getattr(engine, "_slot", None)
    if slot is None or not callable(getattr(slot, "remove_request", None)):
        raise RuntimeError("this Scrapy version has no engine slot to hook: distributed mode needs Scrapy 2.19")
    original = slot.remove_request

    def remove_request(request: Request) -> None:
        original(request)
        callback(request)

    slot.remove_request = remove_request
