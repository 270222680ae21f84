"""Crawl speed and memory: can the archive keep up with the wire and use every core?

Generates a site of N articles (the demo site's theme and boilerplate, 20 teasers per
index page), serves it from a separate process on 127.0.0.1, and measures in one run:

  (a) fetch      a bare Scrapy crawl that fetches every page of the site, nothing else
  (b) extract    extraction alone of every article, on all cores (a process pool)
  (c) crawl      ``archive-spider crawl URL --concurrency 16`` end to end, fresh archive
  (d) rerun      the same crawl again over the unchanged site, same archive (default
                 revisit policy; then with --revisit never, --revisit adaptive, and
                 --full-listing, which reads every index page as a first crawl does)

(a), (b) and (c) are repeated ``--repeat`` times and their medians reported, with the
ratio max(a, b) / c of times (1.0: the crawl is as fast as the slower of fetching and
extracting; the target is >= 0.8) and the peak RSS of the crawl's whole process tree
(the crawl, its extraction workers and their fork server; not the site's server).
It also prints the ratio's ceiling on this machine: a crawl needs at least the CPU
seconds of (a) and (b) together, over all cores, so max(a, b) / c cannot exceed
max(a, b) / ((CPU of a + CPU of b) / cores) whatever else it does.

Examples:
    python benchmarks/crawl.py --articles 1500
    python benchmarks/crawl.py --site-dir /path/to/generated/site   # a site of your own
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive_spider.demo.generated import build_generated_site, write_site  # noqa: E402
from archive_spider.workers import cpu_count, extract_pages, warm_up  # noqa: E402

# Seconds between two samples of the process tree's memory.
SAMPLE_EVERY = 0.05


class PeakMemory:
    """Samples the RSS of a process and all its descendants in a thread; keeps the peak."""

    def __init__(self, pid: int):
        self.root = psutil.Process(pid)
        self.peak = 0
        self.peak_processes = 0
        self.cpu: dict[int, float] = {}  # pid -> CPU seconds (user + system) last seen
        self.samples: list[tuple[float, int]] = []  # (seconds since the start, RSS bytes)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        started = time.monotonic()
        while not self._stop.is_set():
            try:
                processes = [self.root] + self.root.children(recursive=True)
            except psutil.NoSuchProcess:
                return
            total = 0
            for process in processes:
                try:
                    total += process.memory_info().rss
                    times = process.cpu_times()
                    self.cpu[process.pid] = times.user + times.system
                except psutil.NoSuchProcess:
                    pass
            self.samples.append((time.monotonic() - started, total))
            if total > self.peak:
                self.peak, self.peak_processes = total, len(processes)
            self._stop.wait(SAMPLE_EVERY)

    def growth(self) -> float:
        """How fast the RSS grew over the second half of the samples so far (MiB/s)."""
        samples = list(self.samples)
        if len(samples) < 4:
            return 0.0
        (t0, r0), (t1, r1) = samples[len(samples) // 2], samples[-1]
        return (r1 - r0) / 2**20 / (t1 - t0) if t1 > t0 else 0.0

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def run_measured(command: list[str], **kwargs) -> tuple[subprocess.CompletedProcess, float, int]:
    """Run a command; returns (result, wall seconds, peak RSS bytes of its process tree).

    The CPU seconds its process tree used (as last sampled) are in ``result.cpu_seconds``.
    """
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
    with PeakMemory(process.pid) as memory:
        stdout, stderr = process.communicate()
    seconds = time.monotonic() - started
    result = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    result.cpu_seconds = sum(memory.cpu.values())
    result.cpu_own = memory.cpu.get(process.pid, 0.0)  # the command's own process, no children
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{stderr[-3000:]}")
    return result, seconds, memory.peak


def serve(directory: Path) -> tuple[subprocess.Popen, str]:
    server = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "serve_site.py"), str(directory)],
                              stdout=subprocess.PIPE, text=True)
    url = server.stdout.readline().strip()
    if not url.startswith("http"):
        server.kill()
        sys.exit("the site server did not start")
    return server, url


def html_paths(directory: Path) -> list[str]:
    """URL paths of the site's HTML pages (what a bare crawl fetches)."""
    paths = []
    for file in sorted(f for f in directory.rglob("*") if f.suffix.lower() in (".html", ".htm")):
        relative = file.relative_to(directory).as_posix()
        paths.append("/" + (relative[: -len("index.html")] if relative.endswith("index.html") else relative))
    return paths


