"""The text policy for pictures (docs/extraction.md): a caption at most once, photo
credits never, slideshows of other stories out; html keeps figures with their captions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive_spider.extraction import extract_article
from archive_spider.extraction.captions import is_credit_line

PROSE = [
    "The ferry to the outer islands leaves at seven, and the harbour is already busy by six.",
    "Fishermen mend nets on the quay while the first tourists queue for coffee at the kiosk.",
    "On the crossing the wind drops, and the water turns from grey to a clear bottle green.",
    "The island has one road, one shop and a chapel whose bell was cast from a ship's bell.",
    "In winter the ferry runs twice a week, and the islanders order their flour by the sack.",
    "The teacher rows the children across when the sea is too rough for the ferry to sail.",
]


def page(body: str) -> str:
    return ("<html><head><title>Crossing to the islands</title></head><body>"
            "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
            f"<article><h1>Crossing to the islands</h1>{body}</article>"
            "<footer>Harbour Gazette</footer></body></html>")


def paragraphs(texts) -> str:
    return "".join(f"<p>{t} {t}</p>" for t in texts)


@pytest.fixture(scope="module")
def ferry():
    body = (
        paragraphs(PROSE[:2])
        + '<figure><img src="quay.jpg" alt=""><figcaption>Nets drying on the quay at dawn. '
          "| Photo: Jane Roe/AP</figcaption></figure>"
        # a lightbox repeats the caption, and the credit stands on a line of its own
        + '<div class="lightbox"><p>Nets drying on the quay at dawn.</p><p>Getty Images</p></div>'
        + paragraphs(PROSE[2:4])
        + "<p>Video</p>"
        + '<figure><img src="bell.jpg" alt=""><figcaption>The chapel bell.<br>Foto: dpa</figcaption></figure>'
        + paragraphs(PROSE[4:])
    )
    return extract_article(page(body), url="https://gazette.example/islands")


def test_caption_kept_once(ferry):
    assert ferry.text.count("Nets drying on the quay at dawn.") == 1
    assert ferry.text.count("The chapel bell.") == 1


@pytest.mark.parametrize("credit", ["Jane Roe", "Getty Images", "dpa", "Photo:", "Foto:"])
def test_credits_never(ferry, credit):
    assert credit not in ferry.text
    assert credit not in ferry.html


def test_media_label_and_prose_kept_apart(ferry):
    assert "\n\nVideo\n\n" not in ferry.text
    for sentence in PROSE:
        assert sentence in ferry.text


def test_html_keeps_figures_with_their_captions(ferry):
    assert '<figcaption>Nets drying on the quay at dawn.</figcaption>' in ferry.html
    assert ferry.html.count("quay.jpg") == 1 and "bell.jpg" in ferry.html


def test_numbered_slideshow_of_other_stories_leaves():
    slides = "".join(
        f"<li><h2>{n}/6</h2><p>Story number {n} of the week in pictures, about something else entirely "
        f"that happened in another town.</p><p>Reuters</p></li>" for n in range(1, 7))
    body = paragraphs(PROSE[:3]) + "<h2>The week in pictures</h2><ul>" + slides + "</ul>" + paragraphs(PROSE[3:])
    article = extract_article(page(body), url="https://gazette.example/islands")
    assert "in pictures" not in article.text and "Story number" not in article.text
    assert "/6" not in article.text and "Reuters" not in article.text
    for sentence in PROSE:  # the article around the slideshow stays whole, in order
        assert sentence in article.text
    assert article.text.index(PROSE[2]) < article.text.index(PROSE[3])


def test_a_page_that_is_a_gallery_keeps_its_captions():
    slides = "".join(
        f"<li><h2>{n}/4</h2><p>Low tide at the north beach, picture {n}, with the wreck showing.</p></li>"
        for n in range(1, 5))
    body = f"<p>{PROSE[0]}</p><ul>{slides}</ul>"
    article = extract_article(page(body), url="https://gazette.example/low-tide")
    assert article.text.count("Low tide at the north beach") == 4


def test_credits_with_web_addresses_or_in_brackets_are_cut_from_captions():
    body = (
        paragraphs(PROSE[:2])
        + '<figure><img src="pumps.jpg" alt=""><figcaption>Oil pumps at sunset. Bild: TebNad/Shutterstock.com'
          "</figcaption></figure>"
        + paragraphs(PROSE[2:4])
        # a caption written beside its picture, in the same paragraph, credit in brackets
        + '<p><a href="/stoat.jpg"><img src="stoat.jpg" alt=""></a> The stoat turns white in winter. '
          "(mlharing / iStock.com)</p>"
        + "<p>(crédito: Ana Silva/Agência Brasil)</p>"
        # a credit as loose text after a line of the caption
        + '<figure><img src="kiosk.jpg" alt=""><figcaption>At the kiosk <p>The first coffee of the day.</p> '
          "Foto: Mara Lind / Hafenblatt</figcaption></figure>"
        + paragraphs(PROSE[4:])
        # prose that ends in brackets keeps them
        + "<p>The ferry was late again, as it is every Sunday in winter (and nobody minds).</p>"
    )
    article = extract_article(page(body), url="https://gazette.example/islands")
    for credit in ("Shutterstock", "TebNad", "iStock", "mlharing", "crédito", "Ana Silva", "Mara Lind"):
        assert credit not in article.text and credit not in article.html
    assert "Oil pumps at sunset." in article.text and "The stoat turns white in winter." in article.text
    assert "The first coffee of the day." in article.text
    assert "(and nobody minds)." in article.text
    for sentence in PROSE:
        assert sentence in article.text


@pytest.mark.parametrize("line", [
    "Photo: Jane Roe, AP", "Foto: dpa", "(Bild: Hersteller)", "Image credit: NASA/JPL",
    "© Jane Roe 2019", "Getty Images", "AFP/Getty Images", "Reuters/Corbis", "Photograph by Jane Roe",
    "Video", "(crédito: Minervino Júnior/CB/D.A.Press)",
])
def test_credit_lines_are_recognised(line):
    assert is_credit_line(line)


@pytest.mark.parametrize("line", [
    "Source: the harbour master said the ferry would run on Sunday.",  # a sentence
    "Images", "Photos from the trip are in the next post, with a map of the route we took",
    "AP classes start in September.", "The photo shows the quay at dawn",
])
def test_prose_is_not_a_credit(line):
    assert not is_credit_line(line)


def test_bengali_zero_width_joiners_are_spelling_and_stay():
    sentence = "র\u200d্যাব সদস্যরা আজ সকালে অভিযান চালায় এবং তিনজনকে আটক করে।"
    body = "".join(f"<p>{sentence} {n}</p>" for n in range(12))
    article = extract_article(page(body), url="https://news.example.bd/item")
    assert sentence in article.text


# The credit hints are searched in lowered text (fast); they must answer as the
# case-insensitive patterns do, also for the letters re and str.lower fold apart.
HINT_PIECES = ["Photo", "PHOTO", "phOto", "İmage", "ımage", "ſource", "Source", "SOURCE", "Getty", "GETTY IMAGES",
               "ap", "AP", "Kelvin \u212a", "Crédit", "CRÉDIT", "©", "(C)", "(c)", "Reuters", "reutersx", "x",
               " ", "/", "-", ".", "é", "ß", "Straße", "dpa", "DPA-", "Fot.", "zdj", "\u0307", "Ǆ", "ﬁ"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(HINT_PIECES), max_size=8))
def test_credit_hints_answer_as_case_insensitive_patterns(pieces):
    from archive_spider.extraction import heuristics as h

    text = "".join(pieces)
    for hint in (h.CREDIT_HINT_RE, h.AGENCY_HINT_RE):
        assert hint.search(text) == (hint.caseless.search(text) is not None)
