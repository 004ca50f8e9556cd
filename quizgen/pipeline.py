"""The whole pipeline for a reading list: read → clean → facts → cards, per article.

One bad article does not lose the others: each article's outcome is an ``ArticleResult``
holding either its facts and cards or the error that stopped it.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import pickle
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from quizgen import GC_THRESHOLDS
from quizgen.cache import ArticleCache, CacheWriter, dumps, make_key
from quizgen.cards import (
    PoolRead,
    PoolUse,
    make_cards,
    pool_use,
    prepared_questions,
    still_read,
)
from quizgen.clean import clean
from quizgen.errors import NothingToLearnError, QuizgenError, ReadingListError, WorkerError
from quizgen.facts import NameIndex, canonicalise, extract_facts, person_names
from quizgen.liststate import (
    Recall,
    Record,
    Stat,
    entry_key,
    list_state_key,
    notes_cache_key,
)
from quizgen.load import front_matter, read_decoded, split_article
from quizgen.model import (
    ArticleEntry,
    ArticleResult,
    Card,
    Fact,
    Metadata,
    Options,
    RawArticle,
    ReadingList,
)
from quizgen.pool import PoolBuilder, RankedItem
from quizgen.readinglist import DEFAULT_DECK, entries_from_files, is_reading_list, load_reading_list

if TYPE_CHECKING:
    from quizgen.fetch import Fetcher

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildResult:
    """What a build made: the deck, its options and one result per article."""

    reading_list: ReadingList
    results: tuple[ArticleResult, ...]

    @property
    def cards(self) -> list[Card]:
        return [c for r in self.results for c in r.cards]

    @property
    def failures(self) -> list[ArticleResult]:
        return [r for r in self.results if not r.ok]


def resolve_sources(sources: Sequence[str], cache: ArticleCache | None = None) -> ReadingList:
    """A reading list from the command line's sources: one or more lists, or article files
    (lists read before come from ``cache``).

    >>> resolve_sources(["decks/example.yaml"]).deck  # doctest: +SKIP
    '時事ニュース::サンプル'
    """
    if not sources:
        raise ReadingListError(
            "", "no sources given", "give a reading list (.yaml) or article files"
        )
    lists = [load_reading_list(s, cache) for s in sources if is_reading_list(Path(s))]
    files = [s for s in sources if not is_reading_list(Path(s))]
    entries: list[ArticleEntry] = [e for rl in lists for e in rl.articles]
    entries.extend(entries_from_files(files))
    if not lists:
        return ReadingList(deck=DEFAULT_DECK, articles=tuple(entries))
    first = lists[0]
    return replace(
        first, articles=tuple(entries), warnings=tuple(w for rl in lists for w in rl.warnings)
    )


def _extract(
    raw: RawArticle, entry: ArticleEntry, options: Options, questions: bool = False
) -> ArticleResult:
    article = clean(raw)
    facts = extract_facts(article, options.names, options.max_facts)
    if not facts:
        raise NothingToLearnError(
            entry.label,
            "no facts found (no dates, names, places, numbers or terms)",
            "check that this is a news article",
        )
    # Questions need the sentences' tokens, which are in memory now and may not be by the
    # time the second pass makes this article's cards.
    prepared = prepared_questions(article, facts, options) if questions else ()
    return ArticleResult(entry, article, tuple(facts), questions=prepared)


# --- one article in a worker (or in this process) ---------------------------------------


class _Extracted(NamedTuple):
    """What pass 1 tells the parent about one article (small: the facts stay in the cache)."""

    key: str | None
    result: ArticleResult  # without its article and facts when they are in the cache
    pool: tuple[RankedItem, ...]  # distinct (kind, answer), for the list's distractor pool
    names: frozenset[str]
    undated: bool  # no published date: relative dates were not resolved
    writes: tuple[tuple[str, bytes], ...] = ()  # cache entries, stored by the parent


class _Pending(NamedTuple):
    """An article not known from its file's size and time: a worker reads it, looks its
    content up in the cache, and extracts it when that is new too."""

    entry: ArticleEntry
    stat_key: str | None = None


def _stat_key(entry: ArticleEntry, options: Options, stat: Stat | None) -> str | None:
    """A key from the file's size and modification time: an unchanged file is not read."""
    if stat is None:
        return None
    return make_key("stat", entry_key(entry), options.names, *stat)


