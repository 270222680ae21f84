"""One page fetched on request, outside any crawl: ``archive-spider extract -u URL``.

A plain HTTP GET with the crawl's User-Agent, redirects followed (http and https only),
a time limit and a size cap; the body is handed back as bytes with its Content-Type, for
extraction to decode as it decodes crawled pages.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from archive_spider import settings


class FetchError(Exception):
    """The page could not be fetched; the message says why, in one line."""


@dataclass
class FetchedPage:
    url: str  # where it was fetched from, after redirects
    body: bytes
    content_type: str | None


class HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urlsplit(newurl).scheme.lower() not in ("http", "https"):
            raise FetchError(f"{req.full_url} redirects to {newurl}, which is not an http(s) address")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch_page(url: str, *, timeout: float = settings.DOWNLOAD_TIMEOUT,
               max_bytes: int = settings.ARCHIVE_MAX_PAGE_BYTES, user_agent: str = settings.USER_AGENT) -> FetchedPage:
    """GET ``url``; raise FetchError for a non-http(s) URL, a network error, an HTTP error
    status or a page larger than ``max_bytes``."""
    if urlsplit(url).scheme.lower() not in ("http", "https") or not urlsplit(url).hostname:
        raise FetchError(f"not an http(s) URL: {url!r}")
    opener = urllib.request.build_opener(HttpOnlyRedirects)
    request = urllib.request.Request(url, headers={"User-Agent": user_agent, "Accept": "text/html,*/*;q=0.5"})
    try:
        with opener.open(request, timeout=timeout) as response:
            body = response.read(max_bytes + 1)
            if len(body) > max_bytes:
                raise FetchError(f"{url} is larger than {max_bytes} bytes")
            return FetchedPage(response.geturl(), body, response.headers.get("Content-Type"))
    except urllib.error.HTTPError as exc:
        raise FetchError(f"{url} answered HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise FetchError(f"cannot fetch {url}: {getattr(exc.reason, 'strerror', None) or exc.reason}") from None
    except (OSError, ValueError) as exc:
        raise FetchError(f"cannot fetch {url}: {exc}") from None
