"""The seed article (a pasted page of a news site) — the model for the whole tool."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from click.testing import CliRunner

from quizgen.cli import main
from quizgen.model import ArticleEntry, Options, ReadingList
from quizgen.pipeline import process


def _seed_result(seed_path: Path):  # type: ignore[no-untyped-def]
    entry = ArticleEntry(str(seed_path), "seed.txt", seed_path, published=dt.date(2023, 3, 29))
    result = process(ReadingList(deck="seed", articles=(entry,)), Options())
    assert not result.failures
    return result.results[0]


def test_seed_date_fact(seed_path: Path) -> None:
    result = _seed_result(seed_path)
    dates = [f for f in result.facts if f.kind == "date"]
    march = [f for f in dates if f.value == "2023-03-10"]
    assert march, [(f.text, f.value) for f in dates]
    assert march[0].text in ("今年3月10日", "3月10日")
    assert march[0].sentence.text[march[0].start : march[0].end] == march[0].text


def test_seed_card_asks_for_the_date_of_the_normalisation(seed_path: Path) -> None:
    result = _seed_result(seed_path)
    cards = [c for c in result.cards if c.type == "question" and c.answer == "2023年3月10日"]
    assert cards
    assert "サウジアラビア" in cards[0].front and "イラン" in cards[0].front
    assert cards[0].front == "中国がサウジアラビアとイランの国交正常化を仲介したのはいつか。"


def test_seed_choice_card_offers_dates_near_the_answer(seed_path: Path) -> None:
    result = _seed_result(seed_path)
    cards = [c for c in result.cards if c.type == "choice" and c.answer == "2023年3月10日"]
    assert cards and cards[0].choices is not None
    choices = cards[0].choices
    assert len(choices) == 4 and len(set(choices)) == 4 and "2023年3月10日" in choices
    for other in choices:
        assert re.fullmatch(r"20[0-9]{2}年[0-9]{1,2}月[0-9]{1,2}日", other), other


def test_seed_no_choice_offers_what_its_prompt_names(seed_path: Path) -> None:
    # 中国はどことイランの国交正常化を仲介したか: 中国 and イラン are not options.
    for card in _seed_result(seed_path).cards:
        if card.type == "choice" and card.choices:
            assert not [c for c in card.choices if c != card.answer and c in card.front]


def test_seed_nothing_from_clutter(seed_path: Path) -> None:
    result = _seed_result(seed_path)
    body = result.article.body
    for clutter in (
        "クマ",
        "ルピー",
        "156円",
        "2026年1月13日号",
        "人気ランキング",
        "あわせて読みたい",
    ):
        assert clutter not in body
    assert body.startswith("プーチンが得たものも大きい。")
    assert body.endswith("積極的な外交攻勢をかけている。")
    assert "アメリカに対抗する準備" in body


def test_seed_facts_json_through_the_cli(seed_path: Path, tmp_path: Path) -> None:
    reading_list = tmp_path / "seed.yaml"
    reading_list.write_text(
        f"deck: seed\narticles:\n  - path: {seed_path}\n    published: 2023-03-29\n", "utf-8"
    )
    run = CliRunner().invoke(main, ["facts", str(reading_list), "--json"])
    assert run.exit_code == 0, run.output
    data = json.loads(run.output)
    facts = data["articles"][0]["facts"]
    assert {"kind", "text", "value", "sentence", "start", "end"} <= set(facts[0])
    assert any(f["kind"] == "date" and f["value"] == "2023-03-10" for f in facts)
    for f in facts:
        assert f["sentence"][f["start"] : f["end"]] == f["text"]


def test_seed_key_facts_of_every_kind(seed_path: Path) -> None:
    result = _seed_result(seed_path)
    facts = result.facts
    election = [f for f in facts if f.kind == "date" and f.text == "来年"]
    assert election and election[0].value == "2024" and "大統領選" in election[0].sentence.text
    places = {f.text for f in facts if f.kind == "place"}
    assert {"サウジアラビア", "イラン"} <= places
    zelensky = [f for f in facts if f.kind == "person" and "ゼレンスキー" in f.text]
    assert zelensky and {f.answer for f in zelensky} == {"ウォロディミル・ゼレンスキー"}
    assert all(
        "ウォロディミル" not in f.text or f.text == "ウォロディミル・ゼレンスキー" for f in zelensky
    )
    xi = [f for f in facts if f.kind == "person" and f.answer == "習近平"]
    assert any(f.text == "習" and "習は" in f.sentence.text for f in xi)
    assert len({f.key for f in xi}) == 1
    assert "グローバル安全保障イニシアティブ" in {f.text for f in facts if f.kind == "term"}


def test_seed_byline_names_georgetown_university_as_an_organisation(seed_path: Path) -> None:
    # The byline is metadata, not body (EXAMPLES.md: no card from it), but read as text it
    # gives the university as one organisation.
    from quizgen.clean import make_sentences
    from quizgen.facts import extract_facts
    from quizgen.model import Article

    result = _seed_result(seed_path)
    byline = result.article.byline
    assert byline and "ジョージタウン大学" in byline
    article = Article("b", "b", "b", None, None, None, (), "utf-8", byline, make_sentences(byline))
    orgs = [f.text for f in extract_facts(article) if f.kind == "organisation"]
    assert orgs == ["ジョージタウン大学"]
    assert not [f for f in result.facts if "ジョージタウン" in f.text]
