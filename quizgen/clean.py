"""Stage 2: normalise the text once, find the article body, take its metadata, split sentences.

Normalisation (``normalise``) happens here and only here: line endings, control and
zero-width characters, full-width ASCII letters, digits and ％ folded to ASCII (a 1:1 fold,
so nothing after it needs an offset map). Every later stage works on the normalised body.

Pasted pages (``find_body``) keep the article between menus, ranking lists and related
links: each line is scored (sentence-final punctuation, length, Japanese share, numbered
items, truncated headlines, known section headers) and the best contiguous block wins.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import NamedTuple

from quizgen.errors import InputError
from quizgen.model import Article, Metadata, RawArticle, Sentence

JST = dt.timezone(dt.timedelta(hours=9))

_FOLD: dict[int, int | None] = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)}  # ０-９
_FOLD.update({c: c - 0xFEE0 for c in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ
_FOLD.update({c: c - 0xFEE0 for c in range(0xFF41, 0xFF5B)})  # ａ-ｚ
_FOLD.update({ord("％"): ord("%"), ord("．"): ord("."), ord("，"): ord(","), 0x3000: ord(" ")})
_FOLD.update({ord(c): None for c in "\u200b\u200c\u200d\u2060\ufeff\u00ad"})
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

_JAPANESE_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")
_SENTENCE_END_RE = re.compile(r"[。！？!?]")
_NUMBERED_RE = re.compile(
    r"^\s*(?:[•・●■◆▶►\-*]\s*)?(?:\d{1,2}|[①-⑳])\s*[.．、)]?\s*$|^\s*[•・●■◆▶►]\s*\d{1,2}\b"
)
_TRUNCATED_RE = re.compile(r"(?:…|\.\.\.|‥)\s*$")
_ISSUE_DATE_RE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日号|\(\d{1,2}/\s*\d{1,2}\s*発売\)")
SECTION_HEADERS = (
    "あわせて読みたい", "人気ランキング", "アクセスランキング", "ランキング", "関連ニュース", "関連記事",
    "ニュース速報", "最新記事", "最新ニュース", "おすすめ記事", "おすすめ", "注目記事", "PR", "広告",
    "MAGAZINE", "特集", "メールマガジン", "シェア", "ツイート", "コメント", "前のページ", "次のページ",
    "この記事を読んだ人", "こちらもおすすめ", "新着記事", "トピックス", "主要ニュース", "速報",
    "記事一覧", "もっと見る", "続きを読む", "ログイン", "会員登録", "ホーム", "トップ", "メニュー",
)  # fmt: skip
_HEADER_RE = re.compile(
    r"^(?:" + "|".join(re.escape(h) for h in SECTION_HEADERS) + r")(?:\s|$|[:：】」])"
)
_PUBLISHED_RE = re.compile(
    r"(?P<y>\d{4})[年/.\-](?P<m>\d{1,2})[月/.\-](?P<d>\d{1,2})日?"
    r"(?:\s*[（(][月火水木金土日][)）])?"
    r"(?:\s*(?P<h>\d{1,2})[時:](?P<mi>\d{1,2})分?)?"
)
_BYLINE_RE = re.compile(
    r"(?:記者|特派員|編集部|研究員|教授|ライター|通信|文\s*[=＝:：]|[(（][^)）]*(?:大学|研究所|記者|研究員)[^)）]*[)）]\s*$)"
)

_OPEN = "「『（(【〔［[“"
_CLOSE = "」』）)】〕］]”"
_PAIRS = dict(zip(_OPEN, _CLOSE, strict=True))
_SPACE_RE = re.compile(r"\s")
# The characters the sentence splitter acts on; it skips everything else.
_BRACKET_RE = re.compile("[" + re.escape(_OPEN + _CLOSE) + "]")
_SPLIT_RE = re.compile("[" + re.escape(_OPEN + _CLOSE) + "。！？!?]")


def normalise(text: str) -> str:
    """Normalise article text once, at the boundary; offsets after it are stable.

    >>> normalise("ＧＤＰは２．５％\\r\\n増えた")
    'GDPは2.5%\\n増えた'
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = text.translate(_FOLD)
    text = _CONTROL_RE.sub("", text)
    # Half-width katakana would need an offset map (ｶﾞ → ガ is 2 → 1); fold it line by
    # line only where it occurs, which keeps every later offset valid in the new text.
    if re.search(r"[\uff61-\uff9f]", text):
        text = _fold_halfwidth_kana(text)
    return text


