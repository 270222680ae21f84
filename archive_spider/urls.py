"""URL normalisation and site membership.

One article must have one URL in the archive, whatever link led to it. ``normalise_url``
therefore maps the spellings of one address to a single string:

* absolute (resolved against ``base``), scheme and host lower-cased, the host's IDN form
  converted to punycode, a trailing dot and user:password@ dropped, default ports dropped;
* the fragment dropped; tracking and session parameters dropped (``utm_*``, ``fbclid``,
  ``PHPSESSID``, ``;jsessionid=`` in the path, see ``heuristics.TRACKING_PARAMS``), but a
  numeric ``sid`` is kept (old CMSes number their stories with it);
* the remaining query parameters sorted by name (a stable sort: repeated names keep
  their order); blank values kept (``?a=`` is not ``?a``, some servers care);
* percent-encoding normalised: escapes of unreserved characters decoded (``%7E`` -> ``~``),
  other escapes upper-cased (``%c3%a9`` -> ``%C3%A9``), characters that may not appear
  raw (spaces, non-ASCII) encoded as UTF-8;
* dot segments resolved, an empty path made ``/``.

Trailing-slash policy: the path is kept as the site wrote it (``/a`` and ``/a/`` stay
different URLs: servers may serve different pages for them, and a redirect between the
two is followed by the crawler anyway). The one exception is a static directory index
file name at the end of the path: ``/news/index.html`` becomes ``/news/`` (every web
server serves that file for the directory). Script names such as ``index.php`` are kept,
because without a DirectoryIndex setting ``/news/`` would not serve them.
"""

from __future__ import annotations

import functools
import posixpath
import re
import string
from collections.abc import Iterable
from types import ModuleType
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from archive_spider.discovery import heuristics as h

# Entries of the URL caches here and in discovery/pages.py. They hold what pages repeat: menus,
# category links, the sidebar's recent articles. A page's links are mostly of the pages
# read just before it, so small caches hit about as often as large ones (on 2,650 pages
# of a 10,000-article site, resolving links with 2,048 entries missed 2.6 % more often
# than with 8,192, at the same speed), and a larger cache is memory that keeps growing
# with the site long after it stops saving time (about 3.6 MB more per worker process
# at 8,192 and 4,096 entries).
URL_CACHE_SIZE = 2048
URL_SHAPE_CACHE_SIZE = 1024

try:  # the idna package (a Scrapy dependency through tldextract) follows IDNA 2008
    import idna

    _idna: ModuleType | None = idna
except ImportError:  # pragma: no cover - the standard codec (IDNA 2003) is close enough
    _idna = None

_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
# sub-delims and the characters RFC 3986 allows raw in each component
_PATH_SAFE = frozenset("/:@!$&'()*+,;=")
_QUERY_PART_SAFE = frozenset(":@!$'()*+,;/?")  # '&' and '=' separate names and values
_HEX = frozenset(string.hexdigits)
_IPV4_RE = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")


