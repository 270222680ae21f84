"""sites.py: loading and validating sites.toml."""

from pathlib import Path

import pytest

from archive_spider import sites
from archive_spider.sites import SiteConfigError

from .conftest import ROOT, run_cli


def load(tmp_path: Path, text: str):
    path = tmp_path / "sites.toml"
    path.write_text(text, encoding="utf-8")
    return sites.load_sites(path)


def test_example_file_loads_with_every_kind_of_key():
    loaded = sites.load_sites(ROOT / "sites.example.toml")
    assert [s.name for s in loaded] == ["slow-roads", "old-directory"]
    blog, directory = loaded
    assert blog.start_urls == ("https://blog.example.org/", "https://blog.example.org/feed/")
    assert blog.allowed_hosts == ("blog.example.org", "static.example.org")
    assert blog.discover is True
    assert blog.limits == sites.SiteLimits(max_pages=2000, max_depth=6, delay=1.5, stale_index_pages=3,
                                           max_sitemaps=200, max_sitemap_urls=50000, max_links_per_page=1000)
    assert directory.selectors.article_links == sites.Selector("td.listing b > a", "css")
    assert directory.selectors.next_page == sites.Selector("//a[contains(., 'Next')]", "xpath")
    assert directory.selectors.author.kind == "xpath"
    assert directory.limits.delay is None and directory.discover is False


def test_include_and_exclude_patterns_and_hosts_decide_what_is_followed(tmp_path):
    (site,) = load(tmp_path, """
[sites.blog]
start_urls = ["https://www.example.org/blog/"]
include = ['/blog/']
exclude = ['/tag/', 'replytocom']
""")
    assert site.allows("https://example.org/blog/2024/05/a-post/")  # www. or not: one site
    assert site.allows("https://news.example.org/blog/x/")  # subdomains belong to the site
    assert not site.allows("https://example.org/shop/item/")  # no include pattern matches
    assert not site.allows("https://example.org/blog/tag/x/")
    assert not site.allows("https://example.com/blog/x/")


@pytest.mark.parametrize("text, message", [
    ("[sites.a]\nstart_urls = ['https://a.example/']\nstart_url = 'x'\n",
     "site 'a': unknown key 'start_url' (known: start_urls,"),
    ("[sites.a]\nallowed_hosts = ['a.example']\n", "site 'a': start_urls: missing"),
    ("[sites.a]\nstart_urls = []\n", "site 'a': start_urls: must not be empty"),
    ("[sites.a]\nstart_urls = ['/relative/']\n", "site 'a': start_urls: '/relative/' is not an absolute URL"),
    ("[sites.a]\nstart_urls = ['ftp://a.example/']\n", "site 'a': start_urls: 'ftp://a.example/' is not an http(s) URL"),
    ("[sites.a]\nstart_urls = ['https://a.example/']\nexclude = ['(unclosed']\n",
     "site 'a': exclude: bad regular expression '(unclosed'"),
    ("[sites.a]\nstart_urls = ['https://a.example/']\ninclude = 3\n", "site 'a': include: must be a list of strings"),
    ("[sites.a]\nstart_urls = ['https://a.example/']\ndiscover = 'yes'\n", "site 'a': discover: must be true or false"),
    ("[sites.a]\nstart_urls = ['https://a.example/']\nallowed_hosts = ['a.example/path']\n",
     "site 'a': allowed_hosts: 'a.example/path' is not a host name"),
    ("[sites.a]\nstart_urls = ['https://a.example/']\n[sites.a.selectors]\nbody = 'div..x'\n",
     "site 'a': selectors.body: bad CSS selector 'div..x'"),
    ("[sites.a]\nstart_urls = ['https://a.example/']\n[sites.a.selectors]\ntitle = '//h1[@'\n",
     "site 'a': selectors.title: bad XPath '//h1[@'"),
    ("[sites.a]\nstart_urls = ['https://a.example/']\n[sites.a.selectors]\nheadline = 'h1'\n",
     "site 'a': unknown key selectors.'headline'"),
    ("[sites.a]\nstart_urls = ['https://a.example/']\n[sites.a.limits]\nmax_pages = 'ten'\n",
     "site 'a': limits.max_pages: must be a whole number >= 0, not 'ten'"),
    ("[sites.a]\nstart_urls = ['https://a.example/']\n[sites.a.limits]\ndelay = -1\n",
     "site 'a': limits.delay: must be a number of seconds >= 0"),
    ("[sites.a]\nstart_urls = ['https://a.example/']\n[sites.a.limits]\nmax_depth = true\n",
     "site 'a': limits.max_depth: must be a whole number"),
    ("[sites.a]\nstart_urls = ['https://a.example/']\n[sites.a.limits]\nspeed = 3\n", "site 'a': unknown key limits.'speed'"),
    ("[site.a]\nstart_urls = ['https://a.example/']\n", "unknown top-level key 'site'"),
    ("title = 'x'\n", "unknown top-level key 'title'"),
    ("", "no sites"),
    ("[sites.a\n", "not valid TOML"),
])
def test_errors_name_the_file_the_site_and_the_key(tmp_path, text, message):
    with pytest.raises(SiteConfigError) as error:
        load(tmp_path, text)
    assert str(error.value).startswith(str(tmp_path / "sites.toml") + ": ")
    assert message in str(error.value)


def test_select_sites_by_name():
    loaded = sites.load_sites(ROOT / "sites.example.toml")
    assert [s.name for s in sites.select_sites(loaded, [])] == ["slow-roads", "old-directory"]
    assert [s.name for s in sites.select_sites(loaded, ["old-directory"])] == ["old-directory"]
    with pytest.raises(SiteConfigError, match="no site named 'nope' \\(sites: slow-roads, old-directory\\)"):
        sites.select_sites(loaded, ["nope"])


def test_sites_for_command_line_urls_group_by_host():
    found = sites.sites_for_urls(["https://www.a.example/x/", "https://a.example/y/", "http://b.example:8080/"],
                                 extra_hosts=["cdn.a.example"])
    assert [(s.name, s.start_urls, s.allowed_hosts) for s in found] == [
        ("a.example", ("https://www.a.example/x/", "https://a.example/y/"),
         ("www.a.example", "a.example", "cdn.a.example")),
        ("b.example", ("http://b.example:8080/",), ("b.example:8080", "cdn.a.example")),
    ]


def test_cli_rejects_a_bad_config_before_crawling(tmp_path):
    config = tmp_path / "sites.toml"
    config.write_text("[sites.a]\nstart_urls = ['https://a.example/']\nmax_pages = 3\n")
    result = run_cli("crawl", "--config", config, "--db", tmp_path / "a.db")
    assert result.returncode == 2
    assert "site 'a': unknown key 'max_pages'" in result.stderr
    assert not (tmp_path / "a.db").exists()
    result = run_cli("crawl", "--config", ROOT / "sites.example.toml", "--site", "nope", "--db", tmp_path / "a.db")
    assert result.returncode == 2 and "no site named 'nope'" in result.stderr
    result = run_cli("crawl", "--db", tmp_path / "a.db")
    assert result.returncode == 2 and "give start URLs, or sites with --config" in result.stderr
