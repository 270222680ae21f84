"""Endless and huge sites: does a crawl end by itself, with bounded memory?

Serves ``tests/endless_site.py`` from a separate process on 127.0.0.1 and crawls four of
its sites with the real CLI, each from a fresh archive, with the default limits (only
``--concurrency`` raised, as for a site you own):

  tree     an endless tree of sitemap indexes
  web      an endless web of generated articles (and an endless "Next")
  huge     one gzipped sitemap of 1.2 million URLs (about 3 MB)
  self     a sitemap index listing itself and 50,000 sitemaps

For each it prints whether the crawl ended by itself, its wall time, the requests it
made (counted by the site), the peak RSS of its whole process tree (crawl, extraction
workers, fork server; not the site's server) and, for a crawl stopped at ``--limit``
seconds, how fast its memory was still growing. The target: every crawl ends by itself
with a peak under 400 MB.

Example:
    python benchmarks/bounds.py                  # all four
    python benchmarks/bounds.py --sites huge self --limit 120
    python benchmarks/bounds.py --code /tmp/old-checkout --limit 60   # an older version
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from crawl import PeakMemory  # noqa: E402  (benchmarks/crawl.py)

SITES = {
    "tree": "/tree/index.xml",
    "web": "/web/",
    "huge": "/huge.xml.gz",
    "self": "/self-index.xml",
}
MB = 1024 * 1024


def kill_tree(process: subprocess.Popen) -> None:
    """Stop the crawl we started and the workers it started (by PID)."""
    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    process.kill()
    for child in children:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass
    process.wait()


def crawl_row(db_path: Path) -> dict:
    try:
        conn = sqlite3.connect(db_path)
        conn.row_factory = sqlite3.Row
        row = conn.execute("select status, new, skipped from crawls order by id desc limit 1").fetchone()
        capped = conn.execute("select count(*) from failures where reason = 'capped'").fetchone()[0]
        conn.close()
    except sqlite3.Error:
        return {}
    return {**dict(row), "capped_rows": capped} if row else {}


def site_hits(url: str) -> int:
    with urllib.request.urlopen(url + "/__hits") as answer:
        return sum(json.load(answer).values())


def run_one(name: str, url: str, limit: float, concurrency: int, extra: list[str], code: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="bounds-") as folder:
        db_path = Path(folder) / "archive.db"
        command = [sys.executable, "-m", "archive_spider", "crawl", url + SITES[name], "--db", str(db_path),
                   "--concurrency", str(concurrency), *extra]
        hits = site_hits(url)
        started = time.monotonic()
        process = subprocess.Popen(command, cwd=code, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        with PeakMemory(process.pid) as memory:
            try:
                stdout, stderr = process.communicate(timeout=limit)
                ended = True
                growth = memory.growth()
            except subprocess.TimeoutExpired:
                growth = memory.growth()  # before the kill empties the tree
                kill_tree(process)
                stdout, stderr = process.communicate()
                ended = False
        seconds = time.monotonic() - started
        return {
            "site": name, "ended": ended, "exit": process.returncode if ended else None,
            "seconds": seconds, "peak_mb": memory.peak / MB, "growth_mb_s": growth,
            "requests": site_hits(url) - hits,
            "summary": (stdout.strip().splitlines() or [""])[-1], "stderr": stderr[-600:],
            **crawl_row(db_path),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", nargs="+", choices=sorted(SITES), default=list(SITES))
    parser.add_argument("--limit", type=float, default=900, help="seconds before a crawl is stopped (default 900)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--huge-urls", type=int, default=1_200_000)
    parser.add_argument("--children", type=int, default=50_000)
    parser.add_argument("--code", type=Path, default=ROOT,
                        help="the checkout whose archive_spider crawls (default: this one), to compare versions")
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a setting for every crawl (repeatable)")
    args = parser.parse_args()
    extra = [part for setting in args.set for part in ("-s", setting)]
    server = subprocess.Popen([sys.executable, "-m", "tests.endless_site", "--huge-urls", str(args.huge_urls),
                               "--children", str(args.children)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        url = server.stdout.readline().strip()
        if not url.startswith("http"):
            sys.exit("the endless site did not start")
        print(f"{'site':6} {'ended':>6} {'exit':>4} {'seconds':>8} {'requests':>8} {'peak MB':>8} "
              f"{'MB/s':>6} {'capped':>6}  status")
        for name in args.sites:
            r = run_one(name, url, args.limit, args.concurrency, extra, args.code.resolve())
            print(f"{r['site']:6} {str(r['ended']):>6} {str(r['exit']):>4} {r['seconds']:8.1f} "
                  f"{str(r.get('requests', '-')):>8} {r['peak_mb']:8.0f} {r['growth_mb_s']:6.1f} "
                  f"{str(r.get('capped_rows', '-')):>6}  {r.get('status', '-')}", flush=True)
            if r["ended"] and r["exit"] not in (0, None):
                print("   ", r["stderr"].replace("\n", "\n    "))
    finally:
        server.kill()
        server.wait()


if __name__ == "__main__":
    main()
