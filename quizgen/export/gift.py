"""GIFT, Moodle's plain-text question format.

GIFT's special characters ``~ = # { } :`` and the backslash are escaped with a backslash
wherever our text appears; newlines become spaces (a blank line would end the question).
"""

from __future__ import annotations

from quizgen.quiz import Quiz, QuizItem

_SPECIAL = "\\~=#{}:"


def escape_gift(text: str) -> str:
    out = []
    for ch in " ".join(text.split()):
        out.append("\\" + ch if ch in _SPECIAL else ch)
    return "".join(out)


def _feedback(item: QuizItem) -> str:
    article = item.article_title + (f"（{item.published}）" if item.published else "")
    return f"####{escape_gift(item.source)} — {escape_gift(article)}"


def _question(number: int, item: QuizItem) -> str:
    title = f"::問{number}::"
    if item.type == "cloze":
        before, *rest = item.parts
        after = "（　　）".join(rest)  # a second mention of the answer is blanked too
        return (
            f"{title}{escape_gift(before)} {{={escape_gift(item.answer)} {_feedback(item)}}} "
            f"{escape_gift(after)}"
        )
    if item.type == "choice" and item.options:
        options = " ".join(
            ("=" if o == item.option_answer else "~") + escape_gift(o) for o in item.options
        )
        return f"{title}{escape_gift(item.prompt)} {{{options} {_feedback(item)}}}"
    return f"{title}{escape_gift(item.prompt)} {{={escape_gift(item.answer)} {_feedback(item)}}}"


def render(quiz: Quiz) -> bytes:
    lines = [f"$CATEGORY: {escape_gift(quiz.deck.replace('::', '/'))}", ""]
    for variant in quiz.variants:
        for number, item in enumerate(variant.items, 1):
            lines += [_question(number, item), ""]
    return "\n".join(lines).encode("utf-8")
