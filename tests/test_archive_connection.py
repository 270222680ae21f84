"""A crawl opens its archive once (archive/connection.py): one open and one schema check,
however many components read or write it (pipeline, failure log, revisit knowledge,
listing plan, site boilerplate, site health)."""

import subprocess
import sys

import pytest

from archive_spider.demo.generated import build_generated_site, generate_essays
from archive_spider.demo.server import DemoServer

from .conftest import ROOT, assert_page_balance, query

pytestmark = pytest.mark.e2e

# The real command, with open_db and migrate counted in the crawl's own process; the
# extraction workers leave through os._exit and print nothing.
COUNTED_CLI = """
import atexit, sys
from archive_spider.archive import schema
counts = {"open_db": 0, "migrate": 0}
def counted(name):
    real = getattr(schema, name)
    def call(*args, **kwargs):
        counts[name] += 1
        return real(*args, **kwargs)
    return call
schema.open_db, schema.migrate = counted("open_db"), counted("migrate")
atexit.register(lambda: print("archive opened", counts["open_db"], "migrated", counts["migrate"], file=sys.stderr))
from archive_spider.cli import cli
sys.argv = ["archive-spider", *sys.argv[1:]]
cli(prog_name="archive-spider")
"""


def counted_crawl(*args) -> tuple[int, int]:
    result = subprocess.run([sys.executable, "-c", COUNTED_CLI, "crawl", *map(str, args)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [line.split() for line in result.stderr.splitlines() if line.startswith("archive opened ")]
    assert len(lines) == 1, result.stderr[-3000:]
    return int(lines[0][2]), int(lines[0][4])


def test_a_crawl_opens_and_migrates_its_archive_once(tmp_path):
    db_path = tmp_path / "archive.db"
    # An essay the listing links to is gone (404): the failure log writes too.
    pages = build_generated_site(0, per_page=4, essays=generate_essays(12))
    gone = next(path for path in pages if path.startswith("/essays/"))
    del pages[gone]
    with DemoServer(pages=pages) as site:
        assert counted_crawl(f"{site.url}/", "--db", db_path, "--concurrency", "4") == (1, 1)
        assert_page_balance(db_path)
        assert query(db_path, "select count(*) from articles") == [(11,)]
        assert query(db_path, "select reason, status from failures where url = ?", [site.url + gone]) \
            == [("http-error", 404)]
        assert query(db_path, "select count(*) from site_health") == [(1,)]
        # The rerun reads what the archive knows (revisits, listings, boilerplate): still once.
        assert counted_crawl(f"{site.url}/", "--db", db_path, "--concurrency", "4") == (1, 1)
        assert query(db_path, "select status from crawls order by id") == [("ok",), ("ok",)]
