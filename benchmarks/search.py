"""Search and export at scale: a 100,000-article archive through Datasette and the CLI.

Builds an archive of N generated articles (bulk inserts, FTS kept in step by the
archive's triggers), then measures:

  - full-text search through Datasette, in process (its ASGI app, no network): the
    canned ``search`` query (best matches first, with snippets) and the articles table's
    own search box (``?_search=``, with its count and facets), each over the same varied
    queries (common and rare words, two words, phrases, prefixes, OR); p50 and p95;
  - ``archive-spider export --format jsonl`` of the whole archive: time and peak RSS;
  - the crawl's write path, ``storage.store_articles`` in batches: articles/s.

The archive is kept (``--db``) and reused by later runs when it has N articles.

Example:
    python benchmarks/search.py --articles 100000 --db /tmp/archive-100k/archive.db
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from archive_spider import publish, storage  # noqa: E402
from archive_spider.demo.generated import sentence_pool  # noqa: E402
from archive_spider.demo.site import load_authors  # noqa: E402

from crawl import machine, run_measured  # noqa: E402

BATCH = 1000
SITES = ("commonplace-review.example", "fieldhearth.example", "the-long-view.example", "tidewater-notes.example")


def generate_articles(count: int, seed: int = 100):
    """Articles as the crawl stores them, with text put together from the demo essays."""
    rng = random.Random(seed)
    sentences = sentence_pool()
    authors = sorted(load_authors())
    for number in range(count):
        paragraphs = [" ".join(rng.sample(sentences, rng.randint(3, 6))) for _ in range(rng.randint(5, 12))]
        text = "\n\n".join(paragraphs)
        site = SITES[number % len(SITES)]
        title_words = rng.choice(sentences).split()[:8]
        yield {
            "url": f"https://{site}/articles/{number + 1:06d}/",
            "title": " ".join(title_words).rstrip(".,;:") + f" ({number + 1})",
            "author": rng.choice(authors),
            "published": f"{2005 + number % 20}-{1 + number % 12:02d}-{1 + number % 28:02d}",
            "site": site,
            "lang": "en",
            "word_count": len(text.split()),
            "summary": paragraphs[0][:200],
            "text": text,
            "html": "".join(f"<p>{p}</p>" for p in paragraphs),
        }


def build_archive(db_path: Path, count: int) -> float:
    """Insert ``count`` articles in transactions of BATCH rows; returns seconds.

    Rows go in with sqlite-utils' bulk insert (the FTS triggers keep the index in step),
    not through store_articles: the crawl's write path is timed separately, on fewer
    articles (``time_store_articles``).
    """
    db = storage.open_db(db_path)
    now = storage.utc_now()
    started = time.monotonic()
    rows = ({**storage._as_row(article), "first_seen": now, "last_seen": now, "last_changed": now}
            for article in generate_articles(count))
    with db.conn:
        db["articles"].insert_all(rows, batch_size=BATCH)
    seconds = time.monotonic() - started
    db.close()
    return seconds


def time_store_articles(count: int) -> float:
    """Articles per second through storage.store_articles (what StorePipeline calls),
    ARCHIVE_BATCH_SIZE articles per transaction, into a fresh archive on disk."""
    import tempfile

    from archive_spider.settings import ARCHIVE_BATCH_SIZE

    articles = list(generate_articles(count, seed=5))
    with tempfile.TemporaryDirectory() as folder:
        db = storage.open_db(Path(folder) / "archive.db")
        started = time.monotonic()
        for start in range(0, count, ARCHIVE_BATCH_SIZE):
            storage.store_articles(db, articles[start:start + ARCHIVE_BATCH_SIZE])
        seconds = time.monotonic() - started
        db.close()
    return count / seconds


def choose_queries(count: int, seed: int = 7) -> list[str]:
    """Varied FTS5 queries: words common and rare, pairs, phrases, prefixes, OR."""
    rng = random.Random(seed)
    words = collections.Counter(w.lower() for s in sentence_pool() for w in re.findall(r"[A-Za-z]{4,}", s))
    ranked = [w for w, _ in words.most_common()]
    common, middle, rare = ranked[:50], ranked[50:500], ranked[500:]
    queries = []
    for i in range(count):
        kind = i % 6
        if kind == 0:
            queries.append(rng.choice(common))
        elif kind == 1:
            queries.append(rng.choice(rare))
        elif kind == 2:
            queries.append(f"{rng.choice(middle)} {rng.choice(middle)}")
        elif kind == 3:
            sentence = rng.choice(sentence_pool()).split()
            start = rng.randrange(max(1, len(sentence) - 2))
            phrase = " ".join(re.sub(r"[^A-Za-z]", "", w) for w in sentence[start:start + 2]).strip()
            queries.append(f'"{phrase}"' if len(phrase.split()) == 2 else rng.choice(middle))
        elif kind == 4:
            queries.append(rng.choice(middle)[:4] + "*")
        else:
            queries.append(f"{rng.choice(rare)} OR {rng.choice(middle)}")
    return queries


async def time_searches(db_path: Path, queries: list[str]) -> tuple[dict[str, list[float]], dict[str, list[str]]]:
    """Milliseconds per request for each way of searching, and the queries that failed
    (Datasette cuts a query off at its SQL time limit and answers 400)."""
    import yaml
    from datasette.app import Datasette

    config = publish.config_dir_for(db_path)
    metadata = yaml.safe_load((config / "metadata.yml").read_text()) if config else None
    datasette = Datasette([str(db_path)], metadata=metadata, immutables=[],
                          settings={"sql_time_limit_ms": publish.SQL_TIME_LIMIT_MS, "default_page_size": 50})
    database = Path(db_path).stem
    await datasette.invoke_startup()
    ways = {
        "canned search query": lambda q: f"/{database}/search.json?q={quote(q)}",
        "table search box": lambda q: f"/{database}/articles.json?_search={quote(q)}&_searchmode=raw&_size=50",
    }
    timings: dict[str, list[float]] = {}
    failures: dict[str, list[str]] = {}
    for name, path_for in ways.items():
        await datasette.client.get(path_for(queries[0]))  # warm the connection and caches
        timings[name], failures[name] = [], []
        for query in queries:
            started = time.perf_counter()
            response = await datasette.client.get(path_for(query))
            timings[name].append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                failures[name].append(query)
        print(f"{name}: p50 {statistics.median(timings[name]):.1f} ms, "
              f"{len(failures[name])} failed", file=sys.stderr)
    return timings, failures


def quote(text: str) -> str:
    from urllib.parse import quote_plus

    return quote_plus(text)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000, help="articles in the archive (default 100000)")
    parser.add_argument("--db", type=Path, default=Path("/tmp/archive-spider-search/archive.db"),
                        help="archive to build or reuse (its name is its Datasette database name)")
    parser.add_argument("--queries", type=int, default=300, help="searches per way of searching (default 300)")
    parser.add_argument("--store-articles", type=int, default=2000,
                        help="articles to time store_articles with (default 2000)")
    args = parser.parse_args()

    args.db.parent.mkdir(parents=True, exist_ok=True)
    existing = 0
    if args.db.exists():
        db = storage.open_db(args.db)
        existing = db["articles"].count
        db.close()
    built = None
    if existing != args.articles:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
        built = build_archive(args.db, args.articles)
    size_mb = args.db.stat().st_size / 2**20

    store_rate = time_store_articles(args.store_articles)
    queries = choose_queries(args.queries)
    timings, failures = asyncio.run(time_searches(args.db, queries))

    export_command = [sys.executable, "-m", "archive_spider", "export", "--db", str(args.db),
                      "--format", "jsonl", "-o", os.devnull]
    _, export_seconds, export_peak = run_measured(export_command, env={**os.environ, "PYTHONPATH": str(ROOT)})

    print(f"\n{args.articles} articles, {size_mb:.0f} MB archive; {len(queries)} queries per way\n{machine()}\n")
    if built is not None:
        print(f"built with bulk inserts, {BATCH} per transaction: {built:.1f} s "
              f"({args.articles / built:.0f} articles/s)")
    print(f"storage.store_articles (the crawl's write path), {args.store_articles} articles: "
          f"{store_rate:.0f} articles/s\n")
    print("| search through Datasette      | p50 ms | p95 ms | max ms | cut off at the SQL time limit |")
    print("|-------------------------------|-------:|-------:|-------:|------------------------------:|")
    for name, values in timings.items():
        print(f"| {name:<29} | {statistics.median(values):6.1f} | {percentile(values, 0.95):6.1f} "
              f"| {max(values):6.1f} | {len(failures[name])} of {len(values)} |")
    print(f"\nexport --format jsonl: {export_seconds:.1f} s ({args.articles / export_seconds:.0f} articles/s), "
          f"peak RSS {export_peak / 2**20:.0f} MB")
    slowest = sorted(zip(timings["canned search query"], queries), reverse=True)[:5]
    print("slowest canned searches: " + ", ".join(f"{q!r} {ms:.0f} ms" for ms, q in slowest))


if __name__ == "__main__":
    main()
