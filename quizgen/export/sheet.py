"""A printable HTML quiz sheet: A4, name/class/date fields, numbered questions, and a
separate answer key per variant with each answer's source sentence and article."""

from __future__ import annotations

from quizgen.escape import escape_html as escape
from quizgen.quiz import Quiz, QuizItem, Variant
from quizgen.resources import read_template

OPTION_MARKS = "アイウエオカキク"


def _blank(answer: str) -> str:
    # Sized to the answer: about one em per character, never too short to write in.
    width = max(4.0, len(answer) * 1.1 + 1.5)
    return f'<span class="blank" style="width: {width:.1f}em"></span>'


def _question(quiz: Quiz, number: int, item: QuizItem) -> str:
    head = f'<span class="no">問{number}</span>'
    if item.type == "cloze":
        body = _blank(item.answer).join(quiz.html(p) for p in item.parts)
        return f'<li class="q" data-no="{number}">{head}<span class="prompt">{body}</span></li>'
    prompt = f'<span class="prompt">{quiz.html(item.prompt)}</span>'
    if item.type == "choice" and item.options:
        options = "".join(
            f'<li><span class="box"></span>{OPTION_MARKS[i]}　{quiz.html(o)}</li>'
            for i, o in enumerate(item.options)
        )
        return f'<li class="q" data-no="{number}">{head}{prompt}<ul class="choices">{options}</ul></li>'
    return f'<li class="q" data-no="{number}">{head}{prompt}<span class="answer-line"></span></li>'


def _reading_list(quiz: Quiz) -> str:
    items = "".join(
        f"<li>{escape(a.title)}" + (f"（{escape(a.published)}）" if a.published else "") + "</li>"
        for a in quiz.articles
    )
    return f'<section class="reading"><h2>読む記事</h2><ol>{items}</ol></section>'


def _variant_label(quiz: Quiz, variant: Variant) -> str:
    return f'<span class="variant">{escape(variant.name)}</span>' if len(quiz.variants) > 1 else ""


def _sheet(quiz: Quiz, variant: Variant) -> str:
    questions = "".join(_question(quiz, i, item) for i, item in enumerate(variant.items, 1))
    return (
        f'<section class="sheet" data-variant="{escape(variant.name)}"><header>'
        f"<h1>{escape(quiz.title)}{_variant_label(quiz, variant)}</h1>"
        '<div class="fields"><span>名前</span><span>クラス</span><span>日付</span></div>'
        f'</header>{_reading_list(quiz)}<ol class="questions">{questions}</ol></section>'
    )


def _marked_source(quiz: Quiz, item: QuizItem) -> str:
    text, (start, end) = item.source, item.span
    before, fact, after = (quiz.html(t) for t in (text[:start], text[start:end], text[end:]))
    return f"{before}<mark>{fact}</mark>{after}"


def _key(quiz: Quiz, variant: Variant) -> str:
    rows = []
    for i, item in enumerate(variant.items, 1):
        answer = escape(item.answer)
        if item.type == "choice" and item.options and item.correct is not None:
            answer = f"{OPTION_MARKS[item.correct]}　{answer}"
        article = escape(item.article_title) + (
            f"（{escape(item.published)}）" if item.published else ""
        )
        rows.append(
            f'<li class="q" data-no="{i}"><span class="no">問{i}</span>'
            f'<span class="answer">{answer}</span>'
            f'<p class="src">{_marked_source(quiz, item)}</p><p class="art">{article}</p></li>'
        )
    return (
        f'<section class="key" data-variant="{escape(variant.name)}">'
        f"<h1>解答 — {escape(quiz.title)}{_variant_label(quiz, variant)}</h1>"
        f'<ol class="questions">{"".join(rows)}</ol></section>'
    )


def render_html(quiz: Quiz) -> str:
    css = read_template("quiz_sheet.css")
    sheets = "".join(_sheet(quiz, v) for v in quiz.variants)
    keys = "".join(_key(quiz, v) for v in quiz.variants)
    body_class = ' class="furigana"' if quiz.furigana else ""  # room above lines for readings
    return (
        '<!DOCTYPE html>\n<html lang="ja"><head><meta charset="utf-8">'
        f"<title>{escape(quiz.title)}</title><style>{css}</style></head>"
        f"<body{body_class}>{sheets}{keys}</body></html>\n"
    )


def render(quiz: Quiz) -> bytes:
    return render_html(quiz).encode("utf-8")
