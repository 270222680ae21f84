"""Robustness units: decoding, address policy, retry delays, settings checks, the
failures table, and bad configuration or state refused in one line with nothing written."""

import email.utils
import ipaddress
import sqlite3
import time

import pytest
from click.testing import CliRunner
from scrapy.settings import Settings

from archive_spider import config
from archive_spider.archive import queries, schema, writes
from archive_spider.cli import cli
from archive_spider.decoding import decode_html, looks_binary
from archive_spider.retry import BackoffRetryMiddleware, parse_retry_after
from archive_spider.safety import GuardedResolver, is_allowed_host, is_internal_address, literal_addresses, resolve_addresses
from archive_spider.wordcount import count_words_any_script

TEXT = "\u201cQuoted\u201d caf\u00e9 \u2014 na\u00efve d\u00e9j\u00e0 vu \u00e0 la cr\u00e8me"
JAPANESE = "<p>日本語の文章です。文字化けしないことを確かめるための長い段落です。</p>"
CHINESE = "<p>这是一篇关于中文编码的文章，我们要确保它被正确解码而不会出现乱码。</p>"


# --- decoding -------------------------------------------------------------------------------

@pytest.mark.parametrize("body, content_type, expected, source", [
    (TEXT.encode("cp1252"), "text/html; charset=ISO-8859-1", TEXT, "header"),
    (TEXT.encode("cp1252"), "text/html; charset=latin-1", TEXT, "header"),
    (JAPANESE.encode("shift_jis"), "text/html; charset=Shift_JIS", JAPANESE, "header"),
    (b'<meta charset="shift_jis">' + JAPANESE.encode("shift_jis"), "text/html",
     '<meta charset="shift_jis">' + JAPANESE, "meta"),
    (JAPANESE.encode("shift_jis"), None, JAPANESE, "detected"),
    (CHINESE.encode("gb18030"), "text/html; charset=gb2312", CHINESE, "header"),
    (CHINESE.encode("gb18030"), "text/html", CHINESE, "detected"),
    (TEXT.encode("utf-8"), "text/html", TEXT, "utf-8"),
    (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "text/html; charset=iso-8859-1", TEXT, "bom"),
    (TEXT.encode("utf-16"), "text/html; charset=utf-8", TEXT, "bom"),
    # A utf-8 header on a cp1252 page: the label is wrong, the text is not lost.
    (TEXT.encode("cp1252"), "text/html; charset=utf-8", TEXT, "detected"),
])
def test_decode_html_finds_the_right_encoding(body, content_type, expected, source):
    page = decode_html(body, content_type)
    assert page.text == expected
    assert page.source == source


def test_decode_html_repairs_mojibake():
    text = "The caf\u00e9 served cr\u00e8me br\u00fbl\u00e9e, d\u00e9j\u00e0 vu"
    twice = text.encode("utf-8").decode("cp1252").encode("utf-8")
    assert decode_html(twice, "text/html; charset=utf-8").text == text
    # UTF-8 bytes labelled Latin-1 decode to mojibake first, then are repaired.
    page = decode_html(text.encode("utf-8"), "text/html; charset=iso-8859-1")
    assert page.text == text and page.repaired


@pytest.mark.parametrize("body", [b"", b"\x00", b"\xff" * 3, b"<html>\x00\x01</html>", b"\x80\x81\x8d\x8f"])
def test_decode_html_never_raises(body):
    assert isinstance(decode_html(body, "text/html; charset=no-such-charset").text, str)


def test_looks_binary():
    assert looks_binary(b"%PDF-1.7\n...")
    assert looks_binary(b"\x89PNG\r\n\x1a\n")
    assert looks_binary(bytes(range(256)) * 10)
    assert not looks_binary(TEXT.encode("utf-8"))
    assert not looks_binary(JAPANESE.encode("shift_jis"))
    assert not looks_binary(TEXT.encode("utf-16"))  # the BOM says it is text
    assert not looks_binary(b"")


# --- address policy --------------------------------------------------------------------------

@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.0.0.2", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
    "0.0.0.0", "100.64.0.1", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
    "224.0.0.1", "255.255.255.255",
])
def test_internal_addresses(address):
    assert is_internal_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses(address):
    assert not is_internal_address(ipaddress.ip_address(address))


def test_loopback_names_and_numeric_spellings_resolve_without_dns():
    assert literal_addresses("localhost")[0].is_loopback
    assert literal_addresses("admin.localhost")[0].is_loopback
    assert literal_addresses("[::1]")[0].is_loopback
    assert literal_addresses("example.com") is None
    # getaddrinfo reads the old numeric forms: they must not slip through as names.
    assert all(ip.is_loopback for ip in resolve_addresses("2130706433"))
    assert all(ip.is_loopback for ip in resolve_addresses("0x7f.1"))


