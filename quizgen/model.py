"""Frozen records passed between the pipeline stages.

``ReadingList`` → ``ArticleEntry`` → ``RawArticle`` → ``Article`` (with ``Sentence``) →
``Fact`` → ``Card``. No stage mutates a record it received; each builds the next one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

CARD_TYPES = ("cloze", "question", "choice")
FACT_KINDS = ("date", "person", "place", "organisation", "number", "term")
DEFAULT_MAX_FACTS = 15

Published = dt.date | dt.datetime | None


@dataclass(frozen=True)
class Options:
    """What to build: card types, the cap of facts per article, furigana, extra names."""

    card_types: tuple[str, ...] = CARD_TYPES
    max_facts: int = DEFAULT_MAX_FACTS
    furigana: bool = False
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArticleEntry:
    """One article of a reading list (or a file given on the command line).

    ``identity`` is what note GUIDs hash: the URL, else the path relative to the
    reading list, so moving the list with its articles changes no GUID.
    """

    label: str
    identity: str
    path: Path | None = None
    url: str | None = None
    title: str | None = None
    published: Published = None
    tags: tuple[str, ...] = ()
    entry: str = ""

    # Pickled with its path as text (a cached reading list is a thousand entries): a Path
    # pickles as its parts and is put together from them again, three times slower.
    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        if self.path is not None:
            state["path"] = str(self.path)
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        if isinstance(state.get("path"), str):
            state = {**state, "path": Path(state["path"])}  # type: ignore[arg-type]
        self.__dict__.update(state)


@dataclass(frozen=True)
class ReadingList:
    """A deck to build: its name, articles and options."""

    deck: str
    articles: tuple[ArticleEntry, ...]
    options: Options = field(default_factory=Options)
    description: str = ""
    path: Path | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Metadata:
    """What an article says about itself (front matter, HTML meta tags, page header)."""

    title: str | None = None
    published: Published = None
    url: str | None = None
    tags: tuple[str, ...] = ()
    byline: str | None = None


@dataclass(frozen=True)
class RawArticle:
    """An article as read: decoded text, before any cleaning."""

    entry: ArticleEntry
    text: str
    encoding: str
    is_html: bool = False
    metadata: Metadata = field(default_factory=Metadata)


@dataclass(frozen=True)
class Sentence:
    """A sentence of the article body; ``start`` is its offset in ``Article.body``."""

    index: int
    text: str
    start: int
    paragraph: int


@dataclass(frozen=True)
class Article:
    """A cleaned article: normalised body text split into sentences.

    The body is normalised once (see ``clean.normalise``); every later stage works on it.
    """

    source: str
    identity: str
    title: str
    published: Published
    url: str | None
    byline: str | None
    tags: tuple[str, ...]
    encoding: str
    body: str
    sentences: tuple[Sentence, ...]

    @property
    def published_date(self) -> dt.date | None:
        if isinstance(self.published, dt.datetime):
            return self.published.date()
        return self.published


@dataclass(frozen=True)
class Fact:
    """A key fact: a verbatim span ``sentence.text[start:end]`` of a body sentence.

    ``value`` is an ISO date string for dates, a number for numbers, else None;
    ``answer`` is what a card asks for (normalised: 今年3月10日 → 2023年3月10日,
    習 → 習近平); ``key`` identifies the fact within its article across rebuilds.
    """

    kind: str
    text: str
    value: str | int | float | None
    sentence: Sentence
    start: int
    end: int
    answer: str
    key: str
    rank: int = 0
    score: float = 0.0  # how good this mention is for a card
    role: str | None = None
    unit: str | None = None


@dataclass(frozen=True)
class Card:
    """One card. Cloze cards of one sentence share a note (``guid``) and differ by ``number``."""

    guid: str
    type: str
    front: str
    back: str
    answer: str
    choices: tuple[str, ...] | None
    tags: tuple[str, ...]
    fact: Fact
    article: Article
    cloze: str = ""
    number: int = 0


NoteFields = tuple[str, int, str, str, str, tuple[int, ...]]  # a NoteRow as a plain tuple


class NoteRow(NamedTuple):
    """One Anki note ready for the package: what genanki would write, without the ids and
    times of a particular build (``anki.note_rows`` makes them, ``PackageWriter`` writes).

    A named tuple: a build sends tens of thousands between processes and through the
    cache, as plain tuples (``NoteFields``), which pickle ten times faster than records."""

    guid: str
    model_id: int
    tags: str
    fields: str  # joined with \x1f
    sort_field: str
    ords: tuple[int, ...]  # one card per template (or cloze number - 1)


@dataclass(frozen=True)
class ArticleResult:
    """What the pipeline made of one article: facts and cards, or the error that stopped it."""

    entry: ArticleEntry
    article: Article | None = None
    facts: tuple[Fact, ...] = ()
    cards: tuple[Card, ...] = ()
    error: Exception | None = None
    notes: tuple[NoteFields, ...] = ()  # the cards as Anki notes (NoteRow or plain tuples)
    # Question prompts made while the sentences' tokens were at hand (first pass):
    # (sentence index, fact start, prompt, style) of the facts likely to become cards.
    questions: tuple[tuple[int, int, str, str], ...] = ()
    # The cache key of its notes: a rebuild whose previous package holds them keeps them
    # there (``notes`` is then empty) instead of loading and writing them again.
    notes_key: str | None = None
    in_package: bool = False  # its notes are in the previous package: keep them there

    @property
    def ok(self) -> bool:
        return self.error is None
