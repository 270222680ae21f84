"""The article assembler (assembly/) and the crawl's vocabulary: one validation rule
wherever an item is made, the teaser book, the item's fields as the archive's columns."""

from __future__ import annotations

import json
import os
import sqlite3

from archive_spider.archive import schema, warc, writes
from archive_spider.assembly import FirstCopies, TeaserBook, build_item, rejection_detail, validate
from archive_spider.extraction import extract_article
from archive_spider.vocabulary import ArticleItem, ArticleLink, Role

ESSAY = "<html><head><title>On walls</title></head><body><article><h1>On walls</h1><p>{}</p></article></body></html>"


def test_validate_counts_chinese_and_japanese_text_by_characters():
    # a \w+ count sees one word per sentence in Chinese; the rule counts characters
    chinese = ArticleItem(url="https://a.example/zh/", text="长城是古代中国修建的防御工程。" * 3, word_count=3)
    assert validate(chinese, 30) is None
    short = ArticleItem(url="https://a.example/s/", text="Too short to keep.", word_count=4)
    assert validate(short, 30) == "only 4 words (ARCHIVE_MIN_WORDS=30)"
    assert validate(short, 4) is None
    assert validate(ArticleItem(url="https://a.example/e/", text="  \n", word_count=0), 0) == "no article text"


def test_teaser_book_keeps_the_fullest_teaser_and_forgets_one_no_better_than_used():
    url = "https://a.example/walls/"
    cut = ArticleLink(url, "Walls", "The wall was built over forty years…", None)
    whole = ArticleLink(url, "Walls", "The wall was built over forty years by the quarry workers.", None)
    book = TeaserBook()
    assert book.remember(cut) and book.best(url, None) is cut
    assert book.remember(whole) and not book.remember(cut)
    assert book.best(url + "?utm_source=x", None) is whole  # asked by the URL as fetched
    html = ESSAY.format("The wall was built over forty years by the quarry workers. " * 10)
    item = build_item([(url, html)], None, whole, extract_article(html, url=url))
    book.use(item.url, whole)
    assert url not in book and len(book) == 0
    assert item.summary == whole.teaser and item.pages == 1


def test_the_first_copy_of_an_article_wins_under_any_of_its_urls():
    seen = FirstCopies()
    assert seen.accept("https://a.example/p?id=1", "https://a.example/story")
    # a second copy: the same canonical URL under another address, or the same address
    assert not seen.accept("https://a.example/p?id=1&utm=x", "https://a.example/story")
    assert not seen.accept("https://a.example/story", None)
    assert seen.accept("https://a.example/other", None)


def test_a_rejection_names_the_extraction_warnings():
    assert rejection_detail("only 3 words (ARCHIVE_MIN_WORDS=30)", []) == "only 3 words (ARCHIVE_MIN_WORDS=30)"
    assert rejection_detail("no article text", ["not-html", "empty-body"]) == \
        "no article text (extraction: not-html, empty-body)"


def test_the_archive_columns_are_the_item_fields_in_order():
    stored = [n for n in ArticleItem.__dataclass_fields__ if n not in ("pages", "simhash")]
    assert list(schema.ARTICLE_FIELDS) == stored
    db = schema.open_db(":memory:")
    assert [c.name for c in db["articles"].columns][1:1 + len(stored)] == stored
    assert db["articles"].columns_dict["word_count"] is int


def test_a_role_is_stored_and_serialised_as_its_plain_value(tmp_path):
    assert json.dumps({"role": Role.CONTINUATION}) == '{"role": "continuation"}'
    assert f"{Role.ARTICLE}" == str(Role.ARTICLE) == "article"
    con = sqlite3.connect(tmp_path / "r.db")
    con.execute("create table t (role text)")
    con.execute("insert into t values (?)", [Role.START])
    assert con.execute("select role, typeof(role) from t").fetchone() == ("start", "text")


def archive_with_one_article(tmp_path, words: int) -> str:
    """An archive holding one article of ``words`` words, with its page in a WARC file."""
    db_path = str(tmp_path / "archive.db")
    url = "https://a.example/walls/"
    html = ESSAY.format(" ".join(f"stone{n}" for n in range(words)))
    file = warc.WarcFile(str(tmp_path / "warc" / "archive-crawl-00001.warc.gz"))
    offset, length = file.write_response(url, 200, "OK", [("Content-Type", "text/html; charset=utf-8")],
                                         html.encode(), "2025-01-01T00:00:00+00:00")
    file.close()
    db = schema.open_db(db_path)
    crawl = writes.start_crawl(db, [url])
    writes.store_articles(db, [{"url": url, "title": "On walls", "text": "old text", "word_count": 2}], crawl_id=crawl)
    writes.add_warc_records(db, [{"url": url, "article_url": url, "role": Role.ARTICLE, "offset": offset,
                                   "warc_file": os.path.relpath(file.path, tmp_path), "length": length,
                                   "status": 200, "fetched": "2025-01-01T00:00:00+00:00", "crawl_id": crawl}])
    writes.finish_crawl(db, crawl, "ok", {})
    db.close()
    return db_path


def test_reextract_honours_archive_min_words(tmp_path):
    from archive_spider.reextract import reextract

    db_path = archive_with_one_article(tmp_path, words=20)
    assert reextract(db_path, min_words=30).counts["skipped"] == 1  # the default: too short
    outcome = reextract(db_path, min_words=10)
    assert (outcome.counts["skipped"], outcome.counts["updated"]) == (0, 1)
    db = schema.open_db(db_path, create=False)
    [row] = db.query("select text, word_count from articles")
    assert row["word_count"] == 20 and row["text"].startswith("stone0 stone1")
