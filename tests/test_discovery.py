"""Page discovery on small static sites (tests/sites/) and on the bundled demo site.

Each test names the exact set of URLs a page must yield: an article link too many means a
page that is not an article gets fetched (or archived), one too few means a lost article.
"""

from pathlib import Path

import pytest

from archive_spider.discovery.pages import analyse_page
from archive_spider.vocabulary import ArticleLink
from archive_spider.urls import same_site

SITES = Path(__file__).parent / "sites"


def analyse(fixture: str, url: str, allowed_hosts=None):
    html = (SITES / fixture).read_text(encoding="utf-8")
    return analyse_page(html, url, allowed_hosts)


def urls(links):
    return [link.url if isinstance(link, ArticleLink) else link for link in links]


def assert_clean(analysis):
    """What holds on every page: unique, absolute, never the page's own URL."""
    found = urls(analysis.article_links) + analysis.next_pages + analysis.section_links
    for group in (urls(analysis.article_links), analysis.next_pages, analysis.section_links, analysis.feeds):
        assert len(group) == len(set(group))
    assert all(url.startswith(("http://", "https://")) for url in found)
    assert not set(urls(analysis.article_links)) & set(analysis.next_pages)
    if analysis.continuation:
        assert analysis.continuation not in found


# --------------------------------------------------------------------------- WordPress blog

WP = "https://blog.example.org"
WP_POSTS = {
    "lisbon": f"{WP}/2024/05/slow-train-to-lisbon/",
    "bread": f"{WP}/2024/04/bread-of-the-alentejo/",
    "alps": f"{WP}/2024/03/a-winter-in-the-alps/",
    "tangier": f"{WP}/2024/02/night-ferry-to-tangier/",
    "paris": f"{WP}/2023/09/the-last-sleeper-to-paris/",
    "porto": f"{WP}/2023/06/porto-in-the-rain/",
}
WP_SECTIONS = [f"{WP}/category/travel/", f"{WP}/category/food/", f"{WP}/category/travel/trains/"]


def test_wordpress_front_page():
    page = analyse("wordpress/front.html", f"{WP}/")
    assert_clean(page)
    assert page.kind == "index"
    # the three teasers in page order, then the "Recent Posts" widget's extra post
    assert urls(page.article_links) == [WP_POSTS[k] for k in ("lisbon", "bread", "alps", "tangier")]
    assert page.next_pages == [f"{WP}/page/2/"]
    # no Home, About, Contact, tags, author, date archives, wp-login, feed
    assert page.section_links == WP_SECTIONS
    assert page.continuation is None
    assert page.canonical_url == f"{WP}/"
    assert page.feeds == [f"{WP}/feed/", f"{WP}/comments/feed/"]


def test_wordpress_teaser_details():
    page = analyse("wordpress/front.html", f"{WP}/")
    lisbon, bread, alps, tangier = page.article_links
    # the tracking parameters of the heading link do not make a second URL
    assert lisbon == ArticleLink(
        url=WP_POSTS["lisbon"],
        title="The slow train to Lisbon",
        teaser="Twenty-two hours, three changes and one very patient conductor: "
        "why the overland route still beats the plane.",
        published="2024-05-03",
    )
    assert bread.published == "2024-04-21"
    assert alps.teaser == "Snow, silence and a hut with no electricity: notes from three months above the tree line."
    # a bare title in a widget: no teaser text, no date
    assert tangier == ArticleLink(WP_POSTS["tangier"], "Night ferry to Tangier", None, None)


def test_wordpress_older_page_lists_both_directions_of_pagination():
    page = analyse("wordpress/page-2.html", f"{WP}/page/2/")
    assert_clean(page)
    assert page.kind == "index"
    assert set(urls(page.article_links)) == {WP_POSTS[k] for k in ("tangier", "paris", "lisbon", "bread", "alps")}
    assert page.next_pages == [f"{WP}/", f"{WP}/page/3/"]
    assert page.section_links == WP_SECTIONS


def test_wordpress_post_is_an_article_with_related_and_sidebar_links():
    page = analyse("wordpress/post.html", WP_POSTS["lisbon"])
    assert_clean(page)
    assert page.kind == "article"
    # related posts, the rel=prev post and the widget; never the post itself (it is in
    # the widget and linked from its own date), never the tag, author or share links
    assert urls(page.article_links) == [WP_POSTS[k] for k in ("paris", "porto", "bread", "alps", "tangier")]
    assert page.next_pages == []
    assert page.continuation is None
    assert page.canonical_url == WP_POSTS["lisbon"]
    assert page.feeds == [f"{WP}/feed/", f"{WP}/2024/05/slow-train-to-lisbon/feed/"]


def test_wordpress_paged_post_continues_to_its_next_page():
    page = analyse("wordpress/post-paged.html", f"{WP}/2024/03/a-winter-in-the-alps/2/")
    assert_clean(page)
    assert page.kind == "article"
    assert page.continuation == f"{WP}/2024/03/a-winter-in-the-alps/3/"
    # page 1 of the same post is not another article
    assert WP_POSTS["alps"] not in urls(page.article_links)
    assert page.next_pages == []


@pytest.mark.parametrize(
    ("fixture", "path"), [("wordpress/tag.html", "/tag/portugal/"), ("wordpress/author.html", "/author/anna/")]
)
def test_wordpress_tag_and_author_archives_are_indexes(fixture, path):
    page = analyse(fixture, f"{WP}{path}")
    assert_clean(page)
    assert page.kind == "index"
    assert urls(page.article_links)[0] == WP_POSTS["lisbon"]


def test_author_archive_teaser_is_not_the_author_biography():
    page = analyse("wordpress/author.html", f"{WP}/author/anna/")
    assert page.article_links[0].teaser.startswith("Twenty-two hours")


# --------------------------------------------------------------------------- news site

NEWS = "https://www.dailyplanet.example"


