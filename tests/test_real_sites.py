"""Real sites: every article a site lists is archived, or the archive says why not.

Small sites written for these tests, served on 127.0.0.1 and crawled with the real CLI
(conftest.run_cli checks every crawl's page balance: pages fetched = archived + listing
pages read + pages in failures). What they pin down was learnt from real blogs:

* a canonical URL that fails, holds another text or names the home page never loses the
  page that declared it; one that holds the same text renames it;
* a post the site's listing presents as an article is archived even when it is short
  enough to look like no article to discovery; the same page reached only from another
  article's sidebar is recorded as not an article;
* dead links in article sidebars are recorded and summed up in one warning;
* ``--max-pages N`` fetches at most N pages, at any concurrency.
"""


import pytest

from archive_spider.discovery import pages as discovery
from archive_spider.extraction import extract_article

from .conftest import query, run_cli
from .sitekit import TestSite, html, paragraphs

pytestmark = pytest.mark.e2e

DEAD_LINKS = 12


def page(title: str, body: str, canonical: str | None = None, aside: str = "") -> str:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return (f"<!doctype html><html lang=en><head><title>{title} | Notes</title>{link}</head><body>"
            f'<header><a href="/">Notes</a></header><main><article><h1>{title}</h1>{body}</article></main>'
            f"<aside>{aside}</aside><footer><p>Notes, written by hand.</p></footer></body></html>")


def prose(seed: str, count: int = 4, words: int = 45) -> str:
    return "".join(f"<p>{p}</p>" for p in paragraphs(seed, count, words))


def teaser(path: str, title: str) -> str:
    return (f'<div class="post"><h2><a href="{path}">{title}</a></h2>'
            f'<p>{paragraphs("teaser" + path, 1, 20)[0]}</p><a href="{path}">Read more</a></div>')


def notes_site(base: str) -> dict:
    listed = {
        "/notes/long-one/": "The long one about the harbour",
        "/notes/a-short-note/": "A short note on the weir",
        "/notes/renamed/": "Renamed by its canonical link",
        "/notes/same-text/": "Same text under two addresses",
        "/notes/home-canonical/": "Canonical pointing at the home page",
    }
    sidebar = "<h3>Elsewhere</h3><ul>" + "".join(
        f'<li><a href="/gone-{n}/">A page that moved away number {n}</a></li>' for n in range(DEAD_LINKS)
    ) + '<li><a href="/notes/unlisted-short/">An unlisted short note on the mill</a></li></ul>'
    same = prose("same")
    return {
        "/": html('<!doctype html><html><head><title>Notes</title></head><body><nav><a href="/services/">Services'
                  '</a></nav><h1>Notes</h1>' + "".join(teaser(p, t) for p, t in listed.items()) + "</body></html>"),
        # a menu's page, as long as an article: no listing lists it
        "/services/": html(page("Services", prose("services"))),
        "/notes/long-one/": html(page(listed["/notes/long-one/"], prose("long"), aside=sidebar)),
        # 44 words with no sidebar: too little to look like an article to discovery
        "/notes/a-short-note/": html(page(listed["/notes/a-short-note/"], prose("short", 1, 40))),
        "/notes/unlisted-short/": html(page("An unlisted short note on the mill", prose("unlisted", 1, 40))),
        "/notes/renamed/": html(page(listed["/notes/renamed/"], prose("renamed"), f"{base}/notes/renamed-canonical/")),
        "/notes/same-text/": html(page(listed["/notes/same-text/"], same, f"{base}/notes/same-text-canonical/")),
        "/notes/same-text-canonical/": html(page(listed["/notes/same-text/"], same)),
        "/notes/home-canonical/": html(page(listed["/notes/home-canonical/"], prose("home"), f"{base}/")),
    }


