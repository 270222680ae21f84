import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from archive_spider.archive import schema
from tests import tiers

ROOT = Path(__file__).resolve().parent.parent


# The fast tier (tests/tiers.py): tests that start a process or a server are marked as
# collected, and one that starts either without its mark fails.
def pytest_configure(config):
    tiers.install_guard()


def pytest_collection_modifyitems(config, items):
    tiers.mark_items(items)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    return (yield from tiers.guarded_phase(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    return (yield from tiers.guarded_phase(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    tiers.fail_unmarked(item, call, report)
    return report


@pytest.fixture
def fresh_db():
    """An empty archive in memory, schema applied."""
    db = schema.open_db(None)
    yield db
    db.close()


def query(db_path, sql, params=()):
    """Rows (tuples) of ``sql`` on the archive at ``db_path``, read with plain sqlite3."""
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def run_cli(*args, cwd=None, timeout=600, env=None):
    """Run the real `archive-spider` command in a subprocess; returns CompletedProcess.

    After every crawl that ran, the page balance of its crawls row is checked: every page
    it fetched was archived, read as a listing, or recorded in failures."""
    result = subprocess.run(
        [sys.executable, "-m", "archive_spider", *map(str, args)],
        cwd=cwd or ROOT, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})},
    )
    args = [str(a) for a in args]
    if args and args[0] == "crawl" and result.returncode == 0 and "--redis" not in args:
        db_path = args[args.index("--db") + 1] if "--db" in args else os.path.join(cwd or ROOT, "db", "archive.db")
        assert_page_balance(db_path)
    return result


def assert_page_balance(db_path) -> None:
    """The last crawl's pages = archived + listing pages read + pages in failures."""
    row = query(db_path, "select id, pages, pages_archived, pages_listing, pages_failed from crawls "
                         "order by id desc limit 1")
    assert row, f"no crawl recorded in {db_path}"
    crawl_id, pages, archived, listing, failed = row[0]
    assert pages == archived + listing + failed, (
        f"crawl {crawl_id}: {pages} pages fetched != {archived} archived + {listing} listing + {failed} failed; "
        f"failures: {query(db_path, 'select reason, url from failures where crawl_id = ?', [crawl_id])[:20]}")


def project_crawler(spidercls, values=None):
    """scrapy.utils.test.get_crawler with the project's ARCHIVE_ settings (settings.py) under
    ``values``, as a crawl has them: the code reads them without fallbacks of its own."""
    from scrapy.utils.test import get_crawler

    from archive_spider import settings as project

    archive = {name: getattr(project, name) for name in dir(project) if name.startswith("ARCHIVE_")}
    return get_crawler(spidercls, {**archive, **(values or {})})
