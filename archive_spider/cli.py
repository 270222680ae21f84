"""The ``archive-spider`` command: thin click commands over the library.

Each command parses its options, calls one library function, and turns an ArchiveError
into a one-line error with a non-zero exit status.
"""

from __future__ import annotations

import sqlite3
import json
import os
import sys

import click

from archive_spider import __version__
from archive_spider import settings as defaults
from archive_spider.archive import queries, schema, upkeep

DEFAULT_DB = defaults.ARCHIVE_DB_PATH

# Exit statuses (documented in the README).
EXIT_OK = 0
EXIT_CRAWL_FAILED = 1
EXIT_USAGE = 2  # click's own for bad usage
EXIT_LOCKED = 3  # another run holds the archive's lock
EXIT_PORT_BUSY = 4  # serve, demo: the port to listen on is taken

LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
EXIT_DRIFT = 5  # with --fail-on-drift: a site changed under the crawl (health.py)

# The demo site's port: fixed, so that the archive's URLs stay the same from run to run.
DEMO_SITE_PORT = 8780


def db_option(fn):
    return click.option(
        "--db", "db_path", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False),
        help="The archive (SQLite file).",
    )(fn)


def site_option(fn):
    return click.option("--site", help="Only articles of this site: its host without www., with the port "
                                       "if the URLs name one (example.com, 127.0.0.1:8780).")(fn)


def open_existing(db_path: str, *, to_write: bool = False):
    """The archive at ``db_path``, which must exist (and with ``to_write``, be writable:
    checked before SQLite opens it, which would leave -wal and -shm files beside it)."""
    try:
        if to_write and os.path.exists(db_path):
            schema.check_writable(db_path)
        return schema.open_db(db_path, create=False)
    except schema.ArchiveError as exc:
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
    return click.option("--lease", type=click.FloatRange(min=1), default=defaults.ARCHIVE_REDIS_LEASE,
                        show_default=True,
                        envvar="ARCHIVE_REDIS_LEASE", metavar="SECONDS",
                        help="With --redis: a process silent this long is taken for dead; its work is "
                             "given to others.")(fn)


