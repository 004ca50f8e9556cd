"""Question prompts in natural Japanese: a table of our own sentences, and the blank fallback."""

from __future__ import annotations

import datetime as dt

import pytest

from quizgen.clean import make_sentences
from quizgen.facts import extract_facts
from quizgen.model import Article, Fact
from quizgen.questions import make_question


def _article(text: str, published: dt.date) -> Article:
    return Article("t", "t", "t", published, None, None, (), "utf-8", text, make_sentences(text))


def _fact(sentence: str, published: dt.date, answer: str) -> Fact:
    """The fact of ``sentence`` whose answer is ``answer``."""
    facts = extract_facts(_article(sentence, published))
    found = [f for f in facts if f.answer == answer]
    assert found, [f.answer for f in facts]
    return found[0]


# (sentence, published, answer, expected question) — what each guards in the comment.
CASES = [
    # A date fact: the predicate goes to the past (the date is past), は becomes が.
    ("今年3月10日にも、中国はサウジアラビアとイランの国交正常化を仲介した。", dt.date(2023, 3, 29), "2023年3月10日",
     "中国がサウジアラビアとイランの国交正常化を仲介したのはいつか。"),
    # A person who is the topic; a quoted clause extends to the verb of speaking, まで dropped.
    ("習はプーチンの大統領続投を支持するとまで語った。", dt.date(2023, 3, 29), "習近平",
     "プーチンの大統領続投を支持すると語ったのは誰か。"),
    # A place inside a quotation belongs to the quoted clause, not to the verb of speaking:
    # the question ends with the quoted predicate (not "…と発表したのはどこか", which asks
    # who announced it).
    ("気象庁は1日、東京で桜が満開になったと発表した。", dt.date(2024, 5, 1), "東京",
     "桜が満開になったのはどこか。"),
    # The date of the announcement goes with the verb of speaking, 明らかにした included.
    ("政府は2日、北海道で震度5強の地震があったと明らかにした。", dt.date(2024, 5, 3), "2024年5月2日",
     "政府が北海道で震度5強の地震があったと明らかにしたのはいつか。"),
    # 震度 comes before its number: 震度いくつ, not 何震度.
    ("政府は2日、北海道で震度5強の地震があったと明らかにした。", dt.date(2024, 5, 3), "震度5強",
     "北海道で震度いくつの地震があったか。"),
    # A magnitude: the fact is the number after マグニチュード.
    ("能登半島でマグニチュード7.6の地震が起きた。", dt.date(2024, 1, 2), "7.6",
     "能登半島でマグニチュードいくつの地震が起きたか。"),
    # A fact after the usual lead (〈topic〉は〈date〉、) keeps the topic as its subject.
    ("日経平均株価は4日、初めて4万円を超え、終値は4万109円だった。", dt.date(2024, 3, 5), "4万円",
     "日経平均株価は初めていくらを超えたか。"),
    # A later date of the same sentence shares its year, and its event is to come; the
    # topic joined by ・ stays whole.
    ("大阪・関西万博は2025年4月13日に開幕し、10月13日まで開かれる。", dt.date(2024, 11, 1), "2025年10月13日",
     "大阪・関西万博が開かれるのはいつまでか。"),
    # A clause with a topic of its own (…与党は) takes no second one from the clause before.
    ("衆議院選挙は10月27日に投開票され、自民党と公明党の与党は過半数の233議席を割り込んだ。", dt.date(2024, 12, 20),
     "公明党", "自民党とどこの与党が過半数の233議席を割り込んだか。"),
    # A date an event is moved to (…に延期した) is asked in place: いつに, not …のはいつか.
    ("政府は会議を来月10日に延期した。", dt.date(2024, 11, 1), "2024年12月10日",
     "政府は会議をいつに延期したか。"),
    # A hedge (…とみられる) stays with the quotation it hedges, up to the verb of speaking.
    ("気象庁は19日、関東甲信地方が梅雨明けしたとみられると発表した。", dt.date(2024, 7, 20), "2024年7月19日",
     "気象庁が関東甲信地方が梅雨明けしたとみられると発表したのはいつか。"),
    # A leading circumstantial phrase (…で、) is kept.
    ("植田和男総裁は会合後の記者会見で「物価が上がっている」と述べた。", dt.date(2024, 3, 19), "植田和男",
     "会合後の記者会見で「物価が上がっている」と述べたのは誰か。"),
    # A term in 「」: the brackets go with the fact; 連用形 + 、 becomes the plain past.
    ("中国は「グローバル安全保障イニシアティブ」を提唱し、欧州に働きかけた。", dt.date(2023, 3, 29), "グローバル安全保障イニシアティブ",
     "中国が提唱したのは何か。"),
    # A number: the interrogative takes the unit and stands in the fact's place.
    ("開発費は約2000億円にのぼる。", dt.date(2024, 2, 17), "約2000億円", "開発費はいくらにのぼるか。"),
    # A place bound by と: the interrogative stands in place.
    ("2023年3月10日、中国はサウジアラビアとイランの国交正常化を仲介した。", dt.date(2023, 3, 29), "サウジアラビア",
     "中国はどことイランの国交正常化を仲介したか。"),
    # ており (written style) becomes ていた.
    ("H3は昨年3月に1号機の打ち上げに失敗しており、対策を講じた。", dt.date(2024, 2, 17), "2023年3月",
     "H3が1号機の打ち上げに失敗していたのはいつか。"),
    # The topic (…は) is the fact; a leading adverbial phrase ending in で、 stays in the clause.
    ("日本銀行は19日の金融政策決定会合で、マイナス金利政策の解除を決めた。", dt.date(2024, 3, 19), "日本銀行",
     "19日の金融政策決定会合で、マイナス金利政策の解除を決めたのはどこか。"),
    # A date bound by の: the question word takes its place (いつの…).
    ("日本銀行は19日の金融政策決定会合で、マイナス金利政策の解除を決めた。", dt.date(2024, 3, 19), "2024年3月19日",
     "日本銀行はいつの金融政策決定会合で、マイナス金利政策の解除を決めたか。"),
    # The most common lead: 〈subject〉は〈date〉、… — the date with its comma comes out whole.
    ("岸田文雄首相は14日、自民党総裁選に立候補しない考えを表明した。", dt.date(2024, 8, 15), "2024年8月14日",
     "岸田文雄首相が自民党総裁選に立候補しない考えを表明したのはいつか。"),
    # A relative clause (立候補しない考え) after a topic is skipped; the role title goes with the name.
    ("岸田文雄首相は14日、自民党総裁選に立候補しない考えを表明した。", dt.date(2024, 8, 15), "岸田文雄",
     "14日、自民党総裁選に立候補しない考えを表明したのは誰か。"),
    # A place + で before a date and a comma: the whole date expression (with its time) is the fact.
    ("石川県能登地方で1日午後4時10分ごろ、最大震度7の地震が発生した。", dt.date(2024, 1, 1), "2024年1月1日午後4時10分",
     "石川県能登地方で最大震度7の地震が発生したのはいつか。"),
    # A future plan (…予定だ): the noun predicate keeps its tense, だ becomes な, から stays.
    ("政府は来年4月から新しい制度を始める予定だ。", dt.date(2024, 6, 10), "2025年4月",
     "政府が新しい制度を始める予定なのはいつからか。"),
    # A past tense in だ after a 撥音便 (結んだ) is not the copula: it stays だ.
    ("大谷翔平選手はドジャースと10年総額7億ドルの契約を結んだ。", dt.date(2023, 12, 12), "大谷翔平",
     "ドジャースと10年総額7億ドルの契約を結んだのは誰か。"),
    # Money: いくら in place of the amount.
    ("大谷翔平選手はドジャースと10年総額7億ドルの契約を結んだ。", dt.date(2023, 12, 12), "総額7億ドル",
     "大谷翔平選手はドジャースと10年いくらの契約を結んだか。"),
    # A counter after a noun (金メダル20個): 何 + counter in place.
    ("パリ五輪で日本は金メダル20個を獲得した。", dt.date(2024, 8, 12), "20個",
     "パリ五輪で日本は金メダル何個を獲得したか。"),
    # A country as the topic: どこ, and the phrase with で stays.
    ("パリ五輪で日本は金メダル20個を獲得した。", dt.date(2024, 8, 12), "日本",
     "パリ五輪で金メダル20個を獲得したのはどこか。"),
    # A question word inside the topic phrase: は becomes が (どこの人口が…).
    ("東京都の人口は約1400万人に達した。", dt.date(2024, 5, 1), "東京都",
     "どこの人口が約1400万人に達したか。"),
    # 約…万人: 何人, and the approximation goes with the fact.
    ("東京都の人口は約1400万人に達した。", dt.date(2024, 5, 1), "約1400万人",
     "東京都の人口は何人に達したか。"),
    # A company as the topic; 連体形 となる inside the clause is kept.
    ("トヨタ自動車は8日、過去最高となる5兆円の営業利益を発表した。", dt.date(2024, 5, 9), "トヨタ自動車",
     "8日、過去最高となる5兆円の営業利益を発表したのはどこか。"),
    # A future event (行われる): the dictionary form, not the past.
    ("アメリカの大統領選挙は11月5日に行われる。", dt.date(2024, 10, 1), "2024年11月5日",
     "アメリカの大統領選挙が行われるのはいつか。"),
    # A full name across ・ with a role title; a quoted clause with と before the verb of speaking.
    ("ジョー・バイデン大統領は21日、選挙戦から撤退すると発表した。", dt.date(2024, 7, 22), "ジョー・バイデン",
     "21日、選挙戦から撤退すると発表したのは誰か。"),
    # 以上 goes with the number; a passive predicate (確認された).
    ("能登半島地震では、これまでに240人以上の死亡が確認された。", dt.date(2024, 3, 1), "240人以上",
     "これまでに何人の死亡が確認されたか。"),
    # …年ぶり: 何年ぶり.
    ("新紙幣は20年ぶりに発行された。", dt.date(2024, 7, 4), "20年ぶり", "新紙幣は何年ぶりに発行されたか。"),
    # A person bound by の (…の肖像): 誰の in place; ている stays.
    ("新しい1万円札には渋沢栄一の肖像が使われている。", dt.date(2024, 7, 3), "渋沢栄一",
     "新しい1万円札には誰の肖像が使われているか。"),
    # A place with で: どこ, the organisation's name with の stays.
    ("国連の安全保障理事会はニューヨークで緊急会合を開いた。", dt.date(2024, 4, 15), "ニューヨーク",
     "国連の安全保障理事会が緊急会合を開いたのはどこか。"),
    # から and まで carry meaning: the question keeps them (どこからか, どこまでか).
    ("新幹線は金沢から敦賀まで延伸された。", dt.date(2024, 3, 16), "金沢", "新幹線が敦賀まで延伸されたのはどこからか。"),
    ("新幹線は金沢から敦賀まで延伸された。", dt.date(2024, 3, 16), "敦賀", "新幹線が金沢から延伸されたのはどこまでか。"),
    # The object of a sentence (…を3対2で破った): the topic stays as subject with が.
    ("WBCの決勝で日本はアメリカを3対2で破った。", dt.date(2023, 3, 22), "アメリカ",
     "WBCの決勝で日本が3対2で破ったのはどこか。"),
    # A ranking: 何位.
    ("この大会で日本代表は3位に入った。", dt.date(2024, 9, 1), "3位", "この大会で日本代表は何位に入ったか。"),
    # A distance with a decimal: 何キロ.
    ("彼は42.195キロを2時間5分で走った。", dt.date(2024, 3, 3), "42.195キロ", "彼は何キロを2時間5分で走ったか。"),
    # Two organisations joined by と: each asked in place; the place of the lead stays.
    ("羽田空港で2日、日本航空の旅客機と海上保安庁の航空機が衝突した。", dt.date(2024, 1, 3), "海上保安庁",
     "羽田空港で日本航空の旅客機とどこの航空機が衝突したか。"),
    # A lead that says where and when (…沖で3日午前…ごろ、): the place stays, the time goes.
    ("台湾東部沖で3日午前8時58分ごろ、マグニチュード7.7の地震が発生した。", dt.date(2024, 4, 10), "7.7",
     "台湾東部沖でマグニチュードいくつの地震が発生したか。"),
    # The second of two joined by と is asked in place (not "Aと贈られるのは誰か").
    ("ノーベル物理学賞は、ホップフィールド氏とヒントン氏に贈られる。", dt.date(2024, 10, 9), "ヒントン",
     "ノーベル物理学賞はホップフィールド氏と誰に贈られるか。"),
    # An honorific (さん) goes with the name; a year-only date.
    ("吉野彰さんは2019年にノーベル化学賞を受賞した。", dt.date(2024, 1, 10), "吉野彰",
     "2019年にノーベル化学賞を受賞したのは誰か。"),
    ("吉野彰さんは2019年にノーベル化学賞を受賞した。", dt.date(2024, 1, 10), "2019年",
     "吉野彰さんがノーベル化学賞を受賞したのはいつか。"),
    # 氏 and a direct quotation: the quotation stays whole.
    ("佐藤氏は「今後も協力を続けたい」と語った。", dt.date(2024, 5, 10), "佐藤",
     "「今後も協力を続けたい」と語ったのは誰か。"),
    # A passive with に: the receiver is asked with どこ.
    ("ノーベル平和賞は日本原水爆被害者団体協議会に贈られた。", dt.date(2024, 10, 12), "日本原水爆被害者団体協議会",
     "ノーベル平和賞が贈られたのはどこか。"),
    # The fact is the predicate of its clause (予算は約120億円で、): the question asks it directly.
    ("都によると、計画の予算は約120億円で、2030年までに完了する予定だ。", dt.date(2024, 6, 1), "約120億円",
     "計画の予算はいくらか。"),
    # ている of a continuing state stays ている.
    ("楽天グループは携帯事業で赤字が続いている。", dt.date(2024, 5, 15), "楽天グループ",
     "携帯事業で赤字が続いているのはどこか。"),
]  # fmt: skip


