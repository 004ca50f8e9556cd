"""Cards as Anki shows them: rendered by the official anki package from an imported deck."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from conftest import DECKS, import_into_anki

from quizgen.cli import main


def _strip(html: str) -> str:
    return re.sub(r"<[^>]+>", "", re.sub(r"<style>.*?</style>", "", html, flags=re.S))


@pytest.fixture(scope="module")
def collection(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("render")
    out = tmp / "deck.apkg"
    run = CliRunner().invoke(
        main, ["build", str(DECKS / "example.yaml"), "--furigana", "-o", str(out)]
    )
    assert run.exit_code == 0, run.output
    col = import_into_anki(tmp / "col.anki2", out)
    yield col
    col.close()


def test_choice_front_shows_four_options_and_back_marks_the_right_one(collection) -> None:  # type: ignore[no-untyped-def]
    card_ids = collection.find_cards('note:"quizgen Choice"')
    assert card_ids
    for cid in card_ids:
        card = collection.get_card(cid)
        answer = _strip(card.note()["Answer"])
        front = re.sub(r"<style>.*?</style>", "", card.question(), flags=re.S)
        back = re.sub(r"<style>.*?</style>", "", card.answer(), flags=re.S)
        front_options = re.findall(r"<li[^>]*>(.*?)</li>", front.split('class="front"')[1])
        assert len(front_options) == 4
        assert answer in [_strip(o) for o in front_options]
        assert len(set(front_options)) == 4
        assert 'class="front"' in front and 'class="back"' not in front
        correct = re.findall(r'<li class="correct">(.*?)</li>', back)
        assert [_strip(c) for c in correct] == [answer]


def test_the_front_does_not_give_the_answer_away(collection) -> None:  # type: ignore[no-untyped-def]
    css = collection.models.by_name("quizgen Choice")["css"]
    # Only the back styles the right option; on the front all four look the same.
    rules = [r for r in re.findall(r"([^{}]+)\{", css) if "correct" in r]
    assert rules and all(".back" in r for r in rules)


def test_furigana_renders_as_ruby(collection) -> None:  # type: ignore[no-untyped-def]
    card_ids = collection.find_cards('note:"quizgen Question"')
    rendered = [collection.get_card(cid).question() for cid in card_ids]
    with_ruby = [html for html in rendered if "<ruby>" in html]
    assert with_ruby, "no question rendered with <ruby>"
    # Readings are in <rt>; the bracket syntax itself never shows.
    assert all("<rt>" in html for html in with_ruby)
    assert not any(re.search(r"\[[ぁ-ん]+\]", _strip(html)) for html in rendered)


def test_night_mode_and_japanese_fonts_in_every_note_type(collection) -> None:  # type: ignore[no-untyped-def]
    for name in ("quizgen Cloze", "quizgen Question", "quizgen Choice"):
        css = collection.models.by_name(name)["css"]
        assert ".nightMode" in css
        assert "Noto Sans JP" in css and "Hiragino" in css and "Yu Gothic" in css


def _text(html: str) -> str:
    return _strip(re.sub(r"<rt>.*?</rt>", "", html))


def test_back_shows_source_with_the_fact_highlighted_and_the_article(collection) -> None:  # type: ignore[no-untyped-def]
    for cid in collection.find_cards('note:"quizgen Question"')[:20]:
        card = collection.get_card(cid)
        back = card.answer()
        marked = re.findall(r"<mark>(.*?)</mark>", back)
        assert len(marked) == 1
        # The highlighted span is a piece of the source sentence shown on the back.
        source = _text(back.split('class="source"')[1].split("</div>")[0])
        assert _text(marked[0]) and _text(marked[0]) in source
        assert _strip(card.note()["Title"]) in _strip(back)
        assert "2024年" in _strip(back.split('class="meta"')[1])


def test_cloze_cards_have_furigana_outside_and_inside_their_blanks(collection) -> None:  # type: ignore[no-untyped-def]
    # The learner asked for readings: a cloze card shows them around the blank, and the
    # answer shows the hidden words with theirs, as Anki renders {{furigana:cloze:Text}}.
    card_ids = collection.find_cards('note:"quizgen Cloze"')
    assert card_ids
    fronts_with_ruby = backs_with_ruby_in_cloze = 0
    for cid in card_ids:
        card = collection.get_card(cid)
        front, back = card.question(), card.answer()
        assert not re.search(r"\[[ぁ-ん]+\]", _strip(front) + _strip(back))  # no raw syntax
        fronts_with_ruby += "<ruby>" in front
        backs_with_ruby_in_cloze += bool(re.search(r'<span class="cloze"[^>]*>[^<]*<ruby>', back))
        # The blank hides its words and their readings alike.
        hidden = re.findall(r'<span class="cloze"[^>]*>(.*?)</span>', front)
        assert hidden and all("<rt>" not in h for h in hidden)
    assert fronts_with_ruby > len(card_ids) // 2
    assert backs_with_ruby_in_cloze > 0
