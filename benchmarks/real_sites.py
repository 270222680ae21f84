"""Real static sites, crawled end to end and scored against their reference data.

Serves each site of a real-sites corpus (``../shared/corpus/real-sites/`` by default: six
real blogs with a JSON of reference data each, see that folder's README) on 127.0.0.1 with
``python3 -m http.server``, runs ``archive-spider crawl`` from the site's start paths into a
fresh archive, and prints per site and overall:

  recall      reference articles with an archived row / articles (``recall>=min``: only
              the articles of at least ARCHIVE_MIN_WORDS words)
  extra       archived rows that are neither an article nor a neutral page of the site
  dup         archived rows beyond the first for the same article (neutral copies apart)
  title       share of archived articles whose title matches the reference
  first/last  share of archived articles whose text holds the first / last sentence
  leak        share of archived articles whose text holds a boilerplate string
  req/art     requests the crawl made per archived article
  balance     pages fetched = archived + listing pages read + pages in failures; ``open``
              is what is left unexplained (0 when every fetched page is accounted for)
  rerun       with --rerun: the same crawl again over the unchanged site, and how many
              archived articles the server answered in full (200) instead of 304 or not
              at all (articles the first crawl did not archive are asked for again)

It is not part of the test suite: the corpus is development material outside the project.

Examples:
    python benchmarks/real_sites.py                          # every site, default politeness
    python benchmarks/real_sites.py --concurrency 16 --jobs 3
    python benchmarks/real_sites.py --site semifluid --rerun --keep /tmp/rs
    # scope: a directory crawl of one category, then the same with scope host
    python benchmarks/real_sites.py --site semifluid --start /category/projects/ -- --scope host

With ``--start``, recall is against the whole site: read the requests and rows instead,
and ``outside``: requests for pages that no listing page of the crawl linked and that lie
outside the start folders and were not archived (listed articles are archived).
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "real-sites"
# The server writes one line per request to standard error, like this one:
# 127.0.0.1 - - [04/Dec/2026 20:31:02] "GET /2012/09/ HTTP/1.1" 200 -
REQUEST_LINE = re.compile(r'"(?:GET|HEAD) (\S+) HTTP/[\d.]+" (\d{3})')


# --- serving ------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unpack(meta: dict, corpus: Path, workdir: Path, port: int) -> Path:
    """The site's tree under ``workdir``, its own absolute URLs pointing at ``port``."""
    with tarfile.open(corpus / meta["tarball"]["file"]) as tar:
        tar.extractall(workdir, filter="data")
    root = workdir / meta["name"]
    pattern = re.compile(meta["domain_regex"].encode())
    local = f"http://127.0.0.1:{port}".encode()
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            new = pattern.sub(local, data)
            if new != data:
                st = path.stat()
                path.write_bytes(new)
                os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # Last-Modified stays
    return root


