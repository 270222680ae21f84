"""The helpers discovery, extraction, feeds and site selectors share: the decoder
(decoding.py, for the downloader and extraction's loader), dates (dates.py),
JSON-LD (jsonld.py), the canonical link (urls.canonical_href) and bylines (bylines.py).

Each used to be written two to four times; where the copies disagreed, a test here says
which reading both sides now give.
"""

from __future__ import annotations

import codecs

import parsel
import pytest

from archive_spider.bylines import (
    BYLINE_WORD_RE,
    LEADING_BYLINE_RE,
    TEASER_BYLINE_RE,
    strip_byline_prefix,
)
from archive_spider.decoding import decode_html, looks_binary, looks_binary_text
from archive_spider.dates import parse_date, parse_feed_date, parse_machine_date
from archive_spider.discovery.pages import analyse_page, parse_html, read_metadata
from archive_spider.extraction import extract_article
from archive_spider.extraction.loading import parse_page
from archive_spider.extraction.metadata import extract_metadata
from archive_spider.jsonld import json_ld_documents, load_json_ld
from archive_spider.sites import Selector
from archive_spider.assembly.builder import selected_value
from archive_spider.urls import canonical_href

URL = "https://news.example/2024/05/harbour-reopens/"


def page(head: str, body: str = "<h1>Harbour reopens</h1><p>The harbour reopened today.</p>") -> str:
    return f"<!doctype html><html><head><title>Harbour reopens</title>{head}</head><body>{body}</body></html>"


# --- the decoder --------------------------------------------------------------------------

PROSE = "The lock keeper opens the upper gates at dawn and lets the first barge into the chamber. "


def test_extraction_reads_a_latin_1_label_as_browsers_do():
    # extraction's copy read "iso-8859-1" as Latin-1: cp1252's quotes became C1 controls
    body = ("<html><head><meta charset='iso-8859-1'><title>\u201eSchleuse\u201c</title></head><body>"
            f"<article><h1>\u201eSchleuse\u201c</h1><p>{PROSE * 6}\u2026</p></article></body></html>").encode("cp1252")
    article = extract_article(body, url=URL)
    assert article.title == "\u201eSchleuse\u201c"
    assert article.text.endswith("\u2026") and not any("\x80" <= ch <= "\x9f" for ch in article.text)


def test_damaged_utf8_stays_utf8_in_the_crawl_too():
    # the downloader's copy fell back to replacement characters (or a guessed encoding);
    # extraction's dropped the broken bytes: both drop them now
    body = f"<html><head><meta charset='utf-8'></head><body><p>{PROSE * 4}caf\u00e9 \ud800ok</p></body></html>"
    page = decode_html(body.encode("utf-8", "surrogatepass"))
    assert page.source == "damaged-utf-8" and page.encoding == "utf-8"
    assert "caf\u00e9 ok" in page.text and "\ufffd" not in page.text


def test_broken_units_after_a_byte_order_mark_carry_no_text():
    body = codecs.BOM_UTF16_LE + "<p>keeper".encode("utf-16-le") + b"\x00\xd8" + " opens</p>".encode("utf-16-le")
    assert decode_html(body).text == "<p>keeper opens</p>"


