"""Site-level boilerplate: paragraphs recurring on many articles of a site are learned
into the archive and left out of that site's later extractions."""

from datetime import datetime, timezone

import pytest

from archive_spider.archive import site_boilerplate as boilerplate
from archive_spider.archive import queries, schema, writes
from archive_spider.demo.server import DemoServer
from archive_spider.demo.site import Page
from archive_spider.extraction import extract_article
from archive_spider.extraction.boilerplate import block_hash, may_be_boilerplate, split_blocks
from archive_spider.extraction.heuristics import MAX_BOILERPLATE_WORDS

from .conftest import run_cli
from .sitekit import WORDS

FOOTER = "Support independent writing: subscribe for $5 a month."
QUOTE = "The harbour keeps what the river forgets, and the river forgets everything in time."


def sentence(seed: int, length: int = 14) -> str:
    words = [WORDS[(seed * 7 + i * 3) % len(WORDS)] for i in range(length)]
    return " ".join(words).capitalize() + "."


def essay_html(number: int, quote: bool = False) -> str:
    paragraphs = [" ".join(sentence(number * 10 + p * 3 + s) for s in range(3)) for p in range(4)]
    if quote:
        paragraphs.insert(2, QUOTE)
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html><head><title>Essay {number} on the harbour</title></head><body>"
        f"<nav><a href='/'>Home</a></nav><main><article><h1>Essay {number} on the harbour</h1>"
        f"<p class='byline'>By Ada Quill</p>{body}<p>{FOOTER}</p></article></main>"
        "<footer><p>© Harbour Essays</p></footer></body></html>"
    )


# --- blocks and hashes -------------------------------------------------------------------

def test_split_blocks_on_blank_lines():
    assert split_blocks("One.\n\nTwo\nlines.\n \nThree.\n\n") == ["One.", "Two\nlines.", "Three."]
    assert split_blocks("") == [] and split_blocks(None) == []


def test_block_hash_folds_case_and_space():
    assert block_hash("Subscribe  for $5\na month.") == block_hash("subscribe for $5 A MONTH.")
    assert block_hash("Subscribe for $5 a month.") != block_hash("Subscribe for $6 a month.")


def test_only_short_blocks_may_be_boilerplate():
    assert may_be_boilerplate(FOOTER)
    assert not may_be_boilerplate(" ".join(["word"] * (MAX_BOILERPLATE_WORDS + 1)))
    assert not may_be_boilerplate("…")


# --- applying ------------------------------------------------------------------------------

def test_extraction_keeps_the_footer_when_nothing_is_known():
    article = extract_article(essay_html(1), url="https://essays.example/1/")
    assert FOOTER in article.text and article.boilerplate_blocks == 0


def test_extraction_drops_known_blocks_and_only_those():
    plain = extract_article(essay_html(1, quote=True), url="https://essays.example/1/")
    known = frozenset({block_hash(FOOTER.upper()), block_hash("A paragraph this page does not have.")})
    article = extract_article(essay_html(1, quote=True), url="https://essays.example/1/", boilerplate=known)
    assert FOOTER not in article.text and FOOTER not in article.html
    assert QUOTE in article.text and QUOTE in article.html
    assert article.boilerplate_blocks == 1
    assert split_blocks(article.text) == [b for b in split_blocks(plain.text) if b != FOOTER]
    assert article.word_count == plain.word_count - len(FOOTER.replace("$", "").split())
    assert article.title == plain.title and article.author == plain.author


def test_boilerplate_inside_a_wrapper_goes_alone():
    html = essay_html(2).replace(f"<p>{FOOTER}</p>", f"<div><p>{FOOTER}</p><p>{sentence(5)} {sentence(6)}</p></div>")
    article = extract_article(html, boilerplate=frozenset({block_hash(FOOTER)}))
    assert FOOTER not in article.text and FOOTER not in article.html
    assert sentence(5) in article.text and sentence(5) in article.html


# --- learning ------------------------------------------------------------------------------

def test_count_blocks_counts_distinct_articles_per_site():
    articles = [
        {"url": "https://a.example/1", "text": f"Alpha.\n\n{FOOTER}\n\n{FOOTER}"},
        {"url": "https://www.a.example/2", "text": f"Beta.\n\n{FOOTER}"},
        {"url": "https://b.example/1", "text": f"Gamma.\n\n{FOOTER}", "site": "b.example"},
        {"url": "https://a.example/3", "text": " ".join(["long"] * (MAX_BOILERPLATE_WORDS + 1))},
    ]
    counts = boilerplate.count_blocks(articles)
    assert counts[("a.example", block_hash(FOOTER))] == (FOOTER, 2)
    assert counts[("b.example", block_hash(FOOTER))] == (FOOTER, 1)
    assert all(sample != " ".join(["long"] * (MAX_BOILERPLATE_WORDS + 1)) for sample, _ in counts.values())


