"""Site health (health.py): the figures of a crawl, drift against a site's own history,
and, end to end through the real CLI, a site changing under the crawler in four ways."""

import json
import sqlite3

import pytest

from archive_spider.archive import queries, schema, writes
from archive_spider.health import Limits, container_of, detect_drift, rhythm_days

from . import healthsites
from .conftest import query, run_cli
from .sitekit import TestSite


# --- pure parts -----------------------------------------------------------------------------

def row(**figures):
    """A site_health row of a healthy crawl of a small site, with ``figures`` changed."""
    base = {"listed": 10, "article_pages": 5, "archived": 5, "article_yield": 1.0, "pages": 7, "blocked": 0,
            "status_403": 0, "status_429": 0, "failures": {}, "extracted": 5, "median_words": 600,
            "teasers": 5, "teaser_agreement": 1.0, "containers": {"div.entry-content": 5},
            "days_since_new": 1.0, "rhythm_days": 3.0}
    return {**base, **figures}


def checks(current, history, **limits):
    return [d.check for d in detect_drift(current, history, Limits(**limits))]


def test_noisy_but_unchanged_crawls_raise_nothing():
    history = [row(median_words=w, listed=n, extracted=e, article_pages=e, archived=e, teaser_agreement=t)
               for w, n, e, t in ((610, 10, 5, 1.0), (540, 5, 3, 0.67), (700, 12, 8, 0.88), (580, 5, 4, 1.0))]
    # fewer words, fewer listed, one teaser missed, a failure or two: all within a normal crawl
    current = row(median_words=420, listed=3, teaser_agreement=0.75, teasers=4,
                  failures={"http-error": 2, "timeout": 1}, pages=9)
    assert checks(current, history) == []


@pytest.mark.parametrize("change, check", [
    ({"listed": 0}, "listing-empty"),
    ({"article_yield": 0.0, "archived": 0, "extracted": 0, "median_words": None}, "not-archived"),
    ({"median_words": 40}, "words-collapsed"),
    ({"teaser_agreement": 0.2}, "teaser-agreement"),
    ({"containers": {"div.story-body": 5}}, "container-changed"),
    ({"failures": {"not-article:other": 5}, "pages": 7}, "new-failure-reason"),
    ({"blocked": 7, "status_403": 7, "failures": {"http-error": 7}}, "blocking"),
    ({"start_redirects": {"https://a.example/blog/": "https://a.example/news/"}}, "listing-moved"),
])
def test_each_change_is_flagged_against_one_earlier_crawl(change, check):
    assert checks(row(**change), [row()]) == [check]


def test_a_start_url_failing_is_flagged_when_it_answered_before():
    before = row(start_statuses={"https://a.example/blog/": 200, "https://a.example/feed/": 404})
    failing = {"https://a.example/blog/": 404, "https://a.example/feed/": 404}
    # the feed never existed: only the listing is news
    assert [d.message for d in detect_drift(row(start_statuses=failing), [before])] == [
        "start URL https://a.example/blog/ now answers 404"]
    assert checks(row(start_statuses=failing), [row(start_statuses=failing)]) == []


def test_a_start_url_that_always_redirected_the_same_way_is_no_change():
    moved = {"start_redirects": {"http://a.example/": "https://a.example/"}}
    assert checks(row(**moved), [row(**moved), row()]) == []
    assert checks(row(start_redirects={"http://a.example/": "https://a.example/login"}),
                  [row(**moved)]) == ["listing-moved"]
    # a new session id in the address each time is no move
    assert checks(row(start_redirects={"http://a.example/": "https://a.example/?sid=2"}),
                  [row(start_redirects={"http://a.example/": "https://a.example/?sid=1"})]) == []


def test_article_pages_not_archived_are_judged_against_the_sites_usual_share():
    # a site that always lists a page or two that are not articles (an about page, an alias)
    usual = [row(article_pages=4, article_yield=0.75), row(article_pages=14, article_yield=0.93)]
    assert checks(row(article_pages=4, article_yield=0.5), usual) == []
    assert checks(row(article_pages=4, article_yield=0.0), usual) == ["not-archived"]


