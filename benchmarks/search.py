"""Search and export at scale: a 100,000-article archive through Datasette and the CLI.

Builds an archive of N generated articles (textgen.py: a Zipfian vocabulary of made-up
words, one topic per article, one article in 50 a copy of an earlier one; bulk inserts,
the FTS index kept in step by the archive's triggers), then measures:

  - full-text search through Datasette, in process (its ASGI app, no network), published
    as ``archive-spider serve`` does, HTML pages as a reader gets them: the search page
    (the canned ``search`` query: best matches first, with snippets) and the articles
    table's search box (``?_search=``: newest first, with its count and facets); a main
    mix of queries (common and rare words, two words, phrases, prefixes, OR) and, apart,
    hard cases that match most of the archive; p50 and p95 per way and per kind;
  - ``archive-spider export --format jsonl`` of the whole archive: time and peak RSS;
  - the crawl's write path, ``writes.store_articles`` in batches: articles/s.

The archive is kept (``--db``) and reused by later runs when it has N articles.

Example:
    python benchmarks/search.py --articles 100000 --db /tmp/archive-100k/archive.db
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from archive_spider import publish
from archive_spider.archive import export
from archive_spider.archive import schema, writes  # noqa: E402
from archive_spider.demo.site import load_authors  # noqa: E402

from crawl import machine, run_measured  # noqa: E402
import textgen  # noqa: E402

BATCH = 1000
# One article in this many is a copy of an earlier one (duplicate_of set), hidden from search.
DUPLICATE_EVERY = 50
SITES = ("commonplace-review.example", "fieldhearth.example", "the-long-view.example", "tidewater-notes.example")


def generate_articles(count: int, seed: int = 100, corpus: textgen.Corpus | None = None):
    """Articles as the crawl stores them, with generated text (``textgen``: a Zipfian
    vocabulary, one topic per article). One article in DUPLICATE_EVERY is a copy of an
    earlier one under another address, stored with ``duplicate_of`` set (ids are the
    article numbers: the archive is built empty, in order)."""
    rng = random.Random(seed)
    corpus = corpus or textgen.make_corpus()
    authors = sorted(load_authors())
    made: list[tuple[str, list[str]]] = []  # a window of recent articles to copy from
    for number in range(count):
        site = SITES[number % len(SITES)]
        duplicate_of = None
        if number % DUPLICATE_EVERY == DUPLICATE_EVERY - 1 and made:
            original = rng.randrange(max(0, number - len(made)), number)
            title, paragraphs = made[original - (number - len(made))]
            duplicate_of = original + 1
        else:
            title, paragraphs = textgen.article_text(corpus, rng.randrange(len(corpus.topics)), rng)
        made.append((title, paragraphs))
        del made[:-100]
        text = "\n\n".join(paragraphs)
        yield {
            "url": f"https://{site}/articles/{number + 1:06d}/",
            "title": title,
            "author": rng.choice(authors),
            "published": f"{2005 + number % 20}-{1 + number % 12:02d}-{1 + number % 28:02d}",
            "site": site,
            "lang": "en",
            "word_count": len(text.split()),
            "summary": paragraphs[0][:200],
            "text": text,
            "html": "".join(f"<p>{p}</p>" for p in paragraphs),
            "duplicate_of": duplicate_of,
        }


def build_archive(db_path: Path, count: int) -> float:
    """Insert ``count`` articles in transactions of BATCH rows; returns seconds.

    Rows go in with sqlite-utils' bulk insert (the FTS triggers keep the index in step),
    not through store_articles: the crawl's write path is timed separately, on fewer
    articles (``time_store_articles``).
    """
    db = schema.open_db(db_path)
    now = schema.utc_now()
    started = time.monotonic()
    rows = ({**writes._as_row(article), "duplicate_of": article["duplicate_of"],
             "first_seen": now, "last_seen": now, "last_changed": now}
            for article in generate_articles(count))
    with db.atomic():
        db["articles"].insert_all(rows, batch_size=BATCH)
    seconds = time.monotonic() - started
    db.close()
    return seconds


def time_store_articles(count: int) -> float:
    """Articles per second through writes.store_articles (what StorePipeline calls),
    ARCHIVE_BATCH_SIZE articles per transaction, into a fresh archive on disk."""
    import tempfile

    from archive_spider.settings import ARCHIVE_BATCH_SIZE

    articles = list(generate_articles(count, seed=5))
    with tempfile.TemporaryDirectory() as folder:
        db = schema.open_db(Path(folder) / "archive.db")
        started = time.monotonic()
        for start in range(0, count, ARCHIVE_BATCH_SIZE):
            writes.store_articles(db, articles[start:start + ARCHIVE_BATCH_SIZE])
        seconds = time.monotonic() - started
        db.close()
    return count / seconds


# Kinds of query in the main mix, in equal shares, and the hard cases reported apart.
KINDS = ("common word", "rare word", "two words", "phrase", "prefix", "OR")
HARD_KINDS = ("most common word", "short prefix")


def choose_queries(db_path: Path, corpus: textgen.Corpus, count: int, hard: int, seed: int = 7) -> list[tuple[str, str]]:
    """(kind, query) pairs, typed as a person would in the search box: ``count`` in the
    main mix (KINDS in turn) and ``hard`` hard cases (HARD_KINDS in turn).

    Ranks are those of the generator's vocabulary (0 is the most frequent word): common
    words are ranks 20 to 500, the middle 20 to 3,000, rare words 10,000 and beyond.
    Phrases are two adjacent words of a random article of the archive (one at least not a
    function word), so each matches something. A prefix is the first four or five letters
    of a word of six or more (ranks 20 to 10,000), as one types a stem to catch a word's
    endings.
    The hard cases match most of the archive: the 30 most frequent function words (each in
    70 to 100 % of the articles), and prefixes of two or three letters.
    """
    rng = random.Random(seed)
    vocabulary = corpus.vocabulary
    common, middle, rare = vocabulary[20:500], vocabulary[20:3000], vocabulary[10_000:]
    stemmable = [w for w in vocabulary[20:10_000] if len(w) >= 6]
    function_words = set(textgen.FUNCTION_WORDS)
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    top_id = conn.execute("select max(id) from articles").fetchone()[0]

    def phrase() -> str:
        while True:
            row = conn.execute("select text from articles where id = ?", [rng.randint(1, top_id)]).fetchone()
            words = re.findall(r"[a-z]+", (row[0] if row else "").lower())
            if len(words) < 2:
                continue
            start = rng.randrange(len(words) - 1)
            pair = words[start:start + 2]
            if not all(w in function_words for w in pair):
                return '"' + " ".join(pair) + '"'

    queries = []
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        if kind == "common word":
            query = rng.choice(common)
        elif kind == "rare word":
            query = rng.choice(rare)
        elif kind == "two words":
            query = f"{rng.choice(middle)} {rng.choice(middle)}"
        elif kind == "phrase":
            query = phrase()
        elif kind == "prefix":
            query = rng.choice(stemmable)[:rng.choice((4, 5))] + "*"
        else:
            query = f"{rng.choice(rare)} OR {rng.choice(middle)}"
        queries.append((kind, query))
    everywhere = textgen.FUNCTION_WORDS[:30]
    for i in range(hard):
        if HARD_KINDS[i % len(HARD_KINDS)] == "most common word":
            queries.append(("most common word", rng.choice(everywhere)))
        else:
            queries.append(("short prefix", rng.choice(middle)[:rng.choice((2, 3))] + "*"))
    conn.close()
    return queries


def count_matches(db_path: Path, queries: list[tuple[str, str]]) -> dict[str, int]:
    """How many articles (copies left out) each query matches, read straight from SQLite."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    found = {}
    for _, query in queries:
        found[query] = conn.execute(
            "select count(*) from articles_fts where articles_fts match ? and rowid not in "
            "(select id from articles where duplicate_of is not null)", [export.search_query(query)],
        ).fetchone()[0]
    conn.close()
    return found


