"""The ``archive-spider`` command: thin click commands over the library.

Each command parses its options, calls one library function, and turns an ArchiveError
into a one-line error with a non-zero exit status.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from archive_spider import __version__, storage

DEFAULT_DB = "db/archive.db"

# Exit statuses (documented in the README).
EXIT_OK = 0
EXIT_CRAWL_FAILED = 1
EXIT_USAGE = 2  # click's own for bad usage

# The demo site's port: fixed, so that the archive's URLs stay the same from run to run.
DEMO_SITE_PORT = 8780


def db_option(fn):
    return click.option(
        "--db", "db_path", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False),
        help="The archive (SQLite file).",
    )(fn)


def open_existing(db_path: str):
    try:
        return storage.open_db(db_path, create=False)
    except storage.ArchiveError as exc:
        raise click.ClickException(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="archive-spider")
def cli():
    """Turn article sites into a clean, searchable SQLite archive.

    Crawl index pages of "Read More" teasers, follow every link to the full article,
    keep only the article itself, and publish the archive with Datasette.
    """


@cli.command()
@click.argument("urls", nargs=-1, required=True)
@db_option
@click.option("--max-pages", type=click.IntRange(min=1), help="Stop after fetching this many pages.")
@click.option("--concurrency", type=click.IntRange(1, 256),
              help="Requests at once per host, with AutoThrottle and delays off. "
                   "Only for sites you own or may crawl fast.")
@click.option("--allow-host", "allowed_hosts", multiple=True, metavar="HOST",
              help="Another host the crawl may visit (repeatable). Default: the start URLs' hosts.")
@click.option("-v", "--verbose", count=True, help="Log more: -v for progress, -vv for every request.")
@click.option("--log-file", type=click.Path(dir_okay=False), help="Write the log to this file.")
@click.option("--workers", "extract_workers", type=click.IntRange(min=0),
              help="Extraction worker processes. Default: one per core; 0 extracts inline.")
def crawl(urls, db_path, max_pages, concurrency, allowed_hosts, verbose, log_file, extract_workers):
    """Crawl article sites from their index pages into the archive.

    URLS are index pages (front page, category pages) or single articles. Only their
    hosts are visited. Articles already in the archive are not fetched again, so a rerun
    picks up what is new. Exit status: 0 ok, 1 the crawl failed, 2 bad usage.

    Example: archive-spider crawl https://example.com/blog/ --db db/archive.db
    """
    from archive_spider.crawl import CrawlOptions, run_crawl

    options = CrawlOptions(
        db_path=db_path, max_pages=max_pages, concurrency=concurrency,
        allowed_hosts=tuple(allowed_hosts), log_file=log_file,
        log_level=("WARNING", "INFO", "DEBUG")[min(verbose, 2)],
        extract_workers=extract_workers,
    )
    try:
        outcome = run_crawl(urls, options)
    except storage.ArchiveError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(outcome.summary(), err=not outcome.ok)
    sys.exit(EXIT_OK if outcome.ok else EXIT_CRAWL_FAILED)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.File("rb"))
@click.option("--url", help="The address the page was fetched from (resolves relative links).")
@click.option("--teaser", help="The teaser an index page showed for it (helps find the body).")
@click.option("--html/--no-html", "with_html", default=True, show_default=True,
              help="Include the sanitised article HTML.")
def extract(files, url, teaser, with_html):
    """Extract the article from saved HTML files; print one JSON object per file.

    Use - to read standard input. No network, no database.

    Example: archive-spider extract page.html --url https://example.com/post/1
    """
    from archive_spider.extraction import extract_article

    for handle in files:
        article = extract_article(handle.read(), url=url, teaser=teaser)
        record = {"file": getattr(handle, "name", "-"), **article.to_dict()}
        if not with_html:
            record.pop("html", None)
        click.echo(json.dumps(record, ensure_ascii=False))


@cli.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("-p", "--port", default=8001, show_default=True, type=click.IntRange(0, 65535))
def serve(db_path, host, port):
    """Browse, search and export the archive in Datasette.

    Example: archive-spider serve --db db/archive.db --port 8001
    """
    from archive_spider import publish

    open_existing(db_path).close()
    publish.serve(db_path, host, port)


@cli.command()
@db_option
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "jsonl"]), default="jsonl", show_default=True)
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-",
              help="File to write (default: standard output).")
@click.option("--site", help="Only articles of this site (host without www.).")
@click.option("--since", metavar="YYYY-MM-DD", help="Only articles published on or after this date.")
@click.option("--search", metavar="QUERY", help="Only articles matching this full-text query, best first.")
@click.option("--columns", help="Comma-separated columns (default: all but html).")
def export(db_path, fmt, output, site, since, search, columns):
    """Export articles as CSV, JSON or JSON Lines, streaming.

    Example: archive-spider export --format csv --since 2025-01-01 -o articles.csv
    """
    from archive_spider import export as exporter

    cols = [c.strip() for c in columns.split(",")] if columns else list(exporter.DEFAULT_COLUMNS)
    db = open_existing(db_path)
    try:
        rows = exporter.select_articles(db, cols, site=site, since=since, search=search)
        count = exporter.write_rows(rows, fmt, output, cols)
    except (ValueError, storage.sqlite3.OperationalError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.close()
    if output is not sys.stdout and output.name != "<stdout>":
        click.echo(f"{count} articles written to {output.name}", err=True)


@cli.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option("--crawls", "last_crawls", default=5, show_default=True, help="How many recent crawls to list.")
def stats(db_path, as_json, last_crawls):
    """What is in the archive, per site, and how the last crawls went.

    Example: archive-spider stats --db db/archive.db
    """
    db = open_existing(db_path)
    try:
        figures = storage.archive_stats(db, last_crawls)
    finally:
        db.close()
    if as_json:
        click.echo(json.dumps(figures, indent=2))
        return
    click.echo(f"{figures['articles']} articles, {figures['revisions']} revisions in {db_path}")
    for site in figures["sites"]:
        click.echo(f"  {site['site']}: {site['articles']} articles, {site['words'] or 0} words, "
                   f"published {site['oldest'] or '?'} to {site['newest'] or '?'}")
    if figures["crawls"]:
        click.echo("Last crawls:")
    for c in figures["crawls"]:
        click.echo(f"  #{c['id']} {c['started']} {c['status']}: {c['new']} new, {c['updated']} updated, "
                   f"{c['unchanged']} unchanged, {c['skipped']} skipped, {c['errors']} errors, "
                   f"{c['requests']} requests")


@cli.command()
@db_option
@click.option("-p", "--port", default=8001, show_default=True, type=click.IntRange(0, 65535),
              help="Port for Datasette.")
@click.option("--site-port", default=DEMO_SITE_PORT, show_default=True, type=click.IntRange(0, 65535),
              help="Port for the demo site (a fixed port keeps its URLs, so reruns fetch nothing twice).")
@click.option("--no-serve", is_flag=True, help="Crawl the demo site, then stop (no Datasette).")
def demo(db_path, port, site_port, no_serve):
    """Crawl the bundled demo site into the archive and open it in Datasette.

    Serves the demo site on 127.0.0.1 (no internet needed), crawls it, then starts
    Datasette and prints its URL. Run it again: nothing is fetched twice.

    Example: archive-spider demo
    """
    import subprocess

    from archive_spider import publish
    from archive_spider.demo.server import DemoServer

    try:
        site = DemoServer(port=site_port).start()
    except OSError as exc:
        raise click.ClickException(f"cannot serve the demo site on port {site_port}: {exc.strerror}; "
                                   "choose another with --site-port") from None
    with site:
        click.echo(f"Demo site serving at {site.url}/", err=True)
        command = [sys.executable, "-m", "archive_spider", "crawl", f"{site.url}/",
                   "--db", db_path, "--concurrency", "8"]
        result = subprocess.run(command)
    if result.returncode != 0:
        raise click.ClickException("the demo crawl failed (see above)")
    if no_serve:
        return
    click.echo(f"Archive ready: open http://127.0.0.1:{port}/ (Ctrl-C to stop)", err=True)
    publish.serve(db_path, "127.0.0.1", port)


if __name__ == "__main__":
    cli()
