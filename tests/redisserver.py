"""A throwaway redis-server on a free loopback port, for tests and benchmarks.

Debian and Ubuntu: ``apt-get install redis-server`` (``.ci/run`` does it).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile

import redis

from tests.polling import NotReady, wait_until


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalRedis:
    """``with LocalRedis() as server: server.url`` -> 'redis://127.0.0.1:PORT/0'.

    No persistence, no configuration file, stopped (and its directory removed) on exit.
    """

    def __init__(self, binary: str | None = None):
        self.binary = binary or shutil.which("redis-server")
        if self.binary is None:
            raise FileNotFoundError("redis-server is not installed (apt-get install redis-server)")
        self.port = 0
        self.process: subprocess.Popen | None = None
        self._dir: tempfile.TemporaryDirectory | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    def start(self) -> LocalRedis:
        self._dir = tempfile.TemporaryDirectory(prefix="archive-spider-redis-")
        for _ in range(5):  # another process may take the port between free_port() and bind
            self.port = free_port()
            self.process = subprocess.Popen(
                [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", self._dir.name, "--protected-mode", "yes"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            if self._wait_ready():
                return self
            self.process.kill()
            self.process.wait()
        raise RuntimeError("could not start redis-server")

    def _wait_ready(self, seconds: float = 10) -> bool:
        try:
            return wait_until(lambda: self.client().ping(), seconds, "redis-server answering PING",
                              ignoring=(redis.ConnectionError,), process=self.process)
        except NotReady:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def __enter__(self) -> LocalRedis:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
