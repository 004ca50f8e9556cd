"""Question prompts in natural Japanese, built from a fact's sentence with UniDic's conjugation data.

The main form is a cleft question: the clause that holds the fact, without the fact, its
predicate in plain form, then のは + interrogative + か。

    今年3月10日にも、中国は…国交正常化を仲介する… → 中国が…国交正常化を仲介したのはいつか。

Where the fact is bound by と or の (サウジアラビアとイラン), the interrogative stands in
its place instead (中国がどことイランの国交正常化を仲介したか。). Where neither is safe,
the prompt is the sentence with a blank and a question about the blank.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import NamedTuple

from quizgen.model import Fact
from quizgen.tokenize import Token, tokenize

CLEFT_PARTICLES = (
    "にも",
    "には",
    "では",
    "でも",
    "から",
    "まで",
    "は",
    "が",
    "を",
    "に",
    "で",
    "も",
)
SPEECH_VERBS = (
    "語る",
    "述べる",
    "言う",
    "話す",
    "強調",
    "明らか",
    "表明",
    "発表",
    "説明",
    "指摘",
    "主張",
    "批判",
    "示す",
)
MONEY_UNITS = ("円", "ドル", "ユーロ", "元", "ウォン", "ポンド", "ルピー", "ルーブル")
KIND_LABEL = {
    "date": "日付",
    "person": "人名",
    "place": "地名",
    "organisation": "組織名",
    "number": "数",
    "term": "語",
}
_GODAN_PAST = {
    "カ": "いた",
    "ガ": "いだ",
    "サ": "した",
    "タ": "った",
    "ラ": "った",
    "ワ": "った",
    "ナ": "んだ",
    "バ": "んだ",
    "マ": "んだ",
}
MAX_QUESTION_CHARS = 90
COMPOUND_PARTICLE_VERBS = (
    "対する",
    "関する",
    "つく",
    "よる",
    "する",
    "とる",
    "めぐる",
    "おく",
    "わたる",
    "伴う",
    "向ける",
    "基づく",
    "比べる",
    "加える",
    "通じる",
)


def interrogative(fact: Fact) -> str:
    """The question word for a fact: いつ, 誰, どこ, 何, or one built from the number's unit."""
    if fact.kind == "date":
        return "いつ"
    if fact.kind == "person":
        return "誰"
    if fact.kind in ("place", "organisation"):
        return "どこ"
    if fact.kind == "number":
        unit = fact.unit or ""
        if unit in MONEY_UNITS:
            return "いくら"
        if unit == "分の":
            return "どれだけ"
        if unit in ("%", "パーセント"):
            return "何%"
        if unit == "震度":
            return "震度いくつ"  # the fact is 震度5強: the unit comes first
        if unit == "M":
            return "いくつ"  # マグニチュード7.6, M7.6: the fact is the number alone
        if unit:
            return "何" + unit
        return "いくつ"
    return "何"


class Question(NamedTuple):
    prompt: str
    style: str  # cleft | in-situ | blank


def _past_form(token: Token) -> str | None:
    """The plain past of a verb or auxiliary token (収め → 収めた, 語る → 語った)."""
    base = token.base or token.surface
    ctype = token.ctype
    if token.pos1 == "助動詞":
        if base == "ない":
            return "なかった"
        if base in ("れる", "られる", "せる", "させる"):
            return base[:-1] + "た"
        if base == "ます":
            return "ました"
        if base == "たい":
            return "たかった"
        if base in ("た", "だ"):
            return token.surface if token.cform.startswith("終止形") else base
        return None
    if token.pos1 not in ("動詞", "形容詞"):
        return None
    if base in ("おる", "居る") and token.pos2 == "非自立可能":
        return "いた"  # …ており → …ていた (the written おる of news style)
    if token.pos1 == "形容詞":
        return base[:-1] + "かった" if base.endswith("い") else None
    if ctype.startswith("サ行変格"):
        return base[:-2] + "した" if base.endswith("する") else "した"
    if ctype.startswith("カ行変格"):
        return base[:-2] + "来た" if base.endswith("来る") else "きた"
    if ctype.startswith(("下一段", "上一段")):
        return base[:-1] + "た"
    if ctype.startswith("五段"):
        if base in ("行く", "いく") or base.endswith("行く"):
            return base[:-1] + "った"
        row = ctype.split("-")[1][:1] if "-" in ctype else ""
        ending = _GODAN_PAST.get(row)
        return base[:-1] + ending if ending else None
    return None


