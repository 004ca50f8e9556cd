"""Quizlet's import: one term and its definition per line, separated by a tab.

Tabs and line breaks inside our text become spaces, so the separators can never occur in a
term or a definition. In Quizlet's importer choose "Tab" between term and definition and
"New line" between cards.
"""

from __future__ import annotations

from quizgen.quiz import Quiz, QuizItem


def _flat(text: str) -> str:
    return " ".join(text.replace("\t", " ").split())


def _term(item: QuizItem) -> str:
    if item.type == "cloze":
        return _flat("（　　）".join(item.parts))
    return _flat(item.prompt)


def render(quiz: Quiz) -> bytes:
    lines = [
        f"{_term(item)}\t{_flat(item.answer)}"
        for variant in quiz.variants
        for item in variant.items
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")
