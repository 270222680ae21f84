"""Datasette plugin for the archive: safe article pages and friendlier search.

Loaded from ``db/plugins/`` (``datasette db/`` and ``archive-spider serve`` both do), so it
depends only on Datasette and nh3. It:

- adds the Jinja filter ``sanitised_html``: the article page renders stored HTML only
  through it, so even an archive written by another tool cannot inject markup that runs;
- adds the SQL function ``fts_query(text)``: turns what a person types into a safe FTS5
  query (words quoted; phrases, word* prefixes and OR kept), so the canned search never
  fails on ``C++`` or a stray quote;
- renders the ``snippet`` column of queries as escaped text with only ``<mark>`` kept;
- gives the article page its revisions (``article_revisions``);
- sends a Content-Security-Policy with article pages that forbids inline scripts;
- refuses every request that is not a read (POST, PUT, DELETE...) with 405;
- caps the length of any SQLite value and the memory SQLite may take, so that a query
  building one huge string fails at once instead of running past the time limit (which
  only fires between SQLite's steps), and refuses ``printf``, ``format`` and
  ``fts3_tokenizer``;
- in a public publication (Datasette's ``default_allow_sql`` off, ``serve --public``),
  hides the introspection pages under ``/-/`` (``/-/databases`` shows the file's path);
- shows the articles table page as a readable list (templates/table-archive-articles.html;
  ``_view=table`` gives Datasette's table): copies of other articles (``duplicate_of``
  set) and the heavy text and html columns are left out of what Datasette reads for it,
  unless the visitor filters on ``duplicate_of``, adds ``_duplicates=1`` or picks columns;
  its links (exports, facets, pages) leave these additions out again, so the JSON and CSV
  keep text and html and no filter shows that the visitor did not set;
- skips facets and counts for CSV (Datasette computes them per streamed page otherwise);
- redirects a sort of the articles by ``published`` to the unique ``newest_first`` key,
  which Datasette can page through without skipping articles.
"""

from __future__ import annotations

import re
import sqlite3
from urllib.parse import parse_qsl, urlencode, urlsplit

import markupsafe
import nh3
from datasette import hookimpl

# Attributes kept on top of nh3's defaults, which already drop every event handler,
# script, style element and javascript: URL.
EXTRA_ATTRIBUTES = {"img": {"src", "alt", "title", "width", "height", "loading"}}
LINK_REL = "noopener noreferrer nofollow"

# Datasette's own inline scripts on every page (base.html includes them), which the
# article page's policy allows by their hash: read from the installed Datasette, so the
# hash follows its version. No other inline script may run.
DATASETTE_INLINE_SCRIPTS = ("_close_open_menus.html",)


def datasette_script_hashes() -> list[str]:
    """CSP sources ('sha256-...') of the inline scripts of DATASETTE_INLINE_SCRIPTS."""
    from pathlib import Path

    import datasette

    sources = []
    for name in DATASETTE_INLINE_SCRIPTS:
        path = Path(datasette.__file__).parent / "templates" / name
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            continue
        sources += [script_hash(script) for script in re.findall(r"<script>(.*?)</script>", text, flags=re.S)]
    return sources


def script_hash(script: str) -> str:
    """The CSP source ('sha256-...') that lets exactly this inline script run."""
    import base64
    import hashlib

    return f"'sha256-{base64.b64encode(hashlib.sha256(script.encode('utf-8')).digest()).decode()}'"


async def plugin_script_hashes(datasette, database: str) -> list[str]:
    """CSP sources of the inline scripts installed plugins add to an article page
    (Datasette's extra_body_script hook, asked as its row page asks it): code the
    publisher installed, so it may run; text from an article never can."""
    from datasette.plugins import pm
    from datasette.utils import await_me_maybe

    sources = []
    for extra in pm.hook.extra_body_script(template="row.html", database=database, table="articles",
                                           columns=None, view_name="row", request=None, datasette=datasette):
        extra = await await_me_maybe(extra)
        script = extra.get("script") if isinstance(extra, dict) else extra
        if script:
            sources.append(script_hash(str(script)))
    return sources