def _plain_form(token: Token) -> str | None:
    """Dictionary form of the last predicate token, for an event not in the past."""
    if token.cform.startswith(("終止形", "連体形")):
        return token.surface
    if token.pos1 in ("動詞", "形容詞", "助動詞") and token.base:
        return token.base
    return None


def _compound_particle(tokens: tuple[Token, ...], i: int) -> bool:
    """に対して, に関して, について, として …: a verb that works as a particle, not a predicate."""
    t = tokens[i]
    if t.pos1 != "動詞" or i == 0 or tokens[i - 1].surface not in ("に", "と", "を"):
        return False
    nxt = tokens[i + 1].surface if i + 1 < len(tokens) else ""
    return t.base in COMPOUND_PARTICLE_VERBS and (
        nxt in ("て", "で", "た") or t.cform.startswith("連体形") or t.cform.startswith("連用形")
    )


# What may follow the topic in a lead that only dates what follows (日経平均株価は4日午後、).
TIME_WORDS = frozenset(("午前", "午後", "未明", "早朝", "朝", "昼", "夕方", "夜", "深夜", "同日",
                        "ごろ", "頃", "以来", "以降"))  # fmt: skip
# …とみられる, …と思われる: a hedge that stays with the clause it hedges.
HEDGES = ("みる", "見る", "思う", "考える")
# Verbs (or their nouns) that move an event to a date given with に.
CHANGE_VERBS = ("延期", "延長", "前倒し", "繰り上げ", "繰り下げ", "変更", "ずらす", "先送り")
SUBORDINATORS = ("にもかかわらず", "ものの", "ので", "のに", "けれど", "が、", "ため、")
PREDICATE_NOUNS = ("予定", "方針", "見通し", "見込み", "計画", "考え", "意向", "構え", "方向")


