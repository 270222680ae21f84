"""A hostile site for tests: every way a server or page can go wrong, on 127.0.0.1.

``HostileSite`` serves an index of teasers whose articles are either genuine (odd
encodings, bad markup, scripts, a first answer of 500 or 429) or traps (empty, binary,
PDF, huge, slow, redirect loops, resets, 404/410, redirects to other hosts and to
internal services), plus a "Next" link that goes on forever. ``InternalService`` stands
for a service the crawler must never reach; it logs every request it gets.
"""

from __future__ import annotations

import gzip
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from collections.abc import Callable


def paragraphs(topic: str, n: int = 4) -> list[str]:
    return [
        f"{topic}: paragraph {i} tells a plain story about walls, rivers and the people who "
        f"mend old things by hand, so that an extractor has enough running prose to recognise "
        f"the body of the article and keep every sentence of it in the archive."
        for i in range(1, n + 1)
    ]


@dataclass
class Genuine:
    """An article that must be archived, with text that must be decoded right."""

    path: str
    title: str
    body: list[str]  # paragraphs as they must appear in the stored text
    encoding: str = "utf-8"
    content_type: str | None = "text/html; charset=utf-8"
    meta_charset: str | None = None
    bom: bytes = b""
    head_extra: str = ""
    article_extra: str = ""
    transform: Callable[[bytes], bytes] | None = None


ENGLISH = paragraphs("Mending")
SMART = ["\u201cCurly quotes\u201d and an em dash \u2014 caf\u00e9, na\u00efve, d\u00e9j\u00e0 vu: "
         "Windows-1252 text that its server calls Latin-1, as so many old servers still do every day."] + ENGLISH
JAPANESE = ["日本語で書かれた記事です。古い壁や川を手で直す人々について、静かな物語を語ります。"
            "この段落は文字コードの判定が正しく行われることを確かめるために十分な長さを持っています。"] * 3
CHINESE = ["这是一篇用中文写成的文章，讲述人们如何亲手修补旧墙和河流的平静故事。"
           "这个段落足够长，可以确认编码被正确识别，而且不会出现任何乱码。"] * 3
MOJIBAKE = ["The caf\u00e9 on the corner served cr\u00e8me br\u00fbl\u00e9e \u2014 the menu said so, "
            "in letters that a careless export had turned into nonsense once already."] + ENGLISH


def double_encode(body: bytes) -> bytes:
    """UTF-8 read as cp1252 and written again as UTF-8: classic mojibake."""
    return body.decode("utf-8").encode("utf-8").decode("cp1252", "replace").encode("utf-8")


GENUINE = [
    Genuine("/2025/01/smart-quotes-labelled-latin-1/", "Smart quotes labelled Latin-1", SMART,
            encoding="cp1252", content_type="text/html; charset=iso-8859-1"),
    Genuine("/2025/01/shift-jis-in-the-header/", "Shift_JIS in the header", JAPANESE,
            encoding="shift_jis", content_type="text/html; charset=Shift_JIS"),
    Genuine("/2025/01/shift-jis-in-meta-only/", "Shift_JIS in meta only", JAPANESE,
            encoding="shift_jis", content_type="text/html", meta_charset="shift_jis"),
    Genuine("/2025/02/gb18030-labelled-gb2312/", "GB18030 labelled GB2312", CHINESE,
            encoding="gb18030", content_type="text/html; charset=gb2312"),
    Genuine("/2025/02/gb18030-without-a-label/", "GB18030 without a label", CHINESE,
            encoding="gb18030", content_type="text/html"),
    Genuine("/2025/02/utf-8-without-a-label/", "UTF-8 without a label", SMART,
            encoding="utf-8", content_type="text/html"),
    Genuine("/2025/03/utf-8-with-a-bom/", "UTF-8 with a BOM", SMART,
            encoding="utf-8", content_type="text/html; charset=iso-8859-1", bom=b"\xef\xbb\xbf"),
    Genuine("/2025/03/mojibake-repaired/", "Mojibake repaired", MOJIBAKE, transform=double_encode),
    Genuine("/2025/03/scripts-and-handlers/", "Scripts and handlers", ENGLISH,
            head_extra='<script>window.stolen = document.cookie</script><style>p{color:red}</style>',
            article_extra=(
                '<p onclick="alert(1)" onmouseover="alert(7)">A hostile paragraph with enough words to '
                'stay in the article: <a href="javascript:alert(2)">a javascript link</a>, '
                '<a href="data:text/html,<script>alert(3)</script>">a data link</a> and '
                '<a href="/2025/03/scripts-and-handlers/" onclick="steal()">a handler on a link</a>, '
                'written out at length so that the extractor keeps the whole of it in the text.</p>'
                '<script>alert("inline")</script><iframe src="http://127.0.0.2/"></iframe>'
                '<object data="x.swf"></object><embed src="y.swf">'
                '<img src="x.png" onerror="alert(4)"><img src="data:image/png;base64,iVBORw0KGgo=" alt="dot">'
                '<svg onload="alert(5)"><script>alert(6)</script></svg>'
                '<form action="http://127.0.0.2/"><input name="q"></form>'
            )),
    Genuine("/2025/04/malformed-markup/", "Malformed markup", ENGLISH,
            article_extra="<div><p>unclosed <b>bold <i>italic</div></span></p></p><table><tr><td>cell"),
    Genuine("/2025/04/base-href-elsewhere/", "Base href elsewhere", ENGLISH,
            head_extra='<base href="http://127.0.0.2:{internal_port}/">',
            article_extra='<p><a href="/2025/09/relative-link-through-base/">A relative link</a></p>'),
    Genuine("/2025/05/fails-once-with-500/", "Fails once with 500", ENGLISH),
    Genuine("/2025/05/rate-limited-once/", "Rate limited once", ENGLISH),
    Genuine("/2025/05/behind-a-redirect/", "Behind a redirect", ENGLISH),
]
GENUINE_BY_PATH = {g.path: g for g in GENUINE}