PROBE_CHUNK = 256  # articles looked up in the cache per query


def _probes(
    entries: Sequence[ArticleEntry],
    options: Options,
    cache: ArticleCache | None,
    recall: Recall | None = None,
) -> Iterator[Any]:
    """For each entry, an ``_Extracted`` when the list's last build knew the file (``recall``)
    or the cache does (same size and time), else the ``_Pending`` work for
    ``_extract_pending``. The cache is read a chunk of articles at a time: this runs in the
    build's own process, which a query per article kept busy."""
    for start in range(0, len(entries), PROBE_CHUNK):
        chunk = entries[start : start + PROBE_CHUNK]
        if cache is None or recall is None:
            yield from (_Pending(entry) for entry in chunk)
            continue
        places = range(start, start + len(chunk))
        known = recall.known
        stat_keys = [
            None if i in known else _stat_key(entry, options, recall.stats[i])
            for i, entry in zip(places, chunk, strict=True)
        ]
        found = cache.get_many([k for k in stat_keys if k is not None])
        for i, entry, stat_key in zip(places, chunk, stat_keys, strict=True):
            record = known.get(i)
            if record is not None:
                yield _known(record, entry)
                continue
            summary = found.get(stat_key) if stat_key is not None else None
            extracted = None
            if isinstance(summary, tuple) and len(summary) == 2:
                extracted = _from_summary(entry, *summary)
            yield extracted if extracted is not None else _Pending(entry, stat_key)


def _summary(extracted: _Extracted) -> tuple[Any, ...]:
    """What pass 1 keeps of an article, in plain values (a build loads one per article)."""
    names = tuple(sorted(extracted.names))
    return (extracted.result.error, extracted.pool, names, extracted.undated)


def _from_summary(entry: ArticleEntry, key: Any, summary: Any) -> _Extracted | None:
    if not (isinstance(key, str) and isinstance(summary, tuple) and len(summary) == 4):
        return None  # not ours: work it out again
    error, pool, names, undated = summary
    return _Extracted(key, ArticleResult(entry, error=error), pool, frozenset(names), undated)


def _known(record: Record, entry: ArticleEntry) -> _Extracted:
    """An article the list's last build knew, as pass 1 gives it (its answers are in the
    state's pool already)."""
    result = ArticleResult(entry, error=record.error)
    return _Extracted(record.key, result, (), frozenset(record.names), record.undated)


def _extract_pending(
    pending: _Pending, options: Options, cache: ArticleCache | None, questions: bool = True
) -> _Extracted:
    """Read, and extract unless the cache knows the content (a file touched, not changed)."""
    entry, stat_key = pending.entry, pending.stat_key
    try:
        decoded = read_decoded(entry, _fetcher())
    except QuizgenError as exc:
        return _Extracted(None, ArticleResult(entry, error=exc), (), frozenset(), False)
    key = front_key = None
    known_front = None
    if cache is not None:
        # By the text as read, front matter included: a known article is not even parsed.
        key = make_key("article", entry_key(entry), options.names, decoded.text, decoded.is_html)
        # A front matter parsed before (most edits are to the body): PyYAML's import and
        # its regular expressions were a twentieth of a rebuild after such an edit.
        block = None if decoded.is_html else front_matter(decoded.text)
        front_key = make_key("front matter", block) if block is not None else None
        wanted = [key + "-summary"] if front_key is None else [key + "-summary", front_key]
        found = cache.get_many(wanted)
        summary = found.get(key + "-summary")
        known = _from_summary(entry, key, summary)
        if known is not None:
            # Touched but unchanged: next time, not even read.
            touched = ((stat_key, dumps((key, summary))),) if stat_key is not None else ()
            return known._replace(writes=touched)
        if front_key is not None and isinstance(found.get(front_key), Metadata):
            known_front = found[front_key]
    try:
        raw = split_article(decoded, known_front)
    except QuizgenError as exc:
        return _Extracted(None, ArticleResult(entry, error=exc), (), frozenset(), False)
    try:
        result = _extract(raw, entry, options, questions)
    except QuizgenError as exc:
        result = ArticleResult(entry, error=exc)
    pool = PoolBuilder()
    pool.add(result.facts)
    undated = result.ok and result.article is not None and result.article.published is None
    extracted = _Extracted(
        key, result, tuple(pool.ranked), frozenset(person_names(result.facts)), undated
    )
    if cache is not None and key is not None:
        summary = _summary(extracted)
        writes = [(key, dumps(result)), (key + "-summary", dumps(summary))]
        if front_key is not None and known_front is None:
            writes.append((front_key, dumps(raw.metadata)))
        if stat_key is not None:
            writes.append((stat_key, dumps((key, summary))))
        # The parent needs the summary, not the article: pass 2 reads it from the cache.
        extracted = extracted._replace(
            result=ArticleResult(entry, error=result.error), writes=tuple(writes)
        )
    return extracted


