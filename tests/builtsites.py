"""The article sites the end-to-end discovery tests crawl, built in code.

Each ``build_*`` function takes the server's base URL and returns ``{path: Reply}``; each
module-level ``*_ARTICLES`` lists the paths of the site's articles, the exact set a crawl
must archive. The sites copy the shapes of real ones (WordPress themes, news sections,
PHP article directories, feed-only and sitemap-only publishing, "previously" chains)
with their furniture: menus, sidebars, tag and author pages, search, log-in, about and
contact pages, comment links, print views, redirects.
"""

from __future__ import annotations

import html as htmllib
import json
from dataclasses import dataclass
from datetime import date, timedelta

from .sitekit import Reply, gzipped, html, paragraphs, redirect, text, title_for, xml


@dataclass(frozen=True)
class Post:
    path: str
    title: str
    author: str
    published: str
    teaser: str
    paragraphs: tuple[str, ...]
    section: str = ""


def make_posts(prefix: str, count: int, path_for, sections=("",), authors=("Anna Berg", "Tomas Weir")) -> list[Post]:
    """``count`` posts, newest first; ``path_for(i, slug, day, section)`` gives each path."""
    posts = []
    start = date(2025, 9, 30)
    for i in range(count):
        seed = f"{prefix}-{i}"
        title = title_for(seed)
        slug = "-".join(title.lower().split())
        day = start - timedelta(days=5 * i)
        section = sections[i % len(sections)]
        paras = paragraphs(seed)
        posts.append(Post(path_for(i, slug, day, section), title, authors[i % len(authors)], day.isoformat(),
                          paras[0][:140].rsplit(" ", 1)[0] + "…", tuple(paras), section))
    return posts


def esc(value: str) -> str:
    return htmllib.escape(value, quote=True)


def body_html(post: Post) -> str:
    return "\n".join(f"<p>{esc(p)}</p>" for p in post.paragraphs)


# --------------------------------------------------------------------------- WordPress blog

WP_POSTS = make_posts(
    "wp", 13, lambda i, slug, day, s: f"/{day:%Y/%m}/{slug}/",
    sections=("travel", "food", "travel"),
)
WP_ARTICLES = {p.path for p in WP_POSTS}
WP_PER_PAGE = 5
# The oldest post is also served at a second address naming the first as canonical.
WP_ALIAS = "/featured/editors-pick/"


def wp_sidebar() -> str:
    recent = "".join(f'<li><a href="{p.path}">{esc(p.title)}</a></li>' for p in WP_POSTS[:5])
    return f"""<aside id="secondary" class="widget-area">
<section class="widget widget_search"><form role="search" action="/"><input name="s"><button>Search</button></form></section>
<section class="widget widget_recent_entries"><h2 class="widget-title">Recent Posts</h2><ul>{recent}</ul></section>
<section class="widget widget_popular"><h2 class="widget-title">Popular</h2><ul>
  <li><a href="/?p=7">{esc(WP_POSTS[6].title)}</a></li>
  <li><a href="/go/partner-offer/">Our partner's great travel deal</a></li>
  <li><a href="{WP_ALIAS}">Editor's pick: {esc(WP_POSTS[12].title)}</a></li></ul></section>
<section class="widget widget_categories"><h2 class="widget-title">Categories</h2><ul>
  <li class="cat-item"><a href="/category/travel/">Travel</a></li><li class="cat-item"><a href="/category/food/">Food</a></li></ul></section>
<section class="widget widget_archive"><h2 class="widget-title">Archives</h2><ul>
  <li><a href="/2025/09/">September 2025</a></li><li><a href="/2025/08/">August 2025</a></li></ul></section>
<section class="widget widget_meta"><h2 class="widget-title">Meta</h2><ul><li><a href="/wp-login.php">Log in</a></li>
  <li><a href="/feed/">Entries feed</a></li></ul></section>
</aside>"""


