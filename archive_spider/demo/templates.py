"""HTML, XML and text rendering of the demo site: ``build_site`` renders every page.

The markup imitates a typical blog CMS theme on purpose: header navigation, breadcrumb,
share bar, an ad row splitting the body, author box, tags, comments, a sidebar of related
essays and a newsletter footer, plus the leftovers (empty images, spacer gifs, stray
Markdown) that scraped articles carry in the wild. None of it is marked as boilerplate:
an extractor has to recognise it the way it would on a real site.
"""

from __future__ import annotations

import hashlib
import json
import random
from datetime import date, datetime, time, timedelta, timezone
from email.utils import format_datetime
from html import escape
from urllib.parse import quote
from xml.sax.saxutils import escape as xml_escape

from archive_spider.demo.site import (
    CATEGORIES,
    PER_PAGE,
    SITE_LAUNCHED,
    SITE_NAME,
    STATIC_DIR,
    Block,
    Essay,
    Page,
    load_authors,
    load_essays,
    parse_blocks,
    slugify,
    sort_newest_first,
)

HTML = "text/html; charset=utf-8"
TAGLINE = "Essays on nature, history, science and craft"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
LATEST_ON_FRONT = 6
PER_CATEGORY_ON_FRONT = 3
RELATED_IN_SIDEBAR = 5
FEED_SIZE = 10

# Invented readers for the comment sections; each essay picks a few, deterministically.
COMMENTERS = (
    "Margaret O.", "Dev Patel", "Jonas", "Ellie Brandt", "R. Castellanos", "Thandiwe M.",
    "old_salt_42", "Ines", "Pieter van Dam", "Kathleen Moore", "Yusuf", "a reader in Leeds",
)
COMMENTS = (
    "Lovely piece. I read it twice, the second time out loud to my daughter.",
    "I had no idea about this. Do you have any recommendations for further reading?",
    "My grandfather used to tell me something very similar, and I always thought he was making it up.",
    "Beautifully written, though I think the second half could have gone further.",
    "This is exactly why I subscribe. Thank you.",
    "Small correction: I believe the date in the third paragraph is a year off. Otherwise excellent.",
    "Shared this with my book club. We argued about it for an hour, which is a compliment.",
    "The part about patience stayed with me all day.",
    "Is there a version of this with pictures? I would love to see what you describe.",
    "I have been doing this for thirty years and still learned something new here.",
    "Wonderful. More essays like this one, please.",
    "I disagree with the conclusion, but I enjoyed every word getting there.",
    "Printed it out for the kitchen table. Old habits.",
    "Came here from the newsletter. Glad I clicked.",
)
AD_COPY = (
    ("Handmade notebooks for field and studio", "Shop the autumn collection"),
    ("Learn a language in ten minutes a day", "Start your free trial"),
    ("Walking holidays in the Scottish Highlands", "See this year's routes"),
    ("Reading glasses, delivered in 48 hours", "Find your pair"),
)


def digest(*parts: str) -> int:
    """A stable number from text (``hash()`` changes between interpreter runs)."""
    return int(hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()[:12], 16)


def long_date(iso: str) -> str:
    """'2025-03-14' -> 'March 14, 2025'."""
    day = date.fromisoformat(iso)
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def published_at(essay: Essay) -> datetime:
    return datetime.combine(date.fromisoformat(essay.published), time(9, 0), tzinfo=timezone.utc)


def newest_time(essays: list[Essay]) -> datetime:
    return max((published_at(e) for e in essays), default=SITE_LAUNCHED)


def author_path(name: str) -> str:
    return f"/authors/{slugify(name)}/"


def category_path(category: str, number: int = 1) -> str:
    return f"/category/{category}/" if number == 1 else f"/category/{category}/page/{number}/"


def absolute(base_url: str | None, path: str) -> str:
    return f"{base_url.rstrip('/')}{path}" if base_url else path


def one_line(text: str, limit: int = 90) -> str:
    """The first sentence of ``text``, cut at a word boundary to at most ``limit`` characters."""
    sentence = text.split(". ")[0].rstrip(".") + "."
    if len(sentence) <= limit:
        return sentence
    return sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


# --------------------------------------------------------------------------- layout


