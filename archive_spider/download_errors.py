"""What went wrong with a download, in the words of the `failures` table.

``reason_for_exception`` maps what Scrapy and Twisted raise to a failure reason
(archive/failures.py lists them); ``describe_exception`` gives the one line of detail
that goes beside it. The response checks (responses.py) and the robots.txt middleware
(robots.py) both use them.
"""

from __future__ import annotations

import re

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from twisted.internet import error as twisted_error
from twisted.internet.defer import CancelledError

# Start of the IgnoreRequest message for a page refused because its robots.txt could not
# be read (robots.py raises it; reason_for_exception maps it to "robots-unreachable").
ROBOTS_UNREACHABLE = "robots.txt unreachable"


def reason_for_exception(exception: BaseException) -> str | None:
    """The failure reason for a download exception; None for those that are no failure
    (a request dropped on purpose by the incremental or offsite rules)."""
    if isinstance(exception, IgnoreRequest):
        message = str(exception)
        if message.startswith(ROBOTS_UNREACHABLE):
            return "robots-unreachable"
        if "max redirections" in message:
            return "redirect-loop"
        if "robots.txt" in message:
            return "robots-txt"
        if "DOWNLOAD_MAXSIZE" in message or "exceeded" in message:
            return "too-large"
        return None
    if isinstance(exception, (DownloadTimeoutError, twisted_error.TimeoutError)):
        return "timeout"
    if isinstance(exception, (CannotResolveHostError, twisted_error.DNSLookupError)):
        return "dns"
    if isinstance(exception, (DownloadCancelledError, CancelledError)):
        return "too-large"
    if isinstance(exception, (DownloadConnectionRefusedError, ResponseDataLossError,
                              twisted_error.ConnectError, twisted_error.ConnectionLost,
                              twisted_error.ConnectionDone, ConnectionError)):
        return "connection"
    # Twisted's and Scrapy's wrappers vary with the version: go by the class names.
    names = " ".join(cls.__name__ for cls in type(exception).__mro__)
    if "Timeout" in names:
        return "timeout"
    if "DNS" in names or "Resolve" in names:
        return "dns"
    if any(word in names for word in ("ResponseFailed", "ResponseNeverReceived", "Connection", "DataLoss")):
        return "connection"
    if isinstance(exception, DownloadFailedError):
        return "connection"
    return "download-error"


def describe_exception(exception: BaseException) -> str:
    reasons = getattr(exception, "reasons", None)  # twisted's ResponseFailed wraps Failures
    if reasons and hasattr(reasons[0], "getErrorMessage"):
        return f"{reasons[0].type.__name__}: {reasons[0].getErrorMessage()}"[:300]
    text = str(exception).strip() or type(exception).__name__
    # "[<twisted.python.failure.Failure twisted.internet.error.ConnectionLost: Lost...>]"
    wrapped = re.search(r"Failure (?:[\w.]+\.)?(\w+): (.*?)>", text)
    if wrapped:
        text = f"{wrapped.group(1)}: {wrapped.group(2)}"
    return text.splitlines()[0][:300]