@pytest.fixture(scope="module")
def notes(tmp_path_factory):
    with TestSite(notes_site) as site:
        db_path = str(tmp_path_factory.mktemp("notes") / "archive.db")
        first = run_cli("crawl", site.url + "/", "--db", db_path, "--concurrency", "8")
        fetched_first = list(site.fetched())
        second = run_cli("crawl", site.url + "/", "--db", db_path, "--concurrency", "8")
        yield site, db_path, first, second, fetched_first, site.fetched()[len(fetched_first):]


def archived(db_path) -> dict[str, str | None]:
    return {url.split("/", 3)[3]: canonical for url, canonical in query(db_path, "select url, canonical_url from articles")}


def failures(db_path, crawl_id: int = 1) -> dict[str, str]:
    return {url.split("/", 3)[3]: reason
            for url, reason in query(db_path, "select url, reason from failures where crawl_id = ?", [crawl_id])}


def test_every_listed_article_archived_once(notes):
    site, db_path, first, *_ = notes
    assert first.returncode == 0, first.stderr[-2000:]
    assert set(archived(db_path)) == {
        "notes/long-one/", "notes/a-short-note/", "notes/renamed/", "notes/same-text-canonical/",
        "notes/home-canonical/",
    }


def test_a_canonical_url_that_fails_does_not_lose_the_page(notes):
    site, db_path, *_ = notes
    rows = archived(db_path)
    # archived under its own URL, the canonical kept as the page declared it
    assert rows["notes/renamed/"] == f"{site.url}/notes/renamed-canonical/"
    assert failures(db_path)["notes/renamed-canonical/"] == "http-error"


def test_a_canonical_url_with_the_same_text_renames_the_page(notes):
    site, db_path, *_ = notes
    assert failures(db_path)["notes/same-text/"] == "canonical:archived-as"


def test_a_canonical_naming_the_home_page_is_ignored(notes):
    site, db_path, *_ = notes
    assert archived(db_path)["notes/home-canonical/"] == f"{site.url}/"


def test_an_unlisted_page_that_looks_like_no_article_is_recorded(notes):
    site, db_path, *_ = notes
    assert failures(db_path)["notes/unlisted-short/"] == "not-article:other"


def test_a_menu_page_that_no_listing_lists_is_not_an_article(notes):
    site, db_path, *_ = notes
    assert "/services/" in site.fetched()
    assert failures(db_path)["services/"] == "not-article:other"


def test_dead_links_are_recorded_and_summed_up_in_one_warning(notes):
    site, db_path, first, *_ = notes
    reasons = failures(db_path)
    assert sum(1 for path, reason in reasons.items() if path.startswith("gone-") and reason == "http-error") == DEAD_LINKS
    assert "gone-" not in first.stderr
    # the dead sidebar links and the canonical URL that answered 404
    assert f"{DEAD_LINKS + 1} links answered 404 or 410: see failures" in first.stderr
    assert len([line for line in first.stderr.splitlines() if "WARNING" in line]) == 1, first.stderr


def test_summary_line_shows_the_page_balance(notes):
    site, db_path, first, *_ = notes
    pages, archived_pages, listing, failed = query(
        db_path, "select pages, pages_archived, pages_listing, pages_failed from crawls where id = 1")[0]
    assert (archived_pages, listing) == (5, 1)
    assert failed == DEAD_LINKS + 4  # dead links, the 404 canonical, the unlisted note, the renamed copy, services
    assert f"{pages} pages = 5 archived + 1 listing + {failed} in failures" in first.stdout + first.stderr


def test_a_rerun_asks_again_for_no_archived_page_nor_failed_canonical(notes):
    site, db_path, first, second, _, fetched_again = notes
    assert second.returncode == 0, second.stderr[-2000:]
    for path in ("/notes/renamed/", "/notes/renamed-canonical/", "/notes/a-short-note/", "/notes/home-canonical/",
                 "/notes/same-text/", "/notes/same-text-canonical/"):
        assert path not in fetched_again