def render_nav(current: str) -> str:
    entries = [("/", "Home")] + [(category_path(c), name) for c, name in CATEGORIES.items()]
    entries += [("/about/", "About"), ("/contact/", "Contact"), ("/login/", "Log in")]
    items = []
    for href, label in entries:
        css = "menu-item current-menu-item" if href == current else "menu-item"
        aria = ' aria-current="page"' if href == current else ""
        items.append(f'<li class="{css}"><a href="{href}"{aria}>{label}</a></li>')
    return (
        '<nav id="site-navigation" class="main-navigation" aria-label="Main menu">\n'
        '<button class="menu-toggle" aria-controls="primary-menu" aria-expanded="false">Menu</button>\n'
        f'<ul id="primary-menu" class="menu">\n{chr(10).join(items)}\n</ul>\n</nav>'
    )


def render_footer(year: int) -> str:
    return f"""<footer id="colophon" class="site-footer">
<div class="footer-widgets">
<section class="widget widget-newsletter">
<h2 class="widget-title">Subscribe to our newsletter</h2>
<p>One email every Sunday with the week's new essays. No spam, unsubscribe at any time.</p>
<form class="newsletter-form" action="/newsletter/" method="post">
<label class="screen-reader-text" for="newsletter-email">Email address</label>
<input type="email" id="newsletter-email" name="email" placeholder="you@example.com" required>
<button type="submit">Subscribe</button>
</form>
</section>
<section class="widget widget-links">
<h2 class="widget-title">The Review</h2>
<ul>
<li><a href="/about/">About us</a></li>
<li><a href="/contact/">Contact us</a></li>
<li><a href="/feed.xml">RSS feed</a></li>
<li><a href="/login/">Contributor log in</a></li>
</ul>
</section>
</div>
<div class="site-info">
<p>&copy; {year} {escape(SITE_NAME)}. All rights reserved. Reproduction without permission is prohibited.</p>
<p><a href="/contact/">Contact us</a> &middot; <a href="/about/#privacy">Privacy policy</a> &middot; <a href="/about/#terms">Terms of use</a></p>
</div>
</footer>"""


def render_layout(
    *,
    title: str,
    description: str,
    path: str,
    main: str,
    year: int,
    body_class: str,
    base_url: str | None,
    aside: str = "",
    nav_current: str = "",
    extra_head: str = "",
) -> bytes:
    page_title = f"{escape(title)} | {escape(SITE_NAME)}" if title != SITE_NAME else escape(SITE_NAME)
    html = f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{page_title}</title>
<meta name="description" content="{escape(description)}">
<link rel="canonical" href="{escape(absolute(base_url, path))}">
<link rel="alternate" type="application/rss+xml" title="{escape(SITE_NAME)} &raquo; Feed" href="/feed.xml">
<link rel="stylesheet" id="theme-style-css" href="/static/style.css" media="all">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
{extra_head}</head>
<body class="{body_class}">
<div id="page" class="site">
<a class="skip-link screen-reader-text" href="#content">Skip to content</a>
<header id="masthead" class="site-header">
<div class="site-branding">
<p class="site-title"><a href="/" rel="home">{escape(SITE_NAME)}</a></p>
<p class="site-description">{escape(TAGLINE)}</p>
</div>
{render_nav(nav_current)}
</header>
<div id="content" class="site-content">
<main id="primary" class="site-main">
{main}
</main>
{aside}
</div>
{render_footer(year)}
</div>
<div id="cookie-notice" class="cookie-notice" role="dialog" aria-label="Cookie consent">
<p>We use cookies to count visitors and remember your preferences. By continuing to browse you agree to our <a href="/about/#privacy">privacy policy</a>.</p>
<button type="button" class="cookie-accept">Accept</button>
</div>
<script src="/static/site.js" defer></script>
</body>
</html>
"""
    return html.encode("utf-8")


# --------------------------------------------------------------------------- teasers


def render_byline(essay: Essay) -> str:
    return (
        f'<span class="byline">By <a class="author" href="{author_path(essay.author)}">'
        f"{escape(essay.author)}</a></span> &middot; "
        f'<time class="entry-date" datetime="{essay.published}">{long_date(essay.published)}</time>'
    )


def render_teaser(essay: Essay, heading: str = "h2") -> str:
    cats = " ".join(f"category-{c}" for c in essay.categories)
    return f"""<article class="teaser post type-post {cats}">