def _predicate(tokens: tuple[Token, ...], begin: int, free: bool = False) -> tuple[int, int] | None:
    """Token range [first, last] of the first predicate at or after ``begin``.

    ``free``: the fact is a topic (…は) or an adverbial set off by a comma (14日、), so it
    cannot sit inside a relative clause further on and those are skipped.
    """
    i = begin
    crossed = False  # a comma between the fact and the predicate (…会合で、)
    while i < len(tokens):
        t = tokens[i]
        if t.surface in ("。", "！", "？"):
            return None
        if t.surface in ("「", "『", "(", "（"):
            # A quotation or an aside is part of the clause, never its predicate.
            close = {"「": "」", "『": "』", "(": ")", "（": "）"}[t.surface]
            j = i + 1
            while j < len(tokens) and tokens[j].surface != close:
                j += 1
            i = j + 1
            continue
        if _compound_particle(tokens, i):
            i += 1
            continue
        if (
            t.pos1 == "形容詞"
            and i + 1 < len(tokens)
            and tokens[i + 1].pos1 == "名詞"
            and (i == begin or tokens[i - 1].pos1 != "名詞")
        ):
            i += 1  # 新しい制度: an attributive adjective, not the predicate
            continue
        if (
            t.pos1 in ("動詞", "形容詞")
            and t.cform.startswith("連体形")
            and i + 1 < len(tokens)
            and tokens[i + 1].pos1 in ("名詞", "接頭辞")  # …を含む計45個: 計 is a prefix
        ):
            noun = tokens[i + 1]
            after_noun = tokens[i + 2] if i + 2 < len(tokens) else None
            if (
                noun.surface in PREDICATE_NOUNS
                and after_noun is not None
                and after_noun.pos1 == "助動詞"
                and after_noun.base in ("だ", "です")
            ):
                return i, i + 2  # …を始める予定だ: the noun and だ are the predicate
            if free:
                i += 1
                continue
            return (
                None  # a relative clause (提供するライフライン): the fact's predicate is elsewhere
            )
        if t.surface == "、":
            prev = tokens[i - 1] if i > begin else None
            if prev is not None and (
                (prev.pos1 == "助詞" and prev.surface in ("で", "では", "には", "から", "まで"))
                or (free and prev.pos1 in ("名詞", "接尾辞"))
            ):
                crossed = True
                i += 1  # …会合で、: an adverbial phrase of the same clause
                continue
            return None  # a second clause: the question would need more than this one
        if t.pos1 in ("動詞", "形容詞") and not (
            t.pos1 == "動詞"
            and t.pos2 == "非自立可能"
            and i > begin
            and tokens[i - 1].pos1 == "助詞"
            and tokens[i - 1].surface == "て"
        ):
            if t.surface == "いう" and i > 0 and tokens[i - 1].surface == "と":
                i += 1
                continue
            break
        i += 1
    else:
        return None
    first = i
    last = _group_end(tokens, i)
    if (
        last + 1 < len(tokens)
        and tokens[last + 1].pos1 == "名詞"
        and tokens[last].pos1 == "助動詞"
        and tokens[last].base not in ("だ", "です")
    ):
        # …立候補しない考えを: the auxiliary ends a relative clause, not the sentence.
        return _predicate(tokens, last + 1, free) if free else None
    # …すると(まで)語った: a quoted predicate extends to the verb of speaking, for a fact
    # of the speaker's clause: the topic (習は…), or one set off by a comma (14日、). A fact
    # inside the quotation (気象庁は、東京で桜が満開になったと発表した: 東京) is asked
    # with the quoted predicate alone (桜が満開になったのはどこか).
    k = last + 1
    if free or crossed:
        if (
            k < len(tokens)
            and tokens[k].surface == "、"
            and tokens[last].cform.startswith("連用形")
            and _reported_later(tokens, k)
        ):
            return None  # …にのぼり、…を占めると発表した: the speaker's clause holds two
        while (  # …梅雨明けしたとみられると発表した: a hedge is part of the quotation
            k + 1 < len(tokens) and tokens[k].surface == "と" and tokens[k + 1].base in HEDGES
        ):
            last = _group_end(tokens, k + 1)
            k = last + 1
        if k < len(tokens) and tokens[k].surface == "と" and tokens[k].pos1 == "助詞":
            m = k + 1
            while m < len(tokens) and tokens[m].surface in ("まで", "も", "は"):
                m += 1
            n = m
            while n < len(tokens) and tokens[n].pos1 == "名詞" and tokens[n].pos2 == "普通名詞":
                n += 1
            if (
                n == m
                and n + 1 < len(tokens)
                and tokens[n].pos1 == "形状詞"
                and tokens[n + 1].surface == "に"
            ):
                n += 2  # 明らかにした
            if (
                n < len(tokens)
                and tokens[n].pos1 == "動詞"
                and (
                    tokens[m].base.startswith(SPEECH_VERBS)
                    or tokens[n - 1].base.startswith(SPEECH_VERBS)
                )
            ):
                return first, _group_end(tokens, n)
    return first, last


def _reported_later(tokens: tuple[Token, ...], k: int) -> bool:
    """Whether a verb of speaking takes a quotation after token ``k`` (…と発表した)."""
    return any(
        tokens[j].surface == "と" and tokens[j + 1].base.startswith(SPEECH_VERBS)
        for j in range(k, len(tokens) - 1)
    )