def test_max_pages_is_exact_at_any_concurrency(tmp_path):
    def build(base):
        pages = {"/": html("<html><head><title>Many</title></head><body><h1>Many</h1>"
                           + "".join(teaser(f"/notes/n-{n}/", f"Note number {n} of many") for n in range(40))
                           + "</body></html>")}
        for n in range(40):
            pages[f"/notes/n-{n}/"] = html(page(f"Note number {n} of many", prose(f"n{n}")))
        return pages

    with TestSite(build) as site:
        for cap in (1, 3, 10):
            before = len(site.requests)
            result = run_cli("crawl", site.url + "/", "--db", tmp_path / f"cap{cap}.db", "--max-pages", cap,
                             "--concurrency", "16")
            assert result.returncode == 0, result.stderr[-2000:]
            pages = [path for _, path, _ in site.requests[before:] if path != "/robots.txt"]
            assert len(pages) == cap, pages
            assert query(tmp_path / f"cap{cap}.db", "select status from crawls")[0][0] == "limit"


# --- pages, offline --------------------------------------------------------------------


def test_escaped_markup_in_title_is_read_as_text_and_the_h1_wins():
    body = prose("title")
    doc = ("<html><head><title>Multiprocessing and &lt;code&gt;random()&lt;/code&gt; | Blog</title></head>"
           f"<body><article><h1>Multiprocessing and random()</h1>{body}</article></body></html>")
    assert extract_article(doc, url="https://blog.example/mp/").title == "Multiprocessing and random()"
    # text that only looks like markup stays, as the visible h1 shows it
    doc = ('<html><head><meta property="og:title" content="Cannot destroy \'<Share Name>\': busy"></head>'
           f"<body><article><h1>Cannot destroy '&lt;Share Name&gt;': busy</h1>{body}</article></body></html>")
    assert extract_article(doc, url="https://blog.example/zfs/").title == "Cannot destroy '<Share Name>': busy"


def test_cards_with_an_empty_overlay_link_are_teasers():
    cards = "".join(
        f'<article class="post-entry"><header><h2>Post number {n} on the quay</h2></header>'
        f"<div><p>{paragraphs(str(n), 1, 40)[0]}</p></div>"
        f'<a class="entry-link" aria-label="post link to Post number {n}" href="/2024/0{n + 1}/post-{n}/"></a></article>'
        for n in range(4))
    analysis = discovery.analyse_page(f"<html><body><main>{cards}</main></body></html>", "https://blog.example/")
    assert analysis.kind == "index"
    assert [(a.url, a.title) for a in analysis.article_links] == [
        (f"https://blog.example/2024/0{n + 1}/post-{n}/", f"Post number {n} on the quay") for n in range(4)]


def test_read_more_leads_to_an_article_with_a_one_word_slug():
    posts = "".join(
        f'<article class="post"><h2><a href="/{slug}/">The tool called {slug} for images</a></h2>'
        f'<p>{paragraphs(slug, 1, 30)[0]} <a class="read-more" href="/{slug}/">&raquo;</a></p></article>'
        for slug in ("winspector", "joining-docker", "buster"))
    analysis = discovery.analyse_page(f"<html><body><main>{posts}</main></body></html>", "https://blog.example/page/2/")
    assert [a.url for a in analysis.article_links] == [
        f"https://blog.example/{slug}/" for slug in ("winspector", "joining-docker", "buster")]
    assert analysis.next_pages == []  # the "»" that ends an excerpt is no "next page"


# --- scope ------------------------------------------------------------------------------