def test_news_section_page():
    page = analyse("news/section.html", f"{NEWS}/world/")
    assert_clean(page)
    assert page.kind == "index"
    assert urls(page.article_links) == [
        f"{NEWS}/world/2024/05/03/storm-hits-northern-coast-1234567",
        f"{NEWS}/world/2024/05/03/ceasefire-talks-resume-in-geneva-1234560",
        f"{NEWS}/world/2024/05/02/river-levels-fall-after-week-of-floods-1234551",
        f"{NEWS}/world/2024/05/02/new-bridge-opens-to-traffic-1234549",
        f"{NEWS}/world/2024/05/01/elections-called-for-june-1234532",
        f"{NEWS}/science/2024/05/02/telescope-finds-water-on-distant-planet-1234540",
        f"{NEWS}/sport/2024/05/02/late-goal-settles-the-derby-1234538",
    ]
    assert page.next_pages == [f"{NEWS}/world/?page=2", f"{NEWS}/world/?page=3"]
    # menu sections and named topics; not Subscribe, Sign in (another host), the footer
    assert page.section_links == [
        f"{NEWS}/politics/",
        f"{NEWS}/science/",
        f"{NEWS}/sport/",
        f"{NEWS}/opinion/",
        f"{NEWS}/topics/climate/",
        f"{NEWS}/topics/europe/",
    ]
    assert page.feeds == [f"{NEWS}/world/atom.xml"]


def test_news_cards_have_titles_but_no_teaser_text():
    page = analyse("news/section.html", f"{NEWS}/world/")
    lead, ceasefire = page.article_links[:2]
    assert lead.title == "Storm hits northern coast as thousands lose power"
    assert lead.teaser.startswith("Gusts of up to 140km/h")
    assert ceasefire == ArticleLink(ceasefire.url, "Ceasefire talks resume in Geneva", None, None)


def test_news_section_second_page():
    page = analyse("news/section-page-2.html", f"{NEWS}/world/?page=2")
    assert_clean(page)
    assert page.kind == "index"
    assert urls(page.article_links) == [
        f"{NEWS}/world/2024/04/30/harbour-strike-ends-after-nine-days-1234501",
        f"{NEWS}/world/2024/04/29/old-town-hall-to-become-a-library-1234490",
    ]
    assert page.next_pages == [f"{NEWS}/world/?page=1", f"{NEWS}/world/", f"{NEWS}/world/?page=3"]


def test_news_article():
    url = f"{NEWS}/world/2024/05/03/storm-hits-northern-coast-1234567"
    page = analyse("news/article.html", url)
    assert_clean(page)
    assert page.kind == "article"
    # related cards only: not itself, not print/PDF/share/newsletter links
    assert urls(page.article_links) == [
        f"{NEWS}/world/2024/05/02/river-levels-fall-after-week-of-floods-1234551",
        f"{NEWS}/science/2024/04/28/why-storms-are-getting-wetter-1234470",
    ]
    assert page.canonical_url == url
    assert page.continuation is None
    assert f"{NEWS}/world/" in page.section_links


def test_allowed_hosts_widen_and_narrow_the_links():
    page = analyse("news/section.html", f"{NEWS}/world/", ["dailyplanet.example", "ads.example.net"])
    assert "https://ads.example.net/click?id=99" in urls(page.article_links)
    page = analyse("news/section.html", f"{NEWS}/world/", ["elsewhere.example"])
    assert page.article_links == [] and page.next_pages == [] and page.canonical_url is None


# --------------------------------------------------------------------------- old article directory

DIR = "http://articles-directory.example"


def test_directory_category_table():
    page = analyse("directory/category.html", f"{DIR}/category.php?cat=3")
    assert_clean(page)
    assert page.kind == "index"
    assert page.article_links == [
        ArticleLink(
            f"{DIR}/article.php?id=12",
            "How to Grow Tomatoes on a Balcony",
            "Growing tomatoes in containers is easier than most people think. Choose a sunny spot, "
            "a deep pot and a compact variety, and water every evening.",
            "2009-03-12",
        ),
        ArticleLink(
            f"{DIR}/article.php?id=15",
            "Ten Tips for Composting in Small Spaces",
            "Composting is not only for large gardens. A worm bin fits under the sink and turns "
            "kitchen scraps into rich soil in weeks.",
            "2009-03-12",
        ),
        ArticleLink(
            f"{DIR}/article.php?id=19",
            "Choosing the Right Lawn Mower",
            "Petrol, electric or manual? The right mower depends on the size of your lawn, your "
            "budget and how much noise the neighbours will tolerate.",
            "2009-03-12",
        ),
    ]
    assert page.next_pages == [f"{DIR}/category.php?cat=3&page=2", f"{DIR}/category.php?cat=3&page=3"]
    assert page.section_links == [f"{DIR}/category.php?cat=1", f"{DIR}/category.php?cat=2", f"{DIR}/category.php?cat=4"]


def test_directory_article_without_metadata():
    page = analyse("directory/article.html", f"{DIR}/article.php?id=12")
    assert_clean(page)
    assert page.kind == "article"
    # "Other articles", not the permalink to itself, print/send pages or the author
    assert urls(page.article_links) == [
        f"{DIR}/article.php?id=15",
        f"{DIR}/article.php?id=19",
        f"{DIR}/article.php?id=23",
    ]
    assert page.section_links == [
        f"{DIR}/category.php?cat=1",
        f"{DIR}/category.php?cat=2",
        f"{DIR}/category.php?cat=3",
        f"{DIR}/category.php?cat=4",
    ]


# --------------------------------------------------------------------------- German and French blogs


def test_german_blog_front_page():
    base = "https://www.mein-reiseblog.de"
    page = analyse("german/index.html", f"{base}/")
    assert_clean(page)
    assert page.kind == "index"
    assert [(a.url, a.published) for a in page.article_links] == [
        (f"{base}/2024/06/auf-dem-malerweg-durch-die-saechsische-schweiz/", "2024-06-14"),
        (f"{base}/2024/05/ein-wochenende-in-goerlitz/", "2024-05-03"),
        (f"{base}/2024/04/mit-dem-rad-an-der-elbe/", "2024-04-20"),
    ]
    # the dateline is not teaser text
    assert page.article_links[1].teaser.startswith("Die östlichste Stadt")
    assert page.next_pages == [f"{base}/seite/2/"]
    assert page.section_links == [f"{base}/rubrik/wandern/", f"{base}/rubrik/staedtereisen/"]
    assert page.feeds == [f"{base}/feed/atom/"]


