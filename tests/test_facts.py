"""Fact extraction, case by case: (text, published) → facts that must (and must not) be found.

Each case says in its comment what it guards. A fact is (kind, text as written, value):
value is an ISO date for dates, the number for numbers, the canonical name for people
(None: not checked).
"""

from __future__ import annotations

import datetime as dt

import pytest

from quizgen.clean import make_sentences, normalise
from quizgen.facts import extract_facts
from quizgen.model import Article

D = dt.date
A = D(2024, 3, 29)  # a default published date

# (text, published, expected facts, texts that must not be facts)
CASES = [
    # --- a ratio -----------------------------------------------------------------------
    # 約4人に1人 is one number (asked 何人に1人), not a 4人 and a 1人.
    ("回答者の約4人に1人が答えた。", A, [("number", "約4人に1人", 4)], ["1人"]),
    # --- a name UniDic does not know ----------------------------------------------------
    # Read as 北口 + 榛 + 花 (common nouns): before 選手 it is a person.
    ("パリ五輪で北口榛花選手が金メダルを獲得した。", A, [("person", "北口榛花", "北口榛花")], []),
    # Two common words before a title are no name (no single kanji among them).
    ("陸上女子選手が集まった。", A, [], ["陸上女子"]),
    # --- organisations named like things --------------------------------------------------
    # 局 ends an agency's name, country prefix included.
    ("米航空宇宙局は有人飛行を延期した。", A, [("organisation", "米航空宇宙局", None)], ["米航空"]),
    # 電気自動車 is a car, not a company like トヨタ自動車; 事務局 is no name.
    ("トヨタ自動車は電気自動車を増やす。", A, [("organisation", "トヨタ自動車", None)], ["電気自動車"]),
    ("事務局は国税局に相談した。", A, [("organisation", "国税局", None)], ["事務局"]),
    # --- dates ------------------------------------------------------------------------
    # A partial date before the published day is this month.
    ("政府は10日に方針を決めた。", A, [("date", "10日", "2024-03-10")], []),
    # Relative year + month + day.
    ("今年3月10日にも合意した。", D(2023, 3, 29), [("date", "今年3月10日", "2023-03-10")], []),
    # 来年 alone keeps the precision of a year.
    ("来年の大統領選に出馬する。", D(2023, 3, 29), [("date", "来年", "2024")], []),
    # Japanese era years, 元年 included.
    ("令和元年5月1日に改元された。", A, [("date", "令和元年5月1日", "2019-05-01")], []),
    ("平成23年3月11日に地震が起きた。", A, [("date", "平成23年3月11日", "2011-03-11")], []),
    # Kanji numerals.
    ("二〇二三年三月二十九日に発表した。", A, [("date", "二〇二三年三月二十九日", "2023-03-29")], []),
    # Full-width digits are folded before extraction.
    ("２０２４年１月１日に発生した。", A, [("date", "2024年1月1日", "2024-01-01")], []),
    # A time of day makes a date-time.
    ("1日午後4時10分ごろ地震があった。", D(2024, 1, 2), [("date", "1日午後4時10分ごろ", "2024-01-01T16:10")], []),
    # A December event in a January article is last December.
    ("12月に法律が成立した。", D(2024, 1, 15), [("date", "12月", "2023-12")], []),
    # …unless the tense says it is still to come.
    ("12月に選挙が行われる予定だ。", D(2024, 1, 15), [("date", "12月", "2024-12")], []),
    # A range of days.
    ("会議は3月10〜12日に開かれた。", A, [("date", "3月10〜12日", "2024-03-10/2024-03-12")], []),
    # 先月 + day; 昨日.
    ("開会式は先月26日に行われた。", D(2024, 8, 12), [("date", "先月26日", "2024-07-26")], []),
    ("昨日、合意が発表された。", A, [("date", "昨日", "2024-03-28")], []),
    # Two-digit year with a month.
    ("03年5月に設立された。", A, [("date", "03年5月", "2003-05")], []),
    # Durations and counts are not dates.
    ("2日後に削除した。3日間の日程を終えた。", A, [("number", "3日間", 3)], ["2日", "3日"]),
    ("一時1ドル=160円台まで下落した。", A, [("number", "160円", 160)], ["一時", "1ドル"]),
    # --- people -----------------------------------------------------------------------
    # A whole name across ・; the role title is split off.
    ("ウォロディミル・ゼレンスキー大統領が演説した。", A, [("person", "ウォロディミル・ゼレンスキー", "ウォロディミル・ゼレンスキー")], ["大統領"]),
    ("ジョコ・ウィドド大統領が訪日した。", A, [("person", "ジョコ・ウィドド", None)], []),
    # 習は is 習近平, not the verb 習う (shipped user dictionary).
    ("習は支持すると語った。", A, [("person", "習", "習近平")], []),
    ("習近平国家主席がモスクワを訪れた。", A, [("person", "習近平", "習近平"), ("place", "モスクワ", None)], []),
    # A surname and given name, a role after them.
    ("JAXAの山川宏理事長が語った。", A, [("person", "山川宏", None)], ["理事長"]),
    ("岸田文雄首相は記者団に述べた。", A, [("person", "岸田文雄", None)], []),
    # Honorifics.
    ("吉野彰さんが受賞した。", A, [("person", "吉野彰", None)], []),
    ("佐藤氏は協力を続けたいと語った。", A, [("person", "佐藤", None)], []),
    # A name inside the name of a thing is not a person.
    ("ノーベル平和賞を受賞した。", A, [], ["ノーベル"]),
    ("羽田空港で事故が起きた。", A, [("place", "羽田空港", None)], []),
    # One person, one name: the fullest name is the answer of every mention.
    ("ウラジーミル・プーチン大統領が会談した。プーチン大統領は成果を強調した。", A,
     [("person", "プーチン", "ウラジーミル・プーチン")], []),
    # A person the reading list adds is not needed for known names.
    ("大谷翔平選手が本塁打を放った。", A, [("person", "大谷翔平", None)], []),
    # --- places -----------------------------------------------------------------------
    ("中国はサウジアラビアとイランの国交正常化を仲介した。", A,
     [("place", "サウジアラビア", None), ("place", "イラン", None), ("place", "中国", None)], []),
    # Prefecture + city joined into one place.
    ("石川県輪島市で火災が起きた。", A, [("place", "石川県輪島市", None)], []),
    # A river and a facility.
    ("選手は船でセーヌ川を進んだ。", A, [("place", "セーヌ川", None)], []),
    ("種子島宇宙センターから打ち上げた。", A, [("place", "種子島宇宙センター", None)], []),
    ("首脳らは広島平和記念資料館を訪れた。", A, [("place", "広島平和記念資料館", None)], []),
    # A place read as a surname at one end of a range.
    ("金沢-敦賀間が開業した。", A, [("place", "金沢", None), ("place", "敦賀", None)], []),
    # A people or a language is not the place.
    ("日本人として初めて受賞した。", A, [], ["日本"]),
    # --- organisations -----------------------------------------------------------------
    # A place name joined with the noun after it (ジョージタウン + 大学).
    ("米ジョージタウン大学の研究員が分析した。", A, [("organisation", "ジョージタウン大学", None)], []),
    ("日本銀行は利上げを決めた。", A, [("organisation", "日本銀行", None)], []),
    ("財務省の幹部が述べた。", A, [("organisation", "財務省", None)], []),
    ("気象庁は警報を出した。", A, [("organisation", "気象庁", None)], []),
    ("自民党と立憲民主党が協議した。", A, [("organisation", "自民党", None), ("organisation", "立憲民主党", None)], []),
    ("トヨタ自動車は最高益を発表した。", A, [("organisation", "トヨタ自動車", None)], []),
    ("日本将棋連盟の会長がたたえた。", A, [("organisation", "日本将棋連盟", None)], []),
    # The abbreviation in brackets after a full name is the same organisation.
    ("宇宙航空研究開発機構(JAXA)は打ち上げた。JAXAは成功と発表した。", A,
     [("organisation", "宇宙航空研究開発機構", None), ("organisation", "JAXA", None)], []),
    # Generic words are not organisations.
    ("政府は与党と協議した。", A, [], ["政府", "与党"]),
    # --- numbers ----------------------------------------------------------------------
    ("支持率は32.5%だった。", A, [("number", "32.5%", 32.5)], []),
    ("開発費は約2000億円にのぼる。", A, [("number", "約2000億円", 200000000000)], []),
    ("支援額は６億ユーロとなる。", A, [("number", "6億ユーロ", 600000000)], []),
    ("契約は総額7億ドルだ。", A, [("number", "総額7億ドル", 700000000)], []),
    ("約1万500人の選手が参加した。", A, [("number", "約1万500人", 10500)], []),
    ("人口は1400万人余りだ。", A, [("number", "1400万人余り", 14000000)], []),
    ("避難所は300カ所ほどに上る。", A, [("number", "300カ所ほど", 300)], []),
    ("日本は3位に入った。", A, [("number", "3位", 3)], []),
    ("優勝は3回目となる。", A, [("number", "3回目", 3)], []),
    ("延伸区間は約125キロだ。", A, [("number", "約125キロ", 125)], []),
    ("高さは634メートルある。", A, [("number", "634メートル", 634)], []),
    # Fractions.
    ("議席の３分の２を占めた。", A, [("number", "3分の2", 0.666667)], []),
    ("全体の4分の1が反対した。", A, [("number", "4分の1", 0.25)], []),
    # Hours and minutes are one number.
    ("最短で2時間51分となった。", A, [("number", "2時間51分", 2.85)], []),
    # Seismic scales name their number before it.
    ("志賀町で震度7を観測した。", A, [("number", "震度7", 7)], []),
    ("マグニチュードは7.6と推定される。", A, [("number", "7.6", 7.6)], []),
    # Kanji "one" before a counter is idiomatic, not a number.
    ("一人で一度だけ訪れた。", A, [], ["一人", "一度"]),
    # --- terms ------------------------------------------------------------------------
    ("中国は「グローバル安全保障イニシアティブ」を提唱した。", A, [("term", "グローバル安全保障イニシアティブ", None)], []),
    ("核軍縮の文書「広島ビジョン」がまとめられた。", A, [("term", "広島ビジョン", None)], []),
    # A katakana name after the noun that introduces it.
    ("小惑星リュウグウの試料から水が見つかった。", A, [("term", "リュウグウ", None)], []),
    # A quotation is not a term.
    ("首相は「全力で取り組む」と述べた。", A, [], ["全力で取り組む"]),
]  # fmt: skip


