"""The archive: one SQLite file, and the only code that writes it.

- ``schema.py``: the tables (``ARTICLE_COLUMNS``, ``CRAWL_COUNTS``, the migrations),
  opening a file (``open_db``: created, checked, migrated), the read-only and writability
  checks, and ``ArchiveError``, the one error every archive module raises;
- ``connection.py``: a crawl's one connection (``CrawlArchive.of(crawler)``);
- ``writes.py``: everything a crawl, the ingester or ``reextract`` stores (articles and
  revisions, crawls, failures, validators, WARC index rows, teasers, boilerplate counts,
  full listings, site health), one transaction per call;
- ``queries.py``: the reads (an article by its addresses, revisit state, boilerplate,
  listing times, ``stats``, failures, site health);
- ``upkeep.py``: ``delete-site``, ``prune-revisions`` and ``vacuum``;
- ``export.py``: streaming export (CSV, JSON, JSON Lines);
- ``failures.py``: why a page is not archived (the reasons, the crawl's FailureLog);
- ``site_boilerplate.py``: counting paragraphs that recur across a site's articles;
- ``warc.py``: the crawl's WARC files; ``locking.py``: one writer per archive.

SQL that changes rows or the schema lives in ``schema.py``, ``writes.py`` and
``upkeep.py`` only; the rest of the package, ``failures.py``, ``listing.py`` and
``health.py`` included, writes through ``writes.py``.
"""
