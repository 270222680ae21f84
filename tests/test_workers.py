"""The extraction pool: same results as inline, failures contained, no processes left."""

import asyncio
import os
import time

import psutil
import pytest

from archive_spider.demo.site import load_essays
from archive_spider.demo.templates import build_site
from archive_spider.workers import ExtractionFailed, ExtractionPool, extract_pages

from .polling import NotReady, wait_until

BASE = "http://127.0.0.1:9"
CRASH = "<!-- crash this worker -->"
HANG = "<!-- hang this worker -->"


def crash_or_extract(pages, teaser=None):
    """What the test pools run in their workers: dies or hangs on a marked page."""
    html = pages[0][1]
    if CRASH in html:
        os._exit(70)  # like a segfault in a C extension: no exception, the process is gone
    if HANG in html:
        time.sleep(120)  # the scenario: a worker that hangs
    return extract_pages(pages, teaser)


class Stats:
    def __init__(self):
        self.values = {}

    def inc_value(self, key, count=1):
        self.values[key] = self.values.get(key, 0) + count

    def set_value(self, key, value):
        self.values[key] = value


@pytest.fixture(scope="module")
def articles():
    """(pages, teaser) for a few demo essays, one of them over two pages."""
    site = build_site(base_url=BASE)
    essays = load_essays()
    chosen = [e for e in essays if len(e.pages) == 2][:1] + [e for e in essays if len(e.pages) == 1][:5]
    result = []
    for essay in chosen:
        pages = [(BASE + essay.page_path(n), site[essay.page_path(n)].body.decode("utf-8"))
                 for n in range(1, len(essay.pages) + 1)]
        result.append((pages, essay.teaser))
    return result


def gone(pids):
    """True when none of the processes is running any more (zombies count as gone)."""
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                return False
        except psutil.NoSuchProcess:
            pass
    return True


def wait_gone(pids, seconds=10.0):
    try:
        return wait_until(lambda: gone(pids), seconds, "the processes gone", interval=0.1)
    except NotReady:
        return False


async def test_the_pool_extracts_exactly_what_inline_extraction_does(articles):
    pool = ExtractionPool(workers=2)
    try:
        pooled = await asyncio.gather(*(pool.extract(pages, teaser) for pages, teaser in articles))
    finally:
        pool.close()
    inline = [extract_pages(pages, teaser) for pages, teaser in articles]
    assert [a.to_dict() for a in pooled] == [a.to_dict() for a in inline]
    assert len(pooled[0].text) > len(extract_pages(articles[0][0][:1], articles[0][1]).text)


async def test_zero_workers_extracts_inline_without_processes(articles):
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    pool = ExtractionPool(workers=0)
    pages, teaser = articles[1]
    article = await pool.extract(pages, teaser)
    assert article.to_dict() == extract_pages(pages, teaser).to_dict()
    assert {p.pid for p in psutil.Process().children(recursive=True)} == before
    assert pool.worker_pids() == []

async def test_a_worker_analyses_every_page_and_extracts_a_whole_article_in_the_same_trip(articles):
    from archive_spider import similarity
    from archive_spider.discovery import pages as discovery

    site = build_site(base_url=BASE)
    index_url = BASE + "/"
    index_html = site["/"].body.decode("utf-8")
    (first_url, first_html), (second_url, second_html) = articles[0][0]
    single_url, single_html = articles[1][0][0]
    hosts = ["127.0.0.1"]
    pool = ExtractionPool(workers=2)
    try:
        index, split, single, no_extraction = await asyncio.gather(
            pool.process_page(index_url, index_html, hosts, (None, None)),
            pool.process_page(first_url, first_html, hosts, (articles[0][1], None)),
            pool.process_page(single_url, single_html, hosts, (articles[1][1], None)),
            pool.process_page(single_url, single_html, hosts),
        )
    finally:
        pool.close()
    # the worker's analysis is discovery's
    assert index.analysis == discovery.analyse_page(index_html, index_url, hosts)
    assert index.analysis.kind == "index" and index.article is None
    # an article that goes on over a second page is extracted later, with all its pages
    assert split.analysis.kind == "article" and split.analysis.continuation == second_url
    assert split.article is None
    # a whole article comes back extracted, with the fingerprint of its text
    assert single.analysis.kind == "article"
    assert single.article.to_dict() == extract_pages([(single_url, single_html)], articles[1][1]).to_dict()
    assert single.simhash == similarity.simhash(single.article.text) is not None
    # extraction only when asked for
    assert no_extraction.analysis.kind == "article" and no_extraction.article is None



async def test_close_leaves_no_worker_processes(articles):
    pool = ExtractionPool(workers=2)
    await pool.extract(*articles[1])
    workers = pool.worker_pids()
    assert len(workers) == 2
    pool.close()
    assert wait_gone(workers)
    with pytest.raises(ExtractionFailed):
        await pool.extract(*articles[1])


async def test_a_page_that_kills_its_worker_is_counted_and_the_rest_are_extracted(articles):
    stats = Stats()
    pool = ExtractionPool(workers=2, stats=stats, function=crash_or_extract)
    (first, teaser), others = articles[1], articles[2:]
    poison = [(first[0][0], first[0][1].replace("<body", CRASH + "<body", 1))]
    try:
        results = await asyncio.gather(
            pool.extract(poison, teaser), *(pool.extract(p, t) for p, t in others),
            return_exceptions=True,
        )
        # The pool works on after the crash.
        after = await pool.extract(*articles[1])
    finally:
        pool.close()
    assert isinstance(results[0], ExtractionFailed)
    for result, (pages, teaser) in zip(results[1:], others):
        assert not isinstance(result, BaseException), result
        assert result.to_dict() == extract_pages(pages, teaser).to_dict()
    assert after.word_count > 100
    assert stats.values["archive/extract/crashes"] == 1
    assert stats.values["archive/extract/pool_restarts"] >= 1


async def test_a_page_that_hangs_is_given_up_after_the_timeout(articles):
    stats = Stats()
    pool = ExtractionPool(workers=2, stats=stats, timeout=3, function=crash_or_extract)
    (first, teaser) = articles[1]
    stuck = [(first[0][0], first[0][1].replace("<body", HANG + "<body", 1))]
    started = time.monotonic()
    try:
        results = await asyncio.gather(pool.extract(stuck, teaser), pool.extract(*articles[2]),
                                       return_exceptions=True)
        hung_workers = pool.worker_pids()
    finally:
        pool.close()
    assert isinstance(results[0], ExtractionFailed)
    assert results[1].word_count > 100
    assert time.monotonic() - started < 30
    assert stats.values["archive/extract/timeouts"] == 1
    assert wait_gone(hung_workers)


async def test_in_flight_extractions_are_bounded(articles, monkeypatch):
    pool = ExtractionPool(workers=1, max_in_flight=2)
    submitted = []
    original = pool._run

    async def counting_run(executor, function, *args):
        submitted.append(len(submitted) - sum(1 for _ in done))
        return await original(executor, function, *args)

    done = []
    monkeypatch.setattr(pool, "_run", counting_run)

    async def one(pages, teaser):
        result = await pool.extract(pages, teaser)
        done.append(result)
        return result

    try:
        await asyncio.gather(*(one(p, t) for p, t in articles))
    finally:
        pool.close()
    assert len(done) == len(articles)
    assert max(submitted) < 2  # at most one other extraction was in flight at each submit