<{heading} class="entry-title"><a href="{essay.url_path}" rel="bookmark">{escape(essay.title)}</a></{heading}>
<p class="entry-meta">{render_byline(essay)}</p>
<p class="entry-summary">{escape(essay.teaser)}</p>
<a class="read-more" href="{essay.url_path}">Read More &raquo;</a>
</article>"""


def render_pagination(category: str, number: int, count: int) -> str:
    if count <= 1:
        return ""
    parts = []
    if number > 1:
        parts.append(f'<a class="prev page-numbers" rel="prev" href="{category_path(category, number - 1)}">&laquo; Previous</a>')
    for n in range(1, count + 1):
        if n == number:
            parts.append(f'<span aria-current="page" class="page-numbers current">{n}</span>')
        else:
            parts.append(f'<a class="page-numbers" href="{category_path(category, n)}">{n}</a>')
    if number < count:
        parts.append(f'<a class="next page-numbers" rel="next" href="{category_path(category, number + 1)}">Next &raquo;</a>')
    return '<nav class="navigation pagination" aria-label="Posts">\n<div class="nav-links">\n' + "\n".join(parts) + "\n</div>\n</nav>"


def render_index_sidebar(essays: list[Essay]) -> str:
    counts = {c: sum(c in e.categories for e in essays) for c in CATEGORIES}
    cats = "\n".join(
        f'<li class="cat-item"><a href="{category_path(c)}">{name}</a> ({counts[c]})</li>'
        for c, name in CATEGORIES.items()
    )
    recent = "\n".join(f'<li><a href="{e.url_path}">{escape(e.title)}</a></li>' for e in essays[:5])
    return f"""<aside id="secondary" class="widget-area sidebar">
<section class="widget widget-about">
<h2 class="widget-title">About the Review</h2>
<p>{escape(SITE_NAME)} publishes long-form essays by writers who look closely at the world. <a href="/about/">Read more about us</a>.</p>
</section>
<section class="widget widget-categories">
<h2 class="widget-title">Categories</h2>
<ul>
{cats}
</ul>
</section>
<section class="widget widget-recent-entries">
<h2 class="widget-title">Recent essays</h2>
<ul>
{recent}
</ul>
</section>
</aside>"""


# --------------------------------------------------------------------------- essay body


def render_block(block: Block) -> str:
    if block.kind == "h2":
        return f"<h2>{escape(block.text)}</h2>"
    if block.kind == "quote":
        return f"<blockquote class=\"wp-block-quote\"><p>{escape(block.text)}</p></blockquote>"
    if block.kind == "ul":
        return "<ul>\n" + "\n".join(f"<li>{escape(item)}</li>" for item in block.items) + "\n</ul>"
    return f"<p>{escape(block.text)}</p>"


# Leftovers that scraped or migrated articles carry; the cleaner must drop every one.
LEFTOVERS = (
    '<p></p>',
    '<figure class="wp-block-image size-large"><img src="" alt="" class="lazyload" loading="lazy"></figure>',
    '<p><img src="/static/spacer.gif" width="1" height="1" alt=""></p>',
    '<p>![]()</p>',
    '<table class="md-table"><tbody><tr><td>|</td><td>|</td><td>|</td></tr></tbody></table>',
)


def render_ad(essay: Essay, page_number: int) -> str:
    headline, action = AD_COPY[digest(essay.slug, str(page_number), "ad") % len(AD_COPY)]
    return f"""<div class="ad-row" aria-label="Advertisement">
