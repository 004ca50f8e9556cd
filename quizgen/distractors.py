"""Distractors for multiple-choice cards: same kind and granularity, never the answer.

Candidates come from the same article first, then the reading list, then built-in lists;
dates near the answer, numbers of the same unit and scale. Order is deterministic.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
from collections.abc import Iterable

from quizgen.dates import format_answer
from quizgen.model import Fact
from quizgen.numerals import NUMBER_PREFIXES

COUNTRIES = (
    "アメリカ", "中国", "ロシア", "日本", "韓国", "北朝鮮", "インド", "イギリス", "フランス", "ドイツ",
    "イタリア", "カナダ", "オーストラリア", "ブラジル", "メキシコ", "インドネシア", "トルコ", "イラン",
    "サウジアラビア", "エジプト", "南アフリカ", "ウクライナ", "ポーランド", "スペイン", "ベトナム", "タイ",
    "フィリピン", "イスラエル", "パキスタン", "アルゼンチン",
)  # fmt: skip
ORGANISATIONS = (
    "国際連合", "世界保健機関", "国際通貨基金", "世界銀行", "北大西洋条約機構", "欧州連合", "国際オリンピック委員会",
    "日本銀行", "気象庁", "外務省", "経済産業省", "宇宙航空研究開発機構", "東京証券取引所", "国際原子力機関",
)  # fmt: skip
PEOPLE = (
    "習近平", "ウラジーミル・プーチン", "ジョー・バイデン", "ドナルド・トランプ", "岸田文雄", "石破茂",
    "エマニュエル・マクロン", "ナレンドラ・モディ", "ウォロディミル・ゼレンスキー", "アントニオ・グテーレス",
)  # fmt: skip


_COUNTRY_SET = frozenset(COUNTRIES)


def _same_name(a: str, b: str) -> bool:
    """Another name for the answer (プーチン vs ウラジーミル・プーチン) is no distractor."""
    return a == b or a in b or b in a


def _date_candidates(value: str) -> list[str]:
    if "/" in value:
        return []
    if "T" in value:
        value = value[:10]
    parts = value.split("-")
    year = int(parts[0])
    if len(parts) == 1:
        return [str(year + d) for d in (-1, 1, -2, 2, -3)]
    if len(parts) == 2:
        month = int(parts[1])
        out = []
        for dy, dm in ((0, -1), (0, 1), (-1, 0), (0, -2), (0, 2), (1, 0)):
            index = (year + dy) * 12 + month - 1 + dm
            out.append(f"{index // 12:04d}-{index % 12 + 1:02d}")
        return out
    day = dt.date.fromisoformat(value)
    shifts = (
        dt.timedelta(days=10),
        dt.timedelta(days=-14),
        dt.timedelta(days=3),
        dt.timedelta(days=-365),
    )
    out = [(day + s).isoformat() for s in shifts]
    try:
        out.append(day.replace(year=day.year - 1).isoformat())
    except ValueError:
        pass
    return out


def format_number(value: float, unit: str | None, like: str = "") -> str:
    """Japanese display of a number with its unit, written the way ``like`` (the answer)
    writes its number: 4万109円 → 8万218円, 40,109円 → 80,218円; 600000000 ユーロ → 6億ユーロ
    when ``like`` says nothing. Decimals as many as ``like`` has (1.76度 → 3.52度)."""
    unit = unit or ""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.{max(_decimals(like), 1)}f}".rstrip("0").rstrip(".") + unit
    n = int(value)
    written = like.removesuffix(unit) if unit else like  # the number as the answer writes it
    if any(mark in written for mark in "万億兆") or (not like and n >= 10_000 and n % 1000 == 0):
        return _kanji_units(n) + unit
    if "," in written or (not like and n >= 10_000):
        return f"{n:,}{unit}"
    return f"{n}{unit}"


def _decimals(like: str) -> int:
    """How many decimals the number of ``like`` has (1.76度 → 2)."""
    found = _DECIMALS_RE.search(like)
    return len(found.group(1)) if found else 0


_DECIMALS_RE = re.compile(r"[0-9]\.([0-9]+)")


def _kanji_units(n: int) -> str:
    """A number in 兆, 億 and 万 (124350000 → 1億2435万)."""
    if n < 10_000:
        return str(n)
    text = ""
    for size, mark in ((10**12, "兆"), (10**8, "億"), (10**4, "万")):
        if n >= size:
            text += f"{n // size}{mark}"
            n %= size
    return text + (str(n) if n else "")


# Units whose values make sense only near the answer: steps to add to it.
NEARBY_STEPS = {"歳": (3, -3, 7, -7, 12, -12), "位": (1, 2, -1, 3, -2, 4)}
# The Japan Meteorological Agency's seismic intensity scale: 震度 is one of these.
SHINDO = ("震度1", "震度2", "震度3", "震度4", "震度5弱", "震度5強", "震度6弱", "震度6強", "震度7")


def _number_candidates(value: float, unit: str | None, like: str = "") -> list[str]:
    if unit == "分の":
        return []
    if unit == "震度":  # the nearest levels of the scale (not 12震度)
        level = next((i for i, name in enumerate(SHINDO) if like.endswith(name)), None)
        if level is None:
            return []
        nearest = sorted(range(len(SHINDO)), key=lambda i: (abs(i - level), -i))
        return [like.removesuffix(SHINDO[level]) + SHINDO[i] for i in nearest if i != level]
    if unit == "M":  # a magnitude: a few tenths either way, one decimal
        steps = (0.4, -0.4, 0.8, -0.8, 1.2, -1.2)
        return [f"{value + step:.1f}" for step in steps if 0 < value + step < 10]
    prefix = next((p for p in NUMBER_PREFIXES if like.startswith(p)), "")
    decimals = _decimals(like)
    whole = isinstance(value, int) or float(value).is_integer()
    if unit in NEARBY_STEPS and whole:  # an age, a rank: nearby values, not twice as many
        near = (value + step for step in NEARBY_STEPS[unit])
        return [prefix + format_number(int(v), unit, like) for v in near if 1 <= v <= 120]
    out = []
    for factor in (2, 0.5, 1.5, 3, 0.25, 10):
        candidate = value * factor
        if unit in ("%", "パーセント") and value <= 100 < candidate:
            continue  # a share stays a share
        if whole:
            if value > 0 and candidate < 1:
                continue
            candidate = round(candidate)
        else:
            candidate = round(candidate, max(decimals, 1))
        out.append(prefix + format_number(candidate, unit, like))
    if unit in ("%", "パーセント") and value <= 100 and whole:
        # A large share has few multiples left under 100: ten points either way too.
        near = (value + step for step in (-10, 10, -20, 20))
        out += [prefix + format_number(int(v), unit, like) for v in near if 0 < v <= 100]
    return out


def _display(fact: Fact) -> str:
    return fact.answer


def choose_distractors(
    fact: Fact, pool: Iterable[Fact], count: int = 3, prompt: str = ""
) -> list[str]:
    """``count`` distractors for ``fact``; fewer when no good ones exist.

    ``pool`` is the facts of the same article, then of the reading list, in that order.
    Nothing named in ``prompt`` is offered (中国 cannot be the answer to 中国は…どこ…か).
    """
    answer = fact.answer
    seen = {answer}
    out: list[str] = []

    def add(candidates: Iterable[str]) -> None:
        for c in candidates:
            if len(out) >= count:
                return
            if c and c not in seen and not _same_name(c, answer) and c not in prompt:
                seen.add(c)
                out.append(c)

    if fact.kind == "date" and isinstance(fact.value, str):
        date_part, _, time_part = fact.value.partition("T")
        suffix = "T" + time_part if time_part else ""
        fiscal = "度" if fact.answer.endswith("年度") else ""  # 2024年度: so are the others
        same = (
            format_answer(f.value.split("T")[0] + suffix) + fiscal
            for f in pool
            if f.kind == "date" and isinstance(f.value, str) and "/" not in f.value
            and len(f.value.split("T")[0]) == len(date_part)
            and f.answer != fact.answer
        )  # fmt: skip
        add([next(same, "")])
        add(format_answer(v + suffix) + fiscal for v in _date_candidates(date_part))
        return out
    if fact.kind == "number" and isinstance(fact.value, int | float):
        add(f.answer for f in pool if f.kind == "number" and f.unit == fact.unit)
        add(_number_candidates(fact.value, fact.unit, fact.answer))
        return out
    if fact.kind == "place":
        # Same granularity: countries for a country, other places for a city or a region.
        country = fact.answer in _COUNTRY_SET
        add(f.answer for f in pool if f.kind == "place" and (f.answer in _COUNTRY_SET) == country)
    else:
        add(f.answer for f in pool if f.kind == fact.kind)
    if len(out) >= count:
        return out
    builtin: tuple[str, ...] = ()
    if fact.kind == "place":
        builtin = COUNTRIES if fact.answer in _COUNTRY_SET else ()
    elif fact.kind == "organisation":
        builtin = ORGANISATIONS
    elif fact.kind == "person":
        builtin = PEOPLE
    rng = random.Random(int(hashlib.sha256(fact.key.encode()).hexdigest()[:8], 16))
    shuffled = list(builtin)
    rng.shuffle(shuffled)
    add(shuffled)
    return out


def distractor_group(fact: Fact) -> str:
    """The candidates ``choose_distractors`` can take for ``fact``, as a name for
    ``in_group``: a date's precision, a number's unit, a place's being a country or not,
    else the kind. Giving it only those (in the same order) gives the same distractors,
    and a card then depends only on the few first of its group."""
    return group_of(fact.kind, fact.answer, fact.value, fact.unit)


def group_of(kind: str, answer: str, value: object, unit: str | None) -> str:
    """``distractor_group`` of a fact given by its parts (a pool item)."""
    if kind == "date" and isinstance(value, str):
        return f"date:{len(value.partition('T')[0])}"
    if kind == "number" and isinstance(value, int | float):
        return f"number:{unit!r}"
    if kind == "place":
        return "place:country" if answer in _COUNTRY_SET else "place:other"
    return kind


def in_group(group: str, fact: Fact) -> bool:
    """Whether ``fact`` can be a candidate for a fact of ``group`` (``distractor_group``)."""
    return group in candidate_groups(fact)


def candidate_groups(fact: Fact) -> tuple[str, ...]:
    """The groups ``fact`` can be a candidate for: its kind (a fact whose value is not of
    its kind's type takes any fact of the kind) and the group of its precision, unit or
    country-ness. Unlike ``distractor_group``, a date range is in no precision group, and a
    number without a value is in its unit's."""
    kind, value = fact.kind, fact.value
    if kind == "date":
        if isinstance(value, str) and "/" not in value:
            return kind, f"date:{len(value.partition('T')[0])}"
        return (kind,)
    if kind == "number":
        return kind, f"number:{fact.unit!r}"
    if kind == "place":
        return kind, "place:country" if fact.answer in _COUNTRY_SET else "place:other"
    return (kind,)


def shuffled_options(answer: str, distractors: list[str], seed: str) -> list[str]:
    """The options in display order: ordered by a hash of the seed (derived from the fact)
    and the option, so the answer's place varies from card to card but not from build to
    build. (A seeded ``random.Random`` per card cost more than the rest of the card.)"""

    def place(option: str) -> bytes:
        return hashlib.blake2b(f"{seed}\0{option}".encode(), digest_size=8).digest()

    return sorted([answer, *distractors], key=place)
