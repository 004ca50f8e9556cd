"""Date expressions resolved against the article's date (table of cases)."""

from __future__ import annotations

import datetime as dt

import pytest

from quizgen.dates import find_dates, format_answer, parse_published

MAR29 = dt.date(2023, 3, 29)
JAN20 = dt.date(2023, 1, 20)

# (sentence, published, expected [(span text, value)]) — the comment says what each guards.
CASES = [
    (
        "今年3月10日にも、中国は仲介した。",
        MAR29,
        [("今年3月10日", "2023-03-10")],
    ),  # the seed's key fact
    ("まだ来年の大統領選への出馬を表明していない。", MAR29, [("来年", "2024")]),  # relative year
    ("昨年12月に閣議決定した。", MAR29, [("昨年12月", "2022-12")]),  # relative year with month
    ("去年の夏に始まった。", MAR29, [("去年", "2022")]),  # 去年 = 昨年
    ("ことし5月に開かれる。", MAR29, [("ことし5月", "2023-05")]),  # hiragana ことし
    ("令和5年4月1日に施行された。", MAR29, [("令和5年4月1日", "2023-04-01")]),  # era year
    ("平成元年に始まった。", MAR29, [("平成元年", "1989")]),  # 元年
    ("昭和64年1月7日に崩御した。", MAR29, [("昭和64年1月7日", "1989-01-07")]),  # last Showa day
    (
        "二〇二三年三月二十九日に発表した。",
        MAR29,
        [("二〇二三年三月二十九日", "2023-03-29")],
    ),  # kanji numerals
    ("2023年3月29日に発表した。", MAR29, [("2023年3月29日", "2023-03-29")]),  # absolute
    ("10日に会談した。", MAR29, [("10日", "2023-03-10")]),  # day alone, this month
    (
        "28日に会談した。",
        dt.date(2023, 3, 2),
        [("28日", "2023-02-28")],
    ),  # past day after today → last month
    ("15日夜に発生した。", MAR29, [("15日夜", "2023-03-15")]),  # part of day stays in the span
    ("13日深夜、火災が起きた。", MAR29, [("13日深夜", "2023-03-13")]),  # 深夜
    (
        "午後10時50分ごろ、地震があった。",
        MAR29,
        [("午後10時50分ごろ", "2023-03-29T22:50")],
    ),  # time alone
    ("13日午前9時に始まった。", MAR29, [("13日午前9時", "2023-03-13T09:00")]),  # day and time
    ("03年5月に設立された。", MAR29, [("03年5月", "2003-05")]),  # two-digit year before a month
    ("本6日に開かれた。", MAR29, [("本6日", "2023-03-06")]),  # 本 + day
    ("3月10〜12日に開催された。", MAR29, [("3月10〜12日", "2023-03-10/2023-03-12")]),  # range
    (
        "12月に選挙が行われた。",
        JAN20,
        [("12月", "2022-12")],
    ),  # December in a January article: last year
    ("12月に選挙が行われる予定だ。", JAN20, [("12月", "2023-12")]),  # …unless the tense is future
    (
        "5日に発表する予定だ。",
        MAR29,
        [("5日", "2023-04-05")],
    ),  # future day before today → next month
    ("先月15日に始まった。", MAR29, [("先月15日", "2023-02-15")]),  # 先月
    ("来月1日から始まる。", MAR29, [("来月1日", "2023-04-01")]),  # 来月
    ("今月末までに決める。", MAR29, [("今月", "2023-03")]),  # 今月
    ("昨日、発表した。", MAR29, [("昨日", "2023-03-28")]),  # 昨日
    (
        "きょう午後3時から会見する。",
        MAR29,
        [("きょう午後3時", "2023-03-29T15:00")],
    ),  # きょう + time
    ("あす発表する。", MAR29, [("あす", "2023-03-30")]),  # あす
    ("2024年度の予算案", MAR29, [("2024年度", "2024")]),  # fiscal year
    ("10日間の日程を終えた。", MAR29, []),  # a duration, not a date
    ("3時間にわたり議論した。", MAR29, []),  # a duration
    ("一日も早く復旧したい。", MAR29, []),  # an idiom, not the 1st
    ("2月30日に予定した。", MAR29, []),  # no such day
    ("13月に入った。", MAR29, []),  # no such month
    ("２０２３年", MAR29, []),  # full-width digits are folded before this stage (clean.normalise)
    ("予約は前年より5%多かった。", MAR29, []),  # a base of comparison, as 前年同月比
    (
        "新しい内閣の顔ぶれは30日にも固まる。",
        dt.date(2024, 9, 28),
        [("30日", "2024-09-30")],
    ),  # a day just after the article's, the verb not past: to come, this month
    (
        "大阪・関西万博は2025年4月13日に開幕し、10月13日まで開かれる。",
        dt.date(2024, 11, 1),
        [("2025年4月13日", "2025-04-13"), ("10月13日", "2025-10-13")],
    ),  # a later month and day of the same sentence share its written year
    (
        "2020年4月7日に緊急事態宣言が出され、5月25日に解除された。",
        dt.date(2024, 11, 1),
        [("2020年4月7日", "2020-04-07"), ("5月25日", "2020-05-25")],
    ),  # the same, in the past
    (
        "2011年3月11日の震災から13年となる3月11日、式典が開かれた。",
        dt.date(2024, 3, 12),
        [("2011年3月11日", "2011-03-11"), ("3月11日", "2024-03-11")],
    ),  # the same day again is an anniversary: the article's year
]


def test_a_fiscal_year_is_answered_as_one() -> None:
    # 来年度 is April 2024 to March 2025: "2024年" would be another answer.
    (span,) = find_dates("来年度の予算案を決めた。", MAR29)
    assert (span.value, span.answer) == ("2024", "2024年度")
    (span,) = find_dates("令和6年度から始まる。", MAR29)
    assert (span.value, span.answer) == ("2024", "2024年度")


@pytest.mark.parametrize(("sentence", "published", "expected"), CASES)
def test_find_dates(sentence: str, published: dt.date, expected: list[tuple[str, str]]) -> None:
    found = [(sentence[d.start : d.end], d.value) for d in find_dates(sentence, published)]
    assert found == expected


def test_relative_dates_need_a_published_date() -> None:
    assert find_dates("今年3月10日に仲介した。", None) == []
    assert [d.value for d in find_dates("2023年3月10日に仲介した。", None)] == ["2023-03-10"]


def test_bare_time_takes_the_day_named_before() -> None:
    spans = find_dates("午後3時に再開した。", MAR29, anchor=dt.date(2023, 3, 13))
    assert spans[0].value == "2023-03-13T15:00"


@pytest.mark.parametrize(
    ("value", "answer"),
    [
        ("2023-03-10", "2023年3月10日"),
        ("2024", "2024年"),
        ("2023-03", "2023年3月"),
        ("2023-03-29T22:50", "2023年3月29日午後10時50分"),
        ("2023-03-10/2023-03-12", "2023年3月10日〜12日"),
    ],
)
def test_format_answer(value: str, answer: str) -> None:
    assert format_answer(value) == answer


@pytest.mark.parametrize("bad", ["yesterday", "2023-02-30", "2023-13-01", 5])
def test_parse_published_rejects(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_published(bad)
