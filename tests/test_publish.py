"""The published archive, tested in-process through Datasette's own client.

Each test builds a small archive in tmp_path with writes.store_articles and publishes it
with publish.build_datasette, exactly as `archive-spider serve` does.
"""

import functools
import importlib.util
import shutil
import sqlite3
import subprocess
import sys
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive_spider import publish
from archive_spider.archive import export
from archive_spider.archive import schema, writes

HOSTILE_HTML = (
    '<p>Before the trap.</p>'
    '<script>window.pwned = 1</script>'
    '<img src="x.png" onerror="window.pwned = 2">'
    '<a href="javascript:window.pwned=3">a javascript link</a>'
    '<iframe src="https://evil.example/"></iframe>'
    '<p style="color:red" onclick="window.pwned=4">After the trap.</p>'
)

ARTICLES = [
    {
        "url": "https://news.example/2024/05/crawling-politely",
        "title": "Crawling politely at scale",
        "author": "Ada Lovelace",
        "published": "2024-05-02",
        "lang": "en",
        "word_count": 420,
        "summary": "How to crawl without hurting anyone.",
        "text": "Crawlers should respect robots.txt.\n\nThey should slow down when a server struggles.",
        "html": "<p>Crawlers should respect <code>robots.txt</code>.</p>"
                "<p>They should slow down when a server struggles.</p>"
                '<p><img src="/img/snail.png" alt="a snail"></p>',
    },
    {
        "url": "https://news.example/2023/11/sqlite-everywhere",
        "title": "SQLite everywhere",
        "author": "Grace Hopper",
        "published": "2023-11-20",
        "lang": "en",
        "word_count": 300,
        "text": "One file holds the whole archive.\n\nSearch is built in.",
        "html": "<p>One file holds the whole archive.</p><p>Search is built in.</p>",
    },
    {
        "url": "https://blog.example/posts/hostile",
        "title": "A page with <script>alert('title')</script> in its title",
        "author": "<b>Mallory</b>",
        "published": "2024-01-09",
        "lang": "en",
        "word_count": 12,
        "text": "Before the trap. <script>alert(1)</script> After the trap.",
        "html": HOSTILE_HTML,
        "extraction_warnings": ["no date in the page"],
    },
    {
        "url": "https://blog.example/posts/untitled",
        "title": None,
        "author": None,
        "published": None,
        "lang": "de",
        "word_count": 8,
        "text": "Ein sehr kurzer Text ohne Titel, der crawling erwähnt.",
        "html": None,
    },
]


def make_archive(path, articles=ARTICLES):
    """An archive file at ``path`` holding ``articles`` and one finished crawl."""
    db = schema.open_db(path)
    crawl_id = writes.start_crawl(db, ["https://news.example/"])
    writes.store_articles(db, articles, crawl_id=crawl_id, now="2024-06-01T10:00:00+00:00")
    writes.finish_crawl(db, crawl_id, "finished", {"requests": 9, "new": len(articles)})
    db.close()
    return path


@pytest.fixture
def archive_path(tmp_path):
    return make_archive(tmp_path / "some-name.db")


@pytest.fixture
def ds(archive_path):
    return publish.build_datasette(archive_path)


def article_id(path, url):
    db = schema.open_db(path)
    try:
        return db.execute("select id from articles where url = ?", [url]).fetchone()[0]
    finally:
        db.close()


async def test_home_page_offers_search_and_ways_in(ds):
    response = await ds.client.get("/")
    assert response.status_code == 200
    assert 'action="/archive/search"' in response.text
    assert "Latest articles" in response.text
    assert "Crawl history" in response.text


async def test_metadata_applies_whatever_the_file_is_called(ds):
    response = await ds.client.get("/archive/articles.json?_shape=objects&_size=1&_extra=facet_results")
    data = response.json()
    assert response.status_code == 200
    # Sorted by published date, newest first.
    assert data["rows"][0]["title"] == "Crawling politely at scale"
    facets = data["facet_results"]
    assert set(facets) >= {"site", "author", "lang", "year"}
    years = {item["value"]: item["count"] for item in facets["year"]["results"]}
    assert years == {2024: 2, 2023: 1}


