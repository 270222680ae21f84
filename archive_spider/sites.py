"""sites.toml: the sites a crawl covers, loaded and checked strictly.

Example::

    # sites.toml
    [sites.field-notes]
    start_urls = ["https://field-notes.example/", "https://field-notes.example/essays/"]
    allowed_hosts = ["media.field-notes.example"]   # optional

    [sites.commonplace]
    start_urls = ["https://commonplace.example/blog/"]

``archive-spider crawl --config sites.toml`` crawls every site; ``--site NAME`` (repeatable)
picks some. A mistake in the file (bad TOML, an unknown key, a URL that is not http(s))
ends the command with one line naming the file, the site and the key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from archive_spider.config import ConfigError, check_start_urls

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

# Keys a [sites.NAME] table may have, and what each must be.
SITE_KEYS = {
    "start_urls": "a non-empty list of http(s) URLs",
    "allowed_hosts": "a list of host names",
}


@dataclass(frozen=True)
class Site:
    name: str
    start_urls: tuple[str, ...]
    allowed_hosts: tuple[str, ...] = field(default_factory=tuple)


def load_sites(path: str | os.PathLike, only: tuple[str, ...] | list[str] = ()) -> list[Site]:
    """The sites of the file at ``path`` (only those named in ``only``, if given).

    Raises ConfigError with a one-line reason for any problem in the file.
    """
    path = os.fspath(path)
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    unknown = set(data) - {"sites"}
    if unknown:
        raise ConfigError(f"{path}: unknown top-level key {sorted(unknown)[0]!r} (sites go in [sites.NAME] tables)")
    tables = data.get("sites")
    if not isinstance(tables, dict) or not tables:
        raise ConfigError(f"{path} defines no sites: add a [sites.NAME] table with start_urls")
    sites = [parse_site(path, name, table) for name, table in tables.items()]
    if only:
        names = {site.name for site in sites}
        missing = [name for name in only if name not in names]
        if missing:
            raise ConfigError(f"{path} has no site {missing[0]!r} (it has: {', '.join(sorted(names))})")
        sites = [site for site in sites if site.name in only]
    return sites


def parse_site(path: str, name: str, table: Any) -> Site:
    where = f"{path}: [sites.{name}]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table with start_urls")
    unknown = sorted(set(table) - set(SITE_KEYS))
    if unknown:
        raise ConfigError(f"{where} has an unknown key {unknown[0]!r} (known: {', '.join(SITE_KEYS)})")
    urls = table.get("start_urls")
    if not _is_list_of_strings(urls) or not urls:
        raise ConfigError(f"{where} start_urls must be {SITE_KEYS['start_urls']}")
    try:
        urls = check_start_urls(urls)
    except ConfigError as exc:
        raise ConfigError(f"{where} start_urls: {exc}") from None
    hosts = table.get("allowed_hosts", [])
    if not _is_list_of_strings(hosts) or not all(h.strip() and " " not in h.strip() for h in hosts):
        raise ConfigError(f"{where} allowed_hosts must be {SITE_KEYS['allowed_hosts']}")
    return Site(name=name, start_urls=tuple(urls), allowed_hosts=tuple(h.strip() for h in hosts))


def _is_list_of_strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)