def redis_options(fn):
    """--redis, --redis-key and --idle-timeout: shared by `crawl` (workers) and `ingest`."""
    fn = click.option("--idle-timeout", type=click.FloatRange(min=0), default=defaults.ARCHIVE_REDIS_IDLE_TIMEOUT,
                      show_default=True, help="With --redis: stop once there has been no work in Redis for this many seconds.")(fn)
    fn = lease_option(fn)
    fn = click.option("--redis-key", default=defaults.ARCHIVE_REDIS_KEY, show_default=True, metavar="PREFIX",
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
@click.option("--max-pages", type=click.IntRange(min=1),
              help="Fetch at most this many pages, then stop (robots.txt, redirects and retries not counted).")
@click.option("--scope", type=click.Choice(["prefix", "host"]),
              help="Links to follow: 'prefix' follows those under the folder of a start URL, and the "
                   "article links of the listings read; 'host' any on the site's hosts (ARCHIVE_SCOPE).  "
                   "[default: prefix]")
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
@click.option("-q", "--quiet", is_flag=True,
              help="Print only errors: no warnings, and no summary line when the crawl went well.")
@click.option("--log-level", type=click.Choice(LOG_LEVELS, case_sensitive=False),
              help="What standard error shows (overrides -v and -q).  [default: WARNING]")
@click.option("--log-file", type=click.Path(dir_okay=False),
              help="Also write the log, at least at INFO level, to this file (standard error keeps warnings).")
@click.option("--json", "as_json", is_flag=True,
              help="Print the outcome as one JSON object on standard output (crawl, status, counts, "
                   "seconds, archive, failed start URLs) instead of the summary line.")
@click.option("--user-agent", metavar="TEXT",
              help="The User-Agent to announce, e.g. with a contact address "
                   "(USER_AGENT; robots.txt rules are matched on its first word).  "
                   f"[default: archive-spider/{__version__}]")
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
@click.option("--fail-on-drift", is_flag=True,
              help="Exit with status 5 when a site changed under the crawl (the WARNING lines "
                   "\"Site ... changed: ...\"; see `stats --health`).")
@click.option("--render", type=click.Choice(["never", "auto", "always"], case_sensitive=False),
              help="Pages that need JavaScript: 'auto' renders a page in Chromium when its HTML shows it "
                   "needs it (an empty app shell, a <noscript> asking for JavaScript, a 'Load more' "
                   "listing) and every later page of a site that does; 'always' renders every page; "
                   "'never' fetches over HTTP only. Needs archive-spider[render].  [default: never]")
@redis_options
def crawl(urls, db_path, config, site_names, discover, max_pages, scope, concurrency, allowed_hosts, timeout,
          setting_pairs, verbose, quiet, log_level, log_file, as_json, user_agent, revisit, full_listing, wait,
          progress, extract_workers, render, redis_url, redis_key, idle_timeout, lease, fail_on_drift):
    """Crawl article sites from their index pages, feeds and sitemaps into the archive.

    URLS are index pages (front page, category pages), single articles, RSS/Atom feeds,
    XML sitemaps or robots.txt files (told apart by content), or give sites in a
    --config file. Only their hosts are visited. Index pages, feeds and sitemaps are read
    on every run, as far as they list articles the archive lacks (all of them when a
    crawl last read them whole over a week ago, or with --full-listing); articles already
    archived are not downloaded again unless the site says they changed (see --revisit),
    so a rerun picks up what is new and what was edited.
    Without a terminal, only warnings and one summary line are printed.

    After each crawl every site it touched is compared with its earlier crawls; a site
    that changed under it (no articles listed, bodies not archived, word counts or teaser
    agreement collapsed, a new article container, a new dominant failure, blocking) gets
    one WARNING line.

    Exit status: 0 ok, 1 the crawl failed, 2 bad usage, 3 another run holds the archive,
    4 a site changed (only with --fail-on-drift; it wins over 1, since a change such as
    blocking often makes the crawl fail too).

    With --redis, this process is one worker of a distributed crawl: the frontier and
    the seen-set live in Redis, articles go to a Redis queue that `archive-spider ingest`
    writes to the archive (--db is not used), and the worker stops once there has been no
    work for --idle-timeout seconds. Workers after the first may omit URLS; one started
    without them before any crawl exists waits up to --idle-timeout for one to appear.

    Example: archive-spider crawl https://example.com/blog/ --discover --db db/archive.db

    Example: archive-spider crawl https://example.com/blog/ --redis redis://10.0.0.5:6379/0
    """
    from archive_spider.config import ConfigError, check_start_urls, parse_settings, unresolvable_start_hosts
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
    missing = {} if (config or redis_url) else unresolvable_start_hosts(urls)
    if missing:
        # Every start URL names a host that does not exist: say so now, not after retries.
        hosts = "; ".join(f"{host} ({reason.lower()})" for host, reason in missing.items())
        raise click.ClickException(f"cannot resolve {hosts}: check the start URLs; nothing crawled")
    if timeout:
        extra_settings["DOWNLOAD_TIMEOUT"] = timeout
    if user_agent is not None:
        if not user_agent.strip() or any(ch in user_agent for ch in "\r\n"):
            raise click.BadParameter("must be one line of text", param_hint="'--user-agent'")
        extra_settings["USER_AGENT"] = user_agent.strip()
    if log_level is None:
        log_level = "ERROR" if quiet and not verbose else ("WARNING", "INFO", "DEBUG")[min(verbose, 2)]
    if full_listing:
        extra_settings["ARCHIVE_FULL_LISTING_EVERY"] = "0"
    if scope:
        extra_settings["ARCHIVE_SCOPE"] = scope
    from archive_spider.archive.locking import ArchiveLocked

    if progress is None:
        progress = (sys.stderr.isatty() and log_level.upper() == "WARNING" and not log_file
                    and not as_json)
    options = CrawlOptions(
        db_path=db_path, max_pages=max_pages, concurrency=concurrency,
        allowed_hosts=tuple(allowed_hosts), log_file=log_file,
        log_level=log_level.upper(),
        config=config, sites=tuple(site_names), discover=discover, extra_settings=extra_settings,
        revisit=revisit, wait=wait, progress=progress,
        extract_workers=extract_workers, render=render.lower() if render else None,
    )
    if redis_url:
        from archive_spider.distributed.keys import RedisConfig
        from archive_spider.distributed.worker import run_worker

        redis_config = RedisConfig(url=redis_url, key=redis_key, idle_timeout=idle_timeout, lease=lease)
        try:
            worker = run_worker(urls, options, redis_config)
        except SiteConfigError as exc:
            raise click.UsageError(str(exc)) from None
        except schema.ArchiveError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(worker.summary(), err=not worker.ok)
        sys.exit(EXIT_OK if worker.ok else EXIT_CRAWL_FAILED)
    try:
        outcome = run_crawl(urls, options, on_wait=say_waiting)
    except ArchiveLocked as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_LOCKED)
    except SiteConfigError as exc:
        raise click.UsageError(str(exc)) from None
    except (schema.ArchiveError, ConfigError) as exc:
        raise click.ClickException(str(exc)) from None
    error = outcome.error_line()
    if error:
        click.echo(f"Error: {error}", err=True)
    if as_json:
        click.echo(json.dumps(outcome.to_dict()))
    elif not error and not (quiet and outcome.ok):
        click.echo(outcome.summary(), err=not outcome.ok)
    if fail_on_drift and outcome.drifted:
        sys.exit(EXIT_DRIFT)
    sys.exit(EXIT_OK if outcome.ok else EXIT_CRAWL_FAILED)