def article_page_csp(extra_sources: list[str]) -> str:
    """What an article page may load: its own stylesheet and Datasette's static scripts,
    images from anywhere (articles embed them), no inline script but Datasette's own and
    its plugins' (``extra_sources``), no plugins, no frames."""
    return (
        "default-src 'self'; script-src 'self' " + " ".join(datasette_script_hashes() + extra_sources) + "; "
        "style-src 'self' 'unsafe-inline'; "
        "img-src * data:; media-src *; object-src 'none'; frame-src 'none'; "
        "base-uri 'none'; form-action 'self'"
    )
# /<database>/articles/<primary key>, the row page (and its .json twin, harmlessly).
ARTICLE_PAGE_PATH = re.compile(r"^/[^/]+/articles/[^/]+$")
# The articles table page (HTML only: .json and .csv keep every column).
ARTICLES_TABLE_PATH = re.compile(r"^/[^/]+/articles$")
# The archive is published read-only: any other method is refused before Datasette sees it
# (it has no write endpoints, but some views answer a POST with an error page).
READ_METHODS = ("GET", "HEAD", "OPTIONS")
# The articles table and its .json/.csv.
ARTICLES_DATA_PATH = re.compile(r"^/[^/]+/articles(\.[a-z]+)?$")
# Sorting by published goes through newest_first (published, then id) instead: Datasette 0.65
# pages through a sort column with ties inconsistently, skipping or repeating articles that
# share a date (in ?_stream=on CSV too), but pages through a unique column correctly.
SORT_REPLACEMENTS = {("_sort", "published"): "newest_first", ("_sort_desc", "published"): "newest_first"}
# Columns too heavy for a table page; each article's own page shows them.
HEAVY_COLUMNS = ("text", "html")

MARK_OPEN, MARK_CLOSE = "&lt;mark&gt;", "&lt;/mark&gt;"

# The longest string or blob any query may make or read (SQLITE_LIMIT_LENGTH): far above
# any article's text or HTML, far below what would hurt the server. A value past it fails
# the query at once ("string or blob too big").
MAX_VALUE_BYTES = 32 * 1024 * 1024
# The most memory SQLite may take in this process, every connection together
# (sqlite3_hard_heap_limit64): past it, a query fails with "out of memory".
HEAP_LIMIT_BYTES = 384 * 1024 * 1024
# SQL functions no query may call: printf() and format() repeat a character as often as
# a width or precision says, one step at a time, past the length cap (printf('%.*c',
# 999999999, 'x') runs for seconds inside one SQLite step, where no time limit reaches);
# fts3_tokenizer() hands out and takes raw pointers.
REFUSED_FUNCTIONS = frozenset({"printf", "format", "fts3_tokenizer"})
# The longest SQL text a visitor may send (SQLITE_LIMIT_SQL_LENGTH).
MAX_SQL_BYTES = 100_000
# Pages under /-/ a public publication keeps: Datasette's and its plugins' static files.
PUBLIC_INTERNAL_PATHS = ("/-/static/", "/-/static-plugins/")


def sanitise_html(html: str | None, base_url: str | None = None) -> markupsafe.Markup:
    """Stored article HTML made safe to render; relative links resolved against
    ``base_url`` (the article's address) when it is an http(s) URL."""
    if not html:
        return markupsafe.Markup("")
    attributes = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
    for tag, attrs in EXTRA_ATTRIBUTES.items():
        attributes.setdefault(tag, set()).update(attrs)
    options = {"attributes": attributes, "link_rel": LINK_REL}
    if base_url and urlsplit(base_url).scheme in ("http", "https"):
        options["url_relative"] = ("rewrite_with_base", base_url)
    try:
        cleaned = nh3.clean(html, **options)
    except TypeError:  # an nh3 without url_relative: keep relative URLs as they are
        options.pop("url_relative", None)
        cleaned = nh3.clean(html, **options)
    return markupsafe.Markup(cleaned)


# What a person types in the search box, piece by piece: a "quoted phrase" (its closing
# quote may be missing) or a run of anything else up to a space or a quote.
SEARCH_PIECE = re.compile(r'"([^"]*)"?|([^\s"]+)')


