import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from archive_spider import storage

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def fresh_db():
    """An empty archive in memory, schema applied."""
    db = storage.open_db(None)
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
    """Run the real `archive-spider` command in a subprocess; returns CompletedProcess."""
    return subprocess.run(
        [sys.executable, "-m", "archive_spider", *map(str, args)],
        cwd=cwd or ROOT, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})},
    )
