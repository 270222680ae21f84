"""Bytes to text: the character encoding of a fetched page, found and applied once.

The one decoder of the project: the downloader decodes every page with it
(``responses.py``), and extraction's loader (``extraction/loading.py``) decodes with it the
bytes it is given directly (``extract_article(bytes)``, the benchmarks).

Sites label their encodings wrongly all the time: ``latin-1`` for Windows-1252 (curly
quotes become control characters), no label at all on Shift_JIS or GB18030 pages, a
``utf-8`` header on a page saved in Windows-1252, text that was already mis-decoded once
before it was published ("cafÃ©"). :func:`decode_html` settles the encoding in this order:

1. a byte-order mark (it cannot be wrong; broken units after it carry no text and go);
2. the ``charset`` of the Content-Type header, then the ``<meta>`` declaration, each with
   the WHATWG aliases browsers apply (``latin-1`` -> cp1252, ``gb2312`` -> gb18030,
   ``shift_jis`` -> cp932), used only if the body decodes with it;
3. UTF-8 if the body is valid UTF-8, or UTF-8 with a little damage (a cut character, a
   lone surrogate: the broken bytes dropped), else detection (charset-normalizer);
4. cp1252 with replacement characters, the last resort that never fails.

Mojibake left in the result is then repaired with ftfy (:func:`repair_mojibake`, which
extraction also applies to text it is given). :func:`looks_binary` tells a binary body
served as ``text/html`` from a page, :func:`looks_binary_text` the same of bytes some caller
already decoded as text.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import ftfy
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, resolve_encoding

# Bytes of the body looked at to detect an undeclared encoding or a binary body.
DETECTION_SAMPLE_BYTES = 64 * 1024
# Share of control characters (other than tab, newline, carriage return, form feed) in the
# sample above which a body is binary, not text.
BINARY_CONTROL_SHARE = 0.02
# UTF-8 with broken sequences on at most this share of its characters is damaged UTF-8
# (read as UTF-8, the broken bytes dropped), not a page in a legacy encoding.
MAX_BROKEN_UTF8_SHARE = 0.01
# Byte-order marks, longest first (UTF-32 LE starts with the UTF-16 LE mark).
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# File signatures of formats that are never pages, whatever the Content-Type says.
BINARY_SIGNATURES = (
    b"%PDF-", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b", b"BZh",
    b"\x7fELF", b"RIFF", b"OggS", b"\x00\x00\x01\x00", b"wOFF", b"wOF2", b"7z\xbc\xaf",
)
# Control characters that text does not hold: C0 but tab, newlines, form feed and escape.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20)])
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")
_REPLACEMENT_RUN = re.compile("\ufffd+")
# What mis-decoded UTF-8 looks like: a lead byte read as Latin-1/cp1252, then a
# continuation byte ("CafÃ©", "Â°", "â€™"). ftfy is only asked when such a pair occurs, and
# the pattern only runs on text holding one of the pairs' first letters (a substring search):
# a page's cost is a few scans unless ftfy is needed. ftfy finds and repairs every kind of
# mojibake on a page once asked, Polish or Cyrillic too.
MOJIBAKE_HINT = re.compile("[\u00c2\u00c3][\u0080-\u00bf]|\u00e2\u20ac[\u0080-\u00bf\u2018-\u203a\u0153\u017e\u2122]")
MOJIBAKE_LEAD_CHARS = ("\u00c2", "\u00c3", "\u00e2")  # the first letter of every pair above
# ftfy's encoding repairs and nothing else (no quotes uncurled, entities, widths or line
# breaks changed), a line at a time: as fix_encoding on the whole text, three times faster.
ONLY_ENCODING_FIXES = ftfy.TextFixerConfig(
    unescape_html=False, remove_terminal_escapes=False, fix_latin_ligatures=False,
    fix_character_width=False, uncurl_quotes=False, fix_line_breaks=False, fix_surrogates=False,
    remove_control_chars=False, normalization=None, explain=False,
)


@dataclass(frozen=True)
class DecodedPage:
    """A page's text and how it was decoded.

    ``source`` is one of ``bom``, ``header``, ``meta``, ``utf-8``, ``damaged-utf-8``,
    ``detected`` or ``fallback``; ``repaired`` says whether mojibake was fixed.
    """

    text: str
    encoding: str
    source: str
    repaired: bool = False


def decode_html(body: bytes, content_type: str | None = None) -> DecodedPage:
    """Decode a page's ``body`` given its Content-Type header; never raises.

    NUL characters are left out, as browsers leave them out of what they show: a stray
    one must not make the page unreadable to the parsers."""
    text, encoding, source = _decode(body, content_type)
    if "\x00" in text:
        text = text.replace("\x00", "")
    text, repaired = repair_mojibake(text)
    return DecodedPage(text=text, encoding=encoding, source=source, repaired=repaired)


def repair_mojibake(text: str) -> tuple[str, bool]:
    """``text`` with UTF-8 that was read as Latin-1/cp1252 repaired ("CafÃ©" -> "Café"),
    and whether anything was; ftfy judges, and is asked only when the hint occurs."""
    if text.isascii() or not any(lead in text for lead in MOJIBAKE_LEAD_CHARS) or not MOJIBAKE_HINT.search(text):
        return text, False
    fixed = ftfy.fix_text(text, ONLY_ENCODING_FIXES)
    return fixed, fixed != text


def _decode(body: bytes, content_type: str | None) -> tuple[str, str, str]:
    encoding: str | None
    for bom, encoding in BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(encoding, "ignore"), encoding, "bom"
    declared = [
        (_resolve(http_content_type_encoding(content_type or "")), "header"),
        (_resolve(html_body_declared_encoding(body[:DETECTION_SAMPLE_BYTES])), "meta"),
    ]
    for encoding, source in declared:
        if encoding and _plausible(body, encoding) and (text := _strict(body, encoding)) is not None:
            return text, encoding, source
    if (text := _strict(body, "utf-8")) is not None:
        return text, "utf-8", "utf-8"
    says_utf8 = any(e == "utf-8" for e, _ in declared)
    if (text := _damaged_utf8(body, says_utf8)) is not None:
        return text, "utf-8", "damaged-utf-8"
    detected = _detect(body)
    if detected and (text := _strict(body, detected)) is not None:
        return text, detected, "detected"
    # Nothing decodes cleanly: a declared encoding with a few bad bytes beats a guess.
    encoding = next((e for e, _ in declared if e), "cp1252")
    return body.decode(encoding, "replace"), encoding, "fallback"


def _resolve(label: str | None) -> str | None:
    """The Python codec for an encoding label, with the browsers' aliases; None if unknown."""
    if not label:
        return None
    try:
        return resolve_encoding(label)
    except (LookupError, ValueError):
        return None


