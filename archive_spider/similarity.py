"""Near-duplicate detection: 64-bit SimHash over word shingles, confirmed by resemblance.

Two articles whose texts differ only by a few words (a syndicated copy with another
footer, a reprint with a corrected typo, a paragraph dropped) get fingerprints a few bits
apart, while unrelated texts differ in about half of the 64 bits. On texts of a few hundred
words the fingerprint is noisy (measured on the demo's 44 essays: a one-word edit plus a
footer moves it up to 6 bits, dropping one paragraph of eight up to 13, while the closest
two different essays are 17 apart), so it only picks candidates cheaply; the verdict is
the resemblance of the two texts' shingle sets (Broder's Jaccard). Pure: no database.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter

# Words per shingle: three catches reworded phrases, not just a shared vocabulary.
SHINGLE_WORDS = 3
# Fingerprints at most this many bits apart are compared in full (Manku et al., WWW 2007,
# use 3 of 64 for whole web pages; article texts are shorter, so the net is wider).
CANDIDATE_BITS = 14
# The archive finds candidates through the fingerprint's eight bytes ("bands"), each
# indexed: two fingerprints at most 7 bits apart share at least one byte (pigeonhole), so
# those are always found; further ones when they happen to share one.
BANDS = 8
# Shared shingles over all shingles of the two texts at which they count as one article.
MIN_RESEMBLANCE = 0.8
# Shorter texts have too few shingles for a fingerprint to mean much: exact matches only.
MIN_WORDS_FOR_SIMHASH = 50
# Only texts of roughly the same length are compared (a quick filter before the bits).
LENGTH_RATIO = 0.7

WORD_RE = re.compile(r"\w+", re.UNICODE)
BITS = 64


def shingles(text: str | None, size: int = SHINGLE_WORDS) -> Counter:
    """Overlapping runs of ``size`` lower-cased words, with how often each occurs."""
    words = WORD_RE.findall((text or "").lower())
    if len(words) < size:
        return Counter([" ".join(words)]) if words else Counter()
    return Counter(map(" ".join, zip(*(words[i:] for i in range(size)))))


# For each bit of a byte (most significant first), a bytes.translate table mapping every
# byte value to that bit: 0 or 1.
BIT_OF_BYTE = [bytes((value >> (7 - bit)) & 1 for value in range(256)) for bit in range(8)]


def simhash(text: str | None) -> int | None:
    """The 64-bit SimHash of ``text`` as a signed integer (SQLite's INTEGER), or None
    when the text is too short to fingerprint."""
    if len(WORD_RE.findall(text or "")) < MIN_WORDS_FOR_SIMHASH:
        return None
    # Every shingle's 8-byte hash, once per occurrence, in one bytes object; bit j of
    # byte k of the fingerprint is set when more than half of the hashes have it. The
    # counting runs in C: slice out byte k of every hash, map each to bit j, count ones.
    blake2b = hashlib.blake2b
    hashes = b"".join(blake2b(shingle.encode("utf-8"), digest_size=8).digest() * count
                      for shingle, count in shingles(text).items())
    half = len(hashes) / 8 / 2
    fingerprint = 0
    for byte in range(BITS // 8):
        column = hashes[byte::8]
        for table in BIT_OF_BYTE:
            fingerprint = (fingerprint << 1) | (column.translate(table).count(1) > half)
    return fingerprint - (1 << BITS) if fingerprint >= 1 << (BITS - 1) else fingerprint


def bands(fingerprint: int) -> list[int]:
    """The fingerprint's BANDS bytes, low byte first, as SQLite computes them with
    ``(simhash >> 8 * k) & 255`` (both shift arithmetically)."""
    return [(fingerprint >> (8 * k)) & 255 for k in range(BANDS)]


def distance(a: int, b: int) -> int:
    """How many of the 64 bits differ between two fingerprints."""
    return bin((a ^ b) & ((1 << BITS) - 1)).count("1")


def is_candidate(a: int | None, b: int | None) -> bool:
    """Fingerprints close enough for the texts to be compared."""
    return a is not None and b is not None and distance(a, b) <= CANDIDATE_BITS


def resemblance(a: str, b: str) -> float:
    """Jaccard similarity of the two texts' shingle sets: 1.0 for the same words in the
    same order, near 0 for unrelated texts."""
    first, second = set(shingles(a)), set(shingles(b))
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)


def is_near_duplicate(text_a: str, print_a: int | None, text_b: str, print_b: int | None) -> bool:
    """Whether two texts are one article: close fingerprints and a high resemblance."""
    return is_candidate(print_a, print_b) and resemblance(text_a, text_b) >= MIN_RESEMBLANCE