def test_french_blog_category_page():
    base = "https://carnet.example.fr"
    page = analyse("french/category.html", f"{base}/categorie/voyages/")
    assert_clean(page)
    assert page.kind == "index"
    assert page.article_links == [
        ArticleLink(
            f"{base}/trois-jours-a-lisbonne/",
            "Trois jours à Lisbonne",
            "Tramways jaunes, pastéis de nata et miradouros : notre itinéraire pour un long "
            "week-end dans la capitale portugaise…",
            "2024-05-03",
        ),
        ArticleLink(
            f"{base}/le-train-des-pignes/",
            "Le train des Pignes",
            "De Nice à Digne-les-Bains à bord d'un petit train à voie métrique qui prend son "
            "temps dans les gorges du Var.",
            "2024-04-01",
        ),
    ]
    assert page.next_pages == [f"{base}/categorie/voyages/page/2/"]
    # no tags (étiquettes), author, À propos, Contact, Mentions légales
    assert page.section_links == [f"{base}/categorie/cuisine/"]


# --------------------------------------------------------------------------- small pages


def page_html(body: str, head: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


PROSE = "<p>" + " ".join(["The river had been rising for three days and nobody in the village slept."] * 12) + "</p>"
# three teasers: enough to make any page a listing
STORY_TEASERS = "".join(
    f'<article><h2><a href="/story-number-{n}-here/">Story number {n}</a></h2><p>Some teaser text for the story.</p></article>'
    for n in range(3)
)


@pytest.mark.parametrize(
    "path", ["/about/", "/contact/", "/login/", "/search?q=river", "/category/news/", "/tag/river/", "/author/anna/", "/page/2/", "/"]
)
def test_pages_that_are_never_articles(path):
    head = '<meta property="og:type" content="article"><script type="application/ld+json">{"@type": "Article"}</script>'
    page = analyse_page(page_html(f"<h1>River</h1>{PROSE}{PROSE}", head), f"https://example.com{path}")
    assert page.kind != "article"


def test_long_prose_under_one_title_is_an_article():
    page = analyse_page(page_html(f"<h1>River</h1>{PROSE}{PROSE}"), "https://example.com/the-river-rose/")
    assert page.kind == "article"


def test_login_form_page_is_not_an_article():
    body = f'<h1>Sign in</h1>{PROSE}<form><input name="user"><input type="password" name="pw"></form>'
    assert analyse_page(page_html(body), "https://example.com/members-area-entrance/").kind == "other"


def test_json_ld_article_in_a_graph_makes_a_short_page_an_article():
    head = '<script type="application/ld+json">{"@graph": [{"@type": "WebPage"}, {"@type": ["NewsArticle"]}]}</script>'
    page = analyse_page(page_html("<h1>Short news</h1><p>Only two sentences here. That is all.</p>", head), "https://example.com/news/short-news-item")
    assert page.kind == "article"


def test_broken_or_empty_html():
    assert analyse_page("", "https://example.com/").kind == "other"
    page = analyse_page("<html><body><a href='/a-b-c/'>x", "https://example.com/")
    assert page.kind in ("index", "other")
    xml_declared = '<?xml version="1.0" encoding="utf-8"?><html><body><p>ok</p></body></html>'
    assert analyse_page(xml_declared, "https://example.com/").kind == "other"


def test_unfollowable_links_are_never_returned():
    items = "".join(
        f'<div class="teaser"><h2><a href="{href}">A title of several words</a></h2><p>Teaser text that is long enough.</p><a href="{href}">Read more</a></div>'
        for href in (
            "mailto:anna@example.com",
            "javascript:void(0)",
            "tel:+123456",
            "file:///etc/passwd",
            "/files/annual-report-2024.pdf",
            "/img/big-photo-of-a-river.jpg",
            "/downloads/all-the-essays.zip",
            "https://other.example/an-article-elsewhere/",
            "/wp-json/wp/v2/posts?page=2",
            "/api/articles/some-article-slug",
            "/a-real-article-here/",
        )
    )
    items += '<a download href="/exports/all-of-the-essays">Download all of the essays</a>'
    page = analyse_page(page_html(items), "https://example.com/")
    assert urls(page.article_links) == ["https://example.com/a-real-article-here/"]


@pytest.mark.parametrize(
    "text",
    [
        "Read more", "Read More »", "Continue reading →", "More »", "Full story", "…", "[...]",
        "Weiterlesen", "Mehr lesen", "Lire la suite", "Leer más", "Seguir leyendo", "Leia mais",
        "Continuar lendo", "Leggi tutto", "Continua a leggere", "Lees meer", "Verder lezen",
    ],
)
def test_read_more_links_in_many_languages(text):
    # plain text blocks, no headings: only the "Read More" link marks the teaser
    body = f'<div><p>A first teaser about whales and their songs.</p><a href="/whale-songs/">{text}</a></div><div><p>Another thing entirely.</p><a href="/other-page/">Look</a></div>'
    page = analyse_page(page_html(body), "https://example.com/")
    assert urls(page.article_links) == ["https://example.com/whale-songs/"]
    assert page.article_links[0].teaser == "A first teaser about whales and their songs."


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<a href="/list/?page=2" rel="next">whatever</a>', "https://example.com/list/?page=2"),
        ('<a href="/list/page/2/">Next</a>', "https://example.com/list/page/2/"),
        ('<a href="/list/older">Older posts</a>', "https://example.com/list/older"),
        ('<a href="/list/?offset=20">Load more</a>', "https://example.com/list/?offset=20"),
        ('<a href="/list/seite/2/">Nächste Seite »</a>', "https://example.com/list/seite/2/"),
        ('<a href="/list/page/2/">Page suivante</a>', "https://example.com/list/page/2/"),
        ('<a href="/list/?page=2">Siguiente</a>', "https://example.com/list/?page=2"),
        ('<a href="/list/?page=2">Volgende</a>', "https://example.com/list/?page=2"),
        ('<div class="pagination"><a href="/list/?p_page=2">2</a></div>', "https://example.com/list/?p_page=2"),
        ('<a href="/list/page/2/">»</a>', "https://example.com/list/page/2/"),
    ],
)
def test_pagination_forms(html, expected):
    teasers = STORY_TEASERS
    page = analyse_page(page_html(teasers + html), "https://example.com/list/")
    assert page.kind == "index"
    assert page.next_pages == [expected]
    assert expected not in urls(page.article_links)


