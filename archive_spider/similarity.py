"""Near-duplicate detection: 64-bit SimHash over word shingles.

Two articles whose texts differ only by a few words (a syndicated copy with another
footer, a reprint with a corrected typo) get fingerprints a few bits apart, while unrelated
texts differ in about half of the 64 bits. Pure: no database, no network.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter

# Words per shingle: three catches reworded phrases, not just a shared vocabulary.
SHINGLE_WORDS = 3
# Fingerprints at most this many bits apart are near-duplicates (Manku et al., WWW 2007,
# use 3 of 64 for web pages).
NEAR_DUPLICATE_BITS = 3
# Shorter texts have too few shingles for a fingerprint to mean much: exact matches only.
MIN_WORDS_FOR_SIMHASH = 50
# Only texts of roughly the same length are compared (a quick filter before the bits).
LENGTH_RATIO = 0.7

WORD_RE = re.compile(r"\w+", re.UNICODE)
BITS = 64


def shingles(text: str, size: int = SHINGLE_WORDS) -> Counter:
    """Overlapping runs of ``size`` lower-cased words, with how often each occurs."""
    words = WORD_RE.findall((text or "").lower())
    if len(words) < size:
        return Counter([" ".join(words)]) if words else Counter()
    return Counter(" ".join(words[i:i + size]) for i in range(len(words) - size + 1))


def simhash(text: str | None) -> int | None:
    """The 64-bit SimHash of ``text`` as a signed integer (SQLite's INTEGER), or None
    when the text is too short to fingerprint."""
    if len(WORD_RE.findall(text or "")) < MIN_WORDS_FOR_SIMHASH:
        return None
    weights = [0] * BITS
    for shingle, count in shingles(text).items():
        value = int.from_bytes(hashlib.blake2b(shingle.encode("utf-8"), digest_size=8).digest(), "big")
        for bit in range(BITS):
            weights[bit] += count if value >> bit & 1 else -count
    fingerprint = sum(1 << bit for bit, weight in enumerate(weights) if weight > 0)
    return fingerprint - (1 << BITS) if fingerprint >= 1 << (BITS - 1) else fingerprint


def distance(a: int, b: int) -> int:
    """How many of the 64 bits differ between two fingerprints."""
    return bin((a ^ b) & ((1 << BITS) - 1)).count("1")


def is_near_duplicate(a: int | None, b: int | None) -> bool:
    return a is not None and b is not None and distance(a, b) <= NEAR_DUPLICATE_BITS
