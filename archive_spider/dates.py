"""Dates as pages, feeds and sitemaps write them, read into 'YYYY-MM-DD'.

The one date parser of the project; discovery (teaser dates), extraction (an article's
published and modified dates), feeds and sitemaps and the per-site ``date`` selector all
use it. Three entry points, from the strictest input to the loosest:

* :func:`parse_machine_date`: a value meant for machines (JSON-LD ``datePublished``, a
  ``<meta>`` date, htmldate's answer): ISO 8601 (``2024-03-05T10:00:00Z``, ``2024-3-5``)
  or compact (``20240305``), with a year between 1990 and 2100 (a smaller or larger year
  in such a field is a placeholder, not a publication date);
* :func:`parse_feed_date`: RFC 822 (RSS ``pubDate``) first, else as :func:`parse_date`;
* :func:`parse_date`: the first date written anywhere in a text, in the forms of the
  languages the crawler knows (``3 May 2024``, ``May 3rd, 2024``, ``03.05.2024``,
  ``3 de mayo de 2024``, ISO).

Every result is a real calendar day (``2024-02-30`` is no date).
"""

from __future__ import annotations

import re
from datetime import date
from email.utils import parsedate_to_datetime

MONTHS = {
    # English
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
    # German
    "januar": 1, "jänner": 1, "februar": 2, "märz": 3, "maerz": 3, "mai": 5, "juni": 6,
    "juli": 7, "oktober": 10, "dezember": 12, "mär": 3, "okt": 10, "dez": 12,
    # French
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12, "janv": 1, "févr": 2, "avr": 4, "juil": 7,
    # Spanish
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11,
    "diciembre": 12,
    # Portuguese
    "janeiro": 1, "fevereiro": 2, "março": 3, "marco": 3, "maio": 5, "junho": 6,
    "julho": 7, "setembro": 9, "outubro": 10, "dezembro": 12,
    # Italian
    "gennaio": 1, "febbraio": 2, "aprile": 4, "maggio": 5, "giugno": 6, "luglio": 7,
    "settembre": 9, "ottobre": 10, "dicembre": 12,
    # Dutch
    "januari": 1, "februari": 2, "maart": 3, "mei": 5, "augustus": 8,
}
_MONTH_NAMES = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))

# 2024-05-03 (also the start of an ISO datetime), and 2024-5-3 as some CMSes write it
ISO_DATE_RE = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
# 20240503 at the start of a machine value
COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})")
# 03.05.2024 (German, Dutch, Italian numeric style: day first)
DOTTED_DATE_RE = re.compile(r"\b(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})\b")
# 3 May 2024, 3. Mai 2024, 3 de mayo de 2024, 1er mars 2024
DAY_MONTH_YEAR_RE = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th|er|\.|º)?\s+(?:de\s+)?(%s)\.?,?\s+(?:de\s+)?(\d{4})\b" % _MONTH_NAMES,
    re.I,
)
# May 3, 2024 and May 3rd 2024
MONTH_DAY_YEAR_RE = re.compile(
    r"\b(%s)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b" % _MONTH_NAMES, re.I
)
# The written forms parse_date reads, each with how its groups give (year, month, day).
WRITTEN_DATES = (
    (ISO_DATE_RE, lambda g: (int(g[0]), int(g[1]), int(g[2]))),
    (DOTTED_DATE_RE, lambda g: (int(g[2]), int(g[1]), int(g[0]))),
    (DAY_MONTH_YEAR_RE, lambda g: (int(g[2]), MONTHS[g[1].lower()], int(g[0]))),
    (MONTH_DAY_YEAR_RE, lambda g: (int(g[2]), MONTHS[g[0].lower()], int(g[1]))),
)
# The years a machine-readable publication date may have.
MACHINE_DATE_YEARS = (1990, 2100)
_DIGIT_RE = re.compile(r"\d")


def iso_day(year: int, month: int, day: int) -> str | None:
    """'YYYY-MM-DD' for a real calendar day, else None."""
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def parse_date(text: str | None) -> str | None:
    """The first date written in ``text`` (ISO, 03.05.2024, 3 May 2024, May 3, 2024...),
    as 'YYYY-MM-DD'; the earliest in the text wins, and a match that is no real day
    ("2024-13-45") gives way to the next."""
    if not text or not _DIGIT_RE.search(text):  # every date pattern has digits
        return None
    attempts = sorted(
        (match.start(), *parts(match.groups()))
        for pattern, parts in WRITTEN_DATES
        for match in pattern.finditer(text)
    )
    for _, year, month, day in attempts:
        found = iso_day(year, month, day)
        if found:
            return found
    return None


def without_dates(text: str) -> str:
    """``text`` with every date parse_date reads taken out (what is left around a date)."""
    for pattern, _ in WRITTEN_DATES:
        text = pattern.sub("", text)
    return text


def parse_machine_date(value: object) -> str | None:
    """A machine-readable date ('2024-03-05T10:00:00Z', '2024-03-05' or '20240305') as
    'YYYY-MM-DD'; None for anything else, including a year outside MACHINE_DATE_YEARS."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    match = ISO_DATE_RE.search(text) or COMPACT_DATE_RE.match(text)
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    if not MACHINE_DATE_YEARS[0] <= year <= MACHINE_DATE_YEARS[1]:
        return None
    return iso_day(year, month, day)


def first_machine_date(*values: object) -> str | None:
    """The first of ``values`` that holds a machine-readable date, as 'YYYY-MM-DD'."""
    for value in values:
        found = parse_machine_date(value)
        if found:
            return found
    return None


def parse_feed_date(value: str | None) -> str | None:
    """A feed date (RFC 822 in RSS, ISO 8601 in Atom and Dublin Core) as 'YYYY-MM-DD'."""
    if not value:
        return None
    value = value.strip()
    try:
        return parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    return parse_date(value)
