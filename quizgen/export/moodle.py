"""Moodle XML: multichoice, shortanswer and cloze (embedded answers) questions in a category
named after the deck, each with its source as general feedback.

Texts are HTML inside XML: they are HTML-escaped first (so ``<script>`` shows as text in
Moodle), and the XML writer escapes them again for the file.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from quizgen.escape import escape_html as escape
from quizgen.quiz import Quiz, QuizItem


def _text(parent: ET.Element, tag: str, text: str, fmt: str | None = "html") -> ET.Element:
    element = ET.SubElement(parent, tag, {"format": fmt} if fmt else {})
    ET.SubElement(element, "text").text = text
    return element


def _cloze_answer(answer: str) -> str:
    # Inside {1:SHORTANSWER:=…} these characters end or split the answer unless escaped.
    for ch in '\\}#~/"':
        answer = answer.replace(ch, "\\" + ch)
    return answer


def _shortanswer_text(answer: str) -> str:
    return answer.replace("*", "\\*")  # * is Moodle's wildcard in short answers


def _feedback(quiz: Quiz, item: QuizItem) -> str:
    article = escape(item.article_title) + (
        f"（{escape(item.published)}）" if item.published else ""
    )
    return f"<p>{quiz.html(item.source)}</p><p>{article}</p>"


def _question(quiz: Quiz, quiz_el: ET.Element, number: int, item: QuizItem) -> None:
    if item.type == "choice" and item.options:
        kind = "multichoice"
    elif item.type == "cloze":
        kind = "cloze"
    else:
        kind = "shortanswer"
    q = ET.SubElement(quiz_el, "question", {"type": kind})
    name = ET.SubElement(q, "name")
    ET.SubElement(name, "text").text = f"問{number} {item.answer}"[:60]
    if kind == "cloze":
        embedded = "{1:SHORTANSWER:=" + _cloze_answer(item.answer) + "}"
        html = embedded.join(quiz.html(p) for p in item.parts)
        _text(q, "questiontext", f"<p>{html}</p>")
    else:
        prompt = quiz.html(item.prompt).replace("\n", "<br>")
        _text(q, "questiontext", f"<p>{prompt}</p>")
    _text(q, "generalfeedback", _feedback(quiz, item))
    ET.SubElement(q, "defaultgrade").text = "1"
    ET.SubElement(q, "penalty").text = "0.3333333"
    ET.SubElement(q, "hidden").text = "0"
    if kind == "multichoice":
        assert item.options is not None
        ET.SubElement(q, "single").text = "true"
        ET.SubElement(q, "shuffleanswers").text = "true"
        ET.SubElement(q, "answernumbering").text = "abc"
        for option in item.options:
            fraction = "100" if option == item.option_answer else "0"
            answer = _text(q, "answer", quiz.html(option))
            answer.set("fraction", fraction)
            _text(answer, "feedback", "")
    elif kind == "shortanswer":
        ET.SubElement(q, "usecase").text = "0"
        answer = _text(q, "answer", _shortanswer_text(item.answer), "moodle_auto_format")
        answer.set("fraction", "100")
        _text(answer, "feedback", "")


def render(quiz: Quiz) -> bytes:
    root = ET.Element("quiz")
    category = ET.SubElement(root, "question", {"type": "category"})
    path = "$course$/top/" + quiz.deck.replace("::", "/")
    _text(category, "category", path, None)
    for variant in quiz.variants:
        for number, item in enumerate(variant.items, 1):
            _question(quiz, root, number, item)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
