"""Dates: find date expressions in a sentence and resolve them against the article's date.

Works on normalised text (see ``clean.normalise``: digits are ASCII). Handles Western and
era years (令和5年, 平成元年), kanji numerals (二〇二三年三月二十九日), partial dates
(3月10日, 10日, 本6日, 15日夜, 午後10時50分ごろ, 03年5月), relative words (今年, 来年,
先月, 昨日 …) and day ranges (3月10〜12日). A value keeps its precision:
``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``, ``YYYY-MM-DDTHH:MM`` or ``start/end``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any, NamedTuple

from quizgen.numerals import parse_number

ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925, "大正": 1911}
RELATIVE_YEARS = {
    "一昨年": -2, "おととし": -2, "昨年": -1, "去年": -1, "前年": -1, "今年": 0, "ことし": 0,
    "本年": 0, "来年": 1, "翌年": 1, "再来年": 2,
}  # fmt: skip
RELATIVE_MONTHS = {"先月": -1, "前月": -1, "今月": 0, "来月": 1, "翌月": 1}
RELATIVE_DAYS = {
    "一昨日": -2, "おととい": -2, "昨日": -1, "きのう": -1, "今日": 0, "きょう": 0, "本日": 0,
    "明日": 1, "あす": 1, "あした": 1,
}  # fmt: skip
DAY_PARTS = ("未明", "早朝", "朝", "昼", "夕方", "夕", "夜", "深夜", "午前", "午後")

_N = r"(?:[0-9]{1,2}|[〇一二三四五六七八九十]{1,3})"
_alt = "|".join
# Every date expression starts with one of these: a cheap test at each position before
# the full pattern (most positions of a sentence start no date).
_DATE_START = "0-9〇一二三四五六七八九十本令平昭大今昨去来前翌再先おこきあ明午未早朝昼夕夜深"
DATE_RE = re.compile(
    rf"""
    (?=[{_DATE_START}])
    (?P<hon>本)?
    (?:
        (?P<era>{_alt(ERAS)})(?P<eyear>元|[0-9]{{1,2}}|[一二三四五六七八九十]{{1,3}})年(?P<efy>度)?
      | (?P<year>[0-9]{{4}}|[〇一二三四五六七八九]{{4}})年(?P<fy>度)?
      | (?P<year2>[0-9]{{2}})年(?=[0-9]{{1,2}}月)
      | (?P<ryear>{_alt(sorted(RELATIVE_YEARS, key=len, reverse=True))})(?P<rfy>度)?
    )?
    (?:の)??
    (?:
        (?P<month>{_N})月(?!間)
      | (?P<rmonth>{_alt(RELATIVE_MONTHS)})
    )?
    (?:
        (?P<day>{_N})(?:日?[〜~～](?P<day2>{_N}))?日(?!間|ぶり|以内|以降の|目|付け?の?\d|分|本|後|前|連続)
      | (?P<rday>{_alt(sorted(RELATIVE_DAYS, key=len, reverse=True))})
    )?
    (?P<part>{_alt(DAY_PARTS)})?
    (?:(?P<hour>[0-9]{{1,2}}|[一二三四五六七八九十]{{1,3}})時(?!間|点|代)(?:(?P<minute>[0-9]{{1,2}}|[一二三四五六七八九十]{{1,3}})分(?!の)|(?P<half>半))?)?
    (?P<approx>ごろ|頃|すぎ|過ぎ)?
    """,
    re.VERBOSE,
)
_FUTURE_RE = re.compile(
    r"予定|見通し|見込み|方針|計画|目指|方向で|へ。|する。|される。|れる。|始まる|開かれる|行われる|迎える|なる。"
)
_PAST_RE = re.compile(r"(?:た|だ)(?:。|」|と|が|、|ものの|という|$)|ました|でした")
_ARABIC = re.compile(r"[0-9]")
_PAST_END_RE = re.compile(r"(?<!予定|見込|見通|方針|計画)(?:た|ました|でした)」?$")
_COMPARISON_YEARS = ("前年", "昨年", "去年", "前月", "先月")


class DateSpan(NamedTuple):
    """A date expression found at ``text[start:end]`` with its resolved ISO ``value``."""

    start: int
    end: int
    value: str
    answer: str
    anchor: dt.date | None  # the day it names, for later "午後3時" in the same article


def parse_published(value: Any) -> dt.date | dt.datetime:
    """Parse a published date from YAML or metadata: a date, a date-time, or ISO text.

    >>> parse_published("2023-03-29"), parse_published("2023-03-29T11:20+09:00").hour
    (datetime.date(2023, 3, 29), 11)

    Raises ValueError for anything else (``yesterday``, ``2023-02-30``).
    """
    if isinstance(value, dt.datetime | dt.date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a date, got {type(value).__name__}")
    text = value.strip()
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", text)
    if m:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    m = re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", text)
    if m:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("not a date") from None


def iso_published(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def format_published(value: dt.date | dt.datetime | None) -> str | None:
    """An article's date as a reader writes it: ``2023年3月29日``."""
    if value is None:
        return None
    day = value.date() if isinstance(value, dt.datetime) else value
    return f"{day.year}年{day.month}月{day.day}日"


