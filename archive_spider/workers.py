"""Discovery and extraction off the crawl's event loop, in a pool of worker processes.

Both are CPU-bound (a few ms a page for discovery, about 10 to 20 for extraction) and
Scrapy runs one event loop: done inline, they stall fetching, and the machine's other
cores stay idle. The spider awaits :meth:`ExtractionPool.process_page` (discovery, and
the extraction of a one-page article in the same trip) and :meth:`ExtractionPool.extract`
(an article of several pages) instead, which run in a worker process and let the event
loop go on fetching meanwhile.

- Back-pressure: at most ``ARCHIVE_EXTRACT_QUEUE`` extractions are in flight; a callback
  waiting for a slot keeps its response in Scrapy's scraper, whose size limit
  (``SCRAPER_SLOT_MAX_ACTIVE_SIZE``) then pauses the downloader. Memory stays bounded.
- Failures: a worker that dies (a crash in lxml, the kernel's OOM killer) or an
  extraction that runs past ``ARCHIVE_EXTRACT_TIMEOUT`` breaks the whole pool in
  ``concurrent.futures``; the pool is replaced, the extractions that were in flight are
  retried one at a time in a separate worker so the culprit is known, and only the
  culprit is counted as an error. The crawl goes on.
- Shutdown: the pool is closed when the spider closes (also after a first Ctrl-C or
  SIGTERM, which Scrapy turns into a graceful stop); :func:`close_all_pools` kills what is
  left after a forced stop. Workers ignore SIGINT (the crawl decides when they stop) and
  ask the kernel to kill them if their parent dies, so a ``kill -9`` of the crawl leaves
  no orphans either.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import multiprocessing
import os
import signal
import sys
import threading
from copy import deepcopy
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any
from collections.abc import Sequence

from archive_spider import settings as defaults

logger = logging.getLogger(__name__)

# Extraction seconds after which a page is given up and its worker killed.
DEFAULT_TIMEOUT = float(defaults.ARCHIVE_EXTRACT_TIMEOUT)
# In-flight extractions per worker by default: enough to keep every worker busy while
# results travel back, few enough to bound memory.
IN_FLIGHT_PER_WORKER = 4
# Linux prctl(2) option: a signal the kernel sends this process when its parent dies.
PR_SET_PDEATHSIG = 1

Pages = Sequence[tuple[str, str]]


class ExtractionFailed(Exception):
    """A page could not be extracted: its worker died or it ran past the timeout."""


def cpu_count() -> int:
    """Cores this process may run on (the affinity mask, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def extract_pages(pages: Pages, teaser: str | None = None, boilerplate: frozenset[str] | None = None):
    """Extract every page of one article and join them into one Article.

    ``pages`` are (url, html) pairs in reading order; the teaser helps find the body of
    the first page only; ``boilerplate`` holds the hashes of the site's known boilerplate
    paragraphs (see extraction/boilerplate.py). This is what a worker runs, and what
    inline mode runs.
    """
    from archive_spider.extraction import extract_article, merge_pages

    articles = [extract_article(html, url=url, teaser=teaser if i == 0 else None, boilerplate=boilerplate)
                for i, (url, html) in enumerate(pages)]
    return merge_pages(*articles) if len(articles) > 1 else articles[0]


@dataclass
class PageResult:
    """What a worker found on one page: discovery's analysis, and the article when the
    page was a whole article by itself and extraction was asked for, with the SimHash of
    its text (storage's near-duplicate check needs it; computed here, off the crawl's
    thread)."""

    analysis: Any  # discovery.PageAnalysis
    article: Any = None  # extraction.Article
    simhash: int | None = None
    teaser: Any = None  # the spider notes here the teaser it asked extraction to use


def process_page(url: str, html: str, hosts: Sequence[str],
                 extract: tuple[str | None, frozenset[str] | None] | None = None) -> PageResult:
    """Discovery on one page and, if it is an article that continues on no further page,
    its extraction with ``extract`` = (teaser, boilerplate hashes); what a worker runs for
    every HTML page the crawl fetches.

    Extracting here, in the same round trip, saves sending the page to a worker twice; the
    spider may still discard the article (an on-site canonical names another URL).

    When extraction is asked for, the page is parsed once: extraction's loader reads it,
    and discovery works on a copy of that tree (copying costs a third of parsing), since
    both change the tree they work on. When extraction's reading of the page differs from
    the page (control characters cleaned, a repaired encoding, a page past the size cap),
    or no extraction is asked for, discovery parses the page itself; either way its
    analysis is the same."""
    from archive_spider import similarity
    from archive_spider.discovery import pages as discovery

    loaded, tree = (None, None) if extract is None else load_shared(html)
    analysis = discovery.analyse_page(html, url, hosts, tree=tree)
    if extract is None or analysis.kind != "article" or analysis.continuation:
        return PageResult(analysis)
    from archive_spider.extraction import extract_article

    teaser, boilerplate = extract
    article = extract_article(html, url=url, teaser=teaser, boilerplate=boilerplate, loaded=loaded)
    return PageResult(analysis, article, similarity.simhash(article.text))


def load_shared(html: str):
    """``html`` read by extraction's loader (``loading.LoadedPage``), and a copy of its
    tree for discovery when that tree is the one discovery would parse (None otherwise).
    Never raises: extraction reports its own errors when it reads the page again."""
    from archive_spider.extraction.loading import load_page

    try:
        loaded = load_page(html)
    except Exception:  # extract_article reads it again, in its safety net
        return None, None
    if loaded.tree is None or loaded.text != html:
        return loaded, None
    return loaded, deepcopy(loaded.tree)


def init_worker() -> None:
    """Runs first in each worker process."""
    # Ctrl-C reaches the whole process group; the crawl stops its workers itself, after
    # the extractions in flight are done.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A forkserver child inherits the pipe whose closing tells the fork server that the
    # crawl is gone; a worker holding it would keep the server (and so itself) alive
    # after a ``kill -9`` of the crawl. Workers start no processes: close it.
    from multiprocessing import forkserver

    alive_fd = getattr(forkserver._forkserver, "_forkserver_alive_fd", None)
    if alive_fd is not None and multiprocessing.parent_process() is not None:
        try:
            os.close(alive_fd)
        except OSError:
            pass
        forkserver._forkserver._forkserver_alive_fd = None
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass


def warm_up(*_: Any) -> int:
    """A no-op task that makes a worker start (and import the extractors) early."""
    import archive_spider.extraction  # noqa: F401
    import archive_spider.discovery.pages  # noqa: F401

    return os.getpid()


def process_context():
    """How workers are started: forked from a small server process that has imported the
    extractors once (``forkserver``), not forked from the crawl itself, whose threads and
    open sockets a plain fork would copy."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["archive_spider.workers", "archive_spider.extraction", "archive_spider.discovery.pages"])
        return context
    return multiprocessing.get_context("spawn")


_open_pools: set[ExtractionPool] = set()
_open_pools_lock = threading.Lock()


def close_all_pools(force: bool = True) -> None:
    """Close every pool still open (after a forced stop of the crawl); idempotent."""
    with _open_pools_lock:
        pools = list(_open_pools)
    for pool in pools:
        pool.close(force=force)


class ExtractionPool:
    """Runs extractions in ``workers`` processes; ``workers=0`` runs them inline.

    Example::

        pool = ExtractionPool(workers=2)
        article = await pool.extract([(url, html)], teaser=None)
        pool.close()
    """

    def __init__(self, workers: int | None = None, max_in_flight: int | None = None,
                 timeout: float | None = DEFAULT_TIMEOUT, stats=None, function=None):
        """
        Args:
            workers: worker processes; None (or negative), one per core; 0, inline.
            max_in_flight: extractions submitted at most at once; default 4 per worker.
            timeout: seconds before an extraction is given up and its worker killed.
            stats: a Scrapy stats collector for the counts (crashes, timeouts, restarts).
            function: what a worker runs, ``function(pages, teaser)``; default
                :func:`extract_pages`. Must be importable by name (tests pass others).
        """
        self.function = function or extract_pages
        self.workers = cpu_count() if workers is None or workers < 0 else workers
        self.max_in_flight = max(1, max_in_flight or self.workers * IN_FLIGHT_PER_WORKER)
        self.timeout = timeout if timeout and timeout > 0 else None
        self.stats = stats
        self.crawler = None
        self._executor: concurrent.futures.ProcessPoolExecutor | None = None
        self._isolated: concurrent.futures.ProcessPoolExecutor | None = None
        self._slots: asyncio.Semaphore | None = None
        self._isolation_lock: asyncio.Lock | None = None
        self._generation = 0
        self.closed = False

    @classmethod
    def from_crawler(cls, crawler) -> ExtractionPool:
        """A pool configured by ARCHIVE_EXTRACT_WORKERS, _QUEUE and _TIMEOUT, closed with
        the spider."""
        from scrapy import signals

        settings = crawler.settings
        raw = settings.get("ARCHIVE_EXTRACT_WORKERS")
        workers = None if raw in (None, "", "auto") else int(raw)
        pool = cls(
            workers=workers,
            max_in_flight=settings.getint("ARCHIVE_EXTRACT_QUEUE") or None,
            timeout=settings.getfloat("ARCHIVE_EXTRACT_TIMEOUT"),
        )
        pool.crawler = crawler  # its stats exist only once the crawl starts
        # Workers start with the first extraction, not with the crawl: a rerun that finds
        # nothing new never pays for them.
        crawler.signals.connect(pool.close, signal=signals.spider_closed)
        crawler.signals.connect(pool.close, signal=signals.engine_stopped)
        return pool

    # --- life cycle -----------------------------------------------------------------------

    def start(self) -> None:
        """Start the workers now rather than at the first extraction (optional)."""
        if self.workers and not self.closed:
            self._pool()

    def _new_executor(self, workers: int) -> concurrent.futures.ProcessPoolExecutor:
        executor = concurrent.futures.ProcessPoolExecutor(
            max_workers=workers, mp_context=process_context(), initializer=init_worker)
        for _ in range(workers):  # start them all now, so the first pages wait for nothing
            executor.submit(warm_up)
        with _open_pools_lock:
            _open_pools.add(self)
        return executor

    def _pool(self) -> concurrent.futures.ProcessPoolExecutor:
        if self._executor is None:
            self._executor = self._new_executor(self.workers)
            self._set("archive/extract/workers", self.workers)
        return self._executor

    def worker_pids(self) -> list[int]:
        """Process ids of the live workers (for tests and benchmarks)."""
        pids = []
        for executor in (self._executor, self._isolated):
            processes = getattr(executor, "_processes", None) or {}
            pids += [p.pid for p in list(processes.values()) if p.is_alive()]
        return pids

    def close(self, force: bool = False) -> None:
        """Stop the workers: after the extractions in flight (default), or at once."""
        self.closed = True
        for name in ("_executor", "_isolated"):
            executor = getattr(self, name)
            setattr(self, name, None)
            if executor is not None:
                if force:
                    kill_workers(executor)
                executor.shutdown(wait=True, cancel_futures=True)
        with _open_pools_lock:
            _open_pools.discard(self)

    # --- extraction -----------------------------------------------------------------------

    async def extract(self, pages: Pages, teaser: str | None = None, boilerplate: frozenset[str] | None = None):
        """Extract one article (one or more pages) without blocking the event loop.

        ``boilerplate`` (the site's known boilerplate hashes) is passed on to the worker
        function only when there is some, so functions taking ``(pages, teaser)`` still work.

        Raises ExtractionFailed when the page kills its worker or runs past the timeout;
        extraction's own errors propagate as they would inline.
        """
        pages = [(url, html) for url, html in pages]
        extra = (boilerplate,) if boilerplate else ()
        return await self.run(pages[0][0], self.function, pages, teaser, *extra)

    async def process_page(self, url: str, html: str, hosts: Sequence[str],
                           extract: tuple[str | None, frozenset[str] | None] | None = None) -> PageResult:
        """Discovery on one fetched page and, when it is a whole article by itself and
        ``extract`` = (teaser, boilerplate) is given, its extraction too: one round trip
        to a worker, with the same failure handling as :meth:`extract`."""
        return await self.run(url, process_page, url, html, list(hosts), extract)

    async def run(self, url: str, function, *args):
        """``function(*args)`` in a worker (inline when ``workers`` is 0); ``url`` names
        the page in logs and errors."""
        if self.workers and not asyncio_loop_running():
            logger.warning("The extraction pool needs Scrapy's asyncio reactor "
                           "(TWISTED_REACTOR); extracting inline instead")
            self.workers = 0
        if not self.workers:
            return function(*args)
        if self.closed:
            raise ExtractionFailed("the extraction pool is closed")
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_in_flight)
            self._isolation_lock = asyncio.Lock()
        async with self._slots:
            generation = self._generation
            try:
                return await self._run(self._pool(), function, *args)
            except (BrokenProcessPool, asyncio.TimeoutError) as exc:
                self._replace_pool(generation, exc, url)
            # Maybe this page broke the pool, maybe another one in flight did: find out
            # alone, in a worker of its own.
            return await self._run_isolated(url, function, *args)

    async def _run(self, executor, function, *args):
        future = asyncio.wrap_future(executor.submit(function, *args))
        if self.timeout is None:
            return await future
        return await asyncio.wait_for(future, self.timeout)

    def _replace_pool(self, generation: int, exc: BaseException, url: str) -> None:
        if generation != self._generation:
            return  # another extraction has replaced it already
        self._generation += 1
        executor, self._executor = self._executor, None
        self._inc("archive/extract/pool_restarts")
        if isinstance(exc, asyncio.TimeoutError):
            logger.warning("Extraction ran past %.0f s (%s); restarting the worker pool", self.timeout, url)
        else:
            logger.warning("An extraction worker died; restarting the worker pool")
        if executor is not None:
            kill_workers(executor)
            executor.shutdown(wait=False, cancel_futures=True)

    async def _run_isolated(self, url: str, function, *args):
        async with self._isolation_lock:
            if self.closed:
                raise ExtractionFailed("the extraction pool is closed")
            if self._isolated is None:
                self._isolated = self._new_executor(1)
            try:
                return await self._run(self._isolated, function, *args)
            except (BrokenProcessPool, asyncio.TimeoutError) as exc:
                executor, self._isolated = self._isolated, None
                kill_workers(executor)
                executor.shutdown(wait=False, cancel_futures=True)
                if isinstance(exc, asyncio.TimeoutError):
                    self._inc("archive/extract/timeouts")
                    raise ExtractionFailed(f"extraction ran past {self.timeout:.0f} s: {url}") from None
                self._inc("archive/extract/crashes")
                raise ExtractionFailed(f"extraction crashed its worker process: {url}") from None

    def _stats(self):
        return self.stats if self.stats is not None else getattr(self.crawler, "stats", None)

    def _inc(self, key: str) -> None:
        if self._stats() is not None:
            self._stats().inc_value(key)

    def _set(self, key: str, value: Any) -> None:
        if self._stats() is not None:
            self._stats().set_value(key, value)


def asyncio_loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def kill_workers(executor: concurrent.futures.ProcessPoolExecutor) -> None:
    """Kill an executor's worker processes now (``concurrent.futures`` only joins them)."""
    processes: dict[Any, Any] = getattr(executor, "_processes", None) or {}
    for process in list(processes.values()):
        try:
            process.kill()
        except (OSError, ValueError, AttributeError):
            pass