def test_one_measure_tells_binary_bytes_and_binary_text():
    page = f"<html><body><p>{PROSE * 20}</p></body></html>"
    controls = "\x01\x02\x03" * (len(page) // 100)  # 3 % control characters
    damaged = page[: len(page) // 2] + controls + page[len(page) // 2:]
    # extraction's copy allowed 5 % (and only counted the first 8 KB), the downloader's 2 %
    assert looks_binary(damaged.encode()) and looks_binary_text(damaged)
    assert "not-html" in extract_article(damaged.encode(), url=URL).warnings
    assert "not-html" in extract_article(damaged, url=URL).warnings
    assert not looks_binary(page.encode()) and not looks_binary_text(page)


def test_mojibake_in_text_given_as_text_is_repaired_as_in_bytes():
    text = "<html><body><article><p>" + "Le caf\u00e9 est servi avec une cr\u00e8me \u00e9paisse. " * 8 + "</p></article></body></html>"
    twice = text.encode("utf-8").decode("cp1252")
    from_text = extract_article(twice, url=URL)
    from_bytes = extract_article(twice.encode("utf-8"), url=URL)
    assert from_text.text == from_bytes.text and "cr\u00e8me \u00e9paisse" in from_text.text
    assert "repaired-encoding" in from_text.warnings and "repaired-encoding" in from_bytes.warnings


# --- dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Posted on May 3, 2024", "2024-05-03"),
        ("3rd May 2024", "2024-05-03"),
        ("2024-05-03T08:00:00Z", "2024-05-03"),
        ("Veröffentlicht am 3. Mai 2024", "2024-05-03"),
        ("am 03.05.2024", "2024-05-03"),
        ("Publié le 1er avril 2024", "2024-04-01"),
        ("3 de mayo de 2024", "2024-05-03"),
        ("12 maggio 2023", "2023-05-12"),
        ("3 mei 2024", "2024-05-03"),
        ("5 de março de 2024", "2024-03-05"),
        ("Sept. 9, 2021", "2021-09-09"),
        ("no date here", None),
        ("2024-13-45", None),
        # the earliest date in the text wins; one that is no real day gives way
        ("3 May 2024, updated 2024-06-01", "2024-05-03"),
        ("2024-02-30 or 1 March 2024", "2024-03-01"),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-05T10:00:00Z", "2024-03-05"),
        ("2024-03-05", "2024-03-05"),
        ("20240305", "2024-03-05"),
        ("  2024-3-5  ", "2024-03-05"),
        ("May 3, 2024", None),  # written, not machine-readable
        ("1899-01-01", None),  # a placeholder year
        ("", None),
        (None, None),
        (20240305, None),
    ],
)
def test_parse_machine_date(value, expected):
    assert parse_machine_date(value) == expected


def test_a_short_iso_date_reads_the_same_in_a_teaser_and_in_metadata():
    # discovery's copy wanted two-digit months and days, extraction's took one digit too
    assert parse_date("Updated 2024-5-3") == parse_machine_date("2024-5-3") == "2024-05-03"


def test_no_day_that_is_not_in_the_calendar_reaches_an_article():
    # extraction's copy took any day up to 31 ("2024-02-30"); discovery's did not
    assert parse_machine_date("2024-02-30T08:00:00Z") is None
    html = page('<meta property="article:published_time" content="2024-02-30T08:00:00Z">'
                '<meta name="date" content="2024-02-28">')
    assert extract_metadata(parse_page(html), URL).published == "2024-02-28"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Tue, 05 Mar 2024 23:30:00 +0000", "2024-03-05"),  # RSS: RFC 822
        ("2024-03-05T23:30:00+01:00", "2024-03-05"),  # Atom: ISO 8601
        ("5 March 2024", "2024-03-05"),
        ("soon", None),
        (None, None),
    ],
)
def test_parse_feed_date(value, expected):
    assert parse_feed_date(value) == expected


# --- JSON-LD ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "script",
    [
        '{"@type": "NewsArticle", "headline": "Harbour reopens"}',
        '<!-- {"@type": "NewsArticle", "headline": "Harbour reopens"} -->',
        '//<![CDATA[\n{"@type": "NewsArticle", "headline": "Harbour reopens"}\n//]]>',
        '<![CDATA[{"@type": "NewsArticle", "headline": "Harbour reopens"}]]>',
        '[{"@type": "NewsArticle", "headline": "Harbour reopens"}]',
    ],
)
def test_load_json_ld_unwraps_what_cmses_put_around_it(script):
    assert load_json_ld(script) == [{"@type": "NewsArticle", "headline": "Harbour reopens"}]


def test_a_broken_script_gives_nothing_and_the_next_one_is_read():
    html = page('<script type="application/ld+json">{"@type": "NewsArticle",</script>'
                '<script type="Application/LD+JSON">{"@type": "WebSite", "name": "Harbour News"}</script>'
                '<script type="text/javascript">{"@type": "NewsArticle"}</script>')
    assert list(json_ld_documents(parse_page(html))) == [{"@type": "WebSite", "name": "Harbour News"}]