def _extract_again(entry: ArticleEntry, options: Options) -> ArticleResult:
    """An article whose cache entry went missing between the passes, extracted anew."""
    return _extract_pending(_Pending(entry), options, None).result


@dataclass(frozen=True)
class _CardContext:
    """What every article's cards depend on besides the article: set once per worker.

    An article's cards depend on the list's other articles only through the names that
    complete its short person names (part of the card key) and what their distractors
    read of the pool (``PoolRead``, checked against this pool): editing one article of a
    long list rarely changes either, so the other articles' cards stay cached.
    """

    options: Options
    pool: tuple[Fact, ...]
    names: NameIndex
    cache: ArticleCache | None
    with_notes: bool = False  # also make the Anki note rows (in the worker, cached)
    reuse: Callable[[str], bool] | None = None  # notes the package already holds, by key

    @cached_property
    def salt(self) -> bytes:
        """What every card key of the build hashes besides the article (once per build)."""
        return repr((self.options, self.with_notes)).encode("utf-8")


_CONTEXT: _CardContext | None = None
_FETCHER: Fetcher | None = None


def _set_context(context: _CardContext | None, fetcher: Fetcher | None = None) -> None:
    global _CONTEXT, _FETCHER
    _CONTEXT, _FETCHER = context, fetcher


def _fetcher() -> Fetcher | None:
    return _FETCHER  # None: read_article makes one when an entry is a URL


def _card_key(extracted: _Extracted, context: _CardContext) -> str | None:
    if context.cache is None or extracted.key is None:
        return None
    full_names = sorted((n, context.names.canonical(n)) for n in extracted.names)
    return make_key("cards", extracted.key, context.salt, full_names)


def _card_probes(
    items: Sequence[_Extracted], recall: Recall | None = None, names: tuple[str, ...] = ()
) -> Iterator[Any]:
    """For each article, a finished result (failed article, or cards in the cache or the
    package), else the work for a worker; the cache is read a chunk at a time. ``recall``
    gives the card keys and pool uses of articles known from the last build (while the
    list's ``names`` are the same), and takes every article's (``Recall.cards``)."""
    context = _CONTEXT
    assert context is not None
    cache = context.cache
    for start in range(0, len(items), PROBE_CHUNK):
        chunk = items[start : start + PROBE_CHUNK]
        keys: list[str | None] = []
        known: dict[str, PoolUse] = {}
        unchanged: dict[str, PoolUse] = {}
        notes_before: dict[str, str] = {}
        for place, x in enumerate(chunk, start):
            before = recall.recorded_cards(place, names) if recall is not None else None
            if not x.result.ok:
                keys.append(None)
            elif before is not None:
                card_key, use, notes = before
                notes_before[card_key] = notes
                keys.append(card_key)
                if recall is not None and recall.reads_unchanged(use):
                    unchanged[card_key] = use
                else:
                    known[card_key] = use
            else:
                keys.append(_card_key(x, context))
        valid = _valid_uses(
            [k for k in keys if k is not None and k not in unchanged], context, known
        )
        valid.update(unchanged)
        # The package's notes are found by what made them: the card key and what the cards
        # read of the pool (another build may have stored other reads under the key since).
        # Valid cards known from the state read what they read then: the same notes key.
        notes_keys = {k: notes_before.get(k) or notes_cache_key(k, use) for k, use in valid.items()}
        if recall is not None:
            for place, key in enumerate(keys, start):
                if key is not None and key in valid:
                    recall.cards[place] = (key, valid[key], notes_keys[key])
                elif key is not None:
                    recall.remade[place] = key  # recorded once made (``Recall.made``)
        kept = {k for k, n in notes_keys.items() if context.reuse is not None and context.reuse(n)}
        cached = cache.get_many(sorted(notes_keys.keys() - kept)) if cache is not None else {}
        for extracted, key in zip(chunk, keys, strict=True):
            entry = extracted.result.entry
            found = cached.get(key) if key is not None else None
            if not extracted.result.ok:
                yield extracted.result
            elif key in kept:
                yield ArticleResult(entry, notes_key=notes_keys[key], in_package=True)
            elif (
                key is not None
                and isinstance(found, tuple)
                and len(found) == 2
                and isinstance(found[1], ArticleResult)
                and found[0] == valid[key]  # made with what was checked (not since replaced)
            ):
                yield replace(found[1], entry=entry, notes_key=notes_cache_key(key, found[0]))
            else:
                yield _CardWork(extracted, key)


