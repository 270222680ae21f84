"""Text from sites, made safe to print: control characters escaped.

A site chooses its headers (``Retry-After``, ``Location``, ``Content-Type``), its titles
and its URLs. Printed raw, an escape sequence among them could clear the screen of whoever
reads the log, rewrite what they see, or start a line that looks like our own ("crawl 12
ok: ..." in cron mail). :func:`printable` escapes every control character (C0 and C1,
newlines included, DEL, and the Unicode marks that reorder text) as ``\\xNN`` or ``\\uNNNN``;
it is used where such text reaches a log message, a failure's detail or the terminal.
:class:`EscapeControls`, on the crawl's log handlers, does the same to every message that
gets there by other ways (Scrapy's own), keeping the newlines of multi-line messages
(tracebacks, the stats dump): those lines cannot start with anything a site chose.
"""

from __future__ import annotations

import logging
import re

# C0 controls, DEL, C1 controls (0x9b is a one-byte CSI), and bidirectional overrides.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROLS_BUT_NEWLINES = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(value, *, keep_newlines: bool = False) -> str:
    """``value`` (text, bytes read as UTF-8, or anything str() takes) on one line, with
    its control characters escaped; plain text comes back unchanged."""
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).decode("utf-8", "replace")
    text = value if isinstance(value, str) else str(value)
    return (_CONTROLS_BUT_NEWLINES if keep_newlines else _CONTROLS).sub(_escape, text)


class EscapeControls(logging.Filter):
    """A handler filter: control characters in a record's message escaped (newlines
    kept), so nothing that reaches the log can drive the terminal."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: let the handler report it as usual
            return True
        safe = printable(message, keep_newlines=True)
        if safe != message:
            record.msg, record.args = safe, None
        return True


def escape_log_handlers(logger: logging.Logger | None = None) -> None:
    """Put EscapeControls on every handler of ``logger`` (the root logger by default)."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, EscapeControls) for f in handler.filters):
            handler.addFilter(EscapeControls())
