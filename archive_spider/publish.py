"""Publishing the archive with Datasette: its configuration, and the server.

``db/`` is a Datasette configuration directory: ``metadata.yml`` (titles, facets, canned
queries), ``settings.json`` (SQL time limit, page sizes), ``templates/`` (home and article
pages) and ``plugins/`` (safe HTML rendering, search helpers). ``datasette db/`` publishes
``db/archive.db`` with it; :func:`build_datasette` publishes any archive file with it, always
under the database name ``archive`` so that the metadata and the page addresses apply.

Publication is read-only: Datasette 0.65 has no write API, reads through ``mode=ro``
connections (or ``immutable=1``), refuses any SQL but a single ``select``, and cuts every
query off after the time limit in settings.json; the plugin caps the length of any SQLite
value and SQLite's memory. ``public`` publication (``serve --public``) also refuses
arbitrary SQL (Datasette's ``default_allow_sql`` off) and the introspection pages.

The configuration ships inside the package (setup.py's build step copies ``db/``'s files
to ``archive_spider/site/``), so an installed tool publishes the same site as a checkout.
"""

from __future__ import annotations

import asyncio
import errno
import functools
import importlib.util
import json
import socket
import sqlite3
from pathlib import Path
from types import ModuleType
from typing import Any

# The checkout's db/ folder, and the copy of it an installed package carries.
REPO_DB_DIR = Path(__file__).resolve().parent.parent / "db"
PACKAGED_SITE_DIR = Path(__file__).resolve().parent / "site"
# The name the archive is published under, whatever its file is called: /archive/...
DATABASE_NAME = "archive"


class PortBusy(OSError):
    """The address ``serve`` should listen on is taken (or may not be used)."""


def site_dir() -> Path | None:
    """This installation's Datasette configuration: the package's copy of ``db/`` (a
    wheel install), else the checkout's ``db/`` (an editable install, a checkout)."""
    for candidate in (PACKAGED_SITE_DIR, REPO_DB_DIR):
        if (candidate / "metadata.yml").is_file():
            return candidate
    return None


@functools.lru_cache(maxsize=1)
def site_plugin() -> ModuleType:
    """This installation's Datasette plugin (``db/plugins/archive_pages.py``) as a module.
    Datasette loads it by path and it depends on Datasette and nh3 only, so that the
    configuration publishes without archive-spider; the command line uses its functions
    (the search syntax) from here rather than a copy."""
    folder = site_dir()
    path = folder / "plugins" / "archive_pages.py" if folder else None
    if path is None or not path.is_file():
        raise RuntimeError("this installation has no Datasette configuration (db/plugins/archive_pages.py)")
    spec = importlib.util.spec_from_file_location("archive_spider_site_plugin", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def config_dir_for(db_path: str | Path) -> Path | None:
    """The Datasette config directory to publish ``db_path`` with: the folder holding the
    database if it has a metadata.yml (a customised copy), else this installation's."""
    beside = Path(db_path).resolve().parent
    if (beside / "metadata.yml").is_file():
        return beside
    return site_dir()


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
    db_path: str | Path, *, immutable: bool = False, config_dir: str | Path | None = None,
    public: bool = False,
):
    """A Datasette instance publishing the archive at ``db_path`` read-only.

    ``immutable`` opens the file with SQLite's ``immutable=1``: fastest, with row counts
    computed once, but only right for a file nothing writes to while it is served (a
    published copy); the caller should :func:`checkpoint` it first. Otherwise the file is
    read through ``mode=ro`` connections and crawls may keep writing to it.

    ``public``: no arbitrary SQL (tables, facets, search and the canned queries only), and
    no introspection pages (``/-/databases`` would show the file's path).
    """
    from datasette.app import Database, Datasette
    from datasette.utils import parse_metadata

    config = Path(config_dir) if config_dir is not None else config_dir_for(db_path)
    settings = load_settings(config)
    if public:
        settings["default_allow_sql"] = False
    options: dict[str, Any] = {"settings": settings}
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


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host``:``port``, ready for :func:`serve`; PortBusy (with a
    one-line reason) when the port is taken or may not be used. Bound before anything is
    announced, so that "open http://..." is only said of a port that is ours."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise PortBusy(errno.EADDRNOTAVAIL, f"cannot listen on {host}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        reason = {errno.EADDRINUSE: "is already in use", errno.EACCES: "may not be used by this user",
                  errno.EADDRNOTAVAIL: f"is not available on {host}"}.get(exc.errno, f"cannot be used ({exc.strerror})")
        raise PortBusy(exc.errno, f"port {port} {reason}") from None
    return sock


def serve(db_path: str | Path, host: str = "127.0.0.1", port: int = 8001, *, immutable: bool = False,
          read_only_file: bool = False, public: bool = False, sock: socket.socket | None = None) -> None:
    """Start Datasette on the archive; blocks until interrupted. ``immutable`` first folds
    the write-ahead log into the file, unless the file is read-only (``read_only_file``).
    ``sock``: a socket from :func:`listen` (else one is bound here, PortBusy if taken)."""
    import uvicorn

    if sock is None:
        sock = listen(host, port)
    if immutable and not read_only_file:
        checkpoint(db_path)
    ds = build_datasette(db_path, immutable=immutable, public=public)
    asyncio.run(ds.invoke_startup())
    config = uvicorn.Config(ds.app(), log_level="warning", lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])
