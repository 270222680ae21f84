"""Raw pages kept: every fetched page of a crawl written to one WARC file.

``WarcMiddleware`` writes each successful response of the crawl (index pages, article
pages and their continuations) as a gzip-compressed WARC response record to
``<archive folder>/warc/<archive name>-<crawl id>.warc.gz`` and reports where it went
(``record_written`` signal); StorePipeline indexes it in the ``warc_records`` table. With
the pages kept, ``archive-spider reextract`` can run a newer extractor over them offline.

A page rendered in a browser (``--render``, browser.py) keeps both: the response record
as the server sent it, and the rendered DOM as a ``conversion`` record (WARC-Refers-To the
response record), indexed after it, so that ``reextract`` reads the DOM the crawl read.

Each record is its own gzip member and is flushed before it is indexed, so a crawl killed
mid-write leaves at worst a cut last record that no index row points to.
"""

from __future__ import annotations

import io
import logging
import os
from dataclasses import dataclass

from scrapy import signals
from scrapy.exceptions import NotConfigured
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive_spider import __version__
from archive_spider.archive import schema
from archive_spider.crawlcontext import CrawlContext
from archive_spider.vocabulary import PAGES, RECORD_ID, RENDERED, ROLE, Role
from archive_spider.urls import normalise_url
from archive_spider.writeguard import WriteGuard, is_disk_failure

logger = logging.getLogger(__name__)

# Sent with record= (a row for the warc_records table) after each record is flushed.
record_written = object()

# Scrapy hands middlewares the decoded body: headers describing the wire encoding would
# lie about the stored payload, so they are left out of the record.
WIRE_HEADERS = {b"content-encoding", b"transfer-encoding", b"content-length"}
# The Content-Type of a rendered DOM's record.
RENDERED_TYPE = "text/html; charset=utf-8"


def warc_dir_of(db_path: str | os.PathLike) -> str:
    """The folder of an archive's WARC files: ``warc/`` next to the database."""
    return os.path.join(os.path.dirname(os.path.abspath(os.fspath(db_path))), "warc")


def warc_name_for(db_path: str | os.PathLike, crawl_id: int | None) -> str:
    stem = os.path.splitext(os.path.basename(os.fspath(db_path)))[0]
    if crawl_id is None:
        return f"{stem}-{schema.utc_now().replace(':', '')}.warc.gz"
    return f"{stem}-crawl-{crawl_id:05d}.warc.gz"


class WarcFile:
    """One WARC file being appended to; ``write_response`` returns (offset, length)."""

    def __init__(self, path: str):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.path = path
        self.handle = open(path, "ab")
        self.writer = WARCWriter(self.handle, gzip=True)
        if self.handle.tell() == 0:
            self.writer.write_record(self.writer.create_warcinfo_record(
                os.path.basename(path), {"software": f"archive-spider/{__version__}", "format": "WARC/1.0"}))
            self.handle.flush()

    def write_response(self, url: str, status: int, reason: str, headers: list[tuple[str, str]],
                       body: bytes, fetched: str) -> tuple[int, int]:
        http_headers = StatusAndHeaders(f"{status} {reason}".strip(), headers, protocol="HTTP/1.1")
        record = self.writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), http_headers=http_headers,
            warc_headers_dict={"WARC-Date": fetched.replace("+00:00", "Z")},
        )
        return self._append(record)

    def write_rendered(self, url: str, body: bytes, fetched: str, refers_to: str | None) -> tuple[int, int]:
        """The page's DOM as a browser rendered it (UTF-8 HTML), as a ``conversion``
        record: another version of the response record ``refers_to``."""
        headers = {"WARC-Date": fetched.replace("+00:00", "Z")}
        if refers_to:
            headers["WARC-Refers-To"] = refers_to
        record = self.writer.create_warc_record(
            url, "conversion", payload=io.BytesIO(body), warc_content_type=RENDERED_TYPE,
            warc_headers_dict=headers,
        )
        return self._append(record)

    def _append(self, record) -> tuple[int, int]:
        offset = self.handle.tell()
        self.writer.write_record(record)
        self.handle.flush()
        self.last_record_id = record.rec_headers.get_header("WARC-Record-ID")
        return offset, self.handle.tell() - offset

    def close(self) -> None:
        try:
            self.handle.flush()
            os.fsync(self.handle.fileno())
        finally:
            self.handle.close()


