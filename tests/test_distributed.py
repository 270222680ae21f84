"""Distributed crawls against a real redis-server: workers, item queue, ingester.

The end-to-end tests compare, row by row, the archive that two workers and one ingester
make of the demo site with the one a single-process crawl makes of it.
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from archive_spider.archive import schema, writes
from archive_spider.distributed.keys import wait_for_start_urls, BETTER_TEASER_SCRIPT, JOIN_SCRIPT, REQUEUE_DEAD_SCRIPT, TAKE_SCRIPT, RedisConfig, RedisKeys
from archive_spider.distributed.ingest import Ingester
from archive_spider.assembly import teaser_rank
from archive_spider.vocabulary import ArticleLink
from archive_spider.demo.server import DemoServer
from archive_spider.vocabulary import ArticleItem

from .conftest import ROOT, run_cli
from .polling import NotReady, wait_until
from .redisserver import LocalRedis

# Columns that say when, in which order and by which crawl a row was written, not what it
# holds (newest_first is the published date plus the row id, a sort key).
BOOKKEEPING = {"id", "first_seen", "last_seen", "last_changed", "crawl_id", "newest_first",
               # HTTP validators of the last fetch: kept by single-process crawls only (workers
               # skip known articles instead of revisiting them; docs/distributed.md)
               "http_etag", "http_last_modified", "last_fetched"}


@pytest.fixture(scope="module")
def redis_server():
    try:
        server = LocalRedis().start()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server):
    client = redis_server.client()
    client.flushall()
    yield redis_server.url
    client.close()


@pytest.fixture
def client(redis_url):
    import redis

    c = redis.Redis.from_url(redis_url)
    yield c
    c.close()


def default_text(url):
    """Sixty words of its own for each URL, so that articles are not near-duplicates."""
    tag = "".join(ch for ch in url if ch.isalnum())[-12:]
    return " ".join(f"{tag}{i}" for i in range(60))


def article_message(url, text=None, **fields):
    text = text or default_text(url)
    item = ArticleItem(url=url, title=fields.pop("title", f"Title of {url}"), text=text, html=f"<p>{text}</p>",
                       word_count=len(text.split()), **fields)
    from itemadapter import ItemAdapter

    return json.dumps({"kind": "article", "item": ItemAdapter(item).asdict()})


def rows(db_path):
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        return {row["url"]: {k: row[k] for k in row.keys() if k not in BOOKKEEPING}
                for row in conn.execute("select * from articles")}
    finally:
        conn.close()


# --- settings ------------------------------------------------------------------------------------

def test_a_redis_url_turns_the_crawl_into_a_worker(monkeypatch):
    from scrapy.crawler import Crawler
    from scrapy.exceptions import NotConfigured

    from archive_spider.distributed.addon import WorkerAddon
    from archive_spider.distributed.spider import DistributedArticlesSpider
    from archive_spider.settings import project_settings

    monkeypatch.setenv("ARCHIVE_REDIS_URL", "redis://example:6379/3")
    # What Scrapy does with the spider's settings: the spider enables the add-on, and the
    # crawler's add-on manager applies it.
    crawler = Crawler(DistributedArticlesSpider, project_settings({"ARCHIVE_REDIS_KEY": "nightly"}))
    assert "archive_spider.distributed.addon.WorkerAddon" in crawler.settings.getdict("ADDONS")
    crawler.addons.load_settings(crawler.settings)
    settings = crawler.settings
    assert [type(a) for a in crawler.addons.addons] == [WorkerAddon]
    assert settings["SCHEDULER"] == "archive_spider.distributed.scheduler.RedisScheduler"
    assert settings["REDIS_URL"] == "redis://example:6379/3"
    assert settings["SCHEDULER_QUEUE_KEY"] == "nightly:requests"
    assert settings.getbool("SCHEDULER_PERSIST")
    # Workers never write SQLite, nor read it for known URLs.
    assert list(settings.getdict("ITEM_PIPELINES")) == ["archive_spider.distributed.worker.QueueItemsPipeline"]
    middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
    assert middlewares["archive_spider.middlewares.IncrementalMiddleware"] is None
    assert "archive_spider.distributed.worker.SharedKnownUrlsMiddleware" in middlewares
    monkeypatch.delenv("ARCHIVE_REDIS_URL")
    with pytest.raises(NotConfigured, match="ARCHIVE_REDIS_URL"):
        WorkerAddon().update_settings(project_settings())


def test_the_default_redis_settings_are_stated_once():
    from scrapy.settings import Settings

    from archive_spider import settings as defaults
    from archive_spider.settings import project_settings

    config = RedisConfig.from_settings(project_settings({"ARCHIVE_REDIS_URL": "redis://h:1/0"}))
    assert config == RedisConfig(url="redis://h:1/0")
    assert (config.key, config.idle_timeout, config.lease, config.backlog) == (
        defaults.ARCHIVE_REDIS_KEY, defaults.ARCHIVE_REDIS_IDLE_TIMEOUT, defaults.ARCHIVE_REDIS_LEASE,
        defaults.ARCHIVE_REDIS_BACKLOG)
    # Settings changed by the user reach the config.
    changed = RedisConfig.from_settings(project_settings({
        "ARCHIVE_REDIS_URL": "redis://h:1/0", "ARCHIVE_REDIS_KEY": "k", "ARCHIVE_REDIS_LEASE": 7}))
    assert (changed.key, changed.lease) == ("k", 7.0)
    assert Settings().get("ARCHIVE_REDIS_KEY") is None  # only the project's settings hold them


def test_the_scrapy_internals_the_worker_hooks_are_still_there():
    # distributed/scrapy_hooks.py reaches into these private parts of Scrapy's engine (no
    # public API gives those moments); fail here first if a Scrapy upgrade moves them.
    from scrapy.core.engine import ExecutionEngine, _Slot

    assert callable(_Slot.remove_request)
    assert isinstance(ExecutionEngine._SLOT_HEARTBEAT_INTERVAL, float)
    assert "_SLOT_HEARTBEAT_INTERVAL" in ExecutionEngine._start_request_processing.__code__.co_names
    assert "remove_request" in ExecutionEngine._download.__code__.co_names or \
        "remove_request" in ExecutionEngine._remove_request.__code__.co_names


def test_the_hooks_fire_when_the_engine_is_done_with_a_request():
    from types import SimpleNamespace

    from scrapy.http import Request

    from archive_spider.distributed import scrapy_hooks
    from archive_spider.distributed.keys import IDLE_POLL_SECONDS

    removed, done = [], []
    slot = SimpleNamespace(remove_request=removed.append)
    engine = SimpleNamespace(_slot=slot)
    scrapy_hooks.on_request_done(engine, done.append)
    request = Request("http://127.0.0.1/a")
    slot.remove_request(request)
    assert removed == [request] and done == [request]

    from scrapy.core.engine import ExecutionEngine

    class Engine(ExecutionEngine):
        def __init__(self):
            pass

    fast = Engine()
    scrapy_hooks.poll_often(fast)
    assert fast._SLOT_HEARTBEAT_INTERVAL == IDLE_POLL_SECONDS
    assert ExecutionEngine._SLOT_HEARTBEAT_INTERVAL == 5.0  # other crawlers keep Scrapy's
    with pytest.raises(RuntimeError, match="Scrapy 2.19"):
        scrapy_hooks.on_request_done(SimpleNamespace(_slot=None), done.append)


# --- the atomic steps (Lua scripts) ---------------------------------------------------------

def test_first_worker_starts_a_new_crawl_and_forgets_the_last_seen_set(client):
    keys = RedisKeys("t")
    join = client.register_script(JOIN_SCRIPT)
    client.sadd(keys.dupefilter, "old-fingerprint")
    args = [keys.workers, keys.requests, keys.dupefilter, keys.crawl, keys.start_urls, keys.teasers,
            keys.teaser_ranks]
    assert join(keys=args, args=["t", "w1", 5000]) == [1, 1, 0]
    assert not client.exists(keys.dupefilter)
    # A second worker while the first is alive joins crawl 1.
    client.sadd(keys.dupefilter, "fp")
    assert join(keys=args, args=["t", "w2", 5000]) == [0, 1, 0]
    assert client.exists(keys.dupefilter)
    assert client.smembers(keys.workers) == {b"w1", b"w2"}


def test_a_worker_joining_a_busy_frontier_logs_no_deprecation(client, redis_url, tmp_path, demo_site):
    # scrapy-redis's own open() calls Spider.log() when the frontier is not empty.
    from scrapy import Request
    from scrapy_redis import picklecompat

    waiting = Request(f"{demo_site.url}/", dont_filter=True).to_dict()
    waiting["callback"] = "parse_page"
    client.zadd(RedisKeys().requests, {picklecompat.dumps(waiting): 0})
    client.sadd(RedisKeys().start_urls, f"{demo_site.url}/")
    worker = start_cli(tmp_path / "worker.log", "crawl", "--redis", redis_url, "--idle-timeout", "0",
                       "--max-pages", "1", "-v")
    code, log = finish(worker, tmp_path / "worker.log", timeout=120)
    assert "Resuming crawl (1 requests waiting)" in log, log[-3000:]
    assert "Deprecation" not in log, log[-3000:]


def test_requests_of_a_dead_worker_go_back_to_the_frontier(client):
    keys = RedisKeys("t")
    take = client.register_script(TAKE_SCRIPT)
    client.zadd(keys.requests, {b"a": -1, b"b": 0})
    client.sadd(keys.workers, "w1")
    client.set(keys.worker("w1"), "1", px=50)
    assert take(keys=[keys.requests, keys.inflight("w1")]) == b"a"  # best priority first
    assert client.zrange(keys.inflight("w1"), 0, -1) == [b"a"]
    requeue = client.register_script(REQUEUE_DEAD_SCRIPT)
    assert requeue(keys=[keys.workers, keys.requests], args=["t"]) == 0  # still alive
    time.sleep(0.1)  # the scenario: its 50 ms liveness key expires
    assert requeue(keys=[keys.workers, keys.requests], args=["t"]) == 1
    assert client.zrange(keys.requests, 0, -1, withscores=True) == [(b"a", -1.0), (b"b", 0.0)]
    assert not client.exists(keys.inflight("w1"))
    assert client.smembers(keys.workers) == set()


def test_only_a_better_teaser_replaces_the_shared_one_and_tells_the_ingester(client):
    keys = RedisKeys("t")
    better = client.register_script(BETTER_TEASER_SCRIPT)
    cut = ArticleLink(url="u", title="T", teaser="A teaser cut short…", published=None)
    full = ArticleLink(url="u", title="T", teaser="A teaser in full, as the category page shows it.", published=None)
    assert teaser_rank(full) > teaser_rank(cut)

    def offer(link):
        return better(keys=[keys.teasers, keys.teaser_ranks, keys.items],
                      args=["u", json.dumps({"teaser": link.teaser}), teaser_rank(link), link.teaser])

    assert offer(cut) == 1
    assert offer(full) == 1
    assert offer(cut) == 0
    assert json.loads(client.hget(keys.teasers, "u"))["teaser"] == full.teaser
    assert client.llen(keys.items) == 2


# --- the ingester -----------------------------------------------------------------------------

def make_ingester(redis_url, db_path, **kwargs):
    return Ingester(RedisConfig(url=redis_url, idle_timeout=0, lease=5), str(db_path), **kwargs)


def test_ingester_stores_validates_dedupes_and_acknowledges(client, redis_url, tmp_path):
    keys = RedisKeys()
    client.lpush(keys.items, article_message("https://ex.com/a/"), article_message("https://ex.com/b/"),
                 article_message("https://ex.com/short/", text="too short"),
                 article_message("https://ex.com/a-copy/", title="Title of https://ex.com/a/",
                                 text=default_text("https://ex.com/a/")))
    client.lpush(keys.items, json.dumps({"kind": "report", "status": "ok", "start_urls": ["https://ex.com/"],
                                         "counts": {"requests": 7, "pages": 6, "errors": 1}}))
    outcome = make_ingester(redis_url, tmp_path / "a.db", batch_size=2).run()
    assert outcome.ok, outcome.summary()
    stored = rows(tmp_path / "a.db")
    assert set(stored) == {"https://ex.com/a/", "https://ex.com/b/", "https://ex.com/a-copy/"}
    db = schema.open_db(tmp_path / "a.db")
    # The copy is kept, marked as a duplicate of the first (hidden from default views).
    (first_id,) = db.execute("select id from articles where url = 'https://ex.com/a/'").fetchone()
    (copy_of,) = db.execute("select duplicate_of from articles where url = 'https://ex.com/a-copy/'").fetchone()
    assert copy_of == first_id
    assert client.llen(keys.items) == 0 and client.llen(keys.processing) == 0
    assert client.smembers(keys.known) == {b"https://ex.com/a/", b"https://ex.com/b/", b"https://ex.com/a-copy/"}
    crawl = db["crawls"].get(outcome.crawls[0])
    assert (crawl["status"], crawl["new"], crawl["skipped"], crawl["duplicates"]) == ("ok", 2, 1, 1)
    assert (crawl["requests"], crawl["errors"]) == (7, 1)
    assert not client.exists(keys.ingester)  # the lock is released


def test_messages_a_killed_ingester_took_are_stored_by_the_next(client, redis_url, tmp_path):
    keys = RedisKeys()
    client.lpush(keys.processing, article_message("https://ex.com/taken/"))
    client.lpush(keys.items, article_message("https://ex.com/waiting/"))
    make_ingester(redis_url, tmp_path / "a.db").run()
    assert set(rows(tmp_path / "a.db")) == {"https://ex.com/taken/", "https://ex.com/waiting/"}
    assert client.llen(keys.processing) == 0


def test_ingester_forever_records_one_crawl_per_burst_until_stopped(client, redis_url, tmp_path):
    import threading

    keys = RedisKeys()
    ingester = make_ingester(redis_url, tmp_path / "a.db", forever=True)
    runner = threading.Thread(target=ingester.run)
    runner.start()
    try:
        for burst in range(2):
            client.lpush(keys.items, article_message(f"https://ex.com/{burst}/"))
            wait_until(lambda burst=burst: len(ingester.outcome.crawls) > burst, 20, f"burst {burst} ingested")
    finally:
        ingester.stop()
        runner.join(timeout=20)
    assert not runner.is_alive()
    assert len(ingester.outcome.crawls) == 2
    db = schema.open_db(tmp_path / "a.db")
    assert [(c["status"], c["new"]) for c in db["crawls"].rows] == [("ok", 1), ("ok", 1)]


def test_a_better_teaser_after_the_article_updates_its_summary_and_warning(client, redis_url, tmp_path):
    keys = RedisKeys()
    text = "The tide comes in twice a day. " * 12
    client.lpush(keys.items, article_message("https://ex.com/t/", text=text, summary="Unrelated words…",
                                             extraction_warnings=["teaser-not-found"]))
    client.lpush(keys.items, json.dumps({"kind": "teaser", "url": "https://ex.com/t/",
                                         "teaser": "The tide comes in twice a day."}))
    make_ingester(redis_url, tmp_path / "a.db").run()
    row = rows(tmp_path / "a.db")["https://ex.com/t/"]
    assert row["summary"] == "The tide comes in twice a day."
    assert row["extraction_warnings"] is None


def test_ingester_publishes_the_archive_known_urls(client, redis_url, tmp_path):
    db = schema.open_db(tmp_path / "a.db")
    writes.store_articles(db, [{"url": "https://ex.com/old/", "canonical_url": "https://ex.com/canon/",
                                 "title": "Old", "text": "x " * 50}])
    db.close()
    make_ingester(redis_url, tmp_path / "a.db").run()
    assert client.smembers(RedisKeys().known) == {b"https://ex.com/old/", b"https://ex.com/canon/"}


def test_a_second_ingester_is_refused(client, redis_url, tmp_path):
    client.set(RedisKeys().ingester, "someone-else", px=5000)
    with pytest.raises(schema.ArchiveError, match="another ingester"):
        make_ingester(redis_url, tmp_path / "a.db").run()
    result = run_cli("ingest", "--redis", redis_url, "--db", tmp_path / "b.db", "--idle-timeout", "0")
    assert result.returncode == 1
    assert "another ingester" in result.stderr


def test_ingest_cli_reports_an_unreachable_redis(tmp_path):
    result = run_cli("ingest", "--redis", "redis://127.0.0.1:1/0", "--db", tmp_path / "a.db")
    assert result.returncode == 1
    assert "cannot reach Redis" in result.stderr


def test_crawl_needs_urls_unless_distributed():
    result = run_cli("crawl")
    assert result.returncode == 2
    assert "only a worker joining a --redis crawl may omit" in result.stderr


# --- end to end: real workers and ingester over the demo site ---------------------------------

def start_cli(log_path, *args, env=None):
    """Start the real `archive-spider` in the background, its output in ``log_path``."""
    log = open(log_path, "w")
    return subprocess.Popen(
        [sys.executable, "-m", "archive_spider", *map(str, args)], cwd=ROOT, stdout=log,
        stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
    )


def finish(process, log_path, timeout=180):
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    return process.returncode, log_path.read_text()


def slow_articles(site, seconds):
    """Make the demo site answer article pages slowly, so a crawl can be caught mid-way."""
    get_page = site.get_page

    def slowly(path):
        if path.startswith("/essays/"):
            time.sleep(seconds)  # the scenario: a slow server
        return get_page(path)

    site.get_page = slowly


@pytest.fixture(scope="module")
def demo_site():
    with DemoServer() as site:
        yield site


@pytest.fixture(scope="module")
def single_process_archive(demo_site, tmp_path_factory):
    db_path = tmp_path_factory.mktemp("single") / "archive.db"
    result = run_cli("crawl", f"{demo_site.url}/", "--db", db_path, "--concurrency", "8")
    assert result.returncode == 0, result.stderr[-3000:]
    return rows(db_path)


WORKER_OPTIONS = ("--concurrency", "8", "--idle-timeout", "2", "--lease", "2")
# The ingester waits this long for workers to appear (starting one takes seconds on a busy machine).
INGEST_IDLE = "10"


@pytest.mark.e2e
def test_two_workers_and_an_ingester_make_the_single_process_archive(
        demo_site, single_process_archive, redis_url, tmp_path):
    db_path = tmp_path / "archive.db"
    ingester = start_cli(tmp_path / "ingest.log", "ingest", "--redis", redis_url, "--db", db_path,
                         "--idle-timeout", INGEST_IDLE, "-v")
    workers = [start_cli(tmp_path / f"worker{i}.log", "crawl", f"{demo_site.url}/", "--redis", redis_url,
                         *WORKER_OPTIONS) for i in (1, 2)]
    outputs = [finish(w, tmp_path / f"worker{i}.log") for i, w in zip((1, 2), workers)]
    status, ingest_log = finish(ingester, tmp_path / "ingest.log")
    for code, log in outputs:
        assert code == 0, log[-3000:]
        assert "Deprecation" not in log, log[-3000:]
    assert status == 0, ingest_log[-3000:]
    assert "ingest ok" in ingest_log and "44 new" in ingest_log, ingest_log[-2000:]
    # Both workers did part of the crawl.
    queued = [int(log.rsplit(" articles queued", 1)[0].rsplit(" ", 1)[1]) for _, log in outputs]
    assert sum(queued) == 44 and min(queued) > 0, queued

    distributed = rows(db_path)
    assert distributed.keys() == single_process_archive.keys()
    for url, row in single_process_archive.items():
        assert distributed[url] == row, url
    conn = sqlite3.connect(db_path)
    status, new, requests, message = conn.execute(
        "select status, new, requests, message from crawls").fetchone()
    assert (status, new, message) == ("ok", 44, "2 workers reported")
    assert requests > 44

    # A second distributed crawl finds nothing new and fetches no known article.
    start = len(demo_site.requests)
    ingester = start_cli(tmp_path / "ingest2.log", "ingest", "--redis", redis_url, "--db", db_path,
                         "--idle-timeout", INGEST_IDLE, "-v")
    # the ingester publishes the known URLs first, as docs/distributed.md says
    wait_until(lambda: "Published" in (tmp_path / "ingest2.log").read_text(), 60,
               "the ingester publishing the known URLs", process=ingester)
    worker = start_cli(tmp_path / "worker3.log", "crawl", f"{demo_site.url}/", "--redis", redis_url, *WORKER_OPTIONS)
    assert finish(worker, tmp_path / "worker3.log")[0] == 0
    status, log = finish(ingester, tmp_path / "ingest2.log")
    assert status == 0 and "0 new" in log, log[-2000:]
    refetched = [path for _, path, _ in demo_site.requests[start:] if path.startswith("/essays/")]
    assert refetched == []


def test_a_worker_without_urls_waits_for_a_crawl_to_appear(client, redis_url):
    import threading

    config = RedisConfig(url=redis_url, idle_timeout=20)
    timer = threading.Timer(0.5, client.sadd, (config.keys.start_urls, "https://example.org/"))
    timer.start()
    started = time.monotonic()
    assert wait_for_start_urls(client, config) == ["https://example.org/"]
    assert 0.4 < time.monotonic() - started < 5
    timer.join()


def test_a_worker_without_urls_gives_up_after_its_idle_timeout(redis_url):
    started = time.monotonic()
    result = run_cli("crawl", "--redis", redis_url, "--idle-timeout", "1.5")
    assert time.monotonic() - started >= 1.5
    assert result.returncode == 1
    assert "no start URLs" in result.stderr and "none appeared within the idle timeout (1.5 s)" in result.stderr


@pytest.mark.e2e
def test_a_worker_started_before_the_crawl_exists_joins_it(demo_site, single_process_archive, redis_url, client,
                                                           tmp_path):
    """A process manager starts N workers at once: the one without URLs may come first."""
    slow_articles(demo_site, 0.2)  # long enough a crawl for the waiting worker to share it
    try:
        waiting = start_cli(tmp_path / "waiting.log", "crawl", "--redis", redis_url, "--concurrency", "8",
                            "--idle-timeout", "30", "--lease", "2")
        # it has looked for the crawl's start URLs (its last command), found none, and waits
        wait_until(lambda: any(c.get("cmd") == "smembers" for c in client.client_list()), 60,
                   "the waiting worker looking for a crawl", process=waiting)
        assert waiting.poll() is None, (tmp_path / "waiting.log").read_text()[-3000:]
        db_path = tmp_path / "archive.db"
        ingester = start_cli(tmp_path / "ingest.log", "ingest", "--redis", redis_url, "--db", db_path,
                             "--idle-timeout", INGEST_IDLE)
        first = start_cli(tmp_path / "first.log", "crawl", f"{demo_site.url}/", "--redis", redis_url,
                          *WORKER_OPTIONS)
        outputs = [finish(first, tmp_path / "first.log"), finish(waiting, tmp_path / "waiting.log")]
        status, ingest_log = finish(ingester, tmp_path / "ingest.log")
    finally:
        demo_site.__dict__.pop("get_page", None)
    for code, log in outputs:
        assert code == 0, log[-3000:]
    queued = [int(log.rsplit(" articles queued", 1)[0].rsplit(" ", 1)[1]) for _, log in outputs]
    assert sum(queued) == 44 and min(queued) > 0, queued  # both worked
    assert status == 0 and "44 new" in ingest_log, ingest_log[-2000:]
    assert rows(db_path).keys() == single_process_archive.keys()


@pytest.mark.e2e
def test_a_worker_killed_mid_crawl_loses_nothing(demo_site, single_process_archive, redis_url, tmp_path):
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = RedisKeys()
    slow_articles(demo_site, 0.3)
    try:
        doomed = start_cli(tmp_path / "doomed.log", "crawl", f"{demo_site.url}/", "--redis", redis_url,
                           *WORKER_OPTIONS)
        wait_until(lambda: client.llen(keys.items) >= 5, 60, "five items queued by the doomed worker", process=doomed)
        in_flight = sum(client.zcard(k) for k in client.scan_iter(f"{keys.prefix}:inflight:*"))
        doomed.send_signal(signal.SIGKILL)
        doomed.wait()
        assert in_flight > 0  # it died holding requests
        db_path = tmp_path / "archive.db"
        survivor = start_cli(tmp_path / "survivor.log", "crawl", "--redis", redis_url, *WORKER_OPTIONS)
        ingester = start_cli(tmp_path / "ingest.log", "ingest", "--redis", redis_url, "--db", db_path,
                             "--idle-timeout", INGEST_IDLE)
        code, log = finish(survivor, tmp_path / "survivor.log")
        assert code == 0, log[-3000:]
        status, ingest_log = finish(ingester, tmp_path / "ingest.log")
        assert status == 0, ingest_log[-3000:]
    finally:
        demo_site.__dict__.pop("get_page", None)
    assert "Put back" in log  # the survivor recovered the dead worker's requests
    distributed = rows(db_path)
    assert distributed.keys() == single_process_archive.keys()
    for url, row in single_process_archive.items():
        assert distributed[url] == row, url


# --- Scrapyd: deploy with scrapyd-deploy, run a worker through schedule.json -------------------

@pytest.fixture
def scrapyd(tmp_path):
    """A Scrapyd on a free loopback port, in its own folder; yields its URL."""
    import shutil
    import urllib.request

    from .redisserver import free_port

    binary = shutil.which("scrapyd", path=os.path.dirname(sys.executable)) or shutil.which("scrapyd")
    if binary is None:
        pytest.skip("scrapyd is not installed (pip install -e '.[deploy]')")
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = free_port()
    (home / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\neggs_dir = eggs\nlogs_dir = logs\n"
        "dbs_dir = dbs\nitems_dir =\nmax_proc = 2\npoll_interval = 0.5\n"
    )
    log = open(home / "scrapyd.out", "w")
    process = subprocess.Popen([binary], cwd=home, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until(lambda: urllib.request.urlopen(url + "daemonstatus.json", timeout=2), 30, "scrapyd answering",
                   interval=0.2, ignoring=(OSError,), process=process)
    except NotReady as error:
        process.kill()
        pytest.fail(f"{error}: " + (home / "scrapyd.out").read_text()[-2000:])
    yield url, home
    process.terminate()
    process.wait(timeout=30)


def scrapyd_call(url, endpoint, fields=None):
    import urllib.parse
    import urllib.request

    data = urllib.parse.urlencode(fields, doseq=True).encode() if fields is not None else None
    with urllib.request.urlopen(url + endpoint, data=data, timeout=30) as response:
        return json.loads(response.read())


@pytest.mark.e2e
def test_scrapyd_deploy_and_schedule_json_run_a_worker(
        scrapyd, demo_site, single_process_archive, redis_url, tmp_path):
    url, home = scrapyd
    deploy_bin = os.path.join(os.path.dirname(sys.executable), "scrapyd-deploy")
    deployed = subprocess.run([deploy_bin, "cluster", "--version", "test-1"], cwd=ROOT, capture_output=True,
                              text=True, timeout=300, env={**os.environ, "SCRAPYD_URL": url})
    assert deployed.returncode == 0, deployed.stderr[-3000:]
    assert '"status": "ok"' in deployed.stdout, deployed.stdout
    assert "articles_redis" in scrapyd_call(url, "listspiders.json?project=archive_spider")["spiders"]

    db_path = tmp_path / "archive.db"
    ingester = start_cli(tmp_path / "ingest.log", "ingest", "--redis", redis_url, "--db", db_path,
                         "--idle-timeout", INGEST_IDLE)
    job = scrapyd_call(url, "schedule.json", {
        "project": "archive_spider", "spider": "articles_redis", "url": f"{demo_site.url}/",
        "setting": [f"ARCHIVE_REDIS_URL={redis_url}", "ARCHIVE_REDIS_IDLE_TIMEOUT=2",
                    "CONCURRENT_REQUESTS_PER_DOMAIN=8", "AUTOTHROTTLE_ENABLED=False", "DOWNLOAD_DELAY=0"],
    })
    assert job["status"] == "ok", job
    status, ingest_log = finish(ingester, tmp_path / "ingest.log")
    assert status == 0, ingest_log[-3000:]
    wait_until(lambda: any(j["id"] == job["jobid"]
                           for j in scrapyd_call(url, "listjobs.json?project=archive_spider")["finished"]),
               60, "the Scrapyd job finishing", interval=0.5)
    job_log = next((home / "logs").rglob(f"{job['jobid']}.log")).read_text()
    assert "Spider closed (finished)" in job_log, job_log[-3000:]
    assert "Deprecation" not in job_log, job_log[-3000:]
    assert rows(db_path) == single_process_archive


@pytest.mark.e2e
def test_an_ingester_killed_mid_crawl_loses_nothing(demo_site, single_process_archive, redis_url, tmp_path):
    import redis

    client = redis.Redis.from_url(redis_url)
    slow_articles(demo_site, 0.2)
    db_path = tmp_path / "archive.db"
    try:
        doomed = start_cli(tmp_path / "doomed.log", "ingest", "--redis", redis_url, "--db", db_path,
                           "--idle-timeout", INGEST_IDLE, "--lease", "2")
        workers = [start_cli(tmp_path / f"worker{i}.log", "crawl", f"{demo_site.url}/", "--redis", redis_url,
                             *WORKER_OPTIONS) for i in (1, 2)]
        wait_until(lambda: client.scard(RedisKeys().known) >= 5, 60, "five articles stored by the doomed ingester",
                   interval=0.02, process=doomed)
        doomed.send_signal(signal.SIGKILL)
        doomed.wait()
        time.sleep(2.5)  # the scenario: its 2 s lock lease expires
        ingester = start_cli(tmp_path / "ingest.log", "ingest", "--redis", redis_url, "--db", db_path,
                             "--idle-timeout", INGEST_IDLE)
        for i, worker in zip((1, 2), workers):
            code, log = finish(worker, tmp_path / f"worker{i}.log")
            assert code == 0, log[-3000:]
        status, log = finish(ingester, tmp_path / "ingest.log")
        assert status == 0, log[-3000:]
    finally:
        demo_site.__dict__.pop("get_page", None)
    assert rows(db_path) == single_process_archive
