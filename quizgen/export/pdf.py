"""The quiz sheet as PDF, printed from the HTML sheet by WeasyPrint.

WeasyPrint lays out HTML and CSS for print (page breaks, ``@page``) and embeds the fonts
it uses, so the Japanese text stays extractable. It is an optional extra
(``pip install 'quizgen[pdf]'``) because it needs the system's Pango library; Japanese
glyphs need a Japanese font on the system (Debian: fonts-noto-cjk).
"""

from __future__ import annotations

import logging

from quizgen.errors import OutputError
from quizgen.export.sheet import render_html
from quizgen.quiz import Quiz


def render(quiz: Quiz) -> bytes:
    try:
        import weasyprint
    except (ImportError, OSError) as exc:
        raise OutputError(
            "--format pdf",
            f"WeasyPrint is not usable here ({str(exc).splitlines()[0]})",
            "pip install 'quizgen[pdf]' (it needs the Pango library: Debian libpango-1.0-0), "
            "or write --format html and print it from a browser",
        ) from None
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    data: bytes = weasyprint.HTML(string=render_html(quiz)).write_pdf()
    return data