def test_inline_links_in_prose_are_not_article_links():
    prose = "".join(
        f'<p>As we said in <a href="/an-earlier-essay-{n}/">an earlier essay on rivers</a>, the water rose slowly through the night and the bridge held until dawn.</p>'
        for n in range(4)
    )
    page = analyse_page(page_html(f"<h1>Rivers</h1>{prose}{PROSE}"), "https://example.com/rivers-at-night/")
    assert page.kind == "article"
    assert page.article_links == []


def test_relative_links_resolve_against_base_href():
    body = '<div class="teaser"><h2><a href="the-long-story-of-x/">The long story of X</a></h2><p>Text.</p><a href="the-long-story-of-x/">Read more</a></div>'
    page = analyse_page(page_html(body, '<base href="https://example.com/blog/">'), "https://example.com/")
    assert urls(page.article_links) == ["https://example.com/blog/the-long-story-of-x/"]


# --------------------------------------------------------------------------- the demo site


def crawl_demo(start: str):
    """Follow what analyse_page returns from ``start`` over the demo site; path -> kind."""
    site_module = pytest.importorskip("archive_spider.demo.templates")
    base = "http://127.0.0.1:8000"
    site = site_module.build_site(base_url=base)
    queue, seen, kinds = [base + start], {base + start}, {}
    while queue:
        url = queue.pop(0)
        page = site.get(url[len(base):])
        if page is None or not page.content_type.startswith("text/html"):
            continue
        analysis = analyse_page(page.body.decode("utf-8"), url)
        assert_clean(analysis)
        kinds[url[len(base):]] = analysis.kind
        follow = urls(analysis.article_links) + analysis.next_pages + analysis.section_links
        for next_url in follow + ([analysis.continuation] if analysis.continuation else []):
            if next_url not in seen:
                seen.add(next_url)
                queue.append(next_url)
    return site, kinds


@pytest.mark.parametrize("start", ["/", "/category/history/"])
def test_demo_site_every_essay_found_and_nothing_else_is_an_article(start):
    site, kinds = crawl_demo(start)
    essays = {path for path in site if path.startswith("/essays/")}
    assert essays
    assert {path for path, kind in kinds.items() if kind == "article"} == essays
    for path in ("/about/", "/contact/", "/login/"):
        assert kinds.get(path) != "article"


def test_demo_site_page_types():
    site_module = pytest.importorskip("archive_spider.demo.templates")
    base = "http://127.0.0.1:8000"
    site = site_module.build_site(base_url=base)
    html = {path: page.body.decode("utf-8") for path, page in site.items() if page.content_type.startswith("text/html")}
    for path, text in html.items():
        page = analyse_page(text, base + path)
        if path.startswith("/essays/"):
            assert page.kind == "article", path
        else:
            assert page.kind != "article", path
        if path.startswith("/category/"):
            assert page.kind == "index", path
            assert page.article_links, path
    split = [p for p in html if p.startswith("/essays/") and p.endswith("/2/")]
    for path in split:
        first = analyse_page(html[path[: -len("2/")]], base + path[: -len("2/")])
        assert first.continuation == base + path


# --------------------------------------------------------------------------- more layouts


def test_blogger_front_page_in_spanish():
    base = "https://cuaderno-viajero.blogspot.com"
    page = analyse("blogger-es/index.html", f"{base}/")
    assert_clean(page)
    assert page.kind == "index"
    assert [(a.url, a.published) for a in page.article_links] == [
        (f"{base}/2024/05/mi-viaje-a-granada.html", "2024-05-03"),
        (f"{base}/2024/04/tortilla-de-patatas-con-o-sin-cebolla.html", "2024-04-21"),
        (f"{base}/2024/03/el-camino-del-norte-en-bicicleta.html", None),
    ]
    # the teaser text stops before "Leer más", the author and the labels
    assert page.article_links[0].teaser.endswith("tres días en Granada sin prisas.")
    # "Entradas antiguas" leads to a search URL: still this listing's next page
    assert page.next_pages == [f"{base}/search?max-results=2&updated-max=2024-04-21T10:00:00%2B02:00"]
    assert page.section_links == []
    assert page.feeds == [f"{base}/feeds/posts/default", f"{base}/feeds/posts/default?alt=rss"]


def test_title_in_inline_markup_followed_by_a_line_break():
    rows = "".join(
        f'<p><strong><a href="/tips/tip-number-{n}-today">Tip number {n} today</a></strong><br>'
        f"A short description of the tip that follows the title line.</p>"
        for n in range(3)
    )
    page = analyse_page(page_html(f"<h1>Tips</h1>{rows}"), "https://example.com/tips/")
    assert page.kind == "index"
    assert [a.title for a in page.article_links] == [f"Tip number {n} today" for n in range(3)]
    assert page.article_links[0].teaser == "A short description of the tip that follows the title line."


def test_cards_that_are_one_big_link():
    cards = "".join(
        f'<a class="card" href="/stories/card-story-{n}-title"><img src="/i{n}.jpg" alt="">'
        f"<h3>Card story {n}</h3><p>What the card says about story {n}.</p></a>"
        for n in range(3)
    )
    page = analyse_page(page_html(f'<div class="grid">{cards}</div>'), "https://example.com/stories/")
    assert page.kind == "index"
    assert page.article_links[1] == ArticleLink(
        "https://example.com/stories/card-story-1-title", "Card story 1", "What the card says about story 1.", None
    )