@functools.lru_cache(maxsize=URL_CACHE_SIZE)
def normalise_url(url: str, base: str | None = None) -> str:
    """Return the one normalised, absolute spelling of ``url``.

    Args:
        url: the URL as written in a page (may be relative when ``base`` is given).
        base: the URL of the page it was found in (or its ``<base href>``).

    Raises:
        ValueError: when the result is not an absolute URL with a host.

    Example: ``normalise_url("../b?utm_source=x&z=1&a=2#top", "HTTP://Example.com:80/x/y")``
    returns ``"http://example.com/b?a=2&z=1"``.
    """
    url = url.strip()
    # browsers drop tabs and newlines inside URLs (they come from wrapped attributes)
    url = re.sub(r"[\t\r\n]", "", url)
    if base:
        url = urljoin(base.strip(), url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if not scheme or not parts.netloc:
        raise ValueError(f"not an absolute URL: {url!r}")
    host = _normalise_host(parts.hostname or "")
    if not host:
        raise ValueError(f"URL without a host: {url!r}")
    try:
        port = parts.port
    except ValueError as error:
        raise ValueError(f"bad port in {url!r}") from error
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != h.DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{port}"
    return urlunsplit((scheme, netloc, _normalise_path(parts.path), _normalise_query(parts.query), ""))


def same_site(url: str, allowed_hosts: Iterable[str]) -> bool:
    """Tell whether ``url`` is on one of ``allowed_hosts``.

    A host matches when it is equal to an allowed host or is a subdomain of one
    (``blog.example.com`` when ``example.com`` is allowed); a leading ``www.`` is ignored on
    both sides. Allowed hosts may be given as bare hosts, ``host:port`` or URLs; a port in
    an allowed host must match, otherwise ports are ignored. Only http(s) URLs match.
    """
    try:
        parts = urlsplit(url.strip())
        if parts.scheme.lower() not in ("http", "https"):
            return False
        host = _site_name(_normalise_host(parts.hostname or ""))
        port = parts.port or h.DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:
        return False
    if not host:
        return False
    for allowed in allowed_hosts:
        allowed_host, allowed_port = _split_allowed_host(allowed)
        if not allowed_host:
            continue
        if allowed_port is not None and allowed_port != port:
            continue
        if host == allowed_host:
            return True
        if not _IPV4_RE.match(allowed_host) and host.endswith("." + allowed_host):
            return True
    return False


def host_of(url: str) -> str:
    """Return the normalised host of ``url`` (punycode, lower case, no port)."""
    return _normalise_host(urlsplit(url.strip()).hostname or "")


def is_followable(url: str) -> bool:
    """Tell whether an (absolute) URL could be a web page: http(s), not a binary file."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        return False
    return not has_binary_extension(parts.path)


def has_binary_extension(path: str) -> bool:
    """Tell whether a URL path ends in a download's file extension (``.pdf``, ``.jpg``...)."""
    name = path.rstrip("/").rsplit("/", 1)[-1]
    if "." not in name:
        return False
    return name.rsplit(".", 1)[-1].lower() in h.BINARY_EXTENSIONS


def link_scheme(href: str) -> str:
    """Return the lower-cased scheme of a raw href (``""`` for relative links)."""
    match = re.match(r"\s*([a-zA-Z][a-zA-Z0-9+.-]*):", href)
    return match.group(1).lower() if match else ""


# What may end a host as written but is no part of it: the root's dot, spaces.
HOST_END = "." + string.whitespace


def _normalise_host(host: str) -> str:
    host = host.strip().rstrip(HOST_END).lower()
    if not host or ":" in host:  # empty, or an IPv6 address
        return host
    if host.isascii():
        return host
    # IDNA mapping may turn a character into a dot ("0\u2024" is "0."): strip again.
    return _ascii_host(host).rstrip(HOST_END)


def _ascii_host(host: str) -> str:
    try:
        if _idna is not None:
            return _idna.encode(host, uts46=True).decode("ascii")
        return host.encode("idna").decode("ascii")
    except (UnicodeError, ValueError):
        try:
            return host.encode("idna").decode("ascii")
        except UnicodeError:
            return quote(host, safe=".-").lower()


def _site_name(host: str) -> str:
    return host[4:] if host.startswith("www.") else host


def _split_allowed_host(allowed: str) -> tuple[str, int | None]:
    allowed = allowed.strip()
    if "://" not in allowed:
        allowed = "http://" + allowed
    parts = urlsplit(allowed)
    try:
        port = parts.port
    except ValueError:
        port = None
    return _site_name(_normalise_host(parts.hostname or "")), port


def _normalise_path(path: str) -> str:
    path = h.PATH_SESSION_RE.sub("", path)
    path = _normalise_percent(path, _PATH_SAFE)
    if not path:
        return "/"
    if not path.startswith("/"):
        path = "/" + path
    path = _remove_dot_segments(path)
    head, _, last = path.rpartition("/")
    if last.lower() in h.DIRECTORY_INDEX_NAMES:
        path = head + "/"
    return path


def _remove_dot_segments(path: str) -> str:
    if "/." not in path:
        return path
    trailing = path.endswith(("/", "/.", "/.."))
    resolved = posixpath.normpath(path)
    resolved = re.sub(r"^/+", "/", resolved)  # normpath keeps a leading '//'
    if trailing and not resolved.endswith("/"):
        resolved += "/"
    return resolved


def _normalise_query(query: str) -> str:
    if not query:
        return ""
    kept = []
    for pair in query.split("&"):
        if not pair:
            continue
        name, sep, value = pair.partition("=")
        name = _normalise_percent(name, _QUERY_PART_SAFE)
        value = _normalise_percent(value, _QUERY_PART_SAFE | {"="})
        if _is_tracking_param(name, value):
            continue
        kept.append((name, f"{name}{sep}{value}"))
    kept.sort(key=lambda item: item[0])
    return "&".join(text for _, text in kept)


def _is_tracking_param(name: str, value: str) -> bool:
    lowered = name.lower()
    if lowered in h.AMBIGUOUS_SESSION_PARAMS and value.isdigit():
        return False  # PHP-Nuke's article.php?sid=123 is a story id, not a session
    return lowered in h.TRACKING_PARAMS or lowered.startswith(h.TRACKING_PARAM_PREFIXES)


def _normalise_percent(text: str, safe: frozenset[str]) -> str:
    out = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "%" and i + 2 < len(text) and text[i + 1] in _HEX and text[i + 2] in _HEX:
            decoded = chr(int(text[i + 1 : i + 3], 16))
            out.append(decoded if decoded in _UNRESERVED else "%" + text[i + 1 : i + 3].upper())
            i += 3
            continue
        if char in _UNRESERVED or char in safe:
            out.append(char)
        else:
            out.append(quote(char, safe=""))
        i += 1
    return "".join(out)


def canonical_href(tree) -> str | None:
    """The address a page's ``<link rel="canonical">`` gives, as written (stripped; not
    resolved): the first such link with a non-blank ``href``, else None. ``tree`` is a
    parsed page (lxml). Discovery resolves it against the page's base and hosts,
    extraction against the page URL."""
    for link in tree.iterfind(".//link[@rel]"):
        if "canonical" in link.get("rel", "").lower().split():
            href = (link.get("href") or "").strip()
            if href:
                return href
    return None