def wp_layout(title: str, main: str, body_class: str, head: str = "") -> str:
    return f"""<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{esc(title)} – Slow Roads</title>
<link rel="alternate" type="application/rss+xml" title="Slow Roads Feed" href="/feed/">{head}</head>
<body class="{body_class}"><header class="site-header"><p class="site-title"><a href="/" rel="home">Slow Roads</a></p>
<nav class="main-navigation"><ul class="menu"><li><a href="/">Home</a></li><li><a href="/category/travel/">Travel</a></li>
<li><a href="/category/food/">Food</a></li><li><a href="/about/">About</a></li><li><a href="/contact/">Contact</a></li></ul></nav></header>
<div id="content" class="site-content"><main id="primary" class="site-main">{main}</main>{wp_sidebar()}</div>
<footer class="site-footer"><a href="/privacy-policy/">Privacy Policy</a> Proudly powered by WordPress</footer></body></html>"""


def wp_excerpt(post: Post) -> str:
    return f"""<article class="post type-post status-publish hentry category-{post.section}">
<header class="entry-header"><h2 class="entry-title"><a href="{post.path}" rel="bookmark">{esc(post.title)}</a></h2>
<div class="entry-meta">Posted on <time class="entry-date published" datetime="{post.published}T08:00:00+00:00">{post.published}</time>
by <span class="author vcard"><a href="/author/{post.author.split()[0].lower()}/">{esc(post.author)}</a></span></div></header>
<div class="entry-summary"><p>{esc(post.teaser)} <a href="{post.path}" class="more-link">Continue reading →</a></p></div>
<footer class="entry-footer">Posted in <a href="/category/{post.section}/" rel="category tag">{post.section.title()}</a>
Tagged <a href="/tag/slow-travel/" rel="tag">slow travel</a> <a href="{post.path}#comments">2 Comments</a></footer></article>"""


def wp_listing(posts: list[Post], base: str, title: str, body_class: str) -> dict[str, Reply]:
    pages = {}
    chunks = [posts[i:i + WP_PER_PAGE] for i in range(0, len(posts), WP_PER_PAGE)]
    for n, chunk in enumerate(chunks, start=1):
        path = base if n == 1 else f"{base}page/{n}/"
        nav = []
        if n < len(chunks):
            nav.append(f'<a class="next page-numbers" href="{base}page/{n + 1}/">Older posts</a>')
        if n > 1:
            nav.append(f'<a class="prev page-numbers" href="{base if n == 2 else f"{base}page/{n - 1}/"}">Newer posts</a>')
        main = "".join(wp_excerpt(p) for p in chunk)
        main += f'<nav class="navigation posts-navigation"><div class="nav-links">{" ".join(nav)}</div></nav>'
        pages[path] = html(wp_layout(title, main, body_class))
    return pages


def wp_post_page(post: Post, older: Post | None, newer: Post | None) -> str:
    links = []
    if newer:
        links.append(f'<div class="nav-next"><a href="{newer.path}" rel="next">Next post: {esc(newer.title)}</a></div>')
    if older:
        links.append(f'<div class="nav-previous"><a href="{older.path}" rel="prev">Previous post: {esc(older.title)}</a></div>')
    head = f'<meta property="og:type" content="article"><link rel="canonical" href="{post.path}">' \
           f'<meta property="article:published_time" content="{post.published}T08:00:00+00:00">'
    main = f"""<article class="post type-post status-publish hentry"><header class="entry-header">
<h1 class="entry-title">{esc(post.title)}</h1><div class="entry-meta">Posted on <time datetime="{post.published}">{post.published}</time>
by <a href="/author/{post.author.split()[0].lower()}/">{esc(post.author)}</a></div></header>
<div class="entry-content">{body_html(post)}</div>
<footer class="entry-footer">Posted in <a href="/category/{post.section}/" rel="category tag">{post.section.title()}</a></footer></article>
<nav class="navigation post-navigation"><div class="nav-links">{"".join(links)}</div></nav>
<div id="comments" class="comments-area"><h2>2 thoughts</h2><ol class="comment-list"><li>Lovely piece. <a href="{post.path}?replytocom=5#respond">Reply</a></li></ol></div>"""
    return wp_layout(post.title, main, "post-template-default single single-post", head)


