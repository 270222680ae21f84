"""A local HTTP server for the demo site, for tests and ``archive-spider demo``.

Serves the pages of ``build_site`` from memory on a background thread, with what an
incremental crawler needs to be tested against: ETag and Last-Modified validators that
answer conditional requests with 304, 404 for unknown paths, 301 from ``/x`` to ``/x/``,
and a log of every request. Tests can change pages while it runs.

Run it by hand with ``python -m archive_spider.demo.server [--port N]``.
"""

from __future__ import annotations

import argparse
import hashlib
import threading
import time
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from archive_spider.demo.site import Page
from archive_spider.demo.templates import build_site, render_not_found


def make_etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


def etag_matches(header: str, etag: str) -> bool:
    """Weak comparison, as If-None-Match asks for (RFC 9110 13.1.2)."""
    candidates = [tag.strip() for tag in header.split(",")]
    return "*" in candidates or any(tag.removeprefix("W/") == etag for tag in candidates)


def not_modified_since(header: str, page: Page) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return False
    if since is None or since.tzinfo is None:
        return False
    # HTTP dates have whole seconds; compare at that resolution.
    return page.last_modified.replace(microsecond=0) <= since


class DemoServer:
    """The demo site on a ThreadingHTTPServer in a daemon thread.

    Example::

        with DemoServer() as site:
            urllib.request.urlopen(site.url + "/")
            assert ("GET", "/", 200) in site.requests

    ``pages`` defaults to ``build_site(base_url=site.url)``, built when the server starts.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, pages: dict[str, Page] | None = None):
        self.host = host
        self.port = port
        self.requests: list[tuple[str, str, int]] = []
        self._pages = dict(pages) if pages is not None else None
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._not_found = render_not_found()

    @property
    def url(self) -> str:
        """'http://127.0.0.1:PORT', once started."""
        if self._httpd is None:
            raise RuntimeError("DemoServer is not running: call start() first")
        return f"http://{self.host}:{self.port}"

    def start(self) -> DemoServer:
        if self._httpd is not None:
            return self
        self._httpd = QuietHTTPServer((self.host, self.port), make_handler(self))
        self.port = self._httpd.server_address[1]
        if self._pages is None:
            self._pages = build_site(base_url=self.url)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"DemoServer:{self.port}", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def pages(self) -> dict[str, Page]:
        """A snapshot of the pages being served."""
        with self._lock:
            return dict(self._pages or {})

    def get_page(self, path: str) -> Page | None:
        with self._lock:
            return (self._pages or {}).get(path)

    def set_page(self, path: str, page: Page) -> None:
        """Serve ``page`` at ``path`` from now on (adds or replaces)."""
        with self._lock:
            if self._pages is None:
                self._pages = {}
            self._pages[path] = page

    def remove_page(self, path: str) -> None:
        """Stop serving ``path`` (it answers 404 from now on)."""
        with self._lock:
            (self._pages or {}).pop(path, None)

    def record(self, method: str, path: str, status: int) -> None:
        # Called before the response is sent, so a client that has its answer can
        # already see the request here.
        with self._lock:
            self.requests.append((method, path, status))


class QuietHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # Crawlers drop connections mid-response (timeouts, cancelled requests); that is
        # not worth a traceback on stderr.
        pass


def make_handler(site: DemoServer) -> type[BaseHTTPRequestHandler]:
    class DemoHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "CommonplaceReview/1.0"
        # Headers and body go out in two writes: with Nagle's algorithm on, the body waits
        # for the client's (delayed) ACK of the headers, about 40 ms per response on a
        # kept-alive connection, which would make every local crawl wait on the server.
        disable_nagle_algorithm = True

        def version_string(self) -> str:
            return self.server_version

        def log_message(self, format: str, *args) -> None:
            pass  # quiet: requests are recorded in site.requests instead

        def do_GET(self) -> None:
            self.respond(send_body=True)

        def do_HEAD(self) -> None:
            self.respond(send_body=False)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            self.send_plain(405, b"Method Not Allowed\n", extra={"Allow": "GET, HEAD"}, send_body=True)

        def respond(self, send_body: bool) -> None:
            path = urlsplit(self.path).path or "/"
            page = site.get_page(path)
            if page is None and not path.endswith("/") and site.get_page(path + "/") is not None:
                query = urlsplit(self.path).query
                location = path + "/" + (f"?{query}" if query else "")
                self.send_plain(301, b"Moved Permanently\n", extra={"Location": location}, send_body=send_body)
                return
            if page is None:
                self.send_page(404, site._not_found, send_body, validators=False)
                return
            etag = make_etag(page.body)
            inm = self.headers.get("If-None-Match")
            ims = self.headers.get("If-Modified-Since")
            # If-None-Match wins over If-Modified-Since when both are sent (RFC 9110 13.2.2).
            if (inm is not None and etag_matches(inm, etag)) or (inm is None and ims and not_modified_since(ims, page)):
                site.record(self.command, self.path, 304)
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", format_datetime(page.last_modified, usegmt=True))
                self.end_headers()
                return
            self.send_page(200, page, send_body, validators=True)

        def send_page(self, status: int, page: Page, send_body: bool, validators: bool) -> None:
            site.record(self.command, self.path, status)
            self.send_response(status)
            self.send_header("Content-Type", page.content_type)
            self.send_header("Content-Length", str(len(page.body)))
            if validators:
                self.send_header("ETag", make_etag(page.body))
                self.send_header("Last-Modified", format_datetime(page.last_modified, usegmt=True))
                self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            if send_body:
                self.wfile.write(page.body)

        def send_plain(self, status: int, body: bytes, extra: dict[str, str], send_body: bool) -> None:
            site.record(self.command, self.path, status)
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            if send_body:
                self.wfile.write(body)

    return DemoHandler


class SlowDemoServer(DemoServer):
    """The demo site answering each request only after ``delay`` seconds (requests are
    still served concurrently), so that a crawl lasts long enough to be overlapped or
    killed in tests and benchmarks. ``delay`` may be changed while it runs."""

    def __init__(self, delay: float, **kwargs):
        super().__init__(**kwargs)
        self.delay = delay

    def record(self, method: str, path: str, status: int) -> None:
        super().record(method, path, status)
        time.sleep(self.delay)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m archive_spider.demo.server",
        description="Serve the bundled demo site (The Commonplace Review) until Ctrl-C.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on, 0 for any free port (default: 8000)")
    args = parser.parse_args(argv)
    server = DemoServer(host=args.host, port=args.port).start()
    print(f"Serving the demo site at {server.url}/ (Ctrl-C to stop)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