def test_allowed_hosts_match_subdomains_not_lookalikes():
    assert is_allowed_host("example.com", ["example.com"])
    assert is_allowed_host("blog.example.com", ["example.com"])
    assert is_allowed_host("127.0.0.1", ["127.0.0.1:8000"])
    assert not is_allowed_host("badexample.com", ["example.com"])
    assert not is_allowed_host("127.0.0.2", ["127.0.0.1"])


def test_resolver_refuses_internal_addresses_for_names_found_on_pages(monkeypatch):
    from types import SimpleNamespace

    from archive_spider.safety import refused_at_connect

    from twisted.internet.error import DNSLookupError

    spider = SimpleNamespace(start_urls=["http://intranet.example:8000/"], _extra_hosts=["wiki.example"])
    crawler = SimpleNamespace(spider=spider, settings=Settings({"ARCHIVE_ALLOWED_HOSTS": []}))
    # Scrapy builds the resolver with the CrawlerProcess, which has crawlers, not a spider.
    process = SimpleNamespace(crawlers=[crawler], settings=crawler.settings)
    monkeypatch.setattr(GuardedResolver, "refused", {})
    resolver = GuardedResolver.__new__(GuardedResolver)
    resolver.owner = process
    assert resolver.refuse_internal("93.184.216.34", "example.com") == "93.184.216.34"
    assert resolver.refuse_internal("10.0.0.5", "intranet.example") == "10.0.0.5"  # a start URL's host
    assert resolver.refuse_internal("10.0.0.5", "Intranet.Example.") == "10.0.0.5"  # however spelled
    assert resolver.refuse_internal("10.0.0.6", "wiki.example") == "10.0.0.6"  # --allow-host
    with pytest.raises(DNSLookupError, match="internal address"):
        resolver.refuse_internal("10.0.0.5", "rebound.example.com")
    with pytest.raises(DNSLookupError):
        resolver.refuse_internal("169.254.169.254", "metadata.example.com")
    # The refusal is remembered with its address: the failure says why, and later requests
    # to the name are blocked before they are sent.
    assert "169.254.169.254" in refused_at_connect("http://metadata.example.com/latest/")
    assert refused_at_connect("http://example.com/") is None
    # Before any spider runs, no name is trusted with an internal address.
    idle = GuardedResolver.__new__(GuardedResolver)
    idle.owner = SimpleNamespace(crawlers=[], settings=crawler.settings)
    with pytest.raises(DNSLookupError):
        idle.refuse_internal("10.0.0.5", "intranet.example")


# --- retries -----------------------------------------------------------------------------------

def test_parse_retry_after():
    assert parse_retry_after(b"120") == 120
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    now = time.time()
    later = email.utils.formatdate(now + 30, usegmt=True)
    assert 28 <= parse_retry_after(later, now=now) <= 31
    assert parse_retry_after(email.utils.formatdate(now - 30, usegmt=True), now=now) == 0


def test_retry_delay_backs_off_and_is_capped():
    from scrapy.http import Request, Response

    settings = Settings()
    settings.setmodule("archive_spider.settings")
    settings.set("ARCHIVE_RETRY_BACKOFF", 1.0)
    settings.set("ARCHIVE_MAX_RETRY_DELAY", 10.0)
    middleware = BackoffRetryMiddleware(settings)
    request = Request("http://example.com/")
    assert middleware.delay_for(request) == 1.0
    assert middleware.delay_for(request.replace(meta={"retry_times": 2})) == 4.0
    assert middleware.delay_for(request.replace(meta={"retry_times": 9})) == 10.0
    asked = Response("http://example.com/", status=429, headers={"Retry-After": "3"})
    assert middleware.delay_for(request, asked) == 3.0
    too_long = Response("http://example.com/", status=429, headers={"Retry-After": "3600"})
    assert middleware.delay_for(request, too_long) is None


# --- configuration -----------------------------------------------------------------------------

def test_parse_settings_reads_values_and_refuses_unknown_names():
    assert config.parse_settings(["ARCHIVE_MAX_PAGE_BYTES=1000", "ROBOTSTXT_OBEY=false",
                                  "ARCHIVE_ALLOWED_HOSTS=[\"a.org\"]", "USER_AGENT=me"]) == {
        "ARCHIVE_MAX_PAGE_BYTES": 1000, "ROBOTSTXT_OBEY": False,
        "ARCHIVE_ALLOWED_HOSTS": ["a.org"], "USER_AGENT": "me"}
    with pytest.raises(config.ConfigError, match="unknown setting ARCHIVE_MAX_PAGE"):
        config.parse_settings(["ARCHIVE_MAX_PAGE=1"])
    with pytest.raises(config.ConfigError, match="NAME=VALUE"):
        config.parse_settings(["timeout"])


