"""Stage 3: key facts of an article — dates, people, places, organisations, numbers, terms.

Works on normalised sentences (``clean.normalise``). Every fact is a verbatim span
``sentence.text[start:end]``; ``answer`` is the normalised form a card asks for
(今年3月10日 → 2023年3月10日, 習 → 習近平).

Tags from unidic-lite (UniDic 2.1.2) are read with these corrections:
* names it does not know come from quizgen's user dictionary (``tokenize``);
* 地名 followed by an organisation suffix (ジョージタウン + 大学) is an organisation;
* an unknown katakana word right before a title (大統領, 氏 …) is a person.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import NamedTuple

from quizgen.dates import find_dates
from quizgen.model import DEFAULT_MAX_FACTS, Article, Fact, Sentence
from quizgen.numerals import NUMBER_PREFIXES, parse_number
from quizgen.tokenize import Token, known_names, tokenize

ROLE_TITLES = tuple(sorted((
    "大統領", "副大統領", "前大統領", "元大統領", "首相", "元首相", "前首相", "国家主席", "主席", "総書記",
    "氏", "さん", "外相", "財務相", "防衛相", "国防相", "国務長官", "長官", "官房長官", "総裁", "副総裁",
    "議長", "総理", "総理大臣", "大臣", "知事", "市長", "町長", "村長", "社長", "会長", "代表", "委員長",
    "事務総長", "監督", "選手", "教授", "准教授", "容疑者", "被告", "書記長", "国王", "女王", "皇太子",
    "幹事長", "党首", "首席", "大使", "司令官", "博士", "氏ら", "投手", "外務大臣", "経済相", "最高経営責任者",
    "理事長", "事務局長", "頭取", "学長", "所長", "院長", "部長", "局長", "会頭", "主将", "内野手", "外野手",
    "名誉教授", "棋士", "八冠", "七冠", "名人", "横綱", "大関", "議員", "候補", "副知事", "副市長", "次官",
), key=len, reverse=True))  # fmt: skip
PERSON_ONLY_ROLES = ("理事長", "首相", "氏", "さん", "社長", "会長", "総裁", "議長", "長官", "委員長",
                     "監督", "選手", "教授", "外相", "官房長官", "頭取", "学長")  # fmt: skip
PLACE_SUFFIXES = (
    "県",
    "都",
    "府",
    "道",
    "市",
    "区",
    "町",
    "村",
    "州",
    "島",
    "湾",
    "港",
    "空港",
    "駅",
    "半島",
    "諸島",
    "沖",
    "地方",
    "川",
    "山",
    "湖",
    "海峡",
)
# Named places people visit: a run of nouns ending so is a place, not an organisation.
FACILITY_SUFFIXES = ("宇宙センター", "資料館", "美術館", "博物館", "記念館", "空港", "球場", "競技場",
                     "スタジアム", "宮殿", "神社", "大聖堂")  # fmt: skip
# Nouns that introduce the name of a thing (小惑星リュウグウ, 探査機はやぶさ).
CLASSIFIERS = ("惑星", "探査機", "衛星", "彗星", "ロケット", "台風", "作戦", "法案", "計画", "構想",
               "システム", "アプリ", "ウイルス", "ワクチン", "号")  # fmt: skip
ORG_SUFFIXES = (
    "大学", "銀行", "省", "庁", "機構", "委員会", "党", "社", "株式会社", "協会", "連合", "研究所", "財団",
    "機関", "基金", "裁判所", "議会", "政府", "軍", "警察", "証券", "商事", "自動車", "電機", "工業", "航空",
    "鉄道", "新聞", "放送", "グループ", "ホールディングス", "センター", "連盟", "組合", "学会", "病院",
    "取引所", "公社", "重工", "製作所", "電力", "通信", "本部", "署", "局",
)  # fmt: skip
# Also the end of a common noun (電気自動車, 軽自動車): a name needs a proper noun in it.
NAMED_ONLY_SUFFIXES = ("自動車",)
GENERIC_ORGS = {
    "中央銀行", "政府", "当局", "本社", "子会社", "親会社", "各社", "会社", "大学", "同社", "同大学", "自社",
    "与党", "野党", "議会", "警察", "軍", "各国政府", "地方政府", "新聞", "銀行", "通信", "放送", "本部",
    "事務局", "郵便局", "放送局", "薬局", "支局", "総局", "本局", "部局",
}  # fmt: skip
ACRONYM_ORGS = {
    "NATO", "IMF", "WHO", "EU", "UN", "ASEAN", "OPEC", "JAXA", "NASA", "IOC", "FIFA", "WTO", "OECD", "NHK",
    "FRB", "ECB", "IAEA", "UNESCO", "UNICEF", "TSMC", "JR", "BBC", "CNN", "WBC", "FBI", "CIA", "JICA", "JETRO",
    "APEC", "BRICS", "SCO", "G7", "G20", "UNHCR", "WFP", "ICC", "ICJ", "OPEC+", "NTT", "KDDI", "JOC", "JFA",
}  # fmt: skip
_UNITS = sorted((
    "パーセント", "ポイント", "%", "円", "ドル", "ユーロ", "元", "ウォン", "ポンド", "ルピー", "ルーブル", "人",
    "件", "個", "台", "回", "位", "カ所", "か所", "ヶ所", "箇所", "キロメートル", "キロ", "メートル", "センチ",
    "ミリ", "km", "kg", "トン", "歳", "倍", "機", "隻", "社", "校", "棟", "戸", "世帯", "票", "議席", "点",
    "枚", "頭", "匹", "品目", "種類", "カ国", "か国", "ヶ国", "カ国・地域", "階", "度", "秒", "時間", "日間",
    "カ月", "か月", "ヶ月", "週間", "年間", "年ぶり", "年連続", "年目", "周年", "連勝", "勝", "敗", "本",
    "万人", "平方キロ", "ヘクタール", "リットル", "グラム", "ミリシーベルト", "ベクレル", "発", "店舗", "冊",
    "基", "議席", "つ", "種類", "大会ぶり", "回目", "度目", "人目", "番目", "の国と地域", "の国・地域",
), key=len, reverse=True)  # fmt: skip
COUNTRY_PREFIXES = ("米", "英", "仏", "独", "中", "露", "韓", "豪", "印", "伊", "加", "北", "南")
_NAME_SUFFIXES = (*ORG_SUFFIXES, *FACILITY_SUFFIXES)
_SUFFIX_LAST_CHARS = frozenset(suffix[-1] for suffix in _NAME_SUFFIXES)
_RANGE_MARKS = ("-", "‐", "－", "〜", "~", "～", "―")
DEMONYM_SUFFIXES = ("人", "語", "製", "産", "系", "風", "流")
_KANJI_NUM = "〇一二三四五六七八九十百千"
NUMBER_RE = re.compile(
    rf"(?P<pre>{'|'.join(NUMBER_PREFIXES)})?"
    rf"(?P<num>(?:[0-9][0-9,]*(?:\.[0-9]+)?|[{_KANJI_NUM}]+)(?:[万億兆](?:[0-9][0-9,]*|[{_KANJI_NUM}]+)?)*)"
    r"(?:(?P<unit>"
    + "|".join(re.escape(u) for u in _UNITS)
    + r")|分の(?P<numer>[0-9]+|["
    + _KANJI_NUM
    + r"]+))"
    r"(?P<post>余り|あまり|ほど|以上|超|前後|近く|足らず|強|弱)?"
)
SCALE_RE = re.compile(
    r"震度(?P<shindo>[0-7])(?:強|弱)?|(?:マグニチュード|M)(?:は|が)?(?P<mag>[0-9](?:\.[0-9])?)(?![0-9])"
)
_MINUTES_RE = re.compile(r"([0-9]{1,2})分(?!の)")
_MULTIPLIER_RE = re.compile(r"[万億兆]$")
TERM_RE = re.compile(r"「([^「」\n]{2,40})」|『([^『』\n]{2,40})』")
_ACRONYM_RE = re.compile(r"(?<![A-Za-z0-9])([A-Z][A-Z0-9+]{1,6})(?![A-Za-z0-9])")
_HIRAGANA_END_RE = re.compile(r"[\u3041-\u309f]$")
_ALL_KANA_RE = re.compile(r"^[\u3041-\u309fー・]+$")
_KATAKANA_RE = re.compile(r"^[\u30a0-\u30ffー・]+$")
KIND_ORDER = {"date": 0, "number": 1, "term": 2, "organisation": 3, "person": 4, "place": 5}
BASE_SCORE = {
    "date": 3.0,
    "person": 3.0,
    "term": 2.5,
    "organisation": 2.5,
    "place": 2.0,
    "number": 2.2,
}


class _Span(NamedTuple):
    kind: str
    start: int
    end: int
    value: str | int | float | None
    answer: str
    role: str | None = None
    unit: str | None = None


def _is_noun(t: Token) -> bool:
    return (t.pos1 in ("名詞", "接尾辞") and t.pos2 not in ("数詞",) and t.pos1 != "接尾辞") or (
        t.pos1 == "接尾辞" and t.pos2 == "名詞的"
    )


_ROLE_RE = re.compile("|".join(map(re.escape, ROLE_TITLES)))  # in ROLE_TITLES' order


def _role_after(text: str, end: int) -> str | None:
    """The first of ``ROLE_TITLES`` that ``text`` has at ``end`` (within 12 characters)."""
    m = _ROLE_RE.match(text, end, end + 12)
    return m.group() if m else None


def _range_end(tokens: tuple[Token, ...], i: int) -> bool:
    """tokens[i] is one end of a range of places (金沢-敦賀間): a place, whatever its tag."""
    return (
        i + 2 < len(tokens)
        and tokens[i + 1].surface in _RANGE_MARKS
        and tokens[i + 2].pos3 == "地名"
    )


_PERSON_ROLE_SET = frozenset(PERSON_ONLY_ROLES)


def _kanji_only(text: str) -> bool:
    # Not a regular expression: compiling a class of 20,000 kanji took 3 ms of every start.
    return all("\u4e00" <= c <= "\u9fff" or c == "々" for c in text)


def _split_name(tokens: tuple[Token, ...], i: int, text: str) -> int | None:
    """Where a name that UniDic does not know ends, read as common nouns kanji by kanji
    (北口 + 榛 + 花), when a title only people hold follows it at once (選手, 氏, さん): 3 or
    4 kanji in 2 or 3 nouns, one of them a single kanji. None otherwise (陸上女子選手 has no
    single kanji; 日本代表 has a place)."""
    j = i
    while j < len(tokens) and j - i < 3:
        t = tokens[j]
        if (
            t.pos1 != "名詞"
            or t.pos2 not in ("普通名詞", "固有名詞")
            or t.pos3 == "地名"
            or (j > i and t.start != tokens[j - 1].end)
            or not _kanji_only(t.surface)
        ):
            break
        j += 1
    for end in range(j, i + 1, -1):  # the longest run first
        run = tokens[i:end]
        role = _role_after(text, run[-1].end)
        if (
            3 <= sum(len(t.surface) for t in run) <= 4
            and any(len(t.surface) == 1 for t in run[1:])
            and role in PERSON_ONLY_ROLES
            and text.startswith(role, run[-1].end)
        ):
            return end
    return None


def _people(tokens: tuple[Token, ...], text: str) -> list[_Span]:
    spans = []
    names = known_names()
    # Where a name UniDic read as common nouns may start: two or three words before a
    # title only people hold.
    split_starts = {
        k - back for k, t in enumerate(tokens) if t.surface in _PERSON_ROLE_SET for back in (2, 3)
    }
    i = 0
    while i < len(tokens):
        t = tokens[i]
        is_name = t.pos3 == "人名" or (
            # 山川理事長: a surname that UniDic reads as a place, before a title only people hold
            t.pos3 == "地名"
            and t.pos4 != "国"
            and len(t.surface) >= 2
            and _role_after(text, t.end) in PERSON_ONLY_ROLES
        )
        katakana_before_title = (
            (t.unknown or t.pos2 == "普通名詞") and _KATAKANA_RE.match(t.surface) and len(t.surface) >= 3
            and _role_after(text, t.end) is not None and "・" in t.surface
        )  # fmt: skip
        split = None
        if i in split_starts and not (is_name or katakana_before_title):
            split = _split_name(tokens, i, text)
        if split is not None:  # 北口榛花選手: a name UniDic read kanji by kanji
            start, end = tokens[i].start, tokens[split - 1].end
            surface = text[start:end]
            spans.append(_Span("person", start, end, None, surface, role=_role_after(text, end)))
            i = split
            continue
        if not (is_name or katakana_before_title):
            i += 1
            continue
        j = i + 1
        while j < len(tokens):
            n = tokens[j]
            if n.pos3 == "人名" and n.start == tokens[j - 1].end:
                j += 1
            elif (
                n.surface == "・"
                and j + 1 < len(tokens)
                and (tokens[j + 1].pos3 == "人名" or _KATAKANA_RE.match(tokens[j + 1].surface))
            ):
                j += 2
            else:
                break
        start, end = t.start, tokens[j - 1].end
        surface = text[start:end]
        entry = names.get(surface)
        if len(surface) == 1 and entry is None:
            i = j
            continue
        # A given name alone before a place or a common suffix is usually a mis-tag.
        if (
            j < len(tokens)
            and tokens[j].pos1 == "接尾辞"
            and tokens[j].pos2 == "名詞的"
            and tokens[j].surface not in ("氏", "さん", "ら")
        ):
            i = j
            continue
        role = _role_after(text, end)
        if j == i + 1 and _range_end(tokens, i):
            i = j  # 金沢-敦賀間: a place read as a surname (see _places_and_orgs)
            continue
        if (
            entry is None
            and role is None
            and j == i + 1  # a surname and a given name are a person whatever follows
            and j < len(tokens)
            and tokens[j].start == end
            and tokens[j].pos1 == "名詞"
            and tokens[j].pos2 == "普通名詞"
        ):
            i = j  # ノーベル賞, 羽田空港: a name inside the name of a thing, not a person
            continue
        canonical = entry.canonical if entry is not None else surface
        spans.append(_Span("person", start, end, None, canonical, role=_role_after(text, end)))
        i = j
    return spans


def _places_and_orgs(tokens: tuple[Token, ...], text: str) -> list[_Span]:
    spans: list[_Span] = []
    names = known_names()
    i = 0
    while i < len(tokens):
        t = tokens[i]
        entry = names.get(t.surface)
        if t.pos1 != "名詞" and entry is None and t.surface not in COUNTRY_PREFIXES:
            i += 1  # particles, verbs, symbols: nothing below starts at them
            continue
        if entry is not None and entry.kind == "organisation":
            spans.append(_Span("organisation", t.start, t.end, None, t.surface))
            i += 1
            continue
        if t.pos3 == "人名" and _range_end(tokens, i):
            # 金沢-敦賀間: read as a surname, but it is the other end of a place range.
            spans.append(_Span("place", t.start, t.end, None, t.surface))
            i += 1
            continue
        if (
            t.pos3 == "人名"
            and i + 1 < len(tokens)
            and tokens[i + 1].start == t.end
            and tokens[i + 1].surface in ("空港", "駅", "港", "城", "市", "町", "村", "区")
        ):
            # 羽田空港: a place named like a person (see _people)
            spans.append(
                _Span("place", t.start, tokens[i + 1].end, None, text[t.start : tokens[i + 1].end])
            )
            i += 2
            continue
        if (
            t.surface in COUNTRY_PREFIXES
            and i + 1 < len(tokens)
            and tokens[i + 1].pos2 == "固有名詞"
            and tokens[i + 1].start == t.end
        ):
            i += 1  # 米ジョージタウン大学: the country prefix is not part of the name
            continue
        starts_proper = t.pos3 == "地名" or (t.pos2 == "固有名詞" and t.pos3 == "一般")
        if not starts_proper and not (t.pos1 == "名詞" and t.pos2 == "普通名詞"):
            i += 1
            continue
        # Longest run of adjacent nouns from here that ends in an organisation suffix.
        j = i
        org_end = None
        while j < len(tokens) and j - i < 8:
            n = tokens[j]
            if j > i and n.start != tokens[j - 1].end:
                break
            if not (
                (n.pos1 == "名詞" and n.pos2 in ("普通名詞", "固有名詞"))
                or n.pos1 in ("接尾辞", "接頭辞")
            ):
                break
            if (
                j > i
                and text[n.end - 1 : n.end] in _SUFFIX_LAST_CHARS
                and text[t.start : n.end].endswith(_NAME_SUFFIXES)
            ):
                org_end = j
            j += 1
        if org_end is not None:
            run_tokens = tokens[i : org_end + 1]
            surface = text[t.start : tokens[org_end].end]
            has_name = any(
                x.pos2 == "固有名詞" or _KATAKANA_RE.match(x.surface) for x in run_tokens
            )
            if (
                surface not in GENERIC_ORGS
                and not surface.startswith(("同", "各", "当"))
                and (
                    has_name
                    or (
                        len(run_tokens) >= 2
                        and len(surface) >= 3
                        and not surface.endswith(NAMED_ONLY_SUFFIXES)
                    )
                )
            ):
                kind = "place" if surface.endswith(FACILITY_SUFFIXES) else "organisation"
                spans.append(_Span(kind, t.start, tokens[org_end].end, None, surface))
                i = org_end + 1
                continue
        if t.pos3 == "地名":
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if (
                nxt is not None and nxt.start == t.end and nxt.pos1 == "名詞" and len(nxt.surface) == 1
                and nxt.surface not in PLACE_SUFFIXES and nxt.pos3 != "地名"
            ):  # fmt: skip
                i += 1  # 大津 + 波: a place name misread inside a compound word
                continue
            if nxt is not None and nxt.pos1 == "接尾辞" and nxt.surface in DEMONYM_SUFFIXES:
                i += 1  # 日本人, 日本語: a people or a language, not the place
                continue
            j = i + 1
            while (
                j < len(tokens)
                and tokens[j].start == tokens[j - 1].end
                and (tokens[j].pos3 == "地名" or tokens[j].surface in PLACE_SUFFIXES)
            ):
                j += 1
            end = tokens[j - 1].end
            surface = text[t.start : end]
            spans.append(_Span("place", t.start, end, None, surface))
            i = j
            continue
        i += 1
    for m in _ACRONYM_RE.finditer(text):
        if m.group(1) in ACRONYM_ORGS:
            spans.append(_Span("organisation", m.start(1), m.end(1), None, m.group(1)))
    return spans


_RATIO_RE = re.compile(r"に(?:1|一)(人|世帯|社|件)")


def _numbers(text: str) -> list[_Span]:
    spans = []
    skip_to = 0  # the end of a ratio (4人に1人): its second number is part of it
    for m in NUMBER_RE.finditer(text):
        if m.start() < skip_to:
            continue
        num = m.group("num")
        if m.start("num") > 0 and re.match(r"[A-Za-z第]", text[m.start("num") - 1]):
            continue
        if (
            not re.search(r"[0-9]", num)
            and len(num) == 1
            and m.group("unit") in (None, "本", "点", "度", "人", "回", "つ")
        ):
            # 一人, 一度, 一回: kanji "one" before a counter is mostly idiomatic.
            continue
        try:
            if m.group("numer"):
                den, numer = parse_number(num), parse_number(m.group("numer"))
                if not den:
                    continue
                value: int | float = round(numer / den, 6)
                unit = "分の"
            else:
                value = parse_number(num)
                unit = m.group("unit")
                if unit == "万人":
                    value, unit = value * 10_000, "人"
                minutes = _MINUTES_RE.match(text, m.end()) if unit == "時間" else None
                if minutes and not m.group("post"):
                    value = round(value + int(minutes.group(1)) / 60, 4)
                    spans.append(
                        _Span(
                            "number",
                            m.start(),
                            minutes.end(),
                            value,
                            text[m.start() : minutes.end()],
                            unit="時間",
                        )
                    )
                    continue
        except ValueError:
            continue
        if _MULTIPLIER_RE.search(num) and not m.group("unit"):
            continue
        if value == 1 and text[m.end() : m.end() + 1] in ("=", "＝"):
            continue  # the 1ドル of 1ドル=160円: the rate's base, not a fact
        ratio = _RATIO_RE.match(text, m.end()) if unit else None
        if ratio is not None and ratio.group(1) == unit:
            # 約4人に1人: one ratio (asked 何人に1人), not a 4人 and a 1人
            skip_to = ratio.end()
            ratio_unit = f"{unit}に1{unit}"
            spans.append(
                _Span(
                    "number", m.start(), skip_to, value, text[m.start() : skip_to], unit=ratio_unit
                )
            )
            continue
        spans.append(_Span("number", m.start(), m.end(), value, m.group(0), unit=unit))
    return spans


def _scales(text: str) -> list[_Span]:
    """震度7, 震度6強, マグニチュード7.6: numbers named by the scale before them."""
    spans = []
    for m in SCALE_RE.finditer(text):
        if m.group("shindo"):
            value = int(m.group("shindo"))
            spans.append(_Span("number", m.start(), m.end(), value, m.group(0), unit="震度"))
        else:
            value_text = m.group("mag")
            spans.append(
                _Span(
                    "number", m.start("mag"), m.end("mag"), float(value_text), value_text, unit="M"
                )
            )
    return spans


def _named_things(tokens: tuple[Token, ...], text: str) -> list[_Span]:
    """小惑星リュウグウ: a katakana name right after a noun that introduces one."""
    spans = []
    for i in range(1, len(tokens)):
        t, prev = tokens[i], tokens[i - 1]
        if (
            prev.end == t.start
            and prev.surface.endswith(CLASSIFIERS)
            and _KATAKANA_RE.match(t.surface)
            and len(t.surface) >= 3
            and t.pos3 not in ("人名", "地名")
        ):
            spans.append(_Span("term", t.start, t.end, None, t.surface))
    return spans


def _terms(text: str) -> list[_Span]:
    spans = []
    for m in TERM_RE.finditer(text):
        group = 1 if m.group(1) is not None else 2
        inner = m.group(group)
        if (
            re.search(r"[。、！？!?]", inner)
            or _HIRAGANA_END_RE.search(inner)
            or _ALL_KANA_RE.match(inner)
        ):
            continue
        if re.fullmatch(r"[0-9０-９.,%]+", inner):
            continue
        spans.append(_Span("term", m.start(group), m.end(group), None, inner))
    return spans


def _link_abbreviations(spans: list[_Span], text: str) -> list[_Span]:
    """宇宙航空研究開発機構(JAXA): the abbreviation in brackets names the same organisation."""
    out = list(spans)
    for span in list(out):
        if span.kind != "organisation":
            continue
        for j, other in enumerate(out):
            if (
                other.kind == "organisation"
                and other is not span
                and text[span.end : other.start] in ("(", "（")
            ):
                if text[other.end : other.end + 1] in (")", "）"):
                    out[j] = other._replace(answer=span.answer)
    return out


def _resolve_overlaps(spans: Iterable[_Span]) -> list[_Span]:
    """Keep the longest span where spans overlap; ties go to the kind earlier in KIND_ORDER."""
    chosen: list[_Span] = []
    for span in sorted(spans, key=lambda s: (-(s.end - s.start), KIND_ORDER[s.kind], s.start)):
        if all(span.end <= c.start or span.start >= c.end for c in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)


def _score(span: _Span, sentence: Sentence, text: str) -> float:
    score = BASE_SCORE[span.kind]
    if sentence.index == 0:
        score += 1.5
    elif sentence.paragraph == 0:
        score += 0.5
    after = text[span.end + len(span.role or "") : span.end + len(span.role or "") + 2]
    if span.kind in ("person", "organisation") and after[:1] in ("は", "が"):
        score += 1.0
    if after[:1] in ("は", "が", "を") or after in ("にも", "には", "では"):
        score += 0.3
    elif after[:1] == "の":
        score -= 0.4
    if span.kind == "date":
        value = str(span.value)
        score += 0.8 if len(value) >= 10 else (-0.8 if len(value) == 4 else 0.0)
        if re.match(r"(?:にも|に|、|から|まで)", after):
            score += 0.4
    if span.kind == "number" and span.unit in (
        "%",
        "円",
        "ドル",
        "ユーロ",
        "人",
        "億",
        "位",
        "議席",
    ):
        score += 0.3
    if span.kind == "number" and span.unit in ("年ぶり", "大会ぶり", "震度", "M"):
        score += 0.6  # how long since / how strong: what a teacher asks
    if span.kind == "number" and span.unit in ("倍", "つ"):
        score -= 0.3
    if span.kind in ("place", "organisation") and (after[:1] in ("や", "、") or after == "など"):
        score -= 0.5  # one item of a list (インドやブラジルなど)
    if span.kind == "organisation" and text.startswith("によると", span.end):
        score -= 0.6  # the source of a report, not an actor in it
    if span.kind == "number" and (
        text[max(0, span.start - 2) : span.start] == "前の" or text.startswith("から", span.end)
    ):
        score -= 0.5  # 公示前の247議席から: the baseline of a change
    if span.kind == "number" and "\u4e00" <= text[span.end : span.end + 1] <= "\u9fff":
        score -= 0.5  # 主要7か国首脳会議, 1万円札: part of a longer name
    return score


def sentence_facts(
    sentence: Sentence,
    published: dt.date | None,
    anchor: dt.date | None = None,
    names: tuple[str, ...] = (),
    tokens: tuple[Token, ...] | None = None,
) -> tuple[list[_Span], dt.date | None]:
    """Raw fact spans of one sentence (no ranking, no cross-sentence naming)."""
    text = sentence.text
    if tokens is None:
        tokens = tokenize(text, names)
    spans: list[_Span] = []
    for d in find_dates(text, published, anchor):
        spans.append(_Span("date", d.start, d.end, d.value, d.answer))
        anchor = d.anchor or anchor
    spans.extend(_numbers(text))
    spans.extend(_terms(text))
    spans.extend(_scales(text))
    spans.extend(_named_things(tokens, text))
    spans.extend(_people(tokens, text))
    spans.extend(_places_and_orgs(tokens, text))
    return _link_abbreviations(_resolve_overlaps(spans), text), anchor


def _canonical_people(facts: list[Fact]) -> list[Fact]:
    """One person, one name: a short name takes the fullest name of the article it belongs to."""
    full = {f.answer for f in facts if f.kind == "person"}
    out = []
    for f in facts:
        if f.kind != "person":
            out.append(f)
            continue
        longer = [n for n in full if _is_longer_name(n, f.answer)]
        if longer:
            best = max(longer, key=len)
            out.append(replace(f, answer=best, key=f"person:{best}"))
        else:
            out.append(f)
    return out


def _is_longer_name(full: str, short: str) -> bool:
    return len(full) > len(short) and (
        full.endswith("・" + short) or (full.startswith(short) and len(short) >= 2)
    )


def person_names(facts: Iterable[Fact]) -> set[str]:
    return {f.answer for f in facts if f.kind == "person"}


class NameIndex:
    """A reading list's person names, indexed by what a shorter name of the same person
    looks like (a prefix: 山川 of 山川宏; a part after ・: プーチン of ウラジーミル・プーチン), so
    that finding the longer names of a name does not scan the whole list's names."""

    def __init__(self, names: Iterable[str]) -> None:
        self.longer: dict[str, set[str]] = {}
        self._canonical: dict[str, str] = {}  # a build asks for each name many times
        for name in names:
            for i in range(2, len(name)):
                self.longer.setdefault(name[:i], set()).add(name)
            for i, char in enumerate(name):
                if char == "・" and i + 1 < len(name):
                    self.longer.setdefault(name[i + 1 :], set()).add(name)

    def canonical(self, name: str) -> str:
        """The one longer name of ``name`` in the list, else ``name`` itself."""
        known = self._canonical.get(name)
        if known is None:
            longer = {n for n in self.longer.get(name, ()) if _is_longer_name(n, name)}
            known = self._canonical[name] = longer.pop() if len(longer) == 1 else name
        return known