def _group_end(tokens: tuple[Token, ...], i: int) -> int:
    """The last token of the predicate that starts at ``i``: its auxiliaries and dependent
    verbs (…している, …された)."""
    last = i
    j = i + 1
    while j < len(tokens):
        t = tokens[j]
        if (
            t.pos1 == "助動詞"
            or (t.pos1 == "動詞" and t.pos2 == "非自立可能")
            or (t.pos1 == "接尾辞" and t.pos2 == "動詞的")
        ):
            last = j
            j += 1
        elif (
            t.surface in ("て", "で")
            and t.pos1 == "助詞"
            and j + 1 < len(tokens)
            and tokens[j + 1].pos1 in ("動詞",)
            and tokens[j + 1].pos2 == "非自立可能"
        ):
            last = j + 1
            j += 2
        else:
            break
    return last


def _segments(tokens: tuple[Token, ...], end: int) -> list[tuple[int, int]]:
    """Comma-separated token ranges [a, b) before token ``end``."""
    segments, start = [], 0
    for i in range(end):
        if tokens[i].surface == "、":
            segments.append((start, i + 1))
            start = i + 1
    segments.append((start, end))
    return segments


def _keeps(tokens: tuple[Token, ...], a: int, b: int) -> bool:
    """A leading phrase worth keeping: it ends with a case particle (…記者会見で、)."""
    last = b - 1
    if last >= a and tokens[last].surface == "、":
        last -= 1
    if last < a:
        return False
    t = tokens[last]
    return (
        t.pos1 == "助詞"
        and t.surface in ("で", "では", "には")
        and last > a
        and tokens[last - 1].pos1 in ("名詞", "接尾辞")
    )


def _place_of_lead(tokens: tuple[Token, ...], a: int, b: int) -> list[Token] | None:
    """The place of a lead that says where and when (台湾東部沖で3日午前8時58分ごろ、):
    its phrase ending in で, when only a time follows it."""
    last = b - 1
    if last >= a and tokens[last].surface == "、":
        last -= 1
    for k in range(last, a, -1):
        t = tokens[k]
        if t.surface == "で" and t.pos1 == "助詞":
            rest = tokens[k + 1 : last + 1]
            if rest and tokens[k - 1].pos1 in ("名詞", "接尾辞") and all(_is_time(x) for x in rest):
                return list(tokens[a : k + 1])
            return None
    return None


def _is_time(token: Token) -> bool:
    return (
        token.pos2 == "数詞"
        or token.pos3 in ("助数詞", "助数詞可能")
        or token.surface in TIME_WORDS
    )


def _leads(tokens: tuple[Token, ...], a: int, b: int) -> bool:
    """A dropped lead that names the subject of what follows: its topic and a time or
    nothing more (日経平均株価は4日、/ トヨタ自動車は、)."""
    last = b - 1
    if last >= a and tokens[last].surface == "、":
        last -= 1
    if last <= a or _topic(tokens, a, b) is None:
        return False
    if tokens[last].surface == "は" and tokens[last].pos1 == "助詞":
        return True
    topic_end = next(
        (i for i in range(a, last) if tokens[i].surface == "は" and tokens[i].pos1 == "助詞"), None
    )
    return (
        topic_end is not None
        and all(_is_time(x) for x in tokens[topic_end + 1 : last + 1])  # not 五千円札は津田梅子、
    )


def _chains(tokens: tuple[Token, ...], a: int, b: int) -> bool:
    """A dropped clause that chains to the next one with the same subject (…を収め、)."""
    last = b - 1
    if last >= a and tokens[last].surface == "、":
        last -= 1
    if last < a:
        return False
    t = tokens[last]
    if "".join(x.surface for x in tokens[max(a, last - 3) : last + 1]).endswith(
        ("かかわらず", "ながら", "ものの")
    ):
        return False
    return (t.pos1 in ("動詞", "助動詞") and t.cform.startswith("連用形")) or (
        t.surface in ("て", "で") and t.pos1 == "助詞"
    )


