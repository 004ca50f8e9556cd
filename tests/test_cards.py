"""Card rules a learner relies on: stable cloze numbers, the cap, no giveaway prompts."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DECKS

from quizgen.model import Options
from quizgen.pipeline import process, resolve_sources


def _cards(max_facts: int):  # type: ignore[no-untyped-def]
    result = process(resolve_sources([str(DECKS / "example.yaml")]), Options(max_facts=max_facts))
    assert not result.failures
    return result


def test_a_fact_keeps_its_cloze_number_when_the_cap_changes() -> None:
    # Renumbering would leave empty cards in Anki and move review history to another fact.
    wide = {(c.guid, c.fact.key): c.number for c in _cards(15).cards if c.type == "cloze"}
    narrow = {(c.guid, c.fact.key): c.number for c in _cards(4).cards if c.type == "cloze"}
    shared = set(wide) & set(narrow)
    assert shared and len(narrow) < len(wide)
    assert all(wide[k] == narrow[k] for k in shared)
    # and the narrow build's notes are notes of the wide build (same GUIDs)
    assert {g for g, _ in narrow} <= {g for g, _ in wide}


def test_cap_limits_facts_per_article_most_important_first() -> None:
    result = _cards(5)
    for article in result.results:
        carded = {c.fact.key for c in article.cards}
        assert 0 < len(carded) <= 5
        best = sorted({f.key: f.rank for f in article.facts}.items(), key=lambda kv: kv[1])[:5]
        assert carded <= {k for k, _ in best}


def test_no_prompt_holds_its_answer_and_no_prompt_twice() -> None:
    for article in _cards(15).results:
        seen = set()
        for card in article.cards:
            if card.type == "cloze":
                assert card.answer not in card.front
                continue
            assert card.answer not in card.front and card.fact.text not in card.front
            assert (card.type, card.front) not in seen
            seen.add((card.type, card.front))


def test_distractors_vary_across_a_reading_list(tmp_path: Path) -> None:
    # Each card reads the list's candidates from its own point, so one name does not turn
    # up in nearly every card of its kind (a learner soon learns it is never the answer).
    from collections import Counter

    from test_parallel_cache import _corpus

    from quizgen.pipeline import process, resolve_sources

    result = process(resolve_sources([str(_corpus(tmp_path))]))
    for kind in ("person", "organisation", "place"):
        cards = [c for c in result.cards if c.type == "choice" and c.fact.kind == kind]
        assert len(cards) >= 10
        offered = Counter(d for c in cards for d in c.choices or () if d != c.answer)
        _, most = offered.most_common(1)[0]
        assert most <= 0.6 * len(cards), (kind, offered.most_common(3))


def test_the_right_option_is_anywhere_but_always_in_the_same_place(tmp_path: Path) -> None:
    from collections import Counter

    from test_parallel_cache import _corpus

    from quizgen.pipeline import process, resolve_sources

    reading_list = resolve_sources([str(_corpus(tmp_path))])
    choices = [c for c in process(reading_list).cards if c.type == "choice"]
    places = Counter((c.choices or ()).index(c.answer) for c in choices)
    assert set(places) == {0, 1, 2, 3} and max(places.values()) <= 0.4 * len(choices)
    again = [c for c in process(reading_list).cards if c.type == "choice"]
    assert [c.choices for c in again] == [c.choices for c in choices]


def test_a_new_answer_of_one_group_leaves_the_other_groups_pools_alone() -> None:
    """The pool keeps the first answers of each distractor group: a list with a thousand
    numbers of people still offers its three numbers of weeks, and one more number of
    people does not change them (every card reading them would be made again)."""
    from quizgen.pool import POOL_PER_GROUP, PoolBuilder

    def pool(people: int) -> list[tuple[str, str, object, str | None]]:
        builder = PoolBuilder()
        builder.add(("number", f"{n}週間", n, "週間") for n in (2, 3, 5))
        builder.add(("number", f"{n}人", n, "人") for n in range(1, people + 1))
        return builder.items

    before, after = pool(1000), pool(1001)
    weeks = [item for item in before if item[3] == "週間"]
    assert {item[1] for item in weeks} == {"2週間", "3週間", "5週間"}
    assert [i for i in after if i[3] == "週間"] == weeks
    assert len([i for i in before if i[3] == "人"]) == POOL_PER_GROUP


def test_a_distractor_group_holds_every_candidate_of_its_facts() -> None:
    """A card reads only its distractor group's part of the pool: for any fact, choosing
    from that part gives what choosing from the whole pool would (dates of another
    precision, ranges, other units, countries for cities are left out; nothing else)."""
    from quizgen.cards import pool_group
    from quizgen.distractors import choose_distractors, distractor_group
    from quizgen.pool import pool_fact

    items = [
        ("date", "2023年3月10日", "2023-03-10", None),
        ("date", "2024年5月", "2024-05", None),
        ("date", "2022年", "2022", None),
        ("date", "2021年4月1日午前9時", "2021-04-01T09:00", None),
        ("date", "3月1日から5日", "2024-03-01/2024-03-05", None),
        ("date", "先日", None, None),
        ("date", "2020年1月2日", "2020-01-02", None),
        ("number", "74人", 74, "人"),
        ("number", "3人", 3, "人"),
        ("number", "数人", None, "人"),
        ("number", "2週間", 2, "週間"),
        ("number", "5%", 5, "%"),
        ("number", "約千", 1000, None),
        ("place", "中国", None, None),
        ("place", "イラン", None, None),
        ("place", "東京都", None, None),
        ("place", "大阪市", None, None),
        ("person", "山田太郎", None, None),
        ("person", "佐藤花子", None, None),
        ("organisation", "日本銀行", None, None),
        ("term", "骨太の方針", None, None),
    ]
    pool = [pool_fact(item) for item in items]
    for fact in pool:
        group = pool_group(pool, distractor_group(fact)).facts
        members = [
            f for f in pool if f in group
        ]  # the pool's order, as choose_distractors reads it
        for count in (1, 3, 10):
            assert choose_distractors(fact, members, count) == choose_distractors(
                fact, pool, count
            ), (fact.answer, count)


@pytest.mark.parametrize(
    ("answer", "value", "unit", "expected"),
    [
        # Written with 万: so are its distractors (a lone "80,218円" gave the answer away).
        ("4万109円", 40109, "円", ["8万218円", "2万54円", "6万164円"]),
        ("1億2435万人", 124350000, "人", ["2億4870万人", "6217万5000人", "1億8652万5000人"]),
        # With commas, or plain: the same.
        ("40,109円", 40109, "円", ["80,218円", "20,054円", "60,164円"]),
        ("120人", 120, "人", ["240人", "60人", "180人"]),
        # 約 and the decimals go with every option.
        ("約34万人", 340000, "人", ["約68万人", "約17万人", "約51万人"]),
        ("1.76度", 1.76, "度", ["3.52度", "0.88度", "2.64度"]),
        # An age and a rank: nearby values (not 156歳); a share stays at most 100%.
        ("78歳", 78, "歳", ["81歳", "75歳", "85歳"]),
        ("3位", 3, "位", ["4位", "5位", "2位"]),
        ("80%", 80, "%", ["40%", "20%", "70%"]),
        # A seismic intensity: the nearest levels of the scale (not "12震度").
        ("震度6弱", 6, "震度", ["震度6強", "震度5強", "震度7"]),
        # A magnitude: a few tenths either way (not "マグニチュード15.2").
        ("7.6", 7.6, "M", ["8.0", "7.2", "8.4"]),
    ],
)
def test_number_distractors_are_written_like_the_answer(
    answer: str, value: float, unit: str, expected: list[str]
) -> None:
    from quizgen.distractors import choose_distractors
    from quizgen.model import Fact, Sentence

    # "Choices that give themselves away": the answer must not be the odd one out.
    sentence = Sentence(0, answer, 0, 0)
    fact = Fact(
        "number", answer, value, sentence, 0, len(answer), answer, f"number:{answer}", unit=unit
    )
    assert choose_distractors(fact, []) == expected


def test_a_fiscal_year_s_distractors_are_fiscal_years() -> None:
    from quizgen.distractors import choose_distractors
    from quizgen.model import Fact, Sentence

    sentence = Sentence(0, "来年度の予算案", 0, 0)
    fact = Fact("date", "来年度", "2025", sentence, 0, 3, "2025年度", "date:2025")
    options = choose_distractors(fact, [])
    assert len(options) == 3 and all(o.endswith("年度") for o in options), options