def canonicalise(facts: Sequence[Fact], index: NameIndex) -> list[Fact]:
    """One person, one name across a reading list: a short name alone in its article (山川)
    takes the fullest name another article gives (山川宏) when exactly one such name exists
    (``index``: the list's person names)."""
    mapped = []
    for f in facts:
        if f.kind == "person":
            best = index.canonical(f.answer)
            if best != f.answer:
                f = replace(f, answer=best, key=f"person:{best}")
        mapped.append(f)
    return mapped


def extract_facts(
    article: Article, names: tuple[str, ...] = (), max_facts: int = DEFAULT_MAX_FACTS
) -> list[Fact]:
    """Every fact of an article, in text order, each with its importance ``rank`` (1 = best).

    Facts that share a ``key`` (the same person, the same date) are one fact for cards:
    the best-placed mention carries the rank; later mentions get the same rank.

    >>> from quizgen.clean import make_sentences  # doctest: +SKIP
    """
    published = article.published_date
    anchor: dt.date | None = None
    facts: list[Fact] = []
    for sentence in article.sentences:
        spans, anchor = sentence_facts(sentence, published, anchor, names)
        for span in spans:
            key_value = span.value if span.kind == "date" else span.answer
            facts.append(
                Fact(
                    kind=span.kind,
                    text=sentence.text[span.start : span.end],
                    value=span.value,
                    sentence=sentence,
                    start=span.start,
                    end=span.end,
                    answer=span.answer,
                    key=f"{span.kind}:{key_value}",
                    score=_score(span, sentence, sentence.text),
                    role=span.role,
                    unit=span.unit,
                )
            )
    facts = _canonical_people(facts)
    return rank_facts(facts)