class Server:
    """``python3 -m http.server`` on the site's tree; its request log kept in a file."""

    def __init__(self, root: Path, port: int, log: Path):
        self.log_path = log
        self.log = open(log, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory", str(root), str(port)],
            stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the server for {root} did not start")

    def requests(self, start: int = 0) -> list[tuple[str, int]]:
        """(path, status) of every request logged from byte ``start`` on."""
        self.log.flush()
        text = self.log_path.read_bytes()[start:].decode("utf-8", "replace")
        return [(m.group(1), int(m.group(2))) for m in REQUEST_LINE.finditer(text)]

    def log_size(self) -> int:
        return self.log_path.stat().st_size

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


# --- scoring ------------------------------------------------------------------------------

def fold(text: str | None) -> str:
    """NFKC, case folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text or "").casefold().split())


def squash(text: str | None) -> str:
    """NFKC, case folded, no whitespace at all (for substring checks of sentences)."""
    return "".join(unicodedata.normalize("NFKC", text or "").casefold().split())


def url_path(url: str, root: Path) -> str:
    """The corpus's path of an archived URL: no scheme, host, query or fragment,
    percent-decoded, ``index.html`` as ``/``, a folder with its trailing ``/``."""
    path = unquote(urlsplit(url).path) or "/"
    if path.endswith("/index.html"):
        path = path[: -len("index.html")]
    if not path.endswith("/") and (root / path.lstrip("/")).is_dir():
        path += "/"
    return path


@dataclass
class Crawl:
    """One crawl of a site: how it went, from the archive and the server's log."""

    seconds: float
    returncode: int
    row: dict
    requests: list[tuple[str, int]]
    failures: dict[str, int] = field(default_factory=dict)
    failed_urls: int = 0


@dataclass
class Score:
    name: str
    articles: int
    articles_min: int  # reference articles of at least ARCHIVE_MIN_WORDS words
    found: int = 0
    found_min: int = 0
    extra: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    neutral_copies: int = 0
    archived: int = 0  # archived rows matched to an article (first row of each)
    titles: int = 0
    firsts: int = 0
    first_total: int = 0
    lasts: int = 0
    last_total: int = 0
    leaks: int = 0
    leak_strings: collections.Counter = field(default_factory=collections.Counter)
    missing: list[str] = field(default_factory=list)
    bad_titles: list[tuple[str, str, str]] = field(default_factory=list)
    crawl: Crawl | None = None
    rerun: Crawl | None = None
    rerun_full: int = 0  # reference articles answered 200 on the rerun
    rows: int = 0
    outside: list[str] | None = None  # with --start: pages asked for outside the start folders, not archived


def score_site(meta: dict, root: Path, db_path: Path, min_words: int) -> Score:
    articles = {a["path"]: a for a in meta["articles"]}
    neutral = {n["path"] for n in meta.get("neutral", [])}
    score = Score(meta["name"], len(articles), sum(a["words"] >= min_words for a in articles.values()))
    db = sqlite3.connect(db_path)
    db.row_factory = sqlite3.Row
    rows = list(db.execute("select url, title, text, lang from articles order by id"))
    db.close()
    score.rows = len(rows)
    seen: set[str] = set()
    neutral_seen: set[str] = set()
    boilerplate = meta.get("boilerplate", [])
    for row in rows:
        path = url_path(row["url"], root)
        if path in neutral:
            if path in neutral_seen:
                score.neutral_copies += 1
            neutral_seen.add(path)
            continue
        article = articles.get(path)
        if article is None:
            score.extra.append(path)
            continue
        if path in seen:
            score.duplicates.append(path)
            continue
        seen.add(path)
        score.archived += 1
        titles = {fold(article["title"]), fold(article.get("title_alt"))} - {""}
        if fold(row["title"]) in titles:
            score.titles += 1
        else:
            score.bad_titles.append((path, row["title"] or "", article["title"]))
        text = squash(row["text"])
        for key, hits, total in (("first_sentence", "firsts", "first_total"), ("last_sentence", "lasts", "last_total")):
            if article.get(key):
                setattr(score, total, getattr(score, total) + 1)
                if squash(article[key]) in text:
                    setattr(score, hits, getattr(score, hits) + 1)
        strings = list(boilerplate)
        if (row["lang"] or "").startswith("de") or path.startswith("/de/"):
            strings += meta.get("boilerplate_de_only", [])
        leaked = [s for s in strings if squash(s) in text]
        score.leaks += bool(leaked)
        score.leak_strings.update(leaked)
    score.found = len(seen)
    score.found_min = sum(1 for p in seen if articles[p]["words"] >= min_words)
    score.missing = [p for p in articles if p not in seen]
    return score


def read_crawl(db_path: Path, seconds: float, returncode: int, requests) -> Crawl:
    db = sqlite3.connect(db_path)
    db.row_factory = sqlite3.Row
    row = db.execute("select * from crawls order by id desc limit 1").fetchone()
    row = dict(row) if row else {}
    failures: dict[str, int] = {}
    failed_urls = 0
    if row:
        for reason, count in db.execute(
                "select reason, count(distinct url) from failures where crawl_id = ? group by reason", [row["id"]]):
            failures[reason] = count
        failed_urls = db.execute("select count(distinct url) from failures where crawl_id = ?", [row["id"]]).fetchone()[0]
    db.close()
    return Crawl(seconds, returncode, row, requests, failures, failed_urls)


def run_crawl(urls: list[str], db_path: Path, log_path: Path, args) -> tuple[float, int]:
    command = [sys.executable, "-m", "archive_spider", "crawl", *urls, "--db", str(db_path),
               "--log-file", str(log_path), "--no-progress"]
    if args.concurrency:
        command += ["--concurrency", str(args.concurrency)]
    command += args.crawl_args
    started = time.monotonic()
    with open(log_path.with_suffix(".out"), "wb") as out:
        result = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, timeout=args.timeout)
    return time.monotonic() - started, result.returncode


