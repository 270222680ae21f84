"""Retrying with backoff, honouring ``Retry-After``.

Scrapy's RetryMiddleware retries 5xx, 429 and network errors at once. A server that is
overloaded or rate-limiting needs a pause instead: BackoffRetryMiddleware waits before
each retry (without blocking the crawl), ``Retry-After`` seconds when the server says so
and an exponential backoff otherwise (ARCHIVE_RETRY_BACKOFF, doubled each attempt). A
wait is capped at ARCHIVE_MAX_RETRY_DELAY; a server that asks for more is not retried
(we stop asking rather than ignore what it said), and the page is recorded as failed.
"""

from __future__ import annotations

import email.utils
import logging
import time

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater

logger = logging.getLogger(__name__)


def parse_retry_after(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date.
    None when absent or unreadable; never negative."""
    if not value:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1", "replace")
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class BackoffRetryMiddleware(RetryMiddleware):
    """RetryMiddleware that waits before each retry (see the module docstring)."""

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff = settings.getfloat("ARCHIVE_RETRY_BACKOFF")
        self.max_delay = settings.getfloat("ARCHIVE_MAX_RETRY_DELAY")

    def delay_for(self, request: Request, response: Response | None = None) -> float | None:
        """Seconds to wait before retrying ``request``; None means: do not retry."""
        attempt = request.meta.get("retry_times", 0)
        if response is not None:
            asked = parse_retry_after(response.headers.get("Retry-After"))
            if asked is not None:
                if asked > self.max_delay:
                    logger.warning("%s asks to retry after %.0f s (over ARCHIVE_MAX_RETRY_DELAY=%.0f): giving up",
                                   request.url, asked, self.max_delay)
                    return None
                return asked
        return min(self.backoff * (2 ** attempt), self.max_delay)

    async def process_response(self, request: Request, response: Response, spider=None):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        delay = self.delay_for(request, response)
        if delay is None:
            return response
        retry = self._retry(request, f"{response.status} response")
        if retry is None:
            return response
        self.crawler.stats.inc_value("archive/retries")
        await self.wait(delay)
        return retry

    async def process_exception(self, request: Request, exception: Exception, spider=None):
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry", False):
            return None
        retry = self._retry(request, exception)
        if retry is None:
            return None
        self.crawler.stats.inc_value("archive/retries")
        await self.wait(self.delay_for(request) or 0)
        return retry

    async def wait(self, seconds: float) -> None:
        if seconds > 0:
            from twisted.internet import reactor  # the installed one: never import it early

            await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))