def build_wordpress(base_url: str) -> dict[str, Reply]:
    pages: dict[str, Reply] = {}
    pages.update(wp_listing(WP_POSTS, "/", "Slow Roads", "home blog"))
    for section in ("travel", "food"):
        posts = [p for p in WP_POSTS if p.section == section]
        pages.update(wp_listing(posts, f"/category/{section}/", section.title(), "archive category"))
    pages.update(wp_listing(WP_POSTS[:7], "/tag/slow-travel/", "slow travel", "archive tag"))
    pages.update(wp_listing(WP_POSTS[::2], "/author/anna/", "Anna Berg", "archive author"))
    pages.update(wp_listing(WP_POSTS[1::2], "/author/tomas/", "Tomas Weir", "archive author"))
    for month in ("09", "08"):
        posts = [p for p in WP_POSTS if p.published[5:7] == month]
        pages.update(wp_listing(posts, f"/2025/{month}/", f"Month: {month}", "archive date"))
    for i, post in enumerate(WP_POSTS):
        older = WP_POSTS[i + 1] if i + 1 < len(WP_POSTS) else None
        newer = WP_POSTS[i - 1] if i else None
        pages[post.path] = html(wp_post_page(post, older, newer))
    pages[WP_ALIAS] = pages[WP_POSTS[12].path]
    # WordPress' shortlink redirects to the permalink; a sponsored link leaves the site.
    pages["/?p=7"] = redirect(WP_POSTS[6].path)
    pages["/go/partner-offer/"] = redirect(f"http://localhost:{base_url.rsplit(':', 1)[1]}/partner/deal-of-the-week-in-lisbon/", 302)
    pages["/about/"] = html(wp_layout("About", "<article class='page'><h1>About</h1><p>Slow Roads is the travel "
                                      "notebook of two friends who prefer trains, ferries and their own feet.</p></article>",
                                      "page-template-default page"))
    pages["/contact/"] = html(wp_layout("Contact", "<h1>Contact</h1><form action='/contact/' method='post'>"
                                        "<input name='email'><textarea name='m'></textarea><button>Send</button></form>",
                                        "page-template-default page"))
    pages["/privacy-policy/"] = html(wp_layout("Privacy Policy", "<h1>Privacy Policy</h1><p>We keep no data.</p>", "page"))
    pages["/wp-login.php"] = html("<html><head><title>Log In</title></head><body class='login'><form><input name='log'>"
                                  "<input type='password' name='pwd'></form></body></html>")
    items = "".join(f"<item><title>{esc(p.title)}</title><link>{base_url}{p.path}</link>"
                    f"<description>{esc(p.teaser)}</description></item>" for p in WP_POSTS[:10])
    pages["/feed/"] = xml(f'<?xml version="1.0"?><rss version="2.0"><channel><title>Slow Roads</title>{items}</channel></rss>',
                          "application/rss+xml; charset=utf-8")
    return pages


# --------------------------------------------------------------------------- news site

NEWS_SECTIONS = ("world", "business", "sport")
NEWS_POSTS = make_posts(
    "news", 18, lambda i, slug, day, s: f"/{s}/{day:%Y/%m/%d}/{slug}",
    sections=NEWS_SECTIONS, authors=("Mara Quill", "Jon Heron", "Ines Rook"),
)
NEWS_ARTICLES = {p.path for p in NEWS_POSTS}
NEWS_PER_PAGE = 4


def news_layout(title: str, main: str, head: str = "") -> str:
    nav = "".join(f'<li><a href="/{s}/">{s.title()}</a></li>' for s in NEWS_SECTIONS)
    return f"""<!DOCTYPE html><html lang="en"><head><title>{esc(title)} | The Daily Ledger</title>{head}</head><body>
<header class="masthead"><a class="logo" href="/">The Daily Ledger</a><nav class="sections"><ul>{nav}
<li><a href="/video/">Video</a></li><li><a href="/newsletters/">Newsletters</a></li></ul></nav>
<a href="/search?q=">Search</a> <a href="/account/login">Sign in</a> <a href="/subscribe">Subscribe</a></header>
<main>{main}</main>
<footer><a href="/about-us">About us</a> <a href="/contact">Contact</a> <a href="/terms">Terms</a></footer></body></html>"""


def news_card(post: Post) -> str:
    return f"""<div class="card"><h3 class="card__title"><a href="{post.path}">{esc(post.title)}</a></h3>
<p class="card__standfirst">{esc(post.teaser)}</p><time datetime="{post.published}">{post.published}</time></div>"""


