"""Escaping article text before it becomes HTML in a card or a quiz sheet.

Article text must never become markup, an Anki cloze (``{{c1::…}}``), an Anki field
reference (``{{Front}}``) or furigana (``漢字[かんじ]``).
"""

from __future__ import annotations

import re

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Any character escape_field changes: most Japanese text has none and is returned as is
# (str.translate walks every character of a non-ASCII string through a dict).
_SPECIAL_RE = re.compile(r"[&<>\"'{}\[\]\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# html.escape(quote=True) plus Anki's own syntax, in one pass.
_FIELD_TABLE = str.maketrans({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;",
    "{": "&#123;", "}": "&#125;", "[": "&#91;", "]": "&#93;",
})  # fmt: skip


def escape_field(text: str) -> str:
    """HTML-escape text for an Anki field, and neutralise Anki's own syntax.

    >>> escape_field("<script>{{c1::x}}[y]")
    '&lt;script&gt;&#123;&#123;c1::x&#125;&#125;&#91;y&#93;'
    """
    if _SPECIAL_RE.search(text) is None:
        return text
    return _CONTROL_RE.sub("", text).translate(_FIELD_TABLE)


def escape_html(text: str) -> str:
    """HTML-escape text for a page (quiz sheets)."""
    import html  # not needed by a build

    return html.escape(_CONTROL_RE.sub("", text), quote=True)
