"""A reading list's distractor pool: the answers of the whole list that multiple-choice
cards draw their wrong choices from, bounded per distractor group and independent of the
order the articles arrive in (``PoolBuilder``).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from typing import Any

from quizgen.cards import hash64
from quizgen.distractors import group_of
from quizgen.facts import NameIndex
from quizgen.model import Fact, Sentence

POOL_PER_GROUP = 200


PoolItem = tuple[str, str, Any, "str | None"]  # kind, answer, value, unit
RankedItem = tuple[str, int, PoolItem]  # distractor group, rank, item


class PoolBuilder:
    """The reading list's distractor pool: for each distractor group (``group_of``: a
    kind, a number's unit, a date's precision), the ``POOL_PER_GROUP`` distinct answers
    with the smallest hash. Unlike "the first answers of the list", this does not depend
    on the order articles arrive in (workers) and rarely changes when one article of a long
    list is edited, so the cards of the others stay cached; and a new answer of one group
    never pushes one of another group out (a new 74人 used to drop a 週間 number and redo
    every card reading the 週間 ones)."""

    def __init__(self) -> None:
        self.heaps: dict[str, list[tuple[int, str, PoolItem]]] = {}
        self.seen: set[tuple[str, str]] = set()
        self.changed: set[str] = set()  # the groups an item entered

    def add(self, facts: Iterable[Fact | PoolItem]) -> None:
        self.add_ranked(
            (group_of(*item), pool_rank(item[0], item[1]), item)
            for item in (
                (f.kind, f.answer, f.value, f.unit) if isinstance(f, Fact) else f for f in facts
            )
        )

    def add_ranked(self, ranked: Iterable[RankedItem]) -> None:
        """Add items with their group and rank (``ranked``: an article's summary has them)."""
        heaps, seen = self.heaps, self.seen
        for group, rank, item in ranked:
            heap = heaps.get(group)
            if heap is None:
                heap = heaps[group] = []
            elif len(heap) == POOL_PER_GROUP and -heap[0][0] <= rank:
                continue  # most items of a long list: tested before anything is made
            answer = item[1]
            if (group, answer) in seen:
                continue
            if len(heap) < POOL_PER_GROUP:
                heapq.heappush(heap, (-rank, answer, item))
            else:
                _, dropped, _ = heapq.heapreplace(heap, (-rank, answer, item))
                seen.discard((group, dropped))
            seen.add((group, answer))
            self.changed.add(group)

    @property
    def ranked(self) -> list[RankedItem]:
        """The pool as plain tuples with their group and rank (what a cache summary stores:
        cheap to load, and the list's pool need not hash them again)."""
        return [
            (group, -negative, item)
            for group in sorted(self.heaps)
            for negative, _, item in sorted(self.heaps[group], key=lambda e: (-e[0], e[1]))
        ]

    @property
    def items(self) -> list[PoolItem]:
        return [item for _, _, item in self.ranked]

    @property
    def pool(self) -> list[Fact]:
        return [pool_fact(item) for item in self.items]

    def with_full_names(self, index: NameIndex) -> PoolBuilder:
        """The pool with one name per person: a short name (山川) becomes the one longer
        name the list gives (山川宏)."""
        mapped = []
        for group, rank, item in self.ranked:
            if item[0] == "person":
                full = index.canonical(item[1])
                if full != item[1]:
                    group, rank, item = (
                        group,
                        pool_rank("person", full),
                        ("person", full, *item[2:]),
                    )
            mapped.append((group, rank, item))
        builder = PoolBuilder()
        builder.add_ranked(mapped)
        return builder


def pool_rank(kind: str, answer: str) -> int:
    """Where an answer ranks in its group: the pool keeps the smallest."""
    return hash64(f"{kind}:{answer}")


_NO_SENTENCE = Sentence(0, "", 0, 0)


def pool_fact(item: PoolItem) -> Fact:
    """A pool fact without a sentence (distractors read kind, answer, value and unit)."""
    kind, answer, value, unit = item
    key = f"{kind}:{value if kind == 'date' else answer}"
    return Fact(kind, answer, value, _NO_SENTENCE, 0, 0, answer, key, unit=unit)


def distractor_pool(fact_lists: Iterable[Sequence[Fact]]) -> list[Fact]:
    """Facts of the whole reading list for distractors: distinct answers, bounded per
    distractor group."""
    builder = PoolBuilder()
    for facts in fact_lists:
        builder.add(facts)
    return builder.pool
