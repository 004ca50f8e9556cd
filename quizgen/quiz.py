"""Classroom quizzes: choosing questions from built cards, and shuffled variants.

A quiz is chosen once (``select``) and then written by every export format, so the same
seed gives the same questions whatever the format. Selection takes the facts of every
article in rank order, round-robin over the articles so that each article is asked about,
one question per fact, in a card type drawn from ``types`` with a generator seeded by
``seed``. Variants (``make_variants``) shuffle the order of the questions and the options
of each multiple-choice question, again from the seed.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace

from quizgen.dates import format_published
from quizgen.escape import escape_html
from quizgen.model import Card

QUIZ_TYPES = ("cloze", "question", "choice")
VARIANT_NAMES = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class QuizItem:
    """One question of a quiz, in every form an export may need.

    ``type`` is cloze, question or choice. ``parts`` is the cloze sentence split at its
    blanks (len(parts) - 1 blanks). ``options`` holds four options (the answer among them)
    whenever the fact has a multiple-choice card, whatever ``type`` is, so that formats that
    only know multiple choice (Kahoot) can still ask it.
    """

    key: str
    type: str
    prompt: str
    answer: str
    parts: tuple[str, ...]
    options: tuple[str, ...] | None
    option_answer: str | None  # the right option (a cloze answer is verbatim, options normalised)
    source: str
    span: tuple[int, int]  # the fact in ``source``
    article_title: str
    published: str | None
    url: str | None

    @property
    def correct(self) -> int | None:
        """Index of the answer in ``options``."""
        if not self.options or self.option_answer not in self.options:
            return None
        return self.options.index(self.option_answer)


@dataclass(frozen=True)
class ArticleRef:
    title: str
    published: str | None
    url: str | None


@dataclass(frozen=True)
class Variant:
    name: str  # A, B, …
    items: tuple[QuizItem, ...]


@dataclass(frozen=True)
class Quiz:
    title: str
    deck: str
    articles: tuple[ArticleRef, ...]
    variants: tuple[Variant, ...]
    furigana: bool = False  # readings over the kanji of the printable sheet
    names: tuple[str, ...] = ()  # the reading list's own names, for their readings

    def html(self, text: str) -> str:
        """Article text as HTML: escaped, with ruby readings over its kanji when the quiz
        asks for furigana (the sheet, Moodle)."""
        if not self.furigana or not text:
            return escape_html(text)
        from quizgen.furigana import ruby_html

        return ruby_html(text, self.names)


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()
    return random.Random(int(digest[:16], 16))


def _item(card: Card, choice: Card | None) -> QuizItem:
    fact, article = card.fact, card.article
    sentence = fact.sentence.text
    if card.type == "cloze":
        parts = tuple(sentence.split(fact.text))
        prompt = "（　　）".join(parts)
    else:
        parts = ()
        prompt = card.front
    return QuizItem(
        key=f"{article.identity}:{fact.key}",
        type=card.type,
        prompt=prompt,
        answer=card.answer,
        parts=parts,
        options=choice.choices if choice is not None else None,
        option_answer=choice.answer if choice is not None else None,
        source=sentence,
        span=(fact.start, fact.end),
        article_title=article.title,
        published=format_published(article.published),
        url=article.url,
    )


def select(
    cards: Sequence[Card], n: int, types: Sequence[str] = QUIZ_TYPES, seed: int = 0
) -> list[QuizItem]:
    """At most ``n`` questions, one per fact, most important facts of each article first."""
    by_fact: dict[tuple[str, str], dict[str, Card]] = {}
    order: dict[str, list[tuple[int, tuple[str, str]]]] = {}
    for card in cards:
        key = (card.article.identity, card.fact.key)
        if key not in by_fact:
            by_fact[key] = {}
            order.setdefault(card.article.identity, []).append((card.fact.rank, key))
        by_fact[key].setdefault(card.type, card)
    queues = [sorted(facts) for facts in order.values()]
    chosen: list[QuizItem] = []
    while len(chosen) < n and any(queues):
        for queue in queues:
            if not queue or len(chosen) >= n:
                continue
            _, key = queue.pop(0)
            kinds = by_fact[key]
            usable = [t for t in types if t in kinds]
            if not usable:
                continue
            kind = _rng(seed, *key).choice(usable)
            chosen.append(_item(kinds[kind], kinds.get("choice")))
    return chosen


def make_variants(items: Sequence[QuizItem], count: int, seed: int = 0) -> list[Variant]:
    """``count`` versions of the quiz: the first in selection order unless ``count`` > 1,
    each with its own order of questions and of options."""
    variants: list[Variant] = []
    orders: set[tuple[str, ...]] = set()
    for index in range(count):
        name = VARIANT_NAMES[index % len(VARIANT_NAMES)] + (
            str(index // len(VARIANT_NAMES)) if index >= len(VARIANT_NAMES) else ""
        )
        if count == 1:
            variants.append(Variant(name, tuple(items)))
            break
        rng = _rng(seed, "variant", index)
        shuffled = list(items)
        for attempt in range(8):
            rng.shuffle(shuffled)
            if tuple(i.key for i in shuffled) not in orders or len(items) < 2 or attempt == 7:
                break
        orders.add(tuple(i.key for i in shuffled))
        out = []
        for item in shuffled:
            if item.options:
                options = list(item.options)
                _rng(seed, "options", index, item.key).shuffle(options)
                item = replace(item, options=tuple(options))
            out.append(item)
        variants.append(Variant(name, tuple(out)))
    return variants


def make_quiz(
    title: str,
    deck: str,
    cards: Sequence[Card],
    n: int = 20,
    types: Sequence[str] = QUIZ_TYPES,
    seed: int = 0,
    variants: int = 1,
    furigana: bool = False,
    names: tuple[str, ...] = (),
) -> Quiz:
    items = select(cards, n, types, seed)
    articles: dict[str, ArticleRef] = {}
    for card in cards:
        a = card.article
        articles.setdefault(a.identity, ArticleRef(a.title, format_published(a.published), a.url))
    used = {i.article_title for i in items}
    refs = tuple(r for r in articles.values() if r.title in used)
    return Quiz(title, deck, refs, tuple(make_variants(items, variants, seed)), furigana, names)
