"""Escaping article text before it becomes HTML in a card or a quiz sheet.

Article text must never become markup, an Anki cloze (``{{c1::…}}``), an Anki field
reference (``{{Front}}``) or furigana (``漢字[かんじ]``).
"""

from __future__ import annotations

import html
import re

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def escape_field(text: str) -> str:
    """HTML-escape text for an Anki field, and neutralise Anki's own syntax.

    >>> escape_field("<script>{{c1::x}}[y]")
    '&lt;script&gt;&#123;&#123;c1::x&#125;&#125;&#91;y&#93;'
    """
    text = _CONTROL_RE.sub("", text)
    text = html.escape(text, quote=True)
    return (
        text.replace("{", "&#123;")
        .replace("}", "&#125;")
        .replace("[", "&#91;")
        .replace("]", "&#93;")
    )


def escape_html(text: str) -> str:
    """HTML-escape text for a page (quiz sheets)."""
    return html.escape(_CONTROL_RE.sub("", text), quote=True)
