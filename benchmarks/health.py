"""What site health costs a crawl: the same crawls with ARCHIVE_HEALTH on and off.

Serves a generated site of N articles (the demo site's theme) on 127.0.0.1 and runs, for
each setting in turn (alternating, ``--repeat`` times, fresh archive each time), a first
crawl and a rerun of ``archive-spider crawl --concurrency 16``; prints the median wall
time of each, and the time health.py's assessment took (its INFO log line).

Example:
    python benchmarks/health.py --articles 1000 --repeat 3
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive_spider.demo.generated import build_generated_site  # noqa: E402
from archive_spider.demo.server import DemoServer  # noqa: E402

ASSESSED = re.compile(r"Site health of \d+ sites? assessed in ([0-9.]+) s")


def crawl(url: str, db: Path, log: Path, health: bool) -> tuple[float, float | None]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "archive_spider", "crawl", url, "--db", str(db), "--concurrency", "16",
         "--log-file", str(log), "-s", f"ARCHIVE_HEALTH={health}"],
        capture_output=True, text=True, cwd=ROOT)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit(f"crawl failed: {result.stderr[-2000:]}")
    found = ASSESSED.findall(log.read_text())
    return seconds, float(found[-1]) if found else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    times: dict[tuple[bool, str], list[float]] = {}
    assess: dict[str, list[float]] = {}
    with DemoServer(pages=build_generated_site(args.articles)) as site, tempfile.TemporaryDirectory() as tmp:
        for run in range(args.repeat):
            for health in (False, True):
                db = Path(tmp) / f"{run}-{health}.db"
                for kind in ("first", "rerun"):
                    log = Path(tmp) / f"{run}-{health}-{kind}.log"
                    seconds, assessed = crawl(f"{site.url}/", db, log, health)
                    times.setdefault((health, kind), []).append(seconds)
                    if assessed is not None:
                        assess.setdefault(kind, []).append(assessed)
    print(f"{args.articles} articles, medians of {args.repeat} runs (wall seconds of the whole command):")
    for kind in ("first", "rerun"):
        off, on = statistics.median(times[(False, kind)]), statistics.median(times[(True, kind)])
        inside = statistics.median(assess[kind]) if kind in assess else float("nan")
        print(f"  {kind:5}: health off {off:6.2f} s, on {on:6.2f} s ({on - off:+.2f} s); assessment {inside:.3f} s")


if __name__ == "__main__":
    main()
