"""One writer per archive: a lock file next to the database.

Cron may start a crawl while the previous one is still running (a slow site, a long
backlog). Two crawls of one archive would fetch the same articles and interleave their
batches, so each run holds an exclusive ``fcntl.flock`` on ``<archive>.lock`` for as long
as it writes. The kernel releases the lock when the process ends, however it ends
(``kill -9`` included), so a stale lock file never blocks the next run.
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from collections.abc import Callable, Iterator

from archive_spider.archive.schema import ArchiveError, utc_now

# How often a waiting run tries again, in seconds.
WAIT_POLL_SECONDS = 0.5


class ArchiveLocked(Exception):
    """Another process holds the archive's lock; the message names it."""


def lock_path_of(db_path: str | os.PathLike) -> str:
    return os.fspath(db_path) + ".lock"


def describe_holder(path: str) -> str:
    """What the lock file says about the process holding it ("pid 123 since ...")."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read().strip()
    except OSError:
        return "another process"
    return text or "another process"


@contextmanager
def archive_lock(
    db_path: str | os.PathLike,
    *,
    wait: bool = False,
    timeout: float | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[str]:
    """Hold the archive's lock for the ``with`` block; yields the lock file's path.

    Without ``wait``, raises ArchiveLocked at once when another process holds it. With
    ``wait``, blocks until it is free (or ``timeout`` seconds pass, then ArchiveLocked);
    ``on_wait`` is called once with the holder's description before waiting.
    """
    path = lock_path_of(db_path)
    try:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        # Opened without truncating: the holder's note must survive until we own the lock.
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise ArchiveError(f"cannot create the lock file {path}: {exc.strerror}") from None
    try:
        _acquire(fd, path, wait, timeout, on_wait)
        _note(fd, f"pid {os.getpid()} since {utc_now()}\n")
        try:
            yield path
        finally:
            _note(fd, "")
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _note(fd: int, text: str) -> None:
    """Write who holds the lock (for the message a second run prints). Best effort: on a
    full or read-only disk the lock still works without it, and the crawl says what
    failed when it writes the archive itself."""
    try:
        os.ftruncate(fd, 0)
        if text:
            os.pwrite(fd, text.encode(), 0)
    except OSError:
        pass


def _acquire(fd: int, path: str, wait: bool, timeout: float | None, on_wait) -> None:
    deadline = None if timeout is None else time.monotonic() + timeout
    announced = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            holder = describe_holder(path)
            if not wait:
                raise ArchiveLocked(
                    f"the archive is in use by {holder} (lock {path}): "
                    "nothing done; use --wait to wait for it"
                ) from None
            if deadline is not None and time.monotonic() >= deadline:
                raise ArchiveLocked(f"gave up waiting for {holder} to release {path}") from None
            if on_wait and not announced:
                on_wait(holder)
                announced = True
            time.sleep(WAIT_POLL_SECONDS)
