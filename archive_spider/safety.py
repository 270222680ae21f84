"""Where the crawler may go: hosts, addresses and schemes.

The user's start URLs are trusted as given: a site on 127.0.0.1 crawls with no extra
flag. What a site says is not: no link or redirect may lead from it to

* a host outside the allowed hosts (Scrapy's OffsiteMiddleware drops such links; a
  redirect there is recorded as ``blocked-host``);
* any private, loopback, link-local or otherwise non-public address other than the
  start URLs' own host and port (``blocked-address``), so that a public page cannot aim
  the crawler at internal services (``http://127.0.0.1:6379/``, ``http://169.254.169.254/``,
  a host name that resolves to ``10.0.0.5``);
* anything but http and https (``blocked-scheme``: no ``file://``).

Host names are resolved (off the reactor thread, cached) before the request is sent;
IP literals and ``localhost`` need no DNS. Hosts named with ``--allow-host`` are trusted
like the start URLs' hosts.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.resolver import CachingThreadedResolver
from twisted.internet import threads
from twisted.internet.error import DNSLookupError

from archive_spider.archive.failures import FailureLog

logger = logging.getLogger(__name__)

ALLOWED_SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": 80, "https": 443}
# Names that are loopback by definition (RFC 6761), resolved without asking DNS.
LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_internal_address(ip: Address) -> bool:
    """Tell whether ``ip`` is not a public internet address (private, loopback,
    link-local, multicast, reserved, unspecified; IPv4 inside IPv6 looked through)."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None and is_internal_address(embedded):
            return True
    return (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
        or ip.is_reserved or ip.is_unspecified or not ip.is_global
    )


def literal_addresses(host: str) -> list[Address] | None:
    """The addresses of ``host`` known without DNS: an IP literal or a loopback name.
    None when DNS must be asked."""
    host = host.strip("[]").lower().rstrip(".")
    try:
        return [ipaddress.ip_address(host.split("%", 1)[0])]
    except ValueError:
        pass
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")]
    return None


def resolve_addresses(host: str) -> list[Address]:
    """Every address ``host`` resolves to (blocking); empty if it does not resolve.
    ``getaddrinfo`` also reads the numeric spellings (``2130706433``, ``0x7f.1``)."""
    known = literal_addresses(host)
    if known is not None:
        return known
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    addresses = []
    for info in infos:
        try:
            addresses.append(ipaddress.ip_address(info[4][0].split("%", 1)[0]))
        except ValueError:
            continue
    return addresses


def origin_of(url: str) -> tuple[str, int | None] | None:
    """(host, port) of an absolute URL, the port made explicit; None if it has no host."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".")
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:
        return None
    return (host, port) if host else None


def split_host(value: str) -> tuple[str, int | None]:
    """An allowed-host entry (``host``, ``host:port`` or a URL) as (host, port or None)."""
    value = value.strip()
    if "://" not in value:
        value = "//" + value
    try:
        parts = urlsplit(value)
        return (parts.hostname or "").rstrip("."), parts.port
    except ValueError:
        return value.lower(), None


def is_allowed_host(host: str, allowed: list[str]) -> bool:
    """Whether ``host`` is one of ``allowed`` or a subdomain of one (ports aside), as
    Scrapy's OffsiteMiddleware decides."""
    host = host.lower()
    for entry in allowed:
        name = split_host(entry)[0].lower()
        if name and (host == name or host.endswith("." + name)):
            return True
    return False


def trusted_origins(crawler) -> tuple[set[tuple[str, int | None]], set[str]]:
    """What the user gave: the start URLs' (host, port) pairs, plus hosts allowed by name
    (``--allow-host``; with a port, only that port)."""
    spider = crawler.spider
    origins = {o for o in map(origin_of, getattr(spider, "start_urls", [])) if o}
    named = list(getattr(spider, "_extra_hosts", [])) + crawler.settings.getlist("ARCHIVE_ALLOWED_HOSTS")
    hosts = set()
    for value in named:
        host, port = split_host(value)
        if port is None:
            hosts.add(host)
        else:
            origins.add((host, port))
    return origins, hosts


