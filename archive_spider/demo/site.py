"""The bundled demo site: essays loaded from text files, rendered to a dict of pages.

The demo is what archive-spider exists for, in miniature: an article directory with
index pages of "Read More" teasers, numbered pagination, and article pages wrapped in
the boilerplate a real CMS adds (navigation, share bars, ads, comments, sidebars,
leftover placeholders). This module is the content (essays, authors, the page model);
``templates.build_site`` renders it, purely and deterministically, so tests and the local
server (``server.py``) always see the same bytes for the same essays.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from collections.abc import Iterable

SITE_NAME = "The Commonplace Review"
CATEGORIES: dict[str, str] = {
    "nature": "Nature",
    "history": "History",
    "science": "Science",
    "craft": "Craft",
}
PER_PAGE = 5

DEMO_DIR = Path(__file__).resolve().parent
ESSAYS_DIR = DEMO_DIR / "essays"
AUTHORS_FILE = DEMO_DIR / "authors.toml"
STATIC_DIR = DEMO_DIR / "static"

HEADER_KEYS = ("title", "author", "date", "categories", "teaser")
PAGE_BREAK = "=== page break ==="
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# The format forbids markup in bodies; these catch an HTML tag or a Markdown link.
HTML_TAG_RE = re.compile(r"</?[a-zA-Z][^>]*>")
MARKDOWN_LINK_RE = re.compile(r"\[[^\]]*\]\([^)]*\)")

# Pages with no date of their own (about, static files) claim this as Last-Modified.
SITE_LAUNCHED = datetime(2023, 1, 9, 9, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Page:
    """One response of the demo site."""

    body: bytes
    content_type: str
    last_modified: datetime


@dataclass(frozen=True)
class Block:
    """One block of an essay body: kind is "p", "h2", "quote" or "ul"."""

    kind: str
    text: str = ""
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class Essay:
    """One essay of the demo site, as read from ``essays/<slug>.txt``."""

    slug: str
    title: str
    author: str
    published: str
    categories: tuple[str, ...]
    teaser: str
    pages: tuple[str, ...]

    @property
    def url_path(self) -> str:
        return f"/essays/{self.slug}/"

    @property
    def paragraphs(self) -> list[str]:
        """Plain-text blocks of the whole essay: paragraphs, headings, quotes, list items."""
        texts: list[str] = []
        for markup in self.pages:
            for block in parse_blocks(markup):
                texts.extend(block.items if block.kind == "ul" else [block.text])
        return texts

    @property
    def word_count(self) -> int:
        return sum(len(text.split()) for text in self.paragraphs)

    def page_path(self, number: int) -> str:
        """URL path of page ``number`` (1-based) of this essay."""
        return self.url_path if number == 1 else f"{self.url_path}{number}/"


def slugify(text: str) -> str:
    """Lowercase ASCII slug of a name: "Noor El-Amin" -> "noor-el-amin"."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def parse_blocks(markup: str) -> list[Block]:
    """Split one page of essay markup into blocks (see FORMAT.md)."""
    blocks: list[Block] = []
    for chunk in re.split(r"\n[ \t]*\n", markup.strip()):
        lines = [line.strip() for line in chunk.splitlines() if line.strip()]
        if not lines:
            continue
        first = lines[0]
        if first.startswith("## ") or first.startswith("### "):
            blocks.append(Block("h2", " ".join([first.lstrip("#").strip(), *lines[1:]])))
        elif first.startswith(">"):
            quoted = [line[1:].strip() if line.startswith(">") else line for line in lines]
            blocks.append(Block("quote", " ".join(part for part in quoted if part)))
        elif first.startswith("- ") or first.startswith("* "):
            items: list[str] = []
            for line in lines:
                if line.startswith("- ") or line.startswith("* "):
                    items.append(line[2:].strip())
                else:  # a wrapped list item continues on the next line
                    items[-1] = f"{items[-1]} {line}"
            blocks.append(Block("ul", items=tuple(items)))
        else:
            blocks.append(Block("p", " ".join(lines)))
    return blocks