def _valid_uses(
    keys: list[str], context: _CardContext, known: dict[str, PoolUse] | None = None
) -> dict[str, PoolUse]:
    """The card keys whose cached cards read what they would read of this build's pool,
    with what they read (``pool_use``; from ``known``, else the cache). Most read rings
    that did not change: their readings are loaded only when one did."""
    if context.cache is None or not keys:
        return {}
    known = known or {}
    asked = [k for k in keys if k not in known]
    stored = context.cache.get_many([k + "-pool" for k in asked]) if asked else {}
    uses = {k: known[k] if k in known else stored.get(k + "-pool") for k in keys}
    valid, recheck = {}, []
    for key in keys:
        use = uses[key]
        if use is None:
            continue
        if still_read(context.pool, use):
            valid[key] = use
        else:
            recheck.append(key)
    reads = context.cache.get_many([k + "-reads" for k in recheck]) if recheck else {}
    for key in recheck:
        use = uses[key]
        if use is not None and still_read(context.pool, use, reads.get(key + "-reads")):
            valid[key] = use
    return valid


class _CardWork(NamedTuple):
    extracted: _Extracted
    key: str | None


class _Made(NamedTuple):
    """An article's cards as pass 2 made them: ``blob`` is what the cache stores, the
    pickle of (``pool_use``, the result); a worker sends only the blob. The ``pool_use``
    is also stored alone (``-pool``), and the readings (``-reads``), to be checked without
    loading the notes."""

    result: ArticleResult | None
    key: str | None = None
    blob: bytes | None = None
    use: PoolUse = ((), b"")
    reads: tuple[PoolRead, ...] = ()

    @property
    def writes(self) -> list[tuple[str, bytes]]:
        if self.key is None or self.blob is None:
            return []
        return [
            (self.key, self.blob),
            (self.key + "-pool", dumps(self.use)),
            (self.key + "-reads", dumps(self.reads)),
        ]

    def loaded(self) -> tuple[PoolUse, ArticleResult]:
        """What the cards read of the pool, and the result."""
        if self.result is not None:
            return self.use, self.result
        assert self.blob is not None
        use, result = pickle.loads(self.blob)
        return use, result


def _remote_batch(
    fn: Callable[[Any], Any], works: list[Any], cache: ArticleCache | None
) -> list[Any]:
    """``fn`` over a batch of works in a worker, which stores what they give the cache in
    one transaction (the build's process then has only the results to handle); a made
    article's result is sent as its pickle alone."""
    done: list[Any] = []
    writes: list[tuple[str, bytes]] = []
    for work in works:
        item = fn(work)
        if isinstance(item, _Extracted) and item.writes:
            writes.extend(item.writes)
            item = item._replace(writes=())
        elif isinstance(item, _Made) and item.blob is not None:
            writes.extend(item.writes)
            item = _Made(None, blob=item.blob)
        done.append(item)
    if cache is not None:
        cache.put_many(writes)
    return done