def news_page_path(section: str, n: int) -> str:
    return f"/{section}/" if n == 1 else f"/{section}/?page={n}"


def build_news(base_url: str) -> dict[str, Reply]:
    pages: dict[str, Reply] = {}
    top = "".join(news_card(p) for p in NEWS_POSTS[:6])
    pages["/"] = html(news_layout("Home", f'<section class="top-stories"><h2>Top stories</h2><div class="cards">{top}</div></section>'))
    for section in NEWS_SECTIONS:
        posts = [p for p in NEWS_POSTS if p.section == section]
        chunks = [posts[i:i + NEWS_PER_PAGE] for i in range(0, len(posts), NEWS_PER_PAGE)]
        for n, chunk in enumerate(chunks, start=1):
            numbers = " ".join(f'<a href="{news_page_path(section, k)}">{k}</a>' if k != n else f"<span>{k}</span>"
                               for k in range(1, len(chunks) + 1))
            nxt = f' <a href="/{section}/?page={n + 1}">Next ›</a>' if n < len(chunks) else ""
            main = (f'<h1>{section.title()}</h1><div class="cards">{"".join(news_card(p) for p in chunk)}</div>'
                    f'<nav class="pagination">{numbers}{nxt}</nav>')
            pages[f"/{section}/" if n == 1 else f"/{section}/?page={n}"] = html(news_layout(section.title(), main))
    for post in NEWS_POSTS:
        related = [p for p in NEWS_POSTS if p.section == post.section and p is not post][:3]
        more = "".join(f'<li><a href="{p.path}">{esc(p.title)}</a></li>' for p in related)
        data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": post.title,
                "datePublished": post.published, "author": {"@type": "Person", "name": post.author}}
        head = f'<script type="application/ld+json">{json.dumps(data)}</script><meta property="og:type" content="article">'
        main = f"""<article><h1>{esc(post.title)}</h1><p class="byline">By <a href="/authors/{post.author.split()[1].lower()}">{esc(post.author)}</a>,
<time datetime="{post.published}">{post.published}</time></p><div class="article-body">{body_html(post)}</div>
<div class="share"><a href="/share?u={post.path}">Share</a></div></article>
<aside class="more"><h2>More from {post.section.title()}</h2><ul>{more}</ul></aside>"""
        pages[post.path] = html(news_layout(post.title, main, head))
    for path in ("/video/", "/newsletters/", "/about-us", "/contact", "/terms", "/subscribe", "/account/login", "/search"):
        pages[path] = html(news_layout(path.strip("/").title(), f"<h1>{esc(path.strip('/').title())}</h1><p>Nothing here to archive.</p>"))
    return pages


# --------------------------------------------------------------------------- old-style article directory

DIR_CATEGORIES = {1: "Gardening", 2: "Woodwork", 3: "Home Brewing"}
DIR_POSTS = make_posts("dir", 12, lambda i, slug, day, s: f"/article.php?id={100 + i}", sections=(1, 2, 3),
                       authors=("R. Thatcher", "M. Cooper"))
DIR_ARTICLES = {p.path for p in DIR_POSTS}
DIR_PER_PAGE = 3


def dir_layout(title: str, content: str) -> str:
    menu = "".join(f'<tr><td><a href="/articles.php?cat={k}">{v}</a></td></tr>' for k, v in DIR_CATEGORIES.items())
    return f"""<html><head><title>{esc(title)} - FreeArticleBank</title></head><body bgcolor="#ffffff">
<table width="100%"><tr><td colspan="2"><a href="/index.php"><img src="/logo.gif" alt="FreeArticleBank"></a></td></tr>
<tr><td width="180" valign="top"><table>{menu}<tr><td><a href="/submit.php">Submit Article</a></td></tr>
<tr><td><a href="/login.php">Author Login</a></td></tr></table></td>
<td valign="top">{content}</td></tr>
<tr><td colspan="2"><font size="1"><a href="/terms.php">Terms of Use</a> | <a href="/contact.php">Contact Us</a></font></td></tr></table></body></html>"""


