"""Properties over any Unicode text (Hypothesis): no crash, facts are verbatim spans,
and every package we build imports with the official anki package."""

from __future__ import annotations

import datetime as dt
import html
import re
import tempfile
from pathlib import Path

import genanki
from conftest import import_into_anki
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizgen.anki import safe_tag, write_package
from quizgen.cards import guid_for, make_cards
from quizgen.clean import make_sentences, normalise
from quizgen.distractors import choose_distractors
from quizgen.errors import QuizgenError
from quizgen.escape import escape_field
from quizgen.facts import extract_facts
from quizgen.model import Article, ArticleEntry, Fact, RawArticle, Sentence

NEWS = (
    "日本銀行は19日、金融政策決定会合で利上げを決めた。植田和男総裁は記者会見で説明した。"
    "東京都では約100人が集まり、「テスト計画」について話し合った。"
)
# Emoji, combining marks, half-width kana, control characters, right-to-left text.
ODD = st.sampled_from(
    [
        "😀",
        "e\u0301",
        "ｶﾞｷﾞ",
        "\x07",
        "\u202e",
        "مرحبا",
        "\u200b",
        "{{c1::x}}",
        "<b>",
        "\n",
        "。",
        "「",
        "」",
    ]
)
TEXT = st.lists(st.one_of(st.text(max_size=40), ODD, st.just(NEWS)), max_size=12).map("".join)


def _article(body: str) -> Article:
    body = normalise(body)
    return Article(
        "t.txt",
        "t.txt",
        "題",
        dt.date(2024, 3, 19),
        None,
        None,
        (),
        "utf-8",
        body,
        make_sentences(body),
    )


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_pipeline_never_crashes_and_facts_are_verbatim(text: str) -> None:
    from quizgen.clean import clean

    try:
        article = clean(RawArticle(ArticleEntry("t.txt", "t.txt"), text, "utf-8"))
    except QuizgenError:
        article = _article(text)
    facts = extract_facts(article)
    for fact in facts:
        assert fact.sentence.text[fact.start : fact.end] == fact.text
        assert (
            article.body[fact.sentence.start : fact.sentence.start + len(fact.sentence.text)]
            == fact.sentence.text
        )
    for card in make_cards(article, facts):
        if card.type != "cloze":
            assert card.answer not in card.front


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.text(max_size=20), ODD), max_size=6).map("".join))
def test_every_package_imports_into_anki(noise: str) -> None:
    article = _article(NEWS + noise + NEWS.replace("19日", "20日"))
    facts = extract_facts(article)
    cards = make_cards(article, facts)
    assert cards
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "p.apkg"
        write_package("性質::テスト", cards, out)
        col = import_into_anki(Path(tmp) / "c.anki2", out)
        try:
            nids = col.find_notes("")
            assert nids
            for nid in nids:
                assert col.get_note(nid).cards()
        finally:
            col.close()


@settings(max_examples=500, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=4))
def test_note_guids_are_genankis(values: list[str]) -> None:
    # Learners' decks hold GUIDs made by genanki.guid_for: ours must stay equal to it.
    assert guid_for(*values) == genanki.guid_for(*values)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=40))
def test_escaping_matches_the_full_translation(text: str) -> None:
    # escape_field returns text without special characters as is: check against the slow path.
    expected = html.escape(re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text))
    for char, entity in (("{", "&#123;"), ("}", "&#125;"), ("[", "&#91;"), ("]", "&#93;")):
        expected = expected.replace(char, entity)
    assert escape_field(text) == expected


@settings(max_examples=500, deadline=None)
@given(st.text(min_size=1, max_size=30))
def test_tags_are_always_safe_for_anki(tag: str) -> None:
    safe = safe_tag(tag)
    assert safe and " " not in safe and "\u3000" not in safe


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(["date", "number", "person", "place", "organisation", "term"]),
    st.integers(min_value=1, max_value=10**12),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
    st.sampled_from(["YYYY", "YYYY-MM", "YYYY-MM-DD"]),
    st.lists(
        st.sampled_from(["中国", "ロシア", "習近平", "日本銀行", "約50億円", "3人"]), max_size=5
    ),
)
def test_distractors_never_equal_the_answer(kind, number, day, precision, others) -> None:  # type: ignore[no-untyped-def]
    from quizgen.dates import format_answer

    sentence = Sentence(0, "文。", 0, 0)
    if kind == "date":
        value: object = day.isoformat()[: len(precision)]
        answer = format_answer(str(value))
    elif kind == "number":
        value, answer = number, f"{number}人"
    else:
        value, answer = None, others[0] if others else "中国"
    fact = Fact(
        kind,
        "文",
        value,
        sentence,
        0,
        1,
        answer,
        f"{kind}:{answer}",
        unit="人" if kind == "number" else None,
    )  # type: ignore[arg-type]
    pool = [Fact(kind, o, None, sentence, 0, 1, o, f"{kind}:{o}") for o in others]
    distractors = choose_distractors(fact, pool)
    assert answer not in distractors
    assert len(set(distractors)) == len(distractors)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["人", "議席", "週間"]), st.integers(0, 30)), max_size=60),
    st.randoms(use_true_random=False),
)
def test_the_pool_is_each_groups_smallest_ranked_distinct_answers(
    numbers: list[tuple[str, int]], rng: object
) -> None:
    """Whatever the order articles arrive in and however often an answer recurs, each
    distractor group keeps the ``POOL_PER_GROUP`` distinct answers of smallest rank."""
    import pytest

    from quizgen import pool
    from quizgen.distractors import group_of

    items = [("number", f"{n}{unit}", n, unit) for unit, n in numbers]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pool, "POOL_PER_GROUP", 4)
        builder = pool.PoolBuilder()
        shuffled = list(items)
        rng.shuffle(shuffled)  # type: ignore[attr-defined]
        for start in range(0, len(shuffled), 7):  # an article's items at a time
            builder.add(shuffled[start : start + 7])
        expected = []
        for group in sorted({group_of(*item) for item in items}):
            answers = {item[1]: item for item in items if group_of(*item) == group}
            ranked = sorted(answers.values(), key=lambda i: pool.pool_rank(i[0], i[1]))
            expected += ranked[:4]
    assert sorted(builder.items) == sorted(expected)
