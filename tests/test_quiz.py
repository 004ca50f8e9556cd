"""Classroom quizzes: every format read back by an independent reader."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import DATA, DECKS

from quizgen.cli import main
from quizgen.export import write_quiz
from quizgen.model import ArticleEntry, Options, ReadingList
from quizgen.pipeline import process, resolve_sources
from quizgen.quiz import Quiz, make_quiz

HOSTILE = DATA / "articles" / "hostile-quiz.txt"


def _quiz(sources: list[str], n: int = 12, seed: int = 1, variants: int = 1) -> Quiz:
    reading_list = resolve_sources(sources)
    result = process(reading_list, Options())
    assert not result.failures
    return make_quiz("テスト", reading_list.deck, result.cards, n, seed=seed, variants=variants)


@pytest.fixture(scope="module")
def example() -> Quiz:
    return _quiz([str(DECKS / "example.yaml")])


@pytest.fixture(scope="module")
def hostile() -> Quiz:
    reading_list = ReadingList(
        deck="記号::テスト", articles=(ArticleEntry(str(HOSTILE), "hostile", HOSTILE),)
    )
    result = process(reading_list, Options())
    assert not result.failures
    return make_quiz("<b>題</b> & {x}", reading_list.deck, result.cards, 20)


def _write(quiz: Quiz, fmt: str, tmp_path: Path, name: str) -> Path:
    [path] = write_quiz(quiz, fmt, tmp_path / name)
    return path


def _norm(text: str) -> str:
    """Letters and digits only, NFKC: PDF text extraction maps some kanji to Kangxi radicals
    (⽇ for 日) and ・ to other dots, and breaks lines anywhere."""
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c.isalnum())


# --- selection -------------------------------------------------------------------------


def test_selection_is_the_same_across_formats_and_reproducible(example: Quiz) -> None:
    again = _quiz([str(DECKS / "example.yaml")])
    assert [i.key for i in again.variants[0].items] == [i.key for i in example.variants[0].items]
    items = example.variants[0].items
    assert len(items) == 12
    assert len({i.key for i in items}) == 12, "one question per fact"
    # every article of the list is asked about
    assert len({i.article_title for i in items}) == 4
    assert {i.type for i in items} <= {"cloze", "question", "choice"}


def test_types_restrict_the_selection() -> None:
    reading_list = resolve_sources([str(DECKS / "example.yaml")])
    cards = process(reading_list, Options()).cards
    quiz = make_quiz("t", "d", cards, 10, types=("choice",))
    assert {i.type for i in quiz.variants[0].items} == {"choice"}


# --- Moodle XML ------------------------------------------------------------------------


def test_moodle_xml_has_moodle_question_structure(example: Quiz, tmp_path: Path) -> None:
    root = ET.parse(_write(example, "moodle", tmp_path, "q.xml")).getroot()
    assert root.tag == "quiz"
    questions = root.findall("question")
    category = questions[0]
    assert category.get("type") == "category"
    assert category.findtext("category/text") == "$course$/top/時事ニュース/2024年"
    asked = questions[1:]
    assert len(asked) == 12
    kinds = {q.get("type") for q in asked}
    assert kinds <= {"multichoice", "shortanswer", "cloze"} and len(kinds) >= 2
    for q, item in zip(asked, example.variants[0].items, strict=True):
        assert q.findtext("name/text")
        assert q.find("questiontext").get("format") == "html"
        assert _norm(item.source) in _norm(q.findtext("generalfeedback/text"))
        if q.get("type") == "multichoice":
            answers = q.findall("answer")
            assert len(answers) == 4
            right = [a for a in answers if a.get("fraction") == "100"]
            assert len(right) == 1 and right[0].findtext("text") == item.option_answer
            assert all(a.get("fraction") == "0" for a in answers if a is not right[0])
        elif q.get("type") == "shortanswer":
            [answer] = q.findall("answer")
            assert answer.get("fraction") == "100" and answer.findtext("text") == item.answer
        else:
            assert "{1:SHORTANSWER:=" + item.answer + "}" in q.findtext("questiontext/text")


# --- GIFT ------------------------------------------------------------------------------


def _parse_gift(text: str):  # type: ignore[no-untyped-def]
    pytest.importorskip("pygiftparser")
    from pygiftparser import parser

    return parser.parse(text)


def test_gift_parses_with_a_gift_parser(example: Quiz, tmp_path: Path) -> None:
    text = _write(example, "gift", tmp_path, "q.gift").read_text("utf-8")
    gift = _parse_gift(text)
    assert len(gift.questions) == 12
    assert all(q.category == "時事ニュース/2024年" for q in gift.questions)
    for q, item in zip(gift.questions, example.variants[0].items, strict=True):
        options = q.answer.options
        right = [o.text.strip() for o in options if o.percentage == 100 or o.prefix == "="]
        expected = item.option_answer if item.type == "choice" else item.answer
        assert right == [expected]


# --- Kahoot ----------------------------------------------------------------------------


def test_kahoot_xlsx_uses_kahoots_rows_and_columns(example: Quiz, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    sheet = load_workbook(_write(example, "kahoot", tmp_path, "q.xlsx")).active
    assert sheet["B8"].value.startswith("Question - max 120 characters")
    assert sheet["G8"].value.startswith("Time limit (sec)")
    assert sheet["H8"].value.startswith("Correct answer(s)")
    rows = list(sheet.iter_rows(min_row=9, values_only=True))
    rows = [r for r in rows if r[0] is not None]
    with_options = [i for i in example.variants[0].items if i.options]
    assert len(rows) == len(with_options) > 0
    for index, (row, item) in enumerate(zip(rows, with_options, strict=True), 1):
        number, question, *answers, limit, correct = row[:8]
        assert number == index
        assert len(question) <= 120 and all(len(a) <= 75 for a in answers)
        assert limit in (5, 10, 20, 30, 60, 90, 120, 240)
        assert answers[correct - 1] == item.option_answer


def test_kahoot_shortens_long_blank_prompts_to_120_characters() -> None:
    from quizgen.export.kahoot import _shorten

    long = "あ" * 150 + "（　　）" + "い" * 50 + "\n（　　）に入る日付は何か。"
    short = _shorten(long)
    assert short is not None and len(short) <= 120 and "（　　）" in short.split("\n")[0]


# --- Quizlet and CSV -------------------------------------------------------------------


def test_quizlet_lines_have_exactly_one_separator(example: Quiz, tmp_path: Path) -> None:
    lines = _write(example, "quizlet", tmp_path, "q.txt").read_text("utf-8").splitlines()
    assert len(lines) == 12
    for line, item in zip(lines, example.variants[0].items, strict=True):
        term, definition = line.split("\t")
        assert definition == item.answer and term


def test_csv_reads_back_with_the_csv_module(example: Quiz, tmp_path: Path) -> None:
    text = _write(example, "csv", tmp_path, "q.csv").read_text("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 12
    assert list(rows[0]) == ["number", "variant", "type", "question", "answer", "choice_1",
                             "choice_2", "choice_3", "choice_4", "source", "article",
                             "published", "url"]  # fmt: skip
    for row, item in zip(rows, example.variants[0].items, strict=True):
        assert row["answer"] == item.answer and row["source"] == item.source


# --- Hostile text ----------------------------------------------------------------------


def test_hostile_text_is_escaped_in_every_format(hostile: Quiz, tmp_path: Path) -> None:
    term = "A{B}~C=D#E:F&G"
    assert any(i.answer == term for i in hostile.variants[0].items)
    # HTML: nothing becomes markup
    html = _write(hostile, "html", tmp_path, "q.html").read_text("utf-8")
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>題</b>" not in html
    assert "A{B}~C=D#E:F&amp;G" in html
    # Moodle: the XML parses, its HTML holds the script as text, the cloze answer is escaped
    root = ET.parse(_write(hostile, "moodle", tmp_path, "q.xml")).getroot()
    texts = "".join(root.itertext())
    assert "<script>" not in texts and "&lt;script&gt;" in texts
    cloze = [q for q in root.findall("question") if q.get("type") == "cloze"]
    for q in cloze:
        assert re.search(r"\{1:SHORTANSWER:=(?:[^}\\]|\\.)*\}", q.findtext("questiontext/text"))
    # GIFT: every special character escaped; the parser gives the text back
    gift_text = _write(hostile, "gift", tmp_path, "q.gift").read_text("utf-8")
    assert r"A\{B\}\~C\=D\#E\:F&G" in gift_text
    gift = _parse_gift(gift_text)
    assert len(gift.questions) == len(hostile.variants[0].items)
    # Kahoot: a text starting with = stays text, never a formula
    from openpyxl import load_workbook

    sheet = load_workbook(_write(hostile, "kahoot", tmp_path, "q.xlsx")).active
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    # CSV: a cell starting with = is quoted for spreadsheets
    rows = list(
        csv.reader(io.StringIO(_write(hostile, "csv", tmp_path, "q.csv").read_text("utf-8-sig")))
    )
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)
    # Quizlet: no stray separators
    for line in _write(hostile, "quizlet", tmp_path, "q.txt").read_text("utf-8").splitlines():
        assert line.count("\t") == 1


# --- Variants and reproducibility -------------------------------------------------------


def test_variants_shuffle_questions_and_keep_one_key_each(tmp_path: Path) -> None:
    out = tmp_path / "quiz.html"
    args = ["quiz", str(DECKS / "example.yaml"), "-n", "10", "--variants", "2", "--seed", "1"]
    run = CliRunner().invoke(main, [*args, "-o", str(out)])
    assert run.exit_code == 0, run.output
    html = out.read_text("utf-8")
    sheets = re.findall(
        r'<section class="sheet" data-variant="(\w)">(.*?)(?=<section class="(?:sheet|key)")',
        html,
        re.S,
    )
    keys = re.findall(r'<section class="key" data-variant="(\w)">', html)
    assert [s[0] for s in sheets] == ["A", "B"] and keys == ["A", "B"]
    prompts = [re.findall(r'<span class="prompt">(.*?)</span>', body) for _, body in sheets]
    assert sorted(prompts[0]) == sorted(prompts[1]) and prompts[0] != prompts[1]
    again = tmp_path / "again.html"
    assert CliRunner().invoke(main, [*args, "-o", str(again)]).exit_code == 0
    assert again.read_bytes() == out.read_bytes()


def test_platform_formats_write_one_file_per_variant(tmp_path: Path) -> None:
    args = ["quiz", str(DECKS / "example.yaml"), "-n", "6", "--variants", "2", "--format", "gift"]
    run = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "q.gift")])
    assert run.exit_code == 0, run.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q-A.gift", "q-B.gift"]


def test_unknown_type_is_a_usage_error(tmp_path: Path) -> None:
    run = CliRunner().invoke(
        main,
        ["quiz", str(DECKS / "example.yaml"), "--types", "essay", "-o", str(tmp_path / "q.html")],
    )
    assert run.exit_code == 2 and "--types" in run.output and not list(tmp_path.iterdir())


# --- PDF and printing --------------------------------------------------------------------


def _japanese_font() -> bool:
    fc = shutil.which("fc-list")
    return bool(
        fc and subprocess.run([fc, ":lang=ja"], capture_output=True, text=True).stdout.strip()
    )


def _pdf_text_pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [_norm(page.extract_text() or "") for page in PdfReader(str(path)).pages]


def test_pdf_holds_the_japanese_questions_as_text(example: Quiz, tmp_path: Path) -> None:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        pytest.skip(f"WeasyPrint is not usable here: {exc}")
    if not _japanese_font():
        pytest.skip("no Japanese font installed (Debian: fonts-noto-cjk)")
    pages = _pdf_text_pages(_write(example, "pdf", tmp_path, "q.pdf"))
    text = "".join(pages)
    for item in example.variants[0].items:
        if item.type != "cloze":
            assert _norm(item.prompt)[:20] in text
    assert "解答" in text


def _poppler_text_pages(path: Path) -> list[str]:
    # Chromium's PDFs map some kanji to CJK radicals in their ToUnicode tables (⻑ for 長);
    # poppler's pdftotext reads them back as the kanji.
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("no pdftotext installed (Debian: poppler-utils)")
    text = subprocess.run(
        [pdftotext, "-raw", str(path), "-"], capture_output=True, text=True, check=True
    )
    return [_norm(page) for page in text.stdout.split("\f")]


def _split_questions(pages: list[str], quiz: Quiz) -> list[int]:
    """Numbers of the questions whose prompt and options are not all on one page."""
    split = []
    for number, item in enumerate(quiz.variants[0].items, 1):
        pieces = (
            [_norm(p) for p in item.parts if p.strip()]
            if item.type == "cloze"
            else [_norm(item.prompt)]
        )
        pieces += [_norm(o) for o in (item.options or ()) if item.type == "choice"]
        head = f"問{number}"
        if not any(head in page and all(p in page for p in pieces) for page in pages):
            split.append(number)
    return split


def test_sheet_printed_by_a_real_browser_never_splits_a_question(tmp_path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("no Chromium installed (Debian: apt-get install chromium)")
    if not _japanese_font():
        pytest.skip("no Japanese font installed (Debian: fonts-noto-cjk)")
    quiz = _quiz([str(DECKS / "example.yaml")], n=30)
    sheet = _write(quiz, "html", tmp_path, "sheet.html")
    pdf = tmp_path / "sheet.pdf"
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--no-pdf-header-footer",
         f"--print-to-pdf={pdf}", sheet.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    pages = _poppler_text_pages(pdf)
    key_start = next(i for i, p in enumerate(pages) if "解答" in p)
    assert key_start >= 2, "30 questions take more than one A4 page"
    assert len(pages) >= key_start + 1
    assert _split_questions(pages[:key_start], quiz) == []


def test_furigana_puts_readings_over_the_sheet_s_kanji(example: Quiz) -> None:
    # --furigana on a printable sheet: ruby over the questions, options and the key's
    # sources, never Anki's bracket syntax; without it, no ruby at all.
    from dataclasses import replace

    from quizgen.export.sheet import render_html

    plain = render_html(example)
    assert "<ruby>" not in plain
    html = render_html(replace(example, furigana=True))
    questions = html.split('class="key"')[0]
    assert questions.count("<ruby>") > 20 and "<rt>" in questions
    text = re.sub(r"<[^>]+>", "", re.sub(r"<style>.*?</style>", "", html, flags=re.S))
    assert not re.search(r"\[[ぁ-ん]+\]", text)

    # Readings are added, never text lost: without them, the sheet reads as before.
    def words(page: str) -> str:
        page = re.sub(r"<rt>.*?</rt>", "", page)
        page = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
        return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", page))

    assert words(html) == words(plain)


def test_quiz_command_passes_furigana_to_the_sheet(tmp_path: Path) -> None:
    out = tmp_path / "q.html"
    args = ["quiz", str(DECKS / "example.yaml"), "-o", str(out), "-n", "5", "--furigana"]
    run = CliRunner().invoke(main, args)
    assert run.exit_code == 0, run.output
    assert "<rt>" in out.read_text("utf-8")


def test_moodle_questions_carry_furigana_as_ruby(example: Quiz, tmp_path: Path) -> None:
    # Moodle shows question texts as HTML: with --furigana, readings as ruby; the embedded
    # cloze answers stay as they are (a learner types the words, not the readings).
    from dataclasses import replace

    plain = ET.parse(_write(example, "moodle", tmp_path, "plain.xml")).getroot()
    marked = ET.parse(
        _write(replace(example, furigana=True), "moodle", tmp_path, "f.xml")
    ).getroot()

    def texts(root: ET.Element) -> list[str]:
        return [q.findtext("questiontext/text") or "" for q in root.findall("question")[1:]]

    with_ruby = texts(marked)
    assert sum("<rt>" in t for t in with_ruby) > len(with_ruby) // 2
    for before, after in zip(texts(plain), with_ruby, strict=True):
        assert re.sub(r"<rt>.*?</rt>|</?ruby>", "", after) == before