# Article-shaped links on the index that must never end up in the archive, by reason.
TRAPS = {
    "/2025/06/an-empty-page/": "empty",
    "/2025/06/a-binary-body/": "binary",
    "/2025/06/a-pdf-document/": "not-html",
    "/2025/06/an-image/": "not-html",
    "/2025/06/a-huge-page/": "too-large",
    "/2025/06/a-huge-chunked-page/": "too-large",
    "/2025/07/a-slow-page/": "timeout",
    "/2025/07/a-trickling-page/": "timeout",
    "/2025/07/a-redirect-loop/": "redirect-loop",
    "/2025/07/a-missing-page/": "http-error",
    "/2025/07/a-gone-page/": "http-error",
    "/2025/08/always-500/": "http-error",
    "/2025/08/always-429/": "rate-limited",
    "/2025/08/a-connection-reset/": "connection",
    "/2025/08/redirect-to-another-host/": "blocked-host",
    "/2025/08/redirect-to-an-internal-port/": "blocked-address",
    "/2025/08/redirect-to-a-file/": None,  # dropped by Scrapy or recorded as blocked-scheme
    "/2025/09/an-endless-redirect-chain/": "redirect-loop",
    "/2025/09/a-gzip-bomb/": "too-large",
    "/2025/09/a-meta-refresh-elsewhere/": None,  # recorded under the target as blocked-host
    "/2025/09/a-broken-gzip-body/": "download-error",
    "/private/2025/09/behind-robots-txt/": "robots-txt",
}
# 20 MB of zeros in 20 KB.
GZIP_BOMB = gzip.compress(b"\0" * 20_000_000, compresslevel=9)


class QuietServer(ThreadingHTTPServer):
    """Hung-up clients are the point of some pages here: no tracebacks for them."""

    daemon_threads = True

    def handle_error(self, request, client_address):
        pass


