"""Packaged resources: Anki card templates and CSS (``templates/``, shipped as
``quizgen.templates``) and data files (``quizgen/data``).

They are read from the files beside this module, not through ``importlib.resources``,
whose readers import ``zipfile`` and more on first use (about 2% of a rebuild): quizgen
never runs from a zip (MeCab reads unidic-lite's dictionary from its files too).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_HERE = Path(__file__).parent


@cache
def read_template(name: str) -> str:
    """The text of a template file, from the installed package or the source tree."""
    installed = _HERE / "templates" / name
    if installed.is_file():
        return installed.read_text("utf-8")
    # Running from a source checkout (installed editable or not at all): templates/ is
    # beside quizgen/.
    return (_HERE.resolve().parent / "templates" / name).read_text("utf-8")


def read_data(name: str) -> str:
    """The text of a data file shipped with quizgen (``quizgen/data``)."""
    return (_HERE / "data" / name).read_text("utf-8")
