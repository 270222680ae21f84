"""What comes back from a site, checked before the spider sees it.

ResponseCheckMiddleware sits after retries and redirects have had their say (its
``process_response`` runs once Scrapy's RetryMiddleware has given up or succeeded), so
every final outcome of a request passes through it once:

* an HTTP error status is recorded as a failure (HttpErrorMiddleware then drops it, so
  404, 410 and 5xx pages are never archived);
* a body that is empty, binary, or of a type that is not a page is recorded and dropped;
* an HTML body is decoded once (decoding.py) and handed on as UTF-8, so discovery,
  extraction and Scrapy's selectors all read the same, correctly decoded text;
* a download that failed (timeout, reset, DNS, too large, redirect loop) is recorded.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.downloadermiddlewares import httpcompression as _compression
from scrapy.downloadermiddlewares import redirect as _redirect
from scrapy.exceptions import (
    IgnoreRequest,
)
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.response import get_meta_refresh

from archive_spider.discovery import feeds
from archive_spider.decoding import decode_html, looks_binary
from archive_spider.archive.failures import FailureLog
from archive_spider.vocabulary import FAILURE_REASON, RENDERED
from archive_spider.safety import refused_at_connect
from archive_spider.urls import normalise_url
from archive_spider.download_errors import describe_exception, reason_for_exception

logger = logging.getLogger(__name__)

# Content types that are pages, decoded and handed to the spider.
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# Content types the spider reads as they are (feeds and sitemaps: XML carries its encoding).
XML_TYPES = frozenset({
    "text/xml", "application/xml", "application/rss+xml", "application/atom+xml",
    "application/rdf+xml", "application/x-rss+xml",
})


def media_type(response: Response) -> str:
    """The response's media type, lower case, without parameters ('' if none)."""
    value = response.headers.get("Content-Type") or b""
    return value.decode("latin-1", "replace").split(";", 1)[0].strip().lower()


