"""Publishing the archive with Datasette: its configuration, and the server.

``db/`` is a Datasette configuration directory: ``metadata.yml`` (titles, facets, canned
queries), ``settings.json`` (SQL time limit, page sizes), ``templates/`` (home and article
pages) and ``plugins/`` (safe HTML rendering, search helpers). ``datasette db/`` publishes
``db/archive.db`` with it; :func:`build_datasette` publishes any archive file with it, always
under the database name ``archive`` so that the metadata and the page addresses apply.

Publication is read-only: Datasette 0.65 has no write API, reads through ``mode=ro``
connections (or ``immutable=1``), refuses any SQL but a single ``select``, and cuts every
query off after the time limit in settings.json.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

REPO_DB_DIR = Path(__file__).resolve().parent.parent / "db"
# The name the archive is published under, whatever its file is called: /archive/...
DATABASE_NAME = "archive"


def config_dir_for(db_path: str | Path) -> Path | None:
    """The Datasette config directory to publish ``db_path`` with: the folder holding the
    database if it has a metadata.yml, else this checkout's ``db/``, else None."""
    for candidate in (Path(db_path).resolve().parent, REPO_DB_DIR):
        if (candidate / "metadata.yml").is_file():
            return candidate
    return None


def load_settings(config_dir: Path | None) -> dict[str, Any]:
    """Datasette settings from ``settings.json`` in the config directory ({} without one)."""
    if config_dir is None or not (config_dir / "settings.json").is_file():
        return {}
    return json.loads((config_dir / "settings.json").read_text(encoding="utf-8"))


def checkpoint(db_path: str | Path) -> None:
    """Fold the write-ahead log into the database file, so a reader that ignores the log
    (immutable mode, a copy of the bare .db file) sees every committed article."""
    conn = sqlite3.connect(db_path, timeout=30)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def build_datasette(
    db_path: str | Path, *, immutable: bool = False, config_dir: str | Path | None = None
):
    """A Datasette instance publishing the archive at ``db_path`` read-only.

    ``immutable`` opens the file with SQLite's ``immutable=1``: fastest, with row counts
    computed once, but only right for a file nothing writes to while it is served (a
    published copy); the caller should :func:`checkpoint` it first. Otherwise the file is
    read through ``mode=ro`` connections and crawls may keep writing to it.
    """
    from datasette.app import Database, Datasette
    from datasette.utils import parse_metadata

    config = Path(config_dir) if config_dir is not None else config_dir_for(db_path)
    options: dict[str, Any] = {"settings": load_settings(config)}
    if config is not None:
        options["metadata"] = parse_metadata((config / "metadata.yml").read_text(encoding="utf-8"))
        if (config / "templates").is_dir():
            options["template_dir"] = str(config / "templates")
        if (config / "plugins").is_dir():
            options["plugins_dir"] = str(config / "plugins")
    ds = Datasette([], **options)
    ds.add_database(Database(ds, path=str(db_path), is_mutable=not immutable), name=DATABASE_NAME)
    ds.remove_database("_memory")
    return ds


def serve(db_path: str | Path, host: str = "127.0.0.1", port: int = 8001, *, immutable: bool = False,
          read_only_file: bool = False) -> None:
    """Start Datasette on the archive; blocks until interrupted. ``immutable`` first folds
    the write-ahead log into the file, unless the file is read-only (``read_only_file``)."""
    import uvicorn

    if immutable and not read_only_file:
        checkpoint(db_path)
    ds = build_datasette(db_path, immutable=immutable)
    asyncio.run(ds.invoke_startup())
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning", lifespan="on")