def rank_facts(facts: list[Fact]) -> list[Fact]:
    """Give each fact key a rank by its best score (mentions add a little), ties by position."""
    mentions = Counter(f.key for f in facts)
    best: dict[str, float] = {}
    first: dict[str, int] = {}
    for position, f in enumerate(facts):
        score = f.score + min(mentions[f.key] - 1, 3) * 0.3
        if f.key not in best or score > best[f.key]:
            best[f.key] = score
        first.setdefault(f.key, position)
    order = sorted(best, key=lambda k: (-best[k], first[k]))
    rank = {k: i + 1 for i, k in enumerate(order)}
    # Fact(...) rather than dataclasses.replace, which is five times slower.
    return [
        Fact(f.kind, f.text, f.value, f.sentence, f.start, f.end, f.answer, f.key,
             rank[f.key], round(f.score, 3), f.role, f.unit)
        for f in facts
    ]  # fmt: skip


def card_facts(facts: list[Fact], max_facts: int = DEFAULT_MAX_FACTS) -> list[Fact]:
    """The facts that become cards: the best mention of each of the top ``max_facts`` keys."""
    chosen: dict[str, Fact] = {}
    for f in sorted(facts, key=lambda f: (f.rank, -f.score, f.sentence.index, f.start)):
        if f.rank <= max_facts and f.key not in chosen:
            chosen[f.key] = f
    return sorted(chosen.values(), key=lambda f: f.rank)
