"""Stage 4: cards from facts — cloze (one note per sentence), question/answer, multiple choice.

Quality rules applied here: at most ``Options.max_facts`` facts of an article become cards,
the most important first; no card whose answer appears in its own prompt; no two cards
with the same prompt; no card from a sentence with nothing to learn.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from array import array
from collections.abc import Iterator, Sequence

from quizgen.distractors import (
    candidate_groups,
    choose_distractors,
    distractor_group,
    in_group,
    shuffled_options,
)
from quizgen.facts import card_facts
from quizgen.model import Article, Card, Fact, Options
from quizgen.questions import Question, make_question

CLOZE_HINTS = {
    "date": "日付",
    "person": "人物",
    "place": "場所",
    "organisation": "組織",
    "number": "数",
    "term": "用語",
}


_BASE91 = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&()*+,-./:;<=>?@[]^_`{|}~"
)


_BASE91_PAIRS = [a + b for a in _BASE91 for b in _BASE91]


def guid_for(*values: str) -> str:
    """genanki's ``guid_for`` (the first 8 bytes of a SHA-256, in Anki's base 91), two
    digits at a time; the GUIDs of existing decks depend on it staying the same."""
    number = int.from_bytes(hashlib.sha256("__".join(values).encode("utf-8")).digest()[:8])
    chunks = []
    while number >= 91 * 91:
        number, pair = divmod(number, 91 * 91)
        chunks.append(_BASE91_PAIRS[pair])
    if number >= 91:
        chunks.append(_BASE91_PAIRS[number])
    elif number:
        chunks.append(_BASE91[number])
    return "".join(reversed(chunks))


def note_guid(article: Article, card_type: str, key: str) -> str:
    """A note's GUID from what identifies it: the article's identity, the note type and the fact."""
    return guid_for("quizgen", article.identity, card_type, key)


def _tags(article: Article, fact: Fact) -> tuple[str, ...]:
    return (*article.tags, fact.kind)


def cloze_markup(sentence: str, deletions: Sequence[tuple[int, int, int, str]]) -> str:
    """Sentence text with ``{{cN::…::hint}}`` deletions, all article text escaped.

    ``deletions`` are ``(start, end, number, hint)``, non-overlapping.

    >>> cloze_markup("A<b>で会った", [(0, 1, 1, "人物")])
    '{{c1::A::人物}}&lt;b&gt;で会った'
    """
    from quizgen.escape import escape_field

    out, pos = [], 0
    for start, end, number, hint in sorted(deletions):
        out.append(escape_field(sentence[pos:start]))
        inner = escape_field(sentence[start:end]).replace(":", "&#58;")
        out.append(f"{{{{c{number}::{inner}" + (f"::{hint}" if hint else "") + "}}")
        pos = end
    out.append(escape_field(sentence[pos:]))
    return "".join(out)


def _blank(sentence: str, spans: list[tuple[int, int]], hint: str) -> str:
    out, pos = [], 0
    for start, end in sorted(spans):
        out.append(sentence[pos:start] + f"[{hint}]")
        pos = end
    return "".join(out) + sentence[pos:]


def _dates_by_sentence(facts: Sequence[Fact]) -> dict[int, list[str]]:
    dates_of: dict[int, list[str]] = {}
    for f in facts:
        if f.kind == "date" and isinstance(f.value, str):
            dates_of.setdefault(f.sentence.index, []).append(f.value)
    return dates_of


def _askable(fact: Fact) -> bool:
    # Subheadings and fragments without a sentence end make poor question cards.
    return bool(re.search(r"[。！？!?」）)]$", fact.sentence.text))


def prepared_questions(
    article: Article, facts: Sequence[Fact], options: Options | None = None
) -> tuple[tuple[int, int, str, str], ...]:
    """Question prompts for the facts likely to become cards, made now (when the sentences'
    tokens are fresh) for ``make_cards`` to use later: (sentence, start, prompt, style)."""
    options = options or Options()
    if "question" not in options.card_types and "choice" not in options.card_types:
        return ()
    dates_of = _dates_by_sentence(facts)
    out = []
    for fact in card_facts(list(facts), options.max_facts):
        if _askable(fact):
            q = make_question(
                fact, article.published_date, options.names, dates_of.get(fact.sentence.index, [])
            )
            out.append((fact.sentence.index, fact.start, q.prompt, q.style))
    return tuple(out)


def make_cards(
    article: Article,
    facts: Sequence[Fact],
    options: Options | None = None,
    pool: Sequence[Fact] = (),
    questions: Sequence[tuple[int, int, str, str]] = (),
    pool_reads: list[PoolRead] | None = None,
) -> list[Card]:
    """Cards for one article's facts.

    ``pool`` holds facts of other articles of the reading list (for distractors);
    ``questions`` prompts already made (``prepared_questions``). ``pool_reads`` is filled
    with what the cards read of the pool: they stay right as long as ``still_read``.
    """
    options = options or Options()
    chosen = card_facts(list(facts), options.max_facts)
    cards: list[Card] = []
    dates_of = _dates_by_sentence(facts)
    ready = {(i, start): Question(prompt, style) for i, start, prompt, style in questions}
    reads: list[_Read] = []
    own: dict[str, list[Fact]] = {}

    def candidates(fact: Fact) -> _Scan:
        group = distractor_group(fact)
        if group not in own:
            own[group] = [f for f in facts if in_group(group, f)]
        point = hash64(fact.key + article.identity)
        return _Scan(own[group], pool_group(pool, group), group, point, reads)

    if "cloze" in options.card_types:
        cards.extend(_cloze_cards(article, facts, chosen))
    for fact in chosen:
        if not _askable(fact):
            continue
        if "question" in options.card_types or "choice" in options.card_types:
            question = ready.get((fact.sentence.index, fact.start)) or make_question(
                fact, article.published_date, options.names, dates_of.get(fact.sentence.index, [])
            )
        if "question" in options.card_types:
            cards.append(
                Card(
                    guid=note_guid(article, "question", fact.key),
                    type="question",
                    front=question.prompt,
                    back=fact.answer,
                    answer=fact.answer,
                    choices=None,
                    tags=_tags(article, fact),
                    fact=fact,
                    article=article,
                )
            )
        if "choice" in options.card_types:
            distractors = choose_distractors(fact, candidates(fact), prompt=question.prompt)
            if len(distractors) == 3:
                cards.append(
                    Card(
                        guid=note_guid(article, "choice", fact.key),
                        type="choice",
                        front=question.prompt,
                        back=fact.answer,
                        answer=fact.answer,
                        choices=tuple(
                            shuffled_options(fact.answer, distractors, fact.key + article.identity)
                        ),
                        tags=_tags(article, fact),
                        fact=fact,
                        article=article,
                    )
                )
    if pool_reads is not None:
        pool_reads.extend((r.group, r.point, tuple(r.ids), r.all_of_them) for r in reads)
    return _apply_quality_rules(cards)


PoolRead = tuple[str, int, tuple[int, ...], bool]  # group, start, items read, read them all


class PoolGroup:
    """The pool's facts of one distractor group, ordered by a hash of each answer (a
    ring): each card reads it from its own point on the ring, so cards do not all offer
    the same distractors, and a fact entering or leaving the pool changes only the cards
    whose reading passed where it is."""

    def __init__(self, facts: list[Fact]) -> None:
        ring = sorted((hash64(f.answer), f.answer, i) for i, f in enumerate(facts))
        self.facts = [facts[i] for _, _, i in ring]
        self.points = [point for point, _, _ in ring]
        self.ids = [hash64(repr((f.answer, f.value, f.unit))) for f in self.facts]
        # The whole ring in a few bytes: a reading of an unchanged ring needs no checking.
        self.digest = hashlib.blake2b(array("Q", self.ids).tobytes(), digest_size=16).digest()

    def start(self, point: int) -> int:
        return bisect.bisect_left(self.points, point) if self.facts else 0

    def still_read(self, read: PoolRead) -> bool:
        """Whether a card that made ``read`` would read the same facts from this group."""
        _, point, ids, all_of_them = read
        n = len(self.ids)
        if (all_of_them and n != len(ids)) or n < len(ids):
            return False
        first = self.start(point)
        return all(self.ids[(first + j) % n] == ids[j] for j in range(len(ids)))


def hash64(text: str) -> int:
    """The first 8 bytes of a BLAKE2b of ``text``, as a number."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest())