async def test_table_page_is_a_readable_list_whose_exports_keep_every_column(ds):
    import re

    page = await ds.client.get("/archive/articles?site=news.example")
    assert page.status_code == 200  # no redirect: the address stays the visitor's
    assert page.text.count('<li class="article">') == 2
    assert "Crawling politely at scale" in page.text and "How to crawl without hurting anyone." in page.text
    assert "_nocol" not in page.text.split("</head>")[0]  # the alternate JSON link too
    body = page.text.split("What each column holds")[0].split("</head>")[1]
    assert "<title>Articles · archive</title>" in page.text
    # The plugin's additions (no heavy columns, no copies) show nowhere: no phantom filter.
    assert "duplicate_of" not in body and "_nocol" not in body
    assert "✕ site: news.example" in body
    links = dict(re.findall(r'<a href="([^"]+)">(json|CSV)</a>', body))
    assert set(links.values()) == {"json", "CSV"}
    for link in links:
        export = await ds.client.get(link.replace("&amp;", "&"))
        assert export.status_code == 200
        if link.startswith("/archive/articles.json"):
            rows = export.json()["rows"]
            assert len(rows) == 2 and all(len(row) > 20 for row in rows)
            columns = export.json()["columns"]
        else:
            columns = export.text.splitlines()[0].split(",")
        assert "text" in columns and "html" in columns
    # The column descriptions are folded away; Datasette's own table is one click off.
    assert "<details class=\"columns\">" in page.text
    table = await ds.client.get("/archive/articles?site=news.example&_view=table")
    assert table.status_code == 302 and "_nocol=text" in table.headers["location"]
    shown = await ds.client.get(table.headers["location"])
    assert 'data-column="title"' in shown.text and 'data-column="html"' not in shown.text


async def test_sorting_by_published_goes_through_the_unique_key(ds):
    response = await ds.client.get("/archive/articles.csv?_sort_desc=published&_stream=on")
    assert response.status_code == 302
    assert response.headers["location"] == "/archive/articles.csv?_sort_desc=newest_first&_stream=on"
    ascending = await ds.client.get("/archive/articles.json?_sort=published")
    assert ascending.headers["location"] == "/archive/articles.json?_sort=newest_first"


async def test_table_search_finds_stemmed_words(ds):
    page = await ds.client.get("/archive/articles?_search=crawl")
    assert "Crawling politely at scale" in page.text and "matching “crawl”" in page.text


async def test_canned_search_ranks_titles_first_with_snippets(ds):
    data = (await ds.client.get("/archive/search.json?q=crawling&_shape=objects")).json()
    titles = [row["title"] for row in data["rows"]]
    # The title match ranks above a passing mention in a text.
    assert titles[0] == "Crawling politely at scale"
    assert None in titles
    assert all("<mark>" in row["snippet"] for row in data["rows"])


async def test_canned_search_survives_awkward_input(ds):
    for q in ['C++', '"unbalanced', "AND OR NOT", "", "robots.txt -x:y"]:
        response = await ds.client.get("/archive/search.json", params={"q": q})
        assert response.status_code == 200, (q, response.text)


async def test_search_page_escapes_snippets_but_keeps_highlights(ds):
    page = await ds.client.get("/archive/search", params={"q": "trap"})
    assert page.status_code == 200
    assert "<mark>trap</mark>" in page.text
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    # Titles link to the article page.
    hostile_id = page.text.split('href="/archive/articles/')[1].split('"')[0]
    assert hostile_id.isdigit()