def _plausible(body: bytes, encoding: str) -> bool:
    """A UTF-16 or UTF-32 label is believed only for a body with zero bytes: markup in
    those encodings has one in every ASCII character. Any even-length body decodes as
    UTF-16 without error, so a wrong label (a cp1252 page labelled utf-16) would win
    with garbage."""
    if encoding.lower().replace("_", "-").startswith(("utf-16", "utf-32", "utf16", "utf32")):
        return b"\x00" in body[:DETECTION_SAMPLE_BYTES]
    return True


def _strict(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _damaged_utf8(body: bytes, says_utf8: bool) -> str | None:
    """``body`` as UTF-8 without its broken sequences, when it is UTF-8 with a little
    damage (broken sequences on at most MAX_BROKEN_UTF8_SHARE of its characters) rather
    than another encoding: the page says it is UTF-8, or shows more well-formed
    multi-byte characters than broken ones."""
    text = body.decode("utf-8", errors="replace")
    # one broken sequence may give several replacement characters: count the runs
    broken = len(_REPLACEMENT_RUN.findall(text)) - body.count(b"\xef\xbf\xbd")
    if broken > MAX_BROKEN_UTF8_SHARE * len(text):
        return None
    if not says_utf8 and sum(1 for ch in text if ord(ch) > 0x7F and ch != "\ufffd") < broken:
        return None
    return body.decode("utf-8", errors="ignore")


def _detect(body: bytes) -> str | None:
    """The most likely encoding of an undeclared body (charset-normalizer), as a codec name."""
    from charset_normalizer import from_bytes

    matches = from_bytes(body[:DETECTION_SAMPLE_BYTES])
    best = matches.best()
    if best is None:
        return None
    # Short Western text fits cp1250, cp1252 and cp1257 equally well; the web's most
    # common legacy encoding wins such a tie (as browsers' default does).
    tied = [m.encoding for m in matches
            if m.chaos <= best.chaos + 0.01 and m.coherence >= best.coherence - 0.01]
    return _resolve("cp1252" if "cp1252" in tied else best.encoding)


def looks_binary(body: bytes) -> bool:
    """Tell whether ``body`` is a binary file rather than text of any encoding.

    A known file signature, or more than a few control bytes in the first 64 KB (UTF-16
    and UTF-32 pages with a byte-order mark are text, whatever their zero bytes).
    """
    sample = body[:DETECTION_SAMPLE_BYTES]
    if not sample:
        return False
    if any(sample.startswith(bom) for bom, _ in BOMS):
        return False
    if sample.startswith(BINARY_SIGNATURES):
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls > max(4, BINARY_CONTROL_SHARE * len(sample))


def looks_binary_text(text: str) -> bool:
    """Tell whether ``text`` is a binary file some caller decoded as text: more than a few
    control characters in its first 64 K characters (the measure of ``looks_binary``)."""
    sample = text[:DETECTION_SAMPLE_BYTES]
    controls = len(_CONTROL_CHARS.findall(sample))
    return bool(sample) and controls > max(4, BINARY_CONTROL_SHARE * len(sample))
