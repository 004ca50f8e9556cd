"""Tokens read from MeCab's output string equal those read from fugashi's nodes."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DATA, DECKS
from hypothesis import given, settings
from hypothesis import strategies as st

from quizgen.clean import clean
from quizgen.load import read_article
from quizgen.model import ArticleEntry
from quizgen.tokenize import Token, _tokenize, tagger_args

_NODE_TAGGERS: dict[tuple[str, ...], object] = {}


def by_nodes(text: str, names: tuple[str, ...] = ()) -> tuple[Token, ...]:
    """The tokens as fugashi's node API gives them (how quizgen read them before)."""
    import fugashi

    tagger = _NODE_TAGGERS.get(names)
    if tagger is None:
        tagger = _NODE_TAGGERS[names] = fugashi.Tagger(tagger_args(names))
    tokens, pos = [], 0
    for node in tagger(text):  # type: ignore[operator]
        surface = node.surface
        start = text.find(surface, pos)
        if start < 0:
            start = pos
        pos = end = start + len(surface)
        f = node.feature
        tokens.append(
            Token(
                surface, start, end, f.pos1 or "", f.pos2 or "", f.pos3 or "", f.pos4 or "",
                f.cType or "", f.cForm or "", f.lemma or "", f.orthBase or surface,
                f.kana or "", node.is_unk,
            )
        )  # fmt: skip
    return tuple(tokens)


def _sentences() -> list[str]:
    paths = [
        *sorted((DECKS / "articles").glob("*.txt")),
        *sorted((DECKS.parent / "gold" / "articles").glob("*.txt")),
        *sorted((DATA / "articles").glob("*.txt")),
        *sorted((DATA / "pages").glob("*.txt")),
    ]
    return [
        s.text
        for path in paths
        for s in clean(read_article(ArticleEntry(path.name, path.name, path=path))).sentences
    ]


def test_every_sample_sentence_gives_the_same_tokens_both_ways() -> None:
    sentences = _sentences()
    assert len(sentences) > 50
    for sentence in sentences:
        assert _tokenize.__wrapped__(sentence, ()) == by_nodes(sentence), sentence


def test_every_line_of_the_seed_page_gives_the_same_tokens_both_ways(seed_path: Path) -> None:
    """The seed: a news page copied with its menus, rankings and links."""
    lines = [line for line in seed_path.read_text("utf-8").splitlines() if line.strip()]
    assert len(lines) > 50
    for line in lines:
        assert _tokenize.__wrapped__(line, ()) == by_nodes(line), line


@pytest.mark.parametrize(
    "text",
    [
        "テスト\u3000",  # a last word of white space: its fields are all but empty
        "\u3000テスト",
        "。",
        "ｘｙｚとZoom会議、EOSの件。",  # unknown words; a word that looks like the end marker
        "習近平国家主席はプーチン大統領と会談した。",  # names from quizgen's dictionary
        "a\tb  c",
        "",
    ],
)
def test_edge_cases_give_the_same_tokens_both_ways(text: str) -> None:
    assert _tokenize.__wrapped__(text, ()) == by_nodes(text)


def test_a_reading_lists_own_names_give_the_same_tokens_both_ways() -> None:
    names = ("山川宏",)
    text = "山川宏氏は会見で語った。"
    assert _tokenize.__wrapped__(text, names) == by_nodes(text, names)
    assert "山川宏" in [t.surface for t in _tokenize.__wrapped__(text, names)]


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            list("東京都で3月10日に会議が開かれ、約120人が参加した。「新制度」ｱｲｳabc 　\t!?・ー")
        ),
        max_size=40,
    )
)
def test_any_text_gives_the_same_tokens_both_ways(text: str) -> None:
    assert _tokenize.__wrapped__(text, ()) == by_nodes(text)
