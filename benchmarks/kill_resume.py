"""Kill -9 a crawl at random moments, then check the archive and let a rerun finish it.

Serves the demo site with a delay per response (so a crawl lasts several seconds), starts
`archive-spider crawl` into a fresh archive, kills it with SIGKILL after a random time,
checks `PRAGMA integrity_check`, and repeats on the same archive; a last run then completes
it. Prints one line per cycle and a verdict. Also measures a rerun over the unchanged site.

    python benchmarks/kill_resume.py [--cycles 10] [--delay 0.1] [--seed 1]
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


def crawl(site, db_path, *extra):
    return [sys.executable, "-m", "archive_spider", "crawl", f"{site.url}/", "--db", str(db_path),
            "--concurrency", "4", *extra]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=10)
    parser.add_argument("--delay", type=float, default=0.1, help="seconds per response")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    expected = len(load_essays())
    ok = True
    with tempfile.TemporaryDirectory() as folder, SlowDemoServer(args.delay) as site:
        db_path = Path(folder) / "archive.db"
        for cycle in range(1, args.cycles + 1):
            after = rng.uniform(2.0, 12.0)
            process = subprocess.Popen(crawl(site, db_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(after)
            finished = process.poll() is not None
            if not finished:
                os.kill(process.pid, signal.SIGKILL)
            process.wait()
            integrity = query(db_path, "PRAGMA integrity_check")[0][0] if db_path.exists() else "no file yet"
            count = query(db_path, "select count(*) from articles")[0][0] if db_path.exists() else 0
            ok &= integrity in ("ok", "no file yet")
            print(f"cycle {cycle}: {'finished' if finished else 'killed'} after {after:.1f} s; "
                  f"integrity {integrity}; {count} articles")
        start = len(site.requests)
        last = subprocess.run(crawl(site, db_path), capture_output=True, text=True)
        print("completing run:", last.stdout.strip())
        urls = [url for (url,) in query(db_path, "select url from articles")]
        complete = len(urls) == len(set(urls)) == expected
        statuses = Counter(status for (status,) in query(db_path, "select status from crawls"))
        print(f"archive: {len(urls)} articles ({len(set(urls))} distinct, {expected} expected); "
              f"crawls by status: {dict(statuses)}; integrity {query(db_path, 'PRAGMA integrity_check')[0][0]}")
        start = len(site.requests)
        rerun = subprocess.run(crawl(site, db_path), capture_output=True, text=True)
        answers = Counter(status for method, path, status in site.requests[start:] if path.startswith("/essays/"))
        print(f"rerun over the unchanged site: essay pages answered {dict(answers)}; {rerun.stdout.strip()}")
        ok &= complete and last.returncode == 0 and answers.get(200, 0) == 0
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
