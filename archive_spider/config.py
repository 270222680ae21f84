"""Checking what the user asked for before anything runs or is written.

Bad input ends the command with one line naming the problem: a start URL that is not an
http(s) URL, a ``-s NAME=VALUE`` that names no setting or has a bad value, a setting
out of range. The archive is not opened (let alone created) until these checks pass.
"""

from __future__ import annotations

import json
import re
from typing import Any
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from scrapy.settings import BaseSettings, default_settings

from archive_spider import rendering, revisit, sites


class ConfigError(ValueError):
    """The user's configuration cannot work; the message says why, in one line."""


_SETTING_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def check_start_urls(urls: Iterable[str]) -> list[str]:
    """The start URLs, stripped; raises ConfigError for one that is not an absolute
    http(s) URL with a host (``file://``, ``ftp://``, a bare word, a bad port)."""
    checked = []
    for raw in urls:
        url = raw.strip()
        try:
            parts = urlsplit(url)
            port_ok = parts.port is None or 0 < parts.port < 65536
        except ValueError:
            port_ok = False
            parts = None
        if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname or not port_ok:
            raise ConfigError(f"not an http(s) URL: {raw!r} (start URLs look like https://example.com/blog/)")
        checked.append(url)
    return checked


def unresolvable_start_hosts(urls: Iterable[str]) -> dict[str, str]:
    """The start URLs' hosts that the system's resolver says do not exist, with the
    resolver's reason; {} as soon as one host resolves, or a lookup fails for a passing
    reason (a timeout, no network: Scrapy will retry), or a proxy is configured (it
    resolves the names). Lets a crawl whose every start URL names no host fail at once."""
    import os
    import socket

    if any(os.environ.get(name) for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")):
        return {}
    missing: dict[str, str] = {}
    for host in dict.fromkeys(urlsplit(url).hostname for url in urls):
        try:
            socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
            return {}
        except socket.gaierror as exc:
            if exc.errno not in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)):
                return {}
            missing[host] = exc.strerror or "no such host"
        except (UnicodeError, OSError):
            return {}
    return missing


def known_setting_names() -> set[str]:
    from archive_spider import settings as project

    names = {n for n in dir(default_settings) if _SETTING_NAME.match(n)}
    return names | {n for n in dir(project) if _SETTING_NAME.match(n)}


def parse_value(text: str) -> Any:
    """A -s value: JSON when it reads as JSON (numbers, true/false, lists), else the string."""
    try:
        return json.loads(text)
    except ValueError:
        lowered = text.strip().lower()
        if lowered in ("true", "yes", "on"):
            return True
        if lowered in ("false", "no", "off"):
            return False
        return text


def parse_settings(pairs: Iterable[str]) -> dict[str, Any]:
    """``NAME=VALUE`` strings as a dict; raises ConfigError for an unknown name."""
    known = None
    result: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not _SETTING_NAME.match(name):
            raise ConfigError(f"-s expects NAME=VALUE with an upper-case setting name, not {pair!r}")
        known = known if known is not None else known_setting_names()
        if name not in known:
            raise ConfigError(f"unknown setting {name} (see the README for ARCHIVE_ settings; "
                              "Scrapy's are at docs.scrapy.org/en/latest/topics/settings.html)")
        result[name] = parse_value(value)
    return result


def _number(minimum: float, whole: bool) -> Callable[[BaseSettings, str], str | None]:
    def check(settings: BaseSettings, name: str) -> str | None:
        value = settings.get(name)
        try:
            number = int(value) if whole else float(value)
            if whole and isinstance(value, float) and not value.is_integer():
                raise ValueError
        except (TypeError, ValueError):
            return f"expected a {'whole ' if whole else ''}number >= {minimum:g}"
        return None if number >= minimum else f"expected a {'whole ' if whole else ''}number >= {minimum:g}"
    return check