@pytest.mark.parametrize("name, value", [
    ("DOWNLOAD_TIMEOUT", 0), ("DOWNLOAD_TIMEOUT", "fast"), ("ARCHIVE_MAX_PAGE_BYTES", -1),
    ("ARCHIVE_MAX_PAGE_BYTES", 1.5), ("ARCHIVE_REVISIT", "sometimes"), ("ARCHIVE_BATCH_SIZE", 0),
    ("ARCHIVE_ALLOWED_HOSTS", ["not a host"]),
])
def test_check_settings_names_the_bad_setting(name, value):
    settings = Settings()
    settings.setmodule("archive_spider.settings")
    config.check_settings(settings)  # the defaults are fine
    settings.set(name, value)
    with pytest.raises(config.ConfigError, match=f"bad value for {name}"):
        config.check_settings(settings)


@pytest.mark.parametrize("policy", ["never", "conditional", "always", "max-age=7d", "max-age=12h", "max-age=30"])
def test_check_settings_accepts_every_documented_revisit_policy(policy):
    settings = Settings()
    settings.setmodule("archive_spider.settings")
    settings.set("ARCHIVE_REVISIT", policy)
    config.check_settings(settings)  # no ConfigError: `crawl --revisit max-age=7d` must run


@pytest.mark.parametrize("url", ["example.com", "file:///etc/passwd", "ftp://example.com/", "http://", "http://x:99999/"])
def test_check_start_urls_refuses_what_is_not_a_web_address(url):
    with pytest.raises(config.ConfigError, match="not an http"):
        config.check_start_urls([url])


def test_count_words_any_script():
    assert count_words_any_script("three plain words") == 3
    assert count_words_any_script("日本語の文章です") == 8
    assert count_words_any_script("中文 and English") == 4
    assert count_words_any_script(None) == 0


# --- the failures table ------------------------------------------------------------------------

def test_failures_are_recorded_and_counted_per_crawl(fresh_db):
    crawl_id = writes.start_crawl(fresh_db, ["http://example.com/"])
    writes.record_failures(fresh_db, crawl_id, [
        {"url": "http://example.com/a", "reason": "http-error", "kind": "error", "status": 404},
        {"url": "http://example.com/b", "reason": "http-error", "kind": "error", "status": 410},
        {"url": "http://example.com/c", "reason": "timeout", "kind": "error", "detail": "took longer"},
    ])
    assert queries.failure_counts(fresh_db, crawl_id) == {"http-error": 2, "timeout": 1}
    latest = queries.recent_failures(fresh_db, 2)
    assert [f["url"] for f in latest] == ["http://example.com/c", "http://example.com/b"]
    assert latest[0]["failed_at"]
    figures = queries.archive_stats(fresh_db)
    assert figures["crawls"][0]["failures"] == {"http-error": 2, "timeout": 1}


