"""Plain CSV with a header, UTF-8 with a byte-order mark so that Excel opens Japanese text.

Text cells that start with = + - @ get a leading ' so that a spreadsheet shows them
instead of running them as formulas.
"""

from __future__ import annotations

import csv
import io

from quizgen.quiz import Quiz

HEADER = ("number", "variant", "type", "question", "answer", "choice_1", "choice_2",
          "choice_3", "choice_4", "source", "article", "published", "url")  # fmt: skip


def _cell(text: str) -> str:
    """A text cell that a spreadsheet will not run: =, +, -, @ at the start get a quote."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def render(quiz: Quiz) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for variant in quiz.variants:
        for number, item in enumerate(variant.items, 1):
            question = "（　　）".join(item.parts) if item.type == "cloze" else item.prompt
            options = list(item.options or ()) + [""] * (4 - len(item.options or ()))
            texts = [question, item.answer, *options[:4], item.source, item.article_title]
            writer.writerow([
                number, variant.name, item.type, *(_cell(t) for t in texts),
                item.published or "", item.url or "",
            ])  # fmt: skip
    return out.getvalue().encode("utf-8-sig")
