"""A crawl by host name, run inside a private network and mount namespace.

``tests/test_hostnames.py`` starts this module under ``unshare --mount --net`` (as root, or
in a user namespace). Inside, nothing reaches the real network: the namespace has only its
own loopback interface. The module then

* brings that loopback up;
* bind-mounts its own ``/etc/resolv.conf`` (nameserver 127.0.0.1), ``/etc/hosts`` and
  ``/etc/nsswitch.conf`` (hosts: files dns) over the real ones, for this namespace only;
* answers DNS on 127.0.0.1:53 itself (``site.test`` and ``inner.site.test`` are 127.0.0.1;
  ``rebind.site.test`` answers a public address to its first A query and 127.0.0.1 to
  every later one: DNS rebinding);
* serves a small blog on 127.0.0.1 whose links all name ``site.test``; its front page
  also lists a post on ``rebind.site.test`` and one on ``inner.site.test``: subdomains,
  which the crawl may visit, but not names the user gave, so they may not lead to an
  internal address;
* runs the real ``archive-spider crawl http://site.test:PORT/`` and prints, as one JSON
  object on standard output, what the crawl said, what the archive holds, which DNS
  questions were asked and which requests the server saw (with their Host headers).

So the crawl goes through the whole real path: libc's resolver, Scrapy's DNS resolver
(``GuardedResolver``) and ``SafetyMiddleware``, with nothing mocked.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from tests.builtsites import WP_ARTICLES, build_wordpress, make_posts, wp_excerpt
from tests.sitekit import TestSite, html

PUBLIC_DECOY = "93.184.216.34"  # a public address; the namespace has no route to it
OTHER_NAMES = ("rebind.site.test", "inner.site.test")
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1


def bring_loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(sock, SIOCGIFFLAGS, request)[:18])[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH", b"lo", flags | IFF_UP))


def private_resolver_files(folder: Path) -> None:
    """Point this namespace's libc at the DNS server below, and at nothing else."""
    files = {
        "/etc/resolv.conf": "nameserver 127.0.0.1\noptions timeout:1 attempts:2\n",
        "/etc/hosts": "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n",
        "/etc/nsswitch.conf": "hosts: files dns\n",
    }
    for target, content in files.items():
        source = folder / Path(target).name
        source.write_text(content)
        subprocess.run(["mount", "--bind", str(source), target], check=True)


class TinyDNS:
    """A DNS server for A questions on 127.0.0.1:53 (UDP), with a per-name answer plan."""

    def __init__(self):
        self.questions: list[tuple[str, int]] = []
        self.a_answers: dict[str, int] = {}
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 53))
        threading.Thread(target=self.serve, daemon=True).start()

    def address_for(self, name: str) -> str | None:
        if name in ("site.test", "inner.site.test"):
            return "127.0.0.1"
        if name == "rebind.site.test":
            self.a_answers[name] = self.a_answers.get(name, 0) + 1
            return PUBLIC_DECOY if self.a_answers[name] == 1 else "127.0.0.1"
        return None

    def serve(self) -> None:
        while True:
            try:
                packet, peer = self.sock.recvfrom(512)
            except OSError:
                return
            reply = self.answer(packet)
            if reply:
                self.sock.sendto(reply, peer)

    def answer(self, packet: bytes) -> bytes | None:
        if len(packet) < 12:
            return None
        ident = packet[:2]
        labels, pos = [], 12
        while pos < len(packet) and packet[pos]:
            size = packet[pos]
            labels.append(packet[pos + 1:pos + 1 + size].decode("ascii", "replace").lower())
            pos += 1 + size
        question_end = pos + 5
        qtype = struct.unpack("!H", packet[pos + 1:pos + 3])[0]
        name = ".".join(labels)
        self.questions.append((name, qtype))
        question = packet[12:question_end]
        known = name in ("site.test", "inner.site.test", "rebind.site.test")
        if not known:
            return ident + struct.pack("!HHHHH", 0x8183, 1, 0, 0, 0) + question  # NXDOMAIN
        address = self.address_for(name) if qtype == 1 else None
        if address is None:  # AAAA and the rest: the name exists, with no such record
            return ident + struct.pack("!HHHHH", 0x8180, 1, 0, 0, 0) + question
        record = struct.pack("!HHHIH", 0xC00C, 1, 1, 0, 4) + socket.inet_aton(address)
        return ident + struct.pack("!HHHHH", 0x8180, 1, 1, 0, 0) + question + record


def build_site(base_url: str) -> dict:
    """The blog, named by ``site.test``, with two posts listed on other names."""
    port = base_url.rsplit(":", 1)[1]
    pages = build_wordpress(f"http://site.test:{port}")
    secret = make_posts("secret", 2, lambda i, slug, day, s: f"http://{OTHER_NAMES[i]}:{port}/{day:%Y/%m}/{slug}/",
                        sections=("travel",))
    home = pages["/"].body.decode()
    start = '<main id="primary" class="site-main">'
    pages["/"] = html(home.replace(start, start + "".join(wp_excerpt(post) for post in secret), 1))
    return pages


def main() -> None:
    bring_loopback_up()
    workdir = Path(tempfile.mkdtemp(prefix="netns-"))
    private_resolver_files(workdir)
    dns = TinyDNS()
    with TestSite(build_site) as site:
        db_path = workdir / "archive.db"
        crawl = subprocess.run(
            [sys.executable, "-m", "archive_spider", "crawl", f"http://site.test:{site.port}/", "--db", str(db_path),
             "--concurrency", "4", "--timeout", "5"],
            capture_output=True, text=True, timeout=240,
        )
        conn = sqlite3.connect(db_path)
        articles = [row[0] for row in conn.execute("select url from articles")]
        failures = [list(row) for row in conn.execute("select url, reason, detail from failures")]
        crawls = [list(row) for row in conn.execute("select status, new from crawls")]
        conn.close()
        result = {
            "returncode": crawl.returncode,
            "stdout": crawl.stdout[-4000:],
            "stderr": crawl.stderr[-4000:],
            "port": site.port,
            "articles": articles,
            "expected_paths": sorted(WP_ARTICLES),
            "failures": failures,
            "crawls": crawls,
            "requests": [[host, path] for host, path, _ in site.requests],
            "dns_questions": dns.questions,
        }
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