def bench_site(meta_path: Path, args) -> Score:
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    workdir = Path(tempfile.mkdtemp(prefix=f"real-{meta['name']}-", dir=args.keep))
    port = free_port()
    root = unpack(meta, meta_path.parent, workdir, port)
    server = Server(root, port, workdir / "server.log")
    try:
        urls = [f"http://127.0.0.1:{port}{p}" for p in (args.start or meta["start_paths"])]
        db_path = workdir / "archive.db"
        seconds, code = run_crawl(urls, db_path, workdir / "crawl.log", args)
        score = score_site(meta, root, db_path, args.min_words)
        score.crawl = read_crawl(db_path, seconds, code, server.requests())
        if args.start:
            folders = [p if p.endswith("/") else p.rsplit("/", 1)[0] + "/" for p in args.start]
            db = sqlite3.connect(db_path)
            rows = {url_path(url, root) for (url,) in db.execute("select url from articles")}
            db.close()
            score.outside = sorted({url_path(p, root) for p, _ in score.crawl.requests} - rows - {"/robots.txt"}
                                   - {p for p in {url_path(q, root) for q, _ in score.crawl.requests}
                                      if any(p.startswith(f) for f in folders)})
        if args.rerun:
            mark = server.log_size()
            seconds, code = run_crawl(urls, db_path, workdir / "rerun.log", args)
            requests = server.requests(mark)
            score.rerun = read_crawl(db_path, seconds, code, requests)
            db = sqlite3.connect(db_path)
            known = {url_path(url, root) for (url,) in db.execute("select url from articles")}
            db.close()
            score.rerun_full = len({url_path(p, root) for p, status in requests
                                    if status == 200 and url_path(p, root) in known})
    finally:
        server.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return score


# --- report -------------------------------------------------------------------------------

def share(hits: int, total: int) -> str:
    return f"{hits / total:.3f}" if total else "-"


def balance(crawl: Crawl) -> tuple[int, int, int, int, int]:
    """(fetched, archived, listing, failed, open) of a crawl, as its crawls row says. An
    archive from before the page balance has no such columns: archived rows and failed
    URLs are counted instead, listing pages not at all (they are all in ``open``)."""
    row = crawl.row
    fetched = row.get("pages", 0)
    if "pages_listing" in row:
        archived, listing, failed = row["pages_archived"], row["pages_listing"], row["pages_failed"]
    else:
        archived = row.get("new", 0) + row.get("updated", 0) + row.get("unchanged", 0) + row.get("duplicates", 0)
        listing, failed = 0, crawl.failed_urls
    return fetched, archived, listing, failed, fetched - archived - listing - failed


