"""The crawl benchmark runs on a static site directory it did not generate (how a
held-out site is measured): its own file names, .htm pages, a page in Latin-1."""

import json
import subprocess
import sys

import pytest

from archive_spider.demo.generated import generate_essays, read_site

from .conftest import ROOT

pytestmark = pytest.mark.e2e

ARTICLES = 12


def write_foreign_site(root):
    """Two index pages of "Read more" teasers ("Older posts" between them) leading to
    articles at /posts/<slug>.htm; the last article is written in Latin-1."""
    essays = generate_essays(ARTICLES, seed=3)
    pages = [essays[:8], essays[8:]]
    for number, chunk in enumerate(pages, start=1):
        teasers = "".join(
            f'<article><h2><a href="/posts/{e.slug}.htm">{e.title}</a></h2><p>{e.teaser}</p>'
            f'<a href="/posts/{e.slug}.htm">Read more</a></article>' for e in chunk)
        older = '<a href="/older.html" rel="next">Older posts</a>' if number == 1 else ""
        name = "index.html" if number == 1 else "older.html"
        (root / name).write_text(
            f"<html><head><title>Field notes</title></head><body><nav><a href='/'>Home</a></nav>"
            f"<main>{teasers}</main>{older}</body></html>", encoding="utf-8")
    (root / "posts").mkdir()
    for index, essay in enumerate(essays):
        latin = index == len(essays) - 1
        text = "".join(f"<p>{p}</p>" for p in "\n\n".join(essay.pages).split("\n\n") if not p.startswith("#"))
        if latin:
            text += "<p>Café crème à la française, naïve façade.</p>"
        html = (f"<html><head><meta charset='{'iso-8859-1' if latin else 'utf-8'}'><title>{essay.title} | Field notes</title>"
                f"</head><body><nav><a href='/'>Home</a></nav><article><h1>{essay.title}</h1>{text}</article>"
                f"<footer>Field notes</footer></body></html>")
        (root / "posts" / f"{essay.slug}.htm").write_bytes(html.encode("iso-8859-1" if latin else "utf-8"))
    (root / "style.css").write_text("body { margin: 0 }", encoding="utf-8")
    return essays


def test_read_site_serves_any_static_directory(tmp_path):
    essays = write_foreign_site(tmp_path)
    pages = read_site(tmp_path)
    assert pages["/"].content_type == "text/html; charset=utf-8"
    assert pages[f"/posts/{essays[0].slug}.htm"].content_type == "text/html; charset=utf-8"
    # not UTF-8: no charset claimed, so the page's own <meta charset> decides
    assert pages[f"/posts/{essays[-1].slug}.htm"].content_type == "text/html"
    assert pages["/style.css"].content_type == "text/css; charset=utf-8"


def test_crawl_benchmark_measures_a_site_directory_of_its_own(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    write_foreign_site(site)
    figures_file = tmp_path / "figures.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "crawl.py"), "--site-dir", str(site), "--repeat", "1",
         "--breakdown", "5", "--json", str(figures_file)],
        capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(figures_file.read_text())
    # every article archived, and extraction-only (b) worked on the very pages the crawl used
    assert figures["stored"] == figures["articles"] == ARTICLES
    assert figures["pages"] == ARTICLES + 2
    assert figures["fetch_s"] > 0 and figures["extract_s"] > 0 and figures["crawl_s"] > 0
    assert 0 < figures["ratio"] and figures["peak_rss_mb"] > 50
    # the ceiling counts the CPU both jobs took (the extraction workers' included)
    assert figures["fetch_cpu_s"] > 0 and figures["extract_cpu_s"] > 0
    assert figures["ratio"] < figures["ratio_ceiling"]
    assert set(figures["reruns_s"]) == {"--revisit never", "--revisit adaptive", "--full-listing"}
    assert "ratio max(a, b) / c" in result.stdout
