"""scrapy-playwright's download handler as a crawl that renders only some pages needs it.

Imported and made by ``browser.Renderer`` at the first page to render, and used for the
renders alone (``meta["playwright"]``): Scrapy's own HTTP handler fetches every page, as
in a crawl that renders nothing, which never loads Playwright.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from urllib.parse import urlsplit

from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from archive_spider import safety

logger = logging.getLogger(__name__)

# Resource types the browser does not load: the DOM does not need them.
SKIPPED_RESOURCES = frozenset({"image", "media", "font"})
# Seconds between two measurements of the browser's memory.
MEMORY_CHECK_EVERY = 2.0


class BrowserHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's download handler, started at the first page to render
    (not when the engine starts: a crawl that renders nothing starts no browser),
    refusing requests a crawler's browser must not make, and measuring the browser's
    memory."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.crawler = crawler
        self.launch_error: str | None = None
        self._started = False
        self._start_lock = asyncio.Lock()
        self._last_memory_check = 0.0
        self._trusted = None
        self._address_cache: dict[str, bool] = {}
        self.abort_request = self.should_abort

    # scrapy-playwright starts Playwright when the engine starts: not here.
    def _engine_started(self):
        return None

    async def _maybe_launch_in_thread(self) -> None:
        return None

    async def _download_request(self, request, spider=None):
        async with self._start_lock:
            if not self._started:
                try:
                    await self._launch()
                except Exception as exc:
                    self.launch_error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
                    raise
                self._started = True
        return await super()._download_request(request, spider)

    async def _maybe_launch_browser(self) -> None:
        first = not hasattr(self, "browser")
        try:
            await super()._maybe_launch_browser()
        except Exception as exc:
            self.launch_error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
            raise
        if first and hasattr(self, "browser"):
            self.launch_error = None
            self.stats.inc_value("archive/render/browser_started")
            logger.info("Browser started: %s", self.config.launch_options.get("executable_path"))

    async def should_abort(self, pw_request) -> bool:
        """Images, media and fonts; and anything at an internal address (private,
        loopback, link-local) other than the start URLs' and allowed hosts'."""
        if pw_request.resource_type in SKIPPED_RESOURCES:
            return True
        parts = urlsplit(pw_request.url)
        if parts.scheme not in ("http", "https"):
            return parts.scheme not in ("data", "blob")
        blocked = await self.is_internal_untrusted(parts)
        if blocked:
            self.stats.inc_value("archive/render/blocked_requests")
            logger.info("Browser request to an internal address refused: %s", pw_request.url)
        return blocked

    async def is_internal_untrusted(self, parts) -> bool:
        host = (parts.hostname or "").rstrip(".")
        try:
            port = parts.port or safety.DEFAULT_PORTS.get(parts.scheme)
        except ValueError:
            return True
        if self._trusted is None:
            self._trusted = safety.trusted_origins(self.crawler)
        origins, hosts = self._trusted
        if (host, port) in origins or host in hosts:
            return False
        key = host.lower()
        if key not in self._address_cache:
            addresses = safety.literal_addresses(host)
            if addresses is None:
                loop = asyncio.get_running_loop()
                addresses = await loop.run_in_executor(None, safety.resolve_addresses, host)
            self._address_cache[key] = any(safety.is_internal_address(a) for a in addresses)
        return self._address_cache[key]

    async def check_memory(self, context: str, cap_mb: int) -> None:
        """Close ``context`` (free now) when the browser uses more than ``cap_mb``;
        its next page opens a fresh one."""
        now = time.monotonic()
        if not cap_mb or now - self._last_memory_check < MEMORY_CHECK_EVERY:
            return
        self._last_memory_check = now
        used = browser_memory_mb()
        if used is None:
            return
        peak = self.stats.get_value("archive/render/memory_peak_mb") or 0
        if used > peak:
            self.stats.set_value("archive/render/memory_peak_mb", used)
        wrapper = self.context_wrappers.get(context)
        if used > cap_mb and wrapper is not None:
            logger.info("Browser uses %d MB (cap %d MB): closing context %s", used, cap_mb, context)
            self.stats.inc_value("archive/render/contexts_recycled")
            try:
                await wrapper.context.close()
            except Exception as exc:  # already closed with a crashed browser
                logger.debug("Closing context %s: %s", context, exc)


def browser_processes():
    """The browser's processes: descendants of this process named like Chromium."""
    try:
        import psutil
    except ImportError:
        return []
    try:
        children = psutil.Process(os.getpid()).children(recursive=True)
    except psutil.Error:
        return []
    found = []
    for child in children:
        try:
            if "chrom" in child.name().lower():
                found.append(child)
        except psutil.Error:
            continue
    return found


def browser_memory_mb() -> int | None:
    """Memory of the browser's processes in MB (proportional set size: shared pages
    counted once over the processes sharing them); None when it cannot be measured."""
    processes = browser_processes()
    if not processes:
        return None
    total = 0
    for process in processes:
        try:
            info = process.memory_full_info()
        except Exception:  # gone meanwhile, or no permission
            continue
        total += getattr(info, "pss", None) or info.rss
    return total // (1024 * 1024)