async def test_canned_search_takes_phrases_prefixes_and_or(ds):
    async def found(q):
        response = await ds.client.get("/archive/search.json", params={"q": q, "_shape": "objects"})
        assert response.status_code == 200, (q, response.text)
        return {row["title"] for row in response.json()["rows"]}

    assert await found('"whole archive"') == {"SQLite everywhere"}
    assert await found('"archive whole"') == set()
    assert await found("crawl*") == {"Crawling politely at scale", None}
    assert await found("sq*") == {"SQLite everywhere"}
    assert await found("sqlite OR robots") == {"SQLite everywhere", "Crawling politely at scale"}
    # OR binds the words either side of it; the other words are still all required.
    assert await found("sqlite OR robots server") == {"Crawling politely at scale"}
    # Without its capitals, or at either end, or is only a word.
    assert await found("sqlite or robots") == set()
    assert await found("OR sqlite OR") == {"SQLite everywhere"}


@functools.cache
def plugin():
    """db/plugins/archive_pages.py as a module (Datasette loads it by path, not by name)."""
    spec = importlib.util.spec_from_file_location("archive_pages_under_test",
                                                  publish.REPO_DB_DIR / "plugins" / "archive_pages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("typed, query", [
    ("river flood", '"river" AND "flood"'),
    ('"river flood" dam', '"river flood" AND "dam"'),
    ("crawl*", '"crawl"*'),
    ("river OR lake flood", '("river" OR "lake") AND "flood"'),
    ('a OR "b c" OR d*', '("a" OR "b c" OR "d"*)'),
    ("AND NOT near", '"AND" AND "NOT" AND "near"'),
    ('C++ "unbalanced', '"C++" AND "unbalanced"'),
    ("OR", '""'),
    ("* -- ::", '""'),
    ("", '""'),
])
def test_search_syntax(typed, query):
    assert plugin().fts_query(typed) == query
    assert export.search_query(typed) == query


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab é"*():^-+.OR NDT\t')), max_size=30))
def test_any_search_parses_and_export_reads_it_as_the_search_page(typed):
    query = plugin().fts_query(typed)
    assert export.search_query(typed) == query
    conn = sqlite3.connect(":memory:")
    conn.execute("create virtual table t using fts5 (title, text, tokenize='porter', prefix='2 3')")
    conn.execute("insert into t values ('a b', 'é or and')")
    conn.execute("select count(*) from t where t match ?", [query]).fetchone()  # must not raise


def many_articles():
    """120 articles that all mention rivers, in various amounts and places, and a copy
    of each of the ten that mention them most."""
    articles = []
    for n in range(120):
        title = f"Rivers of place {n}" if n % 7 == 0 else f"Place {n}"
        text = " ".join(["rivers"] * (1 + n % 5) + ["and fields"] * (n % 11) + ["of water"] * (n % 3))
        articles.append({"url": f"https://rivers.example/{n}", "title": title, "text": text,
                         "published": f"2024-01-{1 + n % 28:02d}", "word_count": len(text.split())})
    copies = [dict(a, url=a["url"] + "-copy") for a in articles[:: 12]]
    return articles + copies


async def test_canned_search_gives_the_best_100_of_many_without_copies(tmp_path):
    path = make_archive(tmp_path / "archive.db", many_articles())
    ds = publish.build_datasette(path)
    rows = (await ds.client.get("/archive/search.json?q=rivers&_shape=objects")).json()["rows"]
    # The plain way: rank every match, then drop the copies, then take the first 100.
    db = schema.open_db(path)
    expected = [row[0] for row in db.execute(
        "select articles.id from articles_fts join articles on articles.id = articles_fts.rowid "
        "where articles_fts match 'rivers' and articles.duplicate_of is null "
        "order by bm25(articles_fts, 10.0, 1.0), articles.id limit 100")]
    copies = {row[0] for row in db.execute("select id from articles where duplicate_of is not null")}
    db.close()
    assert len(copies) == 10
    assert [row["article_id"] for row in rows] == expected
    assert not copies & {row["article_id"] for row in rows}
    # Headlines first, and every result has its snippet.
    assert rows[0]["title"].startswith("Rivers of place")
    assert all("<mark>rivers</mark>" in row["snippet"].lower() for row in rows)