def tense_after(rest: str) -> str:
    """Rough tense of the clause after a date: ``past``, ``future`` or ``present``."""
    clause = rest.split("。")[0]
    if _PAST_END_RE.search(clause):
        return "past"  # …方針を決めた: the verb that ends the clause decides
    if _FUTURE_RE.search(clause + "。"):
        return "future"
    if _PAST_RE.search(clause):
        return "past"
    return "present"


def _num(text: str | None) -> int | None:
    if text is None:
        return None
    value = parse_number(text)
    return int(value)


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _valid(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def format_answer(value: str) -> str:
    """Japanese display of an ISO value: ``2023-03-10`` → ``2023年3月10日``."""
    if "/" in value:
        first, last = value.split("/")
        a, b = format_answer(first), format_answer(last)
        if first[:7] == last[:7] and len(first) == len(last) == 10:
            return f"{a}〜{int(last[8:10])}日"
        return f"{a}〜{b}"
    date_part, _, time_part = value.partition("T")
    pieces = date_part.split("-")
    text = f"{int(pieces[0])}年"
    if len(pieces) > 1:
        text += f"{int(pieces[1])}月"
    if len(pieces) > 2:
        text += f"{int(pieces[2])}日"
    if time_part:
        hour, minute = (int(x) for x in time_part[:5].split(":"))
        half = "午前" if hour < 12 else "午後"
        text += f"{half}{hour % 12 if hour != 12 else 12}時" + (f"{minute}分" if minute else "")
    return text


def _lone_kanji(m: re.Match[str]) -> bool:
    """A lone kanji day or month (一日も早く, 十月 alone) is too often not a date."""
    parts = [g for g in ("year", "era", "ryear", "month", "rmonth", "day", "rday") if m.group(g)]
    if len(parts) != 1:
        return False
    only = m.group(parts[0])
    return parts[0] in ("month", "day") and not _ARABIC.search(only)


def find_dates(
    text: str, published: dt.date | None, anchor: dt.date | None = None
) -> list[DateSpan]:
    """Find and resolve the date expressions of one sentence.

    ``published`` is the article's date (relative words need it); ``anchor`` the last day
    named before this sentence (a bare 午後3時 belongs to it).

    >>> [d.value for d in find_dates("今年3月10日に合意した。", dt.date(2023, 3, 29))]
    ['2023-03-10']
    """
    spans: list[DateSpan] = []
    dated: dt.date | None = None  # the last day of this sentence written with its year
    for m in DATE_RE.finditer(text):
        if m.end() == m.start():
            continue
        core = [
            g
            for g in ("era", "year", "year2", "ryear", "month", "rmonth", "day", "rday", "hour")
            if m.group(g)
        ]
        if not core or _lone_kanji(m):
            continue
        if m.group("hon") and not m.group("day"):
            continue
        if core == ["hour"] and not m.group("part") and not _ARABIC.match(m.group("hour")):
            continue  # 一時 (for a while), not one o'clock
        relative = m.group("rmonth") or m.group("ryear")
        if (
            set(core) <= {"ryear", "rmonth"}
            and relative in _COMPARISON_YEARS
            and text[m.end() :].startswith(("同", "比", "より", "に比べ", "と比べ"))
        ):
            continue  # 前年同月比, 前年より: a base of comparison, not an event's date
        try:
            span = _resolve(m, text, published, anchor, dated)
        except (ValueError, OverflowError):
            continue
        if span is None:
            continue
        if span[1] is not None and (m.group("year") or m.group("era") or m.group("year2")):
            dated = span[1]
        start = m.start("hon") if m.group("hon") else m.start()
        end = m.end()
        answer = format_answer(span[0])
        if len(span[0]) == 4 and (m.group("fy") or m.group("efy") or m.group("rfy")):
            answer += "度"  # 来年度 → 2025年度: a fiscal year, not the calendar year
        spans.append(DateSpan(start, end, span[0], answer, span[1]))
        if span[1] is not None:
            anchor = span[1]
    return spans


def _resolve(
    m: re.Match[str],
    text: str,
    published: dt.date | None,
    anchor: dt.date | None,
    dated: dt.date | None = None,
) -> tuple[str, dt.date | None] | None:
    """The ISO value of a date expression, and the day it names. ``dated``: an earlier
    day of the same sentence written with its year, which a later month and day without
    one share (2025年4月13日に開幕し、10月13日まで開かれる: 2025-10-13)."""
    g = m.group
    tense = tense_after(text[m.end() :])
    year: int | None = None
    fixed_year = True
    if g("era"):
        year = ERAS[g("era")] + (1 if g("eyear") == "元" else int(parse_number(g("eyear"))))
    elif g("year"):
        year = _num(g("year"))
    elif g("year2"):
        short = _num(g("year2")) or 0
        year = 2000 + short if short < 50 else 1900 + short
    elif g("ryear"):
        if published is None:
            return None
        year = published.year + RELATIVE_YEARS[g("ryear")]
    else:
        fixed_year = False

    month = _num(g("month"))
    day = _num(g("day"))
    day2 = _num(g("day2"))
    if g("rmonth"):
        if published is None:
            return None
        year, month = _shift_month(published.year, published.month, RELATIVE_MONTHS[g("rmonth")])
        fixed_year = True
    if g("rday"):
        if published is None:
            return None
        the_day = published + dt.timedelta(days=RELATIVE_DAYS[g("rday")])
        year, month, day = the_day.year, the_day.month, the_day.day
        fixed_year = True

    if month is not None and not 1 <= month <= 12:
        return None
    if day is not None and not 1 <= day <= 31:
        return None

    if day is not None and month is None:
        if year is not None and not g("rday"):
            return None  # 2023年10日 is not a date
        if published is None:
            return None
        year, month = published.year, published.month
        if not g("hon"):
            candidate_ok = _valid(year, month, day)
            if tense == "future":
                if day < published.day - 7 or not candidate_ok:
                    year, month = _shift_month(year, month, 1)
            elif not candidate_ok or day > published.day + (7 if tense == "present" else 1):
                # A day just after the article's is to come unless the verb is past
                # (30日にも固まる, in an article of the 28th: this month's 30th).
                year, month = _shift_month(year, month, -1)
        fixed_year = True
    if (
        month is not None
        and year is None
        and dated is not None
        and (published is None or dated.year != published.year)
        and (month, day or 1) > (dated.month, dated.day)
    ):
        # Later in the same year as the sentence's dated day: the same year (not when it
        # is the same day again: 2011年3月11日の震災から13年の3月11日).
        year = dated.year
    if month is not None and year is None:
        if published is None:
            return None
        year = published.year
        candidate = dt.date(year, month, min(day or 1, calendar.monthrange(year, month)[1]))
        delta = (candidate - published).days
        if (tense == "past" and delta > 7) or (tense != "future" and delta > 183):
            year -= 1
        elif tense == "future" and delta < -183:
            year += 1
    del fixed_year

    hour = _num(g("hour"))
    minute = _num(g("minute")) or (30 if g("half") else 0)
    if hour is not None:
        if g("part") in ("午後", "夜", "夕方", "夕") and hour < 12:
            hour += 12
        if not (0 <= hour <= 24 and 0 <= minute < 60):
            return None
        if year is None:
            base = anchor or published
            if base is None:
                return None
            year, month, day = base.year, base.month, base.day
        if day is None:
            return None

    if year is None:
        return None
    if month is None:
        return str(year).zfill(4), None
    if day is None:
        return f"{year:04d}-{month:02d}", None
    if not _valid(year, month, day):
        raise ValueError("no such day")
    the_day = dt.date(year, month, day)
    if day2 is not None:
        if not _valid(year, month, day2) or day2 <= day:
            return None
        return f"{the_day.isoformat()}/{dt.date(year, month, day2).isoformat()}", the_day
    if hour is not None:
        if hour == 24:
            return None
        return f"{the_day.isoformat()}T{hour:02d}:{minute:02d}", the_day
    return the_day.isoformat(), the_day
