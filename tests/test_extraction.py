"""Golden-page tests of archive_spider.extraction: what must be in the result, what must not."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from archive_spider.extraction import Article, extract_article, merge_pages

PAGES = Path(__file__).parent / "pages"


def read_page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def essay() -> Article:
    return extract_article(read_page("furnished-essay.html"), url="https://fieldhearth.example/essays/dry-stone-walling")


# --- a realistic article page with all the furniture ----------------------------------------


def test_essay_keeps_every_paragraph(essay):
    assert essay.text.startswith("A dry stone wall holds together without a drop of mortar.")
    assert "The craft begins with sorting." in essay.text
    assert "Two faces and a hearting" in essay.text
    # the body continues after the ad row, in a sibling container
    assert "A good wall is built with a batter" in essay.text
    assert "Put one on two, and two on one." in essay.text
    assert essay.text.endswith("stone by stone.")


@pytest.mark.parametrize(
    "furniture",
    ["Read More", "Hedge Laying", "Comments", "grandfather", "newsletter", "Advertisement",
     "Twitter", "Facebook", "Share this", "About the author", "weekend courses", "Home",
     "All rights reserved", "![](", "|", "By Ines"],
)
def test_essay_drops_furniture(essay, furniture):
    assert furniture not in essay.text
    assert furniture not in essay.html


def test_essay_paragraphs_are_separated_by_one_blank_line(essay):
    paragraphs = essay.text.split("\n\n")
    assert len(paragraphs) == 7
    assert all(p == p.strip() and "\n" not in p for p in paragraphs)


def test_essay_metadata(essay):
    assert essay.title == "The Slow Art of Dry Stone Walling"
    assert essay.author == "Ines Calloway"
    assert essay.published == "2024-05-02"
    assert essay.modified == "2024-05-10"
    assert essay.lang == "en"
    assert essay.site_name == "Field & Hearth"
    assert essay.canonical_url == "https://fieldhearth.example/essays/dry-stone-walling"
    assert essay.image == "https://fieldhearth.example/static/walls.jpg"
    assert essay.description == "A wall without mortar can stand for two centuries."
    assert essay.tags == ["craft", "landscape"]
    assert essay.word_count == len(essay.text.split()) or essay.word_count > 150
    assert essay.warnings == []


def test_essay_html_is_sanitised(essay):
    assert "<script" not in essay.html and "<style" not in essay.html
    assert "<img" not in essay.html  # only spacer images on this page
    assert "<h2>Two faces and a hearting</h2>" in essay.html
    assert "<blockquote>" in essay.html


def test_to_dict_is_json(essay):
    data = json.loads(json.dumps(essay.to_dict()))
    assert data["title"] == essay.title and data["tags"] == essay.tags


def test_blog_leftovers_are_cleaned():
    article = extract_article(read_page("blog-leftovers.html"), url="https://crumb.example/notes/")
    assert article.text.startswith("A sourdough starter is a small, living culture")
    assert article.text.endswith("ready to raise a loaf.")
    assert "50 g rye, 50 g water" in article.text  # a real table stays
    for leftover in ("Tweet", "Related posts", "Rye Bread", "Subscribe", "nail varnish",
                     "thoughts on", "|", "March 15", "Tess"):
        assert leftover not in article.text, leftover
    assert "<img" not in article.html  # pixel, data:text and empty images are gone
    assert "<a " not in article.html  # the only link wrapped an empty image
    assert article.author == "Tess Albright"
    assert article.title == "Notes on Sourdough Starters"


def test_old_table_layout_with_br_paragraphs():
    article = extract_article(read_page("table-layout.html"), url="https://hobby.example/article.php?id=88")
    assert article.title == "Keeping Bees in a Small Garden"  # site part named by the logo link
    assert article.author == "Ruth Okonkwo"
    assert article.text.startswith("A single hive fits in a surprisingly small garden.")
    assert len(article.text.split("\n\n")) >= 3  # <br><br> separates paragraphs
    for furniture in ("Topics", "Woodwork", "Write for us", "Posted", "Copyright"):
        assert furniture not in article.text, furniture


def test_furniture_without_class_names():
    article = extract_article(read_page("unmarked-furniture.html"))
    assert article.text.startswith("Before 1822, lighthouses relied on mirrors")
    assert article.text.endswith("some of them still turn today.")
    for furniture in ("About the author", "Maud Ferreira", "newsletter", "no spam", "Read more",
                      "fog signals", "Comments", "grandfather", "Fresnel museum"):
        assert furniture not in article.text, furniture


LONG_PARAGRAPH = "<p>" + "The river rose through the night and the town watched it from the bridge. " * 5 + "</p>"


@pytest.mark.parametrize(
    "leftover, html",
    [
        ("Follow Backchannel", '<p>Follow Backchannel: <a href="https://twitter.com/x">Twitter</a> | '
                               '<a href="https://facebook.com/x">Facebook</a></p>'),
        ("[Docs]", '<p>[<a href="https://a.example/d">Docs</a>] [<a href="https://a.example/t">txt</a>|'
                   '<a href="https://a.example/p">pdf</a>] [<a href="https://a.example/tr">Tracker</a>]</p>'),
        ("By Nathan", "<p>By Nathan Willis<br>March 25, 2015</p>"),
        ("Advertisement", "<p>ADVERTISEMENT</p>"),
        ("Next page", '<p><b>Next page</b>: <a href="https://weekly.example/a/2">Security&gt;&gt;</a></p>'),
        ("Previous", '<p>&larr; Previous: <a href="https://blog.example/older">Counting sheep at dusk</a></p>'),
        ("Main article", '<div class="note"><i>Main article: <a href="https://wiki.example/Rivers">Rivers</a></i></div>'),
        ("Reuse content", '<div><a href="https://paper.example/syndicate?id=4">Reuse content</a></div>'),
        ("Like this", "<h3>Like this:</h3>"),
    ],
)
def test_leftover_lines_are_removed(leftover, html):
    article = extract_article("<html><body><article>" + html + LONG_PARAGRAPH * 2 + "</article></body></html>")
    assert "The river rose" in article.text
    assert leftover not in article.text


def test_sentences_that_look_like_furniture_stay():
    html = ("<p>By 1850 the river had been straightened twice, and the floods came faster.</p>"
            "<p>Share prices of the canal company fell sharply after the flood of that spring.</p>"
            "<p>Next: the lock keepers moved their families to the upper town.</p>"
            "<p>Next page of the ledger lists every household that left.</p>")
    article = extract_article("<html><body><article>" + LONG_PARAGRAPH + html + LONG_PARAGRAPH + "</article></body></html>")
    assert "By 1850 the river" in article.text
    assert "Share prices of the canal company" in article.text
    assert "Next: the lock keepers moved" in article.text
    assert "Next page of the ledger" in article.text


# --- metadata --------------------------------------------------------------------------------


def test_meta_tags_without_json_ld():
    article = extract_article(read_page("metadata-meta-only.html"))
    assert article.title == "Ein Abend am Fluss"
    assert article.author == "Katrin Lehmann, Jonas Weber"
    assert article.published == "2023-11-07"
    assert article.modified == "2023-11-08"
    assert article.lang == "de-DE"
    assert article.tags == ["Fluss", "Abend"]
    assert "Fledermaus" in article.text


def test_json_ld_graph_article_wins_over_webpage_and_meta():
    article = extract_article(read_page("json-ld-graph.html"))
    assert article.title == "Dijken die meebewegen"
    assert article.author == "Sanne de Vries, Pieter Bakker"
    assert (article.published, article.modified) == ("2022-09-30", "2022-10-02")
    assert article.site_name == "De Rivierkrant"
    assert article.tags == ["water", "klimaat"]
    assert article.image == "https://rivierkrant.example/dijk.jpg"
    assert article.lang == "nl"
    assert article.text.startswith("Langs de grote rivieren")
    assert "Door" not in article.text


@pytest.mark.parametrize(
    "byline, expected",
    [
        ('<p>By <a href="/author.php?id=7">Jim Waters</a> in <a href="/cat/3">Garden</a> | Added: 12.03.2009</p>', "Jim Waters"),
        ('<p class="entry-meta">Publié le 3 mai 2024 par <a href="/auteur/claire/">Claire</a></p>', "Claire"),
        ('<span class="post-author vcard">Publicado por <span class="fn">Lucía</span></span>', "Lucía"),
        ('<div class="byline">Von Katrin Lehmann und Jonas Weber, 4. Mai 2024</div>', "Katrin Lehmann, Jonas Weber"),
        ('<p class="byline">By JANE ROE March 11, 2015 3:46 PM</p>', "JANE ROE"),
        ('<div class="author-details"><em>Last Updated:</em> January 7, 2025</div>', None),
    ],
)
def test_byline_without_metadata(byline, expected):
    page = ("<html><body><article><h1>A Title Here</h1>" + byline
            + "<p>Body text that is long enough to be the article, with several words in it. " * 5
            + "</p></article></body></html>")
    assert extract_article(page).author == expected


def test_byline_and_time_element():
    article = extract_article(read_page("time-only.html"))
    assert article.title == "Notes from a Lighthouse"
    assert article.author == "Oskar Brandt"
    assert article.published == "2021-08-19"
    assert "second heartbeat" in article.text
    assert "Keeper" not in article.text.split("\n\n")[0]


@pytest.mark.parametrize(
    "declared, paragraph, expected",
    [
        ("", "Der Fluss stieg in der Nacht, und die Stadt sah ihm von der Brücke aus zu. Am Morgen war "
             "das Wasser nicht mehr zu sehen, aber die Keller waren voll, und auch die Straße stand unter "
             "Wasser.", "de"),
        ("", "Le fleuve est monté pendant la nuit et la ville le regardait depuis le pont. Au matin, "
             "l'eau ne se voyait plus, mais les caves étaient pleines et la rue était sous l'eau.", "fr"),
        ("", "川は夜のうちに増水し、町の人々は橋の上からそれを見守った。朝になると水は引いていたが、"
             "地下室はどこも水浸しだった。", "ja"),
        ("", "Ріка піднялася вночі, і місто дивилося на неї з мосту. Вранці води вже не було видно.", "uk"),
        ("", "Река поднялась ночью, и город смотрел на неё с моста. Утром воды уже не было видно.", "ru"),
        ("", "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt "
             "ut labore et dolore magna aliqua.", None),
        (' lang="en-GB"', "Der Fluss stieg in der Nacht, und die Stadt sah ihm von der Brücke aus zu, "
                          "und das Wasser war nicht mehr zu sehen.", "en-GB"),
    ],
)
def test_language_is_declared_or_guessed_from_the_text(declared, paragraph, expected):
    page = f"<html{declared}><body><article><p>{paragraph}</p><p>{paragraph}</p></article></body></html>"
    assert extract_article(page).lang == expected


# --- sanitising ------------------------------------------------------------------------------


def test_dangerous_markup_is_removed():
    page = (
        "<html><body><article><h1>Safe</h1>"
        + "<p>Plain words of an honest paragraph about safety on the web. " * 5 + "</p>"
        + '<p onclick="steal()">A paragraph with <a href="javascript:alert(1)">a bad link</a>, '
        '<a href="https://example.org/ok">a good link</a> and '
        '<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAUA' + "A" * 200 + '" alt="dot"> '
        '<img src="https://example.org/photo.jpg" alt="A photo" onerror="x()"> more text here.</p>'
        '<iframe src="https://evil.example"></iframe><script>alert(2)</script>'
        + "<p>Another paragraph that belongs to the article body and keeps it long enough. " * 4
        + "</p></article></body></html>"
    )
    article = extract_article(page, url="https://example.org/a")
    for bad in ("onclick", "javascript:", "<script", "<iframe", "onerror", "alert"):
        assert bad not in article.html
    assert '<a href="https://example.org/ok"' in article.html
    assert 'src="https://example.org/photo.jpg"' in article.html
    assert "a bad link" in article.text


def test_lazy_images_get_their_real_source():
    page = (
        "<html><body><article><h1>Harbours</h1>"
        + "<p>The harbour wakes before the town does, with engines and gulls and the smell of diesel. " * 3 + "</p>"
        + '<figure><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="/photos/harbour.jpg" '
        'alt="Boats at dawn"><figcaption>Boats at dawn</figcaption></figure>'
        + "<p>By seven the first catches are on the quay, sorted into crates and weighed for the auction. " * 3
        + "</p></article></body></html>"
    )
    article = extract_article(page, url="https://example.org/harbours/")
    assert '<img src="https://example.org/photos/harbour.jpg" alt="Boats at dawn">' in article.html
    assert "data:image/gif" not in article.html


def test_links_resolve_against_base_and_a_broken_link_becomes_text():
    page = (
        '<html><head><base href="https://media.example.net/letters/"></head><body><article>'
        "<h1>Letters from the lighthouse</h1>"
        + "<p>The keeper wrote every week, and the letters came ashore with the supply boat. " * 3
        + '<a href="1901.html">The letter of 1901</a> survives, and so does '
        '<a href="http://[broken">a torn envelope</a>.</p>'
        + '<p><img src="stamp.jpg" alt="A penny stamp"></p>'
        + "<p>His daughter kept the rest in a biscuit tin until she gave them to the museum. " * 3
        + "</p></article></body></html>"
    )
    article = extract_article(page, url="https://lighthouse.example.org/keepers/")
    assert '<a href="https://media.example.net/letters/1901.html"' in article.html
    assert '<img src="https://media.example.net/letters/stamp.jpg" alt="A penny stamp">' in article.html
    assert "http://[broken" not in article.html
    assert "and so does a torn envelope." in article.text


# Links that are absolute already skip urljoin; they must come out exactly as urljoin gives them.
LINK_PIECES = ["http://", "https://", "HTTP://", "http:", "//", "/", "news.example.org", "a", "b.html", "..",
               ".", "?", "#", "?#", "q=1", "&", ";", "[", "]", "::1", " ", "\t", "\n", "\x00", "é", ":8080",
               "%20", "@", "mailto:", "data:image/png,"]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(LINK_PIECES), max_size=8),
       st.sampled_from(["https://site.example/dir/page.html", "http://site.example/", "https://[::1]/x/"]))
@example(["http://", "news.example.org", "/", "a", "?"], "https://site.example/dir/page.html")
@example(["https://", "news.example.org", "/", "a", ";"], "https://site.example/dir/page.html")
@example(["http://", "[", "news.example.org"], "http://site.example/")
def test_absolute_links_are_resolved_as_urljoin_resolves_them(pieces, base):
    from urllib.parse import urljoin

    from archive_spider.extraction.core import resolve_link

    link = "".join(pieces)
    try:
        expected = urljoin(base, link.strip())
    except ValueError:
        expected = None
    assert resolve_link(base, link) == expected


def test_each_picture_once_with_its_caption_and_no_unrelated_caption():
    article = extract_article(read_page("step-figures.html"), url="https://workbench.example/cane-seat")
    # the captions' "(Photo: Mara Lind)" credits go (docs/extraction.md, text policy)
    assert "Mara Lind" not in article.text and "Mara Lind" not in article.html
    for source, caption in [("clearing-holes.jpg", "Clear every hole before you start."),
                            ("soaking.jpg", "Soaked cane bends without splitting.")]:
        assert article.html.count(source) == 1
        assert re.search(f'<figure><img src="[^"]+{re.escape(source)}"[^>]*><figcaption>{re.escape(caption)}'
                         "</figcaption></figure>", article.html)
        assert caption in article.text
    assert article.text.index("Clear every hole") < article.text.index("Soak the strand cane")
    assert article.html.count("<figcaption>") == 2  # no caption left standing on its own
    assert "chisel set" not in article.text and "chisel-set.jpg" not in article.html


def test_figures_the_finders_dropped_come_back_inside_the_article_only():
    from archive_spider.extraction.content import Candidate
    from archive_spider.extraction.figures import restore_figures
    from archive_spider.extraction.fragments import parse_fragment
    from archive_spider.extraction.text import render_text

    first = "The ferry leaves the mainland twice a day in summer and once a day in winter."
    second = "On the island the road runs for four miles and ends at a lighthouse."
    after = "Subscribe to our print edition and get a tide table free with every issue."
    page = parse_fragment(
        f"<div><p>{first}</p>"
        '<figure><img src="https://img.example/ferry.jpg" alt="The ferry"><figcaption>The morning ferry.'
        "</figcaption></figure>"
        '<a href="https://isles.example/other-story"><figure><img src="https://img.example/other.jpg">'
        "<figcaption>Another island</figcaption></figure></a>"
        f"<p>{second}</p></div>"
        '<div><figure><img src="https://img.example/offer.jpg"><figcaption>Tide tables, half price.'
        f"</figcaption></figure><p>{after}</p></div>"
    )
    body_root = parse_fragment(f"<p>{first}</p><p>{second}</p>")
    body = Candidate("readability", body_root, render_text(body_root), "")
    restored = restore_figures(body, page)
    assert restored.text.split("\n\n") == [first, "The morning ferry.", second]
    assert '<img src="https://img.example/ferry.jpg" alt="The ferry">' in restored.html
    assert "other.jpg" not in restored.html and "offer.jpg" not in restored.html


# --- teaser ----------------------------------------------------------------------------------


def test_teaser_found_and_not_found():
    html = read_page("furnished-essay.html")
    found = extract_article(html, teaser="A dry stone wall holds together without a drop of mortar.")
    assert "teaser-not-found" not in found.warnings
    missing = extract_article(html, teaser="Penguins huddle together through the long polar night.")
    assert "teaser-not-found" in missing.warnings


def test_teaser_written_as_a_summary_is_not_flagged():
    html = read_page("furnished-essay.html")
    summary = extract_article(html, teaser="Why walls of stacked stones, with no mortar at all, stand for centuries.")
    assert "teaser-not-found" not in summary.warnings


def test_teaser_anchors_the_start_of_the_body():
    page = (
        "<html><body><article><h1>Salt Roads</h1>"
        "<p>Kicker: Trade routes</p><p>Filed under history, 4 min read</p>"
        "<p>Salt moved along the oldest roads of Europe long before silver did.</p>"
        + "<p>Merchants carried blocks of salt over the passes, trading them for grain and wool. " * 6
        + "</p></article></body></html>"
    )
    article = extract_article(page, teaser="Salt moved along the oldest roads of Europe long before silver did.")
    assert article.text.startswith("Salt moved along the oldest roads")
    assert "Kicker" not in article.text
    assert "teaser-not-found" not in article.warnings


# --- multi-page ------------------------------------------------------------------------------


def test_merge_pages_joins_body_and_keeps_first_metadata():
    first = Article(title="T", author="A", text="One two.", html="<p>One two.</p>", word_count=2)
    second = Article(title="T (page 2)", text="Three.", html="<p>Three.</p>", word_count=1)
    merged = merge_pages(first, second)
    assert merged.title == "T" and merged.author == "A"
    assert merged.text == "One two.\n\nThree."
    assert merged.html == "<p>One two.</p>\n<p>Three.</p>"
    assert merged.word_count == 3


def test_merge_pages_keeps_only_the_first_pages_teaser_verdict():
    first = Article(text="Opening words of the essay.", word_count=5, warnings=[])
    second = Article(text="The rest.", word_count=2, warnings=["teaser-not-found", "short-text"])
    assert merge_pages(first, second).warnings == ["short-text"]


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, warning",
    [
        ("", "empty"),
        (b"", "empty"),
        ("   \n ", "empty"),
        (None, "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "not-html"),
        ("just some words, no markup at all", "not-html"),
    ],
)
def test_unusable_input_gives_empty_article_with_warning(data, warning):
    article = extract_article(data)
    assert isinstance(article, Article)
    assert article.text == "" and article.title is None and article.word_count == 0
    assert warning in article.warnings


def test_malformed_and_odd_inputs_do_not_crash():
    for data in ("<html><body><p>unclosed <b>tags <div></span>", "<" * 1000, "<html>" * 5000,
                 "<div>" * 20000 + "deep" + "</div>" * 20000, "<?xml version='1.0' encoding='utf-8'?><html><body><p>x</p></body></html>"):
        article = extract_article(data)
        assert isinstance(article, Article)


def test_bytes_in_declared_legacy_encoding():
    page = ('<html><head><meta charset="iso-8859-1"><title>Caf\xe9 cr\xe8me</title></head><body><article><p>'
            + "Le caf\xe9 est servi avec une cr\xe8me \xe9paisse et un petit g\xe2teau. " * 8
            + "</p></article></body></html>").encode("iso-8859-1")
    article = extract_article(page)
    assert article.title == "Café crème"
    assert "crème épaisse" in article.text


def test_utf8_read_as_windows_1252_is_repaired():
    page = ("<html><head><title>Caf\u00e9 cr\u00e8me</title></head><body><article><p>"
            + "Le caf\u00e9 est servi avec une cr\u00e8me \u00e9paisse et un petit g\u00e2teau. " * 8
            + "</p></article></body></html>").encode("utf-8").decode("cp1252")
    article = extract_article(page)
    assert article.title == "Café crème"
    assert "crème épaisse" in article.text
    assert "repaired-encoding" in article.warnings


def test_entities_in_metadata_are_decoded():
    page = ('<html><head><meta property="og:title" content="Salt &amp;amp; Pepper">'
            '<meta name="keywords" content="food &amp;amp; drink, spices"></head><body><article>'
            + "<p>Pepper and salt have sat side by side on tables for centuries of meals. " * 6
            + "</p></article></body></html>")
    article = extract_article(page)
    assert article.title == "Salt & Pepper"
    assert article.tags == ["food & drink", "spices"]


def test_html_has_no_source_indentation(essay):
    assert "  " not in essay.html
    assert essay.html.startswith("<p>A dry stone wall")


def test_huge_input_is_capped_and_fast():
    paragraph = "<p>" + "Words in a very long page that goes on and on. " * 20 + "</p>"
    page = "<html><body><article>" + paragraph * 25000 + "</article></body></html>"
    assert len(page) > 20_000_000
    start = time.perf_counter()
    article = extract_article(page)
    assert time.perf_counter() - start < 30
    assert "truncated" in article.warnings


# --- the bundled demo site: exactly the essay's text -----------------------------------------


def test_demo_site_articles_extract_exactly():
    site_module = pytest.importorskip("archive_spider.demo.site")
    essays = site_module.load_essays()
    base = "http://127.0.0.1:8000"
    site = pytest.importorskip("archive_spider.demo.templates").build_site(essays, base_url=base)
    for essay in essays:
        pages = [
            extract_article(site[essay.page_path(n)].body, url=base + essay.page_path(n), teaser=essay.teaser)
            for n in range(1, len(essay.pages) + 1)
        ]
        article = merge_pages(*pages)
        assert article.text == "\n\n".join(essay.paragraphs), essay.slug
        assert (article.title, article.author, article.published) == (essay.title, essay.author, essay.published)


def test_pathological_markup_is_cut_and_bounded_in_time():
    page = "<html><body><table>" + "<tr><td>cell</td><td>value</td></tr>" * 60000 + "</table></body></html>"
    start = time.perf_counter()
    article = extract_article(page)
    assert time.perf_counter() - start < 30
    assert "truncated" in article.warnings


# --- property: any input gives a consistent Article ----------------------------------------

MARKUP_PIECES = st.sampled_from(
    ["<p>", "</p>", "<div class='share'>", "</div>", "<article>", "<br>", "<br><br>", "<h1>",
     "</h1>", "<a href='javascript:x()'>", "<a href='/x'>", "</a>", "<img src=''>", "<script>",
     "</script>", "<table><tr><td>", "|", "![](x)", "Advertisement", "By Jane Roe", "&amp;",
     "<math><mi>x</mi></math>", "<p hidden>", "\x00", "\ufeff", "Ã©"]
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(MARKUP_PIECES, st.text(max_size=40)), max_size=60), st.sampled_from([None, "Jane Roe"]))
def test_any_input_gives_a_consistent_article(pieces, teaser):
    article = extract_article("".join(pieces), teaser=teaser)
    assert isinstance(article, Article)
    assert article.word_count == len(re.findall(r"\w+", article.text))
    assert "<script" not in article.html and "javascript:" not in article.html
    assert "\n\n\n" not in article.text and article.text == article.text.strip()
    json.dumps(article.to_dict())


# --- readability-lxml's text helper, replaced by a linear one ---------------------------------


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from([" ", "\t", "\n", "\r", "\xa0", "\u2003", "\x0b", "a", "b c", " " * 254,
                                 "\n" + " " * 300]), max_size=12))
@example(["a", " " * 254, " ", "\n", "b"])  # a run with a line break, long enough to be shortened
@example(["a", "\n" + " " * 300, "b", " \t\t", "c", "\t ", "d"])
def test_linear_clean_gives_what_readability_clean_gives(pieces):
    from archive_spider.extraction.finders import clean_like_readability, use_linear_readability_clean

    use_linear_readability_clean()
    text = "".join(pieces)
    assert clean_like_readability(text) == clean_like_readability.replaces(text)


DIV_PIECES = ["<div>", "</div>", "<div class=x>", "<p>", "</p>", "<span>", "</span>", "<a href='/a'>", "</a>",
              "<b>", "</b>", "<br>", "<img src='i.png'>", "<ul><li>", "</li></ul>", "<pre>", "</pre>",
              "<table><tr><td>", "</td></tr></table>", "<em>", "</em>", "<section>", "</section>", "<picture>",
              "</picture>", "<abbr>", "</abbr>", "<custom-tag>", "</custom-tag>", "words, more words ", "&lt;p ", " ",
              "\n", "a&lt;div "]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(DIV_PIECES), max_size=30))
@example(["<div>", "lead text ", "<b>", "bold", "</b>", " tail", "<br>", "more", "<div>", "<p>", "inner", "</div>"])
@example(["<div>", "<span>", "<img src='i.png'>", "</span>", " after", "<br>", "<br>", "end", "</div>"])
def test_readability_div_test_asks_the_tree_and_agrees_with_the_library(pieces):
    """readability-lxml serialises a div's markup to decide whether it is a paragraph;
    finders.ReadDocument asks the tree: both give the same tree."""
    import lxml.html
    from readability import Document

    from archive_spider.extraction.finders import make_read_document

    markup = "<html><body>" + "".join(pieces) + "</body></html>"
    results = []
    for document_class in (Document, make_read_document(Document)):
        document = document_class(lxml.html.document_fromstring(markup))
        document.html = lxml.html.document_fromstring(markup)
        document.transform_misused_divs_into_paragraphs()
        results.append(lxml.html.tostring(document.html, encoding="unicode"))
    assert results[0] == results[1]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([" ", "\t", "\n", "\r", "\xa0", "\u2003", "\x0b", "\x1c", "\x85", "\u2028",
                                 "a", "b c", "\n\n", " \n "]), max_size=14))
def test_newline_runs_collapse_as_the_pattern_collapses_them(pieces):
    from archive_spider.extraction.finders import SPACE_RUN_WITH_NEWLINE_RE, collapse_runs_with_newlines

    text = "".join(pieces)
    if "\n" in text:
        assert collapse_runs_with_newlines(text) == SPACE_RUN_WITH_NEWLINE_RE.sub("\n", text)


def test_tags_come_from_section_meta_and_rel_tag_links_in_the_article():
    body = " ".join(["Lichens are partnerships between a fungus and an alga that grow on bare rock."] * 8)
    page = f"""<html><head><title>On Lichens</title>
<meta property="article:section" content="Nature"></head><body>
<aside><p>Popular: <a rel="tag" href="/tag/cloud/">Cloud words</a></p></aside>
<article><h1>On Lichens</h1><p>{body}</p>
<footer>Filed under <a rel="category tag" href="/c/nature/">Nature</a>,
<a rel="tag" href="/c/walks/">Walks</a></footer></article></body></html>"""
    article = extract_article(page, url="https://field.example/lichens/")
    assert article.tags == ["Nature", "Walks"]  # the section once; not the sidebar's cloud
    assert "Filed under" not in article.text
