"""Packaged resources: Anki card templates and CSS (``templates/``, shipped as ``quizgen.templates``)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path


@cache
def read_template(name: str) -> str:
    """The text of a template file, from the installed package or the source tree."""
    try:
        return resources.files("quizgen.templates").joinpath(name).read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        # Running from a source checkout that was not installed: templates/ is beside quizgen/.
        return (Path(__file__).resolve().parent.parent / "templates" / name).read_text("utf-8")