def _fold_halfwidth_kana(text: str) -> str:
    return re.sub(r"[\uff61-\uff9f]+", lambda m: unicodedata.normalize("NFKC", m.group(0)), text)


def japanese_share(line: str) -> float:
    chars = len(line) - len(_SPACE_RE.findall(line))
    if not chars:
        return 0.0
    return len(_JAPANESE_RE.findall(line)) / chars


def score_line(line: str) -> float:
    """How much a line looks like article body text (> 0) or page clutter (< 0)."""
    text = line.strip()
    if not text:
        return 0.0
    if _HEADER_RE.match(text) and len(text) < 30:
        return -6.0
    if _NUMBERED_RE.match(text):
        return -3.0
    if _ISSUE_DATE_RE.search(text):
        return -3.0
    share = japanese_share(text)
    ends = len(_SENTENCE_END_RE.findall(text))
    if _TRUNCATED_RE.search(text) and ends == 0:
        return -2.0
    if ends == 0:
        # Short lines without a sentence end: menus, headlines, or a subheading.
        return -0.6 if len(text) <= 40 else -1.5
    if share < 0.3:
        return -1.0
    return min(len(text) / 40.0, 4.0) + ends * 0.5


class Body(NamedTuple):
    text: str
    start_line: int
    end_line: int  # exclusive


def find_body(text: str) -> Body:
    """The best contiguous block of body-like lines of a pasted page.

    >>> find_body("メニュー\\nホーム\\n本文の一文目です。とても長い説明がここに続いています。\\n人気ランキング\\n1\\n").text
    '本文の一文目です。とても長い説明がここに続いています。'
    """
    lines = text.split("\n")
    scores = [score_line(line) for line in lines]
    best_sum, best = 0.0, (0, 0)
    run_sum, run_start = 0.0, 0
    for i, score in enumerate(scores):
        if run_sum <= 0:
            run_sum, run_start = 0.0, i
        run_sum += score
        if run_sum > best_sum:
            best_sum, best = run_sum, (run_start, i + 1)
    start, end = best
    while start < end and scores[start] <= 0:
        start += 1
    while end > start and scores[end - 1] <= 0:
        end -= 1
    if start >= end:
        return Body("", 0, 0)
    body = "\n".join(line.strip() for line in lines[start:end])
    body = re.sub(r"\n{3,}", "\n\n", body)
    return Body(body, start, end)