<div class="ad-slot ad-slot-inline">
<span class="ad-label">Advertisement</span>
<div class="ad-creative"><p class="ad-headline">{escape(headline)}</p><p class="ad-cta"><a href="/about/#advertising" rel="sponsored nofollow">{escape(action)}</a></p></div>
</div>
</div>"""


def render_body(essay: Essay, page_number: int) -> str:
    """The essay's page as two ``entry-content`` containers around an ad, with leftovers."""
    blocks = parse_blocks(essay.pages[page_number - 1])
    rng = random.Random(digest(essay.slug, str(page_number)))
    # Each leftover goes after a block chosen per essay, never before the first paragraph.
    after: dict[int, list[str]] = {}
    for leftover in LEFTOVERS:
        after.setdefault(rng.randrange(len(blocks)), []).append(leftover)
    groups = [[render_block(block), *after.get(i, [])] for i, block in enumerate(blocks)]
    # The ad goes near the middle, but never straight after a subheading.
    middle = max(1, len(groups) // 2)
    while middle < len(groups) and blocks[middle - 1].kind == "h2":
        middle += 1
    first = [html for group in groups[:middle] for html in group]
    second = [html for group in groups[middle:] for html in group]
    parts = ['<div class="entry-content">', *first, "</div>", render_ad(essay, page_number)]
    if second:
        parts += ['<div class="entry-content entry-content-continued">', *second, "</div>"]
    return "\n".join(parts)


def render_share_bar(essay: Essay, url: str) -> str:
    url = quote(url, safe="")
    title = quote(essay.title, safe="")
    return f"""<div class="share-bar sharedaddy">
<span class="share-label">Share this:</span>
<a class="share-twitter" href="https://twitter.com/intent/tweet?url={url}&amp;text={title}" target="_blank" rel="noopener">Twitter</a> |
<a class="share-facebook" href="https://www.facebook.com/sharer/sharer.php?u={url}" target="_blank" rel="noopener">Facebook</a> |
<a class="share-linkedin" href="https://www.linkedin.com/sharing/share-offsite/?url={url}" target="_blank" rel="noopener">LinkedIn</a> |
<a class="share-email" href="mailto:?subject={title}&amp;body={url}">Email</a>
</div>"""


def render_comments(essay: Essay, path: str) -> str:
    seed = digest(essay.slug, "comments")
    count = 2 + seed % 2
    day = date.fromisoformat(essay.published)
    comments = []
    for i in range(count):
        name = COMMENTERS[(seed // 3 + i * 5) % len(COMMENTERS)]
        text = COMMENTS[(seed // 7 + i * 3) % len(COMMENTS)]
        when = day + timedelta(days=1 + (seed // (11 + i)) % 9 + i * 2)
        comments.append((when, name, text))
    items = []
    for i, (when, name, text) in enumerate(sorted(comments)):
        cid = 100 + seed % 800 + i
        items.append(f"""<li id="comment-{cid}" class="comment depth-1">
<article class="comment-body">
<footer class="comment-meta">
<b class="fn">{escape(name)}</b>
<time class="comment-date" datetime="{when.isoformat()}">{long_date(when.isoformat())}</time>
</footer>
<div class="comment-content"><p>{escape(text)}</p></div>
<a class="comment-reply-link" href="#respond">Reply</a>
</article>
</li>""")
    return f"""<section id="comments" class="comments-area">
<h2 class="comments-title">{count} Comments</h2>
<ol class="comment-list">
{chr(10).join(items)}
</ol>
<div id="respond" class="comment-respond">
<h3 class="comment-reply-title">Leave a comment</h3>
<form action="{path}" method="post" id="commentform" class="comment-form">
<p class="comment-notes">Your email address will not be published. Required fields are marked *</p>
<p><label for="comment">Comment *</label><textarea id="comment" name="comment" rows="6" required></textarea></p>
<p><label for="author">Name *</label><input id="author" name="author" type="text" required></p>
<p><label for="email">Email *</label><input id="email" name="email" type="email" required></p>
<p class="form-submit"><button type="submit" id="submit">Post Comment</button></p>
</form>
</div>
</section>"""


def pick_related(essay: Essay, essays: list[Essay]) -> list[Essay]:
    """Other essays for the sidebar: same home category first, then the rest, rotated."""
    others = [e for e in essays if e.slug != essay.slug]
    same = [e for e in others if e.categories[0] == essay.categories[0]]
    rest = [e for e in others if e.categories[0] != essay.categories[0]]
    if not others:
        return []
    shift = digest(essay.slug, "related")
    same = same[shift % len(same):] + same[: shift % len(same)] if same else []
    rest = rest[shift % len(rest):] + rest[: shift % len(rest)] if rest else []
    return (same[:3] + rest + same[3:])[:RELATED_IN_SIDEBAR]


def render_related(essay: Essay) -> str:
    return f"""<div class="related-post">
<h3 class="related-title"><a href="{essay.url_path}">{escape(essay.title)}</a></h3>
<p class="related-excerpt">{escape(one_line(essay.teaser))}</p>
<a class="more-link" href="{essay.url_path}">Read More</a>
</div>"""


def render_article_sidebar(essay: Essay, essays: list[Essay]) -> str:
    related = pick_related(essay, essays)
    if not related:
        return ""
    pick = related[digest(essay.slug, "pick") % len(related)]
    blocks = "\n".join(render_related(e) for e in related)
    return f"""<aside id="secondary" class="widget-area sidebar">
<section class="widget widget-related">
<h2 class="widget-title">More essays</h2>
{blocks}
</section>
<section class="widget widget-editors-pick">
<h2 class="widget-title">Editor's pick</h2>
{render_related(pick)}
</section>
</aside>"""


def render_json_ld(essay: Essay, canonical: str) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": essay.title,
        "description": essay.teaser,
        "author": {"@type": "Person", "name": essay.author, "url": author_path(essay.author)},
        "datePublished": essay.published,
        "articleSection": CATEGORIES[essay.categories[0]],
        "mainEntityOfPage": canonical,
        "publisher": {"@type": "Organization", "name": SITE_NAME},
    }
    text = json.dumps(data, ensure_ascii=False, indent=1).replace("</", "<\\/")
    return f'<script type="application/ld+json">\n{text}\n</script>\n'


def render_essay_page(essay: Essay, page_number: int, essays: list[Essay], bios: dict[str, str],
                      year: int, base_url: str | None) -> bytes:
    path = essay.page_path(page_number)
    canonical = absolute(base_url, path)
    home = essay.categories[0]
    head = (
        '<meta property="og:type" content="article">\n'
        f'<meta property="og:title" content="{escape(essay.title)}">\n'
        f'<meta property="og:description" content="{escape(essay.teaser)}">\n'
        f'<meta property="og:url" content="{escape(canonical)}">\n'
        f'<meta property="og:site_name" content="{escape(SITE_NAME)}">\n'
        f'<meta property="article:published_time" content="{essay.published}T09:00:00+00:00">\n'
        f'<meta property="article:section" content="{CATEGORIES[home]}">\n'
        f'<meta name="author" content="{escape(essay.author)}">\n'
        + render_json_ld(essay, canonical)
    )
    pager = ""
    if len(essay.pages) > 1:
        if page_number < len(essay.pages):
            nxt = essay.page_path(page_number + 1)
            head += f'<link rel="next" href="{nxt}">\n'
            pager = f'<nav class="page-links"><span class="page-links-title">Pages:</span> <a rel="next" href="{nxt}">Page {page_number + 1} &raquo;</a></nav>'
        else:
            prev = essay.page_path(page_number - 1)
            head += f'<link rel="prev" href="{prev}">\n'
            pager = f'<nav class="page-links"><span class="page-links-title">Pages:</span> <a rel="prev" href="{prev}">&laquo; Page {page_number - 1}</a></nav>'
    tags = ", ".join(f'<a href="{category_path(c)}" rel="tag">{CATEGORIES[c]}</a>' for c in essay.categories)
    cats = " ".join(f"category-{c}" for c in essay.categories)
    post_id = 1000 + digest(essay.slug) % 9000
    main = f"""<nav class="breadcrumb" aria-label="Breadcrumb"><a href="/">Home</a> &rsaquo; <a href="{category_path(home)}">{CATEGORIES[home]}</a></nav>
<article id="post-{post_id}" class="post-{post_id} post type-post status-publish format-standard hentry {cats}">
<header class="entry-header">
<h1 class="entry-title">{escape(essay.title)}</h1>
<div class="entry-meta">By <a class="author url fn" rel="author" href="{author_path(essay.author)}">{escape(essay.author)}</a> &middot; <time class="entry-date published" datetime="{essay.published}">{long_date(essay.published)}</time> &middot; <span class="reading-time">{max(1, round(essay.word_count / 230))} min read</span></div>
</header>
{render_share_bar(essay, canonical)}
{render_body(essay, page_number)}
{pager}
<footer class="entry-footer">
<p class="tags-links">Tags: {tags}</p>
</footer>
</article>
<section class="author-box">
<h2 class="author-box-title">About the author</h2>
<p class="author-name"><a href="{author_path(essay.author)}">{escape(essay.author)}</a></p>
<p class="author-bio">{escape(bios.get(essay.author, ""))}</p>
</section>
{render_comments(essay, path)}"""
    title = essay.title if page_number == 1 else f"{essay.title} (page {page_number})"
    return render_layout(
        title=title, description=essay.teaser, path=path, main=main, year=year,
        body_class=f"post-template-default single single-post postid-{post_id}", base_url=base_url,
        aside=render_article_sidebar(essay, essays), nav_current=category_path(home), extra_head=head,
    )


# --------------------------------------------------------------------------- other pages


def render_front(essays: list[Essay], year: int, base_url: str | None) -> bytes:
    latest = "\n".join(render_teaser(e) for e in essays[:LATEST_ON_FRONT])
    sections = []
    for category, name in CATEGORIES.items():
        members = [e for e in essays if category in e.categories][:PER_CATEGORY_ON_FRONT]
        if not members:
            continue
        teasers = "\n".join(render_teaser(e, heading="h3") for e in members)
        sections.append(f"""<section class="category-section category-{category}">
<h2 class="section-title"><a href="{category_path(category)}">{name}</a></h2>
{teasers}
<p class="more-in-category"><a href="{category_path(category)}">More in {name} &raquo;</a></p>
</section>""")
    main = f"""<section class="latest-essays">
<h1 class="section-title">Latest essays</h1>
{latest}
</section>
{chr(10).join(sections)}"""
    return render_layout(
        title=SITE_NAME, description=f"{SITE_NAME}: {TAGLINE.lower()}.", path="/", main=main, year=year,
        body_class="home blog", base_url=base_url, aside=render_index_sidebar(essays), nav_current="/",
    )


def render_category(category: str, number: int, count: int, members: list[Essay], essays: list[Essay],
                    year: int, base_url: str | None) -> bytes:
    name = CATEGORIES[category]
    teasers = "\n".join(render_teaser(e) for e in members) or "<p>No essays here yet.</p>"
    head = ""
    if number > 1:
        head += f'<link rel="prev" href="{category_path(category, number - 1)}">\n'
    if number < count:
        head += f'<link rel="next" href="{category_path(category, number + 1)}">\n'
    heading = name if number == 1 else f"{name} &ndash; Page {number} of {count}"
    main = f"""<header class="page-header">
<h1 class="page-title">{heading}</h1>
<p class="archive-description">Essays filed under {name.lower()}, newest first.</p>
</header>
{teasers}
{render_pagination(category, number, count)}"""
    title = name if number == 1 else f"{name} – Page {number}"
    return render_layout(
        title=title, description=f"{name} essays from {SITE_NAME}.", path=category_path(category, number),
        main=main, year=year, body_class=f"archive category category-{category} paged-{number}",
        base_url=base_url, aside=render_index_sidebar(essays), nav_current=category_path(category), extra_head=head,
    )


def render_author(name: str, bio: str, members: list[Essay], essays: list[Essay], year: int,
                  base_url: str | None) -> bytes:
    teasers = "\n".join(render_teaser(e) for e in members) or "<p>No essays yet.</p>"
    main = f"""<header class="page-header author-header">
<h1 class="page-title">{escape(name)}</h1>
<p class="author-bio">{escape(bio)}</p>
</header>
<h2 class="section-title">Essays by {escape(name)}</h2>
{teasers}"""
    return render_layout(
        title=name, description=bio, path=author_path(name), main=main, year=year,
        body_class="archive author", base_url=base_url, aside=render_index_sidebar(essays),
    )


def render_simple(path: str, title: str, content: str, year: int, essays: list[Essay],
                  base_url: str | None) -> bytes:
    main = f"""<article class="page type-page">
<header class="entry-header"><h1 class="entry-title">{escape(title)}</h1></header>
<div class="entry-content">
{content}
</div>
</article>"""
    return render_layout(
        title=title, description=f"{title} – {SITE_NAME}", path=path, main=main, year=year,
        body_class="page-template-default page", base_url=base_url, aside=render_index_sidebar(essays),
        nav_current=path,
    )


ABOUT = f"""<p>{escape(SITE_NAME)} is a small online magazine of long-form essays. We publish
writers who look closely at one thing &ndash; a river, a tool, an old timetable, a loaf of bread &ndash;
and follow it until it opens onto something larger.</p>
<p>We were founded in 2023 by a handful of friends who missed the unhurried essays of the
old monthly magazines. We have no paywall and no algorithm; essays are edited by people and
published when they are ready.</p>
<h2>What we publish</h2>
<p>Our four sections are Nature, History, Science and Craft. Many essays belong to two of
them, which is usually a sign that they are good ones.</p>
<h2 id="advertising">Advertising</h2>
<p>We carry a small number of advertisements from independent businesses to pay our
writers. Advertisers have no say over what we publish.</p>
<h2 id="privacy">Privacy</h2>
<p>We keep your email address only if you subscribe to the newsletter, and we never sell it.</p>
<h2 id="terms">Terms of use</h2>
<p>All essays are copyright their authors. Short quotations with a link back are always welcome.</p>"""

CONTACT = """<p>We read every letter, though we cannot always reply to each one.</p>
<address>
The Commonplace Review<br>
14 Lantern Yard<br>
Hebden Bridge HX7 8AD<br>
United Kingdom
</address>
<p>Email: <a href="mailto:editors@commonplace-review.example">editors@commonplace-review.example</a></p>
<p>To pitch an essay, write a paragraph about the idea and a sentence about yourself.</p>
<form class="contact-form" action="/contact/" method="post">
<p><label for="contact-name">Your name</label><input id="contact-name" name="name" type="text" required></p>
<p><label for="contact-email">Your email</label><input id="contact-email" name="email" type="email" required></p>
<p><label for="contact-subject">Subject</label><input id="contact-subject" name="subject" type="text"></p>
<p><label for="contact-message">Message</label><textarea id="contact-message" name="message" rows="8" required></textarea></p>
<p><button type="submit">Send message</button></p>
</form>"""

LOGIN = """<p>Contributors and subscribers can log in to manage their drafts and newsletter settings.</p>
<form class="login-form" action="/login/" method="post">
<p><label for="user_login">Username or email address</label><input id="user_login" name="log" type="text" autocomplete="username" required></p>
<p><label for="user_pass">Password</label><input id="user_pass" name="pwd" type="password" autocomplete="current-password" required></p>
<p><label><input name="rememberme" type="checkbox" value="forever"> Remember me</label></p>
<p><button type="submit">Log in</button></p>
</form>
<p><a href="/contact/">Lost your password?</a></p>"""

NEWSLETTER = """<p>Every Sunday morning we send one email with the week's new essays and a short
note from the editors. Enter your address below to subscribe.</p>
<form class="newsletter-form" action="/newsletter/" method="post">
<p><label for="newsletter-page-email">Email address</label><input id="newsletter-page-email" name="email" type="email" required></p>
<p><button type="submit">Subscribe</button></p>
</form>"""

NOT_FOUND = """<p>Sorry, the page you were looking for could not be found. It may have moved,
or the address may be mistyped.</p>
<p><a href="/">Go to the front page</a> or browse one of our sections from the menu above.</p>"""


def render_not_found() -> Page:
    main = f"""<section class="error-404 not-found">
<header class="page-header"><h1 class="page-title">Page not found</h1></header>
<div class="page-content">
{NOT_FOUND}
</div>
</section>"""
    body = render_layout(
        title="Page not found", description="Page not found", path="/", main=main,
        year=SITE_LAUNCHED.year, body_class="error404", base_url=None,
    )
    return Page(body, HTML, SITE_LAUNCHED)


# --------------------------------------------------------------------------- feeds


def render_feed(essays: list[Essay], base_url: str | None) -> bytes:
    items = []
    for essay in essays[:FEED_SIZE]:
        link = absolute(base_url, essay.url_path)
        cats = "".join(f"<category>{CATEGORIES[c]}</category>" for c in essay.categories)
        items.append(f"""<item>
<title>{xml_escape(essay.title)}</title>
<link>{xml_escape(link)}</link>
<guid isPermaLink="true">{xml_escape(link)}</guid>
<dc:creator>{xml_escape(essay.author)}</dc:creator>
<pubDate>{format_datetime(published_at(essay))}</pubDate>
{cats}
<description>{xml_escape(essay.teaser)}</description>
</item>""")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
<title>{xml_escape(SITE_NAME)}</title>
<link>{xml_escape(absolute(base_url, "/"))}</link>
<description>{xml_escape(TAGLINE)}</description>
<language>en-gb</language>
<lastBuildDate>{format_datetime(newest_time(essays))}</lastBuildDate>
{chr(10).join(items)}
</channel>
</rss>
""".encode()


def render_sitemap(essays: list[Essay], base_url: str | None) -> bytes:
    urls = []
    for essay in essays:
        for number in range(1, len(essay.pages) + 1):
            loc = xml_escape(absolute(base_url, essay.page_path(number)))
            urls.append(f"<url><loc>{loc}</loc><lastmod>{essay.published}</lastmod></url>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "\n".join(urls) + "\n</urlset>\n").encode("utf-8")


ROBOTS = b"""# The Commonplace Review
User-agent: *
Disallow: /login-redirect/
Allow: /
"""

STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".gif": "image/gif",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}


# --------------------------------------------------------------------------- the site


def render_site(essays: list[Essay], bios: dict[str, str], base_url: str | None) -> dict[str, Page]:
    """Every page of the site; ``essays`` are already newest first."""
    year = int(essays[0].published[:4]) if essays else SITE_LAUNCHED.year
    updated = newest_time(essays)
    pages: dict[str, Page] = {"/": Page(render_front(essays, year, base_url), HTML, updated)}

    for category in CATEGORIES:
        members = [e for e in essays if category in e.categories]
        count = max(1, -(-len(members) // PER_PAGE))
        for number in range(1, count + 1):
            chunk = members[(number - 1) * PER_PAGE: number * PER_PAGE]
            body = render_category(category, number, count, chunk, essays, year, base_url)
            pages[category_path(category, number)] = Page(body, HTML, newest_time(chunk))

    for essay in essays:
        for number in range(1, len(essay.pages) + 1):
            body = render_essay_page(essay, number, essays, bios, year, base_url)
            pages[essay.page_path(number)] = Page(body, HTML, published_at(essay))

    for name, bio in bios.items():
        members = [e for e in essays if e.author == name]
        body = render_author(name, bio, members, essays, year, base_url)
        pages[author_path(name)] = Page(body, HTML, newest_time(members))

    for path, title, content in (
        ("/about/", "About", ABOUT),
        ("/contact/", "Contact", CONTACT),
        ("/login/", "Log in", LOGIN),
        ("/newsletter/", "Newsletter", NEWSLETTER),
    ):
        pages[path] = Page(render_simple(path, title, content, year, essays, base_url), HTML, SITE_LAUNCHED)

    pages["/robots.txt"] = Page(ROBOTS, "text/plain; charset=utf-8", SITE_LAUNCHED)
    pages["/feed.xml"] = Page(render_feed(essays, base_url), "application/rss+xml; charset=utf-8", updated)
    pages["/sitemap.xml"] = Page(render_sitemap(essays, base_url), "application/xml; charset=utf-8", updated)
    for path in sorted(STATIC_DIR.iterdir()):
        if path.suffix in STATIC_TYPES:
            pages[f"/static/{path.name}"] = Page(path.read_bytes(), STATIC_TYPES[path.suffix], SITE_LAUNCHED)
    return pages


def build_site(essays: list[Essay] | None = None, base_url: str | None = None) -> dict[str, Page]:
    """Render the whole demo site (default: the bundled essays): URL path -> Page.

    ``base_url`` (e.g. "http://127.0.0.1:8000") makes the feed, the sitemap and the
    canonical links absolute; without it they are root-relative. Pure and deterministic.
    """
    if essays is None:
        essays = load_essays()
    return render_site(sort_newest_first(essays), load_authors(), base_url)
