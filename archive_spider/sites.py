"""sites.toml: per-site start URLs, hosts, URL patterns, selectors and limits.

Most sites need no configuration: ``archive-spider crawl URL`` finds their articles. A site
that needs help gets a table in a TOML file (see ``sites.example.toml``)::

    [sites.example-blog]
    start_urls = ["https://blog.example.com/"]
    exclude = ['/tag/', '\\?replytocom=']

    [sites.example-blog.selectors]
    article_links = "h2.entry-title a"
    body = "div.entry-content"

    [sites.example-blog.limits]
    max_pages = 500
    delay = 2.0

The file is validated as a whole when it is loaded: an unknown key, a value of the wrong
type, a pattern that does not compile or a selector that does not parse is an error that
names the file, the site and the key, before anything is fetched.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from collections.abc import Iterable
from urllib.parse import urlsplit

import lxml.etree
from cssselect import GenericTranslator
from cssselect.parser import SelectorError

from archive_spider.rendering import parse_mode
from archive_spider.urls import normalise_url, same_site

SITE_KEYS = ("start_urls", "allowed_hosts", "include", "exclude", "discover", "scope", "render", "selectors", "limits")
# Crawl scopes (ARCHIVE_SCOPE, a site's ``scope``): ``prefix`` follows a link found on a
# page only under the folder of a start URL, except the article links of the listings
# read; ``host`` follows links anywhere on the site's hosts.
SCOPES = ("prefix", "host")
SELECTOR_KEYS = ("article_links", "next_page", "body", "title", "author", "date")
LIMIT_KEYS = ("max_pages", "max_depth", "delay", "stale_index_pages", "max_sitemaps", "max_sitemap_urls",
              "max_links_per_page")
SITE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class SiteConfigError(ValueError):
    """A sites.toml that cannot be used; the message names the file, site and key."""


@dataclass(frozen=True)
class Selector:
    """A CSS or XPath expression. XPath when it starts with ``/`` or ``(`` or is written
    ``xpath:...``; CSS otherwise (``css:...`` to be explicit)."""

    expression: str
    kind: str  # 'css' | 'xpath'

    @classmethod
    def parse(cls, text: str) -> Selector:
        text = text.strip()
        if text.startswith("xpath:"):
            return cls(text[6:].strip(), "xpath")
        if text.startswith("css:"):
            return cls(text[4:].strip(), "css")
        if text.startswith(("/", "(", "./")):
            return cls(text, "xpath")
        return cls(text, "css")

    def check(self) -> None:
        """Raise ValueError if the expression does not parse."""
        if not self.expression:
            raise ValueError("empty selector")
        if self.kind == "css":
            try:
                GenericTranslator().css_to_xpath(self.expression)
            except SelectorError as exc:
                raise ValueError(f"bad CSS selector {self.expression!r}: {exc}") from None
        else:
            try:
                lxml.etree.XPath(self.expression)
            except lxml.etree.XPathSyntaxError as exc:
                raise ValueError(f"bad XPath {self.expression!r}: {exc}") from None

    def select(self, selector):
        """Apply to a parsel ``Selector`` (or a Scrapy response)."""
        return selector.css(self.expression) if self.kind == "css" else selector.xpath(self.expression)

    def __str__(self) -> str:
        return f"{self.kind}:{self.expression}"


@dataclass(frozen=True)
class SiteSelectors:
    """Selectors for what discovery and extraction get wrong on a site; each optional.

    ``article_links`` and ``next_page`` select links (``<a>`` elements, or elements holding
    them) on index pages; ``body`` the element holding the article text; ``title``,
    ``author`` and ``date`` elements whose text (or ``datetime``/``content``) is used.
    """

    article_links: Selector | None = None
    next_page: Selector | None = None
    body: Selector | None = None
    title: Selector | None = None
    author: Selector | None = None
    date: Selector | None = None

    def any_for_articles(self) -> bool:
        return any((self.body, self.title, self.author, self.date))


@dataclass(frozen=True)
class SiteLimits:
    """Caps for one site; ``None`` means the crawl-wide setting applies."""

    max_pages: int | None = None  # requests for this site (0: no cap)
    max_depth: int | None = None  # links away from a start URL (0: no cap)
    delay: float | None = None  # seconds between requests to this site
    stale_index_pages: int | None = None  # index pages in a row with nothing new
    max_sitemaps: int | None = None  # sitemaps requested from indexes and robots.txt (0: no cap)
    max_sitemap_urls: int | None = None  # URLs taken from one sitemap (0: no cap)
    max_links_per_page: int | None = None  # links taken from one page (0: no cap)


@dataclass(frozen=True)
class SiteConfig:
    """One site to crawl."""

    name: str
    start_urls: tuple[str, ...]
    allowed_hosts: tuple[str, ...]
    include: tuple[re.Pattern, ...] = ()
    exclude: tuple[re.Pattern, ...] = ()
    discover: bool = False
    selectors: SiteSelectors = field(default_factory=SiteSelectors)
    limits: SiteLimits = field(default_factory=SiteLimits)
    scope: str | None = None  # one of SCOPES; None: ARCHIVE_SCOPE
    render: str | None = None  # never, auto, always; None: the crawl's (--render)

    def allows(self, url: str) -> bool:
        """Whether a link to ``url`` may be followed: on the site's hosts, matching an
        ``include`` pattern (when there are any) and no ``exclude`` pattern."""
        if not same_site(url, self.allowed_hosts):
            return False
        if self.include and not any(p.search(url) for p in self.include):
            return False
        return not any(p.search(url) for p in self.exclude)

    def owns(self, url: str) -> bool:
        return same_site(url, self.allowed_hosts)


def load_sites(path: str | Path) -> list[SiteConfig]:
    """Read and validate a sites.toml; raise ``SiteConfigError`` on the first problem."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SiteConfigError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SiteConfigError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SiteConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_sites(data, str(path))


def parse_sites(data: dict[str, Any], source: str = "sites.toml") -> list[SiteConfig]:
    """Validate the parsed TOML of a sites file into ``SiteConfig`` objects, in file order."""
    unknown = sorted(set(data) - {"sites"})
    if unknown:
        raise SiteConfigError(f"{source}: unknown top-level key {unknown[0]!r} (sites are tables [sites.NAME])")
    sites = data.get("sites")
    if not isinstance(sites, dict) or not sites:
        raise SiteConfigError(f"{source}: no sites (add a table [sites.NAME] with start_urls)")
    return [parse_site(name, table, source) for name, table in sites.items()]


# A host name, IPv4 or [IPv6] address, with an optional port.
HOST_RE = re.compile(r"[A-Za-z0-9._\-]+(:\d+)?|\[[0-9A-Fa-f:.]+\](:\d+)?")


def parse_site(name: str, table: Any, source: str) -> SiteConfig:
    where = f"{source}: site {name!r}"

    def fail(key: str, message: str):
        raise SiteConfigError(f"{where}: {key}: {message}")

    if not SITE_NAME_RE.match(name):
        raise SiteConfigError(f"{where}: a site name is letters, digits, '.', '_' and '-'")
    if not isinstance(table, dict):
        raise SiteConfigError(f"{where}: must be a table ([sites.{name}])")
    check_keys(table, SITE_KEYS, where, "")

    start_urls = []
    for value in string_list(table.get("start_urls"), "start_urls", fail, required=True):
        scheme = urlsplit(value).scheme.lower()
        if scheme and scheme not in ("http", "https"):
            fail("start_urls", f"{value!r} is not an http(s) URL")
        try:
            url = normalise_url(value)
        except ValueError:
            fail("start_urls", f"{value!r} is not an absolute URL")
        if urlsplit(url).scheme not in ("http", "https"):
            fail("start_urls", f"{value!r} is not an http(s) URL")
        start_urls.append(url)

    hosts = string_list(table.get("allowed_hosts"), "allowed_hosts", fail)
    for host in hosts:
        bare = host.split("://", 1)[-1].rstrip("/")
        if "/" in bare or not HOST_RE.fullmatch(bare):
            fail("allowed_hosts", f"{host!r} is not a host name (write example.com, not a URL path)")
    all_hosts = tuple(dict.fromkeys([urlsplit(u).netloc for u in start_urls] + hosts))
    include = compile_patterns(table.get("include"), "include", fail)
    exclude = compile_patterns(table.get("exclude"), "exclude", fail)
    discover = table.get("discover", False)
    if not isinstance(discover, bool):
        fail("discover", f"must be true or false, not {discover!r}")
    scope = table.get("scope")
    if scope is not None:
        try:
            scope = parse_scope(scope)
        except ValueError as exc:
            fail("scope", str(exc))
    render = table.get("render")
    if render is not None:
        if not isinstance(render, str):
            fail("render", f"must be one of never, auto, always, not {render!r}")
        try:
            render = parse_mode(render)
        except ValueError as exc:
            fail("render", str(exc))
    selectors = parse_selectors(table.get("selectors", {}), where)
    limits = parse_limits(table.get("limits", {}), where)
    return SiteConfig(name, tuple(start_urls), all_hosts, include, exclude, discover, selectors, limits, scope, render)


def parse_scope(value: Any) -> str:
    """A crawl scope, one of SCOPES; ValueError saying which are known."""
    if value not in SCOPES:
        raise ValueError(f"must be one of {', '.join(SCOPES)}, not {value!r}")
    return value


def scope_prefix(url: str) -> str:
    """The folder a start URL stands for, as a path prefix: ``/blog/`` for ``/blog/``,
    ``/blog/index.html`` and ``/blog`` (a last segment without a dot is a folder)."""
    path = urlsplit(url).path or "/"
    if path.endswith("/"):
        return path
    head, _, last = path.rpartition("/")
    return path + "/" if "." not in last else head + "/"


def under_prefix(url: str, prefixes: Iterable[str]) -> bool:
    """Whether ``url``'s path lies in one of the folders ``prefixes`` (or names one)."""
    path = urlsplit(url).path or "/"
    return any(path.startswith(prefix) or path == prefix.rstrip("/") for prefix in prefixes)


def check_keys(table: dict, known: tuple[str, ...], where: str, prefix: str) -> None:
    for key in table:
        if key not in known:
            raise SiteConfigError(f"{where}: unknown key {prefix}{key!r} (known: {', '.join(known)})")


def string_list(value: Any, key: str, fail, required: bool = False) -> list[str]:
    if value is None:
        if required:
            fail(key, "missing (a list of URLs)")
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        fail(key, f"must be a list of strings, not {value!r}")
    if required and not value:
        fail(key, "must not be empty")
    return [v.strip() for v in value]


def compile_patterns(value: Any, key: str, fail) -> tuple[re.Pattern, ...]:
    patterns = []
    for text in string_list(value, key, fail):
        try:
            patterns.append(re.compile(text))
        except re.error as exc:
            fail(key, f"bad regular expression {text!r}: {exc}")
    return tuple(patterns)


def parse_selectors(table: Any, where: str) -> SiteSelectors:
    if not isinstance(table, dict):
        raise SiteConfigError(f"{where}: selectors: must be a table ([sites.NAME.selectors])")
    check_keys(table, SELECTOR_KEYS, where, "selectors.")
    parsed = {}
    for key, value in table.items():
        if not isinstance(value, str):
            raise SiteConfigError(f"{where}: selectors.{key}: must be a CSS or XPath string, not {value!r}")
        selector = Selector.parse(value)
        try:
            selector.check()
        except ValueError as exc:
            raise SiteConfigError(f"{where}: selectors.{key}: {exc}") from None
        parsed[key] = selector
    return SiteSelectors(**parsed)


def parse_limits(table: Any, where: str) -> SiteLimits:
    if not isinstance(table, dict):
        raise SiteConfigError(f"{where}: limits: must be a table ([sites.NAME.limits])")
    check_keys(table, LIMIT_KEYS, where, "limits.")
    parsed: dict[str, Any] = {}
    for key, value in table.items():
        if key == "delay":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise SiteConfigError(f"{where}: limits.delay: must be a number of seconds >= 0, not {value!r}")
            parsed[key] = float(value)
        else:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise SiteConfigError(f"{where}: limits.{key}: must be a whole number >= 0, not {value!r}")
            parsed[key] = value
    return SiteLimits(**parsed)


def select_sites(sites: list[SiteConfig], names: Iterable[str], source: str = "sites.toml") -> list[SiteConfig]:
    """The sites named (all when ``names`` is empty); an unknown name is an error."""
    names = list(names)
    if not names:
        return sites
    by_name = {site.name: site for site in sites}
    for name in names:
        if name not in by_name:
            known = ", ".join(by_name) or "none"
            raise SiteConfigError(f"{source}: no site named {name!r} (sites: {known})")
    return [by_name[name] for name in dict.fromkeys(names)]


def sites_for_urls(urls: Iterable[str], extra_hosts: Iterable[str] = (), discover: bool = False) -> list[SiteConfig]:
    """Sites for start URLs given without a config: one per host (a leading ``www.``
    ignored), allowed on that host and ``extra_hosts``, with the crawl-wide limits."""
    sites: dict[str, list[str]] = {}
    for url in urls:
        url = normalise_url(url)
        host = (urlsplit(url).hostname or "").removeprefix("www.")
        sites.setdefault(host, []).append(url)
    extra = tuple(extra_hosts)
    return [
        SiteConfig(
            name=host, start_urls=tuple(dict.fromkeys(start)),
            allowed_hosts=tuple(dict.fromkeys([urlsplit(u).netloc for u in start] + list(extra))),
            discover=discover,
        )
        for host, start in sites.items()
    ]
