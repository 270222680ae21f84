"""Rendering pages in a real browser, through scrapy-playwright, when (and only when) needed.

Installed by :func:`setup_rendering` only when some site of the crawl may be rendered
(``ARCHIVE_RENDER`` or a site's ``render`` is ``auto`` or ``always``); with ``never``
nothing here is loaded and Scrapy's own download handler fetches every page.

Every page is first fetched over plain HTTP, through the usual middlewares (revisit
policy, safety, failures, WARC). :meth:`Renderer.maybe_render` then decides
(``rendering.py``) whether the page needs a browser; if so it renders it and hands the
spider the rendered page in place of the static one, so the rendered DOM goes through the
same discovery, extraction and storage as any page. The render is one more download
through the same downloader middlewares, around scrapy-playwright's handler instead of
Scrapy's HTTP handler (which keeps fetching every page, untouched; Playwright is not even
imported before the first page to render):

* the browser is fed the static body the crawl already holds for the page itself (no
  second fetch of the document; the page's scripts and data requests do go to the site);
* ``WarcMiddleware`` writes the rendered DOM as a WARC ``conversion`` record referring to
  the page's ``response`` record;
* listings (start and index pages) are expanded first: "Load more" clicked, or the page
  scrolled, until no new links appear (``ARCHIVE_RENDER_MAX_ROUNDS``).

Bounded cost: ``ARCHIVE_RENDER_CONCURRENCY`` browser contexts, one page each, at once;
``ARCHIVE_RENDER_TIMEOUT`` per page; a context is closed (its renderer processes freed)
whenever the browser's memory is over ``ARCHIVE_RENDER_MAX_MEMORY``. Images, media and
fonts are not loaded, nor anything at an internal address other than the trusted start
hosts'. The browser starts at the first page that needs it, never for a crawl that needs
none; when it cannot start, or a page fails to render, the crawl goes on with the static
page and records ``not-rendered`` in ``failures``.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response

from archive_spider import rendering
from archive_spider.archive.failures import FailureLog
from archive_spider.vocabulary import CONDITIONAL, LISTING_ROLES, RENDERED, ROLE

logger = logging.getLogger(__name__)

# Waiting for more links after a click or a scroll, per round (milliseconds).
SETTLE_MS = 1500
# A page is drawn once none of its requests has been in flight for this long (ms).
QUIET_MS = 300
# Seconds a quiet page still all but empty is given to fill itself (a timer, a splash).
EMPTY_WAIT = 3.0
# Longest wait for a page to go quiet (ms): one that never does (long polling, a ticker)
# is read then, not failed.
MAX_SETTLE_MS = 8000
# Browser flags for a crawler: no sandbox (containers, root), no GPU, nothing phoning home.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--mute-audio",
]


class RenderFailed(IgnoreRequest):
    """A page could not be rendered (the browser did not start, a timeout, a crash)."""


@dataclass(frozen=True)
class RenderConfig:
    mode: str  # the crawl-wide mode; sites may say otherwise
    concurrency: int
    timeout: float  # seconds per page
    max_memory_mb: int  # 0: no cap
    max_rounds: int  # "Load more" clicks or scrolls per listing page
    sample_pages: int
    chromium: str

    @classmethod
    def from_settings(cls, settings) -> RenderConfig:
        return cls(
            mode=crawl_mode(settings),
            concurrency=max(1, settings.getint("ARCHIVE_RENDER_CONCURRENCY")),
            timeout=settings.getfloat("ARCHIVE_RENDER_TIMEOUT"),
            max_memory_mb=settings.getint("ARCHIVE_RENDER_MAX_MEMORY"),
            max_rounds=settings.getint("ARCHIVE_RENDER_MAX_ROUNDS"),
            sample_pages=settings.getint("ARCHIVE_RENDER_SAMPLE_PAGES"),
            chromium=settings.get("ARCHIVE_RENDER_CHROMIUM"),
        )


def crawl_mode(settings) -> str:
    """The crawl-wide render mode (``ARCHIVE_RENDER``)."""
    return rendering.parse_mode(settings.get("ARCHIVE_RENDER"))


def setup_rendering(crawler, sites) -> Renderer | None:
    """Install rendering for a crawl whose sites may need it (from the spider's
    ``from_crawler``, while settings may change); None when every site is ``never``."""
    mode = crawl_mode(crawler.settings)
    modes = {site.name: site.render or mode for site in sites}
    if all(mode == rendering.NEVER for mode in modes.values()):
        return None
    config = RenderConfig.from_settings(crawler.settings)
    renderer = Renderer(crawler, config, modes)
    if importlib.util.find_spec("scrapy_playwright") is None:  # found, not imported: that waits for a render
        renderer.unavailable("scrapy-playwright is not installed (pip install 'archive-spider[render]')")
        return renderer
    settings = crawler.settings
    if settings.frozen:
        renderer.unavailable("settings were frozen before the spider could set the browser up")
        return renderer
    # scrapy-playwright's handler is made at the first page to render, and only renders:
    # Scrapy's own HTTP handler keeps fetching every page.
    settings.setdict({
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": config.chromium, "headless": True, "args": CHROMIUM_ARGS,
                                      "timeout": config.timeout * 1000},
        "PLAYWRIGHT_MAX_CONTEXTS": config.concurrency,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 1,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": config.timeout * 1000,
        # a crashed browser is started again at the next page
        "PLAYWRIGHT_RESTART_DISCONNECTED_BROWSER": True,
    }, priority="spider")
    crawler.signals.connect(renderer.close, signal=signals.spider_closed)
    return renderer


class Renderer:
    """The spider's side: which pages to render, a pool of browser contexts to render
    them in, and what each site has shown so far (``rendering.RenderMemory``)."""

    def __init__(self, crawler, config: RenderConfig, modes: dict[str, str]):
        self.crawler = crawler
        self.config = config
        self.modes = modes
        self.memory = rendering.RenderMemory(sample=config.sample_pages)
        self.why_unavailable: str | None = None
        self._said_unavailable = False
        self._slots: asyncio.Semaphore | None = None
        self._free_contexts = [f"render-{i}" for i in range(config.concurrency)]
        self.handler = None  # browser_handler.BrowserHandler, made at the first render
        for site, mode in modes.items():
            if mode != rendering.NEVER:
                logger.info("Rendering for site %s: %s", site, mode)

    @property
    def stats(self):
        return self.crawler.stats  # set once the crawl starts, after the spider is made

    @property
    def failures(self) -> FailureLog:
        return FailureLog.of(self.crawler)

    def unavailable(self, why: str) -> None:
        """No rendering for the rest of the crawl: pages that need it are recorded (and
        the reason logged at the first, so a crawl that needs no browser says nothing)."""
        if self.why_unavailable is None:
            self.why_unavailable = why

    def mode_of(self, site) -> str:
        if site is None:
            return self.config.mode
        return self.modes.get(site.name, site.render or self.config.mode)

    async def maybe_render(self, response: HtmlResponse, site) -> HtmlResponse:
        """The page to read: ``response`` itself, or the page rendered in the browser when
        the site's mode (and, under ``auto``, the page or the site's verdict) asks for it."""
        mode = self.mode_of(site)
        if mode == rendering.NEVER:
            return response
        name = site.name if site is not None else (urlsplit(response.url).hostname or "")
        static = None
        if mode == rendering.AUTO:
            verdict = self.memory.verdict(name)
            if verdict == rendering.STATIC:
                return response
            if verdict == rendering.UNDECIDED:
                text = response.text
                static = rendering.read_signals(text) if rendering.has_script(text) else None
                listing = response.meta.get(ROLE) in LISTING_ROLES
                decision = rendering.decide(static, listing) if static is not None else rendering.NO_RENDER
                if not decision.render:
                    if self.memory.note_static(name) == rendering.STATIC:
                        logger.info("Site %s reads without a browser: its pages are not rendered", name)
                    return response
                reason = decision.reason
            else:
                reason = "site"
        else:
            reason = "always"
        self.stats.inc_value(f"archive/render/reason/{reason}")
        rendered = await self.render(response, reason)
        if rendered is None:
            return response
        if static is not None:
            helped = rendering.rendering_helped(static, rendering.read_signals(rendered.text))
            if self.memory.note_rendered(name, helped) == rendering.BROWSER and helped:
                self.stats.inc_value("archive/render/sites_needing_browser")
                logger.info("Site %s needs the browser: its pages are rendered from now on", name)
        return rendered

    async def render(self, response: HtmlResponse, reason: str) -> HtmlResponse | None:
        """``response``'s page rendered in a browser context of the pool; None (recorded
        as ``not-rendered``) when it could not be."""
        if self.why_unavailable is not None:
            if not self._said_unavailable:
                self._said_unavailable = True
                logger.error("Pages that need a browser will not be rendered: %s", self.why_unavailable)
            self.failures.record(response.url, "not-rendered", detail=f"{reason}: {self.why_unavailable}")
            return None
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.config.concurrency)
        async with self._slots:
            context = self._free_contexts.pop()
            started = time.monotonic()
            try:
                # the downloader's middlewares, as for any page (WARC, checks, decoding),
                # around the browser instead of Scrapy's HTTP handler
                rendered = await self.crawler.engine.downloader.middleware.download_async(
                    self.download_in_browser, self.render_request(response, context))
            except Exception as exc:  # RenderFailed, or a middleware's refusal
                return self.render_failed(response, reason, exc)
            finally:
                self._free_contexts.append(context)
            if self.handler is not None:
                await self.handler.check_memory(context, self.config.max_memory_mb)
        if not isinstance(rendered, HtmlResponse) or rendered.status != 200:
            return self.render_failed(response, reason, f"the browser got {getattr(rendered, 'status', '?')}")
        self.stats.inc_value("archive/render/pages")
        self.stats.inc_value("archive/render/seconds", round(time.monotonic() - started, 3))
        # the address the page was fetched at, whatever the app wrote into the location bar
        return rendered.replace(url=response.url)

    async def download_in_browser(self, request: scrapy.Request) -> Response:
        """The download function the middlewares wrap: scrapy-playwright's handler. Any
        exception is a RenderFailed, which no middleware retries or records as a failed
        page (the page was fetched; only its rendering failed, and render_failed says so)."""
        try:
            if self.handler is None:
                from archive_spider.browser_handler import BrowserHandler

                self.handler = BrowserHandler(self.crawler)
            return await self.handler.download_request(request)
        except Exception as exc:
            raise RenderFailed(f"render failed: {type(exc).__name__}") from exc

    async def close(self) -> None:
        """Close the browser (spider_closed)."""
        if self.handler is not None:
            handler, self.handler = self.handler, None
            try:
                await handler.close()
            except Exception as exc:  # a browser that crashed on its way out
                logger.warning("Closing the browser: %s", exc)

    def render_failed(self, response: Response, reason: str, exc) -> None:
        if self.handler is not None and self.handler.launch_error is not None and self.why_unavailable is None:
            self.unavailable(f"the browser did not start ({self.handler.launch_error})")
            self._said_unavailable = True
            logger.error("Pages that need a browser will not be rendered: %s", self.why_unavailable)
        detail = str(exc.__cause__ or exc) if isinstance(exc, BaseException) else str(exc)
        self.stats.inc_value("archive/render/failed")
        self.failures.record(response.url, "not-rendered", detail=f"{reason}: {detail.splitlines()[0][:300] if detail else type(exc).__name__}")
        return None

    def render_request(self, response: HtmlResponse, context: str) -> scrapy.Request:
        """The download that renders ``response``'s page: the same meta (role, site,
        teaser...), played in browser context ``context``."""
        from scrapy_playwright.page import PageMethod

        meta = {k: v for k, v in response.meta.items() if not k.startswith(("playwright", "download_", CONDITIONAL))}
        timeout_ms = self.config.timeout * 1000
        session = PageSession(response.url, response.body)
        meta.update({
            RENDERED: True,
            "dont_retry": True,
            "dont_redirect": True,
            "playwright": True,
            "playwright_context": context,
            "playwright_context_kwargs": {"service_workers": "block", "java_script_enabled": True},
            "playwright_page_init_callback": session,
            "playwright_page_goto_kwargs": {"wait_until": "load", "timeout": timeout_ms},
            "playwright_page_methods": [PageMethod(session.settle, min(timeout_ms / 2, MAX_SETTLE_MS))],
        })
        if response.meta.get(ROLE) in LISTING_ROLES and self.config.max_rounds > 0:
            meta["playwright_page_methods"].append(
                PageMethod(expand_listing, self.config.max_rounds, SETTLE_MS, timeout_ms / 2))
        return scrapy.Request(response.url, meta=meta, dont_filter=True, headers={"Referer": response.url})


class PageSession:
    """One render's view of its page, for scrapy-playwright's hooks.

    As the page-init callback (called before the navigation) it answers the browser's
    request for the page itself with the body the crawl fetched (decoded to UTF-8), so
    the DOM is built from the bytes in the WARC and the site is not asked twice; and it
    counts the page's requests in flight. :meth:`settle` (a page method) then waits until
    none has been in flight for QUIET_MS: the page's data has arrived and been drawn.
    Unlike Playwright's "networkidle", a page that never goes quiet (long polling, a
    beacon every second) is read when its time is up instead of failing.
    """

    def __init__(self, url: str, body: bytes):
        self.url = url.split("#", 1)[0]
        self.body = body
        self.served = False
        self.in_flight: set = set()
        self.last_change = time.monotonic()

    async def __call__(self, page, request) -> None:
        await page.add_init_script(QUIET_JS)
        await page.route(lambda url: not self.served and url.split("#", 1)[0] == self.url, self.fulfil)
        page.on("request", self.started)
        page.on("requestfinished", self.ended)
        page.on("requestfailed", self.ended)

    async def fulfil(self, route, pw_request) -> None:
        if self.served or not pw_request.is_navigation_request():
            await route.fallback()
            return
        self.served = True
        await route.fulfill(status=200, headers={"content-type": "text/html; charset=utf-8"}, body=self.body)

    def started(self, pw_request) -> None:
        self.in_flight.add(pw_request)
        self.last_change = time.monotonic()

    def ended(self, pw_request) -> None:
        self.in_flight.discard(pw_request)
        self.last_change = time.monotonic()

    async def settle(self, page, budget_ms: float) -> bool:
        """Wait until no request has been in flight and the DOM has not changed for
        QUIET_MS, at most ``budget_ms``; whether the page went quiet. Both the browser's
        network events and the page's own count (QUIET_JS) must agree: the events reach
        us late, the page cannot see its script and frame loads."""
        started = time.monotonic()
        deadline = started + budget_ms / 1000
        while time.monotonic() < deadline:
            if not self.in_flight and time.monotonic() - self.last_change >= QUIET_MS / 1000:
                quiet_ms, text_chars = await page.evaluate(
                    "[window.__archiveQuiet ? window.__archiveQuiet() : 1e9,"
                    " document.body ? document.body.innerText.trim().length : 0]")
                # a page still all but empty may be waiting on a timer (a splash screen)
                waited_enough = text_chars >= rendering.MIN_CONTENT_CHARS or time.monotonic() - started >= EMPTY_WAIT
                if quiet_ms >= QUIET_MS and waited_enough:
                    return True
            await asyncio.sleep(0.05)
        return False


# Runs in every rendered page before its own scripts: counts its fetch() and XHR calls
# in flight and notes the last change to its DOM; __archiveQuiet() says for how many ms
# nothing has been in flight nor changed (-1 while something is in flight).
QUIET_JS = r"""
(() => {
  let pending = 0, last = Date.now();
  const bump = delta => { pending += delta; last = Date.now(); };
  if (window.fetch) {
    const fetch = window.fetch;
    window.fetch = function (...args) {
      bump(1);
      return fetch.apply(this, args).finally(() => bump(-1));
    };
  }
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (...args) {
    bump(1);
    this.addEventListener("loadend", () => bump(-1), {once: true});
    return send.apply(this, args);
  };
  new MutationObserver(() => { last = Date.now(); })
    .observe(document, {subtree: true, childList: true, characterData: true});
  Object.defineProperty(window, "__archiveQuiet", {value: () => pending > 0 ? -1 : Date.now() - last});
})();
"""

# Runs in the page: clicks "Load more" (or scrolls, for infinite scroll) until a round
# brings no new link, within maxRounds rounds and budgetMs. A round waits for new links
# as long as the page's requests are in flight (QUIET_JS), so a slow server or a loaded
# machine does not end the listing early, and no longer than needed once all is quiet. Controls that are links to
# other pages are left alone: that is pagination, which discovery follows.
EXPAND_LISTING_JS = r"""
async ({maxRounds, settleMs, quietMs, budgetMs, label}) => {
  const started = Date.now();
  const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));
  const labelRe = new RegExp(label, "i");
  const markerRe = /load[-_]?more|infinite[-_]?scroll|show[-_]?more[-_]?(posts|articles|stories)/i;
  const commentsRe = /comment|disqus|repl(y|ies)|review/i;
  const countLinks = () => {
    const seen = new Set();
    for (const a of document.querySelectorAll("a[href]")) {
      if (a.href.startsWith("http")) seen.add(a.href.split("#")[0]);
    }
    return seen.size;
  };
  const visible = el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const findButton = () => {
    for (const el of document.querySelectorAll("button, a, [role=button], input[type=button]")) {
      if (el.disabled || el.getAttribute("aria-disabled") === "true" || !visible(el)) continue;
      if (el.tagName === "A") {
        const href = (el.getAttribute("href") || "").trim().toLowerCase();
        if (href && !href.startsWith("#") && !href.startsWith("javascript:")) continue;
      }
      const text = (el.innerText || el.value || "").replace(/\s+/g, " ").trim();
      const named = [el.id, el.className && el.className.baseVal === undefined ? el.className : ""]
        .concat(Object.keys(el.dataset).map(k => "data-" + k)).join(" ");
      if (commentsRe.test(text) || commentsRe.test(named)) continue;
      if ((text.length < 60 && labelRe.test(text)) || markerRe.test(named)) return el;
    }
    return null;
  };
  let before = countLinks(), rounds = 0, clicks = 0;
  while (rounds < maxRounds && Date.now() - started < budgetMs) {
    const button = findButton();
    if (button) {
      button.scrollIntoView({block: "center"});
      button.click();
      clicks += 1;
    } else {
      const bottom = document.documentElement.scrollHeight;
      if (window.innerHeight + window.scrollY >= bottom - 2) break;  // nothing more to scroll
      window.scrollTo(0, bottom);
    }
    rounds += 1;
    // wait for new links: while the page's requests are in flight (however slow), else
    // until it has been quiet a while (nothing is coming) or settleMs have passed since
    // the round began or its last request ended (the page still has to read the answer
    // and add its links then)
    let grew = false;
    let waitFrom = Date.now();
    while (Date.now() < started + budgetMs) {
      await sleep(50);
      if (countLinks() > before) { grew = true; break; }
      const quiet = window.__archiveQuiet ? window.__archiveQuiet() : 1e9;
      if (quiet < 0) { waitFrom = Date.now(); continue; }
      const waited = Date.now() - waitFrom;
      if (waited >= settleMs || (waited >= 2 * quietMs && quiet >= quietMs)) break;
    }
    if (!grew) break;
    await sleep(100);  // the rest of the batch
    before = countLinks();
  }
  return {rounds, clicks, links: before};
}
"""


async def expand_listing(page, max_rounds: int, settle_ms: int, budget_ms: float) -> dict:
    """Expand a rendered listing in ``page`` (see EXPAND_LISTING_JS); returns the rounds,
    clicks and links counted."""
    label = rendering.LOAD_MORE_LABEL_RE.pattern
    return await page.evaluate(EXPAND_LISTING_JS, {
        "maxRounds": max_rounds, "settleMs": settle_ms, "quietMs": QUIET_MS, "budgetMs": budget_ms, "label": label})
