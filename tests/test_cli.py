"""The command line: every command documented, errors on one line, extract and stats."""

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive_spider.archive import schema, writes
from archive_spider.cli import cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
PAGE = """<html><head><title>On Lichens | Field Notes</title>
<meta property="og:type" content="article"></head><body>
<nav><a href="/">Home</a> <a href="/about/">About</a></nav>
<article><h1>On Lichens</h1><p class="byline">By Ada Moss</p>
<p>Lichens are partnerships between a fungus and an alga, and they grow on bare rock where
nothing else can, slowly turning stone into the first thin soil of a new place.</p>
<p>They are also witnesses: many species vanish where the air is dirty, so a wall covered
in them is a quiet sign that the air around it has become clean again after many years.</p>
</article><footer>Contact us</footer></body></html>"""


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_with_an_example_and_is_in_the_readme(name):
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert f"archive-spider {name}" in README


def test_extract_prints_one_json_object_per_file(tmp_path):
    page = tmp_path / "lichens.html"
    page.write_text(PAGE)
    result = CliRunner().invoke(cli, ["extract", str(page), str(page), "--url", "https://example.org/lichens/"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 2
    record = json.loads(lines[0])
    assert record["title"] == "On Lichens"
    assert "partnerships between a fungus" in record["text"]
    assert "Contact us" not in record["text"]


def test_extract_reads_standard_input():
    result = CliRunner().invoke(cli, ["extract", "-", "--no-html"], input=PAGE)
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert "html" not in record and record["word_count"] > 30


def test_stats_on_missing_archive_is_one_clear_line(tmp_path):
    result = CliRunner().invoke(cli, ["stats", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0
    assert "no archive at" in result.output
    assert not (tmp_path / "none.db").exists()


def test_stats_reports_articles_and_crawls(tmp_path):
    path = tmp_path / "archive.db"
    db = schema.open_db(path)
    crawl_id = writes.start_crawl(db, ["https://example.org/"])
    writes.store_articles(db, [{"url": "https://example.org/a/", "title": "A", "text": "one two three",
                                 "word_count": 3, "published": "2025-01-02"}], crawl_id=crawl_id)
    writes.finish_crawl(db, crawl_id, "ok", {"new": 1, "requests": 4})
    db.close()
    result = CliRunner().invoke(cli, ["stats", "--db", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 articles" in result.output
    assert re.search(r"example\.org: 1 articles, 3 words", result.output)
    assert "#1" in result.output and "ok: 1 new" in result.output
    figures = json.loads(CliRunner().invoke(cli, ["stats", "--db", str(path), "--json"]).output)
    assert figures["crawls"][0]["requests"] == 4


def test_crawl_refuses_a_corrupt_archive_without_touching_it(tmp_path):
    path = tmp_path / "archive.db"
    path.write_bytes(b"garbage" * 1000)
    result = CliRunner().invoke(cli, ["crawl", "http://127.0.0.1:9/", "--db", str(path)])
    assert result.exit_code == 1
    assert "cannot use" in result.output
    assert path.read_bytes() == b"garbage" * 1000


def test_crawl_without_urls_is_bad_usage():
    result = CliRunner().invoke(cli, ["crawl"])
    assert result.exit_code == 2


@pytest.mark.parametrize("command", ["serve", "demo"])
def test_a_busy_port_is_one_line_naming_it_and_its_own_status(tmp_path, command):
    import socket

    from tests.test_publish import make_archive

    archive = make_archive(tmp_path / "archive.db")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, [command, "--db", str(archive), "--port", str(port)])
    assert result.exit_code == 4
    hint = " (make demo PORT=8002)" if command == "demo" else ""
    assert result.output.strip() == f"Error: port {port} is already in use: choose another with --port{hint}"
    assert "Archive ready" not in result.output


@pytest.mark.parametrize("command", [["crawl", "http://127.0.0.1:9/"], ["reextract"]])
def test_a_read_only_archive_is_one_error_line_and_nothing_left_behind(tmp_path, monkeypatch, command):
    import os

    from tests.test_publish import make_archive

    archive = make_archive(tmp_path / "archive.db")
    from archive_spider import publish

    publish.checkpoint(archive)
    for leftover in tmp_path.glob("archive.db-*"):
        leftover.unlink()
    before = sorted(p.name for p in tmp_path.iterdir())
    os.chmod(archive, 0o444)
    # root may write anyway: the check is told so too, as on a read-only mount.
    monkeypatch.setattr(schema, "is_writable", lambda path: False)
    result = CliRunner().invoke(cli, [*command, "--db", str(archive)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1, result.output
    assert "is read-only" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no -wal, -shm or .lock


def run_crawl_command(*args, timeout=120):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "archive_spider", "crawl", *args],
                          capture_output=True, text=True, timeout=timeout)


def test_a_start_url_that_fails_is_one_error_line(tmp_path):
    from tests.sitekit import TestSite, html

    with TestSite(lambda base: {"/": html("<html><body><p>Front page</p></body></html>")}) as site:
        result = run_crawl_command(f"{site.url}/gone/", "--db", str(tmp_path / "archive.db"), "--workers", "0")
        assert result.returncode == 1
        assert result.stdout == ""
        assert result.stderr == (f"Error: crawl 1 failed: no start URL could be fetched: "
                                 f"{site.url}/gone/ (http-error 404)\n")
        # One good start URL: the crawl goes on, and the failed one is a warning.
        result = run_crawl_command(f"{site.url}/gone/", f"{site.url}/", "--db", str(tmp_path / "archive.db"),
                                   "--workers", "0")
    assert result.returncode == 0
    warnings, summary = result.stderr.splitlines(), result.stdout.splitlines()
    assert len(warnings) == 1 and f"Not archived (http-error 404): {site.url}/gone/" in warnings[0]
    assert summary[0].startswith("crawl 2 ok:")
    db = schema.open_db(tmp_path / "archive.db")
    # the front page is fetched and read: neither an article nor a listing, and said so
    assert [r[0] for r in db.execute("select reason from failures order by id")] == [
        "http-error", "http-error", "not-article:other"]


def test_a_start_url_whose_host_does_not_exist_is_one_error_line_at_once(tmp_path):
    import time

    started = time.monotonic()
    result = run_crawl_command("http://no-such-host.invalid/", "--db", str(tmp_path / "archive.db"))
    assert result.returncode == 1
    assert result.stdout == "" and result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ")
    assert "no-such-host.invalid" in result.stderr
    assert time.monotonic() - started < 8  # no retries of a name that does not exist


class RecordingSite:
    """A one-page site on 127.0.0.1 that notes each request's User-Agent."""

    def __enter__(self):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        agents = self.agents = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                agents.append(self.headers.get("User-Agent"))
                body = b"<html><body><p>Nothing to archive here.</p></body></html>"
                self.send_response(200 if self.path == "/" else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_crawl_json_quiet_and_user_agent(tmp_path):
    from archive_spider import __version__

    db = str(tmp_path / "archive.db")
    with RecordingSite() as site:
        result = run_crawl_command(site.url, "--db", db, "--workers", "0", "--json")
        assert result.returncode == 0, result.stderr
        outcome = json.loads(result.stdout)
        assert outcome["crawl"] == 1 and outcome["status"] == "ok" and outcome["ok"] is True
        assert outcome["counts"]["requests"] >= 2 and outcome["db"] == db
        assert set(site.agents) == {f"archive-spider/{__version__}"}  # no placeholder address
        site.agents.clear()
        result = run_crawl_command(site.url, "--db", db, "--workers", "0", "-q",
                                   "--user-agent", "field-archive/2 (+mailto:archivist@example.org)")
        assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
        assert set(site.agents) == {"field-archive/2 (+mailto:archivist@example.org)"}
        result = run_crawl_command(site.url, "--db", db, "--workers", "0", "--log-level", "info")
        assert "INFO" in result.stderr and result.stdout.startswith("crawl 3 ok:")


def test_a_locked_archive_is_refused_with_an_error_line(tmp_path):
    from archive_spider.archive.locking import archive_lock
    from tests.test_publish import make_archive

    archive = make_archive(tmp_path / "archive.db")
    with archive_lock(archive):
        result = CliRunner().invoke(cli, ["reextract", "--db", str(archive)])
    assert result.exit_code == 3
    assert result.output.startswith("Error: the archive is in use by pid ") and result.output.count("\n") == 1


def test_extract_fetches_a_url(tmp_path):
    from tests.sitekit import TestSite, html

    with TestSite(lambda base: {"/lichens/": html(PAGE)}) as site:
        result = CliRunner().invoke(cli, ["extract", "-u", f"{site.url}/lichens/", "--no-html"])
        assert result.exit_code == 0, result.output
        record = json.loads(result.output)
        assert record["url"] == f"{site.url}/lichens/" and record["title"] == "On Lichens"
        assert "partnerships between a fungus" in record["text"] and "Contact us" not in record["text"]
        missing = CliRunner().invoke(cli, ["extract", "-u", f"{site.url}/old/"])
    assert missing.exit_code == 1
    assert missing.output == f"Error: {site.url}/old/ answered HTTP 404 Not Found\n"
    assert CliRunner().invoke(cli, ["extract", "-u", "file:///etc/passwd"]).exit_code == 1