def load_authors(path: Path = AUTHORS_FILE) -> dict[str, str]:
    """Author name -> bio, from authors.toml."""
    with open(path, "rb") as f:
        data = tomllib.load(f)
    return {name: entry["bio"] for name, entry in data.get("authors", {}).items()}


def parse_essay(path: Path, text: str, authors: Iterable[str] | None = None) -> Essay:
    """Parse one essay file; raise ValueError naming the file and the problem."""

    def fail(problem: str) -> ValueError:
        return ValueError(f"{path.name}: {problem}")

    slug = path.stem
    if not SLUG_RE.match(slug):
        raise fail("file name is not a slug (lowercase ASCII words joined by '-')")
    head, sep, body = text.replace("\r\n", "\n").lstrip("\ufeff").partition("\n---\n")
    if not sep:
        raise fail("no '---' line between the header and the body")

    header: dict[str, str] = {}
    for number, line in enumerate(head.splitlines(), start=1):
        if not line.strip():
            continue
        key, colon, value = line.partition(":")
        key = key.strip().lower()
        if not colon:
            raise fail(f"header line {number} is not 'key: value': {line!r}")
        if key not in HEADER_KEYS:
            raise fail(f"unknown header key {key!r}")
        if key in header:
            raise fail(f"header key {key!r} given twice")
        header[key] = value.strip()
    missing = [key for key in HEADER_KEYS if not header.get(key)]
    if missing:
        raise fail(f"missing header keys: {', '.join(missing)}")

    try:
        date.fromisoformat(header["date"])
    except ValueError:
        raise fail(f"date is not YYYY-MM-DD: {header['date']!r}") from None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", header["date"]):
        raise fail(f"date is not YYYY-MM-DD: {header['date']!r}")

    categories = tuple(c.strip().lower() for c in header["categories"].split(",") if c.strip())
    unknown = [c for c in categories if c not in CATEGORIES]
    if unknown:
        raise fail(f"unknown categories: {', '.join(unknown)}")
    if not 1 <= len(categories) <= 2 or len(set(categories)) != len(categories):
        raise fail("categories must list one or two different categories")
    if authors is not None and header["author"] not in authors:
        raise fail(f"author {header['author']!r} is not in authors.toml")

    pages = tuple(part.strip() for part in re.split(r"^[ \t]*" + re.escape(PAGE_BREAK) + r"[ \t]*$", body, flags=re.M))
    if len(pages) > 2:
        raise fail("more than one page break")
    if not all(pages):
        raise fail("empty body or empty page")
    for markup in pages:
        if HTML_TAG_RE.search(markup):
            raise fail(f"HTML in the body: {HTML_TAG_RE.search(markup).group(0)!r}")
        if MARKDOWN_LINK_RE.search(markup):
            raise fail(f"Markdown link in the body: {MARKDOWN_LINK_RE.search(markup).group(0)!r}")

    return Essay(
        slug=slug,
        title=header["title"],
        author=header["author"],
        published=header["date"],
        categories=categories,
        teaser=header["teaser"],
        pages=pages,
    )


def load_essays(folder: str | Path | None = None) -> list[Essay]:
    """Load every ``*.txt`` essay in ``folder`` (default: the bundled essays), newest first.

    Raises ValueError naming the file and the problem when a file is malformed.
    """
    folder = Path(folder) if folder is not None else ESSAYS_DIR
    authors = load_authors()
    essays = [
        parse_essay(path, path.read_text(encoding="utf-8"), authors)
        for path in sorted(folder.glob("*.txt"))
    ]
    return sort_newest_first(essays)


def sort_newest_first(essays: Iterable[Essay]) -> list[Essay]:
    """Newest first; essays of the same day in slug order, so the order is stable."""
    by_slug = sorted(essays, key=lambda e: e.slug)
    return sorted(by_slug, key=lambda e: e.published, reverse=True)
