"""Counting words in any script.

Chinese and Japanese are written without spaces, so counting runs of letters finds one
"word" per sentence and a long article looks like a stub. Here, as in word processors,
each Han, Hiragana or Katakana character counts as a word, and runs of letters of other
scripts count as one word each.
"""

from __future__ import annotations

import re

# Han (CJK unified ideographs and extensions, compatibility), Hiragana, Katakana.
_CJK_CHAR = re.compile(
    "[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"
)
_WORD = re.compile(r"\w+")


def count_words_any_script(text: str | None) -> int:
    """Words in ``text``: each CJK character one word, other letter runs one word each."""
    if not text:
        return 0
    cjk = len(_CJK_CHAR.findall(text))
    rest = _CJK_CHAR.sub(" ", text)
    return cjk + len(_WORD.findall(rest))
