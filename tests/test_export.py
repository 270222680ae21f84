"""`archive-spider export` and Datasette's own exports: complete, filtered, streaming."""

import csv
import io
import json
import tracemalloc

import pytest
from click.testing import CliRunner

from archive_spider import cli, publish
from archive_spider.archive import export
from archive_spider.archive import schema
from tests.test_publish import ARTICLES, make_archive


@pytest.fixture
def archive_path(tmp_path):
    return make_archive(tmp_path / "archive.db")


def run_export(*args):
    result = CliRunner().invoke(cli.cli, ["export", *map(str, args)])
    return result


def fill_archive(path, count, text_size=2000):
    """``count`` articles written straight into the table (fast), each ~text_size chars."""
    db = schema.open_db(path)
    filler = ("archived words " * (text_size // 15 + 1))[:text_size]
    with db.conn:
        db["articles"].insert_all(
            ({"url": f"https://bulk.example/{i}", "title": f"Article {i}", "site": "bulk.example",
              "published": f"20{10 + i % 15:02d}-01-01", "text": filler, "html": f"<p>{filler}</p>",
              "first_seen": "2024-01-01T00:00:00+00:00"} for i in range(count)),
            batch_size=1000,
        )
    db.close()
    return path


def test_jsonl_is_the_default_and_leaves_html_out(archive_path):
    result = run_export("--db", archive_path)
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines()]
    assert len(records) == len(ARTICLES)
    assert list(records[0]) == list(export.DEFAULT_COLUMNS)
    assert "html" not in records[0]
    # Newest first; undated last.
    assert [r["published"] for r in records] == ["2024-05-02", "2024-01-09", "2023-11-20", None]


def test_csv_round_trips_awkward_text(archive_path):
    result = run_export("--db", archive_path, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == len(ARTICLES)
    hostile = next(r for r in rows if r["url"] == "https://blog.example/posts/hostile")
    assert hostile["text"] == ARTICLES[2]["text"]
    polite = next(r for r in rows if r["title"] == "Crawling politely at scale")
    assert polite["text"] == ARTICLES[0]["text"]  # the blank line between paragraphs survives


def test_json_is_one_valid_array(archive_path, tmp_path):
    out = tmp_path / "out.json"
    result = run_export("--db", archive_path, "--format", "json", "--columns", "id,title,year,html", "-o", out)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert len(data) == len(ARTICLES)
    assert set(data[0]) == {"id", "title", "year", "html"}
    assert data[0]["year"] == 2024
    assert f"{len(ARTICLES)} articles written to {out}" in result.output


def test_json_of_nothing_is_an_empty_array(tmp_path):
    path = tmp_path / "empty.db"
    schema.open_db(path).close()
    result = run_export("--db", path, "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.output) == []


def test_filters_by_site_date_and_search(archive_path):
    def urls(*args):
        result = run_export("--db", archive_path, "--columns", "url", *args)
        assert result.exit_code == 0, result.output
        return [json.loads(line)["url"] for line in result.output.splitlines()]

    assert urls("--site", "news.example") == [ARTICLES[0]["url"], ARTICLES[1]["url"]]
    # The undated article counts from when it was first seen (2024-06-01).
    assert urls("--since", "2024-01-10") == [ARTICLES[0]["url"], ARTICLES[3]["url"]]
    assert urls("--search", "archive") == [ARTICLES[1]["url"]]
    assert urls("--search", "crawls", "--site", "news.example") == [ARTICLES[0]["url"]]
    assert urls("--search", "crawling") == [ARTICLES[0]["url"], ARTICLES[3]["url"]]  # title first
    # Punctuation is only words: the search never fails on what a person types.
    assert urls("--search", "robots.txt") == [ARTICLES[0]["url"]]
    assert urls("--search", 'nothing-matches "this') == []
    # The search page's syntax: phrases, prefixes and OR.
    assert urls("--search", '"whole archive"') == [ARTICLES[1]["url"]]
    assert urls("--search", "crawl*") == [ARTICLES[0]["url"], ARTICLES[3]["url"]]
    assert urls("--search", "sqlite OR robots") == [ARTICLES[1]["url"], ARTICLES[0]["url"]]


@pytest.mark.parametrize("args, message", [
    (["--columns", "title,nonsense"], "unknown column(s): nonsense"),
    (["--since", "last week"], "Invalid value for '--since'"),
])
def test_bad_requests_fail_before_any_output(archive_path, args, message):
    result = run_export("--db", archive_path, "--format", "csv", *args)
    assert result.exit_code != 0
    assert message in result.output
    assert "id,url" not in result.output


def test_missing_archive_is_a_one_line_error(tmp_path):
    result = run_export("--db", tmp_path / "nope.db")
    assert result.exit_code == 1
    assert "no archive at" in result.output


def test_export_streams_in_constant_memory(tmp_path):
    path = fill_archive(tmp_path / "big.db", 10_000, text_size=4000)  # ~80 MB of text and html
    db = schema.open_db(path)
    columns = list(export.DEFAULT_COLUMNS) + ["html"]

    class CountingSink(io.TextIOBase):
        written = 0

        def write(self, text):
            self.written += len(text)
            return len(text)

    sink = CountingSink()
    tracemalloc.start()
    try:
        count = export.write_rows(export.select_articles(db, columns), "jsonl", sink, columns)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        db.close()
    assert count == 10_000
    assert sink.written > 80_000_000
    assert peak < 5_000_000, f"peak Python memory {peak / 1e6:.1f} MB"


async def test_datasette_streams_every_row_as_csv(tmp_path):
    path = fill_archive(tmp_path / "archive.db", 2_500, text_size=50)
    ds = publish.build_datasette(path)
    # A page stops at max_returned_rows (1000); _stream=on gives every row.
    response = await ds.client.get("/archive/articles.csv?_stream=on&_nocol=html")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    # Every article exactly once, though hundreds share each publication date.
    assert len(rows) == 2_500 and len({r["id"] for r in rows}) == 2_500
    assert rows[0]["published"] >= rows[-1]["published"]
    assert "text" in rows[0] and "html" not in rows[0]
    page = (await ds.client.get("/archive/articles.json?_shape=objects&_size=max")).json()
    assert len(page["rows"]) == 1_000 and page["next"]


def test_copies_are_left_out_unless_asked_for(tmp_path):
    twin = dict(ARTICLES[1], url="https://mirror.example/sqlite-everywhere")
    path = make_archive(tmp_path / "archive.db", ARTICLES + [twin])
    default = [json.loads(line)["url"] for line in run_export("--db", path).output.splitlines()]
    assert "https://mirror.example/sqlite-everywhere" not in default and ARTICLES[1]["url"] in default
    everything = run_export("--db", path, "--with-duplicates").output.splitlines()
    assert len(everything) == len(default) + 1


def test_format_is_case_insensitive(archive_path):
    result = run_export("--db", archive_path, "--format", "CSV", "--columns", "id,title")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "id,title"


@pytest.mark.parametrize("args, message", [
    (["--columns", "title,nonsense"], "unknown column(s): nonsense; known: "),
    (["--columns", ","], "unknown column(s): (none given)"),
    (["--site", "nowhere.example"], "no articles of site 'nowhere.example'; the archive holds "),
])
def test_a_bad_column_or_site_is_bad_usage_naming_what_there_is(archive_path, args, message):
    result = run_export("--db", archive_path, *args)
    assert result.exit_code == 2
    assert result.output.startswith("Error: Invalid value for '--") and message in result.output
    assert result.output.count("\n") == 1
    if "--site" in args:
        db = schema.open_db(archive_path)
        sites = sorted({row[0] for row in db.execute("select site from articles")})
        assert ", ".join(sites) in result.output


@pytest.mark.parametrize("search", ["", "   ", "!!"])
def test_a_search_without_words_matches_nothing_as_on_the_search_page(archive_path, search):
    result = run_export("--db", archive_path, "--search", search)
    assert result.exit_code == 0
    assert [line for line in result.output.splitlines() if line.startswith("{")] == []
    assert "has no words to look for" in result.output