def directory_site(base: str) -> dict:
    """A /blog/ folder whose posts link widely outside it, as real article pages do."""
    listed = {"/blog/first-post/": "The first post of the blog", "/blog/second-post/": "The second post of the blog",
              "/2024/05/a-post-filed-elsewhere/": "A post the blog lists from elsewhere"}
    elsewhere = {f"/news/story-{n}/": f"A news story from the other section {n}" for n in range(5)}
    aside = "<h3>Popular</h3><ul>" + "".join(f'<li><a href="{p}">{t}</a></li>' for p, t in elsewhere.items()) + \
        '<li><a href="/about/">About the whole site</a></li></ul>'
    pages = {
        "/": html("<html><head><title>Site</title></head><body><h1>Site</h1>"
                  + "".join(teaser(p, t) for p, t in elsewhere.items()) + "</body></html>"),
        "/blog/": html("<html><head><title>Blog</title></head><body><h1>Blog</h1>"
                       + "".join(teaser(p, t) for p, t in listed.items()) + "</body></html>"),
        "/about/": html(page("About the whole site", prose("about", 1, 30))),
    }
    for path, title in {**listed, **elsewhere}.items():
        pages[path] = html(page(title, prose(path), aside=aside))
    return pages


def test_a_directory_crawl_stays_within_what_its_listing_reaches(tmp_path):
    with TestSite(directory_site) as site:
        result = run_cli("crawl", site.url + "/blog/", "--db", tmp_path / "prefix.db", "--concurrency", "8")
        assert result.returncode == 0, result.stderr[-2000:]
        assert set(site.fetched()) == {"/robots.txt", "/blog/", "/blog/first-post/", "/blog/second-post/",
                                       "/2024/05/a-post-filed-elsewhere/"}
        assert set(archived(tmp_path / "prefix.db")) == {
            "blog/first-post/", "blog/second-post/", "2024/05/a-post-filed-elsewhere/"}

        before = len(site.requests)
        result = run_cli("crawl", site.url + "/blog/", "--db", tmp_path / "host.db", "--concurrency", "8",
                         "--scope", "host")
        assert result.returncode == 0, result.stderr[-2000:]
        fetched = {path for _, path, _ in site.requests[before:]}
        assert {f"/news/story-{n}/" for n in range(5)} <= fetched  # the sidebars, followed


def test_scope_per_site_in_sites_toml(tmp_path):
    with TestSite(directory_site) as site:
        config = tmp_path / "sites.toml"
        config.write_text(f'[sites.blog]\nstart_urls = ["{site.url}/blog/"]\nscope = "host"\n')
        result = run_cli("crawl", "--config", config, "--db", tmp_path / "a.db", "--concurrency", "8")
        assert result.returncode == 0, result.stderr[-2000:]
        assert "/news/story-0/" in site.fetched()
        config.write_text(f'[sites.blog]\nstart_urls = ["{site.url}/blog/"]\nscope = "folder"\n')
        result = run_cli("crawl", "--config", config, "--db", tmp_path / "b.db")
        assert result.returncode == 2
        assert "scope: must be one of prefix, host, not 'folder'" in result.stderr


def test_a_page_waiting_for_a_canonical_url_that_ends_unseen_is_archived(tmp_path):
    """The canonical URL is asked for as the listing's next page (no errback of the
    spider's) and answers 404: at the end the page is archived under its own URL."""
    def build(base):
        return {
            "/": html(f'<html><head><title>Notes</title><link rel="next" href="{base}/notes/target/"></head>'
                      f'<body><h1>Notes</h1>{teaser("/notes/alias/", "A note under an alias")}'
                      f'{teaser("/notes/other/", "Another note on the quay")}</body></html>'),
            "/notes/alias/": html(page("A note under an alias", prose("alias"), f"{base}/notes/target/")),
            "/notes/other/": html(page("Another note on the quay", prose("other"))),
        }

    with TestSite(build) as site:
        result = run_cli("crawl", site.url + "/", "--db", tmp_path / "a.db", "--concurrency", "8")
        assert result.returncode == 0, result.stderr[-2000:]
        assert "/notes/target/" in site.fetched()
        assert archived(tmp_path / "a.db") == {"notes/alias/": f"{site.url}/notes/target/", "notes/other/": None}
