"""What a reading list's last build knew, so that the next one looks up only what changed.

Each build with the cache stores one ``ListState`` for its list: per article, its file's
size and time, its cache key, its person names and what its cards read of the distractor
pool; and the pool as pass 1 left it. A rebuild (``Recall``) takes each file's size and
time once; an article whose entry and file are as recorded is known without a lookup.
Like every cache entry, the state is only a shortcut: each record is checked against its
entry and file, and the pool and the names against what changed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from quizgen.cache import ArticleCache, CacheWriter, dumps, make_key, today
from quizgen.cards import PoolUse
from quizgen.model import ArticleEntry, Options, ReadingList
from quizgen.pool import PoolBuilder, PoolItem

if TYPE_CHECKING:
    from quizgen.pipeline import _Extracted

Stat = tuple[int, int]  # a file's size and modification time (ns)


def file_stat(entry: ArticleEntry) -> Stat | None:
    """The size and time of the entry's file (None: a URL, or no file to read)."""
    if entry.path is None:
        return None
    try:
        stat = os.stat(entry.path)
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def entry_key(entry: ArticleEntry) -> tuple[object, ...]:
    """What of an entry the article's result depends on: not its place in the list (adding
    an article at the top must not make the others new)."""
    path = None if entry.path is None else str(entry.path)  # a Path's repr is slow
    return (entry.label, entry.identity, path, entry.url, entry.title,
            entry.published, entry.tags)  # fmt: skip


# An article's card key, what its cards read of the pool, and the key of its notes.
CardsRecord = tuple[str, PoolUse, str]


class Record(NamedTuple):
    """What a build keeps of an article for the next build of its list (``ListState``)."""

    stat: Stat  # of the article's file
    key: str  # the article's cache key
    error: Exception | None
    names: tuple[str, ...]
    undated: bool
    cards: CardsRecord | None


class ListState(NamedTuple):
    """A build's account of its whole list, for the next build of the list: each article's
    record by its entry, the distractor pool as pass 1 left it, the list's person names,
    and the day it was made."""

    records: dict[tuple[object, ...], tuple[Any, ...]]  # a Record's fields (pickled faster)
    heaps: dict[str, list[tuple[int, str, PoolItem]]]
    names: tuple[str, ...]
    day: int


