"""Classroom exports of a ``quiz.Quiz``: one module per format, each ``render(quiz) -> bytes``.

``write_quiz`` writes a format to a file atomically. Printable sheets (``html``, ``pdf``) hold
every variant and then every variant's answer key in one document; the other formats are
read by platforms that shuffle for themselves, so each variant goes to its own file
(``quiz-A.xml``, ``quiz-B.xml``) when there are several.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from importlib import import_module
from pathlib import Path

from quizgen.output import write_bytes_atomic
from quizgen.quiz import Quiz

log = logging.getLogger(__name__)

# format → (module, file suffix, holds all variants in one file)
FORMATS: dict[str, tuple[str, str, bool]] = {
    "html": ("sheet", ".html", True),
    "pdf": ("pdf", ".pdf", True),
    "moodle": ("moodle", ".xml", False),
    "gift": ("gift", ".gift.txt", False),
    "kahoot": ("kahoot", ".xlsx", False),
    "quizlet": ("quizlet", ".txt", False),
    "csv": ("csvfile", ".csv", False),
}
SUFFIXES = {".html": "html", ".htm": "html", ".pdf": "pdf", ".xml": "moodle", ".gift": "gift",
            ".xlsx": "kahoot", ".csv": "csv"}  # fmt: skip


def renderer(fmt: str) -> Callable[[Quiz], bytes]:
    module = import_module(f"quizgen.export.{FORMATS[fmt][0]}")
    render: Callable[[Quiz], bytes] = module.render
    return render


def format_for(path: Path) -> str | None:
    """The format a file name asks for (quiz.xml → moodle), or None."""
    name = path.name.lower()
    if name.endswith(".gift.txt"):
        return "gift"
    return SUFFIXES.get(path.suffix.lower())


def output_paths(quiz: Quiz, fmt: str, path: Path) -> list[Path]:
    if FORMATS[fmt][2] or len(quiz.variants) == 1:
        return [path]
    stem, suffix = path.name.split(".", 1) if "." in path.name else (path.name, "")
    dot = "." if suffix else ""
    return [path.with_name(f"{stem}-{v.name}{dot}{suffix}") for v in quiz.variants]


def write_quiz(quiz: Quiz, fmt: str, path: Path) -> list[Path]:
    """Write ``quiz`` as ``fmt`` to ``path`` (or one file per variant); the paths written."""
    render = renderer(fmt)
    paths = output_paths(quiz, fmt, path)
    if len(paths) == 1:
        outputs = [render(quiz)]
    else:
        outputs = [render(replace(quiz, variants=(v,))) for v in quiz.variants]
    for p, data in zip(paths, outputs, strict=True):
        write_bytes_atomic(p, data)
    return paths