def article_groups(db_path: Path) -> list[tuple[list[tuple[str, str]], str | None]]:
    """The articles the crawl stored, each as the pages it extracted them from (url,
    HTML, read back from the crawl's WARC files, so any site's URL scheme works) and the
    teaser the crawl had for it: what (b) extracts."""
    from archive_spider.archive import schema
    from archive_spider.reextract import latest_records, page_text

    db = schema.open_db(db_path, create=False)
    try:
        teasers = dict(db.execute("select url, summary from articles"))
        folder = os.path.dirname(os.path.abspath(db_path))  # WARC paths are relative to it
        return [([page_text(record, folder) for record in [first, *rest]], teasers.get(first["article_url"]))
                for first, rest in latest_records(db)]
    finally:
        db.close()


def extract_all(groups, workers: int) -> tuple[float, float]:
    """Seconds to extract every group on ``workers`` processes (started beforehand), and
    the CPU seconds that took (the workers' and this process's, which feeds them)."""
    from archive_spider.workers import init_worker, process_context

    def used() -> float:  # CPU seconds so far of the pool's workers and of this process
        workers_cpu = sum(cpu_seconds(process.pid) for process in pool._processes.values())
        return workers_cpu + time.process_time()

    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=process_context(),
                                                initializer=init_worker) as pool:
        list(pool.map(warm_up, range(workers)))
        started, cpu_before = time.monotonic(), used()
        pages, teasers = [g[0] for g in groups], [g[1] for g in groups]
        for _ in pool.map(extract_pages, pages, teasers, chunksize=4):
            pass
        return time.monotonic() - started, used() - cpu_before


def cpu_breakdown(groups, sample: int) -> dict[str, float]:
    """CPU milliseconds per page, one core, for the two CPU-bound steps of a crawl:
    discovery (every page) and extraction (every article), both in the crawl's workers;
    each alone (each parsing the page), and together on the one-page articles as a worker
    does them (``workers.process_page``: one parse shared), beside the sum of the two
    alone on the same pages."""
    from archive_spider.discovery import pages as discovery
    from archive_spider.workers import process_page

    def per_page(run, items) -> float:
        started = time.process_time()
        for item in items:
            run(*item)
        return (time.process_time() - started) * 1000 / max(1, len(items))

    pages = [(url, html) for group, _ in groups[:sample] for url, html in group]
    hosts = sorted({url.split("/")[2].split(":")[0] for url, _ in pages})
    analyse = per_page(lambda url, html: discovery.analyse_page(html, url, hosts), pages)
    extract = per_page(extract_pages, groups[:sample]) * len(groups[:sample]) / len(pages)  # per page, not article
    single = [(group[0], teaser) for group, teaser in groups[:sample] if len(group) == 1]
    separate = per_page(lambda page, teaser: (discovery.analyse_page(page[1], page[0], hosts),
                                              extract_pages([page], teaser)), single)
    together = per_page(lambda page, teaser: process_page(page[0], page[1], hosts, (teaser, None)), single)
    return {"analyse_ms": analyse, "extract_ms": extract, "separate_ms": separate, "worker_ms": together}


# Reruns (d) also timed with these options, in this order, after the default one.
RERUN_VARIANTS = {
    "--revisit never": ["--revisit", "never"],
    "--revisit adaptive": ["--revisit", "adaptive"],
    "--full-listing": ["--full-listing"],
}