@cli.command()
@click.option("--redis", "redis_url", envvar="ARCHIVE_REDIS_URL", required=True, metavar="URL",
              help="The Redis of the distributed crawl, e.g. redis://host:6379/0 (env ARCHIVE_REDIS_URL).")
@click.option("--redis-key", default=defaults.ARCHIVE_REDIS_KEY, show_default=True, metavar="PREFIX",
              help="Prefix of the crawl's Redis keys, as given to the workers.")
@db_option
@click.option("--idle-timeout", type=click.FloatRange(min=0), default=defaults.ARCHIVE_REDIS_IDLE_TIMEOUT,
              show_default=True, help="Finish the crawl once no worker, request or article has been left for this many seconds.")
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

    from archive_spider.distributed.keys import RedisConfig
    from archive_spider.distributed.ingest import run_ingester

    logging.basicConfig(level=("WARNING", "INFO", "DEBUG")[min(verbose, 2)],
                        format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    config = RedisConfig(url=redis_url, key=redis_key, idle_timeout=idle_timeout, lease=lease)
    try:
        schema.check_writable(db_path)
        outcome = run_ingester(config, db_path, forever=forever)
    except schema.ArchiveError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(outcome.summary(), err=not outcome.ok)
    sys.exit(EXIT_OK if outcome.ok else EXIT_CRAWL_FAILED)


@cli.command()
@click.argument("files", nargs=-1, type=click.File("rb"))
@click.option("-u", "--url", help="The page's address: without FILE, it is fetched (one GET, no crawl); "
                                  "with FILE, it resolves the saved page's relative links.")
@click.option("--teaser", help="The teaser an index page showed for it (helps find the body).")
@click.option("--html/--no-html", "with_html", default=True, show_default=True,
              help="Include the sanitised article HTML.")
def extract(files, url, teaser, with_html):
    """Extract the article from saved HTML files, or from -u URL; print one JSON object each.

    Use - to read standard input. With -u URL and no file, the page is fetched (with the
    crawl's User-Agent, redirects followed, 20 s and 5 MiB at most). No database.

    Example: archive-spider extract page.html --url https://example.com/post/1

    Example: archive-spider extract -u https://example.com/post/1 --no-html
    """
    from archive_spider.extraction import extract_article

    if not files and not url:
        raise click.UsageError("give saved HTML files (- for standard input), or -u URL to fetch a page")
    if files:
        pages = ((getattr(handle, "name", "-"), handle.read(), url) for handle in files)
    else:
        from archive_spider.fetch import FetchError, fetch_page

        try:
            fetched = fetch_page(url)
        except FetchError as exc:
            raise click.ClickException(str(exc)) from None
        from archive_spider.decoding import decode_html

        pages = [(None, decode_html(fetched.body, fetched.content_type).text, fetched.url)]
    for name, page, page_url in pages:
        article = extract_article(page, url=page_url, teaser=teaser)
        record = {"file": name, **article.to_dict()} if name is not None else {"url": page_url, **article.to_dict()}
        if not with_html:
            record.pop("html", None)
        click.echo(json.dumps(record, ensure_ascii=False))


@cli.command()
@db_option
@site_option
@wait_option
def reextract(db_path, site, wait):
    """Extract archived articles again from their stored pages (WARC), with no network.

    Run it after upgrading archive-spider: each article's last downloaded pages are read
    from the warc/ folder next to the archive and extracted again; changed text is stored
    as a new revision. Exit status: 0 ok, 1 failed, 3 another run holds the archive.

    Example: archive-spider reextract --site example.com
    """
    from archive_spider.reextract import reextract as run_reextract

    outcome = with_archive(db_path, wait, lambda: run_reextract(db_path, site=site))
    click.echo(outcome.summary())


def with_archive(db_path: str, wait: bool, work):
    """``work()``'s result, run holding the archive's lock on an existing, writable
    archive; one `Error:` line and status 1 (or 3 when another run holds the lock)."""
    from archive_spider.archive.locking import ArchiveLocked, archive_lock

    open_existing(db_path, to_write=True).close()
    try:
        with archive_lock(db_path, wait=wait, on_wait=say_waiting):
            return work()
    except ArchiveLocked as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_LOCKED)
    except (schema.ArchiveError, sqlite3.DatabaseError) as exc:
        raise click.ClickException(str(exc)) from None