def _parsed_by(parse: Callable[[str], Any]) -> Callable[[BaseSettings, str], str | None]:
    """A check that the value parses with ``parse`` (which raises ValueError saying what
    it accepts)."""
    def check(settings: BaseSettings, name: str) -> str | None:
        try:
            parse(str(settings.get(name)))
        except ValueError as exc:
            return str(exc)
        return None
    return check


def _hosts(settings: BaseSettings, name: str) -> str | None:
    for host in settings.getlist(name):
        if not re.fullmatch(r"[A-Za-z0-9.\-\[\]:_]+", str(host)):
            return f"{host!r} is not a host name"
    return None


# Settings whose values are checked before a crawl starts, with what they must be.
CHECKS: dict[str, Callable[[BaseSettings, str], str | None]] = {
    "DOWNLOAD_TIMEOUT": _number(0.1, whole=False),
    "DOWNLOAD_DELAY": _number(0, whole=False),
    "RETRY_TIMES": _number(0, whole=True),
    "CONCURRENT_REQUESTS": _number(1, whole=True),
    "CONCURRENT_REQUESTS_PER_DOMAIN": _number(1, whole=True),
    "REDIRECT_MAX_TIMES": _number(0, whole=True),
    "ARCHIVE_BATCH_SIZE": _number(1, whole=True),
    "ARCHIVE_MIN_WORDS": _number(0, whole=True),
    "ARCHIVE_MAX_ARTICLE_PAGES": _number(1, whole=True),
    "ARCHIVE_MAX_PAGES": _number(0, whole=True),
    "ARCHIVE_MAX_PAGE_BYTES": _number(0, whole=True),
    "ARCHIVE_RETRY_BACKOFF": _number(0, whole=False),
    "ARCHIVE_MAX_RETRY_DELAY": _number(0, whole=False),
    "ARCHIVE_STALE_INDEX_PAGES": _number(0, whole=True),
    "ARCHIVE_MAX_DEPTH": _number(0, whole=True),
    "ARCHIVE_SITE_MAX_PAGES": _number(0, whole=True),
    "ARCHIVE_SITE_MAX_SITEMAPS": _number(0, whole=True),
    "ARCHIVE_SITEMAP_MAX_URLS": _number(0, whole=True),
    "ARCHIVE_MAX_LINKS_PER_PAGE": _number(0, whole=True),
    "ARCHIVE_REVISIT": _parsed_by(revisit.parse_policy),
    "ARCHIVE_SCOPE": _parsed_by(sites.parse_scope),
    "ARCHIVE_FULL_LISTING_EVERY": _parsed_by(revisit.parse_duration),
    "ARCHIVE_ALLOWED_HOSTS": _hosts,
    "ARCHIVE_HEALTH_CANARIES": _number(0, whole=True),
    "ARCHIVE_HEALTH_MIN_HISTORY": _number(1, whole=True),
    "ARCHIVE_HEALTH_WINDOW": _number(1, whole=True),
    "ARCHIVE_HEALTH_MIN_ARTICLES": _number(1, whole=True),
    "ARCHIVE_RENDER": _parsed_by(rendering.parse_mode),
    "ARCHIVE_RENDER_CONCURRENCY": _number(1, whole=True),
    "ARCHIVE_RENDER_TIMEOUT": _number(1, whole=False),
    "ARCHIVE_RENDER_MAX_MEMORY": _number(0, whole=True),
    "ARCHIVE_RENDER_MAX_ROUNDS": _number(0, whole=True),
    "ARCHIVE_RENDER_SAMPLE_PAGES": _number(0, whole=True),
}


def check_settings(settings: BaseSettings) -> None:
    """Raise ConfigError naming the first setting whose value cannot work."""
    for name, check in CHECKS.items():
        if settings.get(name) is None:
            continue
        problem = check(settings, name)
        if problem:
            raise ConfigError(f"bad value for {name}: {settings.get(name)!r} ({problem})")
