"""Stage 1: read an article's bytes (file or URL), detect its encoding, split off front matter.

Text articles may be UTF-8 (with or without BOM), Shift_JIS/CP932, EUC-JP or ISO-2022-JP;
HTML pages may declare their charset. Detection is a strict cascade restricted to those
encodings: general-purpose detectors misread short Japanese texts.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import NamedTuple

from quizgen.dates import parse_published
from quizgen.errors import InputError
from quizgen.model import ArticleEntry, Metadata, RawArticle

log = logging.getLogger(__name__)

MAX_ARTICLE_BYTES = 10 * 1024 * 1024
ENCODINGS = ("utf-8", "iso2022_jp", "euc_jp", "cp932")
_BINARY_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"PK\x03\x04": "a zip archive",
    b"%PDF": "a PDF file",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x7fELF": "a program",
}
_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_HTML_START_RE = re.compile(
    r"\A\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|article)\b",
    re.IGNORECASE | re.DOTALL,
)
_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*(?:\n|\Z)", re.DOTALL)


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def check_size(size: int, label: str) -> None:
    if size > MAX_ARTICLE_BYTES:
        raise InputError(
            label,
            f"article is {_mb(size)}, larger than the {_mb(MAX_ARTICLE_BYTES)} limit",
            "split it into several articles",
        )


def read_bytes(path: Path, label: str) -> bytes:
    """The bytes of an article file, with one-line errors for the usual mistakes."""
    try:
        if path.is_dir():
            raise InputError(label, "is a directory, not an article", "give the article's file")
        check_size(path.stat().st_size, label)
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(
            label, "no such file", "check the path (relative to the reading list)"
        ) from None
    except PermissionError:
        raise InputError(label, "permission denied", "make the file readable") from None
    except IsADirectoryError:
        raise InputError(
            label, "is a directory, not an article", "give the article's file"
        ) from None
    except OSError as exc:
        raise InputError(label, f"cannot be read ({exc.strerror})", "check the file") from None


def decode(data: bytes, label: str, declared: str | None = None) -> tuple[str, str]:
    """Decode article bytes; returns ``(text, encoding)``.

    >>> decode("今日は".encode("euc_jp"), "x.txt")
    ('今日は', 'euc_jp')
    """
    for magic, what in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise InputError(label, f"is {what}, not an article", "give a text or HTML file")
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:8192]:
        raise InputError(label, "is a binary file, not an article", "give a text or HTML file")
    candidates = list(ENCODINGS)
    if declared:
        try:
            import codecs

            name = codecs.lookup(declared).name
            candidates.insert(0, name)
        except LookupError:
            log.warning("%s: unknown declared charset %r ignored", label, declared)
    if b"\x1b$" in data or b"\x1b(" in data:
        # ISO-2022-JP is 7-bit: it decodes as UTF-8 too, escapes and all. Try it first.
        candidates = ["iso2022_jp", *[c for c in candidates if c != "iso2022_jp"]]
    else:
        candidates = [c for c in candidates if c not in ("iso2022_jp", "iso2022_jp_2")]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        # Legacy codecs decode almost any bytes into something (cp932: half-width kana,
        # C1 controls, private-use characters); trust them only if the result reads as text.
        if encoding != "utf-8" and _suspicious_share(text) > 0.05:
            continue
        return text, encoding
    raise InputError(
        label,
        "cannot be decoded as UTF-8, Shift_JIS, EUC-JP or ISO-2022-JP",
        "save the article as UTF-8",
    )


def _suspicious_share(text: str) -> float:
    sample = text[:20000]
    visible = sum(1 for c in sample if not c.isspace()) or 1
    # Compiled here, not on import: only an article that is not UTF-8 needs it (2 ms).
    suspicious = re.compile(r"[\x80-\x9f\ue000-\uf8ff\uff61-\uff9f]")
    return len(suspicious.findall(sample)) / visible


def looks_like_html(text: str, path: Path | None) -> bool:
    if path is not None and path.suffix.lower() in (".html", ".htm", ".xhtml"):
        return True
    return bool(_HTML_START_RE.match(text[:4096]))


def front_matter(text: str) -> str | None:
    """The ``---`` block at the start of a text article, as written (None: there is none)."""
    m = _FRONT_MATTER_RE.match(text.lstrip("\ufeff"))
    return m.group(1) if m else None


def split_front_matter(
    text: str, label: str, known: Metadata | None = None
) -> tuple[Metadata, str]:
    """Split a ``---`` YAML block off the start of a text article; ``known`` is what the
    block says when that is known already (it is then not parsed).

    >>> meta, body = split_front_matter("---\\ntitle: 見出し\\n---\\n本文。", "a.txt")
    >>> meta.title, body
    ('見出し', '本文。')
    """
    stripped = text.lstrip("\ufeff")
    m = _FRONT_MATTER_RE.match(stripped)
    if not m:
        return Metadata(), text
    if known is not None:
        return known, stripped[m.end() :]
    from quizgen.readinglist import YAMLSyntaxError, safe_load_yaml

    try:
        data = safe_load_yaml(m.group(1))
    except YAMLSyntaxError:
        raise InputError(
            label, "broken YAML in the front matter", "fix the block between the --- lines"
        ) from None
    if not isinstance(data, dict):
        raise InputError(
            label,
            "front matter is not a mapping",
            "write title:, published: … between the --- lines",
        )
    published = None
    if data.get("published") is not None:
        try:
            published = parse_published(data["published"])
        except ValueError:
            raise InputError(
                label,
                f"front matter: 'published' is not a date ({data['published']!r})",
                "write 2023-03-29",
            ) from None
    tags = data.get("tags") or ()
    if isinstance(tags, str):
        tags = (tags,)
    if not isinstance(tags, list | tuple):
        raise InputError(label, "front matter: 'tags' must be a list", "write tags: [a, b]")
    title = data.get("title")
    url = data.get("url")
    meta = Metadata(
        title=str(title) if title is not None else None,
        published=published,
        url=str(url) if url is not None else None,
        tags=tuple(str(t) for t in tags),
    )
    return meta, stripped[m.end() :]


class Decoded(NamedTuple):
    """An article's text as read and decoded: a text article's front matter not yet parsed."""

    entry: ArticleEntry
    text: str
    encoding: str
    is_html: bool


def read_article(entry: ArticleEntry, fetcher: object | None = None) -> RawArticle:
    """Read one article (file or URL) into a ``RawArticle``.

    ``fetcher`` is a ``fetch.Fetcher`` for URLs (a default one is made when None).
    """
    return split_article(read_decoded(entry, fetcher))


def split_article(decoded: Decoded, known: Metadata | None = None) -> RawArticle:
    """The article of a decoded text: a text article's front matter parsed (YAML) and split
    off, unless ``known`` says what it holds (``split_front_matter``)."""
    entry, text, encoding, is_html = decoded
    if is_html:
        return RawArticle(entry, text, encoding, is_html=True)
    meta, body = split_front_matter(text, entry.label, known)
    return RawArticle(entry, body, encoding, is_html=False, metadata=meta)


def read_decoded(entry: ArticleEntry, fetcher: object | None = None) -> Decoded:
    """Read one article's bytes (file or URL) and decode them (``read_article``'s first half)."""
    declared = None
    fetched_html = True
    if entry.path is not None:
        data = read_bytes(entry.path, entry.label)
    else:
        from quizgen.fetch import Fetcher

        fetched = (fetcher if isinstance(fetcher, Fetcher) else Fetcher()).fetch(
            entry.url or entry.label
        )
        data, declared, fetched_html = fetched.body, fetched.charset, fetched.is_html
    if not data.strip():
        raise InputError(entry.label, "is empty", "put the article's text in it")
    if entry.path is not None:
        head = _CHARSET_RE.search(data[:4096])
        if head and entry.path.suffix.lower() in (".html", ".htm", ".xhtml"):
            declared = head.group(1).decode("ascii", "replace")
    elif declared is None:
        head = _CHARSET_RE.search(data[:4096])
        declared = head.group(1).decode("ascii", "replace") if head else None
    text, encoding = decode(data, entry.label, declared)
    if not text.strip():
        raise InputError(entry.label, "holds only white space", "put the article's text in it")
    is_html = fetched_html if entry.path is None else looks_like_html(text, entry.path)
    return Decoded(entry, text, encoding, is_html)