def _facts(text: str, published: dt.date):  # type: ignore[no-untyped-def]
    text = normalise(text)  # as clean() does for every article (full-width digits folded)
    article = Article("t", "t", "t", published, None, None, (), "utf-8", text, make_sentences(text))
    return extract_facts(article)


@pytest.mark.parametrize(("text", "published", "expected", "absent"), CASES)
def test_facts(text: str, published: dt.date, expected: list, absent: list[str]) -> None:  # type: ignore[type-arg]
    facts = _facts(text, published)
    found = [(f.kind, f.text) for f in facts]
    for kind, fact_text, value in expected:
        hits = [f for f in facts if f.kind == kind and f.text == fact_text]
        assert hits, f"{kind} {fact_text!r} not in {found}"
        if value is None:
            continue
        if kind == "person":
            assert {f.answer for f in hits} == {value}
        elif isinstance(value, float):
            assert abs(float(hits[0].value) - value) < 1e-6, hits[0].value  # type: ignore[arg-type]
        else:
            assert hits[0].value == value, hits[0].value
    for text_ in absent:
        assert text_ not in [f.text for f in facts], found
    for f in facts:  # every fact is a verbatim span of its sentence
        assert f.sentence.text[f.start : f.end] == f.text


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 60


def test_one_entity_one_key_across_mentions() -> None:
    facts = _facts(
        "ウラジーミル・プーチン大統領が会談した。プーチン大統領は成果を強調した。プーチンは笑った。",
        A,
    )
    people = [f for f in facts if f.kind == "person"]
    assert len(people) == 3 and len({f.key for f in people}) == 1


