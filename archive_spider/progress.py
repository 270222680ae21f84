"""A live progress line on a terminal: pages fetched, articles new/updated, errors, rate.

Enabled by ARCHIVE_PROGRESS (``archive-spider crawl`` turns it on when standard error is
a terminal); cron and pipes never see it. The line is redrawn in place on standard error
and cleared when the crawl ends, leaving only the summary line.
"""

from __future__ import annotations

import logging
import shutil
import sys
import time

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet.task import LoopingCall

# Seconds between redraws.
REFRESH_SECONDS = 0.5


def format_progress(stats: dict, seconds: float) -> str:
    """One line of figures from Scrapy's stats of a running crawl."""
    from archive_spider.pipelines import crawl_counts

    counts = crawl_counts(stats)
    pages = counts["pages"] + counts["not_modified"]
    rate = pages / seconds if seconds > 0 else 0.0
    return (
        f"{pages} pages ({rate:.1f}/s), {stats.get('item_scraped_count', 0)} articles extracted: "
        f"{counts['new']} new, {counts['updated']} updated, {counts['not_modified']} not modified, "
        f"{counts['skipped']} skipped, {counts['errors']} errors"
    )


class ProgressLine:
    """Redraws the progress line every REFRESH_SECONDS while the spider runs."""

    def __init__(self, crawler, stream=None):
        self.stats = crawler.stats
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.task: LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("ARCHIVE_PROGRESS"):
            raise NotConfigured  # silently: a message would log a warning
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self) -> None:
        self.started = time.monotonic()
        # A warning printed to the same stream would run on from the end of the line.
        for handler in self._log_handlers():
            handler.addFilter(self.clear_line)
        self.task = LoopingCall(self.draw)
        self.task.start(REFRESH_SECONDS, now=False)

    def _log_handlers(self) -> list[logging.Handler]:
        return [h for h in logging.getLogger().handlers
                if isinstance(h, logging.StreamHandler) and getattr(h, "stream", None) is self.stream]

    def clear_line(self, record: logging.LogRecord) -> bool:
        self.stream.write("\r\x1b[K")
        return True

    def draw(self) -> None:
        width = shutil.get_terminal_size((100, 20)).columns - 1
        line = format_progress(self.stats.get_stats(), time.monotonic() - self.started)
        self.stream.write("\r" + line[:width] + "\x1b[K")
        self.stream.flush()

    def spider_closed(self) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        for handler in self._log_handlers():
            handler.removeFilter(self.clear_line)
        self.stream.write("\r\x1b[K")
        self.stream.flush()
