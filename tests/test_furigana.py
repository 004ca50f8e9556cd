"""Furigana in Anki's 漢字[かんじ] form."""

from __future__ import annotations

import pytest

from quizgen.furigana import furigana_markup


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Okurigana stay outside the brackets.
        ("食べる", " 食[た]べる"),
        # Numbers and their counters are left alone; the override table reads 日本 as にほん.
        ("日本は3月10日に20人を派遣した。", " 日本[にほん]は3月10日に20人を 派遣[はけん]した。"),
        # 明日 is あした in news speech (override), and 行われる keeps its okurigana.
        ("明日行われる", " 明日[あした] 行[おこな]われる"),
        # A name from the shipped dictionary is read whole, not as 習う.
        ("習近平国家主席", " 習近平[しゅうきんぺい] 国家[こっか] 主席[しゅせき]"),
        # Text with no kanji is unchanged; HTML is escaped.
        ("<b>ニュース</b>", "&lt;b&gt;ニュース&lt;/b&gt;"),
    ],
)
def test_furigana(text: str, expected: str) -> None:
    assert furigana_markup(text) == expected
