"""Kill -9 a crawl at a random moment, then check the archive and let a rerun finish it.

Each cycle serves the demo site with a delay per response (so a crawl lasts several
seconds), starts `archive-spider crawl` into a fresh archive, kills it with SIGKILL after a
random time, checks `PRAGMA integrity_check`, then reruns the crawl (no delay) and checks
that the archive holds every essay exactly once. Prints one line per cycle and a verdict,
then measures a rerun over the unchanged site (essay pages must all answer 304).

    python benchmarks/kill_resume.py [--cycles 10] [--delay 0.2] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from archive_spider.demo.server import SlowDemoServer
from archive_spider.demo.site import load_essays


def query(db_path, sql):
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def crawl(site, db_path):
    return [sys.executable, "-m", "archive_spider", "crawl", f"{site.url}/", "--db", str(db_path),
            "--concurrency", "4"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=10)
    parser.add_argument("--delay", type=float, default=0.2, help="seconds per response while crawling")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    expected = len(load_essays())
    failures = 0
    with tempfile.TemporaryDirectory() as folder, SlowDemoServer(args.delay) as site:
        for cycle in range(1, args.cycles + 1):
            db_path = Path(folder) / f"cycle{cycle}" / "archive.db"
            site.delay = args.delay
            after = rng.uniform(2.5, 10.0)
            process = subprocess.Popen(crawl(site, db_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(after)
            killed = process.poll() is None
            if killed:
                os.kill(process.pid, signal.SIGKILL)
            process.wait()
            exists = db_path.exists()
            integrity = query(db_path, "PRAGMA integrity_check")[0][0] if exists else "(no file yet)"
            stored = query(db_path, "select count(*) from articles")[0][0] if exists else 0
            site.delay = 0
            rerun = subprocess.run(crawl(site, db_path), capture_output=True, text=True)
            urls = [url for (url,) in query(db_path, "select url from articles")]
            statuses = [s for (s,) in query(db_path, "select status from crawls order by id")]
            whole = (integrity in ("ok", "(no file yet)") and rerun.returncode == 0
                     and len(urls) == len(set(urls)) == expected
                     and query(db_path, "PRAGMA integrity_check")[0][0] == "ok")
            failures += not whole
            print(f"cycle {cycle}: {'killed' if killed else 'finished'} after {after:.1f} s with {stored} articles "
                  f"stored, integrity {integrity}; rerun -> {len(urls)} articles ({len(set(urls))} distinct), "
                  f"crawls {statuses}: {'ok' if whole else 'FAILED'}")
        start = len(site.requests)
        rerun = subprocess.run(crawl(site, db_path), capture_output=True, text=True)
        answers = Counter(status for method, path, status in site.requests[start:] if path.startswith("/essays/"))
        print(f"rerun over the unchanged site: essay pages answered {dict(answers)}; {rerun.stdout.strip()}")
        failures += answers.get(200, 0) != 0
    print("PASS" if not failures else f"FAIL ({failures})")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