def test_json_ld_in_a_comment_is_read_by_discovery_and_extraction_alike():
    # discovery's copy stripped CDATA wrappers only, extraction's HTML comments too
    html = page('<script type="application/ld+json"><!--\n'
                '{"@type": "NewsArticle", "headline": "The harbour reopens after a year",'
                ' "datePublished": "2024-05-03"}\n--></script>')
    assert "newsarticle" in read_metadata(parse_html(html)).schema_types
    metadata = extract_metadata(parse_page(html), URL)
    assert metadata.published == "2024-05-03"
    assert metadata.title == "The harbour reopens after a year"


# --- the canonical link -------------------------------------------------------------------


def test_canonical_href_is_the_first_non_blank_one():
    html = page('<link rel="stylesheet" href="/style.css"><link rel="canonical" href="  ">'
                '<link rel="Canonical" href=" /2024/05/harbour/ "><link rel="canonical" href="/other/">')
    assert canonical_href(parse_page(html)) == "/2024/05/harbour/"
    assert canonical_href(parse_page(page(""))) is None


def test_discovery_and_extraction_name_the_same_canonical_url():
    # discovery's copy gave up at a blank canonical link; extraction's went on to the next
    html = page('<link rel="canonical" href=""><link rel="canonical" href="/2024/05/harbour/">')
    expected = "https://news.example/2024/05/harbour/"
    assert analyse_page(html, URL).canonical_url == expected
    assert extract_metadata(parse_page(html), URL).canonical_url == expected


def test_an_off_site_canonical_is_kept_by_extraction_and_not_followed_by_discovery():
    html = page('<link rel="canonical" href="https://syndication.example/harbour/">')
    assert analyse_page(html, URL).canonical_url is None
    assert extract_metadata(parse_page(html), URL).canonical_url == "https://syndication.example/harbour/"


# --- bylines ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("By Anna Berg", "Anna Berg"),
        ("by: Anna Berg", "Anna Berg"),
        ("Written by Anna Berg", "Anna Berg"),
        ("Geschrieben von Jan Meier", "Jan Meier"),
        ("publicado por Ana Ruiz", "Ana Ruiz"),
        ("écrit par Claire Roux", "Claire Roux"),
        ("door Pieter de Vries", "Pieter de Vries"),
        ("av Lars Berg", "Lars Berg"),
        ("di Mario Rossi", "Mario Rossi"),
        ("Di Stefano Rossi", "Di Stefano Rossi"),  # a surname, not the Italian "by"
        ("Byron Katz", "Byron Katz"),
    ],
)
def test_strip_byline_prefix(text, expected):
    assert strip_byline_prefix(text) == expected


def test_byline_patterns():
    assert BYLINE_WORD_RE.match(" By: ") and BYLINE_WORD_RE.match("af")
    assert not BYLINE_WORD_RE.match("By Anna")
    assert LEADING_BYLINE_RE.match("By Nathan Willis March 25, 2015")
    assert not LEADING_BYLINE_RE.match("Bypass roads were closed")
    assert TEASER_BYLINE_RE.match("By Maren Holt") and TEASER_BYLINE_RE.match("di Maria Bianchi")
    assert not TEASER_BYLINE_RE.match("By the time the harbour reopened, the boats had gone elsewhere")


def test_a_site_author_selector_strips_the_same_byline_words_as_extraction():
    # the selector's copy knew "by, von, par, por, di, door" followed by a space only
    html = page("", '<span class="who">By: Anna Berg</span><span class="when">Tue, 05 Mar 2024</span>')
    selected = parsel.Selector(text=html)
    assert selected_value(selected, Selector.parse(".who"), "author") == "Anna Berg"
    assert selected_value(selected, Selector.parse(".when"), "date") == "2024-03-05"
    metadata = extract_metadata(parse_page(page('<meta name="author" content="By: Anna Berg">')), URL)
    assert metadata.author == "Anna Berg"
