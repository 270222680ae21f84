"""Small article sites for end-to-end tests: an HTTP server and the pieces to build pages.

``TestSite(build)`` serves on 127.0.0.1 (port 0) the pages ``build(base_url)`` returns:
``{path_and_query: Reply}``. A path not in the dict goes to ``build``'s optional
``dynamic(path_and_query)`` (endless calendars), else 404. Every request is logged with
its Host header, so tests can tell what the crawler fetched and where.
"""

from __future__ import annotations

import gzip
import random
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from collections.abc import Callable

WORDS = (
    "river harbour lantern meadow granite orchard compass ledger willow quarry beacon "
    "tide ferry mill thistle copper saddle barley chapel furnace heron kiln marsh "
    "pewter quill rampart spindle tannery vineyard weir yeoman anchor bellows cistern "
    "dovecote estuary forge gable hamlet inkwell jetty keel loom mortar nettle oxbow "
    "parish quay rook sluice thatch umber vault wharf"
).split()
VERBS = "carried mended watched counted gathered carved measured lifted painted crossed".split()


@dataclass
class Reply:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def html(body: str, status: int = 200) -> Reply:
    return Reply(body.encode("utf-8"), status)


def xml(body: str, content_type: str = "application/xml; charset=utf-8") -> Reply:
    return Reply(body.encode("utf-8"), content_type=content_type)


def gzipped(body: str) -> Reply:
    return Reply(gzip.compress(body.encode("utf-8"), mtime=0), content_type="application/x-gzip")


def redirect(location: str, status: int = 301) -> Reply:
    return Reply(b"moved\n", status, "text/plain", {"Location": location})


def text(body: str) -> Reply:
    return Reply(body.encode("utf-8"), content_type="text/plain; charset=utf-8")


def paragraphs(seed: str, count: int = 4, words: int = 45) -> list[str]:
    """Deterministic, distinct prose for an article."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        sentences = []
        total = 0
        while total < words:
            n = rng.randint(8, 16)
            chunk = [rng.choice(WORDS) for _ in range(n)]
            chunk.insert(2, rng.choice(VERBS))
            sentence = " ".join(chunk)
            sentences.append(sentence[0].upper() + sentence[1:] + ".")
            total += n + 1
        out.append(" ".join(sentences))
    return out


def title_for(seed: str) -> str:
    rng = random.Random("title" + seed)
    return " ".join(w.capitalize() for w in rng.sample(WORDS, 4))


class TestSite:
    """Serve ``build(base_url)`` on 127.0.0.1; use as a context manager."""

    __test__ = False  # not a pytest class

    def __init__(self, build: Callable[[str], dict], dynamic: Callable[[str, str], Reply | None] | None = None):
        self.build = build
        self.dynamic = dynamic
        self.pages: dict[str, Reply] = {}
        self.requests: list[tuple[str, str, int]] = []  # (host header, path?query, status)
        self.times: list[float] = []  # time.monotonic() of each request, in the same order
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def __enter__(self) -> TestSite:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(self))
        self._httpd.daemon_threads = True
        self.pages = self.build(self.url)
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def reply_for(self, path: str) -> Reply:
        reply = self.pages.get(path)
        if reply is None and self.dynamic is not None:
            reply = self.dynamic(self.url, path)
        return reply or html("<html><head><title>Not found</title></head><body><h1>Not found</h1></body></html>", 404)

    def fetched(self, host: str | None = None) -> list[str]:
        """Paths fetched (with query), in order, on ``host`` (default: 127.0.0.1:PORT)."""
        host = host or f"127.0.0.1:{self.port}"
        return [path for h, path, _ in self.requests if h == host]


def make_handler(site: TestSite):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            reply = site.reply_for(self.path)
            with site._lock:
                site.requests.append((self.headers.get("Host", ""), self.path, reply.status))
                site.times.append(time.monotonic())
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)

    return Handler