@pytest.mark.parametrize("query", [
    "latest", "feed", "per_site_per_month", "duplicates", "suspect_extractions", "crawl_history",
])
async def test_every_canned_query_runs(ds, query):
    response = await ds.client.get(f"/archive/{query}.json?_shape=objects")
    assert response.status_code == 200, response.text
    page = await ds.client.get(f"/archive/{query}")
    assert page.status_code == 200


async def test_canned_queries_find_what_they_say(ds, archive_path):
    latest = (await ds.client.get("/archive/latest.json?_shape=objects")).json()["rows"]
    # Undated articles count as published when first seen (here 2024-06-01).
    assert [r["published"] for r in latest] == [None, "2024-05-02", "2024-01-09", "2023-11-20"]

    per_month = (await ds.client.get("/archive/per_site_per_month.json?_shape=objects")).json()["rows"]
    assert {"site": "news.example", "month": "2024-05", "articles": 1, "words": 420} in per_month

    suspect = (await ds.client.get("/archive/suspect_extractions.json?_shape=objects")).json()["rows"]
    problems = {r["url"]: r["problems"] for r in suspect}
    assert problems["https://blog.example/posts/untitled"] == "no title; short text"
    assert problems["https://blog.example/posts/hostile"] == "short text; extraction warnings"
    assert "https://news.example/2024/05/crawling-politely" not in problems
    stricter = (await ds.client.get("/archive/suspect_extractions.json?_shape=objects&min_words=350")).json()["rows"]
    assert "https://news.example/2023/11/sqlite-everywhere" in {r["url"] for r in stricter}

    crawls = (await ds.client.get("/archive/crawl_history.json?_shape=objects")).json()["rows"]
    assert crawls[0]["status"] == "finished" and crawls[0]["new"] == len(ARTICLES)


async def test_duplicates_are_listed_with_their_original_and_hidden_elsewhere(tmp_path):
    twin = dict(ARTICLES[1], url="https://mirror.example/sqlite-everywhere")
    retitled = dict(ARTICLES[0], url="https://news.example/2024/06/crawling-politely-again",
                    text="A different text under the same headline.")
    path = make_archive(tmp_path / "archive.db", ARTICLES + [twin, retitled])
    ds = publish.build_datasette(path)
    rows = (await ds.client.get("/archive/duplicates.json?_shape=objects")).json()["rows"]
    reasons = {(r["reason"], r["url"]) for r in rows}
    assert ("copy of an earlier article", "https://mirror.example/sqlite-everywhere") in reasons
    copy = next(r for r in rows if r["url"] == "https://mirror.example/sqlite-everywhere")
    assert copy["original_url"] == ARTICLES[1]["url"]
    assert ("same title on one site", ARTICLES[0]["url"]) in reasons
    assert len(rows) == 3
    # The copy is kept, but the table page, search and the latest list leave it out.
    page = (await ds.client.get("/archive/articles")).text
    assert "<strong>5</strong> articles" in page and "mirror.example" not in page
    copies = (await ds.client.get("/archive/articles?_duplicates=1")).text
    assert "<strong>6</strong> articles" in copies and "mirror.example" in copies
    everything = (await ds.client.get("/archive/articles.json?_shape=array&_size=max")).json()
    assert "https://mirror.example/sqlite-everywhere" in {r["url"] for r in everything}
    latest = (await ds.client.get("/archive/latest.json?_shape=array")).json()
    assert "https://mirror.example/sqlite-everywhere" not in {r["url"] for r in latest}
    found = (await ds.client.get("/archive/search.json?_shape=array&q=sqlite")).json()
    assert len(found) == len({r["article_id"] for r in found}) and found


async def test_revisions_query_by_id_or_url(tmp_path):
    path = make_archive(tmp_path / "archive.db")
    db = schema.open_db(path)
    changed = dict(ARTICLES[1], text="One file holds the whole archive, and its history.")
    writes.store_articles(db, [changed], now="2024-07-01T10:00:00+00:00")
    db.close()
    ds = publish.build_datasette(path)
    pk = article_id(path, ARTICLES[1]["url"])
    for article in (str(pk), ARTICLES[1]["url"]):
        rows = (await ds.client.get("/archive/article_revisions.json",
                                    params={"article": article, "_shape": "objects"})).json()["rows"]
        assert [r["captured"][:10] for r in rows] == ["2024-06-01", "2024-07-01"]
        assert rows[1]["words_changed"] > 0


