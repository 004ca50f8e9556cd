"""Question prompts in natural Japanese (first table; the issue asks for more cases)."""

from __future__ import annotations

import datetime as dt

import pytest

from quizgen.clean import make_sentences
from quizgen.facts import extract_facts
from quizgen.model import Article
from quizgen.questions import make_question


def _article(text: str, published: dt.date) -> Article:
    return Article("t", "t", "t", published, None, None, (), "utf-8", text, make_sentences(text))


# (sentence, published, answer, expected question) — what each guards in the comment.
CASES = [
    # A date fact: the predicate goes to the past (the date is past), は becomes が.
    ("今年3月10日にも、中国はサウジアラビアとイランの国交正常化を仲介した。", dt.date(2023, 3, 29), "2023年3月10日",
     "中国がサウジアラビアとイランの国交正常化を仲介したのはいつか。"),
    # A person who is the topic; a quoted clause extends to the verb of speaking, まで dropped.
    ("習はプーチンの大統領続投を支持するとまで語った。", dt.date(2023, 3, 29), "習近平",
     "プーチンの大統領続投を支持すると語ったのは誰か。"),
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
]  # fmt: skip


@pytest.mark.parametrize(("sentence", "published", "answer", "expected"), CASES)
def test_questions(sentence: str, published: dt.date, answer: str, expected: str) -> None:
    facts = [f for f in extract_facts(_article(sentence, published)) if f.answer == answer]
    assert facts, [f.answer for f in extract_facts(_article(sentence, published))]
    question = make_question(facts[0], published)
    assert question.prompt == expected
    assert question.prompt.endswith("か。")


def test_unsafe_transformation_falls_back_to_a_blank() -> None:
    # ロシア is modified by a relative clause: cutting it out would break the sentence.
    sentence = "孤立を深めるロシアに対して中国の提供するライフラインが保証された。"
    facts = [
        f for f in extract_facts(_article(sentence, dt.date(2023, 3, 29))) if f.answer == "ロシア"
    ]
    question = make_question(facts[0], dt.date(2023, 3, 29))
    assert question.style == "blank"
    assert (
        question.prompt
        == "孤立を深める（　　）に対して中国の提供するライフラインが保証された。\n（　　）に入る地名は何か。"
    )