def dir_page_path(cat: int, n: int) -> str:
    return f"/articles.php?cat={cat}" if n == 1 else f"/articles.php?cat={cat}&amp;page={n}"


def build_directory(base_url: str) -> dict[str, Reply]:
    pages: dict[str, Reply] = {}
    rows = "".join(f'<tr><td><b><a href="/articles.php?cat={k}">{v}</a></b> ({sum(1 for p in DIR_POSTS if p.section == k)})</td></tr>'
                   for k, v in DIR_CATEGORIES.items())
    pages["/index.php"] = html(dir_layout("Article Directory", f"<h2>Browse categories</h2><table>{rows}</table>"))
    pages["/"] = redirect("/index.php")
    for cat, name in DIR_CATEGORIES.items():
        posts = [p for p in DIR_POSTS if p.section == cat]
        chunks = [posts[i:i + DIR_PER_PAGE] for i in range(0, len(posts), DIR_PER_PAGE)]
        for n, chunk in enumerate(chunks, start=1):
            rows = "".join(f"""<tr><td><b><a href="{p.path}">{esc(p.title)}</a></b><br>
<font size="2">{esc(p.teaser)} <a href="{p.path}">Read More...</a></font><br><font size="1">by {esc(p.author)} | Views: 1{n}3</font></td></tr>"""
                           for p in chunk)
            links = " ".join(f'<a href="{dir_page_path(cat, k)}">{k}</a>' if k != n else f"<b>{k}</b>"
                             for k in range(1, len(chunks) + 1))
            if n < len(chunks):
                links += f' <a href="/articles.php?cat={cat}&amp;page={n + 1}">Next &gt;&gt;</a>'
            content = f"<h2>{name}</h2><table>{rows}</table><p>Pages: {links}</p>"
            path = f"/articles.php?cat={cat}" if n == 1 else f"/articles.php?cat={cat}&page={n}"
            pages[path] = html(dir_layout(name, content))
    for post in DIR_POSTS:
        paras = "".join(f"<p>{esc(p)}</p>" for p in post.paragraphs)
        content = f"""<h1>{esc(post.title)}</h1><font size="2">Submitted by <b>{esc(post.author)}</b> on {post.published}</font>
<div class="article">{paras}</div>
<p><a href="{post.path}&amp;print=1">Printer Friendly</a> | <a href="/email.php?id={post.path.rsplit('=', 1)[1]}">Email to a friend</a></p>
<p>About the author: {esc(post.author)} writes about {esc(DIR_CATEGORIES[post.section]).lower()}.</p>"""
        pages[post.path] = html(dir_layout(post.title, content))
    for path in ("/submit.php", "/login.php", "/terms.php", "/contact.php"):
        pages[path] = html(dir_layout(path, "<form><input name='x'></form>"))
    return pages


# --------------------------------------------------------------------------- feed-only site

FEED_POSTS = make_posts("feed", 8, lambda i, slug, day, s: f"/notes/{slug}.html")
FEED_ARTICLES = {p.path for p in FEED_POSTS}


def atom_entry(base_url: str, post: Post) -> str:
    return f"""<entry><title>{esc(post.title)}</title><link rel="alternate" type="text/html" href="{base_url}{post.path}"/>
<id>tag:notes,{post.published}:{post.path}</id><published>{post.published}T07:00:00Z</published><updated>{post.published}T07:00:00Z</updated>
<author><name>{esc(post.author)}</name></author><summary type="html">{esc("<p>" + esc(post.teaser) + "</p>")}</summary></entry>"""