@pytest.mark.parametrize(("sentence", "published", "answer", "expected"), CASES)
def test_questions(sentence: str, published: dt.date, answer: str, expected: str) -> None:
    question = make_question(_fact(sentence, published, answer), published)
    assert question.prompt == expected
    assert question.prompt.endswith("か。")


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 30


# Where cutting the fact out would break the sentence or change its meaning: a blank.
UNSAFE = [
    # ロシア is modified by a relative clause.
    ("孤立を深めるロシアに対して中国の提供するライフラインが保証された。", dt.date(2023, 3, 29), "ロシア"),
    # A source (…によると) is not the actor of the reported event.
    ("気象庁によると、地震の規模を示すマグニチュードは7.6と推定される。", dt.date(2024, 1, 2), "気象庁"),
    # The same through a noun: 総務省の発表によると ("どこの発表によったか" asks nothing).
    ("総務省の発表によると、日本の総人口は1億2435万人だった。", dt.date(2024, 11, 1), "総務省"),
    # A term in apposition to a noun (月面着陸機「SLIM」).
    ("JAXAは月面着陸機「SLIM」を月に着陸させた。", dt.date(2024, 1, 20), "SLIM"),
    # A place that names another place (インドのニューデリー): "どこのニューデリー" asks nothing.
    ("世界遺産委員会はインドのニューデリーで開かれた。", dt.date(2024, 7, 27), "インド"),
    # A number inside a relative clause whose noun starts with a prefix (…を含む計45個).
    ("日本選手団は今大会で金メダル20個を含む計45個のメダルを獲得した。", dt.date(2024, 8, 12), "20個"),
    # A speaker whose quotation holds two clauses (…にのぼり、…を占めると発表した).
    ("国土交通省は、全国の空き家が約900万戸にのぼり、住宅全体の13.8%を占めると発表した。", dt.date(2024, 7, 20), "国土交通省"),
    # A number inside a compound (1万円札).
    ("新しい1万円札には渋沢栄一の肖像が使われている。", dt.date(2024, 7, 3), "1万円"),
]  # fmt: skip