@pytest.mark.parametrize(
    ("url", "next_href", "expected"),
    [
        ("https://dir.example/article.php?id=12", "article.php?id=12&page=2", "https://dir.example/article.php?id=12&page=2"),
        ("https://example.com/2024/05/long-story-here/", "/2024/05/long-story-here/page/2/", "https://example.com/2024/05/long-story-here/page/2/"),
        ("https://example.com/features/long-story-here", "?page=2", "https://example.com/features/long-story-here?page=2"),
    ],
)
def test_multi_page_articles(url, next_href, expected):
    body = f'<h1>A long story</h1>{PROSE}{PROSE}<div class="pages">Page 1 of 2 <a href="{next_href}">Page 2 »</a></div>'
    page = analyse_page(page_html(body), url)
    assert page.kind == "article"
    assert page.continuation == expected
    assert page.next_pages == [] and page.article_links == []
    # and page 2 itself is an article, whose continuation is nothing
    second = analyse_page(page_html(f"<h1>A long story</h1>{PROSE}{PROSE}"), expected)
    assert second.kind == "article"


def test_short_article_with_a_grid_of_more_stories():
    grid = "".join(
        f'<div class="card"><h3><a href="/news/other-story-{n}-x">Other story {n}</a></h3><p>A line about it.</p></div>'
        for n in range(4)
    )
    body = f"<h1>A short news story</h1><div>{PROSE}</div><div class='grid'>{grid}</div>"
    page = analyse_page(page_html(body), "https://example.com/news/a-short-news-story")
    assert page.kind == "article"
    assert len(page.article_links) == 4


def test_archive_page_of_bare_titles_is_an_index():
    items = "".join(f'<li><a href="/posts/post-number-{n}/">Post number {n}</a></li>' for n in range(8))
    page = analyse_page(page_html(f"<h1>All posts</h1><ul>{items}</ul>"), "https://example.com/everything/")
    assert page.kind == "index"
    assert len(page.article_links) == 8


def test_menu_without_nav_element_gives_sections_not_articles():
    menu = (
        '<div id="top"><ul class="main-menu"><li><a href="/world/">World</a></li><li><a href="/science/">Science</a></li>'
        '<li><a href="/a-featured-long-read-story/">A featured long read story</a></li><li><a href="/contact/">Contact</a></li></ul></div>'
    )
    teasers = "".join(f'<article><h2><a href="/story-{n}-of-the-day/">Story {n} of the day</a></h2><p>Teaser text.</p></article>' for n in range(3))
    page = analyse_page(page_html(menu + teasers), "https://example.com/")
    assert page.section_links == ["https://example.com/world/", "https://example.com/science/"]
    assert "https://example.com/a-featured-long-read-story/" not in urls(page.article_links)


def test_kicker_and_section_links_inside_cards_are_not_articles():
    cards = "".join(
        f'<div class="card"><h4 class="kicker"><a href="/world/europe/">Europe</a></h4>'
        f'<h3><a href="/world/europe/story-{n}-of-the-week">Story {n} of the week</a></h3>'
        f'<p>About story {n}.</p></div>'
        for n in range(3)
    )
    page = analyse_page(page_html(cards), "https://example.com/world/")
    assert urls(page.article_links) == [f"https://example.com/world/europe/story-{n}-of-the-week" for n in range(3)]
    assert page.article_links[0].teaser is None  # "About story 0." is too short to be a teaser


def test_short_slug_article_links_are_kept_when_they_carry_a_title():
    items = "".join(
        f'<article><h2><a href="/blog/{slug}/">{title}</a></h2><p>What this post is about, briefly.</p></article>'
        for slug, title in (("hello", "Hello and welcome to the blog"), ("moving", "We are moving house soon"))
    )
    page = analyse_page(page_html(items), "https://example.com/blog/")
    assert urls(page.article_links) == ["https://example.com/blog/hello/", "https://example.com/blog/moving/"]


def test_title_as_plain_text_above_a_read_more_link():
    items = "".join(
        f'<div class="item"><b>Plain title {n}</b><p>The teaser text of item number {n}.</p><a href="/item.php?id={n}">More</a></div>'
        for n in range(2)
    )
    page = analyse_page(page_html(items), "https://example.com/items.php")
    assert page.article_links[0] == ArticleLink("https://example.com/item.php?id=0", "Plain title 0", "The teaser text of item number 0.", None)


def test_print_amp_and_reply_views_of_the_page_are_not_article_links():
    url = "https://example.com/news/a-long-story-today"
    views = "".join(
        f'<div class="tool"><a href="{href}">{text}</a></div>'
        for href, text in (
            ("/news/a-long-story-today/print", "Print this story"),
            ("/news/a-long-story-today?print=1", "Printer friendly version"),
            ("/news/a-long-story-today?amp=1", "Mobile version of this"),
            ("/news/a-long-story-today?replytocom=3", "Reply to this comment"),
        )
    )
    page = analyse_page(page_html(f"<h1>A long story</h1>{PROSE}{views}"), url)
    assert page.kind == "article"
    assert page.article_links == []


def test_image_links_without_text_do_not_make_a_list():
    body = (
        f'<div><a href="/help/what-is-this-box"><img src="/q.gif" alt=""></a>Top topics</div>'
        f"<div><h1>The story</h1>{PROSE}</div>"
    )
    page = analyse_page(page_html(body), "https://example.com/news/the-story-of-today")
    assert page.kind == "article"
    assert page.article_links == []


def test_short_last_page_of_a_split_article_is_still_an_article():
    body = '<h1>A long story (page 3)</h1><p>The end, at last.</p><div class="pages"><a href="/stories/a-long-story/2/">« Page 2</a></div>'
    page = analyse_page(page_html(body), "https://example.com/stories/a-long-story/3/")
    assert page.kind == "article"
    assert page.continuation is None and page.next_pages == []