def build_feed_only(base_url: str) -> dict[str, Reply]:
    pages: dict[str, Reply] = {}
    pages["/"] = html("""<!DOCTYPE html><html><head><title>Field Notes</title>
<link rel="alternate" type="application/atom+xml" title="Field Notes" href="/feeds/all"></head>
<body><h1>Field Notes</h1><p>Notes are published to the feed only. <a href="/feeds/all">Subscribe</a>.</p>
<div id="app"></div><script src="/app.js"></script></body></html>""")
    first, second = FEED_POSTS[:5], FEED_POSTS[5:]
    head = '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Field Notes</title>'
    pages["/feeds/all"] = Reply(
        (head + f'<link rel="self" href="{base_url}/feeds/all"/><link rel="next" href="{base_url}/feeds/all?page=2"/>'
         + "".join(atom_entry(base_url, p) for p in first) + "</feed>").encode(),
        content_type="application/octet-stream")  # a server that does not know what it serves
    pages["/feeds/all?page=2"] = Reply(
        (head + "".join(atom_entry(base_url, p) for p in second) + "</feed>").encode(), content_type="text/html")
    for post in FEED_POSTS:
        pages[post.path] = html(f"""<!DOCTYPE html><html><head><title>{esc(post.title)}</title>
<meta property="og:type" content="article"><meta name="author" content="{esc(post.author)}"></head>
<body><a href="/">Field Notes</a><article><h1>{esc(post.title)}</h1><p><time datetime="{post.published}">{post.published}</time></p>
{body_html(post)}</article></body></html>""")
    return pages


# --------------------------------------------------------------------------- sitemap-only site

SITEMAP_POSTS = make_posts("sitemap", 10, lambda i, slug, day, s: f"/p/{4100 + i}-{slug}")
SITEMAP_ARTICLES = {p.path for p in SITEMAP_POSTS}
SITEMAP_PRIVATE = "/private/unpublished-draft-about-the-harbour"


def urlset(base_url: str, paths: list[str], news: bool = False) -> str:
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    entries = "".join(f"<url><loc>{base_url}{p}</loc><lastmod>2025-09-01</lastmod></url>" for p in paths)
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{ns}>{entries}</urlset>'


