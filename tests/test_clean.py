"""Finding the article in pasted pages and HTML, its metadata, and its sentences."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import DATA

from quizgen.clean import JST, clean, normalise, split_sentences
from quizgen.facts import extract_facts
from quizgen.htmltext import library_text
from quizgen.load import read_article
from quizgen.model import ArticleEntry

PAGES = DATA / "pages"


def read(name: str):  # type: ignore[no-untyped-def]
    path = PAGES / name
    return clean(read_article(ArticleEntry(str(path), name, path)))


# (fixture, body must contain, body must not contain, published)
LAYOUTS = [
    # A news portal: menus above, related links and a numbered ranking below.
    ("portal.txt", ["およそ34年ぶりの円安水準", "適切に対応する"], ["ホーム", "人気ランキング", "株価が急落", "関連記事"],
     dt.datetime(2024, 4, 29, 15, 30, tzinfo=JST)),
    # A blog repost followed by related links and unrelated headlines.
    ("blog.txt", ["20年ぶりとなる", "最新の技術が使われている"], ["キャッシュレス", "首位攻防戦", "台風3号", "ブログ村"],
     dt.datetime(2024, 7, 5, 8, 12, tzinfo=JST)),
    # A ticker and ads before, a headline ticker after.
    ("ticker.txt", ["液体の水が見つかった", "宇宙から運ばれた可能性"], ["大雨警報", "30%オフ", "145円台", "ワクチン"],
     dt.date(2023, 10, 20)),
    # The ranking block comes before the article.
    ("ranking-first.txt", ["敦賀まで乗り換えなしで", "大きな追い風"], ["台風10号", "50本塁打", "ラーメン"],
     dt.datetime(2024, 3, 17, 9, 0, tzinfo=JST)),
]  # fmt: skip


@pytest.mark.parametrize(("name", "keep", "drop", "published"), LAYOUTS)
def test_pasted_layouts(name: str, keep: list[str], drop: list[str], published: object) -> None:
    article = read(name)
    for text in keep:
        assert text in article.body
    for text in drop:
        assert text not in article.body
    assert article.published == published
    # No fact comes from the clutter.
    for fact in extract_facts(article):
        assert fact.sentence.text in article.body


def test_seed_metadata(seed_path: Path) -> None:
    article = clean(read_article(ArticleEntry(str(seed_path), "seed", seed_path)))
    assert article.published == dt.datetime(2023, 3, 29, 11, 20, tzinfo=JST)
    assert article.title == "習近平とプーチンの「兄弟関係」が逆転...兄が頼りの弟分は付き従うのみ"
    assert article.byline == "フィリップ・イワノフ(米ジョージタウン大学客員研究員)"


def test_semantic_html() -> None:
    article = read("semantic.html")
    assert "17日間の日程を終えた" in article.body
    assert (
        "ホーム" not in article.body
        and "人気ランキング" not in article.body
        and "クマ" not in article.body
    )
    assert article.published == dt.datetime(
        2024, 8, 12, 7, 0, tzinfo=dt.timezone(dt.timedelta(hours=9))
    )
    assert article.title == "パリ五輪が閉幕"
    assert article.byline == "運動部 山田花子"


def test_flat_html_goes_through_the_pasted_text_cleaner() -> None:
    article = read("flat.html")
    assert "マイナス金利政策の解除を決めた" in article.body
    assert "あわせて読みたい" not in article.body and "株価が急落" not in article.body
    assert article.published == dt.date(2024, 3, 19)


def test_div_soup_page_keeps_the_article_and_drops_sentence_like_related_links() -> None:
    # No <article>/<main>/<aside>: only class names tell the body from the sidebar, and the
    # related links are whole sentences that a line scorer alone would take for body.
    html = (PAGES / "divsoup.html").read_text(encoding="utf-8")
    extracted = library_text(html)
    assert extracted is not None and "首位を守った" not in extracted
    article = read("divsoup.html")
    assert "50本塁打と50盗塁を記録した選手となった" in article.body
    assert "ポストシーズン進出を決めた" in article.body
    for clutter in (
        "首位を守った",
        "フィラデルフィア",
        "アクセスランキング",
        "月額99円",
        "Copyright",
    ):
        assert clutter not in article.body
    assert all("2026" not in f.text for f in extract_facts(article))
    assert article.published == dt.datetime(
        2024, 9, 20, 13, 5, tzinfo=dt.timezone(dt.timedelta(hours=9))
    )


def test_ruby_readings_are_dropped() -> None:
    article = read("ruby.html")
    assert "気象庁によると、地震の規模を示す" in article.body
    assert "きしょうちょう" not in article.body and "(" not in article.body


def test_character_references_are_decoded() -> None:
    article = read("refs.html")
    assert "日本銀行は19日の金融政策決定会合で" in article.body
    assert article.title == "日銀"


def test_date_only_in_a_meta_tag_wins_over_text() -> None:
    article = read("meta-date.html")
    assert article.published == dt.datetime(
        2024, 2, 17, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=9))
    )
    assert "2025年" not in article.body
    dates = [f.value for f in extract_facts(article) if f.kind == "date"]
    assert "2023-03" in dates  # 昨年3月 resolved against the meta date


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        # 「」 keeps its inner 。 in the sentence.
        ("彼は「行く。すぐに」と言った。次だ。", ["彼は「行く。すぐに」と言った。", "次だ。"]),
        # （） too.
        (
            "値上げした（前年比3%増。過去最高）。以上。",
            ["値上げした（前年比3%増。過去最高）。", "以上。"],
        ),
        # A line break ends a sentence even without 。.
        ("見出し\n本文です。", ["見出し", "本文です。"]),
        # ！ and ？ end sentences, and runs of them stay together.
        ("本当か？！そうだ！", ["本当か？！", "そうだ！"]),
        # An unclosed bracket does not swallow the rest of the line.
        ("「閉じない。次の文。", ["「閉じない。", "次の文。"]),
    ],
)
def test_sentence_splitter(text: str, sentences: list[str]) -> None:
    assert [text[a:b] for a, b in split_sentences(text)] == sentences


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("２０２３年３月", "2023年3月"),  # full-width digits fold to ASCII
        ("ＪＡＸＡ", "JAXA"),  # full-width letters too
        ("５０％", "50%"),
        ("a\r\nb\rc", "a\nb\nc"),  # line endings
        ("ｶﾞｲﾄﾞ", "ガイド"),  # half-width kana
        ("「（！）」", "「（！）」"),  # Japanese punctuation stays
        ("ゼロ\u200b幅", "ゼロ幅"),
    ],
)
def test_normalise(raw: str, normalised: str) -> None:
    assert normalise(raw) == normalised