@pytest.mark.parametrize(("sentence", "published", "answer"), UNSAFE)
def test_unsafe_cases_fall_back_to_a_blank(sentence: str, published: dt.date, answer: str) -> None:
    question = make_question(_fact(sentence, published, answer), published)
    assert question.style == "blank"
    assert answer not in question.prompt.split("\n")[0]
    assert question.prompt.endswith("は何か。")


@pytest.mark.parametrize(
    "sentence",
    [
        "円相場は一時1ドル=160円台まで下落した。",
        "消費者物価指数は前年同月より2.8%上昇した。",
        "都は2日後にこれを削除した。",  # 2日後 is two days later, not the 2nd
    ],
)
def test_words_that_look_like_dates_or_numbers_are_not_facts(sentence: str) -> None:
    # 一時 (for a while) is not 1 o'clock, 前年同月 is a base of comparison, 1ドル is the rate's
    # base, 2日後 is a duration.
    facts = extract_facts(_article(sentence, dt.date(2024, 4, 29)))
    assert [f.kind for f in facts if f.kind == "date"] == []
    assert "1ドル" not in [f.text for f in facts]


def test_unsafe_transformation_falls_back_to_a_blank() -> None:
    # ロシア is modified by a relative clause: cutting it out would break the sentence.
    sentence = "孤立を深めるロシアに対して中国の提供するライフラインが保証された。"
    question = make_question(_fact(sentence, dt.date(2023, 3, 29), "ロシア"), dt.date(2023, 3, 29))
    assert question.style == "blank"
    assert (
        question.prompt
        == "孤立を深める（　　）に対して中国の提供するライフラインが保証された。\n（　　）に入る地名は何か。"
    )


def test_a_lead_lends_its_topic_only_when_it_dates_what_follows() -> None:
    # 日経平均株価は4日、… lends its topic to the next clause; 五千円札は津田梅子、… is a
    # clause of its own, and its topic is not the next one's subject.
    published = dt.date(2024, 7, 3)
    sentence = "五千円札は津田梅子、千円札は北里柴三郎が描かれている。"
    question = make_question(_fact(sentence, published, "北里柴三郎"), published)
    assert "五千円札" not in question.prompt
