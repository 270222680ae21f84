"""Upkeep commands: delete-site, prune-revisions and vacuum keep the archive consistent."""

from click.testing import CliRunner

from archive_spider.archive import schema, writes
from archive_spider.cli import cli
from archive_spider.archive.locking import archive_lock
from tests.test_publish import ARTICLES, make_archive


def archive_with_history(path):
    """ARCHIVES's four articles, two of them edited twice (three revisions each), a copy
    on a third site of a news.example article, WARC index rows and boilerplate."""
    make_archive(path)
    db = schema.open_db(path)
    for n, when in enumerate(["2024-07-01T10:00:00+00:00", "2024-08-01T10:00:00+00:00"]):
        edited = [dict(a, text=a["text"] + f" Edited {n}.") for a in ARTICLES[:2]]
        writes.store_articles(db, edited, now=when)
    copy = dict(ARTICLES[1], url="https://mirror.example/sqlite", text=ARTICLES[1]["text"] + " Edited 1.")
    writes.store_articles(db, [copy], now="2024-08-02T10:00:00+00:00")
    writes.add_warc_records(db, [
        {"url": ARTICLES[0]["url"], "article_url": ARTICLES[0]["url"], "role": "article", "warc_file": "warc/a.warc.gz",
         "offset": 0, "length": 10, "status": 200, "fetched": "2024-08-01T10:00:00+00:00", "crawl_id": 1},
        {"url": "https://news.example/", "article_url": None, "role": "index", "warc_file": "warc/a.warc.gz",
         "offset": 10, "length": 10, "status": 200, "fetched": "2024-08-01T10:00:00+00:00", "crawl_id": 1},
        {"url": ARTICLES[2]["url"], "article_url": ARTICLES[2]["url"], "role": "article", "warc_file": "warc/a.warc.gz",
         "offset": 20, "length": 10, "status": 200, "fetched": "2024-08-01T10:00:00+00:00", "crawl_id": 1},
    ])
    db.close()
    return path


def counts(path):
    db = schema.open_db(path)
    try:
        return {
            "articles": {row[0]: row[1] for row in db.execute("select site, count(*) from articles group by site")},
            "revisions": db.execute("select count(*) from revisions").fetchone()[0],
            "orphans": db.execute("select count(*) from revisions where article_id not in "
                                  "(select id from articles)").fetchone()[0],
            "fts": db.execute("select count(*) from articles_fts").fetchone()[0],
            "found": db.execute("select count(*) from articles_fts where articles_fts match 'crawlers'").fetchone()[0],
            "warc": sorted(row[0] for row in db.execute("select url from warc_records")),
            "copies": db.execute("select count(*) from articles where duplicate_of is not null").fetchone()[0],
            "integrity": db.execute("pragma integrity_check").fetchone()[0],
        }
    finally:
        db.close()


def test_delete_site_takes_its_articles_revisions_index_and_warc_rows(tmp_path):
    path = archive_with_history(tmp_path / "archive.db")
    before = counts(path)
    assert before["articles"] == {"news.example": 2, "blog.example": 2, "mirror.example": 1}
    assert before["copies"] == 1
    result = CliRunner().invoke(cli, ["delete-site", "news.example", "--db", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    assert "Deleted 2 articles of news.example, 6 revisions, 2 WARC index rows" in result.output
    after = counts(path)
    assert after["articles"] == {"blog.example": 2, "mirror.example": 1}
    assert after["revisions"] == before["revisions"] - 6 and after["orphans"] == 0
    assert after["fts"] == 3 and after["found"] == 0  # "crawlers" was only in a news.example article
    assert after["warc"] == [ARTICLES[2]["url"]]
    assert after["copies"] == 0  # the mirror's copy is an original now
    assert after["integrity"] == "ok"


def test_delete_site_refuses_an_unknown_site_and_asks_before_deleting(tmp_path):
    path = archive_with_history(tmp_path / "archive.db")
    unknown = CliRunner().invoke(cli, ["delete-site", "nowhere.example", "--db", str(path), "--yes"])
    assert unknown.exit_code == 2 and "the archive holds blog.example, mirror.example, news.example" in unknown.output
    unconfirmed = CliRunner().invoke(cli, ["delete-site", "news.example", "--db", str(path)])
    assert unconfirmed.exit_code == 2 and "add --yes" in unconfirmed.output
    assert counts(path)["articles"]["news.example"] == 2


def test_prune_revisions_keeps_the_newest_of_each_article(tmp_path):
    path = archive_with_history(tmp_path / "archive.db")
    assert counts(path)["revisions"] == 4 + 2 * 2 + 1
    old = CliRunner().invoke(cli, ["prune-revisions", "--db", str(path), "--older-than", "100000d"])
    assert old.exit_code == 0 and "Deleted 0 revisions" in old.output
    result = CliRunner().invoke(cli, ["prune-revisions", "--db", str(path), "--keep", "2"])
    assert result.exit_code == 0 and "Deleted 2 revisions" in result.output
    result = CliRunner().invoke(cli, ["prune-revisions", "--db", str(path)])
    assert "Deleted 2 revisions" in result.output
    db = schema.open_db(path)
    rows = db.execute("select articles.text, revisions.text from articles join revisions "
                      "on revisions.article_id = articles.id").fetchall()
    db.close()
    assert len(rows) == 5 and all(article == revision for article, revision in rows)  # the current text kept
    bad = CliRunner().invoke(cli, ["prune-revisions", "--db", str(path), "--older-than", "soon"])
    assert bad.exit_code == 2


def test_vacuum_shrinks_the_file_after_a_deletion_and_waits_for_no_lock(tmp_path):
    path = archive_with_history(tmp_path / "archive.db")
    db = schema.open_db(path)
    big = [{"url": f"https://bulk.example/{n}", "title": f"Bulk {n}", "text": "word " * 3000} for n in range(60)]
    writes.store_articles(db, big)
    db.close()
    CliRunner().invoke(cli, ["delete-site", "bulk.example", "--db", str(path), "--yes"])
    with archive_lock(path):
        locked = CliRunner().invoke(cli, ["vacuum", "--db", str(path)])
    assert locked.exit_code == 3 and locked.output.startswith("Error: the archive is in use")
    result = CliRunner().invoke(cli, ["vacuum", "--db", str(path)])
    assert result.exit_code == 0, result.output
    before, after = (int(n.replace(",", "")) for n in result.output.split(": ")[1].split(" bytes -> ")[:2]
                     for n in [n.split()[0]])
    assert after < before / 2
    assert counts(path)["integrity"] == "ok" and counts(path)["found"] == 1