class Recall:
    """The list's files as they are now (each one's size and time, taken once) and what the
    list's last build knew of them (``ListState``, cached under ``key``). An article whose
    entry and file are as they were is known without a lookup: its extraction's key, its
    names, its card key and what its cards read of the pool come from the state. The
    distractor pool is the state's plus what the other articles bring, as long as none of
    the answers the list no longer has was in it (``pool_holds``); otherwise pass 1 goes
    through every article's summary, as without a state."""

    def __init__(
        self, entries: Sequence[ArticleEntry], cache: ArticleCache, key: str | None
    ) -> None:
        self.key, self.cache = key, cache
        self.stats = [file_stat(entry) for entry in entries]
        self.entry_keys = [entry_key(entry) for entry in entries]
        found = cache.get(key) if key is not None else None
        self.state = found if isinstance(found, ListState) else None
        self.known: dict[int, Record] = {}
        self._matched: set[int] = set()  # the state's records the list still has, by id
        if self.state is not None:
            records = self.state.records
            for i, stat in enumerate(self.stats):
                fields = records.get(self.entry_keys[i]) if stat is not None else None
                if fields is not None and fields[0] == stat:
                    self.known[i] = Record._make(fields)
                    self._matched.add(id(fields))
        self.cards: dict[int, CardsRecord] = {}  # pass 2's, by place in the list
        self.remade: dict[int, str] = {}  # card keys of the articles pass 2 makes again
        self.changed: set[str] | None = None  # the pool's groups that changed (``settle``)
        self.in_pool: set[tuple[str, str]] = set()  # the state's pool: group and answer
        if self.state is not None and self.known:
            self.in_pool = {
                (group, answer) for group, heap in self.state.heaps.items() for _, answer, _ in heap
            }

    def pool(self) -> PoolBuilder:
        """The pool to add the other articles' answers to: the state's when some are known."""
        builder = PoolBuilder()
        if self.state is not None and self.known:
            builder.heaps = {group: list(heap) for group, heap in self.state.heaps.items()}
            builder.seen = set(self.in_pool)
        return builder

    def pool_holds(self, fresh: set[tuple[str, str]]) -> bool:
        """Whether the state's pool, with the answers of the articles not known from it
        (``fresh``: group and answer), is this list's: true unless an answer only the
        articles no longer known had (edited, moved, gone) was in it. Their answers come
        from their summaries in the cache (a missing one: false)."""
        if self.state is None or not self.known:
            return True
        matched = self._matched
        gone = [Record._make(r).key for r in self.state.records.values() if id(r) not in matched]
        summaries = self.cache.get_many([key + "-summary" for key in gone])
        in_pool = self.in_pool
        for key in gone:
            summary = summaries.get(key + "-summary")
            if not (isinstance(summary, tuple) and len(summary) == 4):
                return False
            for group, _, item in summary[1]:
                if (group, item[1]) in in_pool and (group, item[1]) not in fresh:
                    return False
        return True

    def forget(self) -> None:
        self.known, self._matched = {}, set()

    def settle(self, pool: PoolBuilder) -> None:
        """After pass 1: which of the cards' pool groups may differ from the state's pool
        (``changed``; None: any, the pool not being the state's). A pool item of group
        ``date:10`` is a candidate in ``date:10`` and ``date``; one of a bare kind
        (``number``: a number without a value) in any group of the kind."""
        if not self.known:
            self.changed = None
            return
        self.changed = set()
        for group in pool.changed:
            kind, colon, _ = group.partition(":")
            self.changed.update((group, kind) if colon else (kind, kind + ":"))

    def reads_unchanged(self, use: PoolUse) -> bool:
        """Whether cards that read ``use`` of the state's pool read only groups that did not
        change: they read the same now (the list's names being the same too)."""
        changed = self.changed
        if changed is None or not (isinstance(use, tuple) and len(use) == 2):
            return False
        try:
            return not any(
                group in changed or group.partition(":")[0] + ":" in changed for group, _ in use[0]
            )
        except (TypeError, ValueError, AttributeError):
            return False

    def recorded_cards(self, place: int, names: tuple[str, ...]) -> CardsRecord | None:
        """A known article's card key, pool use and notes key, while the list's names are
        the state's (they decide its full names, part of the key)."""
        record = self.known.get(place)
        if record is None or self.state is None or self.state.names != names:
            return None
        return record.cards

    def _same(self, names: tuple[str, ...]) -> bool:
        """Whether this build's state would be the last one's: every article known, none
        gone, the same cards, names and pool, and the same day."""
        state = self.state
        return (
            state is not None
            and state.day == today()
            and len(self.known) == len(self.stats)
            and len(self._matched) == len(state.records)
            and state.names == names
            and self.changed == set()
            and all(record.cards == self.cards.get(i) for i, record in self.known.items())
        )

    def made(self, place: int, use: PoolUse, notes_key: str | None) -> None:
        """Record the cards pass 2 made again for the article at ``place``."""
        key = self.remade.pop(place, None)
        if key is not None:
            self.cards[place] = (key, use, notes_key or notes_cache_key(key, use))

    def touch(self) -> None:
        """Once a day, mark the cache entries of the known articles read: nothing else
        reads them while the state stands in for them, and the cache prunes by use."""
        if self.state is None or self.state.day >= today():
            return
        keys = []
        for record in self.known.values():
            keys += [record.key, record.key + "-summary"]
            if record.cards is not None:
                card_key = record.cards[0]
                keys += [card_key, card_key + "-pool", card_key + "-reads"]
        self.cache.touch(keys)

    def save(
        self,
        extracted: Sequence[_Extracted],
        pool: PoolBuilder,
        names: tuple[str, ...],
        writer: CacheWriter,
    ) -> None:
        """Store this build's state for the next build of the list."""
        if self.key is None or self._same(names):
            return
        records = {}
        # The articles read the same rings (group and digest): each is pickled once.
        rings: dict[object, Any] = {}
        for i, item in enumerate(extracted):
            stat = self.stats[i]
            if stat is None or item.key is None:
                continue
            cards = self.cards.get(i)
            if cards is not None:
                key, (read, digest), notes = cards
                read = tuple(rings.setdefault(ring, ring) for ring in read)
                cards = (key, (rings.setdefault(read, read), digest), notes)
            records[self.entry_keys[i]] = (
                stat, item.key, item.result.error, tuple(sorted(item.names)),
                item.undated, cards,
            )  # fmt: skip
        state = ListState(records, pool.heaps, names, today())
        writer.add([(self.key, dumps(state))])


def notes_cache_key(key: str, use: PoolUse) -> str:
    """Which notes: the card key and what the cards read of the pool (the readings' digest,
    not the rings': notes whose readings are still right are kept when the rings change)."""
    return make_key("notes", key, use[1])


def list_state_key(reading_list: ReadingList, options: Options, with_notes: bool) -> str:
    """Where the list's state is kept: by the list's file (else its articles), the options
    and whether notes are made. Any state is safe to use: each record is checked against
    its article's entry and file, and the pool against what changed."""
    where = (
        os.path.abspath(reading_list.path)
        if reading_list.path is not None
        else tuple(e.label for e in reading_list.articles)
    )
    return make_key("list state", where, options, with_notes)
