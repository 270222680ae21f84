"""Nothing raises: control characters, NUL bytes, character references to characters XML
refuses, and broken encodings are cleaned before parsing, so that the page's prose comes
back (a page once came back empty, with 'error', for one such character)."""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive_spider.extraction import extract_article

SENTENCES = [
    "The lock keeper opens the upper gates at dawn and lets the first barge into the chamber",
    "Water pours in from the sluices until the two levels meet and the gates swing open again",
    "In summer the queue of boats reaches back past the mill and the old brick warehouse",
]
DAMAGE = st.sampled_from(["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\ufffe", "\uffff",
                          "&#0;", "&#1;", "&#x1F;", "&#xD800;", "&#65535;", "&#12;", "\ud800", ""])
ENCODINGS = st.sampled_from(["utf-8", "utf-16", "cp1252", "latin-1", "utf-8-sig"])


class FailureLog(logging.Handler):
    """Collects the failures extraction logs: its own, and a finder's it swallowed."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.failures: list[str] = []

    def emit(self, record):
        if "failed" in record.getMessage():
            self.failures.append(record.getMessage())


@pytest.fixture(scope="module")
def failure_log():
    handler = FailureLog()
    logger = logging.getLogger("archive_spider.extraction")
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(previous)


def damaged_page(damage: list[str], attribute_damage: str, charset: str = "utf-8") -> str:
    """An article page with ``damage`` glued to words, in text and attributes."""
    paragraphs = []
    for index, sentence in enumerate(SENTENCES * 3):
        words = sentence.split()
        spot = index % len(words)
        mark = damage[index % len(damage)] if damage else ""
        words[spot] = words[spot] + mark  # glued to a word: the word must survive
        paragraphs.append(f'<p class="x">{" ".join(words)}.</p>')
    return (f'<html><head><meta charset="{charset}"><title>At the lock{attribute_damage}</title></head><body>'
            f'<article class="post{attribute_damage}"><h1>At the lock</h1>{"".join(paragraphs)}</article></body></html>')


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(damage=st.lists(DAMAGE, min_size=1, max_size=6), attribute_damage=DAMAGE, encoding=ENCODINGS)
def test_damaged_characters_are_cleaned_and_the_prose_comes_back(failure_log, damage, attribute_damage, encoding):
    failure_log.failures.clear()
    # what a legacy encoding cannot hold is written as a character reference, as pages do
    errors = "surrogatepass" if encoding.startswith("utf") else "xmlcharrefreplace"
    data = damaged_page(damage, attribute_damage, encoding).encode(encoding, errors=errors)
    article = extract_article(data, url="https://canal.example/lock")
    assert "error" not in article.warnings and not failure_log.failures
    for sentence in SENTENCES:
        assert sentence in article.text
    assert not any(ch in article.text for ch in "\x00\x01\x08\x0b\x0c\x1b\x1f\ufffe\uffff")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prefix=st.binary(max_size=300), noise=st.binary(max_size=200), encoding=ENCODINGS)
def test_any_bytes_around_a_page_never_raise(failure_log, prefix, noise, encoding):
    failure_log.failures.clear()
    page = damaged_page([""], "", encoding).encode(encoding)
    middle = len(page) // 2
    article = extract_article(prefix + page[:middle] + noise + page[middle:], url="https://canal.example/lock")
    assert "error" not in article.warnings and not failure_log.failures


def test_a_page_with_nul_bytes_keeps_its_text():
    page = damaged_page(["\x00", "\x00\x00"], "\x00").encode("utf-8")
    article = extract_article(page, url="https://canal.example/lock")
    assert article.title == "At the lock"
    assert article.text.count(SENTENCES[0]) == 3


def test_a_charset_that_cannot_be_right_is_ignored():
    # a <meta charset> readable as ASCII cannot be right about UTF-16 without a BOM
    page = damaged_page([""], "", "utf-16").encode("utf-8")
    article = extract_article(page, url="https://canal.example/lock")
    assert SENTENCES[1] in article.text


def test_text_comes_back_in_one_canonical_spelling():
    # decomposed "é" and a precomposed Bengali letter (which NFC spells as two)
    sentence = "The cafe\u0301 by the lock serves cre\u0300me bru\u0302le\u0301e to the lock keepers every evening."
    bengali = "\u0995\u09c1\u09b7\u09cd\u099f\u09bf\u09df\u09be জেলার মানুষ আজ সকালে নদীর ধারে জড়ো হয়েছিলেন।"
    body = "".join(f"<p>{sentence} {bengali} {n}</p>" for n in range(10))
    article = extract_article(f"<html><body><article>{body}</article></body></html>".encode())
    assert "The café by the lock serves crème brûlée" in article.text
    assert "\u09af\u09bc" in article.text and "\u09df" not in article.text