def test_a_crawls_running_counts_keep_text_only_for_paragraphs_seen_twice(fresh_db):
    footer, quote = block_hash(FOOTER), block_hash(QUOTE)
    total = {}
    for batch in ([{"url": "https://a.example/1", "text": f"{QUOTE}\n\n{FOOTER}"}],
                  [{"url": "https://a.example/2", "text": f"Beta.\n\n{FOOTER}"}]):
        boilerplate.merge_counts(total, boilerplate.count_blocks(batch), samples_from=boilerplate.MIN_NEW_ARTICLES)
    assert total[("a.example", footer)] == (FOOTER, 2)  # the second article brought the text
    assert total[("a.example", quote)] == (None, 1)  # seen once: its count only
    writes.add_boilerplate_sightings(fresh_db, total, min_new=boilerplate.MIN_NEW_ARTICLES)
    assert [(r["block_hash"], r["sample"], r["articles"]) for r in fresh_db.query("select * from site_boilerplate")] \
        == [(footer, FOOTER, 2)]
    # a paragraph already in the table gets the count of a crawl that saw it once
    writes.add_boilerplate_sightings(fresh_db, {("a.example", footer): (None, 1)}, min_new=2)
    assert fresh_db["site_boilerplate"].get(("a.example", footer))["articles"] == 3


def test_counts_accumulate_and_thresholds_hold(fresh_db):
    footer, quote = block_hash(FOOTER), block_hash(QUOTE)
    writes.add_boilerplate_sightings(fresh_db, {("a.example", footer): (FOOTER, 3),
                                                 ("a.example", quote): (QUOTE, 2),
                                                 ("a.example", "once"): ("Once.", 1)})
    assert queries.site_boilerplate(fresh_db, "a.example", 4, 100) == frozenset()
    assert not list(fresh_db.query("select * from site_boilerplate where block_hash = 'once'"))
    writes.add_boilerplate_sightings(fresh_db, {("a.example", footer): (FOOTER, 1)})
    assert queries.site_boilerplate(fresh_db, "a.example", 4, 100) == {footer}
    assert queries.site_boilerplate(fresh_db, "b.example", 4, 100) == frozenset()
    assert queries.site_boilerplate(fresh_db, "a.example", 2, 1) == {footer}  # most widespread first
    assert queries.site_boilerplate(fresh_db, "a.example", 0, 100) == frozenset()  # 0: disabled
    row = fresh_db["site_boilerplate"].get(("a.example", footer))
    assert row["articles"] == 4 and row["sample"] == FOOTER and row["first_seen"] <= row["last_seen"]


# --- end to end ----------------------------------------------------------------------------

ESSAYS = 6


def essay_site() -> dict[str, Page]:
    when = datetime(2024, 5, 1, tzinfo=timezone.utc)
    links = "".join(f"<li><a href='/essays/{n}/'>Essay {n} on the harbour</a></li>" for n in range(1, ESSAYS + 1))
    pages = {"/": Page(f"<html><head><title>Harbour Essays</title></head><body><h1>Harbour Essays</h1>"
                       f"<ul>{links}</ul></body></html>".encode(), "text/html; charset=utf-8", when)}
    for n in range(1, ESSAYS + 1):
        pages[f"/essays/{n}/"] = Page(essay_html(n, quote=n in (1, 2)).encode(), "text/html; charset=utf-8", when)
    return pages


@pytest.mark.e2e
def test_what_a_crawl_learns_is_left_out_by_reextract_and_later_crawls(tmp_path):
    db_path = tmp_path / "archive.db"

    def texts() -> list[str]:
        db = schema.open_db(db_path, create=False)
        try:
            return [row["text"] for row in db.query("select text from articles order by url")]
        finally:
            db.close()

    with DemoServer(pages=essay_site()) as site:
        first = run_cli("crawl", f"{site.url}/", "--db", db_path, "--revisit", "always")
        assert first.returncode == 0, first.stderr[-2000:]
        assert len(texts()) == ESSAYS and all(FOOTER in text for text in texts())
        db = schema.open_db(db_path, create=False)
        learned = {row["sample"]: row["articles"] for row in db.query("select * from site_boilerplate")}
        db.close()
        assert learned == {FOOTER: ESSAYS, QUOTE: 2}

        again = run_cli("reextract", "--db", db_path)
        assert again.returncode == 0, again.stderr[-2000:]
        assert f"{ESSAYS} updated" in again.stdout
        assert not any(FOOTER in text for text in texts())

        second = run_cli("crawl", f"{site.url}/", "--db", db_path, "--revisit", "always")
        assert second.returncode == 0, second.stderr[-2000:]
        assert f"0 new, 0 updated, {ESSAYS} unchanged" in second.stdout + second.stderr
    final = texts()
    assert len(final) == ESSAYS and not any(FOOTER in text for text in final)
    assert sum(QUOTE in text for text in final) == 2  # in two essays only: no boilerplate
