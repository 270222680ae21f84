"""Rendering's cost: pages per second rendered in Chromium against fetched over HTTP, and
the browser pool's memory.

Serves, on 127.0.0.1, the same N stories two ways: as a static site (a listing paged by
"Older posts" links, one HTML page per story) and as a single-page app (tests/jsapp.py:
an empty shell whose script draws the listing, with "Load more", and each story from
JSON). Then crawls, each into a fresh archive with ``--concurrency 8``:

  static/never    the static site over plain HTTP (the baseline)
  static/auto     the static site with --render auto: no browser should start
  app/auto        the app with --render auto: every page rendered
  static/always   the static site with --render always: every page rendered

and prints for each the articles archived, seconds, pages (articles) per second, and the
peak memory of the browser's processes (PSS, sampled every 0.1 s) and of the whole crawl.
The two static crawls take a few seconds, within the noise of a shared machine: they
are run ``--repeat`` times, alternated, and their medians printed (with the range).

Example:
    python benchmarks/render.py --articles 60 --concurrency 2
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.builtsites import body_html, esc, make_posts  # noqa: E402
from tests.jsapp import app_pages  # noqa: E402
from tests.sitekit import TestSite, html  # noqa: E402

SAMPLE_EVERY = 0.1
PER_PAGE = 10


def static_pages(stories) -> dict:
    """The stories as a plain site: listing pages of PER_PAGE teasers, one page each."""
    def layout(title: str, main: str) -> str:
        return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{esc(title)}</title>"
                f"<script src='/stats.js' async></script></head><body><header><a href='/'>Lumen</a></header>"
                f"<main>{main}</main><footer><a href='/about'>About</a></footer></body></html>")
    pages = {"/stats.js": html("")}
    chunks = [stories[i:i + PER_PAGE] for i in range(0, len(stories), PER_PAGE)]
    for n, chunk in enumerate(chunks, start=1):
        teasers = "".join(f"<article><h2><a href='{p.path}'>{esc(p.title)}</a></h2><time datetime='{p.published}'>"
                          f"{p.published}</time><p>{esc(p.teaser)} <a href='{p.path}'>Read more</a></p></article>"
                          for p in chunk)
        older = f"<a class='next' href='/page/{n + 1}'>Older posts</a>" if n < len(chunks) else ""
        pages["/" if n == 1 else f"/page/{n}"] = html(layout("Latest stories", teasers + older))
    for p in stories:
        pages[p.path] = html(layout(p.title, f"<article><h1>{esc(p.title)}</h1><p class='byline'>By "
                                             f"<span class='author'>{esc(p.author)}</span> <time datetime='{p.published}'>"
                                             f"{p.published}</time></p>{body_html(p)}</article>"))
    return pages


class Peaks:
    """Peak memory of a process tree (RSS) and of its Chromium processes (PSS)."""

    def __init__(self, pid: int):
        self.root = psutil.Process(pid)
        self.tree = self.browser = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.done.wait(SAMPLE_EVERY):
            try:
                processes = [self.root] + self.root.children(recursive=True)
            except psutil.Error:
                return
            tree = browser = 0
            for process in processes:
                try:
                    tree += process.memory_info().rss
                    if "chrom" in process.name().lower():
                        browser += process.memory_full_info().pss
                except psutil.Error:
                    continue
            self.tree, self.browser = max(self.tree, tree), max(self.browser, browser)

    def stop(self) -> None:
        self.done.set()
        self.thread.join()


def crawl(site: TestSite, mode: str, folder: str, concurrency: int) -> dict:
    db = os.path.join(folder, f"{mode}-{time.monotonic_ns()}.db")
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "archive_spider", "crawl", site.url + "/", "--db", db, "--render", mode,
         "--concurrency", "8", "-s", f"ARCHIVE_RENDER_CONCURRENCY={concurrency}"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peaks = Peaks(process.pid)
    out, err = process.communicate(timeout=1800)
    seconds = time.monotonic() - started
    peaks.stop()
    if process.returncode != 0:
        raise SystemExit(f"crawl failed ({mode}): {err[-2000:]}")
    conn = sqlite3.connect(db)
    articles = conn.execute("select count(*) from articles").fetchone()[0]
    failures = conn.execute("select count(*) from failures").fetchone()[0]
    conn.close()
    return {"articles": articles, "failures": failures, "seconds": seconds,
            "rate": articles / seconds, "browser_mb": peaks.browser / 2**20, "tree_mb": peaks.tree / 2**20}


def median_run(results: list[dict]) -> dict:
    """The run of median time (the higher one of an even count)."""
    return sorted(results, key=lambda r: r["seconds"])[len(results) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=2, help="ARCHIVE_RENDER_CONCURRENCY")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each static crawl (medians)")
    args = parser.parse_args()
    stories = make_posts("bench", args.articles, lambda i, slug, day, s: f"/stories/{slug}")
    print(f"{args.articles} articles; {os.cpu_count()} cores, {platform.python_version()}, "
          f"render concurrency {args.concurrency}; load average {os.getloadavg()[0]:.1f}")
    print(f"{'site/mode':<15}{'articles':>9}{'failures':>9}{'seconds':>9}{'pages/s':>9}{'browser MB':>11}{'crawl MB':>10}")
    with tempfile.TemporaryDirectory() as folder:
        with TestSite(lambda base: static_pages(stories)) as static, \
                TestSite(lambda base: app_pages(stories, PER_PAGE)) as app:
            runs: dict[str, list[dict]] = {"never": [], "auto": []}
            for i in range(args.repeat):
                for mode in ("never", "auto") if i % 2 == 0 else ("auto", "never"):
                    runs[mode].append(crawl(static, mode, folder, args.concurrency))
            for mode, results in runs.items():
                r = median_run(results)
                spread = f"  ({min(x['seconds'] for x in results):.1f} to {max(x['seconds'] for x in results):.1f} s)"
                print(f"{'static/' + mode:<15}{r['articles']:>9}{r['failures']:>9}{r['seconds']:>9.1f}{r['rate']:>9.2f}"
                      f"{r['browser_mb']:>11.0f}{r['tree_mb']:>10.0f}{spread}")
            for name, site, mode in (("app/auto", app, "auto"), ("static/always", static, "always")):
                r = crawl(site, mode, folder, args.concurrency)
                print(f"{name:<15}{r['articles']:>9}{r['failures']:>9}{r['seconds']:>9.1f}{r['rate']:>9.2f}"
                      f"{r['browser_mb']:>11.0f}{r['tree_mb']:>10.0f}")


if __name__ == "__main__":
    main()