def _topic(tokens: tuple[Token, ...], a: int, b: int) -> str | None:
    """The noun before the first は of tokens[a:b] (中国は → 中国)."""
    for i in range(a, b):
        t = tokens[i]
        if t.surface == "は" and t.pos1 == "助詞" and i > a:
            j = i
            while j > a and (
                tokens[j - 1].pos1 in ("名詞", "接尾辞", "接頭辞")
                or (  # 大阪・関西万博: nouns joined by ・
                    tokens[j - 1].surface == "・"
                    and j - 2 >= a
                    and tokens[j - 2].pos1 in ("名詞", "接尾辞")
                )
            ):
                j -= 1
            if j < i:
                return "".join(x.surface for x in tokens[j:i])
            return None
    return None


def _to_ga(parts: list[Token]) -> str:
    """Text of tokens with the first topic は (after a noun) made が, as a の-clause needs."""
    out, done = [], False
    for i, t in enumerate(parts):
        if (
            not done
            and t.surface == "は"
            and t.pos1 == "助詞"
            and i > 0
            and parts[i - 1].pos1 in ("名詞", "接尾辞")
        ):
            out.append("が")
            done = True
        else:
            out.append(t.surface)
    return "".join(out)


def _is_past(
    fact: Fact, published: dt.date | None, sentence_dates: Sequence[str] | None = None
) -> bool:
    """Whether the event is past: the fact's date (or a date of its sentence) is, or the sentence ends in た."""
    if published is not None:
        if fact.kind == "date" and isinstance(fact.value, str):
            return fact.value[:10] <= published.isoformat()
        if sentence_dates is None:
            from quizgen.dates import find_dates

            sentence_dates = [d.value for d in find_dates(fact.sentence.text, published)]
        if sentence_dates and all(v[:10] <= published.isoformat() for v in sentence_dates):
            return True
    return bool(re.search(r"(?:た|だ|ました|でした)[。」]*$", fact.sentence.text))


def blank_question(fact: Fact) -> str:
    """Fallback: the sentence with a blank and a question about it."""
    text = fact.sentence.text
    blanked = text[: fact.start] + "（　　）" + text[fact.end :]
    return f"{blanked}\n（　　）に入る{KIND_LABEL[fact.kind]}は何か。"


def make_question(
    fact: Fact,
    published: dt.date | None = None,
    names: tuple[str, ...] = (),
    sentence_dates: Sequence[str] | None = None,
) -> Question:
    """A question whose answer is ``fact.answer``.

    >>> # 中国がサウジアラビアとイランの国交正常化を仲介したのはいつか。 (see tests)
    """
    prompt = _build(fact, published, names, sentence_dates)
    if prompt is not None and _valid(prompt[0], fact):
        return Question(*prompt)
    return Question(blank_question(fact), "blank")


def _valid(prompt: str, fact: Fact) -> bool:
    if fact.text in prompt or fact.answer in prompt:
        return False
    if len(prompt) < 8 or len(prompt) > MAX_QUESTION_CHARS:
        return False
    return prompt.endswith("か。")