@cli.command("delete-site")
@click.argument("site")
@db_option
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@wait_option
def delete_site(site, db_path, yes, wait):
    """Delete every article of SITE from the archive, with its revisions.

    SITE is as in the site column (host without www., with a port if its URLs name one).
    Its revisions, full-text entries, WARC index rows, boilerplate and listing marks go
    too; copies of its articles on other sites become originals. The WARC files are kept
    (their other records belong to other sites); run vacuum afterwards to shrink the file.
    Exit status: 0 done, 1 failed, 2 no such site, 3 another run holds the archive.

    Example: archive-spider delete-site old.example.com --yes
    """
    db = open_existing(db_path)
    try:
        count = db.execute("select count(*) from articles where site = ?", [site]).fetchone()[0]
        sites = [row[0] for row in db.execute("select distinct site from articles order by site")]
    finally:
        db.close()
    if not count:
        raise click.BadParameter(f"no articles of site {site!r}; the archive holds "
                                 + (", ".join(sites) if sites else "no articles yet"), param_hint="'SITE'")
    if not yes:
        if not sys.stdin.isatty():
            raise click.UsageError(f"this deletes {count} articles of {site}: add --yes to confirm")
        click.confirm(f"Delete the {count} articles of {site} and their revisions?", abort=True, err=True)

    def work():
        db = schema.open_db(db_path, create=False)
        try:
            return upkeep.delete_site(db, site)
        finally:
            db.close()

    counts = with_archive(db_path, wait, work)
    click.echo(f"Deleted {counts['articles']} articles of {site}, {counts['revisions']} revisions, "
               f"{counts['warc_records']} WARC index rows; {counts['duplicates_released']} copies elsewhere "
               f"are now originals. Run `archive-spider vacuum` to shrink the file.", err=True)


@cli.command("prune-revisions")
@db_option
@click.option("--keep", type=click.IntRange(min=1), default=1, show_default=True,
              help="Revisions to keep per article, newest first (the first of them is its current text).")
@click.option("--older-than", metavar="AGE", help="Only delete revisions captured longer ago than this "
                                                  "(units s, m, h, d, w: 90d).")
@wait_option
def prune_revisions(db_path, keep, older_than, wait):
    """Delete old revisions of the archived articles, keeping the newest of each.

    Every article keeps at least its current text. Run vacuum afterwards to shrink the file.
    Exit status: 0 done, 1 failed, 2 bad usage, 3 another run holds the archive.

    Example: archive-spider prune-revisions --keep 3 --older-than 180d
    """
    import datetime as dt

    from archive_spider.revisit import parse_duration

    before = None
    if older_than:
        try:
            age = parse_duration(older_than)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="'--older-than'") from None
        before = (dt.datetime.now(dt.timezone.utc) - age).isoformat(timespec="seconds")

    def work():
        db = schema.open_db(db_path, create=False)
        try:
            return upkeep.prune_revisions(db, keep, before)
        finally:
            db.close()

    deleted = with_archive(db_path, wait, work)
    click.echo(f"Deleted {deleted} revisions; each article keeps its newest {keep}.", err=True)


