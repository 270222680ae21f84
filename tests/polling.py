"""Waiting for a state instead of sleeping: a process or server ready, a key expired, a row
stored. One helper, so each test says what it waits for and how long it may take."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

POLL_SECONDS = 0.05


class NotReady(AssertionError):
    """What a test waited for did not come in time (or the process it watched exited)."""


def wait_until(condition: Callable[[], T], seconds: float = 30.0, what: str = "the condition", *,
               interval: float = POLL_SECONDS, ignoring: tuple[type[BaseException], ...] = (),
               process: subprocess.Popen | None = None) -> T:
    """Call ``condition`` until it returns something true, and return that.

    Raises :class:`NotReady`, naming ``what``, when ``seconds`` pass first, or as soon as
    ``process`` (the one expected to bring the state about) has exited. An exception of a
    type in ``ignoring`` (a refused connection, a table not made yet) counts as not yet."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            value = condition()
        except ignoring:
            value = None
        if value:
            return value
        if process is not None and process.poll() is not None:
            raise NotReady(f"{what}: the process exited first (status {process.returncode})")
        if time.monotonic() >= deadline:
            raise NotReady(f"{what}: not within {seconds:g} s")
        time.sleep(interval)
