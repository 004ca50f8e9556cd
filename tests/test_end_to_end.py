"""The whole path: reading list → Anki package → the official anki package imports it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from click.testing import CliRunner
from conftest import DECKS, import_into_anki

from quizgen.anki import write_package
from quizgen.cli import main
from quizgen.pipeline import process, resolve_sources


def _build(list_path: Path, out: Path, timestamp: float | None = None) -> None:
    reading_list = resolve_sources([str(list_path)])
    result = process(reading_list)
    assert not result.failures, [r.error for r in result.failures]
    write_package(reading_list.deck, result.cards, out, timestamp=timestamp)


def test_cli_build_imports_into_real_anki(tmp_path: Path) -> None:
    out = tmp_path / "example.apkg"
    run = CliRunner().invoke(main, ["build", str(DECKS / "example.yaml"), "-o", str(out)])
    assert run.exit_code == 0, run.output
    assert "Wrote" in run.output
    col = import_into_anki(tmp_path / "col.anki2", out)
    try:
        note_ids = col.find_notes("")
        assert len(note_ids) >= 20
        types = {col.get_note(n).note_type()["name"] for n in note_ids}
        assert types == {"quizgen Cloze", "quizgen Question", "quizgen Choice"}
        for nid in note_ids:
            note = col.get_note(nid)
            assert note.cards(), f"note without cards: {note.fields[0]}"
            assert note.fields[0].strip(), "empty first field"
        assert col.find_cards('note:"quizgen Cloze"')
        deck_names = {d.name for d in col.decks.all_names_and_ids()}
        assert "時事ニュース::2024年" in deck_names
    finally:
        col.close()


def _cloze_front_hides_answer(col, cid) -> None:  # type: ignore[no-untyped-def]
    card = col.get_card(cid)
    note = card.note()
    number = card.ord + 1
    m = re.search(rf"\{{\{{c{number}::(.*?)(?:::(.*?))?\}}\}}", note["Text"])
    assert m
    hidden = m.group(1).replace("&#58;", ":")
    front_text = re.sub(r"<style>.*?</style>", "", card.question(), flags=re.S)
    back_text = re.sub(r"<style>.*?</style>", "", card.answer(), flags=re.S)
    assert hidden not in re.sub(r"<[^>]+>", "", front_text)
    assert hidden in re.sub(r"<[^>]+>", "", back_text)


def test_cloze_front_hides_and_back_reveals(tmp_path: Path) -> None:
    out = tmp_path / "x.apkg"
    _build(DECKS / "example.yaml", out)
    col = import_into_anki(tmp_path / "c.anki2", out)
    try:
        for cid in col.find_cards('note:"quizgen Cloze"'):
            _cloze_front_hides_answer(col, cid)
    finally:
        col.close()


def test_rebuild_updates_without_duplicates_and_keeps_reviews(
    example_copy: Path, tmp_path: Path
) -> None:
    first = tmp_path / "v1.apkg"
    _build(example_copy, first, timestamp=1_700_000_000)
    col = import_into_anki(tmp_path / "c.anki2", first)
    try:
        before = {col.get_note(n).guid: col.get_note(n) for n in col.find_notes("")}
        # Review some cards so that they have scheduling to keep.
        reviewed = {}
        for cid in col.find_cards("")[:5]:
            card = col.get_card(cid)
            card.start_timer()
            col.sched.answerCard(card, 3)
            card = col.get_card(cid)
            reviewed[cid] = (card.ivl, card.due, card.reps)
        # Edit: change a word in a fact's sentence of one article, add another article.
        boj = example_copy.parent / "articles" / "boj-rate.txt"
        text = boj.read_text("utf-8")
        assert "金融政策決定会合で" in text
        boj.write_text(text.replace("金融政策決定会合で", "金融政策決定会合において"), "utf-8")
        shutil.copy(
            Path(__file__).parent / "data" / "articles" / "wbc-final.txt",
            example_copy.parent / "articles",
        )
        with example_copy.open("a", encoding="utf-8") as handle:
            handle.write("  - path: articles/wbc-final.txt\n    published: 2023-03-22\n")
        second = tmp_path / "v2.apkg"
        _build(example_copy, second, timestamp=1_700_000_100)
        col.close()
        col = import_into_anki(tmp_path / "c.anki2", second)
        after = {col.get_note(n).guid: col.get_note(n) for n in col.find_notes("")}
        guids = [col.get_note(n).guid for n in col.find_notes("")]
        assert len(guids) == len(set(guids)), "duplicate notes after re-import"
        added = set(after) - set(before)
        assert added
        for guid in added:
            assert "WBC" in after[guid]["Title"] or "ワールド" in after[guid]["Title"], after[guid][
                "Title"
            ]
        updated = [g for g in before if g in after and "において" in " ".join(after[g].fields)]
        assert updated, "the edited sentence did not update its notes"
        assert not [g for g in after if "金融政策決定会合で、" in " ".join(after[g].fields)]
        for cid, scheduling in reviewed.items():
            card = col.get_card(cid)
            assert (card.ivl, card.due, card.reps) == scheduling
    finally:
        col.close()
