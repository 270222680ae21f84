import sqlite3

import pytest

from archive_spider.archive import schema, writes


def article(url="https://example.com/a/", title="A title", text="Some words of text.", **extra):
    return {"url": url, "title": title, "text": text, "word_count": len(text.split()), **extra}


def test_new_article_is_inserted_with_first_revision(fresh_db):
    result = writes.store_articles(fresh_db, [article()], now="2025-01-01T00:00:00+00:00")
    assert result.new == ["https://example.com/a/"]
    row = fresh_db["articles"].get(1)
    assert row["site"] == "example.com"
    assert row["first_seen"] == row["last_seen"] == row["last_changed"] == "2025-01-01T00:00:00+00:00"
    assert fresh_db["revisions"].count == 1


def test_unchanged_article_only_moves_last_seen(fresh_db):
    writes.store_articles(fresh_db, [article()], now="2025-01-01T00:00:00+00:00")
    result = writes.store_articles(fresh_db, [article(text="Some   words of\ntext.")], now="2025-02-01T00:00:00+00:00")
    assert result.unchanged == ["https://example.com/a/"]
    row = fresh_db["articles"].get(1)
    assert row["last_seen"] == "2025-02-01T00:00:00+00:00"
    assert row["last_changed"] == "2025-01-01T00:00:00+00:00"
    assert fresh_db["revisions"].count == 1


def test_changed_article_is_updated_and_gets_a_revision(fresh_db):
    writes.store_articles(fresh_db, [article()], now="2025-01-01T00:00:00+00:00")
    result = writes.store_articles(fresh_db, [article(text="Some other words of text.")],
                                    now="2025-03-01T00:00:00+00:00")
    assert result.updated == ["https://example.com/a/"]
    assert fresh_db["articles"].count == 1
    assert fresh_db["articles"].get(1)["text"] == "Some other words of text."
    revisions = list(fresh_db.query("select * from revisions order by id"))
    assert [r["captured"][:7] for r in revisions] == ["2025-01", "2025-03"]
    assert revisions[1]["words_changed"] == 1


def test_same_article_under_its_canonical_url_is_one_row(fresh_db):
    writes.store_articles(fresh_db, [article(url="https://example.com/a/?from=home",
                                              canonical_url="https://example.com/a/")])
    result = writes.store_articles(fresh_db, [article(url="https://example.com/a/")])
    assert fresh_db["articles"].count == 1
    assert result.unchanged


def test_full_text_search_follows_updates(fresh_db):
    writes.store_articles(fresh_db, [article(text="Beavers build dams in rivers.")])
    writes.store_articles(fresh_db, [article(text="Otters swim in rivers.")])
    def search(q):
        return [r["title"] for r in fresh_db.query(
            "select title from articles_fts where articles_fts match ?", [q])]
    assert search("otter") == ["A title"]  # porter stemming: otter matches otters
    assert search("beavers") == []


def test_tags_and_warnings_are_stored_as_json(fresh_db):
    writes.store_articles(fresh_db, [article(tags=["nature", "rivers"], extraction_warnings=[])])
    row = fresh_db["articles"].get(1)
    assert row["tags"] == '["nature", "rivers"]'
    assert row["extraction_warnings"] is None


def test_crawl_is_recorded_with_counts(fresh_db):
    crawl_id = writes.start_crawl(fresh_db, ["https://example.com/"])
    assert fresh_db["crawls"].get(crawl_id)["status"] == "running"
    writes.finish_crawl(fresh_db, crawl_id, "ok", {"requests": 12, "new": 3, "errors": 1})
    row = fresh_db["crawls"].get(crawl_id)
    assert (row["status"], row["requests"], row["new"], row["errors"]) == ("ok", 12, 3, 1)
    assert row["finished"] >= row["started"]


def test_database_from_a_newer_version_is_refused_untouched(tmp_path):
    path = tmp_path / "archive.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(schema.ArchiveError, match="newer archive-spider"):
        schema.open_db(path)
    conn = sqlite3.connect(path)
    assert conn.execute("select count(*) from sqlite_master").fetchone()[0] == 0


def test_file_that_is_not_a_database_is_refused(tmp_path):
    path = tmp_path / "archive.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(schema.ArchiveError, match="cannot use"):
        schema.open_db(path)
    assert path.read_bytes() == b"this is not sqlite" * 100


def test_missing_archive_is_not_created_when_reading(tmp_path):
    with pytest.raises(schema.ArchiveError, match="no archive"):
        schema.open_db(tmp_path / "none.db", create=False)
    assert not (tmp_path / "none.db").exists()