class SafetyMiddleware:
    """Downloader middleware: enforces the rules above on every request, redirects
    included (Scrapy sends a redirect's new request through the middlewares again), and
    caps each download at ARCHIVE_MAX_PAGE_BYTES."""

    def __init__(self, crawler, max_page_bytes: int):
        self.crawler = crawler
        self.failures = FailureLog.of(crawler)
        self.max_page_bytes = max_page_bytes
        self._trusted: tuple[set[tuple[str, int | None]], set[str]] | None = None
        self._internal: dict[str, bool] = {}

    @classmethod
    def from_crawler(cls, crawler):
        middleware = cls(crawler, crawler.settings.getint("ARCHIVE_MAX_PAGE_BYTES"))
        crawler.signals.connect(middleware.request_scheduled, signal=signals.request_scheduled)
        return middleware

    def request_scheduled(self, request: Request) -> None:
        """Scrapy's OffsiteMiddleware drops an off-site redirect as it is scheduled, without
        a word: say so in the failures (an off-site link is no failure: discovery skips those)."""
        chain = request.meta.get("redirect_urls")
        allowed = getattr(self.crawler.spider, "allowed_hosts", None)
        origin = origin_of(request.url)
        if chain and allowed and origin and not is_allowed_host(origin[0], allowed):
            self.failures.record(request, "blocked-host", detail=f"redirected from {chain[-1]}")

    def trusted(self) -> tuple[set[tuple[str, int | None]], set[str]]:
        """The start URLs' (host, port) pairs, and the hosts the user allowed by name."""
        if self._trusted is None:
            self._trusted = trusted_origins(self.crawler)
        return self._trusted

    async def process_request(self, request: Request):
        if self.max_page_bytes:
            request.meta.setdefault("download_maxsize", self.max_page_bytes)
        url = request.url
        scheme = urlsplit(url).scheme.lower()
        if scheme not in ALLOWED_SCHEMES:
            self.failures.record(request, "blocked-scheme", detail=f"{scheme}: URLs are never fetched")
            raise IgnoreRequest(f"not an http(s) URL: {url}")
        origin = origin_of(url)
        if origin is None:
            raise IgnoreRequest(f"no host in {url}")
        redirected_from = (request.meta.get("redirect_urls") or [None])[-1]
        allowed = getattr(self.crawler.spider, "allowed_hosts", None)
        if redirected_from and allowed and not is_allowed_host(origin[0], allowed):
            self.failures.record(request, "blocked-host", detail=f"redirected from {redirected_from}")
            raise IgnoreRequest(f"redirect off the allowed hosts: {url}")
        origins, hosts = self.trusted()
        if origin in origins or origin[0] in hosts:
            return None
        if await self.is_internal(origin[0]):
            how = f"redirected from {redirected_from}" if redirected_from else "linked from a crawled page"
            why = refused_at_connect(url) or f"{origin[0]} is not a public address"
            self.failures.record(request, "blocked-address", detail=f"{why}; {how}")
            raise IgnoreRequest(f"internal address: {url}")
        return None

    async def is_internal(self, host: str) -> bool:
        """Whether ``host`` is or resolves to any non-public address (cached per host), or
        answered with one when the resolver connected to it."""
        if host.lower() in GuardedResolver.refused:
            return True
        if host not in self._internal:
            addresses = literal_addresses(host)
            if addresses is None:
                addresses = await maybe_deferred_to_future(threads.deferToThread(resolve_addresses, host))
            self._internal[host] = any(is_internal_address(ip) for ip in addresses)
        return self._internal[host]


def refused_at_connect(url: str) -> str | None:
    """Why the resolver refused to connect to ``url``'s host, if it did: its name answered
    with an internal address when the connection was made (DNS rebinding)."""
    origin = origin_of(url)
    address = GuardedResolver.refused.get(origin[0].lower()) if origin else None
    if address is None:
        return None
    return f"{origin[0]} resolved to {address}, not a public address, when connecting"


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's DNS resolver, refusing internal addresses for names the user did not give.

    SafetyMiddleware resolves a name before the request is sent; Scrapy resolves it again
    to connect. This closes the gap between the two (DNS rebinding: a name that answers
    with a public address first and an internal one next): the address actually
    connected to is checked too.

    Scrapy builds the resolver once per process, with the ``CrawlerProcess`` in place of a
    crawler, and installs it on the reactor before any spider exists. So the resolver asks
    the process for its running crawlers at lookup time: a name is trusted when any of
    their spiders was started on it or allowed it. With no running spider, nothing is
    trusted and internal answers are refused (no lookup should happen then).
    """

    owner = None  # the CrawlerProcess (or a Crawler) the resolver was built with
    # Names refused here, with the address they gave, for the whole process (there is one
    # resolver per process): Twisted reports a refusal as a bare "no results" lookup
    # error, so SafetyMiddleware and the failure log read the reason from here.
    refused: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler, reactor):
        resolver = super().from_crawler(crawler, reactor)
        resolver.owner = crawler
        return resolver

    def getHostByName(self, name: str, timeout=()):
        deferred = super().getHostByName(name, timeout)
        deferred.addCallback(self.refuse_internal, name)
        return deferred

    def running_crawlers(self) -> list:
        """The crawlers of this process whose spider is open (a process runs one, usually)."""
        owner = self.owner
        crawlers = getattr(owner, "crawlers", None)
        candidates = list(crawlers) if crawlers is not None else [owner]
        return [c for c in candidates if getattr(c, "spider", None) is not None]

    def is_trusted_name(self, name: str) -> bool:
        name = name.lower().rstrip(".")
        for crawler in self.running_crawlers():
            origins, hosts = trusted_origins(crawler)
            if name in {h.lower() for h in hosts} or any(name == host.lower() for host, _ in origins):
                return True
        return False

    def refuse_internal(self, address: str, name: str) -> str:
        if literal_addresses(name) is not None:
            return address  # IP literals and loopback names: SafetyMiddleware decided
        try:
            internal = is_internal_address(ipaddress.ip_address(address))
        except ValueError:
            return address
        if internal and not self.is_trusted_name(name):
            GuardedResolver.refused[name.lower().rstrip(".")] = address
            raise DNSLookupError(f"{name} resolves to {address}, an internal address")
        return address
