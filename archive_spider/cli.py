"""The ``archive-spider`` command: thin click commands over the library.

Each command parses its options, calls one library function, and turns an ArchiveError
into a one-line error with a non-zero exit status.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from archive_spider import __version__, storage

DEFAULT_DB = "db/archive.db"

# Exit statuses (documented in the README).
EXIT_OK = 0
EXIT_CRAWL_FAILED = 1
EXIT_USAGE = 2  # click's own for bad usage
EXIT_LOCKED = 3  # another run holds the archive's lock

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


class OneLineErrors(click.Group):
    """Click group whose usage errors are one line (click prints the usage block too):
    ``Error: No such option: --fast (try 'archive-spider crawl --help')``."""

    def main(self, *args, standalone_mode: bool = True, **kwargs):
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            result = super().main(*args, standalone_mode=False, **kwargs)
        except click.UsageError as exc:
            hint = f" (try '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            click.echo(f"Error: {exc.format_message()}{hint}", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="archive-spider")
def cli():
    """Turn article sites into a clean, searchable SQLite archive.

    Crawl index pages of "Read More" teasers, follow every link to the full article,
    keep only the article itself, and publish the archive with Datasette.
    """


def check_revisit(ctx, param, value):
    from archive_spider.revisit import parse_policy

    if value is None:
        return None
    try:
        policy = parse_policy(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return value.strip().lower() if policy.name == "max-age" else policy.name


def wait_option(fn):
    return click.option(
        "--wait", is_flag=True,
        help="If another run is using the archive, wait for it to finish "
             "(default: exit at once with status 3).",
    )(fn)


def say_waiting(holder: str) -> None:
    if sys.stderr.isatty():
        click.echo(f"Waiting for {holder} to finish with the archive...", err=True)


def lease_option(fn):
    return click.option("--lease", type=click.FloatRange(min=1), default=60, show_default=True,
                        envvar="ARCHIVE_REDIS_LEASE", metavar="SECONDS",
                        help="With --redis: a process silent this long is taken for dead; its work is "
                             "given to others.")(fn)


def redis_options(fn):
    """--redis, --redis-key and --idle-timeout: shared by `crawl` (workers) and `ingest`."""
    fn = click.option("--idle-timeout", type=click.FloatRange(min=0), default=30, show_default=True,
                      help="With --redis: stop once there has been no work in Redis for this many seconds.")(fn)
    fn = lease_option(fn)
    fn = click.option("--redis-key", default="archive", show_default=True, metavar="PREFIX",
                      help="With --redis: prefix of the crawl's Redis keys (one per independent crawl).")(fn)
    return click.option("--redis", "redis_url", envvar="ARCHIVE_REDIS_URL", metavar="URL",
                        help="Distributed crawl through Redis, e.g. redis://host:6379/0 "
                             "(env ARCHIVE_REDIS_URL).")(fn)


@cli.command()
@click.argument("urls", nargs=-1)
@db_option
@click.option("--config", "config", type=click.Path(dir_okay=False),
              help="A sites.toml naming sites to crawl, with their hosts, URL patterns, "
                   "selectors and limits (see sites.example.toml).")
@click.option("--site", "site_names", multiple=True, metavar="NAME",
              help="Crawl only this site of the --config file (repeatable). Default: all.")
@click.option("--discover", is_flag=True,
              help="Also read each site's robots.txt sitemaps, /sitemap.xml, usual feed "
                   "paths and the feeds its front page announces.")
@click.option("--max-pages", type=click.IntRange(min=1), help="Stop after fetching this many pages.")
@click.option("--concurrency", type=click.IntRange(1, 256),
              help="Requests at once per host, with AutoThrottle and delays off. "
                   "Only for sites you own or may crawl fast.")
@click.option("--allow-host", "allowed_hosts", multiple=True, metavar="HOST",
              help="Another host the crawl may visit (repeatable). Default: the start URLs' hosts.")
@click.option("--timeout", type=click.FloatRange(min=0.1, max=3600), metavar="SECONDS",
              help="Give up on a page after this long (DOWNLOAD_TIMEOUT; default 20).")
@click.option("-s", "--set", "setting_pairs", multiple=True, metavar="NAME=VALUE",
              help="Set a Scrapy or ARCHIVE_ setting for this crawl (repeatable), "
                   "e.g. -s ARCHIVE_STALE_INDEX_PAGES=5; unknown names are refused.")
@click.option("-v", "--verbose", count=True, help="Log more: -v for progress, -vv for every request.")
@click.option("--log-file", type=click.Path(dir_okay=False),
              help="Also write the log, at least at INFO level, to this file (standard error keeps warnings).")
@click.option("--revisit", metavar="POLICY", callback=check_revisit,
              help="Articles already archived: 'conditional' asks the site whether each changed "
                   "(If-None-Match/If-Modified-Since; 304 = not modified); 'never' skips them; "
                   "'max-age=7d' revisits those fetched longer ago; 'adaptive' checks each once a tenth "
                   "of its text's age has passed since its last fetch (fresh ones every run, old ones "
                   "monthly); 'always' fetches them again.  "
                   "[default: conditional]")
@click.option("--full-listing", is_flag=True,
              help="Read every index page of the sites' listings this time, as a first crawl does. "
                   "By default a site whose whole listing was read within ARCHIVE_FULL_LISTING_EVERY "
                   "(7d) is read only as far as its listing brings articles the archive lacks.")
@wait_option
@click.option("--progress/--no-progress", default=None,
              help="A live progress line on standard error.  [default: on when it is a terminal]")
@click.option("--workers", "extract_workers", type=click.IntRange(min=0),
              help="Worker processes for discovery and extraction. Default: one per core; 0 runs them inline.")
@click.option("--render", type=click.Choice(["never", "auto", "always"], case_sensitive=False),
              help="Pages that need JavaScript: 'auto' renders a page in Chromium when its HTML shows it "
                   "needs it (an empty app shell, a <noscript> asking for JavaScript, a 'Load more' "
                   "listing) and every later page of a site that does; 'always' renders every page; "
                   "'never' fetches over HTTP only. Needs archive-spider[render].  [default: never]")
@redis_options
def crawl(urls, db_path, config, site_names, discover, max_pages, concurrency, allowed_hosts, timeout,
          setting_pairs, verbose, log_file, revisit, full_listing, wait, progress, extract_workers, render,
          redis_url, redis_key, idle_timeout, lease):
    """Crawl article sites from their index pages, feeds and sitemaps into the archive.

    URLS are index pages (front page, category pages), single articles, RSS/Atom feeds,
    XML sitemaps or robots.txt files (told apart by content), or give sites in a
    --config file. Only their hosts are visited. Index pages, feeds and sitemaps are read
    on every run, as far as they list articles the archive lacks (all of them when a
    crawl last read them whole over a week ago, or with --full-listing); articles already
    archived are not downloaded again unless the site says they changed (see --revisit),
    so a rerun picks up what is new and what was edited.
    Without a terminal, only warnings and one summary line are printed.

    Exit status: 0 ok, 1 the crawl failed, 2 bad usage, 3 another run holds the archive.

    With --redis, this process is one worker of a distributed crawl: the frontier and
    the seen-set live in Redis, articles go to a Redis queue that `archive-spider ingest`
    writes to the archive (--db is not used), and the worker stops once there has been no
    work for --idle-timeout seconds. Workers after the first may omit URLS.

    Example: archive-spider crawl https://example.com/blog/ --discover --db db/archive.db

    Example: archive-spider crawl https://example.com/blog/ --redis redis://10.0.0.5:6379/0
    """
    from archive_spider.config import ConfigError, check_start_urls, parse_settings
    from archive_spider.crawl import CrawlOptions, run_crawl
    from archive_spider.sites import SiteConfigError

    if not urls and not config and not redis_url:
        raise click.UsageError("give start URLs, or sites with --config sites.toml "
                               "(only a worker joining a --redis crawl may omit both)")
    if site_names and not config:
        raise click.UsageError("--site names a site of a --config file")
    try:
        urls = check_start_urls(urls)
        extra_settings = parse_settings(setting_pairs)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    if timeout:
        extra_settings["DOWNLOAD_TIMEOUT"] = timeout
    if full_listing:
        extra_settings["ARCHIVE_FULL_LISTING_EVERY"] = "0"
    from archive_spider.locking import ArchiveLocked

    if progress is None:
        progress = sys.stderr.isatty() and not verbose and not log_file
    options = CrawlOptions(
        db_path=db_path, max_pages=max_pages, concurrency=concurrency,
        allowed_hosts=tuple(allowed_hosts), log_file=log_file,
        log_level=("WARNING", "INFO", "DEBUG")[min(verbose, 2)],
        config=config, sites=tuple(site_names), discover=discover, extra_settings=extra_settings,
        revisit=revisit, wait=wait, progress=progress,
        extract_workers=extract_workers, render=render.lower() if render else None,
    )
    if redis_url:
        from archive_spider.distributed import RedisConfig, run_worker

        redis_config = RedisConfig(url=redis_url, key=redis_key, idle_timeout=idle_timeout, lease=lease)
        try:
            worker = run_worker(urls, options, redis_config)
        except SiteConfigError as exc:
            raise click.UsageError(str(exc)) from None
        except storage.ArchiveError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(worker.summary(), err=not worker.ok)
        sys.exit(EXIT_OK if worker.ok else EXIT_CRAWL_FAILED)
    try:
        outcome = run_crawl(urls, options, on_wait=say_waiting)
    except ArchiveLocked as exc:
        click.echo(f"archive-spider: {exc}", err=True)
        sys.exit(EXIT_LOCKED)
    except SiteConfigError as exc:
        raise click.UsageError(str(exc)) from None
    except (storage.ArchiveError, ConfigError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(outcome.summary(), err=not outcome.ok)
    sys.exit(EXIT_OK if outcome.ok else EXIT_CRAWL_FAILED)


@cli.command()
@click.option("--redis", "redis_url", envvar="ARCHIVE_REDIS_URL", required=True, metavar="URL",
              help="The Redis of the distributed crawl, e.g. redis://host:6379/0 (env ARCHIVE_REDIS_URL).")
@click.option("--redis-key", default="archive", show_default=True, metavar="PREFIX",
              help="Prefix of the crawl's Redis keys, as given to the workers.")
@db_option
@click.option("--idle-timeout", type=click.FloatRange(min=0), default=30, show_default=True,
              help="Finish the crawl once no worker, request or article has been left for this many seconds.")
@click.option("--forever", is_flag=True, help="Keep running after a crawl finishes, for the next (stop with SIGTERM).")
@lease_option
@click.option("-v", "--verbose", count=True, help="Log more: -v for each batch, -vv for each article.")
def ingest(redis_url, redis_key, db_path, idle_timeout, forever, lease, verbose):
    """Write what distributed workers extract into the archive: SQLite's single writer.

    Drains the workers' Redis queue in batches through the same validate, dedupe and
    store steps as `crawl`, acknowledging each batch only once it is committed (a killed
    ingester loses nothing; restarted, it stores what it had taken again). Publishes the
    archive's known URLs to Redis so that workers skip them. One ingester per archive.
    Exit status: 0 ok, 1 the crawl failed or was interrupted, 2 bad usage.

    Example: archive-spider ingest --redis redis://10.0.0.5:6379/0 --db db/archive.db
    """
    import logging

    from archive_spider.distributed import RedisConfig, run_ingester

    logging.basicConfig(level=("WARNING", "INFO", "DEBUG")[min(verbose, 2)],
                        format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    config = RedisConfig(url=redis_url, key=redis_key, idle_timeout=idle_timeout, lease=lease)
    try:
        outcome = run_ingester(config, db_path, forever=forever)
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
@click.option("--site", help="Only articles of this site (host without www.).")
@wait_option
def reextract(db_path, site, wait):
    """Extract archived articles again from their stored pages (WARC), with no network.

    Run it after upgrading archive-spider: each article's last downloaded pages are read
    from the warc/ folder next to the archive and extracted again; changed text is stored
    as a new revision. Exit status: 0 ok, 1 failed, 3 another run holds the archive.

    Example: archive-spider reextract --site example.com
    """
    from archive_spider.locking import ArchiveLocked, archive_lock
    from archive_spider.reextract import reextract as run_reextract

    open_existing(db_path).close()
    try:
        with archive_lock(db_path, wait=wait, on_wait=say_waiting):
            outcome = run_reextract(db_path, site=site)
    except ArchiveLocked as exc:
        click.echo(f"archive-spider: {exc}", err=True)
        sys.exit(EXIT_LOCKED)
    except storage.ArchiveError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(outcome.summary())


@cli.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 to publish on the network).")
@click.option("-p", "--port", default=8001, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on.")
@click.option("--immutable", is_flag=True,
              help="Open the file as immutable (faster; only for a copy no crawl writes to).")
def serve(db_path, host, port, immutable):
    """Browse, search and export the archive in Datasette, read-only.

    Uses the Datasette configuration in db/ (metadata, templates, plugins, settings) and
    publishes the file under the name "archive", whatever it is called. A file you may not
    write is served as immutable, untouched (its schema must be current).

    Example: archive-spider serve --db db/archive.db --port 8001
    """
    from archive_spider import publish

    read_only_file = os.path.exists(db_path) and not storage.is_writable(db_path)
    if read_only_file:
        # A read-only file (a copy on a read-only mount, another user's archive): no
        # upgrade, no checkpoint, no -wal/-shm files; SQLite reads it as immutable.
        try:
            storage.check_read_only(db_path)
        except storage.ArchiveError as exc:
            raise click.ClickException(str(exc)) from None
        immutable = True
        wal = f"{db_path}-wal"
        unseen = os.path.getsize(wal) if os.path.exists(wal) else 0
        click.echo(f"{db_path} is read-only: serving it as immutable"
                   + (f" ({unseen} bytes of its write-ahead log are not seen)" if unseen else ""), err=True)
    else:
        open_existing(db_path).close()
    click.echo(f"Serving {db_path} at http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    publish.serve(db_path, host, port, immutable=immutable, read_only_file=read_only_file)


@cli.command()
@db_option
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "jsonl"]), default="jsonl", show_default=True)
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-",
              help="File to write (default: standard output).")
@click.option("--site", help="Only articles of this site (host without www.).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="Only articles published (undated: first seen) on or after this date.")
@click.option("--search", metavar="QUERY",
              help="Only articles matching this search, best first, as the search page takes it: "
                   "every word must appear; \"a phrase\", crawl* (words starting with crawl) "
                   "and OR between two words also work.")
@click.option("--columns", help="Comma-separated columns (default: all but html and the bookkeeping).")
@click.option("--with-duplicates", is_flag=True,
              help="Include articles recorded as copies of others (duplicate_of set).")
def export(db_path, fmt, output, site, since, search, columns, with_duplicates):
    """Export articles as CSV, JSON or JSON Lines, streaming.

    Rows are written as they are read, so an archive of any size exports in constant
    memory. Newest first; with --search, best match first. Copies of other articles
    (exact or near duplicates) are left out unless --with-duplicates.

    Example: archive-spider export --format csv --since 2025-01-01 -o articles.csv
    """
    from archive_spider import export as exporter

    cols = [c.strip() for c in columns.split(",")] if columns else list(exporter.DEFAULT_COLUMNS)
    db = open_existing(db_path)
    try:
        rows = exporter.select_articles(db, cols, site=site, since=since and since.date().isoformat(),
                                        search=search, duplicates=with_duplicates)
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
@click.option("--failures", "last_failures", default=10, show_default=True, type=click.IntRange(min=0),
              help="How many recent failures (pages not archived, and why) to list.")
def stats(db_path, as_json, last_crawls, last_failures):
    """What is in the archive, per site, and how the last crawls went.

    Example: archive-spider stats --db db/archive.db
    """
    db = open_existing(db_path)
    try:
        figures = storage.archive_stats(db, last_crawls, last_failures)
    finally:
        db.close()
    if as_json:
        click.echo(json.dumps(figures, indent=2))
        return
    click.echo(f"{figures['articles']} articles ({figures['duplicates']} of them duplicates), "
               f"{figures['revisions']} revisions in {db_path}")
    for site in figures["sites"]:
        click.echo(f"  {site['site']}: {site['articles']} articles, {site['words'] or 0} words, "
                   f"published {site['oldest'] or '?'} to {site['newest'] or '?'}")
    if figures["crawls"]:
        click.echo("Last crawls:")
    for c in figures["crawls"]:
        click.echo(f"  #{c['id']} {c['started']} {c['status']}: {c['new']} new, {c['updated']} updated, "
                   f"{c['unchanged']} unchanged, {c['not_modified']} not modified, {c['skipped']} skipped, "
                   f"{c['duplicates']} duplicates, {c['errors']} errors, {c['requests']} requests")
        if c["failures"]:
            reasons = ", ".join(f"{reason} {count}" for reason, count in c["failures"].items())
            click.echo(f"    {sum(c['failures'].values())} failures: {reasons}")
    if figures["recent_failures"]:
        click.echo("Recent failures (not archived):")
    for f in figures["recent_failures"]:
        status = f" {f['status']}" if f["status"] else ""
        detail = f" - {f['detail']}" if f["detail"] else ""
        click.echo(f"  #{f['crawl_id']} {f['reason']}{status}: {f['url']}{detail}")


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
    Datasette and prints its URL. Run it again: no essay is downloaded twice (304 Not Modified).

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