def _cards_one(work: _CardWork) -> _Made:
    context = _CONTEXT
    assert context is not None
    extracted, key = work.extracted, work.key
    result = extracted.result
    if context.cache is not None and extracted.key is not None:
        stored = context.cache.get(extracted.key)
        if not isinstance(stored, ArticleResult):  # removed between the passes: extract again
            stored = _extract_again(result.entry, context.options)
        result = replace(stored, entry=result.entry)
    result = replace(result, facts=tuple(canonicalise(result.facts, context.names)))
    reads: list[PoolRead] = []
    result = _with_cards(result, context.options, context.pool, reads)
    use = pool_use(context.pool, reads)
    if context.with_notes and result.ok:
        from quizgen.anki import note_rows

        options = context.options
        # As plain tuples: they are pickled to the build's process and to the cache.
        notes = tuple(n[:] for n in note_rows(result.cards, options.furigana, options.names))
        # The package needs the notes only: the rest stays in the worker.
        notes_key = notes_cache_key(key, use) if key is not None else None
        result = ArticleResult(result.entry, notes=notes, notes_key=notes_key)
    if key is not None and context.cache is not None:
        return _Made(result, key, dumps((use, result)), use, tuple(reads))
    return _Made(result)


def _with_cards(
    result: ArticleResult,
    options: Options,
    pool: Sequence[Fact],
    reads: list[PoolRead] | None = None,
) -> ArticleResult:
    if not result.ok or result.article is None:
        return result
    cards = make_cards(result.article, result.facts, options, pool, result.questions, reads)
    if not cards:
        error = NothingToLearnError(
            result.entry.label, "no card could be made from its facts", "check the article's text"
        )
        return replace(result, error=error)
    return replace(result, cards=tuple(cards))


# --- the whole list -----------------------------------------------------------------------

Progress = Callable[[str, int, int, int], None]  # stage, done, total, cards so far


def iter_results(
    reading_list: ReadingList,
    options: Options | None = None,
    strict: bool = False,
    fetcher: Fetcher | None = None,
    with_cards: bool = True,
    jobs: int = 1,
    cache: ArticleCache | None = None,
    progress: Progress | None = None,
    with_notes: bool = False,
    reuse: Callable[[str], bool] | None = None,
) -> Iterator[ArticleResult]:
    """Each article's result, in list order, streamed: nothing holds every article at once
    when a ``cache`` keeps the facts between the two passes.

    Pass 1 reads and extracts every article (``jobs`` processes; cached by content, options
    and code version). The distractor pool and the list's full names come from it. Pass 2
    makes each article's cards (cached by the extraction, the options and the pool).
    ``strict`` stops at the first article that fails. ``with_notes`` also gives each
    result its Anki note rows (``anki.note_rows``), made in the workers and cached;
    ``reuse(key)`` says which notes the package being written already holds (those results
    come with ``notes_key`` and no notes). With a ``cache``, what the list's last build
    knew (``Recall``) stands in for the lookups of the articles whose entry and file did
    not change.
    """
    options = options or reading_list.options
    entries = reading_list.articles
    total = len(entries)
    with _tidied(cache), _fewer_collections(), _Workers(jobs, fetcher, cache) as workers:
        writer = CacheWriter(cache)
        extract = partial(_extract_pending, options=options, cache=cache, questions=with_cards)
        recall = None
        if cache is not None:
            state_key = list_state_key(reading_list, options, with_notes) if with_cards else None
            recall = Recall(entries, cache, state_key)

        def first_pass(
            report: Progress | None,
        ) -> tuple[list[_Extracted], PoolBuilder, set[str], set[tuple[str, str]]]:
            extracted: list[_Extracted] = []
            raw_pool = recall.pool() if recall is not None else PoolBuilder()
            names: set[str] = set()  # a frozenset grown by | is copied each time: quadratic
            fresh: set[tuple[str, str]] = set()  # answers of articles the state did not know
            probed = _probes(entries, options, cache, recall)
            for item in workers.map(extract, probed, total, done_type=_Extracted):
                raw_pool.add_ranked(item.pool)
                fresh.update((group, answer) for group, _, (_, answer, *_) in item.pool)
                names.update(item.names)
                writer.add(item.writes)
                extracted.append(item._replace(pool=(), writes=()))
                if report is not None:
                    report("read", len(extracted), total, 0)
                if strict and not item.result.ok:
                    break
            writer.flush()  # pass 2 (and its workers) read these
            return extracted, raw_pool, names, fresh

        extracted, raw_pool, names, fresh = first_pass(progress)
        if recall is not None and not recall.pool_holds(fresh):
            # An answer left the pool: it is made from every summary. Every article is in
            # the cache by now (lookups, no work): the progress shown stays where it is.
            recall.forget()
            extracted, raw_pool, names, fresh = first_pass(None)
        if recall is not None:
            recall.settle(raw_pool)
            recall.touch()
        for item in extracted:
            if item.undated:
                log.warning(
                    "%s: no published date; relative dates (今年, 10日) were not resolved — add published:",
                    item.result.entry.label,
                )
        workers.freeze()  # what pass 1 keeps lives until the end: out of the collector's way
        index = NameIndex(names)
        if not with_cards:
            for item in extracted:
                result = item.result
                if result.ok and cache is not None and item.key is not None:
                    stored = cache.get(item.key) or _extract_again(result.entry, options)
                    result = replace(stored, entry=result.entry)
                if result.ok:
                    result = replace(result, facts=tuple(canonicalise(result.facts, index)))
                yield result
            return
        # The first distinct answers of the list, then one name per person.
        pool = tuple(raw_pool.with_full_names(index).pool)
        context = _CardContext(options, pool, index, cache, with_notes, reuse)
        list_names = tuple(sorted(names))
        made = 0
        results = workers.map(
            _cards_one,
            _card_probes(extracted, recall, list_names),
            len(extracted),
            context=context,
            done_type=ArticleResult,
        )
        try:
            for done, item in enumerate(results, 1):
                if isinstance(item, _Made):
                    use, result = item.loaded()
                    writer.add(item.writes)
                    if recall is not None:
                        recall.made(done - 1, use, result.notes_key)
                else:
                    result = item
                made += len(result.cards)
                if progress is not None:
                    progress("cards", done, len(extracted), made)
                yield result
            if recall is not None and len(extracted) == total:
                recall.save(extracted, raw_pool, list_names, writer)
        finally:
            writer.flush()  # what was made is kept, even when the build stops early


