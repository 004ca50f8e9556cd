"""Kahoot's spreadsheet import (.xlsx, written with openpyxl).

The layout of Kahoot's own template: the header on row 8, questions from row 9; column A
the number, B the question (at most 120 characters), C–F four answers (at most 75 each),
G the time limit (one of 5, 10, 20, 30, 60, 90, 120, 240 seconds), H the correct answer's
number. Kahoot asks only multiple choice: a question without options, or one too long
for these limits, is skipped with a warning.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import zipfile

from quizgen.quiz import Quiz, QuizItem

log = logging.getLogger(__name__)

HEADER_ROW, FIRST_ROW = 8, 9
MAX_QUESTION, MAX_ANSWER = 120, 75
TIME_LIMITS = (5, 10, 20, 30, 60, 90, 120, 240)
HEADERS = (
    "Question - max 120 characters",
    "Answer 1 - max 75 characters",
    "Answer 2 - max 75 characters",
    "Answer 3 - max 75 characters",
    "Answer 4 - max 75 characters",
    "Time limit (sec) – 5, 10, 20, 30, 60, 90, 120, or 240 secs",
    "Correct answer(s) - choose at least one",
)
FIXED_TIME = dt.datetime(2000, 1, 1)
_MODIFIED_RE = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def time_limit(prompt: str) -> int:
    """Reading time for a Japanese prompt, rounded up to one of Kahoot's limits."""
    wanted = 10 + len(prompt) // 4
    return next((t for t in TIME_LIMITS if t >= wanted), TIME_LIMITS[-1])


def _shorten(prompt: str) -> str | None:
    """The prompt within 120 characters: a blank-style prompt keeps the text round its blank."""
    if len(prompt) <= MAX_QUESTION:
        return prompt
    if "\n" in prompt:
        sentence, question = prompt.split("\n", 1)
        room = MAX_QUESTION - len(question) - 3
        blank = sentence.find("（　　）")
        if room > 20 and blank >= 0:
            start = max(0, min(blank - room // 2, len(sentence) - room))
            piece = sentence[start : start + room]
            return (
                ("…" if start else "")
                + piece
                + ("…" if start + room < len(sentence) else "")
                + "\n"
                + question
            )
    return None


def _row(item: QuizItem) -> list[object] | None:
    if not item.options or item.correct is None:
        log.warning("Kahoot: skipped a question without options: %s", item.prompt[:40])
        return None
    prompt = _shorten(item.prompt if item.type != "cloze" else "（　　）".join(item.parts))
    if prompt is None:
        log.warning("Kahoot: skipped a question longer than 120 characters: %s", item.prompt[:40])
        return None
    if any(len(o) > MAX_ANSWER for o in item.options):
        log.warning("Kahoot: skipped a question with an answer over 75 characters: %s", prompt[:40])
        return None
    return [prompt, *item.options, time_limit(prompt), item.correct + 1]


def render(quiz: Quiz) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Sheet1"
    sheet["B2"] = quiz.title
    sheet["B4"] = "Kahoot: Create → Import spreadsheet"
    for column, header in enumerate(HEADERS, start=2):
        sheet.cell(row=HEADER_ROW, column=column, value=header)
    row = FIRST_ROW
    for variant in quiz.variants:
        for item in variant.items:
            values = _row(item)
            if values is None:
                continue
            sheet.cell(row=row, column=1, value=row - FIRST_ROW + 1)
            for column, value in enumerate(values, start=2):
                cell = sheet.cell(row=row, column=column, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # text, never a formula (openpyxl reads "=…" as one)
            row += 1
    book.properties.created = book.properties.modified = FIXED_TIME
    raw = io.BytesIO()
    book.save(raw)
    return _stable_zip(raw.getvalue())


def _stable_zip(data: bytes) -> bytes:
    """The same workbook gives the same bytes: fixed entry times (openpyxl stamps the clock)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" on save
                content = _MODIFIED_RE.sub(rb"\g<1>2000-01-01T00:00:00Z\g<2>", content)
            dst.writestr(fixed, content)
    return out.getvalue()