class _Read:
    """What one reading of a pool group took, as it goes (a reader may stop anywhere)."""

    __slots__ = ("all_of_them", "group", "ids", "point")

    def __init__(self, group: str, point: int) -> None:
        self.group, self.point = group, point
        self.ids: list[int] = []
        self.all_of_them = False


class _Scan:
    """A card's distractor candidates: the article's own facts of its group, then the
    pool's from the card's point on the ring; what it read of the pool is recorded (the
    distractors read candidates in order and stop early)."""

    def __init__(
        self, own: list[Fact], ring: PoolGroup, group: str, point: int, reads: list[_Read]
    ) -> None:
        self.own, self.ring, self.group, self.point, self.reads = own, ring, group, point, reads

    def __iter__(self) -> Iterator[Fact]:
        yield from self.own
        ring, read = self.ring, _Read(self.group, self.point)
        self.reads.append(read)
        n = len(ring.facts)
        first = ring.start(self.point)
        for j in range(n):
            k = (first + j) % n
            read.ids.append(ring.ids[k])
            yield ring.facts[k]
        read.all_of_them = True


# The pool whose groups were made last, its facts by group, its groups as made, and which
# rings' digests it matches.
_POOL_GROUPS: list[
    tuple[Sequence[Fact], dict[str, list[Fact]], dict[str, PoolGroup], dict[object, bool]]
] = []


