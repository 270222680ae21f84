"""Serve a static site directory on 127.0.0.1 (the demo server, from files) until killed.

Prints the site's URL on the first line of standard output once it is listening.

Example:
    python benchmarks/serve_site.py /tmp/site-1500 --port 0
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive_spider.demo.generated import read_site  # noqa: E402
from archive_spider.demo.server import DemoServer  # noqa: E402


class QuietDemoServer(DemoServer):
    def record(self, method: str, path: str, status: int) -> None:
        pass  # a benchmark's server keeps no log: it would grow with every request


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    with QuietDemoServer(port=args.port, pages=read_site(args.directory)) as server:
        print(server.url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()

if __name__ == "__main__":
    main()
