"""One parse per page in the worker: discovery and extraction share extraction's tree,
and give exactly what each gives on its own."""

from dataclasses import asdict
from pathlib import Path

import pytest

from archive_spider import workers
from archive_spider.discovery import pages as discovery
from archive_spider.demo.templates import build_site
from archive_spider.extraction import extract_article

TESTS = Path(__file__).parent
SHIPPED = sorted((TESTS / "sites").glob("*/*.html")) + sorted((TESTS / "pages").glob("*.html"))

PROSE = ("<p>The river rose through the night and by morning the lower town stood in water. "
         "Boats went from door to door, and the bakers handed bread out of upstairs windows "
         "to whoever rowed past, as their grandparents had done in the flood of their day.</p>")
# comments and processing instructions inside link texts and between teaser blocks,
# a JSON-LD date (extraction reads the script discovery drops), an XML declaration
TRICKY = f"""<?xml version="1.0" encoding="utf-8"?>
<html><head><title>When the river rose</title><?php echo 1; ?>
<script type="application/ld+json">{{"@type": "NewsArticle", "headline": "When the river rose",
 "datePublished": "2024-03-09T08:00:00Z", "author": {{"name": "Ada Brook"}}}}</script></head>
<body><!-- header --><nav><a href="/">Home</a><!-- x --><a href="/news/">News</a></nav>
<article><h1>When<!-- a --> the river rose</h1>{PROSE}<!-- ad slot -->{PROSE}{PROSE}
<p>Read <!-- tracking -->also <a href="/2024/03/the-bridge-held/">The bridge<!-- b --> held</a></p></article>
<aside><ul><li><!-- card --><h3><a href="/2024/03/dry-summer/">A dry summer</a></h3><p>Wells ran low.</p></li>
<li><h3><a href="/2024/03/the-ferry/">The<?pi x?> ferry</a></h3><!-- c --><p>It runs again.</p></li></ul></aside>
</body></html>"""


def url_of(path: Path) -> str:
    return f"https://{path.parent.name}.example/{path.stem}/"


def shipped_pages():
    pages = [(url_of(path), path.read_text(encoding="utf-8")) for path in SHIPPED]
    site = build_site(base_url="http://127.0.0.1:9")
    demo = [("http://127.0.0.1:9" + path, page.body.decode("utf-8")) for path, page in sorted(site.items())
            if page.body.lstrip()[:1] == b"<"]
    return pages + demo[:40] + [("https://river.example/2024/03/when-the-river-rose/", TRICKY)]


def host(url: str) -> list[str]:
    return [url.split("/")[2]]


@pytest.fixture
def parses(monkeypatch):
    """Counts the pages discovery parses by itself."""
    calls = []
    original = discovery.parse_html

    def counting(html):
        calls.append(html)
        return original(html)

    monkeypatch.setattr(discovery, "parse_html", counting)
    return calls


def test_shared_parse_gives_what_each_gives_alone():
    pages = shipped_pages()
    assert len(pages) > 50
    articles = 0
    for url, html in pages:
        result = workers.process_page(url, html, host(url), extract=("The river rose", None))
        alone = discovery.analyse_page(html, url, host(url))
        assert asdict(result.analysis) == asdict(alone), url
        if result.article is not None:
            articles += 1
            assert result.article.to_dict() == extract_article(html, url=url, teaser="The river rose").to_dict(), url
    assert articles >= 10


def test_tricky_page_is_parsed_once_and_read_in_full(parses):
    url = "https://river.example/2024/03/when-the-river-rose/"
    result = workers.process_page(url, TRICKY, host(url), extract=(None, None))
    assert parses == []  # discovery worked on extraction's tree
    assert result.analysis.kind == "article"
    # discovery's copy lost its scripts; extraction's tree did not
    assert result.article.published and result.article.published.startswith("2024-03-09")
    assert result.article.author == "Ada Brook"
    titles = {link.title for link in result.analysis.article_links}
    assert {"A dry summer", "The ferry"} <= titles
    assert asdict(result.analysis) == asdict(discovery.analyse_page(TRICKY, url, host(url)))


def test_page_extraction_reads_differently_is_parsed_by_discovery_itself(parses):
    # a control character, which extraction's loader removes before parsing: the two
    # readings of the page differ, so discovery parses the page as it always has
    url = "https://river.example/2024/03/when-the-river-rose/"
    html = TRICKY.replace("Wells ran low.", "Wells\x07 ran low.")
    result = workers.process_page(url, html, host(url), extract=(None, None))
    assert len(parses) == 1
    assert result.article is not None and result.article.author == "Ada Brook"
    assert asdict(result.analysis) == asdict(discovery.analyse_page(html, url, host(url)))


def test_discovery_alone_parses_as_before(parses):
    url = "https://river.example/"
    result = workers.process_page(url, TRICKY, host(url))
    assert len(parses) == 1 and result.article is None


def test_comments_in_extractions_tree_do_not_reach_discovery(parses):
    # "Title<br>teaser" rows: the title stands alone on its line only if discovery sees
    # the <br> right after it, as it does in the tree it parses without comments
    rows = "".join(f'<div class="row"><a href="/2024/03/story-{i}/">Story number {i} of the week</a><!-- c --><br>'
                   f"A teaser about story {i}, told in a few more words than the title has.</div>" for i in range(4))
    html = f"<html><body><main><h1>Latest</h1>{rows}</main></body></html>"
    url = "https://river.example/latest/"
    result = workers.process_page(url, html, host(url), extract=(None, None))
    assert parses == []
    assert result.analysis.kind == "index"
    assert [link.url for link in result.analysis.article_links] == [
        f"https://river.example/2024/03/story-{i}/" for i in range(4)]
    assert asdict(result.analysis) == asdict(discovery.analyse_page(html, url, host(url)))