def test_file_database_uses_wal(tmp_path):
    db = schema.open_db(tmp_path / "archive.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert schema.schema_version(db) == schema.SCHEMA_VERSION


def test_an_article_and_its_revision_are_written_together_or_not_at_all(tmp_path, monkeypatch):
    # sqlite-utils commits each write of its own unless it runs inside Database.atomic():
    # a crash between the two inserts must not leave an article without its revision.
    import sqlite_utils.db

    db = schema.open_db(tmp_path / "archive.db")
    real_insert = sqlite_utils.db.Table.insert

    def failing_insert(table, record, *args, **kwargs):
        if table.name == "revisions":
            raise RuntimeError("killed between the two writes")
        return real_insert(table, record, *args, **kwargs)

    monkeypatch.setattr(sqlite_utils.db.Table, "insert", failing_insert)
    with pytest.raises(RuntimeError):
        writes.store_articles(db, [article()])
    monkeypatch.undo()
    assert db["articles"].count == 0 and db["revisions"].count == 0
    writes.store_articles(db, [article()])
    assert db["articles"].count == 1 and db["revisions"].count == 1


# --- search index (migration 8) ------------------------------------------------------------

def archive_at_version(path, version):
    """An archive file whose schema stops at ``version``, as an older archive-spider left it."""
    import sqlite_utils

    db = sqlite_utils.Database(path)
    for number, migration in enumerate(schema.MIGRATIONS[:version], start=1):
        migration(db)
        db.execute(f"PRAGMA user_version = {number}")
    return db


def fts_search(db, query):
    return [row[0] for row in db.execute(
        "select articles.url from articles_fts join articles on articles.id = articles_fts.rowid "
        "where articles_fts match ? order by articles.id", [query])]


def test_search_migration_reindexes_an_archive_of_version_7(tmp_path):
    path = tmp_path / "old.db"
    db = archive_at_version(path, 7)
    db["articles"].insert_all([
        {"url": "https://example.com/a/", "title": "Beavers", "text": "Beavers build dams in rivers."},
        {"url": "https://example.com/b/", "title": "Otters", "text": "Otters swim in rivers.",
         "duplicate_of": 1},
        {"url": "https://example.com/c/", "title": "Herons", "text": "Herons fish in streams."},
    ])
    db.close()
    db = schema.open_db(path)
    assert schema.schema_version(db) == schema.SCHEMA_VERSION
    # Every article is in the new index, prefix queries included (two, three and more letters).
    assert fts_search(db, "rivers") == ["https://example.com/a/", "https://example.com/b/"]
    assert fts_search(db, "st*") == ["https://example.com/c/"]
    assert fts_search(db, "bea*") == ["https://example.com/a/"]
    assert fts_search(db, "beave*") == ["https://example.com/a/"]
    sql = db.execute("select sql from sqlite_master where name = 'articles_fts'").fetchone()[0]
    assert f"prefix='{schema.FTS_PREFIXES}'" in sql and "content='articles'" in sql
    indexes = {row[1] for row in db.execute("PRAGMA index_list(articles)")}
    assert {f"idx_articles_listing_{c}" for c in schema.LISTING_INDEX_COLUMNS} <= indexes
    # The index still follows inserts, updates and deletes.
    writes.store_articles(db, [{"url": "https://example.com/d/", "title": "Kingfishers",
                                 "text": "Kingfishers dive into streams."}])
    db["articles"].update(1, {"text": "Beavers fell trees."})
    db["articles"].delete(3)
    assert fts_search(db, "streams") == ["https://example.com/d/"]
    assert fts_search(db, "dams") == []
    assert fts_search(db, "trees") == ["https://example.com/a/"]
    db.close()


def test_search_migration_is_undone_whole_if_it_fails(tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    db = archive_at_version(path, 7)
    db["articles"].insert({"url": "https://example.com/a/", "title": "Beavers", "text": "Dams."})
    db.close()

    def interrupted(db):
        schema.create_fts_triggers(db)
        raise RuntimeError("killed in the middle of the migration")

    monkeypatch.setattr(schema, "create_fts_triggers", interrupted)
    with pytest.raises(RuntimeError):
        schema.open_db(path)
    monkeypatch.undo()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 7
    assert "prefix" not in conn.execute("select sql from sqlite_master where name = 'articles_fts'").fetchone()[0]
    assert conn.execute("select count(*) from articles_fts where articles_fts match 'dams'").fetchone()[0] == 1
    conn.close()
    db = schema.open_db(path)  # and the next open upgrades it
    assert fts_search(db, "dam*") == ["https://example.com/a/"]
    db.close()


def test_index_is_not_rewritten_when_title_and_text_stay(fresh_db):
    # A crawl moves last_seen (and the HTTP validators) of every article it finds again:
    # that must not delete and re-add each one's full-text entries.
    writes.store_articles(fresh_db, [article(text="Beavers build dams in rivers.")], now="2025-01-01T00:00:00+00:00")

    def index_blocks():
        return fresh_db.execute("select count(*), coalesce(sum(length(block)), 0) from articles_fts_data").fetchone()

    before = index_blocks()
    writes.store_articles(fresh_db, [article(text="Beavers build dams in rivers.")], now="2025-02-01T00:00:00+00:00")
    writes.mark_not_modified(fresh_db, {"https://example.com/a/": {"http_etag": '"v2"'}})
    assert index_blocks() == before
    writes.store_articles(fresh_db, [article(text="Beavers build lodges.")], now="2025-03-01T00:00:00+00:00")
    assert index_blocks() != before


@pytest.mark.parametrize("url, site", [
    ("https://www.Example.com/a", "example.com"),
    ("http://example.com:80/a", "example.com"),
    ("https://example.com:443/a", "example.com"),
    ("http://127.0.0.1:8780/essays/x/", "127.0.0.1:8780"),
    ("https://news.example:8443/a", "news.example:8443"),
    ("http://[::1]:8000/a", "[::1]:8000"),
])
def test_the_site_names_a_port_other_than_the_default(url, site):
    assert schema.site_of(url) == site