@pytest.mark.parametrize("title", ["Page not found – My Blog", "404 - Not Found", "Seite nicht gefunden", "Oops! That page can’t be found. Nothing was found"])
def test_soft_404_pages_are_not_articles(title):
    head = f'<title>{title}</title><meta property="og:type" content="article">'
    page = analyse_page(page_html(f"<h1>{title}</h1>{PROSE}{PROSE}", head), "https://example.com/2024/05/a-deleted-post/")
    assert page.kind == "other"


def test_rel_hints_on_links():
    items = "".join(
        f'<div class="entry"><span><a rel="bookmark" href="/p/{n}">Entry {n}</a></span> '
        f'<a rel="tag" href="/topic-{n}/">topic {n}</a> <a rel="author" href="/writers/w{n}">Writer number {n} here</a></div>'
        for n in range(2)
    )
    menu = '<nav><a href="/topic-0/">Topic 0</a><a rel="category tag" href="/food/">Food</a></nav>'
    page = analyse_page(page_html(menu + items), "https://example.com/")
    assert urls(page.article_links) == ["https://example.com/p/0", "https://example.com/p/1"]
    assert page.section_links == ["https://example.com/food/"]


def test_wordpress_static_page_body_class_is_not_an_article():
    html = f'<html><body class="page-template-default page page-id-12"><h1>Our books</h1>{PROSE}{PROSE}</body></html>'
    assert analyse_page(html, "https://example.com/our-books-and-more/").kind == "other"
    html = f'<html><body class="post-template-default single single-post postid-41"><h1>A post</h1>{PROSE}{PROSE}</body></html>'
    assert analyse_page(html, "https://example.com/a-post-here/").kind == "article"


@pytest.mark.parametrize("text", ["Next 10 »", "Next page (2 of 5)", "Older Entries »", "« Newer posts", "Weiter »", "Volgende pagina"])
def test_pagination_texts_with_counts_and_arrows(text):
    teasers = STORY_TEASERS
    page = analyse_page(page_html(teasers + f'<a href="/list/?start=10">{text}</a>'), "https://example.com/list/")
    assert page.next_pages == ["https://example.com/list/?start=10"]


# --------------------------------------------------------------------------- properties

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_tags = st.sampled_from(["div", "p", "article", "nav", "h2", "ul", "li", "a", "span", "table", "tr", "td", "main", "aside"])
_hrefs = st.sampled_from(
    ["/", "/a-b-c/", "/category/x/", "/page/2/", "?page=3", "#top", "mailto:x@y.z", "https://other.example/x-y-z/",
     "/2024/05/slug-here/", "javascript:void(0)", "/file.pdf", "../up-one-level/", "//cdn.example.com/x-y-z/", "/essays/x-y-z/2/"]
)
_texts = st.sampled_from(["", "Read more", "Next »", "2", "A title of words", "…", "About", "Weiterlesen", "x" * 80])


@st.composite
def html_pages(draw, depth=3):
    def node(level):
        tag = draw(_tags)
        if tag == "a" or level == 0:
            return f'<a href="{draw(_hrefs)}">{draw(_texts)}</a>'
        children = "".join(node(level - 1) for _ in range(draw(st.integers(0, 3))))
        return f"<{tag}>{draw(_texts)}{children}</{tag}>"

    return "<html><body>" + "".join(node(depth) for _ in range(draw(st.integers(1, 4)))) + "</body></html>"


@settings(max_examples=150, deadline=None)
@given(html_pages())
def test_analyse_page_holds_its_promises_on_generated_pages(html):
    page = analyse_page(html, "https://example.com/list/")
    assert page.kind in ("article", "index", "other")
    assert_clean(page)
    found = urls(page.article_links) + page.next_pages + page.section_links
    for url in found + ([page.continuation] if page.continuation else []):
        assert same_site(url, ["example.com"])  # subdomains included, as same_site says
        assert "other.example" not in url and not url.endswith(".pdf")
        assert url != "https://example.com/list/"


def test_cards_linked_only_through_their_image():
    cards = "".join(
        f'<div class="card"><a href="/gallery/photo-story-{n}"><img src="/p{n}.jpg" alt=""></a>'
        f"<h3>Photo story {n}</h3><p>What photo story {n} shows.</p></div>"
        for n in range(3)
    )
    page = analyse_page(page_html(cards), "https://example.com/gallery/")
    assert page.kind == "index"
    assert page.article_links[0] == ArticleLink("https://example.com/gallery/photo-story-0", "Photo story 0", "What photo story 0 shows.", None)


def test_pagination_inside_noscript_is_found():
    teasers = STORY_TEASERS
    more = '<button class="load-more">Load more</button><noscript><a href="/list/page/2/">Next page</a></noscript>'
    page = analyse_page(page_html(teasers + more), "https://example.com/list/")
    assert page.next_pages == ["https://example.com/list/page/2/"]


def test_title_and_read_more_in_two_table_rows():
    rows = "".join(
        f'<tr><td><b><a href="show.asp?id={n}">Article title number {n}</a></b></td></tr>'
        f'<tr><td>The teaser of article number {n}, in its own row. <a href="show.asp?id={n}">Read more...</a></td></tr>'
        for n in range(2)
    )
    page = analyse_page(page_html(f"<table>{rows}</table>"), "http://old.example/list.asp")
    assert page.article_links == [
        ArticleLink(f"http://old.example/show.asp?id={n}", f"Article title number {n}", f"The teaser of article number {n}, in its own row.", None)
        for n in range(2)
    ]


def test_jekyll_post_list():
    items = "".join(
        f'<li><span class="post-meta">May {n + 1}, 2024</span><h3><a class="post-link" href="/blog/2024/05/0{n + 1}/post-{n}.html">Post {n}</a></h3></li>'
        for n in range(3)
    )
    pager = '<div class="pagination"><span class="previous">Previous</span><span class="page_number">Page: 1 of 4</span><a href="/blog/page2/" class="next">Next</a></div>'
    page = analyse_page(page_html(f'<ul class="post-list">{items}</ul>{pager}'), "https://example.github.io/blog/")
    assert page.kind == "index"
    assert [(a.url, a.published) for a in page.article_links] == [
        (f"https://example.github.io/blog/2024/05/0{n + 1}/post-{n}.html", f"2024-05-0{n + 1}") for n in range(3)
    ]
    assert page.next_pages == ["https://example.github.io/blog/page2/"]
    second = analyse_page(page_html(f"<h1>Blog</h1>{PROSE}"), "https://example.github.io/blog/page2/")
    assert second.kind != "article"