@dataclass
class StoredPage:
    """One page read back from a WARC file."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes


def read_record(path: str, offset: int) -> StoredPage:
    """The response record (or a rendered page's conversion record) at ``offset`` of the
    WARC file at ``path``."""
    with open(path, "rb") as handle:
        handle.seek(offset)
        for record in ArchiveIterator(handle):
            if record.rec_type == "conversion":
                return StoredPage(
                    url=record.rec_headers.get_header("WARC-Target-URI"),
                    status=200,
                    headers={"content-type": record.rec_headers.get_header("Content-Type") or RENDERED_TYPE},
                    body=record.content_stream().read(),
                )
            if record.rec_type != "response":
                continue
            http = record.http_headers
            return StoredPage(
                url=record.rec_headers.get_header("WARC-Target-URI"),
                status=int(http.get_statuscode() or 0),
                headers={k.lower(): v for k, v in http.headers},
                body=record.content_stream().read(),
            )
    raise ValueError(f"no WARC response record at offset {offset} of {path}")


class WarcMiddleware:
    """Writes every 2xx response of the crawl's pages to the crawl's WARC file, and the
    DOM of each page rendered in a browser as a conversion record referring to it."""

    def __init__(self, crawler, db_path: str):
        self.crawler = crawler
        self.db_path = db_path
        self.folder = warc_dir_of(db_path)
        self.file: WarcFile | None = None
        self.guard = WriteGuard.of(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("ARCHIVE_WARC"):
            raise NotConfigured  # silently: a message would log a warning
        middleware = cls(crawler, crawler.settings.get("ARCHIVE_DB_PATH"))
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def _open(self) -> WarcFile:
        if self.file is None:
            crawl_id = CrawlContext.of(self.crawler).crawl_id
            self.file = WarcFile(os.path.join(self.folder, warc_name_for(self.db_path, crawl_id)))
        return self.file

    def process_response(self, request, response):
        role = request.meta.get(ROLE)
        if role is None or not 200 <= response.status < 300 or self.guard.stopped:
            return response
        fetched = schema.utc_now()
        headers = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, values in response.headers.items() if name.lower() not in WIRE_HEADERS
            for value in values
        ]
        headers.append(("Content-Length", str(len(response.body))))
        try:
            warc = self._open()
            if request.meta.get(RENDERED):
                offset, length = warc.write_rendered(response.url, response.body, fetched, request.meta.get(RECORD_ID))
            else:
                offset, length = warc.write_response(response.url, response.status, "", headers, response.body, fetched)
                request.meta[RECORD_ID] = warc.last_record_id
        except OSError as exc:
            self.crawler.stats.inc_value("archive/warc_errors")
            if is_disk_failure(exc):  # a full or read-only disk: the archive's too
                self.guard.fail(f"the WARC record of {response.url}", exc)
            else:
                logger.warning("Could not write %s to the WARC file: %s", response.url, exc)
            return response
        pages = request.meta.get(PAGES)  # a continuation carries its article's first pages
        article_url = normalise_url(pages[0][0]) if role == Role.CONTINUATION and pages else normalise_url(response.url)
        self.crawler.signals.send_catch_log(record_written, record={
            "url": normalise_url(response.url),
            "article_url": article_url,
            "role": role,
            "warc_file": os.path.relpath(warc.path, os.path.dirname(os.path.abspath(self.db_path))),
            "offset": offset,
            "length": length,
            "status": response.status,
            "fetched": fetched,
            "crawl_id": CrawlContext.of(self.crawler).crawl_id,
        })
        return response

    def spider_closed(self, reason: str) -> None:
        if self.file is not None:
            try:
                self.file.close()
            except OSError as exc:
                if not is_disk_failure(exc):
                    raise
                self.guard.fail("the end of the WARC file", exc)
            self.file = None