async def test_the_revisions_table_is_not_shadowed_by_a_query(ds):
    table = (await ds.client.get("/archive/revisions.json?_shape=objects")).json()
    assert table.get("table") == "revisions" and len(table["rows"]) == len(ARTICLES)


async def test_crawl_history_shows_304s_and_duplicates(tmp_path):
    path = make_archive(tmp_path / "archive.db")
    db = schema.open_db(path)
    rerun = writes.start_crawl(db, ["https://news.example/"])
    writes.finish_crawl(db, rerun, "ok", {"requests": 5, "not_modified": 4, "duplicates": 1})
    db.close()
    ds = publish.build_datasette(path)
    rows = (await ds.client.get("/archive/crawl_history.json?_shape=objects")).json()["rows"]
    assert (rows[0]["not_modified"], rows[0]["duplicates"], rows[0]["new"]) == (4, 1, 0)


async def test_article_page_reads_like_an_article(ds, archive_path):
    pk = article_id(archive_path, ARTICLES[0]["url"])
    page = await ds.client.get(f"/archive/articles/{pk}")
    assert page.status_code == 200
    html = page.text
    assert '<h1 class="headline">Crawling politely at scale</h1>' in html
    assert '<span class="author">Ada Lovelace</span>' in html
    assert '<time class="published" datetime="2024-05-02">2024-05-02</time>' in html
    assert 'href="https://news.example/2024/05/crawling-politely"' in html
    assert "<p>Crawlers should respect <code>robots.txt</code>.</p>" in html
    # Relative images resolve against the article's own address.
    assert 'src="https://news.example/img/snail.png"' in html
    assert "Revisions" in html and "2024-06-01T10:00:00+00:00" in html
    assert page.headers["content-security-policy"].startswith("default-src 'self'; script-src 'self'")


async def test_article_page_renders_only_sanitised_html_and_escapes_the_rest(ds, archive_path):
    pk = article_id(archive_path, "https://blog.example/posts/hostile")
    html = (await ds.client.get(f"/archive/articles/{pk}")).text
    body = html.split('<div class="article-body">')[1].split("</div>")[0]
    assert "<p>Before the trap.</p>" in body
    for bad in ("<script", "onerror", "onclick", "javascript:", "<iframe", "style="):
        assert bad not in body, bad
    # Title, author and the plain text elsewhere on the page are escaped, never markup.
    assert "<script>alert('title')</script>" not in html
    assert "A page with &lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; in its title" in html
    assert "&lt;b&gt;Mallory&lt;/b&gt;" in html


async def test_article_without_html_shows_its_text_escaped(ds, archive_path):
    pk = article_id(archive_path, "https://blog.example/posts/untitled")
    html = (await ds.client.get(f"/archive/articles/{pk}")).text
    assert "Untitled article" in html
    assert "<p>Ein sehr kurzer Text ohne Titel, der crawling erwähnt.</p>" in html


async def test_publication_is_read_only(ds, archive_path):
    before = schema.open_db(archive_path)["articles"].count
    attempts = [
        ds.client.get("/archive.json", params={"sql": "delete from articles"}),
        ds.client.post("/archive", data={"sql": "delete from articles"}),
        ds.client.post("/archive/search", data={"q": "x"}),
        ds.client.get("/archive.json", params={"sql": "select 1; delete from articles"}),
        ds.client.get("/archive.json", params={"sql": "attach database ':memory:' as x"}),
    ]
    for attempt in attempts:
        response = await attempt
        assert response.status_code in (400, 405), response.text
    for method in ("post", "put", "delete", "patch"):
        response = await ds.client.request(method, "/archive/articles/1", data={"title": "x"})
        assert response.status_code == 405
    assert schema.open_db(archive_path)["articles"].count == before
    settings = (await ds.client.get("/-/settings.json")).json()
    assert settings["sql_time_limit_ms"] == 3000