def _build(
    fact: Fact,
    published: dt.date | None,
    names: tuple[str, ...],
    sentence_dates: Sequence[str] | None = None,
) -> tuple[str, str] | None:
    text = fact.sentence.text
    tokens = tokenize(text, names)
    first = next((i for i, t in enumerate(tokens) if t.end > fact.start), None)
    if first is None:
        return None
    last = first
    while last + 1 < len(tokens) and tokens[last + 1].start < fact.end:
        last += 1
    # Quote marks and a role title go with the fact (「…」, ゼレンスキー大統領).
    if (
        first > 0
        and tokens[first - 1].surface in ("「", "『")
        and last + 1 < len(tokens)
        and tokens[last + 1].surface in ("」", "』")
    ):
        first -= 1
        last += 1
    if fact.role:
        covered = tokens[last].end
        while last + 1 < len(tokens) and covered < fact.end + len(fact.role):
            last += 1
            covered = tokens[last].end
    after = last + 1
    particle = ""
    p = after
    while p < len(tokens) and tokens[p].pos1 == "助詞" and len(particle) < 3:
        particle += tokens[p].surface
        p += 1
    if p < len(tokens) and tokens[p].surface == "、":
        p += 1
    # A fact modified by a relative clause or a genitive (孤立を深めるロシア, ウクライナの大統領)
    # cannot be cut out of its phrase.
    if first > 0 and (
        (
            tokens[first - 1].pos1 in ("動詞", "形容詞", "助動詞")
            and tokens[first - 1].cform.startswith("連体形")
        )
        or tokens[first - 1].surface == "の"
        or (tokens[first - 1].pos1 == "名詞" and fact.kind != "number")  # 着陸機「SLIM」
    ):
        return None
    if (
        after < len(tokens)
        and (
            (tokens[after].pos1 == "助動詞" and tokens[after].base == "だ")
            or (tokens[after].surface == "で" and fact.kind == "number")
        )
        and (after + 1 == len(tokens) or tokens[after + 1].surface in ("、", "。"))
        and _topic(tokens, _segments(tokens, first)[-1][0], first) is not None
    ):
        # 予算は約120億円で、/ 予算は約120億円だ。: the fact is the predicate of its clause.
        segments = _segments(tokens, first)
        a = segments[-1][0]
        head = "".join(t.surface for t in tokens[a:first])
        return _tidy(f"{head}{interrogative(fact)}か。"), "in-situ"
    if particle.startswith("に") and p < len(tokens) and tokens[p].base == "よる":
        return None  # 気象庁によると: the source of a report, not an actor in it
    if particle == "の":
        q = p
        while q < len(tokens) and tokens[q].pos1 in ("名詞", "接尾辞"):
            q += 1
        if q + 1 < len(tokens) and tokens[q].surface == "に" and tokens[q + 1].base == "よる":
            return None  # 総務省の発表によると: the same
    free = particle in ("は", "") and p > after and tokens[p - 1].surface == "、"
    free = free or particle == "は"
    pred = _predicate(tokens, p, free)
    if pred is None:
        return None
    pred_first, pred_last = pred
    past = _is_past(fact, published, sentence_dates)
    final = tokens[pred_last]
    if (
        any(
            t.base in ("た", "だ") and t.pos1 == "助動詞"
            for t in tokens[pred_first : pred_last + 1]
        )
        and final.pos1 == "助動詞"
        and final.base in ("た", "だ")
    ):
        ending = final.surface
    else:
        ending = (_past_form(final) if past else _plain_form(final)) or ""
        if not ending:
            return None
    # Drop まで/も between a quoted clause and its verb of speaking.
    pred_tokens = [
        t
        for t in tokens[pred_first:pred_last]
        if not (t.pos1 == "助詞" and t.surface in ("まで", "も"))
    ]
    copula = ending == "だ" and pred_last > pred_first and tokens[pred_last - 1].pos1 == "名詞"
    predicate = "".join(t.surface for t in pred_tokens) + ending

    # The clause before the fact: keep leading phrases that end in a case particle
    # (…記者会見で、), drop subordinate clauses (…にもかかわらず、), and carry the topic of
    # a clause chained to this one with the same subject (中国は…を収め、「…」を提唱し).
    segments = _segments(tokens, first)
    kept: list[Token] = []
    carried = None
    own = segments[-1]
    # A clause subordinate to the rest (…表明していないにもかかわらず、) does not own the
    # leading phrases: they belong to the main clause.
    subordinate = text[tokens[pred_last].end :].startswith(SUBORDINATORS)
    # A quoted clause (…があったと明らかにした): the lead's topic is the speaker's.
    quoted = pred_last + 1 < len(tokens) and tokens[pred_last + 1].surface == "と"
    for index, (a, b) in enumerate(reversed(segments[:-1])):
        place = _place_of_lead(tokens, a, b) if index == 0 and not subordinate else None
        if _keeps(tokens, a, b) and not subordinate:
            kept = list(tokens[a:b]) + kept
        elif place is not None:
            kept = place + kept  # 台湾東部沖で3日午前、…: where, without when
        elif index == 0 and (_chains(tokens, a, b) or (_leads(tokens, a, b) and not quoted)):
            carried = _topic(tokens, a, b)
    if any(t.surface == "は" and t.pos1 == "助詞" for t in tokens[own[0] : pred_first]):
        carried = None  # the clause has a topic of its own (…与党は): no second one
    before = list(tokens[own[0] : first])
    middle_tokens = [t for t in tokens[p:pred_first]]
    if middle_tokens and middle_tokens[0].surface == "、":
        middle_tokens = middle_tokens[1:]
    wh = interrogative(fact)
    strip_particle = particle.rstrip("、")
    cleft = fact.kind != "number" and (strip_particle in CLEFT_PARTICLES or strip_particle == "")
    if strip_particle.startswith(("と", "の")) and strip_particle not in ("とも",):
        cleft = False
    if (
        first > 1
        and tokens[first - 1].surface == "と"
        and tokens[first - 1].pos1 == "助詞"
        and tokens[first - 2].pos1 in ("名詞", "接尾辞")
    ):
        cleft = False  # AとBに贈られる: the second of two is asked in place (Aと誰に…か)
    # 2026年に延期する: the date is where the event moves to, not when the change is made;
    # "いつに延期するか" asks that ("延期するのはいつか" would ask when it is decided).
    moved_to = (
        fact.kind == "date"
        and strip_particle == "に"
        and any(t.base.startswith(CHANGE_VERBS) for t in tokens[p : pred_last + 1])
    )
    if moved_to:
        cleft = False
    allowed = (*CLEFT_PARTICLES, "と", "の")
    comma = particle == "" and p > after  # 14日、…: an adverbial set off by a comma
    if strip_particle not in allowed and not comma:
        return None
    lead = "".join(t.surface for t in kept)
    if cleft:
        if strip_particle in ("から", "まで"):
            wh += strip_particle  # 金沢から → どこからか (the particle carries the meaning)
        body = _to_ga(before + middle_tokens)
        if carried and carried not in body and carried not in lead:
            body = f"{carried}が" + body
        if copula:
            predicate = predicate[:-1] + "な"  # 始める予定だ + のは → 始める予定なのは
        prompt = f"{lead}{body}{predicate}のは{wh}か。"
        return _tidy(prompt), "cleft"
    if strip_particle == "の" and p < len(tokens) and tokens[p].pos3 == "地名":
        return None  # インドのニューデリー: "どこのニューデリー" asks nothing
    particle_text = strip_particle
    if particle_text in ("は", "も") and wh in ("誰", "どこ", "何"):
        particle_text = "が"
    if wh == "いつ" and particle_text in ("に", "にも") and not moved_to:
        particle_text = ""
    head = "".join(t.surface for t in before)
    if carried and carried not in head and carried not in lead:
        head = f"{carried}は" + head
    middle = "".join(t.surface for t in middle_tokens)
    if particle_text == "の" and "は" not in head:
        middle = _to_ga(middle_tokens)  # どこの人口が…: a question word cannot be in a topic
    if copula:
        predicate = predicate[:-1]  # …予定だ + か → …予定か
    prompt = f"{lead}{head}{wh}{particle_text}{middle}{predicate}か。"
    return _tidy(prompt), "in-situ"


def _tidy(prompt: str) -> str:
    prompt = re.sub(r"、+", "、", prompt)
    prompt = re.sub(r"^、", "", prompt)
    return prompt.replace("、のは", "のは").replace("、か。", "か。")
