"""The command line: JSON shapes, summaries, exit codes and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import DATA, DECKS

from quizgen.cli import main

runner = CliRunner()


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(main, list(args))


def test_every_command_has_help() -> None:
    for name, command in main.commands.items():
        assert command.help, name
        result = invoke(name, "--help")
        assert result.exit_code == 0


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0 and "quizgen" in result.output


def test_cards_json_shape() -> None:
    result = invoke("cards", str(DECKS / "example.yaml"), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["errors"] == []
    cards = data["cards"]
    assert {c["type"] for c in cards} == {"cloze", "question", "choice"}
    for card in cards:
        assert {
            "guid",
            "type",
            "front",
            "back",
            "answer",
            "choices",
            "tags",
            "fact",
            "source",
        } <= set(card)
        assert set(card["source"]) >= {"title", "published", "url", "sentence"}
        fact = card["fact"]
        assert fact["sentence"][fact["start"] : fact["end"]] == fact["text"]
        if card["type"] == "choice":
            assert len(card["choices"]) == 4 and card["answer"] in card["choices"]
            assert len(set(card["choices"])) == 4
        else:
            assert card["choices"] is None
        if card["type"] != "cloze":
            assert card["answer"] not in card["front"]


def test_facts_json_kinds_and_values() -> None:
    result = invoke("facts", str(DECKS / "example.yaml"), "--json")
    data = json.loads(result.output)
    kinds = {f["kind"] for a in data["articles"] for f in a["facts"]}
    assert kinds == {"date", "person", "place", "organisation", "number", "term"}
    for article in data["articles"]:
        for f in article["facts"]:
            if f["kind"] == "date":
                assert isinstance(f["value"], str) and f["value"][:4].isdigit()
            elif f["kind"] == "number":
                assert isinstance(f["value"], int | float)
            else:
                assert f["value"] is None


def test_articles_given_directly(tmp_path: Path) -> None:
    out = tmp_path / "d.apkg"
    a = DECKS / "articles" / "h3-rocket.txt"
    b = DECKS / "articles" / "boj-rate.txt"
    result = invoke("build", str(a), str(b), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.exists()


def test_front_matter_is_overridden_by_the_list(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(
        (DECKS / "articles" / "boj-rate.txt").read_text("utf-8"), "utf-8"
    )
    (tmp_path / "l.yaml").write_text(
        "deck: t\narticles:\n  - path: a.txt\n    title: 上書きした題\n", "utf-8"
    )
    data = json.loads(invoke("facts", str(tmp_path / "l.yaml"), "--json").output)
    assert data["articles"][0]["title"] == "上書きした題"
    assert data["articles"][0]["published"] == "2024-03-19"  # from the front matter


def test_one_bad_article_does_not_lose_the_others(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(
        (DECKS / "articles" / "boj-rate.txt").read_text("utf-8"), "utf-8"
    )
    (tmp_path / "l.yaml").write_text(
        "deck: t\narticles:\n  - path: good.txt\n  - path: missing.txt\n", "utf-8"
    )
    out = tmp_path / "o.apkg"
    result = invoke("build", str(tmp_path / "l.yaml"), "-o", str(out))
    assert result.exit_code == 1
    assert "missing.txt: no such file — check the path" in result.output
    assert "1 of 2 articles failed" in result.output
    assert out.exists()


def test_the_program_exits_with_the_same_codes_and_one_line_errors(tmp_path: Path) -> None:
    """``quizgen`` as a program (``python -m quizgen``, as the console script runs it):
    the exit codes and one-line errors of the command, no traceback."""
    import os
    import subprocess
    import sys

    (tmp_path / "good.txt").write_text(
        (DECKS / "articles" / "boj-rate.txt").read_text("utf-8"), "utf-8"
    )
    (tmp_path / "l.yaml").write_text(
        "deck: t\narticles:\n  - path: good.txt\n  - path: missing.txt\n", "utf-8"
    )
    env = {**os.environ, "QUIZGEN_CACHE_DIR": str(tmp_path / "cache")}

    def program(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "quizgen", *args], env=env, capture_output=True, text=True
        )

    out = tmp_path / "o.apkg"
    some_failed = program("build", str(tmp_path / "l.yaml"), "-o", str(out), "-q")
    assert some_failed.returncode == 1
    assert "missing.txt: no such file — check the path" in some_failed.stderr
    assert out.exists()
    unusable = program("build", str(tmp_path / "nothing.yaml"))
    assert unusable.returncode == 2
    assert unusable.stderr.startswith("Error: ")
    assert len(unusable.stderr.strip().splitlines()) == 1
    assert "Traceback" not in some_failed.stderr + unusable.stderr
    version = program("--version")
    assert version.returncode == 0
    assert version.stdout.startswith("quizgen, version ")
    # The program ends at once when the command is done: what it wrote to a pipe is whole.
    cards = program("cards", str(tmp_path / "good.txt"), "--json", "-q")
    assert cards.returncode == 0, cards.stderr
    assert len(json.loads(cards.stdout)["cards"]) > 5


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        # Broken YAML names the line.
        ("deck: [unclosed\n", "broken YAML at line"),
        # A list is not a reading list.
        ("- a\n- b\n", "a reading list must be a mapping, this is a list"),
        # Wrong types name the entry and the key.
        (
            "deck: t\narticles:\n  - path: a.txt\n    published: yesterday\n",
            "articles[0]: 'published' is not a valid date",
        ),
        (
            "deck: t\narticles:\n  - path: a.txt\n    tags: 5\n",
            "articles[0]: 'tags' must be a list of words",
        ),
        # An impossible date is caught, not parsed as something else.
        (
            "deck: t\narticles:\n  - path: a.txt\n    published: 2023-02-30\n",
            "'published' is not a valid date",
        ),
        ("deck: t\narticles: []\n", "'articles' must be a non-empty list"),
        ("deck: t\narticles:\n  - title: x\n", "neither 'path' nor 'url'"),
        (
            "deck: t\noptions:\n  cards: [flash]\narticles:\n  - path: a.txt\n",
            "'cards' must list some of",
        ),
    ],
)
def test_unusable_reading_lists_exit_2(tmp_path: Path, yaml_text: str, message: str) -> None:
    path = tmp_path / "l.yaml"
    path.write_text(yaml_text, "utf-8")
    result = invoke("build", str(path), "-o", str(tmp_path / "o.apkg"))
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert result.output.startswith(f"Error: {path}")
    assert "Traceback" not in result.output
    assert not (tmp_path / "o.apkg").exists()


def test_unknown_key_warns_with_the_closest_known_one(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(
        (DECKS / "articles" / "boj-rate.txt").read_text("utf-8"), "utf-8"
    )
    (tmp_path / "l.yaml").write_text(
        "deck: t\narticles:\n  - path: a.txt\n    publshed: 2024-03-19\n", "utf-8"
    )
    result = invoke("facts", str(tmp_path / "l.yaml"))
    assert result.exit_code == 0
    assert "unknown key 'publshed' is ignored — did you mean 'published'?" in result.output


def test_duplicate_article_is_skipped_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(
        (DECKS / "articles" / "boj-rate.txt").read_text("utf-8"), "utf-8"
    )
    (tmp_path / "l.yaml").write_text(
        "deck: t\narticles:\n  - path: a.txt\n  - path: ./a.txt\n", "utf-8"
    )
    result = invoke("facts", str(tmp_path / "l.yaml"))
    assert "articles[1]: the same article as articles[0]" in result.output


def test_test_data_article_builds() -> None:
    result = invoke("cards", str(DATA / "articles" / "wbc-final.txt"), "--json")
    assert result.exit_code == 0
    assert json.loads(result.output)["cards"]


def test_output_gets_the_usual_file_mode(tmp_path: Path) -> None:
    import os

    out = tmp_path / "o.apkg"
    result = invoke("build", str(DECKS / "articles" / "boj-rate.txt"), "-o", str(out))
    assert result.exit_code == 0
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask
