"""Publishing the archive with Datasette: where its configuration lives, how it is started.

``db/`` is a Datasette configuration directory (metadata.yml, templates/); ``serve`` uses
the one beside the database file if there is one, else the one in this checkout.
"""

from __future__ import annotations

from pathlib import Path

REPO_DB_DIR = Path(__file__).resolve().parent.parent / "db"
# Seconds of SQL a page may run before Datasette cuts it off, in milliseconds.
SQL_TIME_LIMIT_MS = 3000


def config_dir_for(db_path: str | Path) -> Path | None:
    """The Datasette config directory to publish ``db_path`` with, if any."""
    for candidate in (Path(db_path).resolve().parent, REPO_DB_DIR):
        if (candidate / "metadata.yml").exists():
            return candidate
    return None


def datasette_args(db_path: str | Path, host: str = "127.0.0.1", port: int = 8001) -> list[str]:
    """Arguments for ``datasette serve`` publishing the archive read-only."""
    args = ["serve", str(db_path), "--host", host, "--port", str(port),
            "--setting", "sql_time_limit_ms", str(SQL_TIME_LIMIT_MS),
            "--setting", "allow_download", "off",
            "--setting", "default_page_size", "50"]
    config = config_dir_for(db_path)
    if config is not None:
        args += ["--metadata", str(config / "metadata.yml")]
        if (config / "templates").is_dir():
            args += ["--template-dir", str(config / "templates")]
    return args


def serve(db_path: str | Path, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Start Datasette on the archive; blocks until interrupted."""
    from datasette.cli import cli as datasette_cli

    datasette_cli.main(datasette_args(db_path, host, port), prog_name="datasette", standalone_mode=True)