def test_small_samples_and_short_history_are_not_judged():
    # two articles are too few to judge a median, a share or a container by
    assert checks(row(median_words=40, extracted=2, teaser_agreement=0.0, teasers=2,
                      containers={"div.other": 2}, article_pages=2, article_yield=0.0), [row()]) == []
    # a site that listed two articles listing none is a small site, not a broken one
    assert checks(row(listed=0), [row(listed=2)]) == []
    assert checks(row(median_words=40), [row()], min_history=2) == []
    assert checks(row(median_words=40), [row(), row()], min_history=2) == ["words-collapsed"]
    assert checks(row(median_words=40), []) == []


def test_a_change_that_persists_becomes_the_new_normal_once_it_is_half_the_window():
    history = [row()] * 4
    for _ in range(4):
        assert checks(row(median_words=100), history) == ["words-collapsed"]
        history = [row(median_words=100)] + history
    # five of nine earlier crawls had 100 words: now that is the site's usual
    assert checks(row(median_words=100), history) == []


def test_a_spread_out_history_needs_a_bigger_fall():
    spread = [row(median_words=w) for w in (300, 900, 500, 1200, 400)]
    assert checks(row(median_words=240), spread) == []
    assert checks(row(median_words=240), [row(median_words=w) for w in (600, 620, 590, 610, 605)]) \
        == ["words-collapsed"]


def test_a_failure_reason_the_site_always_had_is_not_new():
    history = [row(failures={"http-error": 3}, pages=40)]
    # incremental reruns fetch fewer pages: the same reason is a larger share of them
    assert checks(row(failures={"http-error": 3}, pages=8), history) == []
    assert checks(row(failures={"timeout": 4}, pages=8), history) == ["new-failure-reason"]


def test_quiet_is_judged_against_the_sites_rhythm_and_flagged_once():
    monthly = {"rhythm_days": 30.0}
    assert checks(row(days_since_new=7.0, **monthly), [row(days_since_new=0.0, **monthly)]) == []
    assert checks(row(days_since_new=100.0, **monthly), [row(days_since_new=60.0, **monthly)]) == []
    assert checks(row(days_since_new=121.0, **monthly), [row(days_since_new=60.0, **monthly)]) == ["quiet"]
    assert checks(row(days_since_new=130.0, **monthly), [row(days_since_new=121.0, **monthly)]) == []
    weekly = {"rhythm_days": 7.0}
    assert checks(row(days_since_new=29.0, **weekly), [row(days_since_new=20.0, **weekly)]) == ["quiet"]


def test_rhythm_is_the_median_gap_between_publication_days():
    assert rhythm_days(["2026-05-01", "2026-04-01", "2026-03-01", "2026-02-01", "2026-01-01"]) == 30.5  # 30, 31, 28, 31
    assert rhythm_days(["2026-05-08T10:00:00", "2026-05-07", "2026-05-07", "2026-05-01", "2026-04-30",
                        "2026-04-29"]) == 1.0
    assert rhythm_days(["2026-05-01", "2026-04-01", None, "bad date!"]) is None


def test_container_is_found_by_the_text_it_holds_ignoring_per_article_names():
    page = """<html><body><nav><p>Home and about and contact and all the other places to go</p></nav>
    <article id="post-481" class="post-481 post hentry"><div class="entry-content">
    <p>The harbour wall was built in three summers by men who <a href="/x">never</a> saw it finished.</p>
    <p>Second paragraph of the story, long enough to be a probe as well as the first one.</p>
    </div></article></body></html>"""
    text = ("The harbour wall was built in three summers by men who never saw it finished.\n\n"
            "Second paragraph of the story, long enough to be a probe as well as the first one.")
    assert container_of(page, text) == "div.entry-content"
    bare = page.replace('<div class="entry-content">', "<div>")
    assert container_of(bare, text) == "article.hentry.post > div"
    lines = "<html><body><div id='story'>The harbour wall was built in three summers by men<br>more</div></body></html>"
    assert container_of(lines, "The harbour wall was built in three summers by men\n\nmore") == "div#story"
    assert container_of(page, "Nothing of this is in the page at all, not one sentence of it.") is None


def test_site_health_rows_round_trip(fresh_db):
    crawl_id = writes.start_crawl(fresh_db, ["https://example.org/"])
    figures = row(failures={"timeout": 2})
    writes.record_site_health(fresh_db, crawl_id, "example.org", schema.utc_now(), figures,
                               [{"check": "blocking", "message": "m"}], "Site example.org changed: m")
    writes.record_site_health(fresh_db, crawl_id, "example.org", schema.utc_now(), figures, [], None)
    (stored,) = queries.latest_site_health(fresh_db)
    assert stored["failures"] == {"timeout": 2} and stored["containers"] == {"div.entry-content": 5}
    assert stored["flagged"] == 0 and stored["drift"] == []
    assert queries.site_health_history(fresh_db, "example.org", crawl_id + 1, 10)[0]["id"] == stored["id"]
    assert queries.site_health_history(fresh_db, "example.org", crawl_id, 10) == []


