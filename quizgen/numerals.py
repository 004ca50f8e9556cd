"""Japanese numerals: kanji (二〇二三, 二十九, 三万五千) and arabic digits with commas."""

from __future__ import annotations

DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
LARGE_UNITS = {"万": 10**4, "億": 10**8, "兆": 10**12}
# What may come before a number and belongs to it as a fact (約34万人): its distractors
# take it too.
NUMBER_PREFIXES = ("約", "およそ", "最大", "最高", "最低", "推定", "少なくとも", "計", "合計",
                   "総額")  # fmt: skip
KANJI_NUMERAL_CHARS = "".join(DIGITS) + "".join(SMALL_UNITS) + "".join(LARGE_UNITS)


def parse_number(text: str) -> float | int:
    """Parse a Japanese number: ``"29"``, ``"1,200"``, ``"二十九"``, ``"二〇二三"``, ``"6億"``, ``"1万2000"``.

    >>> parse_number("二十九"), parse_number("1万2000"), parse_number("二〇二三"), parse_number("6億")
    (29, 12000, 2023, 600000000)

    Raises ValueError when ``text`` is not a number.
    """
    text = text.replace(",", "").replace("，", "")
    if not text:
        raise ValueError("empty number")
    total: float = 0
    section: float = 0  # below 万
    current: float | None = None  # digits read but not yet multiplied
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isdigit() or ch == ".":
            j = i
            while j < len(text) and (text[j].isdigit() or text[j] == "."):
                j += 1
            current = float(text[i:j]) if "." in text[i:j] else int(text[i:j])
            i = j
            continue
        if ch in DIGITS:
            # A run of plain digits (二〇二三) is positional.
            j = i
            while j < len(text) and text[j] in DIGITS:
                j += 1
            run = text[i:j]
            current = int("".join(str(DIGITS[c]) for c in run))
            i = j
            continue
        if ch in SMALL_UNITS:
            section += (current if current is not None else 1) * SMALL_UNITS[ch]
            current = None
        elif ch in LARGE_UNITS:
            section += current or 0
            total += (section or 1) * LARGE_UNITS[ch]
            section, current = 0, None
        else:
            raise ValueError(f"not a number: {text!r}")
        i += 1
    value = total + section + (current or 0)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