# --------------------------------------------------------------------------- magazine

MAG = "https://fieldandhearth.example"
MAG_SECTIONS = [f"{MAG}/woodwork/", f"{MAG}/textiles/", f"{MAG}/garden/", f"{MAG}/kitchen/", f"{MAG}/issues/"]


def test_magazine_home_page():
    page = analyse("magazine/home.html", f"{MAG}/")
    assert_clean(page)
    assert page.kind == "index"
    # hero slides, whole-card links, video tiles (image alt as title) and the trending
    # list; not the partner content on another host, not the section labels
    assert urls(page.article_links) == [
        f"{MAG}/woodwork/the-chairmaker-of-high-wycombe/",
        f"{MAG}/garden/a-year-of-growing-dye-plants/",
        f"{MAG}/kitchen/sourdough-without-the-fuss/",
        f"{MAG}/textiles/mending-as-a-public-art/",
        f"{MAG}/woodwork/spoon-carving-for-beginners/",
        f"{MAG}/video/how-to-sharpen-a-chisel/",
        f"{MAG}/video/weaving-on-a-backstrap-loom/",
        f"{MAG}/kitchen/the-perfect-omelette-is-a-myth/",
        f"{MAG}/garden/why-we-should-let-lawns-grow/",
    ]
    sourdough = page.article_links[2]
    assert sourdough == ArticleLink(
        sourdough.url, "Sourdough without the fuss", "A starter that forgives you for forgetting it.", "2024-05-02"
    )
    assert page.next_pages == [f"{MAG}/latest/?page=2"]
    # menu sections; not the newsletter, sign-in or shop links, nor the legal footer
    assert page.section_links == MAG_SECTIONS


def test_magazine_article_page():
    url = f"{MAG}/woodwork/the-chairmaker-of-high-wycombe/"
    page = analyse("magazine/article.html", url)
    assert_clean(page)
    assert page.kind == "article"
    # "More from Woodwork" without itself; not the inline link in the text, the tags,
    # the contributor, the commenters or the print view
    assert urls(page.article_links) == [
        f"{MAG}/woodwork/spoon-carving-for-beginners/",
        f"{MAG}/woodwork/what-a-windsor-chair-is-made-of/",
    ]
    assert page.section_links == MAG_SECTIONS
    assert page.canonical_url == url


def test_teaser_dates_come_from_datelines_not_from_the_text():
    items = "".join(
        f'<div class="item"><h2><a href="/history/story-{n}-of-the-war">Story {n} of the war</a></h2>'
        f"<p>On 8 May 1945 the war in Europe ended, and story {n} begins on that day.</p>{extra}</div>"
        for n, extra in ((0, ""), (1, "<p>Posted 3 May 2024</p>"), (2, '<span itemprop="datePublished" content="2024-04-30">last week</span>'))
    )
    page = analyse_page(page_html(items), "https://example.com/history/")
    assert [a.published for a in page.article_links] == [None, "2024-05-03", "2024-04-30"]


def test_more_links_to_a_section_are_neither_articles_nor_pagination():
    body = STORY_TEASERS + '<a href="/woodwork/">More stories</a> <a href="/garden/">Read more garden stories</a>'
    page = analyse_page(page_html(body), "https://example.com/")
    assert page.next_pages == []
    assert "https://example.com/woodwork/" not in urls(page.article_links)
    assert "https://example.com/garden/" not in urls(page.article_links)


def test_icon_links_take_their_title_from_aria_label():
    cards = "".join(
        f'<div class="card"><a href="/notes/note-number-{n}" aria-label="Note number {n}"><svg></svg></a><p>The text of note {n} is here.</p></div>'
        for n in range(2)
    )
    page = analyse_page(page_html(cards), "https://example.com/notes/")
    assert [a.title for a in page.article_links] == ["Note number 0", "Note number 1"]


@pytest.mark.parametrize("title", ["La suite des événements", "Full story of a shipwreck", "Read on the train"])
def test_titles_that_start_like_read_more_links_are_titles(title):
    items = "".join(
        f'<li><a href="/notes/{n}-{title.lower().replace(" ", "-")}">{title if n == 0 else "Another long title here"}</a></li>'
        for n in range(2)
    )
    page = analyse_page(page_html(f"<ul>{items}</ul>"), "https://example.com/notes/")
    assert page.article_links[0].title == title


def test_flat_listing_without_an_element_per_teaser():
    posts = "".join(
        f'<h2><a href="/posts/flat-post-{n}/">Flat post {n}</a></h2><p class="meta">May {n + 1}, 2024</p>'
        f'<p>The teaser of flat post {n}, in a paragraph after the title.</p><p><a href="/posts/flat-post-{n}/">Read more</a></p>'
        for n in range(3)
    )
    page = analyse_page(page_html(f'<div class="content">{posts}</div>'), "https://example.com/posts/")
    assert page.kind == "index"
    assert page.article_links == [
        ArticleLink(f"https://example.com/posts/flat-post-{n}/", f"Flat post {n}", f"The teaser of flat post {n}, in a paragraph after the title.", f"2024-05-0{n + 1}")
        for n in range(3)
    ]


def test_definition_list_of_articles():
    items = "".join(f'<dt><a href="/papers/paper-{n}-title">Paper {n} title</a></dt><dd>What paper {n} is about, briefly.</dd>' for n in range(2))
    page = analyse_page(page_html(f"<dl>{items}</dl>"), "https://example.com/papers/")
    assert [(a.title, a.teaser) for a in page.article_links] == [
        (f"Paper {n} title", f"What paper {n} is about, briefly.") for n in range(2)
    ]


