"""Furigana in Anki's ``漢字[かんじ]`` form, from UniDic readings.

Okurigana stay outside the brackets (食べる → 食[た]べる), numbers and counters are left
alone (UniDic gives numbers no reading), and a small table overrides readings UniDic gets
wrong often enough to matter.
"""

from __future__ import annotations

import re

from quizgen.escape import escape_field
from quizgen.tokenize import tokenize

_KANJI_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff々〆ヶ]")
# UniDic 2.1.2 readings that are wrong in news text often enough to override.
READING_OVERRIDES = {"日本": "にほん", "明日": "あした", "一人": "ひとり", "行った": None}


def to_hiragana(kana: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in kana)


def _ruby(surface: str, reading: str) -> str:
    """``食べる`` + ``たべる`` → `` 食[た]べる``: kana at either end stay outside the brackets."""
    head = 0
    while (
        head < len(surface)
        and head < len(reading)
        and not _KANJI_RE.match(surface[head])
        and surface[head] == reading[head]
    ):
        head += 1
    tail = 0
    while (
        tail < len(surface) - head
        and tail < len(reading) - head
        and not _KANJI_RE.match(surface[-1 - tail])
        and surface[-1 - tail] == reading[-1 - tail]
    ):
        tail += 1
    core = surface[head : len(surface) - tail]
    core_reading = reading[head : len(reading) - tail]
    if not core or not core_reading or core == core_reading:
        return escape_field(surface)
    # A leading space tells Anki where the annotated text starts.
    return (
        escape_field(surface[:head])
        + f" {escape_field(core)}[{escape_field(core_reading)}]"
        + escape_field(surface[len(surface) - tail :])
    )


def furigana_markup(text: str, names: tuple[str, ...] = ()) -> str:
    """Escaped text with ``漢字[よみ]`` for words containing kanji.

    >>> furigana_markup("中国が仲介した")
    ' 中国[ちゅうごく]が 仲介[ちゅうかい]した'
    """
    out = []
    pos = 0
    after_number = False
    for token in tokenize(text, names):
        out.append(escape_field(text[pos : token.start]))
        pos = token.end
        surface = token.surface
        counter = after_number and (token.pos1 == "接尾辞" or token.pos3 == "助数詞可能")
        after_number = token.pos2 == "数詞" or (after_number and surface in (",", "."))
        if not _KANJI_RE.search(surface) or not token.kana or token.pos2 == "数詞" or counter:
            out.append(escape_field(surface))
            continue
        reading = READING_OVERRIDES.get(surface, to_hiragana(token.kana))
        if reading is None:
            out.append(escape_field(surface))
            continue
        out.append(_ruby(surface, reading))
    out.append(escape_field(text[pos:]))
    return "".join(out)
