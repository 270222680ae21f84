"""The standfirst (leads.py): a lead paragraph printed above the article, in a container
of its own, comes back as the body's first paragraph when it is the page's description."""

from __future__ import annotations

from archive_spider.extraction import extract_article

LEAD = ("The county will close the last three of its river ferries next spring, "
        "ending a service that has run since the eighteenth century.")
BODY = [
    f"Paragraph {n}: the ferrymen say the cable boats still carry farmers, walkers and school "
    f"children every day, and that the bridge upstream is a long way round for everyone here."
    for n in range(1, 8)
]


def page(description: str | None, lead_markup: str) -> str:
    meta = f'<meta name="description" content="{description}">' if description else ""
    return (f"<html><head><title>River ferries to close</title>{meta}</head><body>"
            "<nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/sport'>Sport</a></nav>"
            # the headline and lead sit in a banner, apart from the column holding the body
            f"<div class='hero'><h1>River ferries to close</h1>{lead_markup}"
            "<img src='/img/ferry.jpg' alt='The ferry at Hatton'></div>"
            "<div class='layout'><div class='rail'><h3>Sections</h3><ul><li><a href='/a'>Farming</a></li>"
            "<li><a href='/b'>Roads</a></li><li><a href='/c'>Schools</a></li></ul></div>"
            "<div class='column'><div class='article-body'>" + "".join(f"<p>{p}</p>" for p in BODY)
            + "</div></div></div><footer>County Courier</footer></body></html>")


def test_standfirst_comes_back_first_and_once():
    article = extract_article(page(LEAD, f"<p class='standfirst'><strong>{LEAD}</strong></p>"),
                              url="https://courier.example/ferries")
    assert article.text.startswith(LEAD)
    assert article.text.count("ending a service") == 1
    assert article.html.startswith("<p>") and LEAD in article.html.split("</p>")[0]
    assert BODY[-1] in article.text


def test_a_description_cut_short_still_finds_its_standfirst():
    cut = LEAD[:90].rsplit(" ", 1)[0] + "..."
    article = extract_article(page(cut, f"<div class='intro'>{LEAD}</div>"), url="https://courier.example/ferries")
    assert article.text.startswith(LEAD)


def test_no_standfirst_when_the_description_is_not_shown_or_only_in_a_link():
    hidden = extract_article(page(LEAD, ""), url="https://courier.example/ferries")
    linked = extract_article(page(LEAD, f"<p><a href='/ferries-2'>{LEAD}</a></p>"), url="https://courier.example/ferries")
    for article in (hidden, linked):
        assert "ending a service" not in article.text
        assert article.text.startswith(BODY[0])
