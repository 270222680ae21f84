"""A small magazine whose template can change between crawls, for the site-health tests.

``Magazine(variant)`` builds the pages of one state of the site: ``normal``, or one of the
changes a site makes under a crawler (``VARIANTS``). A test serves it with
``sitekit.TestSite`` and swaps ``site.pages`` between crawls.
"""

from __future__ import annotations

from datetime import date, timedelta

from .builtsites import esc
from .sitekit import Reply, html, paragraphs, redirect, title_for

PER_PAGE = 5

VARIANTS = ("normal", "container-renamed", "javascript", "listing-moved", "listing-redirected", "listing-gone",
            "forbidden")


def posts(count: int, every_days: int, start: date = date(2026, 11, 20)) -> list[dict]:
    out = []
    for i in range(count):
        seed = f"health-{i}"
        title = title_for(seed)
        out.append({
            "path": f"/posts/{'-'.join(title.lower().split())}/",
            "title": title,
            "published": (start - timedelta(days=every_days * i)).isoformat(),
            "paragraphs": paragraphs(seed, count=5, words=50),
        })
    return out


def layout(title: str, main: str, head: str = "") -> str:
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{esc(title)} - Tidewater</title>{head}</head>
<body><header class="masthead"><a href="/">Tidewater</a><nav><a href="/blog/">Stories</a> <a href="/about/">About</a></nav></header>
<main>{main}</main><footer class="colophon">Tidewater, a magazine of the coast.</footer></body></html>"""


def teaser_of(post: dict) -> str:
    return post["paragraphs"][0][:150].rsplit(" ", 1)[0] + "…"


def listing_pages(items: list[dict], base: str) -> dict[str, Reply]:
    pages = {}
    chunks = [items[i:i + PER_PAGE] for i in range(0, len(items), PER_PAGE)]
    for n, chunk in enumerate(chunks, start=1):
        cards = "".join(
            f'<div class="card"><h2><a href="{p["path"]}">{esc(p["title"])}</a></h2>'
            f'<time datetime="{p["published"]}">{p["published"]}</time><p>{esc(teaser_of(p))}</p>'
            f'<a class="more" href="{p["path"]}">Read more</a></div>' for p in chunk)
        more = f'<a class="next" href="{base}page/{n + 1}/">Older stories</a>' if n < len(chunks) else ""
        pages[base if n == 1 else f"{base}page/{n}/"] = html(layout("Stories", cards + more))
    return pages


def article_page(post: dict, variant: str) -> str:
    head = (f'<meta property="og:type" content="article">'
            f'<meta property="article:published_time" content="{post["published"]}T09:00:00+00:00">')
    body = "".join(f"<p>{esc(p)}</p>" for p in post["paragraphs"])
    if variant == "javascript":
        return layout(post["title"], '<div id="app">Loading…</div><noscript>Please enable JavaScript.</noscript>'
                                     '<script src="/static/app.js"></script>', head)
    if variant == "container-renamed":
        main = (f'<div class="story"><h1 class="story-headline">{esc(post["title"])}</h1>'
                f'<div class="story-body">{body}</div></div>')
    else:
        main = (f'<article class="post"><h1 class="entry-title">{esc(post["title"])}</h1>'
                f'<div class="entry-content">{body}</div></article>')
    return layout(post["title"], main, head)


def build(items: list[dict], variant: str = "normal"):
    """The builder sitekit.TestSite takes: ``{path: Reply}`` of one state of the site."""
    assert variant in VARIANTS, variant

    def pages(base_url: str) -> dict[str, Reply]:
        if variant == "forbidden":
            denied = html(layout("Forbidden", "<h1>403 Forbidden</h1><p>Access denied.</p>"), 403)
            return {path: denied for path in ("/", "/blog/", "/robots.txt", *(p["path"] for p in items))}
        out = {"/": html(layout("Tidewater", '<p>Welcome. Read our <a href="/blog/">stories</a>.</p>')),
               "/robots.txt": Reply(b"User-agent: *\nAllow: /\n", content_type="text/plain")}
        listing = "/blog/" if variant in ("normal", "container-renamed", "javascript") else "/stories/"
        out.update(listing_pages(items, listing))
        if variant == "listing-moved":
            out["/blog/"] = html(layout("Stories", '<h1>Stories have moved</h1>'
                                                   '<p>Our stories now live at a new address.</p>'))
        if variant == "listing-redirected":
            out["/blog/"] = redirect("/stories/")
        for post in items:
            out[post["path"]] = html(article_page(post, variant))
        return out

    return pages
