"""Sites that never end, or are far too big, on 127.0.0.1: for the crawl's bounds.

``EndlessSite`` serves, under one host:

* ``/tree/index.xml``: a sitemap index whose every child is a sitemap index of further
  children, forever (``/tree/index-1-4-2.xml``...); each also lists one small sitemap of
  articles;
* ``/web/``: the front of an endless web of generated articles: each article page links to
  ``fanout`` articles no page linked before, and the index pages go on forever, each
  listing new articles;
* ``/huge.xml.gz``: one gzipped sitemap of ``huge_urls`` article URLs (1.2 million make
  about 3 MB), served as a file (``application/x-gzip``, no Content-Encoding);
* ``/self-index.xml``: a sitemap index that lists itself and ``children`` sitemaps, each of
  two articles.

The sitemaps list articles under ``/a/N/``, which link nowhere (so a sitemap's own bound
is what ends its crawl); ``/web/N/`` are the web's. Every article URL answers with an
article, so what bounds a crawl is the crawler, not the site. ``hits`` counts the
requests per kind of path (``tree``, ``web``, ``a``, ``huge``, ``self-index``, ``child``,
``robots``); ``/__hits`` answers them as JSON.

``python -m tests.endless_site [--huge-urls N] [--children N]`` serves it in the
foreground and prints its URL (the benchmark runs it as a separate process).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import random
import threading
from collections import Counter
from .hostile_site import ServedSite

WORDS = ("harbour", "lantern", "orchard", "quarry", "meadow", "bridge", "ledger", "mill", "ferry",
         "kiln", "thatch", "weir", "granary", "forge", "tannery", "wharf", "loom", "cistern")


def article_text(number: int) -> list[str]:
    """Four paragraphs of prose that differ from one article number to the next (not
    near-duplicates of each other either)."""
    rng = random.Random(number)
    out = []
    for p in range(4):
        words = [rng.choice(WORDS) + rng.choice(("", "s", "-side", "wright", "keeper")) for _ in range(40)]
        sentences = [" ".join(words[i:i + 10]).capitalize() + "." for i in range(0, 40, 10)]
        out.append(f"Article {number}, part {p}, on the {words[0]} and the {words[1]}: " + " ".join(sentences))
    return out


def huge_sitemap(urls: int, base: str = "") -> bytes:
    """A gzipped ``<urlset>`` of ``urls`` article URLs under ``base`` (a path prefix or full URL)."""
    raw = io.BytesIO()
    with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6) as out:
        out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n'
                  b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n')
        chunk = []
        for i in range(urls):
            chunk.append(f"<url><loc>{base}/a/{i}/</loc><lastmod>2025-01-01</lastmod></url>\n")
            if len(chunk) == 10_000:
                out.write("".join(chunk).encode())
                chunk = []
        out.write("".join(chunk).encode() + b"</urlset>\n")
    return raw.getvalue()


class EndlessSite(ServedSite):
    """``with EndlessSite() as site: site.url``; ``site.hits`` counts requests by kind."""

    def __init__(self, fanout: int = 10, huge_urls: int = 200_000, children: int = 5_000):
        self.fanout = fanout
        self.huge_urls = huge_urls
        self.children = children
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()
        self._huge: bytes | None = None

    def count(self, kind: str) -> None:
        with self.lock:
            self.hits[kind] += 1

    @staticmethod
    def send(handler, body: bytes, content_type: str, status: int = 200) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        try:
            handler.wfile.write(body)
        except OSError:
            pass

    def handle_get(self, handler) -> None:
        path = handler.path.split("?")[0]
        xml = "application/xml"
        if path == "/__hits":  # for a benchmark running this site in another process
            with self.lock:
                return self.send(handler, json.dumps(self.hits).encode(), "application/json")
        if path == "/robots.txt":
            self.count("robots")
            return self.send(handler, b"User-agent: *\nAllow: /\n", "text/plain")
        if path.startswith("/tree/"):
            self.count("tree")
            return self.send(handler, self.tree_sitemap(path).encode(), xml)
        if path == "/huge.xml.gz":
            self.count("huge")
            with self.lock:
                if self._huge is None:
                    self._huge = huge_sitemap(self.huge_urls, self.url)
            return self.send(handler, self._huge, "application/x-gzip")
        if path == "/self-index.xml":
            self.count("self-index")
            entries = [f"{self.url}/self-index.xml"] + [f"{self.url}/child-{i}.xml" for i in range(self.children)]
            return self.send(handler, sitemap_index(entries).encode(), xml)
        if path.startswith("/child-"):
            self.count("child")
            number = int(path.removeprefix("/child-").removesuffix(".xml") or 0)
            return self.send(handler, url_set([f"{self.url}/a/{3_000_000 + number * 2 + k}/" for k in range(2)]).encode(), xml)
        if path.startswith(("/web/", "/a/")):
            self.count(path.split("/")[1])
            return self.send(handler, self.web_page(path).encode(), "text/html; charset=utf-8")
        self.count("missing")
        return self.send(handler, b"<h1>Not found</h1>", "text/html", status=404)

    def tree_sitemap(self, path: str) -> str:
        """``/tree/index[-i-j...].xml``: an index of ``fanout`` deeper indexes and one set of
        articles; ``/tree/pages[-i-j...].xml``: that set (three articles)."""
        name = path.removeprefix("/tree/").removesuffix(".xml")
        kind, _, suffix = name.partition("-")
        numbers = [int(n) for n in suffix.split("-") if n.isdigit()]
        if kind == "pages":
            seed = sum((n + 1) * 31 ** i for i, n in enumerate(numbers)) * 3
            return url_set([f"{self.url}/a/{10_000_000 + seed + k}/" for k in range(3)])
        tail = "".join(f"-{n}" for n in numbers)
        entries = [f"{self.url}/tree/index{tail}-{k}.xml" for k in range(self.fanout)]
        return sitemap_index([f"{self.url}/tree/pages{tail}.xml", *entries])

    def web_page(self, path: str) -> str:
        """``/web/`` and ``/web/page/N/``: index pages of ``fanout`` new articles each and a
        "Next" link; ``/web/N/``: article N, linking to ``fanout`` articles after it;
        ``/a/N/``: article N, linking nowhere."""
        parts = [p for p in path.split("/") if p]
        if len(parts) == 1 or parts[1] == "page":
            page = int(parts[2]) if len(parts) > 2 else 1
            first = 20_000_000 + page * self.fanout
            teasers = "".join(
                f'<article class="teaser"><h2><a href="/web/{n}/">Article {n}</a></h2>'
                f"<p>{article_text(n)[0][:160]}</p><a href=\"/web/{n}/\">Read more</a></article>"
                for n in range(first, first + self.fanout))
            return (f"<!DOCTYPE html><html><head><title>Endless, page {page}</title>"
                    f'<link rel="next" href="/web/page/{page + 1}/"></head><body><main>'
                    f"<h1>The endless web, page {page}</h1>{teasers}</main>"
                    f'<nav class="pagination"><a rel="next" href="/web/page/{page + 1}/">Next »</a></nav>'
                    "</body></html>")
        number = int(parts[1]) if parts[1].isdigit() else 0
        paras = "".join(f"<p>{p}</p>" for p in article_text(number))
        fanout = self.fanout if parts[0] == "web" else 0
        related = "".join(f'<li><a href="/web/{number * fanout + k + 1}/">Article {number * fanout + k + 1}</a></li>'
                          for k in range(fanout))
        return (f"<!DOCTYPE html><html><head><title>Article {number} | Endless</title>"
                '<meta property="og:type" content="article"></head><body>'
                f"<article><h1>Article {number}</h1>{paras}</article>"
                f'<aside class="related"><h2>Read next</h2><ul>{related}</ul></aside></body></html>')


def sitemap_index(urls: list[str]) -> str:
    entries = "".join(f"<sitemap><loc>{u}</loc></sitemap>" for u in urls)
    return f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>'


def url_set(urls: list[str]) -> str:
    entries = "".join(f"<url><loc>{u}</loc></url>" for u in urls)
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--huge-urls", type=int, default=1_200_000)
    parser.add_argument("--children", type=int, default=50_000)
    parser.add_argument("--fanout", type=int, default=10)
    args = parser.parse_args()
    with EndlessSite(args.fanout, args.huge_urls, args.children) as site:
        print(site.url, flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