async def test_slow_sql_is_cut_off(ds):
    slow = ("with recursive n(i) as (select 1 union all select i + 1 from n) "
            "select count(*) from n")
    response = await ds.client.get("/archive.json", params={"sql": slow})
    assert response.status_code == 400
    assert "time limit" in response.text.lower() or "interrupted" in response.text.lower()


async def test_immutable_publication_sees_committed_articles(archive_path):
    publish.checkpoint(archive_path)
    ds = publish.build_datasette(archive_path, immutable=True)
    rows = (await ds.client.get("/archive/articles.json?_shape=array")).json()
    assert len(rows) == len(ARTICLES)
    assert not ds.get_database("archive").is_mutable


async def test_exports_from_the_browser(ds):
    csv_text = (await ds.client.get("/archive/articles.csv?_stream=on&_size=max")).text
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("id,url,")
    assert len([line for line in lines if "://" in line]) >= len(ARTICLES)
    query_csv = await ds.client.get("/archive/latest.csv?_stream=on")
    assert query_csv.status_code == 200 and "article_id,title" in query_csv.text
    rows = (await ds.client.get("/archive/latest.json?_shape=array")).json()
    assert len(rows) == len(ARTICLES)


async def test_atom_feed_and_sitemap(ds, archive_path):
    feed = await ds.client.get("/archive/feed.atom")
    assert feed.status_code == 200
    assert "<title>Crawling politely at scale</title>" in feed.text
    # Entry content is HTML that feed readers render: no script may survive in it.
    atom = "{http://www.w3.org/2005/Atom}"
    contents = [c.text or "" for c in ElementTree.fromstring(feed.content).iter(f"{atom}content")]
    assert any("Before the trap." in c for c in contents)
    for bad in ("<script", "onerror", "javascript:", "<iframe"):
        assert not any(bad in c for c in contents), bad
    sitemap = await ds.client.get("/sitemap.xml")
    assert sitemap.status_code == 200
    pk = article_id(archive_path, ARTICLES[0]["url"])
    assert f"/archive/articles/{pk}</loc>" in sitemap.text


def copy_config_dir(target):
    """A copy of this checkout's db/ config (without any archive.db)."""
    target.mkdir()
    shutil.copy(publish.REPO_DB_DIR / "metadata.yml", target)
    shutil.copy(publish.REPO_DB_DIR / "settings.json", target)
    shutil.copytree(publish.REPO_DB_DIR / "templates", target / "templates")
    shutil.copytree(publish.REPO_DB_DIR / "plugins", target / "plugins")
    return target