def crawl_command(url: str, db_path: Path, concurrency: int, workers: int) -> list[str]:
    return [sys.executable, "-m", "archive_spider", "crawl", f"{url}/", "--db", str(db_path),
            "--concurrency", str(concurrency), "--workers", str(workers)]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far."""
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def count_articles(db_path: Path) -> int:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("select count(*) from articles").fetchone()[0]
    finally:
        conn.close()


def machine() -> str:
    import scrapy

    memory = psutil.virtual_memory().total / 2**30
    return (f"{cpu_count()} cores ({platform.processor() or platform.machine()}), {memory:.0f} GiB, "
            f"Python {platform.python_version()}, Scrapy {scrapy.__version__}, {platform.system()} {platform.release()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1500, help="articles to generate (default 1500)")
    parser.add_argument("--site-dir", type=Path, help="crawl this static site directory instead of generating one")
    parser.add_argument("--concurrency", type=int, default=16, help="requests at once (default 16)")
    parser.add_argument("--workers", type=int, help="extraction workers (default: one per core)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of (a), (b), (c) to take medians of (default 3)")
    parser.add_argument("--no-rerun", action="store_true", help="skip (d), the rerun over the unchanged site")
    parser.add_argument("--crawl-only", action="store_true",
                        help="measure (c) and (d) only: memory and rerun time on a large site")
    parser.add_argument("--breakdown", type=int, default=100,
                        help="articles to time discovery and extraction on, one core, each alone and "
                             "together as a worker runs them, one parse (default 100; 0: skip)")
    parser.add_argument("--also-inline", action="store_true",
                        help="also time one end-to-end crawl with --workers 0 (extraction inline)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()

    workers = args.workers if args.workers is not None else cpu_count()
    work = Path(tempfile.mkdtemp(prefix="archive-spider-bench-"))
    if args.site_dir:
        site_dir = args.site_dir
    else:
        site_dir = work / "site"
        started = time.monotonic()
        write_site(build_generated_site(args.articles), site_dir)
        print(f"generated {args.articles} articles in {time.monotonic() - started:.1f} s: {site_dir}", file=sys.stderr)

    server, url = serve(site_dir)
    try:
        url_file = work / "urls.txt"
        paths = html_paths(site_dir)
        url_file.write_text("".join(f"{url}{p}\n" for p in paths), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        fetch, extract, crawl, memory, crawl_cpu, own_cpu, server_cpu = [], [], [], [], [], [], []
        fetch_cpu, extract_cpu = [], []
        db_path = None
        stored = 0
        for run in range(1, args.repeat + 1):
            if not args.crawl_only:
                served_before = cpu_seconds(server.pid)
                result, seconds, _ = run_measured(
                    [sys.executable, str(ROOT / "benchmarks" / "bare_fetch.py"), str(url_file),
                     "--concurrency", str(args.concurrency)], env=env)
                fetch.append(seconds)
                fetch_cpu.append(result.cpu_seconds + cpu_seconds(server.pid) - served_before)
            db_path = work / f"archive-{run}.db"
            command = crawl_command(url, db_path, args.concurrency, workers)
            served_before = cpu_seconds(server.pid)
            result, seconds, peak = run_measured(command, env=env, cwd=work)
            server_cpu.append(cpu_seconds(server.pid) - served_before)
            crawl.append(seconds)
            crawl_cpu.append(result.cpu_seconds)
            own_cpu.append(result.cpu_own)
            memory.append(peak)
            stored = count_articles(db_path)
            if run == 1:
                groups = article_groups(db_path)
            if not args.crawl_only:
                seconds, cpu = extract_all(groups, workers)
                extract.append(seconds)
                extract_cpu.append(cpu)
            print(f"run {run}: fetch {(fetch or [0])[-1]:.1f} s, extract {(extract or [0])[-1]:.1f} s, "
                  f"crawl {crawl[-1]:.1f} s ({crawl_cpu[-1]:.1f} CPU s, {stored} articles), peak {peak / 2**20:.0f} MB", file=sys.stderr)
        rerun = rerun_peak = None
        reruns: dict[str, float] = {}
        if not args.no_rerun:
            _, rerun, rerun_peak = run_measured(command, env=env, cwd=work)
            # The same rerun without what the policy or the incremental listing save.
            for name, extra in RERUN_VARIANTS.items():
                reruns[name] = run_measured(command + extra, env=env, cwd=work)[1]
        inline = None
        if args.also_inline:
            inline_command = crawl_command(url, work / "archive-inline.db", args.concurrency, 0)
            _, inline, _ = run_measured(inline_command, env=env, cwd=work)
    finally:
        server.kill()
        server.wait()

    c = statistics.median(crawl)
    a, b = (statistics.median(fetch), statistics.median(extract)) if fetch else (float("nan"), float("nan"))
    articles = len(groups)
    # A crawl does at least (a)'s work and (b)'s: with every core busy all the time and
    # nothing else to do, it would take their CPU seconds over the cores.
    floor = (statistics.median(fetch_cpu) + statistics.median(extract_cpu)) / cpu_count() if fetch else float("nan")
    figures = {
        "articles": articles, "pages": len(paths), "stored": stored, "workers": workers,
        "concurrency": args.concurrency, "repeat": args.repeat,
        "fetch_s": a, "extract_s": b, "crawl_s": c, "ratio": max(a, b) / c,
        "fetch_cpu_s": statistics.median(fetch_cpu) if fetch else None,
        "extract_cpu_s": statistics.median(extract_cpu) if fetch else None,
        "crawl_floor_s": floor, "ratio_ceiling": max(a, b) / floor,
        "peak_rss_mb": statistics.median(memory) / 2**20, "peak_rss_max_mb": max(memory) / 2**20,
        "crawl_cpu_s": statistics.median(crawl_cpu), "crawl_own_cpu_s": statistics.median(own_cpu),
        "server_cpu_s": statistics.median(server_cpu), "load_average": os.getloadavg(),
        "rerun_s": rerun, "rerun_share": (rerun / c) if rerun else None, "inline_crawl_s": inline,
        "reruns_s": reruns,
        "machine": machine(),
    }
    print(f"\n{articles} articles, {len(paths)} pages; concurrency {args.concurrency}, {workers} extraction "
          f"workers; medians of {args.repeat} runs\n{figures['machine']}\n")
    print("| measurement                  | seconds | articles/s |")
    print("|------------------------------|--------:|-----------:|")
    if fetch:
        print(f"| (a) fetch only (bare Scrapy) | {a:7.1f} | {articles / a:10.1f} |")
        print(f"| (b) extraction only, {workers} cores | {b:7.1f} | {articles / b:10.1f} |")
    print(f"| (c) archive-spider crawl     | {c:7.1f} | {articles / c:10.1f} |")
    if rerun:
        print(f"| (d) rerun, unchanged site    | {rerun:7.1f} |            |")
        for name, seconds in reruns.items():
            print(f"| (d) {name:<24} | {seconds:7.1f} |            |")
    if inline:
        print(f"| (c) with --workers 0 (inline)| {inline:7.1f} | {articles / inline:10.1f} |")
    print()
    if fetch:
        print(f"ratio max(a, b) / c:        {figures['ratio']:.2f}   (target >= 0.8)")
        print(f"  ceiling on this machine:  {figures['ratio_ceiling']:.2f}   a crawl does (a)'s and (b)'s work, "
              f"{figures['fetch_cpu_s']:.1f} + {figures['extract_cpu_s']:.1f} CPU s (server included),\n"
              f"                            so it needs >= {floor:.1f} s on {cpu_count()} cores before any "
              f"work of its own (discovery, storage, WARC)")
    print(f"CPU seconds of the crawl tree: {figures['crawl_cpu_s']:.1f} for {c:.1f} s of wall time "
          f"(load average after the runs: {' '.join(f'{x:.1f}' for x in os.getloadavg())})")
    print(f"  of which the crawl's own process {figures['crawl_own_cpu_s']:.1f}, its workers "
          f"{figures['crawl_cpu_s'] - figures['crawl_own_cpu_s']:.1f}; the site's server used "
          f"{figures['server_cpu_s']:.1f} CPU s meanwhile")
    print(f"peak RSS of the crawl tree: {figures['peak_rss_mb']:.0f} MB median, {figures['peak_rss_max_mb']:.0f} MB max   (target <= 400 MB)")
    if rerun:
        print(f"rerun / first crawl:        {figures['rerun_share']:.1%}   (target <= 5%); rerun peak RSS {rerun_peak / 2**20:.0f} MB")
        print("  other reruns / first crawl: " + ", ".join(f"{name} {seconds / c:.1%}" for name, seconds in reruns.items()))
    if args.breakdown:
        figures.update(cpu_breakdown(groups, args.breakdown))
        print(f"CPU per article page, one core: discovery {figures['analyse_ms']:.1f} ms, "
              f"extraction {figures['extract_ms']:.1f} ms (both in the workers)")
        print(f"  one-page article, discovery + extraction: {figures['worker_ms']:.1f} ms as a worker runs them "
              f"(one parse), {figures['separate_ms']:.1f} ms each on its own")
    if stored != articles:
        print(f"note: the crawl stored {stored} articles")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