# --- end to end: the real CLI against a local site that changes between crawls -------------

# The magazine sends no validators and publishes nothing between these crawls, so only
# canaries (off by default: a rerun fetches no known article in full) show its article pages.
CRAWL = ("--concurrency", "8", "--workers", "0", "-s", "ARCHIVE_HEALTH_CANARIES=3")
ITEMS = healthsites.posts(8, every_days=7)


def crawl(site, db_path, *extra):
    return run_cli("crawl", f"{site.url}/blog/", "--db", db_path, *CRAWL, *extra)


def health_rows(db_path):
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("select * from site_health order by crawl_id")]
    finally:
        conn.close()


def copy_archive(source, target):
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


@pytest.fixture(scope="module")
def magazine(tmp_path_factory):
    """The magazine served on 127.0.0.1, crawled twice unchanged (a first crawl, a rerun)."""
    db_path = tmp_path_factory.mktemp("health") / "baseline.db"
    with TestSite(healthsites.build(ITEMS)) as site:
        for _ in range(2):
            result = crawl(site, db_path, "--fail-on-drift")
            assert result.returncode == 0, result.stderr[-3000:]
            assert "WARNING" not in result.stderr, result.stderr
        yield site, db_path




@pytest.mark.e2e
@pytest.mark.parametrize("variant, expected", [
    ("container-renamed", "article container changed from div.entry-content to div.story-body"),
    ("javascript", "0 of 3 article pages archived (usually 100%); "
                   "failure reason too-short dominates: 3 pages (never before)"),
    ("listing-moved", "the listing yielded no articles (usually 8)"),
    ("forbidden", "blocking started: 403 on 1 of 1 requests"),
    ("listing-redirected", "start URL {site}/blog/ now redirects to {site}/stories/"),
    ("listing-gone", "the listing yielded no articles (usually 8); start URL {site}/blog/ now answers 404"),
])
def test_a_site_changing_under_the_crawler_is_flagged_on_that_crawl(magazine, tmp_path, variant, expected):
    site, baseline = magazine
    db_path = copy_archive(baseline, tmp_path / "archive.db")
    site.pages = healthsites.build(ITEMS, variant)(site.url)
    try:
        result = crawl(site, db_path, "--fail-on-drift")
    finally:
        site.pages = healthsites.build(ITEMS)(site.url)
    assert result.returncode == 5, result.stderr[-3000:]
    warnings = [line for line in result.stderr.splitlines() if "WARNING: Site " in line]
    assert len(warnings) == 1, result.stderr
    expected = expected.format(site=site.url)
    assert warnings[0].endswith(f"[archive_spider.health] WARNING: Site {site.url.split('//', 1)[1]} changed: {expected}")
    rows = health_rows(db_path)
    # flagged on the crawl where it happened, and not before
    assert [r["flagged"] for r in rows] == [0, 0, 1]
    assert expected in rows[-1]["message"]
    # without --fail-on-drift the exit status is the crawl's own
    plain = run_cli("crawl", f"{site.url}/blog/", "--db", copy_archive(baseline, tmp_path / "again.db"), *CRAWL)
    assert plain.returncode == 0, plain.stderr[-3000:]


@pytest.mark.e2e
def test_ten_reruns_of_an_unchanged_site_raise_no_flag(tmp_path):
    """The site keeps publishing (a new story on some reruns) and keeps its template."""
    db_path = tmp_path / "archive.db"
    items = healthsites.posts(14, every_days=3)
    published = items[4:]
    with TestSite(healthsites.build(published)) as site:
        for run in range(11):
            if run in (3, 6, 9):  # a new story at the top of the listing
                published = items[len(items) - len(published) - 1:]
                site.pages = healthsites.build(published)(site.url)
            result = crawl(site, db_path, "--fail-on-drift")
            assert result.returncode == 0, (run, result.stderr[-3000:])
            assert "WARNING" not in result.stderr, (run, result.stderr)
    rows = health_rows(db_path)
    assert len(rows) == 11 and not any(r["flagged"] for r in rows)
    # every rerun looked at the site's article pages (canaries when nothing was new)
    assert all(r["extracted"] >= 3 and r["containers"] for r in rows)
    assert [r["new"] for r in rows] == [10, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0]
    assert query(db_path, "select count(*) from articles") == [(13,)]