def _memo(
    pool: Sequence[Fact],
) -> tuple[dict[str, list[Fact]], dict[str, PoolGroup], dict[object, bool]]:
    if not (_POOL_GROUPS and _POOL_GROUPS[0][0] is pool):
        members: dict[str, list[Fact]] = {}
        for f in pool:  # one pass sorts the pool into every group
            for group in candidate_groups(f):
                members.setdefault(group, []).append(f)
        _POOL_GROUPS[:] = [(pool, members, {}, {})]
    return _POOL_GROUPS[0][1:]


def pool_group(pool: Sequence[Fact], group: str) -> PoolGroup:
    """The pool's facts of a distractor group (made once per pool)."""
    members, groups, _ = _memo(pool)
    if group not in groups:
        groups[group] = PoolGroup(members.get(group, []))
    return groups[group]


# What an article's cards read of the pool, in brief (``pool_use``): the digests of the
# rings they read, and a digest of their readings.
PoolUse = tuple[tuple[tuple[str, bytes], ...], bytes]


def pool_use(pool: Sequence[Fact], reads: Sequence[PoolRead]) -> PoolUse:
    """The digests of the rings that ``make_cards``' ``pool_reads`` read, and of them."""
    groups = sorted({read[0] for read in reads})
    return tuple((g, pool_group(pool, g).digest) for g in groups), reads_digest(reads)


def reads_digest(reads: Sequence[PoolRead]) -> bytes:
    return hashlib.blake2b(repr(tuple(reads)).encode(), digest_size=16).digest()


def still_read(pool: Sequence[Fact], use: object, reads: object = None) -> bool:
    """Whether cards that read ``reads`` of a pool (``make_cards``' ``pool_reads``; ``use``
    is their ``pool_use``) would read the same from ``pool``: at once when the rings they
    read are unchanged (``reads`` is then not needed), else reading by reading (a fact
    entering a ring changes only the readings that passed where it is)."""
    if not (isinstance(use, tuple) and len(use) == 2):
        return False
    rings, digest = use
    unchanged = _memo(pool)[2]  # articles read the same few rings: checked once per pool
    try:
        if rings not in unchanged:
            unchanged[rings] = all(pool_group(pool, g).digest == ring for g, ring in rings)
    except (TypeError, ValueError):  # not what pool_use makes: the cards are made again
        return False
    if unchanged[rings]:
        return True
    if not isinstance(reads, tuple) or reads_digest(reads) != digest:
        return False
    return all(pool_group(pool, read[0]).still_read(read) for read in reads)


def _cloze_cards(article: Article, facts: Sequence[Fact], chosen: list[Fact]) -> list[Card]:
    cards = []
    chosen_keys = {f.key for f in chosen}
    by_sentence: dict[int, list[Fact]] = {}
    every: dict[int, list[Fact]] = {}
    for f in facts:
        every.setdefault(f.sentence.index, []).append(f)
        if f.key in chosen_keys:
            by_sentence.setdefault(f.sentence.index, []).append(f)
    best_sentence = {f.key: f.sentence.index for f in chosen}
    for index in sorted(by_sentence):
        mentions = sorted(by_sentence[index], key=lambda f: f.start)
        # A sentence becomes a cloze note when it holds the card mention of some fact.
        if not any(best_sentence[f.key] == index for f in mentions):
            continue
        # Numbers come from every fact of the sentence, chosen or not, so a fact keeps its
        # number when the cap or the ranking changes (renumbering leaves empty cards in Anki).
        all_mentions = sorted(every[index], key=lambda f: f.start)
        numbering: dict[str, int] = {}
        for f in all_mentions:
            numbering.setdefault(f.key, len(numbering) + 1)
        numbers = {f.key: numbering[f.key] for f in mentions}
        sentence = mentions[0].sentence
        deletions = [(f.start, f.end, numbers[f.key], CLOZE_HINTS[f.kind]) for f in mentions]
        markup = cloze_markup(sentence.text, deletions)
        guid = note_guid(article, "cloze", all_mentions[0].key)
        for key, number in numbers.items():
            fact = next(f for f in mentions if f.key == key)
            spans = [(f.start, f.end) for f in mentions if f.key == key]
            cards.append(
                Card(
                    guid=guid,
                    type="cloze",
                    front=_blank(sentence.text, spans, CLOZE_HINTS[fact.kind]),
                    back=sentence.text,
                    answer=fact.text,
                    choices=None,
                    tags=_tags(article, fact),
                    fact=fact,
                    article=article,
                    cloze=markup,
                    number=number,
                )
            )
    return cards


def _apply_quality_rules(cards: list[Card]) -> list[Card]:
    kept: list[Card] = []
    prompts: set[tuple[str, str]] = set()
    for card in cards:
        if card.type != "cloze":
            if card.answer in card.front or card.fact.text in card.front:
                continue
            if (card.type, card.front) in prompts:
                continue
            prompts.add((card.type, card.front))
        kept.append(card)
    return kept