def _header_metadata(lines: list[str]) -> Metadata:
    """Title, byline and published date from the lines just above the body."""
    published: dt.date | dt.datetime | None = None
    byline = title = None
    for line in reversed(lines):
        text = line.strip()
        if not text:
            continue
        m = _PUBLISHED_RE.search(text)
        if published is None and m and len(text) < 40:
            try:
                day = dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
                if m["h"] is not None:
                    published = dt.datetime(
                        day.year, day.month, day.day, int(m["h"]), int(m["mi"]), tzinfo=JST
                    )
                else:
                    published = day
            except ValueError:
                pass
            continue
        if (
            byline is None
            and title is None
            and published is None
            and _BYLINE_RE.search(text)
            and len(text) < 60
        ):
            byline = text
            continue
        if (
            title is None
            and 8 <= len(text) <= 120
            and japanese_share(text) >= 0.4
            and not _HEADER_RE.match(text)
            and not _SENTENCE_END_RE.search(text[-1:])
        ):
            title = text
    return Metadata(title=title, published=published, byline=byline)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` of a text: 「」 and （） stay whole, line breaks end a sentence.

    >>> t = "彼は「行く。すぐに」と言った。次だ"
    >>> [t[a:b] for a, b in split_sentences(t)]
    ['彼は「行く。すぐに」と言った。', '次だ']
    """
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        closes = _matching_closes(line)
        start = 0
        stack: list[str] = []
        for m in _SPLIT_RE.finditer(line):
            i = m.start()
            if i < start:
                continue  # consumed with the sentence end before it
            ch = line[i]
            if ch in _PAIRS and i in closes:
                stack.append(_PAIRS[ch])
            elif stack and ch == stack[-1]:
                stack.pop()
            elif not stack and ch in "。！？!?":
                j = i + 1
                while j < len(line) and line[j] in "。！？!?」』）)":
                    j += 1
                spans.append((offset + start, offset + j))
                start = j
        spans.append((offset + start, offset + len(line)))
        offset += len(line) + 1
    result = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            result.append((a, b))
    return result


def _matching_closes(line: str) -> set[int]:
    """Indexes of opening brackets that are closed later on the same line."""
    opened: list[tuple[str, int]] = []
    good: set[int] = set()
    for m in _BRACKET_RE.finditer(line):
        i, ch = m.start(), m.group()
        if ch in _PAIRS:
            opened.append((_PAIRS[ch], i))
        else:
            for k in range(len(opened) - 1, -1, -1):
                if opened[k][0] == ch:
                    good.add(opened[k][1])
                    del opened[k:]
                    break
    return good


def make_sentences(body: str) -> tuple[Sentence, ...]:
    """Split a normalised body into sentences, numbering paragraphs (blank-line separated)."""
    sentences = []
    paragraph_starts = [0] + [m.end() for m in re.finditer(r"\n\s*\n", body)]
    paragraph = 0
    for index, (a, b) in enumerate(split_sentences(body)):
        while paragraph + 1 < len(paragraph_starts) and paragraph_starts[paragraph + 1] <= a:
            paragraph += 1
        sentences.append(Sentence(index, body[a:b], a, paragraph))
    return tuple(sentences)


def clean(raw: RawArticle) -> Article:
    """Turn a ``RawArticle`` into an ``Article``: normalised body, metadata, sentences.

    Metadata precedence: the reading list's entry, then front matter or HTML metadata, then
    what the page header shows. Raises ``InputError`` when no body text is left.
    """
    entry = raw.entry
    label = entry.label
    found = raw.metadata
    text = raw.text
    if raw.is_html:
        from quizgen.htmltext import extract_html  # html.parser: only for pages

        text, html_meta = extract_html(text)
        found = Metadata(
            title=found.title or html_meta.title,
            published=found.published or html_meta.published,
            url=found.url or html_meta.url,
            tags=found.tags,
            byline=html_meta.byline,
        )
    text = normalise(text)
    body = find_body(text)
    if not body.text:
        if not _JAPANESE_RE.search(text):
            raise InputError(label, "has no Japanese text", "quizgen reads Japanese articles")
        raise InputError(
            label,
            "no article body found (only headlines, menus or lists)",
            "paste the article's text",
        )
    header = _header_metadata(text.split("\n")[max(0, body.start_line - 10) : body.start_line])
    if not _JAPANESE_RE.search(body.text):
        raise InputError(label, "has no Japanese text", "quizgen reads Japanese articles")
    title = entry.title or found.title or header.title
    if title is None and entry.path is not None:
        title = entry.path.stem
    published = entry.published or found.published or header.published
    return Article(
        source=label,
        identity=entry.identity,
        title=normalise(title or label),
        published=published,
        url=entry.url or found.url,
        byline=found.byline or header.byline,
        tags=tuple(dict.fromkeys(entry.tags + found.tags)),
        encoding=raw.encoding,
        body=body.text,
        sentences=make_sentences(body.text),
    )