@pytest.mark.parametrize("path, expected", [
    ("/", 'action="/archive/search"'),
    ("/archive/search?q=crawling", "<mark>Crawling</mark>"),
    ("/archive/articles/1", '<h1 class="headline">'),
    ("/-/settings.json", '"sql_time_limit_ms": 3000'),
])
def test_datasette_serves_db_folder_as_config_directory(tmp_path, path, expected):
    folder = copy_config_dir(tmp_path / "db")
    make_archive(folder / "archive.db")
    result = subprocess.run(
        [sys.executable, "-m", "datasette", str(folder), "--get", path],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert expected in result.stdout


def test_serve_refuses_a_missing_archive(tmp_path):
    from click.testing import CliRunner

    from archive_spider import cli

    result = CliRunner().invoke(cli.cli, ["serve", "--db", str(tmp_path / "missing.db")])
    assert result.exit_code == 1
    assert "no archive at" in result.output
    assert not (tmp_path / "missing.db").exists()


def serve_command(db_path, monkeypatch, served):
    """`archive-spider serve` with its Datasette start replaced by a note of its arguments."""
    from click.testing import CliRunner

    from archive_spider import cli

    monkeypatch.setattr(publish, "serve", lambda *args, **kwargs: served.append((args, kwargs)))
    return CliRunner().invoke(cli.cli, ["serve", "--db", str(db_path), "--port", "0"])


def read_only(path, monkeypatch):
    """Make the archive read-only for this process. chmod is enough for an ordinary user;
    root may write anyway, so the check is also told so (as on a read-only mount)."""
    import os

    os.chmod(path, 0o444)
    monkeypatch.setattr(schema, "is_writable", lambda p: False)


async def test_a_read_only_archive_is_served_as_immutable_without_a_write(archive_path, monkeypatch):
    publish.checkpoint(archive_path)  # what a crawl leaves in the log is in the file
    before = archive_path.read_bytes()
    read_only(archive_path, monkeypatch)
    served = []
    result = serve_command(archive_path, monkeypatch, served)
    assert result.exit_code == 0, result.output
    assert "read-only: serving it as immutable" in result.output
    (_, kwargs), = served
    assert kwargs["immutable"] and kwargs["read_only_file"]  # no checkpoint, no migration
    kwargs["sock"].close()
    assert archive_path.read_bytes() == before
    ds = publish.build_datasette(archive_path, immutable=True)
    rows = (await ds.client.get("/archive/articles.json?_shape=array")).json()
    assert len(rows) == len(ARTICLES)


def test_a_read_only_archive_of_an_older_schema_is_refused_clearly(archive_path, monkeypatch):
    import sqlite3

    conn = sqlite3.connect(archive_path)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION - 1}")
    conn.close()
    publish.checkpoint(archive_path)
    before = archive_path.read_bytes()
    read_only(archive_path, monkeypatch)
    served = []
    result = serve_command(archive_path, monkeypatch, served)
    assert result.exit_code == 1
    assert "is read-only and needs an upgrade" in result.output
    assert served == [] and archive_path.read_bytes() == before


def test_a_read_only_file_that_is_no_archive_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "notes.db"
    path.write_bytes(b"not a database at all" * 100)
    read_only(path, monkeypatch)
    served = []
    result = serve_command(path, monkeypatch, served)
    assert result.exit_code == 1
    assert "cannot use" in result.output and served == []


def test_a_read_only_archive_from_a_newer_version_is_refused(archive_path, monkeypatch):
    import sqlite3

    conn = sqlite3.connect(archive_path)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    conn.close()
    publish.checkpoint(archive_path)
    read_only(archive_path, monkeypatch)
    served = []
    result = serve_command(archive_path, monkeypatch, served)
    assert result.exit_code == 1
    assert "written by a newer archive-spider" in result.output and served == []


HOSTILE_QUERIES = [
    # One SQLite step building a gigabyte: no time limit between steps can stop it.
    "select length(replace(printf('%.*c', 999999999, 'x'), 'x', 'yy'))",
    "select length(format('%.*c', 999999999, 'x'))",
    "select length(zeroblob(999999999))",
    "select length(randomblob(999999999))",
    # Doubling a string past the value cap.
    "select length(replace(replace(replace(hex(zeroblob(10000000)), '0', '00'), '0', '00'), '0', '00'))",
    "select hex(fts3_tokenizer('simple'))",
]


@pytest.mark.parametrize("sql", HOSTILE_QUERIES)
async def test_queries_building_huge_values_fail_fast(ds, sql):
    import time
    from urllib.parse import quote

    started = time.monotonic()
    response = await ds.client.get(f"/archive.json?sql={quote(sql)}")
    assert time.monotonic() - started < 1.5
    assert response.status_code == 400 and response.json()["ok"] is False


async def test_ordinary_queries_still_run_under_the_limits(ds):
    from urllib.parse import quote

    sql = "select upper(title), length(text), substr(text, 1, 20) from articles order by id"
    response = await ds.client.get(f"/archive.json?sql={quote(sql)}&_shape=array")
    assert response.status_code == 200 and len(response.json()) == len(ARTICLES)


@pytest.mark.parametrize("path", [
    "/archive.json?sql=select+*+from+pragma_database_list",
    "/archive?sql=select+1",
    "/archive/articles.json?_where=1%3D1",
    "/-/databases.json",
    "/-/versions.json",
    "/-/metadata.json",
    "/-/threads.json",
])
async def test_a_public_archive_allows_no_sql_and_shows_no_paths(archive_path, path):
    ds = publish.build_datasette(archive_path, public=True)
    response = await ds.client.get(path)
    assert response.status_code in (403, 404)
    assert str(archive_path.parent) not in response.text