@pytest.mark.e2e
def test_a_monthly_site_is_not_flagged_after_a_quiet_week_but_is_after_four_months(tmp_path):
    db_path = tmp_path / "archive.db"
    items = healthsites.posts(6, every_days=30)

    def weeks_pass(days):
        """Move the archive's clock back: its articles and crawls happened ``days`` earlier."""
        shift = f"-{days} days"
        with sqlite3.connect(db_path) as conn:
            conn.execute("update articles set first_seen = strftime('%Y-%m-%dT%H:%M:%S+00:00', first_seen, ?)",
                         [shift])
            conn.execute("update site_health set last_new = strftime('%Y-%m-%dT%H:%M:%S+00:00', last_new, ?)",
                         [shift])

    with TestSite(healthsites.build(items)) as site:
        assert crawl(site, db_path, "--fail-on-drift").returncode == 0
        weeks_pass(7)
        quiet_week = crawl(site, db_path, "--fail-on-drift")
        assert quiet_week.returncode == 0 and "WARNING" not in quiet_week.stderr, quiet_week.stderr
        assert round(health_rows(db_path)[-1]["days_since_new"]) == 7
        weeks_pass(120)
        silent = crawl(site, db_path, "--fail-on-drift")
    assert silent.returncode == 5, silent.stderr
    assert f"WARNING: Site {site.url.split('//', 1)[1]} changed: no new article for 127 days (usually one every 30)" in silent.stderr
    assert [r["flagged"] for r in health_rows(db_path)] == [0, 0, 1]


def test_stats_health_shows_each_sites_latest_crawl_with_its_trend_and_changes(tmp_path):
    db_path = tmp_path / "archive.db"
    db = schema.open_db(db_path)
    for words, drift in ((600, []), (620, []), (150, [{"check": "words-collapsed", "message": "median word count "
                                                       "fell to 150 (usually 610)"}])):
        crawl_id = writes.start_crawl(db, ["https://example.org/"])
        writes.record_site_health(db, crawl_id, "example.org", schema.utc_now(),
                                   row(median_words=words, failures={"timeout": 1}), drift,
                                   "Site example.org changed: ..." if drift else None)
        writes.record_site_health(db, crawl_id, "other.example", schema.utc_now(), row(), [], None)
    db.close()
    text = run_cli("stats", "--health", "--db", db_path)
    assert text.returncode == 0, text.stderr
    assert "example.org (crawl 3, " in text.stdout and "): CHANGED" in text.stdout
    assert "median 150 words, usually 610 (-75%)" in text.stdout
    assert "changed: median word count fell to 150 (usually 610)" in text.stdout
    assert "not archived: timeout 1" in text.stdout
    assert "other.example (crawl 3, " in text.stdout
    one = run_cli("stats", "--health", "--json", "--site", "example.org", "--crawls", "2", "--db", db_path)
    (entry,) = json.loads(one.stdout)
    assert entry["site"] == "example.org" and entry["words_trend"] == -0.754
    assert [c["crawl_id"] for c in entry["crawls"]] == [3, 2]
    assert entry["latest"]["drift"][0]["check"] == "words-collapsed"
    assert run_cli("stats", "--site", "example.org", "--db", db_path).returncode == 2


@pytest.mark.e2e
def test_with_health_off_there_are_no_rows_and_no_canaries(tmp_path):
    db_path = tmp_path / "archive.db"
    with TestSite(healthsites.build(ITEMS)) as site:
        first = crawl(site, db_path, "-s", "ARCHIVE_HEALTH=False")
        assert first.returncode == 0, first.stderr[-3000:]
        before = len(site.requests)
        again = crawl(site, db_path, "-s", "ARCHIVE_HEALTH=False")
        assert again.returncode == 0, again.stderr[-3000:]
        rerun = [path for _, path, _ in site.requests[before:]]
    assert "0 unchanged" in again.stdout and "8 skipped" in again.stdout, again.stdout
    assert not any(path.startswith("/posts/") for path in rerun), rerun
    assert query(db_path, "select count(*) from site_health") == [(0,)]
