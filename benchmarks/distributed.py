"""Distributed crawl speed: 1 vs 2 worker processes (and the single-process crawl) on a generated site.

Serves a generated magazine of N articles on 127.0.0.1 (the demo essays, copied under new
titles and slugs until there are N), starts a throwaway redis-server, and for each
configuration crawls the whole site into a fresh archive:

- ``single``: ``archive-spider crawl`` in one process, as without Redis;
- ``1 worker`` / ``2 workers``: that many ``archive-spider crawl --redis`` processes plus
  one ``archive-spider ingest``.

The time runs from the start of the processes to the moment the last article is in the
archive (the ingester's known-URL set in Redis, or the single crawl's exit), so the
workers' idle timeout is not counted. Prints articles per second, the CPU seconds the
crawl's processes used per article, the load average (other work on the machine skews
the figures: run it on a quiet machine) and the ratio of 2 workers to 1. Rounds are
interleaved and the best of each configuration is kept. Needs redis-server
(``apt-get install redis-server``).

Example:
    python benchmarks/distributed.py --articles 400 --concurrency 16
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive_spider.demo.server import DemoServer  # noqa: E402
from archive_spider.demo.site import load_essays  # noqa: E402
from archive_spider.demo.templates import build_site  # noqa: E402
from archive_spider.distributed.keys import RedisKeys# noqa: E402
from tests.redisserver import LocalRedis  # noqa: E402


def generate_essays(count: int):
    """``count`` essays: the demo's, then copies with a numbered title and slug."""
    originals = load_essays()
    essays = []
    for number in range(count):
        essay = originals[number % len(originals)]
        copy = number // len(originals)
        if copy:
            essay = dataclasses.replace(essay, slug=f"{essay.slug}-{copy + 1}",
                                        title=f"{essay.title}, Part {copy + 1}")
        essays.append(essay)
    return essays


def serve_generated_site(count: int) -> DemoServer:
    site = DemoServer(pages={}).start()
    for path, page in build_site(generate_essays(count), base_url=site.url).items():
        site.set_page(path, page)
    return site


def cli(*args) -> list[str]:
    return [sys.executable, "-m", "archive_spider", *map(str, args)]


def run_single(site_url: str, workdir: Path, concurrency: int) -> float:
    started = time.monotonic()
    subprocess.run(cli("crawl", f"{site_url}/", "--db", workdir / "single.db", "--concurrency", concurrency),
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - started


def run_distributed(site_url: str, redis: LocalRedis, workdir: Path, workers: int, articles: int,
                    concurrency: int, timeout: float) -> float:
    client = redis.client()
    client.flushall()
    known = RedisKeys().known
    db_path = workdir / f"workers-{workers}.db"
    logs = open(workdir / f"workers-{workers}.log", "w")
    started = time.monotonic()
    processes = [subprocess.Popen(cli("ingest", "--redis", redis.url, "--db", db_path, "--idle-timeout", 2),
                                  stdout=logs, stderr=subprocess.STDOUT)]
    processes += [
        subprocess.Popen(cli("crawl", f"{site_url}/", "--redis", redis.url, "--concurrency", concurrency,
                             "--idle-timeout", 2), stdout=logs, stderr=subprocess.STDOUT)
        for _ in range(workers)
    ]
    try:
        while client.scard(known) < articles:
            if time.monotonic() - started > timeout:
                raise TimeoutError(f"{client.scard(known)} of {articles} articles after {timeout:.0f} s; "
                                   f"see {workdir}/workers-{workers}.log")
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        for process in processes:
            process.wait(timeout=120)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
        logs.close()
    return elapsed


def describe_machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, {platform.system()} {platform.release()}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=400, help="articles on the generated site (default 400)")
    parser.add_argument("--concurrency", type=int, default=16, help="requests at once per worker (default 16)")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each configuration; the best is kept")
    parser.add_argument("--timeout", type=float, default=600, help="give up a run after this many seconds")
    args = parser.parse_args(argv)

    site = serve_generated_site(args.articles)
    print(f"Machine: {describe_machine()}")
    print(f"Site: {args.articles} articles at {site.url}/, concurrency {args.concurrency} per process\n")
    best: dict[str, tuple[float, float, float]] = {}
    with LocalRedis() as redis, tempfile.TemporaryDirectory(prefix="archive-spider-bench-") as tmp:
        workdir = Path(tmp)
        configurations = {
            "single process": lambda: run_single(site.url, workdir, args.concurrency),
            "1 worker + ingester": lambda: run_distributed(site.url, redis, workdir, 1, args.articles,
                                                           args.concurrency, args.timeout),
            "2 workers + ingester": lambda: run_distributed(site.url, redis, workdir, 2, args.articles,
                                                            args.concurrency, args.timeout),
        }
        for _ in range(args.rounds):
            for name, run in configurations.items():
                for stale in workdir.glob("*.db*"):
                    stale.unlink()
                cpu_before = children_cpu_seconds()
                seconds = run()
                cpu = children_cpu_seconds() - cpu_before
                if name not in best or seconds < best[name][0]:
                    best[name] = (seconds, cpu, os.getloadavg()[0])
        for name, (seconds, cpu, load) in best.items():
            print(f"{name:22} {seconds:6.1f} s  {args.articles / seconds:6.1f} articles/s  "
                  f"{cpu / args.articles * 1000:5.0f} ms CPU/article  load {load:.1f}")
    site.stop()
    ratio = best["1 worker + ingester"][0] / best["2 workers + ingester"][0]
    print(f"\n2 workers / 1 worker: {ratio:.2f}x articles/s")


def children_cpu_seconds() -> float:
    """CPU time (user + system) of the finished child processes: the crawl's processes."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