@cli.command()
@db_option
@wait_option
def vacuum(db_path, wait):
    """Compact the archive: merge the search index, fold in the log, drop free pages.

    Run it after delete-site or prune-revisions. It rewrites the whole file, so it needs
    as much free disk space again, and holds the archive while it runs.
    Exit status: 0 done, 1 failed, 3 another run holds the archive.

    Example: archive-spider vacuum --db db/archive.db
    """
    before, after = with_archive(db_path, wait, lambda: upkeep.vacuum(db_path))
    click.echo(f"{db_path}: {before:,} bytes -> {after:,} bytes", err=True)


@cli.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 to publish on the network).")
@click.option("-p", "--port", default=8001, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on.")
@click.option("--immutable", is_flag=True,
              help="Open the file as immutable (faster; only for a copy no crawl writes to).")
@click.option("--public", is_flag=True,
              help="For a server anyone may reach: no arbitrary SQL (tables, search, facets, exports "
                   "and the canned queries only) and no /-/ introspection pages.")
def serve(db_path, host, port, immutable, public):
    """Browse, search and export the archive in Datasette, read-only.

    Uses the Datasette configuration in db/ (metadata, templates, plugins, settings) and
    publishes the file under the name "archive", whatever it is called. A file you may not
    write is served as immutable, untouched (its schema must be current).

    Exit status: 0 stopped, 1 the archive cannot be served, 2 bad usage, 4 the port is taken.

    Example: archive-spider serve --db db/archive.db --port 8001
    """
    from archive_spider import publish

    read_only_file = os.path.exists(db_path) and not schema.is_writable(db_path)
    if read_only_file:
        # A read-only file (a copy on a read-only mount, another user's archive): no
        # upgrade, no checkpoint, no -wal/-shm files; SQLite reads it as immutable.
        try:
            schema.check_read_only(db_path)
        except schema.ArchiveError as exc:
            raise click.ClickException(str(exc)) from None
        immutable = True
        wal = f"{db_path}-wal"
        unseen = os.path.getsize(wal) if os.path.exists(wal) else 0
        click.echo(f"{db_path} is read-only: serving it as immutable"
                   + (f" ({unseen} bytes of its write-ahead log are not seen)" if unseen else ""), err=True)
    else:
        open_existing(db_path).close()
    sock = listen_or_exit(host, port)
    click.echo(f"Serving {db_path} at http://{host}:{sock.getsockname()[1]}/ (Ctrl-C to stop)", err=True)
    publish.serve(db_path, host, port, immutable=immutable, read_only_file=read_only_file, public=public,
                  sock=sock)


def listen_or_exit(host: str, port: int, hint: str = "--port"):
    """A socket listening on host:port for Datasette, or one `Error:` line and status 4."""
    from archive_spider import publish

    try:
        return publish.listen(host, port)
    except publish.PortBusy as exc:
        click.echo(f"Error: {exc.strerror}: choose another with {hint}", err=True)
        sys.exit(EXIT_PORT_BUSY)


@cli.command()
@db_option
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "jsonl"], case_sensitive=False), default="jsonl",
              show_default=True)
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-",
              help="File to write (default: standard output).")