def fts_query(text: str | None) -> str:
    """A person's search as an FTS5 query that always parses. Every word must match;
    "a phrase" in quotes matches as a phrase; a word ending in * matches every word that
    starts with it (crawl* finds crawler); OR between two words or phrases matches either
    (and binds them, so river OR lake flood needs flood and one of the others). Anything
    else, punctuation and FTS5's own syntax included, is only words. An empty search
    matches nothing instead of failing.

    The command line's export and stats use this function too (through
    archive_spider.publish.site_plugin): this plugin depends on Datasette and nh3 only, so
    that the configuration can be published without archive-spider.
    """
    groups: list[list[str]] = []
    join_next = False
    for match in SEARCH_PIECE.finditer(text or ""):
        phrase, word = match.groups()
        if word == "OR":
            join_next = bool(groups)
            continue
        if word is not None:
            core = word.rstrip("*")
            term = f'"{core}"' + ("*" if core != word else "")
        else:
            core = phrase
            term = f'"{phrase}"'
        if not any(ch.isalnum() for ch in core):
            continue  # nothing the tokenizer would keep
        if join_next:
            groups[-1].append(term)
        else:
            groups.append([term])
        join_next = False
    # An explicit AND: FTS5 takes two phrases side by side as both required, but not a
    # phrase beside a parenthesised OR.
    return " AND ".join(g[0] if len(g) == 1 else "(" + " OR ".join(g) + ")" for g in groups) or '""'


def render_snippet(value: str) -> markupsafe.Markup:
    """Escape a snippet, then let only the <mark> highlights through."""
    escaped = str(markupsafe.escape(value))
    return markupsafe.Markup(escaped.replace(MARK_OPEN, "<mark>").replace(MARK_CLOSE, "</mark>"))


def http_url(url: str | None) -> str | None:
    """``url`` if it is an http(s) address, else None: a stored URL is only ever made a
    link when following it cannot run anything."""
    if url and urlsplit(url.strip()).scheme in ("http", "https"):
        return url.strip()
    return None


def text_paragraphs(text: str | None) -> list[str]:
    """Plain article text split into its paragraphs (separated by blank lines)."""
    return [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["sanitised_html"] = sanitise_html
    env.filters["http_url"] = http_url
    env.filters["text_paragraphs"] = text_paragraphs
    env.filters["snippet"] = render_snippet
    env.globals["search_url"] = search_url
    env.globals["visitor_url"] = visitor_url
    env.globals["visitor_filters"] = visitor_filters
    env.globals["visitor_link"] = visitor_link


def authorise(action, arg1, arg2, database, trigger):
    """SQLite authorizer: refuse the functions in REFUSED_FUNCTIONS, allow the rest."""
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in REFUSED_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def limit_connection(conn) -> None:
    """Bound what any query on ``conn`` can make: values of MAX_VALUE_BYTES, SQL of
    MAX_SQL_BYTES, SQLite's memory to HEAP_LIMIT_BYTES (process-wide; only ever lowered);
    and none of REFUSED_FUNCTIONS."""
    if hasattr(conn, "setlimit"):  # Python 3.11+
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
        conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, MAX_SQL_BYTES)
    current = conn.execute("pragma hard_heap_limit").fetchone()[0]
    if current == 0 or current > HEAP_LIMIT_BYTES:
        conn.execute(f"pragma hard_heap_limit = {HEAP_LIMIT_BYTES}")
    conn.set_authorizer(authorise)


@hookimpl
def prepare_connection(conn):
    conn.create_function("fts_query", 1, fts_query, deterministic=True)
    limit_connection(conn)


def article_link(datasette, database: str, pk, title) -> markupsafe.Markup:
    href = datasette.urls.row(database, "articles", str(pk))
    return markupsafe.Markup('<a href="{}">{}</a>').format(href, title or "(untitled)")


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if column != "title" and (table is not None or column != "snippet"):
        return None
    keys = row.keys()
    # Headlines link to the article page: in the articles table, and in query results
    # that name their article (article_id).
    if table == "articles" and "id" in keys:
        return article_link(datasette, database, row["id"], value)
    if table is None and column == "title" and "article_id" in keys and row["article_id"] is not None:
        return article_link(datasette, database, row["article_id"], value)
    if table is None and column == "snippet" and isinstance(value, str):
        return render_snippet(value)
    return None


# The search page (the canned query "search" as HTML): results per page, facets shown.
SEARCH_PAGE_SIZE = 20
SEARCH_FACETS = ("site", "tags", "year", "author")
# Facets over a JSON list column: one count per element (tags is a JSON list of strings).
LIST_FACETS = frozenset({"tags"})
SEARCH_FACET_VALUES = 8
# Matches of the search, ranked, with the page's filters (site, year, author); the copies
# of other articles left out; {filters} are the page's filters, {join} one more table (the
# elements of a list column, for its facet).
SEARCH_MATCHES = (
    "from articles_fts cross join articles on articles.id = articles_fts.rowid{join} "
    "where articles_fts match fts_query(:q) and articles.duplicate_of is null{filters}"
)