@contextlib.contextmanager
def _tidied(cache: ArticleCache | None) -> Iterator[None]:
    """At the end of a build, the cache back under its limit (``ArticleCache.prune``) and
    its connection closed (after the workers': the log is then moved into the database)."""
    try:
        yield
    finally:
        if cache is not None:
            cache.prune()
            cache.close()


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """A build makes millions of small objects (tokens, spans, facts) that live briefly
    and form no cycles: with Python's default thresholds (a collection every 700 new
    objects, full ones as the heap grows), the collector took 5–8% of a 1,000-article
    build walking them. Here it collects every 50,000, a full collection a hundredth as
    often."""
    thresholds = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def process(
    reading_list: ReadingList,
    options: Options | None = None,
    strict: bool = False,
    fetcher: Fetcher | None = None,
    with_cards: bool = True,
    jobs: int = 1,
    cache: ArticleCache | None = None,
    progress: Progress | None = None,
) -> BuildResult:
    """Run the pipeline over a reading list and keep every result (see ``iter_results``)."""
    results = iter_results(
        reading_list, options, strict, fetcher, with_cards, jobs, cache, progress
    )
    return BuildResult(reading_list, tuple(results))


class _Workers:
    """An order-keeping map over articles: in this process (jobs=1) or in worker processes,
    with a bounded window of tasks in flight so results never pile up in memory."""

    def __init__(
        self, jobs: int, fetcher: Fetcher | None, cache: ArticleCache | None = None
    ) -> None:
        self.jobs = max(1, jobs)
        self.fetcher = fetcher
        self.cache = cache
        self._executor: Any = None
        self._frozen = False
        self._restarted = False  # workers started again after one died (once per build)

    def __enter__(self) -> _Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
        if self._frozen:
            gc.unfreeze()
        _set_context(None)

    def freeze(self) -> None:
        """Move every object alive now out of the collector's reach until the end."""
        gc.freeze()
        self._frozen = True

    def map(
        self,
        fn: Callable[[Any], Any],
        items: Iterable[Any],
        count: int,
        context: _CardContext | None = None,
        done_type: type | None = None,
    ) -> Iterator[Any]:
        """``fn`` over ``count`` ``items`` in order; an item of ``done_type`` is its own
        result (a cache hit costs no worker)."""
        _set_context(context, self.fetcher)

        if self.jobs == 1 or count < 2 * self.jobs:
            for work in items:
                yield work if done_type is not None and isinstance(work, done_type) else fn(work)
            return
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        # Works go to the workers in batches (fewer messages for this process to handle)
        # and the workers start only once there is work for them: a rebuild that finds all
        # but a few articles in the cache does those few here, without starting a process.
        # Up to BATCH works per message, fewer for a short list (each worker gets four or
        # more messages, so none waits long for the last one's).
        batch = max(1, min(BATCH, count // (4 * self.jobs)))
        window = 16 * self.jobs * batch  # results and works in flight
        pending: deque[Any] = deque()  # results, or _Slot for works
        unsent: list[_Slot] = []

        def send(slots: list[_Slot]) -> None:
            # The works stay with their slots until resolved: sent again if a worker dies.
            future = self._executor.submit(_remote_batch, fn, [s.work for s in slots], self.cache)
            for index, slot in enumerate(slots):
                slot.future, slot.index = future, index

        def send_unsent() -> None:
            send(unsent)
            unsent.clear()

        def resolve(head: _Slot) -> Any:
            if head.future is None and self._executor is None:
                unsent.remove(head)
                return fn(head.work)
            if head.future is None:
                send_unsent()
            while True:
                try:
                    return head.future.result()[head.index]
                except Exception as exc:
                    from concurrent.futures.process import BrokenProcessPool  # with the workers

                    if not isinstance(exc, BrokenProcessPool):
                        raise
                    restart(head)

        def restart(head: _Slot) -> None:
            """A worker was killed (out of memory?) or crashed: once, the works in flight go
            to new workers; the second time, the build stops and says which articles."""
            in_flight = [
                slot
                for slot in (head, *pending)
                if isinstance(slot, _Slot) and slot.future is not None and not _done(slot)
            ]
            if self._restarted:
                raise _worker_error(head.future, in_flight) from None
            self._restarted = True
            log.warning("a worker process stopped; its articles are sent to a new one")
            self._executor.shutdown(wait=True)
            self._start()
            for start in range(0, len(in_flight), batch):
                send(in_flight[start : start + batch])

        for work in items:
            if done_type is not None and isinstance(work, done_type):
                pending.append(work)
            else:
                slot = _Slot(work)
                pending.append(slot)
                unsent.append(slot)
                if self._executor is None and len(unsent) >= START_WORKERS_AT:
                    self._start()
                if self._executor is not None and len(unsent) >= batch:
                    send_unsent()
            while pending and (len(pending) >= window or not isinstance(pending[0], _Slot)):
                head = pending.popleft()
                yield resolve(head) if isinstance(head, _Slot) else head
        if unsent and self._executor is not None:
            send_unsent()
        while pending:
            head = pending.popleft()
            yield resolve(head) if isinstance(head, _Slot) else head

    def _start(self) -> Any:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # Forked workers inherit the context (pool, names, options) without pickling it.
        # gc.freeze: their garbage collector then leaves the parent's objects alone instead
        # of walking (and so copying) every one of them at each full collection.
        self.freeze()
        self._executor = ProcessPoolExecutor(
            self.jobs, mp_context=multiprocessing.get_context("fork")
        )
        return self._executor


# Works per message to a worker: 16 rather than 4 took 15% off the build process's time
# (fewer messages to pickle and futures to handle) and wrote the cache in fewer transactions.
BATCH = 16
# Starting workers costs more than a few works: fewer than this many waiting are done here.
START_WORKERS_AT = 16


class _Slot:
    """A work's place in the output order: waiting here, or sent (``future``, ``index``;
    the work is kept until its result is in, to be sent again if its worker dies)."""

    __slots__ = ("future", "index", "work")

    def __init__(self, work: Any) -> None:
        self.work: Any = work
        self.future: Any = None
        self.index = 0


def _worker_error(future: Any, slots: list[_Slot]) -> WorkerError:
    """The error of a build whose workers died twice, naming the articles they had."""
    labels = [_label(slot.work) for slot in slots if slot.future is future]
    more = f" and {len(labels) - 1} more" if len(labels) > 1 else ""
    return WorkerError(
        labels[0] + more if labels else "",
        "a worker process stopped twice while processing this (killed, or out of memory);"
        " nothing was written",
        "free some memory and run again (what was done is cached), or use --jobs 1",
    )


def _done(slot: _Slot) -> bool:
    """Whether a sent work's result came back (before its worker died, for instance)."""
    future = slot.future
    return bool(future.done() and not future.cancelled() and future.exception() is None)


def _label(work: Any) -> str:
    if isinstance(work, _Pending):
        return work.entry.label
    if isinstance(work, _CardWork):
        return work.extracted.result.entry.label
    return ""
