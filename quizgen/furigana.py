"""Furigana in Anki's ``漢字[かんじ]`` form, from UniDic readings.

Okurigana stay outside the brackets (食べる → 食[た]べる), numbers and counters are left
alone (UniDic gives numbers no reading), and a small table overrides readings UniDic gets
wrong often enough to matter.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence

from quizgen.escape import escape_field
from quizgen.tokenize import Token, tokenize

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


def furigana_pieces(text: str, cuts: Sequence[int], names: tuple[str, ...] = ()) -> list[str]:
    """``text`` cut at the offsets ``cuts`` (sorted), each piece escaped with ``漢字[よみ]``
    markup. Readings come from the whole text, as ``furigana_markup`` gives them; a word
    that a cut goes through keeps none.

    >>> furigana_pieces("中国が仲介した", [0, 2])
    ['', ' 中国[ちゅうごく]', 'が 仲介[ちゅうかい]した']
    """
    pieces: list[list[str]] = [[] for _ in range(len(cuts) + 1)]
    bounds = list(cuts)

    def emit(start: int, end: int, markup: str | None) -> None:
        """text[start:end] into its piece (split plainly at any cut inside it)."""
        inside = [c for c in bounds if start < c < end]
        if markup is not None and not inside:
            pieces[bisect.bisect_right(bounds, start)].append(markup)
            return
        for a, b in zip([start, *inside], [*inside, end], strict=True):
            pieces[bisect.bisect_right(bounds, a)].append(escape_field(text[a:b]))

    pos = 0
    for token, markup in _marked(text, names):
        emit(pos, token.start, None)
        emit(token.start, token.end, markup)
        pos = token.end
    emit(pos, len(text), None)
    return ["".join(piece) for piece in pieces]


def _marked(text: str, names: tuple[str, ...]) -> Iterator[tuple[Token, str]]:
    """Each token of ``text`` with its markup (escaped, ``漢字[よみ]`` where it has kanji)."""
    after_number = False
    for token in tokenize(text, names):
        surface = token.surface
        counter = after_number and (token.pos1 == "接尾辞" or token.pos3 == "助数詞可能")
        after_number = token.pos2 == "数詞" or (after_number and surface in (",", "."))
        if not _KANJI_RE.search(surface) or not token.kana or token.pos2 == "数詞" or counter:
            yield token, escape_field(surface)
            continue
        reading = READING_OVERRIDES.get(surface, to_hiragana(token.kana))
        yield token, escape_field(surface) if reading is None else _ruby(surface, reading)


def furigana_markup(text: str, names: tuple[str, ...] = ()) -> str:
    """Escaped text with ``漢字[よみ]`` for words containing kanji.

    >>> furigana_markup("中国が仲介した")
    ' 中国[ちゅうごく]が 仲介[ちゅうかい]した'
    """
    return furigana_pieces(text, (), names)[0]


# Anki's reading markup (`` 漢字[かんじ]``) as HTML ruby: brackets in article text are
# escaped (&#91;), so every bracket here is a reading.
_READING_RE = re.compile(r" ?([^ \[\]<>]+)\[([^\]]+)\]")


def ruby_html(text: str, names: tuple[str, ...] = ()) -> str:
    """Escaped HTML of ``text`` with ``<ruby>`` readings over its kanji (quiz sheets,
    Moodle), from the readings ``furigana_markup`` gives.

    >>> ruby_html("中国が仲介した")
    '<ruby>中国<rt>ちゅうごく</rt></ruby>が<ruby>仲介<rt>ちゅうかい</rt></ruby>した'
    """
    return _READING_RE.sub(r"<ruby>\1<rt>\2</rt></ruby>", furigana_markup(text, names))