def search_filters(args) -> tuple[str, dict]:
    """SQL conditions and parameters for the search page's facet filters in ``args``."""
    sql, params = "", {}
    for name in SEARCH_FACETS:
        value = args.get(name)
        if value and name in LIST_FACETS:
            sql += f" and exists (select 1 from json_each(articles.[{name}]) where json_each.value = :f_{name})"
            params[f"f_{name}"] = value
        elif value:
            sql += f" and articles.[{name}] = :f_{name}"
            params[f"f_{name}"] = int(value) if name == "year" and value.isdigit() else value
    return sql, params


async def search_page(datasette, database: str, request) -> dict:
    """What the search page shows for ``request``'s ``q``: the number of matches, one page
    of them best first with highlighted snippets, facet counts over all of them, and
    the pages. An empty search shows only the box."""
    q = (request.args.get("q") or "").strip()
    if not q:
        return {"search": {"q": "", "total": 0, "results": [], "facets": {}, "filters": {}, "page": 1, "pages": 0}}
    try:
        page = max(1, int(request.args.get("page") or 1))
    except ValueError:
        page = 1
    db = datasette.get_database(database)
    filters, params = search_filters(request.args)
    params["q"] = q
    matches = SEARCH_MATCHES.format(filters=filters, join="")
    total = (await db.execute(f"select count(*) {matches}", params)).rows[0][0]
    rows = (await db.execute(
        "select articles.id, articles.title, articles.author, articles.published, articles.site, "
        "snippet(articles_fts, -1, '<mark>', '</mark>', ' … ', 32) as snippet "
        f"{matches} and articles_fts.rank match 'bm25(10.0, 1.0)' "
        f"order by articles_fts.rank limit {SEARCH_PAGE_SIZE} offset {(page - 1) * SEARCH_PAGE_SIZE}",
        params)).rows
    facets = {}
    for name in SEARCH_FACETS:
        if request.args.get(name):
            continue
        if name in LIST_FACETS:
            elements = SEARCH_MATCHES.format(filters=filters, join=f", json_each(articles.[{name}]) as element")
            sql = f"select element.value as value, count(*) as n {elements} and element.value is not null"
        else:
            sql = f"select articles.[{name}] as value, count(*) as n {matches} and articles.[{name}] is not null"
        try:
            counted = await db.execute(f"{sql} group by value order by n desc, value limit {SEARCH_FACET_VALUES}",
                                       params, custom_time_limit=1000)
        except Exception:  # a facet over a huge result may take too long: shown without it
            continue
        if len(counted.rows) > 1 or (counted.rows and counted.rows[0]["n"] < total):
            facets[name] = [(row["value"], row["n"]) for row in counted.rows]
    return {"search": {
        "q": q, "total": total, "page": page, "pages": -(-total // SEARCH_PAGE_SIZE),
        "first": (page - 1) * SEARCH_PAGE_SIZE + 1,
        "results": [dict(row) for row in rows], "facets": facets,
        "filters": {name: request.args.get(name) for name in SEARCH_FACETS if request.args.get(name)},
    }}


def search_url(path: str, args, **changes) -> str:
    """The search page's address with ``changes`` to its arguments (None drops one)."""
    pairs = {name: args.get(name) for name in ("q", "page", *SEARCH_FACETS) if args.get(name)}
    pairs.update(changes)
    pairs = {name: value for name, value in pairs.items() if value not in (None, "", 1) or name == "q"}
    return f"{path}?{urlencode(pairs)}"


@hookimpl
def extra_template_vars(view_name, database, table, request, datasette):
    # The canned query "search" (rendered by Datasette's table view, which hands canned
    # queries over to its query view).
    if request is not None and database is not None and request.path == datasette.urls.query(database, "search"):
        return search_page(datasette, database, request)
    if view_name == "table" and table == "articles" and request is not None \
            and request.scope.get("archive_added"):
        # The page's <link rel="alternate"> JSON, without the plugin's additions either.
        path, _, query = visitor_link(request).partition("?")
        return {"alternate_url_json": datasette.absolute_url(request, f"{path}.json" + (f"?{query}" if query else ""))}
    if view_name != "row" or table != "articles" or request is None:
        return {}

    async def article_revisions():
        pk = request.url_vars.get("pks", "")
        db = datasette.get_database(database)
        result = await db.execute(
            "select id, captured, title, word_count, words_changed from revisions "
            "where article_id = ? order by captured, id",
            [pk],
        )
        return {"article_revisions": [dict(row) for row in result.rows]}

    return article_revisions


def with_unique_sort(query_string: str) -> str | None:
    """The query string with a sort by published replaced by newest_first, or None if
    it does not sort by published."""
    pairs = parse_qsl(query_string, keep_blank_values=True)
    if not any(pair in SORT_REPLACEMENTS for pair in pairs):
        return None
    return urlencode([(name, SORT_REPLACEMENTS.get((name, value), value)) for name, value in pairs])


def without_facets_or_count(scope) -> bytes:
    """A CSV request's query string telling Datasette to skip facets and the row count,
    which a CSV does not show but which Datasette would otherwise compute for every page
    of a ?_stream=on export."""
    pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    names = {name for name, _ in pairs}
    pairs += [(name, "1") for name in ("_nofacet", "_nocount") if name not in names]
    return urlencode(pairs).encode("latin-1")


def without_heavy_columns(query_string: str) -> str | None:
    """The query string for the articles table page with the heavy columns left out,
    or None when the visitor already chose columns (``_col``/``_nocol``)."""
    pairs = parse_qsl(query_string, keep_blank_values=True)
    if any(name in ("_col", "_nocol") for name, _ in pairs):
        return None
    return urlencode(pairs + [("_nocol", column) for column in HEAVY_COLUMNS])


async def refuse_write(send) -> None:
    body = b"This archive is published read-only.\n"
    await send({"type": "http.response.start", "status": 405,
                "headers": [(b"allow", b"GET, HEAD, OPTIONS"),
                            (b"content-type", b"text/plain; charset=utf-8")]})
    await send({"type": "http.response.body", "body": body})


async def redirect(send, location: str) -> None:
    await send({"type": "http.response.start", "status": 302,
                "headers": [(b"location", location.encode("latin-1")),
                            (b"content-type", b"text/plain; charset=utf-8")]})
    await send({"type": "http.response.body", "body": b""})


def without_duplicates(query_string: str) -> str | None:
    """The query string for the articles table page with copies of other articles
    (``duplicate_of`` set) filtered out, or None when the visitor already filters on
    ``duplicate_of`` or asked for every row with ``_duplicates=1``."""
    pairs = parse_qsl(query_string, keep_blank_values=True)
    if any(name.startswith("duplicate_of") or name == "_duplicates" for name, _ in pairs):
        return None
    return urlencode(pairs + [("duplicate_of__isnull", "1")])


def table_view_requested(query_string: str) -> bool:
    """Whether the visitor asked for Datasette's own table layout (``_view=table``) rather
    than the readable list of articles."""
    return ("_view", "table") in parse_qsl(query_string, keep_blank_values=True)


def with_list_defaults(query_string: str) -> tuple[str, list[tuple[str, str]]]:
    """The articles list's query string with the heavy columns and the copies of other
    articles left out (unless the visitor chose columns, filters on ``duplicate_of`` or
    gave ``_duplicates=1``), and the pairs added. Datasette gets them; the page's links
    drop them again (``visitor_url``), so exports keep text and html, and no filter shows
    that the visitor did not set."""
    added = []
    for step in (without_heavy_columns, without_duplicates):
        changed = step(query_string)
        if changed is not None:
            added += parse_qsl(changed, keep_blank_values=True)[len(parse_qsl(query_string, keep_blank_values=True)):]
    pairs = parse_qsl(query_string, keep_blank_values=True) + added
    return urlencode(pairs), added


def visitor_url(url: str, request) -> str:
    """``url`` (a link Datasette made from the request) without the pairs the plugin
    added to the visitor's query (with_list_defaults)."""
    added = set(getattr(request, "scope", {}).get("archive_added", ()))
    if not added or "?" not in url:
        return url
    path, _, query = url.partition("?")
    pairs = [pair for pair in parse_qsl(query, keep_blank_values=True) if pair not in added]
    return f"{path}?{urlencode(pairs)}" if pairs else path


def visitor_link(request, set: dict | None = None, remove: tuple[str, str] | None = None) -> str:
    """This page's address with the visitor's own query (no added pairs, no ``_next``),
    ``remove`` (a name, value pair) left out and ``set``'s names given these values."""
    added = set_of(getattr(request, "scope", {}).get("archive_added", ()))
    changes = set or {}
    pairs = [(name, value) for name, value in parse_qsl(request.query_string, keep_blank_values=True)
             if (name, value) not in added and name != "_next" and (name, value) != remove and name not in changes]
    pairs += [(name, value) for name, value in changes.items() if value is not None]
    return f"{request.path}?{urlencode(pairs)}" if pairs else request.path


set_of = set


def visitor_filters(request) -> list[tuple[str, str]]:
    """The filters the visitor set on the articles list (column=value pairs), without the
    plugin's."""
    added = set(getattr(request, "scope", {}).get("archive_added", ()))
    return [(name, value) for name, value in parse_qsl(request.query_string, keep_blank_values=True)
            if not name.startswith("_") and (name, value) not in added]


def redirect_target(path: str, query_string: str, databases=None) -> str | None:
    """Where a request for the articles table should go instead, if anywhere: always a
    path of this archive, ``/<database>/articles`` of a database in ``databases`` (any
    name when None), never another site (``/\\evil.example/articles`` is no database)."""
    if not ARTICLES_DATA_PATH.match(path):
        return None
    database = path.split("/")[1]
    if (databases is not None and database not in databases) or not re.fullmatch(r"[\w.-]+", database):
        return None
    query = with_unique_sort(query_string)
    if query is None and ARTICLES_TABLE_PATH.match(path) and table_view_requested(query_string):
        changed = query_string
        for step in (without_heavy_columns, without_duplicates):
            changed = step(changed) or changed
        query = changed if changed != query_string else None
    return None if query is None else f"{path}?{query}"


def is_hidden_when_public(path: str, datasette) -> bool:
    """Whether ``path`` is an introspection page a public publication hides."""
    if datasette.setting("default_allow_sql") is not False:
        return False
    return path.startswith("/-/") and not path.startswith(PUBLIC_INTERNAL_PATHS)


async def not_found(send) -> None:
    await send({"type": "http.response.start", "status": 404,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
    await send({"type": "http.response.body", "body": b"Not found.\n"})


def with_csp(send, policy: str):
    """``send`` with the article page's Content-Security-Policy added to the response."""
    async def send_with_csp(event):
        if event["type"] == "http.response.start":
            headers = [h for h in event.get("headers", []) if h[0].lower() != b"content-security-policy"]
            headers.append((b"content-security-policy", policy.encode()))
            event = {**event, "headers": headers}
        await send(event)

    return send_with_csp


@hookimpl
def asgi_wrapper(datasette):
    policies: dict[str, str] = {}  # the article page's CSP, per database

    def wrap(app):
        async def archive_pages(scope, receive, send):
            if scope.get("type") != "http":
                await app(scope, receive, send)
                return
            if scope.get("method") not in READ_METHODS:
                await refuse_write(send)
                return
            path = scope.get("path", "")
            if is_hidden_when_public(path, datasette):
                await not_found(send)
                return
            target = redirect_target(path, scope.get("query_string", b"").decode("latin-1"),
                                     datasette.databases)
            if target is not None:
                await redirect(send, scope.get("root_path", "") + target)
                return
            if path.endswith(".csv"):
                scope = {**scope, "query_string": without_facets_or_count(scope)}
            query_string = scope.get("query_string", b"").decode("latin-1")
            if ARTICLES_TABLE_PATH.match(path) and not table_view_requested(query_string) \
                    and path.split("/")[1] in datasette.databases:
                query_string, added = with_list_defaults(query_string)
                scope = {**scope, "query_string": query_string.encode("latin-1"), "archive_added": added}
            if ARTICLE_PAGE_PATH.match(path):
                database = path.split("/")[1]
                if database not in policies:  # the plugins are fixed once Datasette runs
                    policies[database] = article_page_csp(await plugin_script_hashes(datasette, database))
                send = with_csp(send, policies[database])
            await app(scope, receive, send)

        return archive_pages

    return wrap
