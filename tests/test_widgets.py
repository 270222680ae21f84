"""Furniture inside the article's own container: "Most read" / "Related" / "Read next"
widgets (in several languages), pointer lines to other stories, and rows of share-button
labels between the items of a list article."""

from __future__ import annotations

from archive_spider.extraction import extract_article

ITEMS = [
    ("Pack a paper map", "Phones die in the cold, and a folded map never needs charging on a long ridge walk."),
    ("Start before sunrise", "The wind usually rises after noon, so the summit is calmer and clearer early on."),
    ("Carry more water", "Streams marked on old maps dry up in August, and the last spring is often gone."),
    ("Tell someone your route", "A note on the kitchen table has found more lost walkers than any mobile app."),
]


def list_article(between: str) -> str:
    items = "".join(f"<h2>{n}. {title}</h2><p>{text} {text}</p>{between}" for n, (title, text) in enumerate(ITEMS, 1))
    return ("<html><head><title>Four rules for the hills</title></head><body>"
            "<nav><a href='/'>Home</a> <a href='/walks'>Walks</a></nav>"
            f"<article><h1>Four rules for the hills</h1>{items}</article>"
            "<footer>Fell Notes</footer></body></html>")


KAMM_PROSE = [f"Der Wanderweg am Kamm wurde im Frühjahr auf {n} Kilometern neu markiert und ist jetzt "
              f"auch bei Nebel gut zu finden, sagen die Bergführer aus dem Tal." for n in range(3, 9)]


def kamm_page(body: str) -> str:
    return ("<html><head><title>Kammweg neu markiert</title></head><body>"
            f"<article><h1>Kammweg neu markiert</h1>{body}</article></body></html>")


def extract_kamm(body: str, stays: str, furniture: tuple[str, ...]):
    """Extract the Kammweg page with ``body``: all its prose and the sentence ``stays``
    come back, none of ``furniture``."""
    article = extract_article(kamm_page(body), url="https://bergblatt.example/kammweg")
    for sentence in KAMM_PROSE:
        assert sentence in article.text
    assert stays in article.text
    for label in furniture:
        assert label not in article.text
    return article


def test_share_rows_between_list_items_leave():
    row = ("<div class='item-tools'><a href='https://x.example/share'>Tweet</a> "
           "<a href='https://fb.example/share'>Facebook</a> <a href='https://pin.example/pin'>Pinterest</a> "
           "<a href='mailto:?body=x'>Email</a></div>")
    article = extract_article(list_article(row), url="https://fellnotes.example/rules")
    for title, text in ITEMS:
        assert title in article.text and text in article.text
    for label in ("Tweet", "Facebook", "Pinterest", "Email"):
        assert label not in article.text


def test_widgets_inside_the_article_container_leave_in_several_languages():
    prose = KAMM_PROSE
    body = (
        "".join(f"<p>{p}</p>" for p in prose[:3])
        + "<p>Lesen Sie auch: <a href='/b'>Neue Hütte am Sattel eröffnet</a></p>"
        + "<p>Le puede interesar: <a href='/c'>La ruta de los lagos</a></p>"
        + "".join(f"<p>{p}</p>" for p in prose[3:])
        # a sentence that merely starts like a widget stays
        + "<p>Lesen Sie auch die Hinweise der Bergwacht, bevor Sie im Winter aufbrechen, denn "
          "die Wege sind dann oft vereist.</p>"
        + "<h3>Meistgelesen</h3><ul>" + "".join(f"<li><a href='/m{n}'>Artikel Nummer {n}</a></li>" for n in range(5)) + "</ul>"
        + "<h3>Das könnte Sie auch interessieren!</h3><ul><li><a href='/x'>Wandern mit Hund</a></li>"
          "<li><a href='/y'>Die schönsten Seen</a></li></ul>"
    )
    extract_kamm(body, "Lesen Sie auch die Hinweise der Bergwacht",
                 ("Neue Hütte", "La ruta", "Meistgelesen", "Artikel Nummer", "interessieren", "Wandern mit Hund"))


def test_advertisement_labels_and_ways_back_leave():
    """Decorated ad labels ("- Anzeige -", "[Advertisement]"), a banner captioned as an
    advertisement, and lines that only lead back ("Back to top", "Zurück zur Übersicht")."""
    prose = KAMM_PROSE
    body = (
        "".join(f"<p>{p}</p>" for p in prose[:2])
        + "<p>- Anzeige -</p>"
        + "<figure><a href='https://shop.example/boots'><img src='https://cdn.example/boots.jpg' alt=''></a>"
          "<figcaption>Reklama</figcaption></figure>"
        + "".join(f"<p>{p}</p>" for p in prose[2:4])
        + "<p>[Advertisement]</p>"
        + "".join(f"<p>{p}</p>" for p in prose[4:])
        # prose that merely starts like a way back stays
        + "<p>Zurück zur Hütte sind es vom Gipfel noch zwei Stunden, wenn das Wetter hält und der "
          "Weg trocken bleibt.</p>"
        + "<p><a href='/top'>Back to top</a></p><p><a href='/liste'>Zurück zur Übersicht</a></p>"
    )
    article = extract_kamm(body, "Zurück zur Hütte sind es vom Gipfel",
                           ("Anzeige", "Reklama", "Advertisement", "Back to top", "Übersicht"))
    assert "boots.jpg" not in article.html


def test_tag_rows_and_read_also_lines_leave():
    """A row of the article's tags ("Tags: ...", "Schlagwörter: ...") and an "Auch lesen:"
    pointer; a sentence that starts with "Themen:" and carries no links stays."""
    body = (
        "".join(f"<p>{p}</p>" for p in KAMM_PROSE[:3])
        + "<p><strong>Auch lesen: </strong><a href='/huette'>Neue Hütte am Sattel eröffnet</a></p>"
        + "".join(f"<p>{p}</p>" for p in KAMM_PROSE[3:])
        + "<p>Themen: Markierung, Nebel und Lawinen bestimmten das Treffen der Bergführer im Tal.</p>"
        + "<p>Tags: <a href='/t/wandern'>Wandern</a>, <a href='/t/kamm'>Kammweg</a>, "
          "<a href='/t/nebel'>Nebel im Gebirge</a></p>"
        + "<div>Schlagwörter: <a href='/s/alpen'>Alpen</a> <a href='/s/herbst'>Herbst</a></div>"
    )
    extract_kamm(body, "Themen: Markierung, Nebel und Lawinen",
                 ("Auch lesen", "Neue Hütte", "Tags:", "Nebel im Gebirge", "Schlagwörter", "Herbst"))
