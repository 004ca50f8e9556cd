"""The whole pipeline for a reading list: read → clean → facts → cards, per article.

One bad article does not lose the others: each article's outcome is an ``ArticleResult``
holding either its facts and cards or the error that stopped it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from quizgen.cards import make_cards
from quizgen.clean import clean
from quizgen.errors import NothingToLearnError, QuizgenError, ReadingListError
from quizgen.facts import canonical_across, extract_facts
from quizgen.fetch import Fetcher
from quizgen.load import read_article
from quizgen.model import ArticleEntry, ArticleResult, Card, Fact, Options, ReadingList
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
        article = clean(read_article(entry, fetcher))
        facts = extract_facts(article, options.names, options.max_facts)
        if not facts:
            raise NothingToLearnError(
                entry.label,
                "no facts found (no dates, names, places, numbers or terms)",
                "check that this is a news article",
            )
        if article.published is None:
            log.warning(
                "%s: no published date; relative dates (今年, 10日) were not resolved — add published:",
                entry.label,
            )
        return ArticleResult(entry, article, tuple(facts))
    except QuizgenError as exc:
        return ArticleResult(entry, error=exc)


def process(
    reading_list: ReadingList,
    options: Options | None = None,
    strict: bool = False,
    fetcher: Fetcher | None = None,
    with_cards: bool = True,
    progress: Callable[[ArticleResult], None] | None = None,
) -> BuildResult:
    """Run the pipeline over a reading list. ``strict`` stops at the first failed article."""
    options = options or reading_list.options
    fetcher = fetcher or Fetcher()
    results: list[ArticleResult] = []
    for entry in reading_list.articles:
        result = read_and_extract(entry, options, fetcher)
        results.append(result)
        if progress is not None:
            progress(result)
        if strict and not result.ok:
            break
    results = _canonical_names(results)
    if with_cards:
        pool = distractor_pool(results)
        results = [_with_cards(r, options, pool) for r in results]
    return BuildResult(reading_list, tuple(results))


POOL_PER_KIND = 200


def _canonical_names(results: list[ArticleResult]) -> list[ArticleResult]:
    """People named in full in one article and by surname in another get one name."""
    ok = [i for i, r in enumerate(results) if r.ok]
    mapped = canonical_across([results[i].facts for i in ok])
    out = list(results)
    for i, facts in zip(ok, mapped, strict=True):
        if list(facts) != list(results[i].facts):
            out[i] = replace(results[i], facts=tuple(facts))
    return out


def distractor_pool(results: Sequence[ArticleResult]) -> list[Fact]:
    """Facts of the whole reading list for distractors: distinct answers, bounded per kind."""
    seen: set[tuple[str, str]] = set()
    per_kind: dict[str, int] = {}
    pool: list[Fact] = []
    for result in results:
        for fact in result.facts:
            key = (fact.kind, fact.answer)
            if key in seen or per_kind.get(fact.kind, 0) >= POOL_PER_KIND:
                continue
            seen.add(key)
            per_kind[fact.kind] = per_kind.get(fact.kind, 0) + 1
            pool.append(fact)
    return pool


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
