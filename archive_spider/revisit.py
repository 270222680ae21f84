"""Revisit policies: what to do with an article the archive already holds.

``never``          skip it: only new articles are fetched.
``conditional``    ask the site whether it changed, with the validators kept from the last
                   fetch (If-None-Match / If-Modified-Since); 304 Not Modified costs one
                   small response and no download. Articles with no validators are skipped.
                   The default: each rerun catches edits and downloads no unchanged page.
``max-age=7d``     revisit (conditionally when validators are known, else in full) only
                   articles last fetched longer ago than the age; skip the rest. Units:
                   s, m, h, d, w.
``adaptive``       revisit (conditionally when it can) an article once the time since its
                   last fetch reaches a tenth of how old its text was then (since the
                   archive last saw it change, else since the page's own modified or
                   published date, else since it was first archived), between
                   ADAPTIVE_MIN_INTERVAL and ADAPTIVE_MAX_INTERVAL: the heuristic
                   freshness of HTTP caches (RFC 9111, 4.2.2). A fresh or recently edited
                   article is checked on every run, one unchanged for years once a month.
``always``         fetch every article again in full.

Pure: the middleware in middlewares.py applies the decision to requests.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from archive_spider import settings as defaults

# Signals the crawl sends as article responses come in; StorePipeline records them.
# Sent with url= (normalised) and fetch= (http_etag, http_last_modified, last_fetched).
article_fetched = object()
article_not_modified = object()

SKIP = "skip"
CONDITIONAL = "conditional"
FULL = "full"

DEFAULT_POLICY = defaults.ARCHIVE_REVISIT
# adaptive: the share of a text's age it is taken to stay unchanged for, and the bounds.
ADAPTIVE_SHARE = 0.1
ADAPTIVE_MIN_INTERVAL = dt.timedelta(0)
ADAPTIVE_MAX_INTERVAL = dt.timedelta(days=30)
DURATION_RE = re.compile(r"^(\d+)([smhdw]?)$")
AGE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "": 86400}


@dataclass(frozen=True)
class RevisitPolicy:
    """A parsed revisit policy: ``name`` is never, conditional, max-age or always."""

    name: str
    max_age: dt.timedelta | None = None

    def __str__(self) -> str:
        if self.name == "max-age" and self.max_age is not None:
            return f"max-age={int(self.max_age.total_seconds())}s"
        return self.name

    def decide(self, known: dict[str, Any], now: dt.datetime | None = None) -> str:
        """SKIP, CONDITIONAL or FULL for an article the archive holds, from what its last
        fetch left (``http_etag``, ``http_last_modified``, ``last_fetched``) and, for
        ``adaptive``, its dates (``first_seen``, ``last_changed``, ``published``,
        ``modified``)."""
        has_validators = bool(known.get("http_etag") or known.get("http_last_modified"))
        if self.name == "never":
            return SKIP
        if self.name == "always":
            return FULL
        if self.name == "conditional":
            return CONDITIONAL if has_validators else SKIP
        last = parse_time(known.get("last_fetched"))
        now = now or dt.datetime.now(dt.timezone.utc)
        interval = self.max_age if self.name == "max-age" else adaptive_interval(known, last)
        if last is not None and interval is not None and now - last < interval:
            return SKIP
        return CONDITIONAL if has_validators else FULL


def adaptive_interval(known: dict[str, Any], last_fetched: dt.datetime | None) -> dt.timedelta:
    """How long an article's text is taken to stay unchanged after a fetch (``adaptive``)."""
    if last_fetched is None:
        return ADAPTIVE_MIN_INTERVAL
    first_seen = parse_time(known.get("first_seen"))
    changed = parse_time(known.get("last_changed"))
    if changed is not None and first_seen is not None and changed > first_seen:
        born = changed  # the archive saw it change: its text is as old as that
    else:
        stated = [t for t in (parse_time(known.get("modified")), parse_time(known.get("published")))
                  if t is not None and t <= last_fetched]
        born = max(stated) if stated else (first_seen or changed or last_fetched)
    age = max(last_fetched - born, dt.timedelta(0))
    return min(max(age * ADAPTIVE_SHARE, ADAPTIVE_MIN_INTERVAL), ADAPTIVE_MAX_INTERVAL)


def parse_policy(text: str | None) -> RevisitPolicy:
    """``never``, ``conditional``, ``adaptive``, ``always`` or ``max-age=N[s|m|h|d|w]``
    (days without a unit); raises ValueError with the accepted forms otherwise."""
    text = (text or DEFAULT_POLICY).strip().lower()
    if text in ("never", "conditional", "adaptive", "always"):
        return RevisitPolicy(text)
    if text.startswith("max-age="):
        with contextlib.suppress(ValueError):
            return RevisitPolicy("max-age", parse_duration(text[len("max-age="):]))
    raise ValueError(
        f"unknown revisit policy {text!r}: use never, conditional, adaptive, always or max-age=N "
        "with a unit s, m, h, d or w (max-age=7d)"
    )


def parse_duration(text: str) -> dt.timedelta:
    """``N`` with a unit s, m, h, d or w (days without one): ``7d``, ``12h``, ``0``;
    raises ValueError otherwise."""
    match = DURATION_RE.match(str(text).strip().lower())
    if not match:
        raise ValueError(f"{text!r} is not a duration: a whole number with a unit s, m, h, d or w (7d)")
    return dt.timedelta(seconds=int(match.group(1)) * AGE_UNITS[match.group(2)])


def parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def conditional_headers(known: dict[str, Any]) -> dict[str, str]:
    """The request headers that ask "has this changed since my copy?"."""
    headers = {}
    if known.get("http_etag"):
        headers["If-None-Match"] = known["http_etag"]
    if known.get("http_last_modified"):
        headers["If-Modified-Since"] = known["http_last_modified"]
    return headers


def validators_of(headers) -> dict[str, str | None]:
    """ETag and Last-Modified of a Scrapy response's headers, as text (or None)."""
    def text(name: str) -> str | None:
        value = headers.get(name)
        return value.decode("latin-1").strip() if value else None

    return {"http_etag": text("ETag"), "http_last_modified": text("Last-Modified")}
