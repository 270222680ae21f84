"""robots.txt that cannot be read: complete disallow, as RFC 9309 says.

Scrapy's RobotsTxtMiddleware parses whatever a robots.txt request returns, so a 503 error
page reads as "allow all", and one that cannot be fetched at all (timeout, refused
connection, DNS) is "allow all" too. RFC 9309 §2.3.1.4 says the opposite: a robots.txt
that is unreachable because of server or network errors means complete disallow.
:class:`RobotsTxtMiddleware` (in Scrapy's place) reads the answer, after Scrapy's retries,
like this:

* 2xx: parsed, as Scrapy does;
* 4xx (404, 410, 403...): there is no robots.txt for us: everything is allowed
  (§2.3.1.3), whatever the error page says;
* 5xx, 429, or no answer (timeout, connection refused or lost, DNS): every request to that
  host and port is refused for the rest of the crawl. The robots.txt is recorded in
  ``failures`` (``robots-unreachable``, with the status or the error) and so is each page
  refused for it, so the listing is not taken as read whole (listing.py);
* a robots.txt request that our own rules drop (a redirect off the allowed hosts, more
  than REDIRECT_MAX_TIMES redirects) counts as unavailable (§2.3.1.2): allow all.

Nothing is kept between crawls: the next run asks again.
"""

from __future__ import annotations

import logging

from scrapy.downloadermiddlewares import robotstxt as _robotstxt
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from archive_spider.archive.failures import FailureLog
from archive_spider.download_errors import ROBOTS_UNREACHABLE, describe_exception, reason_for_exception

logger = logging.getLogger(__name__)


class Unreachable:
    """The 'parser' of a robots.txt that could not be read: it allows nothing."""

    def __init__(self, url: str, why: str):
        self.url = url
        self.why = why

    def allowed(self, url: str, user_agent) -> bool:
        return False


class RobotsTxtMiddleware(_robotstxt.RobotsTxtMiddleware):
    """Scrapy's, with RFC 9309's rules for unreachable and missing files (see above)."""

    async def robot_parser(self, request: Request):
        url = urlparse_cached(request)
        netloc = url.netloc
        if netloc not in self._parsers:
            self._parsers[netloc] = waiting = Deferred()
            robots_url = f"{url.scheme}://{netloc}/robots.txt"
            robots_request = Request(robots_url, priority=self.DOWNLOAD_PRIORITY,
                                     meta={"dont_obey_robotstxt": True}, callback=NO_CALLBACK)
            self._stats.inc_value("robotstxt/request_count")
            try:
                response = await self.crawler.engine.download_async(robots_request)
            except IgnoreRequest:
                self._settle(netloc, waiting, None)  # dropped by our rules: unavailable
            except Exception as exc:
                self._unreachable(netloc, waiting, robots_url, None,
                                  f"{reason_for_exception(exc) or 'download-error'}: {describe_exception(exc)}")
            else:
                status = response.status
                if status >= 500 or status == 429:
                    self._stats.inc_value(f"robotstxt/response_status_count/{status}")
                    self._unreachable(netloc, waiting, robots_url, status, f"HTTP {status}")
                elif status >= 400:
                    self._stats.inc_value(f"robotstxt/response_status_count/{status}")
                    self._settle(netloc, waiting, None)  # no robots.txt: allow all
                else:
                    try:
                        await self._parse_robots(response, netloc, request)
                    except Exception as exc:  # the parser failed: the file says nothing we can read
                        logger.info("Could not parse %s (%s): allowing all", robots_url, exc)
                        if isinstance(self._parsers[netloc], Deferred):
                            self._settle(netloc, waiting, None)
        parser = self._parsers[netloc]
        if isinstance(parser, Deferred):
            from scrapy.utils.defer import maybe_deferred_to_future

            return await maybe_deferred_to_future(parser)
        return parser

    def _settle(self, netloc: str, waiting: Deferred, parser) -> None:
        self._parsers[netloc] = parser
        waiting.callback(parser)

    def _unreachable(self, netloc: str, waiting: Deferred, robots_url: str, status: int | None, why: str) -> None:
        self._stats.inc_value("archive/robots_unreachable")
        FailureLog.of(self.crawler).record(
            robots_url, "robots-unreachable", status=status,
            detail=f"{why}: nothing of {netloc} is fetched this crawl (RFC 9309: complete disallow); "
                   "the next crawl asks again")
        self._settle(netloc, waiting, Unreachable(robots_url, why))

    def process_request_2(self, rp, request: Request) -> None:
        if isinstance(rp, Unreachable):
            self._stats.inc_value("robotstxt/forbidden")
            raise IgnoreRequest(f"{ROBOTS_UNREACHABLE} ({rp.why}): {rp.url}")
        super().process_request_2(rp, request)
