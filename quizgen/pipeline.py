"""The whole pipeline for a reading list: read → clean → facts → cards, per article.

One bad article does not lose the others: each article's outcome is an ``ArticleResult``
holding either its facts and cards or the error that stopped it.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from quizgen.cache import ArticleCache, make_key
from quizgen.cards import make_cards
from quizgen.clean import clean
from quizgen.errors import NothingToLearnError, QuizgenError, ReadingListError
from quizgen.facts import canonicalise, extract_facts, person_names
from quizgen.fetch import Fetcher
from quizgen.load import read_article
from quizgen.model import ArticleEntry, ArticleResult, Card, Fact, Options, RawArticle, ReadingList
from quizgen.readinglist import DEFAULT_DECK, entries_from_files, is_reading_list, load_reading_list

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


def resolve_sources(sources: Sequence[str]) -> ReadingList:
    """A reading list from the command line's sources: one or more lists, or article files.

    >>> resolve_sources(["decks/example.yaml"]).deck  # doctest: +SKIP
    '時事ニュース::サンプル'
    """
    if not sources:
        raise ReadingListError(
            "", "no sources given", "give a reading list (.yaml) or article files"
        )
    lists = [load_reading_list(s) for s in sources if is_reading_list(Path(s))]
    files = [s for s in sources if not is_reading_list(Path(s))]
    entries: list[ArticleEntry] = [e for rl in lists for e in rl.articles]
    entries.extend(entries_from_files(files))
    if not lists:
        return ReadingList(deck=DEFAULT_DECK, articles=tuple(entries))
    first = lists[0]
    return replace(
        first, articles=tuple(entries), warnings=tuple(w for rl in lists for w in rl.warnings)
    )


def read_and_extract(
    entry: ArticleEntry, options: Options, fetcher: Fetcher | None = None
) -> ArticleResult:
    """Read, clean and extract the facts of one article; errors become the result's ``error``."""
    try:
        return _extract(read_article(entry, fetcher), entry, options)
    except QuizgenError as exc:
        return ArticleResult(entry, error=exc)


def _extract(raw: RawArticle, entry: ArticleEntry, options: Options) -> ArticleResult:
    article = clean(raw)
    facts = extract_facts(article, options.names, options.max_facts)
    if not facts:
        raise NothingToLearnError(
            entry.label,
            "no facts found (no dates, names, places, numbers or terms)",
            "check that this is a news article",
        )
    return ArticleResult(entry, article, tuple(facts))


# --- one article in a worker (or in this process) ---------------------------------------

POOL_PER_KIND = 200


@dataclass(frozen=True)
class _Extracted:
    """What pass 1 tells the parent about one article (small: the facts stay in the cache)."""

    key: str | None
    result: ArticleResult  # without its article and facts when they are in the cache
    pool: tuple[Fact, ...]  # distinct (kind, answer) facts, for the list's distractor pool
    names: frozenset[str]
    undated: bool  # no published date: relative dates were not resolved


def _extract_one(entry: ArticleEntry, options: Options, cache: ArticleCache | None) -> _Extracted:
    try:
        raw = read_article(entry, _fetcher())
    except QuizgenError as exc:
        return _Extracted(None, ArticleResult(entry, error=exc), (), frozenset(), False)
    key = None
    result: ArticleResult | None = None
    if cache is not None:
        key = make_key("article", entry, options.names, raw.text, raw.is_html, raw.metadata)
        result = cache.get(key)
    if result is None:
        try:
            result = _extract(raw, entry, options)
        except QuizgenError as exc:
            result = ArticleResult(entry, error=exc)
        if cache is not None and key is not None:
            cache.put(key, result)
    result = replace(result, entry=entry)
    pool = tuple(distractor_pool([result.facts]))
    names = frozenset(person_names(result.facts))
    undated = result.ok and result.article is not None and result.article.published is None
    if cache is not None and result.ok:
        # The parent needs the summary, not the article: pass 2 reads it from the cache.
        result = replace(result, article=None, facts=())
    return _Extracted(key, result, pool, names, undated)


class PoolBuilder:
    """The reading list's distractor pool, built as articles arrive: the first
    ``POOL_PER_KIND`` distinct answers of each kind, in list order."""

    def __init__(self) -> None:
        self.seen: set[tuple[str, str]] = set()
        self.per_kind: dict[str, int] = {}
        self.pool: list[Fact] = []

    def add(self, facts: Iterable[Fact]) -> None:
        for fact in facts:
            key = (fact.kind, fact.answer)
            if key in self.seen or self.per_kind.get(fact.kind, 0) >= POOL_PER_KIND:
                continue
            self.seen.add(key)
            self.per_kind[fact.kind] = self.per_kind.get(fact.kind, 0) + 1
            self.pool.append(fact)


def distractor_pool(fact_lists: Iterable[Sequence[Fact]]) -> list[Fact]:
    """Facts of the whole reading list for distractors: distinct answers, bounded per kind."""
    builder = PoolBuilder()
    for facts in fact_lists:
        builder.add(facts)
    return builder.pool