@pytest.mark.parametrize("path", ["/", "/archive/search?q=crawling", "/archive/articles?_facet=site",
                                  "/archive/articles.csv?_stream=on", "/archive/latest.json", "/-/static/app.css"])
async def test_a_public_archive_keeps_search_tables_and_queries(archive_path, path):
    ds = publish.build_datasette(archive_path, public=True)
    response = await ds.client.get(path, follow_redirects=True)
    assert response.status_code == 200


@pytest.mark.parametrize("path", [
    "/%5Cevil.example/articles", "/%5Cevil.example/articles.json", "//evil.example/articles",
    "/%2F%2Fevil.example/articles", "/evil.example/articles?_sort=published", "/%09/evil.example/articles",
])
async def test_the_articles_redirect_never_leaves_the_archive(ds, path):
    from urllib.parse import urljoin, urlsplit

    response = await ds.client.get(path)
    location = response.headers.get("location")
    if location is not None:
        target = urlsplit(urljoin("http://archive.test/", location))
        assert target.netloc == "archive.test", location
        assert "\\" not in location and not location.startswith("//")


async def test_search_page_counts_pages_and_narrows_by_facet(tmp_path):
    import re

    articles = [dict(a, url=a["url"].replace("rivers.example", "lakes.example") if i % 4 == 0 else a["url"])
                for i, a in enumerate(many_articles()) if not a["url"].endswith("-copy")]
    path = make_archive(tmp_path / "archive.db", articles)
    ds = publish.build_datasette(path)
    first = (await ds.client.get("/archive/search", params={"q": "rivers"})).text
    assert "<strong>120</strong> articles match “rivers”; page 1 of 6." in first
    assert first.count('<li class="result">') == 20
    assert first.count("<mark>rivers</mark>") >= 20
    # Ranked as the canned query ranks them: the JSON's first 20, in order.
    best = (await ds.client.get("/archive/search.json?q=rivers&_shape=objects")).json()["rows"]
    shown = re.findall(r'<h2><a href="/archive/articles/(\d+)">', first)
    assert shown == [str(row["article_id"]) for row in best[:20]]
    last = (await ds.client.get("/archive/search", params={"q": "rivers", "page": "6"})).text
    assert last.count('<li class="result">') == 20 and 'rel="next"' not in last and 'rel="prev"' in last
    assert set(re.findall(r'<h2><a href="/archive/articles/(\d+)">', last)).isdisjoint(shown)
    # The site facet counts every match, and narrows the results.
    assert re.search(r'site=lakes.example">lakes.example</a> 30<', first)
    narrowed = (await ds.client.get("/archive/search", params={"q": "rivers", "site": "lakes.example"})).text
    assert "<strong>30</strong> articles match “rivers” in site lakes.example; page 1 of 2." in narrowed
    assert 'type="hidden" name="site" value="lakes.example"' in narrowed  # a new search keeps it
    empty = (await ds.client.get("/archive/search")).text
    assert 'name="q"' in empty and "Every word must appear" in empty and "Custom SQL" not in empty


async def test_search_page_has_a_tag_facet_that_narrows(tmp_path):
    tagged = [dict(ARTICLES[0], tags=["Crawling", "Ethics"]), dict(ARTICLES[3], tags=["Crawling"]),
              *ARTICLES[1:3]]
    ds = publish.build_datasette(make_archive(tmp_path / "archive.db", tagged))
    page = (await ds.client.get("/archive/search", params={"q": "crawling"})).text
    assert 'tags=Ethics">Ethics</a> 1<' in page
    narrowed = (await ds.client.get("/archive/search", params={"q": "crawling", "tags": "Ethics"})).text
    assert "<strong>1</strong> article matches “crawling” in tags Ethics." in narrowed
    assert "Crawling politely at scale" in narrowed