def test_comment_pages_of_a_post_are_nothing_to_follow():
    url = "https://example.com/2024/05/a-post-with-comments/"
    body = f'<h1>A post</h1>{PROSE}<div class="comment-navigation"><a href="{url}comment-page-2/#comments">Older Comments</a></div>'
    page = analyse_page(page_html(body, '<meta property="og:type" content="article">'), url)
    assert page.kind == "article"
    assert page.article_links == [] and page.continuation is None


def test_german_article_with_post_navigation_and_related_posts():
    base = "https://www.mein-reiseblog.de"
    page = analyse("german/article.html", f"{base}/2024/05/ein-wochenende-in-goerlitz/")
    assert_clean(page)
    assert page.kind == "article"
    # the neighbouring posts are articles too, but "« Vorheriger Beitrag" is no title
    assert page.article_links == [
        ArticleLink(f"{base}/2024/04/mit-dem-rad-an-der-elbe/", None, None, None),
        ArticleLink(f"{base}/2024/06/auf-dem-malerweg-durch-die-saechsische-schweiz/", None, None, None),
        ArticleLink(f"{base}/2023/10/herbst-in-bautzen/", "Herbst in Bautzen", None, None),
        ArticleLink(f"{base}/2023/08/mit-der-schmalspurbahn-nach-oybin/", "Mit der Schmalspurbahn nach Oybin", None, None),
    ]
    # rel=prev/next to other posts: not the continuation of this one
    assert page.continuation is None and page.next_pages == []
    assert page.section_links == [f"{base}/rubrik/wandern/", f"{base}/rubrik/staedtereisen/"]


def test_french_split_article_second_page():
    base = "https://carnet.example.fr"
    page = analyse("french/article-page-2.html", f"{base}/trois-jours-a-lisbonne/2/")
    assert_clean(page)
    assert page.kind == "article"
    assert page.continuation == f"{base}/trois-jours-a-lisbonne/3/"
    # page 1 of the same article is not another article
    assert urls(page.article_links) == [f"{base}/le-train-des-pignes/", f"{base}/porto-sous-la-pluie/"]
    assert page.article_links[1].teaser == "Neuf jours de pluie, et la ville n'en était que plus belle."
    assert page.next_pages == []
    assert page.section_links == [f"{base}/categorie/voyages/", f"{base}/categorie/cuisine/"]


def test_listing_with_a_long_introduction_or_sidebar_text_is_no_article():
    intro = f'<div class="intro"><h1>Essays</h1>{PROSE}{PROSE}</div>'
    page = analyse_page(page_html(intro + STORY_TEASERS), "https://example.com/essays/")
    assert page.kind == "index"
    aside = f'<aside class="sidebar"><h3>About this blog</h3>{PROSE}{PROSE}</aside>'
    page = analyse_page(page_html(STORY_TEASERS + aside), "https://example.com/the-blog-home-page")
    assert page.kind == "index"


@pytest.mark.parametrize(
    "item",
    [
        '<div class="post"><header class="post-header"><h2><a href="/{slug}/">{title}</a></h2></header><p>{text}</p></div>',
        '<div class="item"><header><h2><a href="/{slug}/">{title}</a></h2></header><p>{text}</p></div>',
        '<section><header><h2><a href="/{slug}/">{title}</a></h2></header><p>{text}</p><footer><a href="/{slug}/">Read more</a></footer></section>',
    ],
)
def test_headers_and_footers_of_teasers_are_not_site_chrome(item):
    page_header = '<header class="site-header"><a href="/">Home</a><a href="/the-about-us-story-page/">The about us story page</a></header>'
    items = "".join(item.format(slug=f"teaser-number-{n}-here", title=f"Teaser number {n}", text="The text of the teaser.") for n in range(2))
    page = analyse_page(page_html(page_header + f"<div id='content'>{items}</div>"), "https://example.com/")
    assert urls(page.article_links) == [f"https://example.com/teaser-number-{n}-here/" for n in range(2)]


def test_drupal_view_listing():
    rows = "".join(
        f'<div class="views-row views-row-{n + 1} views-row-{"odd" if n % 2 == 0 else "even"}">'
        f'<div class="views-field views-field-title"><span class="field-content"><a href="/node/{100 + n}">Council news item {n}</a></span></div>'
        f'<div class="views-field views-field-body"><div class="field-content"><p>What the council decided about item {n} this week.</p></div></div>'
        f'<div class="views-field views-field-view-node"><span class="field-content"><a href="/node/{100 + n}">Read more</a></span></div></div>'
        for n in range(3)
    )
    pager = '<ul class="pager"><li class="pager-current">1</li><li class="pager-item"><a href="/news?page=1">2</a></li><li class="pager-next"><a href="/news?page=1">next ›</a></li></ul>'
    page = analyse_page(page_html(f'<div class="view-content">{rows}</div>{pager}'), "https://council.example/news")
    assert page.kind == "index"
    assert [(a.url, a.title, a.teaser) for a in page.article_links] == [
        (f"https://council.example/node/{100 + n}", f"Council news item {n}", f"What the council decided about item {n} this week.")
        for n in range(3)
    ]
    assert page.next_pages == ["https://council.example/news?page=1"]


def test_labels_inside_headings_are_not_part_of_titles():
    cards = "".join(
        f'<div class="card"><h3><a href="/news/storm-update-number-{n}"><span class="kicker">Live</span> Storm update {n}</a></h3></div>'
        for n in range(2)
    )
    page = analyse_page(page_html(cards), "https://example.com/news/")
    assert [a.title for a in page.article_links] == ["Storm update 0", "Storm update 1"]


def test_later_pages_of_other_articles_are_not_article_links():
    items = "".join(
        f'<li><a href="/essays/essay-number-{n}/">Essay number {n}</a> (<a href="/essays/essay-number-{n}/2/">continued on page two</a>)</li>'
        for n in range(2)
    )
    page = analyse_page(page_html(f"<ul>{items}</ul>"), "https://example.com/essays/")
    assert urls(page.article_links) == [f"https://example.com/essays/essay-number-{n}/" for n in range(2)]