def start_server(host: str, handler) -> tuple[QuietServer, int]:
    """Serve ``handler`` on ``host`` at a free port in a daemon thread."""
    server = QuietServer((host, 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def stop_server(server: QuietServer) -> None:
    server.shutdown()
    server.server_close()


@dataclass
class InternalService:
    """A server the crawler must never reach (on 127.0.0.2 or another port of 127.0.0.1)."""

    host: str = "127.0.0.1"
    hits: list[str] = field(default_factory=list)

    def __enter__(self):
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                service.hits.append(self.path)
                body = b"<html><body><h1>Internal admin</h1><p>secret</p></body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server, self.port = start_server(self.host, Handler)
        return self

    def __exit__(self, *exc):
        stop_server(self.server)


class ServedSite:
    """A site on 127.0.0.1:<free port>, served in a thread while in a ``with`` block: each
    GET goes to ``handle_get(handler)``."""

    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                site.handle_get(self)

            def log_message(self, *args):
                pass

        self.server, self.port = start_server("127.0.0.1", Handler)
        return self

    def __exit__(self, *exc):
        stop_server(self.server)

    def handle_get(self, handler) -> None:
        raise NotImplementedError


class HostileSite(ServedSite):
    """The hostile site on 127.0.0.1:<free port>. ``requests`` logs (time, path, status)."""

    def __init__(self, internal_port: int, internal_v2_port: int | None = None, huge_bytes: int = 3_000_000,
                 slow_seconds: float = 6.0):
        self.internal_port = internal_port
        self.internal_v2_port = internal_v2_port or internal_port
        self.huge_bytes = huge_bytes
        self.slow_seconds = slow_seconds
        self.requests: list[tuple[float, str, int]] = []
        self.counts: dict[str, int] = {}
        self.lock = threading.Lock()

    def handle_get(self, handler) -> None:
        with self.lock:
            n = self.counts[handler.path] = self.counts.get(handler.path, 0) + 1
        self.handle(handler, n)

    # --- responses ------------------------------------------------------------------------

    def log(self, path: str, status: int) -> None:
        with self.lock:
            self.requests.append((time.monotonic(), path, status))

    def send(self, handler, status: int, body: bytes = b"", content_type: str | None = "text/html; charset=utf-8",
             headers: dict[str, str] | None = None) -> None:
        self.log(handler.path, status)
        handler.send_response(status)
        if content_type:
            handler.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def handle(self, handler, n: int) -> None:
        path = handler.path
        if path == "/robots.txt":
            return self.send(handler, 200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        if path == "/":
            return self.send(handler, 200, self.index_page(1).encode())
        if path.startswith("/page/"):
            number = int(path.strip("/").split("/")[-1] or 1)
            return self.send(handler, 200, self.index_page(number).encode())
        if path == "/2025/05/fails-once-with-500/" and n == 1:
            return self.send(handler, 500, b"<h1>Internal Server Error</h1>")
        if path == "/2025/05/rate-limited-once/" and n == 1:
            return self.send(handler, 429, b"<h1>Slow down</h1>", headers={"Retry-After": "2"})
        if path == "/2025/05/behind-a-redirect/" and n == 1:
            return self.send(handler, 301, b"", headers={"Location": "/2025/05/behind-a-redirect/?moved=1"})
        if path.split("?")[0] in GENUINE_BY_PATH:
            return self.send_genuine(handler, GENUINE_BY_PATH[path.split("?")[0]])
        return self.send_trap(handler, path)

    def send_genuine(self, handler, page: Genuine) -> None:
        meta = f'<meta charset="{page.meta_charset}">' if page.meta_charset else ""
        head_extra = page.head_extra.replace("{internal_port}", str(self.internal_v2_port))
        paras = "".join(f"<p>{p}</p>" for p in page.body)
        html = (
            f"<!DOCTYPE html><html><head>{meta}<title>{page.title} | Hostile Times</title>"
            f'<meta property="og:type" content="article">{head_extra}</head><body>'
            f'<nav><a href="/">Home</a> <a href="file:///etc/passwd">Files</a> '
            f'<a href="http://127.0.0.2:{self.internal_v2_port}/admin/">Admin</a></nav>'
            f"<article><h1>{page.title}</h1>{paras}{page.article_extra}</article>"
            "<footer>Hostile Times footer</footer></body></html>"
        )
        body = page.bom + html.encode(page.encoding)
        if page.transform:
            body = page.transform(body)
        self.send(handler, 200, body, page.content_type)

    def send_trap(self, handler, path: str) -> None:
        html = b"<html><body><article><h1>Trap</h1>" + b"<p>trap words here and there</p>" * 20 + b"</article></body></html>"
        if path == "/2025/06/an-empty-page/":
            return self.send(handler, 200, b"")
        if path == "/2025/06/a-binary-body/":
            return self.send(handler, 200, bytes(range(256)) * 64, "text/html")
        if path == "/2025/06/a-pdf-document/":
            return self.send(handler, 200, b"%PDF-1.4\n" + b"0" * 2000, "application/pdf")
        if path == "/2025/06/an-image/":
            return self.send(handler, 200, b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000, "image/png")
        if path == "/2025/06/a-huge-page/":
            return self.send(handler, 200, html + b"<p>" + b"x" * self.huge_bytes + b"</p>")
        if path == "/2025/06/a-huge-chunked-page/":
            return self.send_chunked(handler, html, self.huge_bytes)
        if path == "/2025/07/a-slow-page/":
            time.sleep(self.slow_seconds)  # the scenario: a slow page
            return self.send(handler, 200, html)
        if path == "/2025/07/a-trickling-page/":
            return self.send_trickle(handler, html)
        if path in ("/2025/07/a-redirect-loop/", "/2025/07/the-loop-goes-round/"):
            other = "/2025/07/the-loop-goes-round/" if path == "/2025/07/a-redirect-loop/" else "/2025/07/a-redirect-loop/"
            return self.send(handler, 302, b"", headers={"Location": other})
        if path == "/2025/07/a-missing-page/":
            return self.send(handler, 404, b"<h1>Not found</h1>" + html)
        if path == "/2025/07/a-gone-page/":
            return self.send(handler, 410, b"<h1>Gone</h1>" + html)
        if path == "/2025/08/always-500/":
            return self.send(handler, 500, b"<h1>Broken</h1>" + html)
        if path == "/2025/08/always-429/":
            return self.send(handler, 429, b"<h1>Too many</h1>", headers={"Retry-After": "3600"})
        if path == "/2025/08/a-connection-reset/":
            self.log(path, 0)
            sock = handler.connection
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            handler.close_connection = True
            sock.close()
            return None
        if path == "/2025/08/redirect-to-another-host/":
            return self.send(handler, 302, b"", headers={"Location": f"http://127.0.0.2:{self.internal_v2_port}/stolen/"})
        if path == "/2025/08/redirect-to-an-internal-port/":
            return self.send(handler, 302, b"", headers={"Location": f"http://127.0.0.1:{self.internal_port}/secret/"})
        if path == "/2025/08/redirect-to-a-file/":
            return self.send(handler, 302, b"", headers={"Location": "file:///etc/passwd"})
        if path.startswith("/2025/09/an-endless-redirect-chain/"):
            hop = int(path.partition("?hop=")[2] or 0) + 1
            return self.send(handler, 302, b"", headers={"Location": f"/2025/09/an-endless-redirect-chain/?hop={hop}"})
        if path == "/2025/09/a-gzip-bomb/":
            return self.send(handler, 200, GZIP_BOMB, headers={"Content-Encoding": "gzip"})
        if path == "/2025/09/a-broken-gzip-body/":
            return self.send(handler, 200, b"\x1f\x8b\x08\x00garbage, not gzip at all" * 50,
                             headers={"Content-Encoding": "gzip"})
        if path == "/2025/09/a-meta-refresh-elsewhere/":
            target = f"http://127.0.0.2:{self.internal_v2_port}/refreshed/"
            return self.send(handler, 200, f'<html><head><meta http-equiv="refresh" content="0; url={target}">'
                                           f"</head><body><p>Moved.</p></body></html>".encode())
        return self.send(handler, 404, b"<h1>Not found</h1>")

    def send_chunked(self, handler, head: bytes, size: int) -> None:
        self.log(handler.path, 200)
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        chunk = b"<p>" + b"y" * 65536 + b"</p>"
        try:
            for piece in [head] + [chunk] * (size // len(chunk) + 1):
                handler.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            handler.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass  # the crawler hung up, as it should

    def send_trickle(self, handler, body: bytes) -> None:
        """A server that sends a byte now and then: each read is quick, the page never ends."""
        self.log(handler.path, 200)
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        try:
            for i in range(len(body)):
                handler.wfile.write(body[i:i + 1])
                handler.wfile.flush()
                time.sleep(0.5)  # the scenario: a page that trickles in a byte at a time
        except OSError:
            pass

    def index_page(self, number: int) -> str:
        """Page 1 lists every article and trap; every later page lists nothing new and links
        to the next, forever."""
        teasers = ""
        if number == 1:
            for page in GENUINE:
                teasers += self.teaser(page.path, page.title)
            for path in TRAPS:
                teasers += self.teaser(path, path.strip("/").split("/")[-1].replace("-", " ").capitalize())
            teasers += (f'<p><a href="http://127.0.0.1:{self.internal_port}/2025/09/internal-article/">'
                        "An internal article</a></p>")
        return (
            "<!DOCTYPE html><html><head><title>Hostile Times</title>"
            f'<link rel="next" href="/page/{number + 1}/"></head><body>'
            '<nav><a href="/">Home</a> <a href="file:///etc/passwd">Files</a> '
            '<a href="javascript:alert(1)">JS</a></nav>'
            f"<main><h1>Hostile Times, page {number}</h1>{teasers}"
            f'<p>Ordinary words for page {number} of the listing, which goes on and on.</p></main>'
            f'<nav class="pagination"><a rel="next" href="/page/{number + 1}/">Next »</a></nav>'
            "</body></html>"
        )

    @staticmethod
    def teaser(path: str, title: str) -> str:
        return (
            f'<article class="teaser"><h2><a href="{path}">{title}</a></h2>'
            f"<p>A teaser for {title.lower()}, a story told in full on its own page.</p>"
            f'<a href="{path}">Read more</a></article>'
        )