@site_option
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="Only articles published (undated: first seen) on or after this date.")
@click.option("--search", metavar="QUERY",
              help="Only articles matching this search, best first, as the search page takes it: "
                   "every word must appear; \"a phrase\", crawl* (words starting with crawl) "
                   "and OR between two words also work. A search without words matches nothing.")
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
    from archive_spider.archive import export as exporter

    cols = [c.strip() for c in columns.split(",") if c.strip()] if columns else list(exporter.DEFAULT_COLUMNS)
    db = open_existing(db_path)
    try:
        try:
            exporter.check_request(db, cols, site)
        except exporter.BadRequest as exc:
            raise click.BadParameter(str(exc), param_hint=f"'--{exc.option}'") from None
        rows = exporter.select_articles(db, cols, site=site, since=since and since.date().isoformat(),
                                        search=search, duplicates=with_duplicates)
        count = exporter.write_rows(rows, fmt.lower(), output, cols)
    except (ValueError, sqlite3.OperationalError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.close()
    if search is not None and exporter.search_query(search) == exporter.NOTHING:
        click.echo(f"The search {search!r} has no words to look for: nothing matches it.", err=True)
    if output is not sys.stdout and output.name != "<stdout>":
        click.echo(f"{count} articles written to {output.name}", err=True)


@cli.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option("--crawls", "last_crawls", default=5, show_default=True, help="How many recent crawls to list.")
@click.option("--failures", "last_failures", default=10, show_default=True, type=click.IntRange(min=0),
              help="How many recent failures (pages not archived, and why) to list.")
@click.option("--health", "show_health", is_flag=True,
              help="Instead: each site's health after its latest crawl (figures, trend, what changed).")
@click.option("--site", help="With --health: only this site (host without www.).")
def stats(db_path, as_json, last_crawls, last_failures, show_health, site):
    """What is in the archive, per site, and how the last crawls went.

    With --health: per site, what its latest crawl saw (listed and archived articles,
    median words and their trend, extraction warnings, teaser agreement, failures by
    reason, HTTP error, 403/429 and 304 rates, days since the last new article) and what
    changed against its earlier crawls; --json gives the last --crawls crawls per site too.

    Example: archive-spider stats --db db/archive.db

    Example: archive-spider stats --health --json
    """
    from archive_spider.terminal import printable

    if site and not show_health:
        raise click.UsageError("--site goes with --health")
    db = open_existing(db_path)
    from archive_spider import health

    try:
        if show_health:
            figures = health.health_report(db, site, last_crawls)
        else:
            figures = queries.archive_stats(db, last_crawls, last_failures)
    finally:
        db.close()
    if as_json:
        click.echo(json.dumps(figures, indent=2))
        return
    if show_health:
        if not figures:
            click.echo("No site health yet: it is assessed after each crawl.")
        for entry in figures:
            click.echo("\n".join(health.describe(entry)))
        return
    click.echo(f"{figures['articles']} articles ({figures['duplicates']} of them duplicates), "
               f"{figures['revisions']} revisions in {db_path}")
    for site in figures["sites"]:
        click.echo(f"  {printable(site['site'])}: {site['articles']} articles, {site['words'] or 0} words, "
                   f"published {site['oldest'] or '?'} to {site['newest'] or '?'}")
    if figures["crawls"]:
        click.echo("Last crawls:")
    for c in figures["crawls"]:
        click.echo(f"  #{c['id']} {c['started']} {c['status']}: {c['new']} new, {c['updated']} updated, "
                   f"{c['unchanged']} unchanged, {c['not_modified']} not modified, {c['skipped']} skipped, "
                   f"{c['duplicates']} duplicates, {c['errors']} errors, {c['requests']} requests; "
                   f"{c['pages']} pages = {c['pages_archived']} archived + {c['pages_listing']} listing + "
                   f"{c['pages_failed']} in failures")
        if c["failures"]:
            reasons = ", ".join(f"{reason} {count}" for reason, count in c["failures"].items())
            click.echo(f"    {sum(c['failures'].values())} failures: {reasons}")
    if figures["recent_failures"]:
        click.echo("Recent failures (not archived):")
    for f in figures["recent_failures"]:
        status = f" {f['status']}" if f["status"] else ""
        detail = f" - {printable(f['detail'])}" if f["detail"] else ""
        click.echo(f"  #{f['crawl_id']} {printable(f['reason'])}{status}: {printable(f['url'])}{detail}")


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
    Exit status: as for crawl and serve (4: a port is taken).

    Example: archive-spider demo --port 8002
    """
    import subprocess

    from archive_spider import publish
    from archive_spider.demo.server import DemoServer

    # Both ports are taken first, so that a busy one stops the demo before the crawl.
    sock = None if no_serve else listen_or_exit("127.0.0.1", port, "--port (make demo PORT=8002)")
    try:
        site = DemoServer(port=site_port).start()
    except OSError as exc:
        click.echo(f"Error: cannot serve the demo site on port {site_port}: {exc.strerror}; "
                   "choose another with --site-port (make demo SITE_PORT=8781)", err=True)
        sys.exit(EXIT_PORT_BUSY)
    with site:
        click.echo(f"Demo site serving at {site.url}/", err=True)
        command = [sys.executable, "-m", "archive_spider", "crawl", f"{site.url}/",
                   "--db", db_path, "--concurrency", "8"]
        result = subprocess.run(command)
    if result.returncode != 0:
        raise click.ClickException("the demo crawl failed (see above)")
    if no_serve:
        return
    click.echo(f"Archive ready: open http://127.0.0.1:{sock.getsockname()[1]}/ (Ctrl-C to stop)", err=True)
    publish.serve(db_path, "127.0.0.1", port, sock=sock)


if __name__ == "__main__":
    cli()