class ResponseCheckMiddleware:
    """Downloader middleware: records failed downloads, drops bodies that are not pages,
    decodes pages (see the module docstring)."""

    def __init__(self, crawler):
        self.stats = crawler.stats
        self.failures = FailureLog.of(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        middleware = cls(crawler)
        crawler.signals.connect(middleware.request_dropped, signal=signals.request_dropped)
        if crawler.settings.get("LOG_LEVEL") != "DEBUG":
            for name in NOISY_LOGGERS:
                logger_ = logging.getLogger(name)
                if not any(isinstance(f, ShortDownloadErrors) for f in logger_.filters):
                    logger_.addFilter(ShortDownloadErrors())
        return middleware

    def request_dropped(self, request: Request) -> None:
        """A redirect back to a URL of its own chain is a loop the duplicate filter broke."""
        chain = request.meta.get("redirect_urls") or []
        if request.url in chain:
            self.failures.record(chain[0], "redirect-loop", detail=" -> ".join(chain + [request.url])[:500])

    def drop(self, request: Request, reason: str, **details) -> None:
        request.meta[FAILURE_REASON] = reason
        self.failures.record(request, reason, fetched=True, **details)
        raise IgnoreRequest(f"{reason}: {request.url}")

    def process_response(self, request: Request, response: Response):
        if _is_robots_txt(request):
            return response  # RobotsTxtMiddleware's own request: a missing one is normal
        status = response.status
        # A final answer (redirects and retries are behind): a page fetched. A page's
        # rendering in the browser (browser.py) is the same page, fetched already.
        if status != 304 and not request.meta.get(RENDERED):
            self.stats.inc_value("archive/pages/fetched")
        if status >= 400:
            reason = "rate-limited" if status == 429 else "http-error"
            request.meta[FAILURE_REASON] = reason
            retry_after = response.headers.get("Retry-After")
            detail = f"Retry-After: {retry_after.decode('latin-1', 'replace')[:60]}" if retry_after else None
            self.failures.record(request, reason, status=status, detail=detail, fetched=True)
            return response
        if status >= 300 and status != 304:
            # A redirect RedirectMiddleware did not follow: to file:, ftp:... or nowhere.
            location = (response.headers.get("Location") or b"").decode("latin-1", "replace").strip()
            scheme = urlsplit(location).scheme.lower() if location else ""
            if location and scheme and scheme not in ("http", "https"):
                self.drop(request, "blocked-scheme", status=status, detail=f"redirect to {location[:200]}")
            if not location:
                self.drop(request, "http-error", status=status, detail="redirect without a Location")
            self.failures.record(request, "http-error", status=status, fetched=True,
                                 detail=f"redirect to {location[:200]} not followed")
            return response
        if status >= 300 or request.method == "HEAD":
            return response  # 304 Not Modified: the incremental logic's business
        mime = media_type(response)
        body = response.body
        if not body.strip():
            self.drop(request, "empty", status=status)
        if feeds.detect_source(body, request.url, mime) is not None:
            # A feed, sitemap (gzipped too) or robots.txt is told by its content, whatever
            # it is labelled; the spider reads it as it is (XML carries its encoding).
            return response
        if mime and mime not in HTML_TYPES and mime not in XML_TYPES and not mime.startswith("text/"):
            self.drop(request, "not-html", status=status, detail=mime)
        if looks_binary(body):
            self.drop(request, "binary", status=status, detail=f"served as {mime or 'no type'}")
        if mime and mime not in HTML_TYPES and not _starts_like_html(body):
            # XML that is no feed, sitemap or page (HTML served as application/xml is read
            # as the page it is) has nothing for the spider either.
            self.drop(request, "not-html", status=status, detail=mime)
        decoded = decode_html(body, (response.headers.get("Content-Type") or b"").decode("latin-1"))
        self.stats.inc_value(f"archive/decoding/{decoded.source}")
        if decoded.repaired:
            self.stats.inc_value("archive/decoding/mojibake_repaired")
        return response.replace(cls=HtmlResponse, body=decoded.text.encode("utf-8"), encoding="utf-8")

    def process_exception(self, request: Request, exception: BaseException):
        reason = reason_for_exception(exception)
        detail = describe_exception(exception)
        if reason == "dns" and (refusal := refused_at_connect(request.url)):
            reason, detail = "blocked-address", refusal
        if reason is not None and not _is_robots_txt(request):
            request.meta[FAILURE_REASON] = reason
            self.failures.record(request, reason, detail=detail)
        return None


# Scrapy loggers that print a traceback for a failed download (a request without an
# errback, a robots.txt that could not be fetched): the failure is recorded, one line is enough.
NOISY_LOGGERS = ("scrapy.core.scraper", "scrapy.downloadermiddlewares.robotstxt")


class ShortDownloadErrors(logging.Filter):
    """Drops the traceback of download failures (timeouts, refused connections, ...) from
    Scrapy's log records; other tracebacks, and all of them at DEBUG level, stay."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            exception = record.exc_info[1]
            if isinstance(exception, IgnoreRequest) or reason_for_exception(exception) != "download-error":
                record.exc_info = None
                record.exc_text = None
        return True


def _is_robots_txt(request: Request) -> bool:
    return bool(request.meta.get("dont_obey_robotstxt")) and urlsplit(request.url).path == "/robots.txt"


_XML_PROLOGUE = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*", re.DOTALL)


def _starts_like_html(body: bytes) -> bool:
    """Text served as text/plain or application/xml that is HTML all the same (a
    misconfigured server); an XML declaration and comments may come first."""
    head = body[:2048].lower()
    head = head[_XML_PROLOGUE.match(head).end():]
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<meta"))


class _RecordsIgnored:
    """Mixin for Scrapy middlewares that give up on a request inside process_response
    (too many redirects, a decompression bomb): an exception raised there goes to the
    request's errback only, never through process_exception, so record it here."""

    @classmethod
    def from_crawler(cls, crawler):
        middleware = super().from_crawler(crawler)
        middleware.failure_log = FailureLog.of(crawler)
        return middleware

    def process_response(self, request: Request, response: Response, spider=None):
        try:
            return super().process_response(request, response)
        except IgnoreRequest as exc:
            reason = reason_for_exception(exc)
            chain = request.meta.get("redirect_urls") or []
            if reason == "redirect-loop" and chain:
                # Recorded under the URL a page linked to, the hops in the detail.
                hops = f"{chain[0]} -> ... -> {request.url}" if len(chain) > 2 else " -> ".join(chain + [request.url])
                self.failure_log.record(chain[0], reason, status=response.status,
                                        detail=f"more than {len(chain)} redirects: {hops}"[:500])
            elif reason is not None:
                request.meta[FAILURE_REASON] = reason
                self.failure_log.record(request, reason, status=response.status, detail=describe_exception(exc))
            raise
        except Exception as exc:  # a body that does not decompress, a Location that does not parse
            request.meta[FAILURE_REASON] = "download-error"
            self.failure_log.record(request, "download-error", status=response.status,
                                    detail=f"{type(exc).__name__}: {describe_exception(exc)}")
            raise IgnoreRequest(f"download-error: {request.url}") from exc


class RedirectMiddleware(_RecordsIgnored, _redirect.RedirectMiddleware):
    """Scrapy's, recording redirects past REDIRECT_MAX_TIMES as ``redirect-loop``."""


class MetaRefreshMiddleware(_RecordsIgnored, _redirect.MetaRefreshMiddleware):
    """Scrapy's, recording meta-refresh chains past REDIRECT_MAX_TIMES as ``redirect-loop``.

    A refresh that goes nowhere new, to the page itself (a page that reloads itself
    every few minutes) or to ``javascript:`` and other schemes, is ignored: the page is
    read as it is."""

    def process_response(self, request: Request, response: Response, spider=None):
        if isinstance(response, HtmlResponse) and not request.meta.get("dont_redirect"):
            try:
                _, url = get_meta_refresh(response, ignore_tags=self._ignore_tags)
            except ValueError:
                url = None
            if url and (urlsplit(url).scheme.lower() not in ("http", "https")
                        or normalise_url(url) == normalise_url(response.url)):
                self.failure_log.stats.inc_value("archive/meta_refresh_ignored")
                return response
        return super().process_response(request, response)


class HttpCompressionMiddleware(_RecordsIgnored, _compression.HttpCompressionMiddleware):
    """Scrapy's, recording bodies over the size cap once decompressed as ``too-large``."""
