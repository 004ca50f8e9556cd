"""quizgen eval: the gold set's figures, and how the scoring counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from quizgen.cli import main
from quizgen.evaluate import evaluate, load_gold

GOLD = ROOT / "gold" / "gold.yaml"


@pytest.fixture(scope="module")
def gold_report():  # type: ignore[no-untyped-def]
    return evaluate(load_gold(GOLD))


def test_gold_set_is_big_enough() -> None:
    articles = load_gold(GOLD)
    assert len(articles) >= 10
    assert sum(len(a.facts) for a in articles) >= 80
    assert {f.kind for a in articles for f in a.facts} == {
        "date", "person", "place", "organisation", "number", "term"
    }  # fmt: skip
    assert sum(1 for a in articles if a.clutter) >= 4, "pasted pages with clutter"


def test_gold_recall_at_least_90_percent_in_every_kind(gold_report) -> None:  # type: ignore[no-untyped-def]
    assert not gold_report.errors
    for kind, score in gold_report.kinds.items():
        assert score.recall() >= 0.9, (kind, score)
        assert score.card_recall() >= 0.9, (kind, score)
    assert gold_report.overall.recall() >= 0.9 and gold_report.overall.card_recall() >= 0.9


def test_gold_date_values_all_right_and_nothing_from_clutter(gold_report) -> None:  # type: ignore[no-untyped-def]
    overall = gold_report.overall
    assert overall.dates_checked >= 20 and overall.dates_right == overall.dates_checked
    assert gold_report.clutter_facts == 0


def test_seed_gold(seed_path: Path) -> None:
    report = evaluate(load_gold(ROOT / "gold" / "seed.yaml"))
    assert not report.errors
    assert report.overall.recall() == 1.0
    assert report.overall.dates_right == report.overall.dates_checked == 2
    assert report.clutter_facts == 0


def _tiny(tmp_path: Path, facts: str, clutter: str = "[]") -> Path:
    (tmp_path / "a.txt").write_text(
        "人気ランキング\n1\n株価が急落…\n"
        "日本銀行は19日の金融政策決定会合で、マイナス金利政策の解除を決めた。"
        "利上げは2007年2月以来、17年ぶりとなる。\n",
        "utf-8",
    )
    gold = tmp_path / "gold.yaml"
    gold.write_text(
        f"articles:\n  - file: a.txt\n    published: 2024-03-19\n    clutter: {clutter}\n"
        f"    facts:\n{facts}",
        "utf-8",
    )
    return gold


def test_scoring_counts_found_missed_wrong_values_and_clutter(tmp_path: Path) -> None:
    gold = _tiny(
        tmp_path,
        '      - {type: organisation, answer: "日本銀行", cue: "解除"}\n'
        '      - {type: date, answer: "19日", value: "2024-03-19"}\n'
        '      - {type: date, answer: "2007年2月", value: "2007-03"}\n'  # wrong on purpose
        '      - {type: person, answer: "黒田東彦"}\n',  # not in the text
        '["17年ぶり"]',  # pretend this sentence were clutter
    )
    report = evaluate(load_gold(gold))
    assert report.kinds["organisation"].found == 1
    assert report.kinds["date"].gold == 2 and report.kinds["date"].found == 1
    assert report.overall.dates_checked == 2 and report.overall.dates_right == 1
    assert report.kinds["person"].found == 0
    assert report.clutter_facts >= 1
    whys = {(f.answer, why) for _, f, why in report.missed}
    assert ("2007年2月", "wrong value") in whys and ("黒田東彦", "not found") in whys


def test_eval_cli_json_and_min_recall(tmp_path: Path) -> None:
    gold = _tiny(tmp_path, '      - {type: person, answer: "黒田東彦"}\n')
    run = CliRunner().invoke(main, ["eval", str(gold), "--json", "--min-recall", "0.9"])
    assert run.exit_code == 1
    data = json.loads(run.output)
    assert data["overall"]["recall"] == 0.0 and data["kinds"]["person"]["gold"] == 1
    ok = CliRunner().invoke(main, ["eval", str(gold)])
    assert ok.exit_code == 0 and "person" in ok.output


def test_eval_bad_gold_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "gold.yaml"
    bad.write_text("articles: [\n", "utf-8")
    run = CliRunner().invoke(main, ["eval", str(bad)])
    assert (
        run.exit_code == 2
        and run.output.startswith(f"Error: {bad}")
        and "Traceback" not in run.output
    )