async def time_searches(db_path: Path, queries: list[tuple[str, str]], repeat: int) -> dict[str, list[tuple[str, str, float, int]]]:
    """For each way of searching: (kind, query, milliseconds, HTTP status) per request,
    the median of ``repeat`` requests. The archive is published as ``archive-spider serve``
    does (publish.build_datasette: settings.json, metadata, plugins); pages are requested
    in process through Datasette's ASGI client, HTML as a reader gets them."""
    datasette = publish.build_datasette(db_path)
    await datasette.invoke_startup()
    ways = {
        # The home page's search box: the canned query, best matches first, with snippets.
        "search page (canned query)": lambda q: f"/archive/search?q={quote(q)}",
        # The articles table's search box: newest first, with its count and facets, at the
        # address the plugin redirects /archive/articles?_search= to.
        "articles table ?_search=": lambda q: (f"/archive/articles?_search={quote(q)}&_searchmode=raw"
                                               "&_nocol=text&_nocol=html&duplicate_of__isnull=1"),
    }
    results: dict[str, list[tuple[str, str, float, int]]] = {}
    for name, path_for in ways.items():
        await datasette.client.get(path_for(queries[0][1]))  # warm the connections and caches
        results[name] = []
        for kind, query in queries:
            times, status = [], 0
            for _ in range(repeat):
                started = time.perf_counter()
                response = await datasette.client.get(path_for(query))
                times.append((time.perf_counter() - started) * 1000)
                status = response.status_code
            results[name].append((kind, query, statistics.median(times), status))
        print(f"{name}: p50 {statistics.median(r[2] for r in results[name]):.1f} ms; "
              f"load average {load_average()}", file=sys.stderr)
    return results


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


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
                        help="archive to build or reuse")
    parser.add_argument("--queries", type=int, default=300, help="searches in the main mix (default 300)")
    parser.add_argument("--hard", type=int, default=30,
                        help="hard cases (the most common words, two- and three-letter prefixes), reported apart (default 30)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="requests per query and way; the median is kept (default 3)")
    parser.add_argument("--store-articles", type=int, default=2000,
                        help="articles to time store_articles with (default 2000; 0: skip)")
    parser.add_argument("--no-export", action="store_true", help="skip the export measurement")
    args = parser.parse_args()

    args.db.parent.mkdir(parents=True, exist_ok=True)
    existing = 0
    if args.db.exists():
        db = schema.open_db(args.db)  # also upgrades an archive built by an older version
        existing = db["articles"].count
        db.close()
    built = None
    if existing != args.articles:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
        built = build_archive(args.db, args.articles)
    publish.checkpoint(args.db)
    size_mb = args.db.stat().st_size / 2**20

    store_rate = time_store_articles(args.store_articles) if args.store_articles else None
    corpus = textgen.make_corpus()
    queries = choose_queries(args.db, corpus, args.queries, args.hard)
    matches = count_matches(args.db, queries)
    load_before = load_average()
    results = asyncio.run(time_searches(args.db, queries, args.repeat))
    load_after = load_average()

    if not args.no_export:
        export_command = [sys.executable, "-m", "archive_spider", "export", "--db", str(args.db),
                          "--format", "jsonl", "-o", os.devnull]
        _, export_seconds, export_peak = run_measured(export_command, env={**os.environ, "PYTHONPATH": str(ROOT)})

    print(f"\n{args.articles} articles, {size_mb:.0f} MB archive; {args.queries} queries in the main mix "
          f"and {args.hard} hard cases, each the median of {args.repeat} requests per way\n"
          f"{machine()}\nload average (1, 5, 15 min) before the searches {load_before}, after {load_after}\n")
    if built is not None:
        print(f"built with bulk inserts, {BATCH} per transaction: {built:.1f} s "
              f"({args.articles / built:.0f} articles/s)")
    if store_rate is not None:
        print(f"writes.store_articles (the crawl's write path), {args.store_articles} articles: "
              f"{store_rate:.0f} articles/s\n")

    names = list(results)
    print("| way of searching | queries | p50 ms | p95 ms | max ms | not 200 |")
    print("|---|--:|--:|--:|--:|--:|")
    for name in names:
        for label, rows in (("main mix", [r for r in results[name] if r[0] in KINDS]),
                            ("hard cases", [r for r in results[name] if r[0] in HARD_KINDS])):
            if not rows:
                continue
            values = [r[2] for r in rows]
            print(f"| {name}, {label} | {len(rows)} | {statistics.median(values):.1f} | "
                  f"{percentile(values, 0.95):.1f} | {max(values):.1f} | {sum(r[3] != 200 for r in rows)} |")

    print("\n| kind | example | articles matched (median) | " + " | ".join(f"{n} p50 / p95 ms" for n in names) + " |")
    print("|---|---|--:|" + "--:|" * len(names))
    for kind in KINDS + HARD_KINDS:
        example = next((q for k, q in queries if k == kind), None)
        if example is None:
            continue
        found = statistics.median(matches[q] for k, q in queries if k == kind)
        cells = []
        for name in names:
            values = [r[2] for r in results[name] if r[0] == kind]
            cells.append(f"{statistics.median(values):.1f} / {percentile(values, 0.95):.1f}")
        print(f"| {kind} | `{example}` | {found:,.0f} | " + " | ".join(cells) + " |")

    if not args.no_export:
        print(f"\nexport --format jsonl: {export_seconds:.1f} s ({args.articles / export_seconds:.0f} articles/s), "
              f"peak RSS {export_peak / 2**20:.0f} MB")
    print()
    for name in names:
        for kind in KINDS + HARD_KINDS:
            slowest = sorted((r for r in results[name] if r[0] == kind), key=lambda r: r[2], reverse=True)[:3]
            print(f"slowest, {name}, {kind}: "
                  + ", ".join(f"{q} {ms:.0f} ms ({matches[q]:,} matches)" for _, q, ms, _ in slowest))


if __name__ == "__main__":
    main()