def test_one_name_across_a_reading_list(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from quizgen.model import ArticleEntry, Options, ReadingList
    from quizgen.pipeline import process

    first = tmp_path / "a.txt"
    first.write_text("JAXAの山川宏理事長は17日、記者会見で成功を発表した。", "utf-8")
    second = tmp_path / "b.txt"
    second.write_text("山川理事長は18日、次の打ち上げについて説明した。", "utf-8")
    entries = tuple(
        ArticleEntry(p.name, p.name, p, published=dt.date(2024, 2, 19)) for p in (first, second)
    )
    result = process(ReadingList("d", entries), Options())
    people = [f for r in result.results for f in r.facts if f.kind == "person"]
    assert {f.text for f in people} == {"山川宏", "山川"}
    assert {f.answer for f in people} == {"山川宏"}
    cards = [c for c in result.cards if c.type == "question" and c.fact.kind == "person"]
    assert cards and {c.answer for c in cards} == {"山川宏"}


def test_a_reading_list_adds_its_own_names(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from quizgen.pipeline import process, resolve_sources

    (tmp_path / "a.txt").write_text("中央軍事委員会の張又侠副主席が演説した。", "utf-8")
    deck = tmp_path / "deck.yaml"
    deck.write_text(
        "deck: d\noptions:\n  names: [張又侠]\narticles:\n  - {path: a.txt, published: 2024-01-01}\n",
        "utf-8",
    )
    plain = process(resolve_sources([str(tmp_path / "a.txt")])).results[0].facts
    assert "張又侠" not in [f.text for f in plain if f.kind == "person"]
    listed = process(resolve_sources([str(deck)])).results[0].facts
    assert "張又侠" in [f.text for f in listed if f.kind == "person"]
