"""A generated site of any number of articles, for benchmarks and load tests.

The pages are the demo site's (same theme, same boilerplate: navigation, share bar, ads,
comments, related essays), the essays are new: titles, teasers and bodies put together
deterministically from the sentences of the bundled essays, so the text reads like
English and every article is different. Index pages list ``per_page`` teasers (20, as
many news and blog themes do) with numbered pagination per category.

Rendering is linear in the number of articles: each article's sidebar picks from its
neighbours, not from the whole site.

Example::

    pages = build_generated_site(1500, base_url="http://127.0.0.1:8000")
    write_site(pages, "/tmp/site-1500")       # a directory any static server can serve
"""

from __future__ import annotations

import mimetypes
import random
import re
from datetime import date, timedelta
from pathlib import Path

from archive_spider.demo.site import CATEGORIES, Essay, Page, load_authors, load_essays, sort_newest_first

# Articles each article's "More essays" sidebar is chosen from.
SIDEBAR_NEIGHBOURS = 12
# Share of articles split over two pages ("Page 2 »").
TWO_PAGE_SHARE = 0.1
FIRST_DAY = date(2012, 1, 2)

INDEX_FILE = "index.html"


def sentence_pool() -> list[str]:
    """Every sentence of the bundled essays' paragraphs."""
    sentences: list[str] = []
    for essay in load_essays():
        for paragraph in essay.paragraphs:
            sentences += [s for s in re.split(r"(?<=[.!?])\s+", paragraph) if len(s.split()) >= 5]
    return sentences


def title_words() -> list[str]:
    words: set[str] = set()
    for essay in load_essays():
        words |= {w for w in re.findall(r"[A-Za-z]+", essay.title) if len(w) > 3}
    return sorted(words)


def generate_essays(count: int, seed: int = 8) -> list[Essay]:
    """``count`` distinct essays, newest first; the same for the same count and seed."""
    rng = random.Random(seed)
    sentences = sentence_pool()
    words = title_words()
    authors = sorted(load_authors())
    categories = sorted(CATEGORIES)
    essays = []
    for number in range(count):
        title_parts = rng.sample(words, 3)
        title = f"{title_parts[0].capitalize()} {title_parts[1].lower()} and the {title_parts[2].lower()} ({number + 1})"
        paragraphs = []
        for _ in range(rng.randint(6, 11)):
            paragraphs.append(" ".join(rng.sample(sentences, rng.randint(3, 6))))
        body = "\n\n".join(paragraphs[:2]) + "\n\n## " + rng.choice(words).capitalize() + " " + rng.choice(words).lower() + "\n\n" + "\n\n".join(paragraphs[2:])
        pages = (body,)
        if rng.random() < TWO_PAGE_SHARE:
            middle = len(paragraphs) // 2
            pages = ("\n\n".join(paragraphs[:middle]), "\n\n".join(paragraphs[middle:]))
        home = rng.choice(categories)
        chosen = (home,) if rng.random() < 0.6 else (home, rng.choice([c for c in categories if c != home]))
        essays.append(Essay(
            slug=f"essay-{number + 1:06d}",
            title=title,
            author=rng.choice(authors),
            published=(FIRST_DAY + timedelta(days=number * 4000 // max(count, 1) + number % 3)).isoformat(),
            categories=chosen,
            teaser=" ".join(rng.sample(sentences, 2)),
            pages=pages,
        ))
    return sort_newest_first(essays)


def build_generated_site(count: int, base_url: str | None = None, per_page: int = 20,
                         seed: int = 8, essays: list[Essay] | None = None) -> dict[str, Page]:
    """URL path -> Page for a site of ``count`` generated articles (or of ``essays``,
    newest first, e.g. some of those ``generate_essays`` gave, to publish the rest later)."""
    from archive_spider.demo import templates

    essays = generate_essays(count, seed) if essays is None else essays
    bios = load_authors()
    year = int(essays[0].published[:4]) if essays else 2025
    pages: dict[str, Page] = {
        "/": Page(templates.render_front(essays, year, base_url), templates.HTML, templates.newest_time(essays)),
    }
    for category in CATEGORIES:
        members = [e for e in essays if category in e.categories]
        total = max(1, -(-len(members) // per_page))
        for number in range(1, total + 1):
            chunk = members[(number - 1) * per_page: number * per_page]
            body = templates.render_category(category, number, total, chunk, essays[:SIDEBAR_NEIGHBOURS], year, base_url)
            pages[templates.category_path(category, number)] = Page(body, templates.HTML, templates.newest_time(chunk))
    for index, essay in enumerate(essays):
        start = max(0, min(index - SIDEBAR_NEIGHBOURS // 2, len(essays) - SIDEBAR_NEIGHBOURS))
        neighbours = essays[start: start + SIDEBAR_NEIGHBOURS]
        for number in range(1, len(essay.pages) + 1):
            body = templates.render_essay_page(essay, number, neighbours, bios, year, base_url)
            pages[essay.page_path(number)] = Page(body, templates.HTML, templates.published_at(essay))
    for name, bio in bios.items():
        members = [e for e in essays if e.author == name][:per_page]
        body = templates.render_author(name, bio, members, essays[:SIDEBAR_NEIGHBOURS], year, base_url)
        pages[templates.author_path(name)] = Page(body, templates.HTML, templates.newest_time(members))
    pages["/robots.txt"] = Page(templates.ROBOTS, "text/plain; charset=utf-8", templates.SITE_LAUNCHED)
    return pages


def file_for(path: str) -> str:
    """Relative file name of a URL path: ``/a/b/`` -> ``a/b/index.html``."""
    relative = path.lstrip("/")
    return relative + INDEX_FILE if relative.endswith("/") or not relative else relative


def write_site(pages: dict[str, Page], directory: str | Path) -> Path:
    """Write pages to ``directory`` as a static site (``/x/`` as ``x/index.html``)."""
    root = Path(directory)
    for path, page in pages.items():
        target = root / file_for(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(page.body)
    return root


def content_type_of(name: str) -> str:
    """The Content-Type a static server sends for a file name (UTF-8 for text)."""
    if name.lower().endswith((".html", ".htm")):
        return "text/html; charset=utf-8"
    guessed, encoding = mimetypes.guess_type(name)
    if encoding is not None:  # sitemap.xml.gz: the bytes as they are
        return "application/octet-stream"
    if guessed is None:
        return "application/octet-stream"
    if guessed.startswith("text/") or guessed.endswith(("xml", "json", "javascript")):
        return f"{guessed}; charset=utf-8"
    return guessed


def is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def read_site(directory: str | Path) -> dict[str, Page]:
    """A static site directory back as URL path -> Page: ``x/index.html`` is ``/x/``,
    every other file is served at its own path with the type its name says."""
    from archive_spider.demo.site import SITE_LAUNCHED

    root = Path(directory)
    pages: dict[str, Page] = {}
    for file in sorted(root.rglob("*")):
        if not file.is_file():
            continue
        relative = file.relative_to(root).as_posix()
        body = file.read_bytes()
        if relative == INDEX_FILE or relative.endswith("/" + INDEX_FILE):
            path = "/" + relative[: -len(INDEX_FILE)]
        else:
            path = "/" + relative
        content_type = content_type_of(file.name)
        if content_type.endswith("; charset=utf-8") and not is_utf8(body):
            content_type = content_type.split(";")[0]  # let the page say (or the reader guess)
        pages[path] = Page(body, content_type, SITE_LAUNCHED)
    return pages