def test_stats_lists_failures(tmp_path):
    path = tmp_path / "archive.db"
    db = schema.open_db(path)
    crawl_id = writes.start_crawl(db, ["http://example.com/"])
    writes.record_failures(db, crawl_id, [{"url": "http://example.com/gone", "reason": "http-error",
                                            "kind": "error", "status": 410}])
    writes.finish_crawl(db, crawl_id, "ok", {"errors": 1})
    db.close()
    result = CliRunner().invoke(cli, ["stats", "--db", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 failures: http-error 1" in result.output
    assert "#1 http-error 410: http://example.com/gone" in result.output


# --- bad configuration and state: one line, non-zero exit, nothing written ---------------------

def one_line_error(result):
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ")
    return lines[0]


@pytest.mark.parametrize("args, words", [
    (["crawl", "--fast", "http://127.0.0.1:9/"], "No such option"),
    (["crawl", "example.com"], "not an http(s) URL"),
    (["crawl", "file:///etc/passwd"], "not an http(s) URL"),
    (["crawl", "http://127.0.0.1:9/", "-s", "NO_SUCH_SETTING=1"], "unknown setting"),
    (["crawl", "http://127.0.0.1:9/", "--timeout", "0"], "--timeout"),
    (["crawl", "http://127.0.0.1:9/", "--max-pages", "-1"], "--max-pages"),
    (["stats", "--crawls", "many"], "--crawls"),
])
def test_bad_usage_is_one_line_exit_2_and_creates_nothing(tmp_path, args, words):
    db = tmp_path / "archive.db"
    result = CliRunner().invoke(cli, args + ["--db", str(db)])
    assert result.exit_code == 2
    assert words in one_line_error(result)
    assert not db.exists()


def test_bad_setting_value_is_one_line_and_creates_nothing(tmp_path):
    db = tmp_path / "archive.db"
    result = CliRunner().invoke(cli, ["crawl", "http://127.0.0.1:9/", "--db", str(db),
                                      "-s", "ARCHIVE_MAX_PAGE_BYTES=-5"])
    assert result.exit_code == 1
    assert "bad value for ARCHIVE_MAX_PAGE_BYTES" in one_line_error(result)
    assert not db.exists()


def test_newer_archive_is_refused_untouched(tmp_path):
    path = tmp_path / "archive.db"
    conn = sqlite3.connect(path)
    conn.execute("create table future (x)")
    conn.execute(f"pragma user_version = {schema.SCHEMA_VERSION + 5}")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    for args in (["crawl", "http://127.0.0.1:9/"], ["stats"], ["export"]):
        result = CliRunner().invoke(cli, args + ["--db", str(path)])
        assert result.exit_code == 1
        assert "newer archive-spider" in one_line_error(result)
    assert path.read_bytes() == before
    assert not (tmp_path / "archive.db-wal").exists()


def test_unwritable_archive_location_is_one_line(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where a directory should be")
    result = CliRunner().invoke(cli, ["crawl", "http://127.0.0.1:9/", "--db", str(blocker / "archive.db")])
    assert result.exit_code == 1
    assert "cannot create" in one_line_error(result)


def test_directory_as_archive_is_refused(tmp_path):
    result = CliRunner().invoke(cli, ["crawl", "http://127.0.0.1:9/", "--db", str(tmp_path)])
    assert result.exit_code == 2
    assert "directory" in one_line_error(result)


# --- sites.toml ----------------------------------------------------------------------------

@pytest.mark.parametrize("content, words", [
    ("[sites.a\nstart_urls = 1", "not valid TOML"),
    ("", "no sites"),
    ("title = 'x'\n[sites.a]\nstart_urls = ['https://a.org/']", "unknown top-level key 'title'"),
    ("[sites.a]\nstart_url = ['https://a.org/']", "unknown key 'start_url'"),
    ("[sites.a]\nstart_urls = 1", "start_urls: must be a list"),
    ("[sites.a]\nstart_urls = []", "start_urls: must not be empty"),
    ("[sites.a]\nstart_urls = ['file:///etc/passwd']", "not an http(s) URL"),
    ("[sites.a]\nstart_urls = ['https://a.org/']\nallowed_hosts = ['a b']", "is not a host name"),
    ("[sites]\na = 1", "must be a table"),
])
def test_invalid_sites_toml_is_one_line_and_creates_nothing(tmp_path, content, words):
    config_file = tmp_path / "sites.toml"
    config_file.write_text(content)
    db = tmp_path / "archive.db"
    result = CliRunner().invoke(cli, ["crawl", "--config", str(config_file), "--db", str(db)])
    assert result.exit_code == 2  # bad usage: nothing is fetched
    line = one_line_error(result)
    assert words in line and "sites.toml" in line
    assert not db.exists()


def test_sites_toml_missing_file_or_site(tmp_path):
    result = CliRunner().invoke(cli, ["crawl", "--config", str(tmp_path / "none.toml")])
    assert result.exit_code == 2 and "no such file" in one_line_error(result)
    config_file = tmp_path / "sites.toml"
    config_file.write_text("[sites.a]\nstart_urls = ['https://a.org/']\n")
    result = CliRunner().invoke(cli, ["crawl", "--config", str(config_file), "--site", "b"])
    assert result.exit_code == 2 and "no site named 'b'" in one_line_error(result)


def test_crawl_needs_urls_or_a_config():
    result = CliRunner().invoke(cli, ["crawl"])
    assert result.exit_code == 2 and "give start URLs" in one_line_error(result)


def test_every_archive_setting_and_crawl_option_is_documented():
    from pathlib import Path

    from archive_spider import settings as project

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for name in dir(project):
        if name.startswith("ARCHIVE_"):
            assert f"`{name}`" in readme, name
    for param in cli.commands["crawl"].params:
        for opt in getattr(param, "opts", []):
            if opt.startswith("--"):
                assert f"`{opt}" in readme, opt


def test_no_code_execution_ports():
    from archive_spider import settings as project

    assert project.TELNETCONSOLE_ENABLED is False
    assert project.REMOTE_CONTROL_ENABLED is False


def test_archive_max_pages_setting_is_the_page_limit():
    from archive_spider.crawl import CrawlOptions, build_settings

    assert build_settings(CrawlOptions(max_pages=3)).getint("ARCHIVE_MAX_PAGES") == 3
    # the page cap is ours, exact (PageCapMiddleware); Scrapy's, counted on responses, overshoots
    assert build_settings(CrawlOptions(max_pages=3)).getint("CLOSESPIDER_PAGECOUNT") == 0