def build_sitemap_only(base_url: str) -> dict[str, Reply]:
    pages: dict[str, Reply] = {}
    pages["/"] = html("""<!DOCTYPE html><html><head><title>Harbour Gazette</title></head><body>
<h1>Harbour Gazette</h1><p>Our reader app loads the stories.</p><a href="/about/">About</a> <a href="/contact/">Contact</a></body></html>""")
    pages["/robots.txt"] = text(f"User-agent: *\nDisallow: /private/\n\nSitemap: {base_url}/sitemap_index.xml\n")
    pages["/sitemap_index.xml"] = xml(f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{base_url}/sitemaps/posts-1.xml.gz</loc></sitemap><sitemap><loc>{base_url}/sitemaps/posts-2.xml</loc></sitemap>
<sitemap><loc>{base_url}/sitemaps/pages.xml</loc></sitemap></sitemapindex>""")
    paths = [p.path for p in SITEMAP_POSTS]
    pages["/sitemaps/posts-1.xml.gz"] = gzipped(urlset(base_url, paths[:6] + [SITEMAP_PRIVATE]))
    pages["/sitemaps/posts-2.xml"] = xml(urlset(base_url, paths[6:]))
    pages["/sitemaps/pages.xml"] = xml(urlset(base_url, ["/", "/about/", "/contact/", "/tag/harbour/", "/author/ines/"]))
    for post in SITEMAP_POSTS + [Post(SITEMAP_PRIVATE, "Draft", "X", "2025-09-01", "", tuple(paragraphs("private")))]:
        data = {"@context": "https://schema.org", "@type": "Article", "headline": post.title, "datePublished": post.published}
        pages[post.path] = html(f"""<!DOCTYPE html><html><head><title>{esc(post.title)}</title>
<script type="application/ld+json">{json.dumps(data)}</script></head><body><nav><a href="/">Home</a></nav>
<main><h1>{esc(post.title)}</h1><p class="byline">By {esc(post.author)}</p>{body_html(post)}</main></body></html>""")
    for path in ("/about/", "/contact/", "/tag/harbour/", "/author/ines/"):
        pages[path] = html(f"<html><head><title>{path}</title></head><body><h1>{path}</h1><p>Short.</p></body></html>")
    return pages


# --------------------------------------------------------------------------- "previously" chain

CHAIN_POSTS = make_posts("chain", 12, lambda i, slug, day, s: f"/stories/{slug}/")
CHAIN_ARTICLES = {p.path for p in CHAIN_POSTS}


def build_chain(base_url: str) -> dict[str, Reply]:
    """A magazine whose front page shows the three newest stories; older ones are listed
    only under each story ("Previously in the Almanac")."""
    pages: dict[str, Reply] = {}

    def layout(title: str, main: str, head: str = "") -> str:
        return f"""<!DOCTYPE html><html><head><title>{esc(title)} · The Almanac</title>{head}</head><body>
<header><a href="/">The Almanac</a> <nav><a href="/about/">About</a> <a href="/subscribe/">Subscribe</a></nav></header>
<main>{main}</main><footer>© The Almanac</footer></body></html>"""

    def teaser(p: Post) -> str:
        return (f'<div class="story-teaser"><h3><a href="{p.path}">{esc(p.title)}</a></h3>'
                f'<p>{esc(p.teaser)}</p><a class="more" href="{p.path}">Read more</a></div>')

    pages["/"] = html(layout("Home", "<h1>Latest</h1>" + "".join(teaser(p) for p in CHAIN_POSTS[:3])))
    for i, post in enumerate(CHAIN_POSTS):
        older = CHAIN_POSTS[i + 1:i + 4]
        previously = (f'<section class="previously"><h2>Previously in the Almanac</h2>{"".join(teaser(p) for p in older)}</section>'
                      if older else "")
        main = f"""<article><h1>{esc(post.title)}</h1><p class="meta">{esc(post.author)} · {post.published}</p>
{body_html(post)}</article>{previously}"""
        pages[post.path] = html(layout(post.title, main, '<meta property="og:type" content="article">'))
    for path in ("/about/", "/subscribe/"):
        pages[path] = html(layout(path, f"<h1>{path}</h1><p>Short page.</p>"))
    return pages


# --------------------------------------------------------------------------- endless calendar

CALENDAR_POSTS = make_posts("cal", 6, lambda i, slug, day, s: f"/blog/{slug}/")
CALENDAR_ARTICLES = {p.path for p in CALENDAR_POSTS}


def calendar_page(base_url: str, path: str) -> Reply | None:
    """/events/YYYY-MM/: any month exists, each links to the months around it and its days."""
    import re

    match = re.fullmatch(r"/events/(\d{4})-(\d{2})/(?:(\d{2})/)?", path)
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (1 <= month <= 12) or not (1000 <= year <= 9999):
        return None
    prev_y, prev_m = (year, month - 1) if month > 1 else (year - 1, 12)
    next_y, next_m = (year, month + 1) if month < 12 else (year + 1, 1)
    days = "".join(f'<td><a href="/events/{year}-{month:02d}/{d:02d}/">{d}</a></td>' for d in range(1, 29))
    return html(f"""<!DOCTYPE html><html><head><title>Events {year}-{month:02d}</title></head><body>
<header><a href="/">Parish Notes</a></header><main><h1>Events in {year}-{month:02d}</h1>
<table class="calendar"><tr>{days}</tr></table><p>No events this month.</p>
<nav class="calendar-nav"><a href="/events/{prev_y}-{prev_m:02d}/">« Previous month</a> <a href="/events/{next_y}-{next_m:02d}/">Next month »</a></nav>
</main></body></html>""")


def build_calendar(base_url: str) -> dict[str, Reply]:
    pages: dict[str, Reply] = {}
    cards = "".join(f'<article class="entry"><h2><a href="{p.path}">{esc(p.title)}</a></h2><p>{esc(p.teaser)}</p>'
                    f'<a href="{p.path}">Continue reading</a></article>' for p in CALENDAR_POSTS)
    pages["/"] = html(f"""<!DOCTYPE html><html><head><title>Parish Notes</title></head><body>
<header><a href="/">Parish Notes</a><nav><a href="/events/2025-09/">Events calendar</a> <a href="/about/">About</a></nav></header>
<main>{cards}</main></body></html>""")
    for post in CALENDAR_POSTS:
        pages[post.path] = html(f"""<!DOCTYPE html><html><head><title>{esc(post.title)}</title>
<meta property="og:type" content="article"></head><body><header><a href="/">Parish Notes</a>
<nav><a href="/events/2025-09/">Events calendar</a></nav></header>
<article><h1>{esc(post.title)}</h1><p>By {esc(post.author)}, {post.published}</p>{body_html(post)}</article></body></html>""")
    pages["/about/"] = html("<html><head><title>About</title></head><body><h1>About</h1><p>Short.</p></body></html>")
    return pages