def report(scores: list[Score], args) -> None:
    header = (f"{'site':<16}{'arts':>5}{'recall':>8}{'r>=min':>8}{'extra':>6}{'dup':>5}{'title':>7}{'first':>7}"
              f"{'last':>7}{'leak':>7}{'req':>6}{'req/art':>8}{'secs':>7}   fetched = archived + listing + failed (open)")
    print(header)
    totals = collections.Counter()
    for s in scores:
        c = s.crawl
        fetched, archived, listing, failed, left = balance(c)
        requests = c.row.get("requests", 0)
        print(f"{s.name:<16}{s.articles:>5}{share(s.found, s.articles):>8}{share(s.found_min, s.articles_min):>8}"
              f"{len(s.extra):>6}{len(s.duplicates):>5}{share(s.titles, s.archived):>7}"
              f"{share(s.firsts, s.first_total):>7}{share(s.lasts, s.last_total):>7}{share(s.leaks, s.archived):>7}"
              f"{requests:>6}{(requests / s.archived if s.archived else 0):>8.1f}{c.seconds:>7.0f}"
              f"   {fetched} = {archived} + {listing} + {failed} ({left})")
        for key, value in (("articles", s.articles), ("articles_min", s.articles_min), ("found", s.found),
                           ("found_min", s.found_min), ("extra", len(s.extra)), ("dup", len(s.duplicates)),
                           ("archived", s.archived), ("titles", s.titles), ("firsts", s.firsts),
                           ("first_total", s.first_total), ("lasts", s.lasts), ("last_total", s.last_total),
                           ("leaks", s.leaks), ("requests", requests), ("seconds", c.seconds),
                           ("fetched", fetched), ("archived_rows", archived), ("listing", listing),
                           ("failed", failed), ("open", left)):
            totals[key] += value
    t = totals
    print(f"{'all':<16}{t['articles']:>5}{share(t['found'], t['articles']):>8}{share(t['found_min'], t['articles_min']):>8}"
          f"{t['extra']:>6}{t['dup']:>5}{share(t['titles'], t['archived']):>7}{share(t['firsts'], t['first_total']):>7}"
          f"{share(t['lasts'], t['last_total']):>7}{share(t['leaks'], t['archived']):>7}{t['requests']:>6}"
          f"{(t['requests'] / t['archived'] if t['archived'] else 0):>8.1f}{t['seconds']:>7.0f}"
          f"   {t['fetched']} = {t['archived_rows']} + {t['listing']} + {t['failed']} ({t['open']})")
    if args.rerun:
        print("\nrerun: requests, seconds, archived articles answered in full (200)")
        for s in scores:
            print(f"  {s.name:<16}{s.rerun.row.get('requests', 0):>6}{s.rerun.seconds:>7.0f}{s.rerun_full:>6}")
    print()
    for s in scores:
        c = s.crawl
        statuses = collections.Counter(status for _, status in c.requests)
        print(f"{s.name}: crawl {c.row.get('status')} (exit {c.returncode}); server answered "
              + ", ".join(f"{n} x {status}" for status, n in sorted(statuses.items()))
              + "; failures: " + (", ".join(f"{r} {n}" for r, n in sorted(c.failures.items())) or "none"))
        if s.outside is not None:
            print(f"  outside the start folders, not archived: {len(s.outside)} pages "
                  + " ".join(s.outside[: args.show]) + (" ..." if len(s.outside) > args.show else ""))
        if s.leak_strings:
            print("  leaks: " + ", ".join(f"{text!r} x{n}" for text, n in s.leak_strings.most_common()))
        for label, paths in (("missing", s.missing), ("extra", s.extra), ("duplicates", s.duplicates)):
            if paths:
                print(f"  {label} ({len(paths)}): " + " ".join(paths[: args.show]) + (" ..." if len(paths) > args.show else ""))
        for path, got, want in s.bad_titles[: args.show]:
            print(f"  title {path}: {got!r} (want {want!r})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="folder of NAME.json + NAME.tar.xz")
    parser.add_argument("--site", action="append", default=[], help="only this site (repeatable)")
    parser.add_argument("--concurrency", type=int, help="crawl with --concurrency N (default: polite defaults)")
    parser.add_argument("--jobs", type=int, default=1, help="sites crawled at once (default 1)")
    parser.add_argument("--rerun", action="store_true", help="crawl each site a second time, same archive")
    parser.add_argument("--start", action="append", default=[], help="start from this path instead (repeatable)")
    parser.add_argument("--min-words", type=int, default=30, help="ARCHIVE_MIN_WORDS of the crawl (default 30)")
    parser.add_argument("--keep", help="keep each site's tree, archive and logs under this folder")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds a crawl may take (default 3600)")
    parser.add_argument("--show", type=int, default=8, help="paths listed per problem (default 8)")
    parser.add_argument("crawl_args", nargs="*", help="more arguments for archive-spider crawl (after --)")
    args = parser.parse_args()
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
    metas = sorted(args.corpus.glob("*.json"))
    if args.site:
        metas = [m for m in metas if m.stem in args.site]
    if not metas:
        parser.error(f"no site found in {args.corpus}")
    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
        scores = list(pool.map(lambda m: bench_site(m, args), metas))
    print(f"real sites: {len(scores)} sites, {'--concurrency ' + str(args.concurrency) if args.concurrency else 'default politeness'}"
          f"{', ' + ' '.join(args.crawl_args) if args.crawl_args else ''}\n")
    report(scores, args)


if __name__ == "__main__":
    main()