@dataclass(frozen=True)
class _CardContext:
    """What every article's cards depend on besides the article: set once per worker."""

    options: Options
    pool: tuple[Fact, ...]
    names: frozenset[str]
    cache: ArticleCache | None
    digest: str  # of the pool and the names, for card cache keys


_CONTEXT: _CardContext | None = None
_FETCHER: Fetcher | None = None


def _set_context(context: _CardContext | None, fetcher: Fetcher | None = None) -> None:
    global _CONTEXT, _FETCHER
    _CONTEXT, _FETCHER = context, fetcher


def _fetcher() -> Fetcher:
    return _FETCHER if _FETCHER is not None else Fetcher()


def _cards_one(extracted: _Extracted) -> ArticleResult:
    context = _CONTEXT
    assert context is not None
    result = extracted.result
    if not result.ok:
        return result
    key = None
    if context.cache is not None and extracted.key is not None:
        key = make_key("cards", extracted.key, context.options, context.digest)
        cached = context.cache.get(key)
        if cached is not None:
            return replace(cached, entry=result.entry)
        stored = context.cache.get(extracted.key)
        if stored is None:  # removed between the passes: extract again
            stored = _extract_one(result.entry, context.options, None).result
        result = replace(stored, entry=result.entry)
    result = replace(result, facts=tuple(canonicalise(result.facts, set(context.names))))
    result = _with_cards(result, context.options, list(context.pool))
    if key is not None and context.cache is not None:
        context.cache.put(key, result)
    return result


def _with_cards(result: ArticleResult, options: Options, pool: list[Fact]) -> ArticleResult:
    if not result.ok or result.article is None:
        return result
    cards = make_cards(result.article, result.facts, options, pool)
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
) -> Iterator[ArticleResult]:
    """Each article's result, in list order, streamed: nothing holds every article at once
    when a ``cache`` keeps the facts between the two passes.

    Pass 1 reads and extracts every article (``jobs`` processes; cached by content, options
    and code version). The distractor pool and the list's full names come from it. Pass 2
    makes each article's cards (cached by the extraction, the options and the pool).
    ``strict`` stops at the first article that fails.
    """
    options = options or reading_list.options
    entries = reading_list.articles
    total = len(entries)
    with _Workers(jobs, fetcher) as workers:
        extracted: list[_Extracted] = []
        raw_pool = PoolBuilder()
        names: frozenset[str] = frozenset()
        for item in workers.map(partial(_extract_one, options=options, cache=cache), entries):
            raw_pool.add(item.pool)
            names |= item.names
            extracted.append(replace(item, pool=(), names=frozenset()))
            if item.undated:
                log.warning(
                    "%s: no published date; relative dates (今年, 10日) were not resolved — add published:",
                    item.result.entry.label,
                )
            if progress is not None:
                progress("read", len(extracted), total, 0)
            if strict and not item.result.ok:
                break
        if not with_cards:
            for item in extracted:
                result = item.result
                if result.ok and cache is not None and item.key is not None:
                    stored = cache.get(item.key) or _extract_one(result.entry, options, None).result
                    result = replace(stored, entry=result.entry)
                if result.ok:
                    result = replace(result, facts=tuple(canonicalise(result.facts, set(names))))
                yield result
            return
        # The first distinct answers of the list, then one name per person.
        pool = tuple(distractor_pool([canonicalise(raw_pool.pool, set(names))]))
        digest = make_key([(f.kind, f.answer, f.value, f.unit) for f in pool], sorted(names))
        context = _CardContext(options, pool, names, cache, digest)
        made = 0
        for done, result in enumerate(workers.map(_cards_one, extracted, context=context), 1):
            made += len(result.cards)
            if progress is not None:
                progress("cards", done, len(extracted), made)
            yield result


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

    def __init__(self, jobs: int, fetcher: Fetcher | None) -> None:
        self.jobs = max(1, jobs)
        self.fetcher = fetcher
        self._executor: Any = None
        self._context: _CardContext | None = None

    def __enter__(self) -> _Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
        _set_context(None)

    def map(
        self, fn: Callable[[Any], Any], items: Sequence[Any], context: _CardContext | None = None
    ) -> Iterator[Any]:
        if self.jobs == 1 or len(items) < 2 * self.jobs:
            _set_context(context, self.fetcher)
            yield from map(fn, items)
            return
        if self._executor is not None:
            self._executor.shutdown(wait=True)
        # Forked workers inherit the context (pool, names, options) without pickling it.
        _set_context(context, self.fetcher)
        self._executor = ProcessPoolExecutor(
            self.jobs, mp_context=multiprocessing.get_context("fork")
        )
        window = 8 * self.jobs
        pending: deque[Future[Any]] = deque()
        it = iter(items)
        for item in it:
            pending.append(self._executor.submit(fn, item))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
