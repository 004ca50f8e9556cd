"""The command line: a thin layer over the library (``quizgen.pipeline``).

Each command builds one ``Options`` in one place (reading-list options, then flags on top),
calls the library, and prints. Known errors (``QuizgenError``) become one line on stderr:
``Error: <file>[: <entry>]: <what is wrong> — <what to do>``.
Exit codes: 0 all good; 1 some articles failed (the others were still built); 2 bad usage or
an unusable reading list.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from quizgen import GC_THRESHOLDS, __version__

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2


class _ClickHandler(logging.Handler):
    """Library warnings go to stderr as ``Warning: …`` lines."""

    def emit(self, record: logging.LogRecord) -> None:
        label = "Warning" if record.levelno >= logging.WARNING else "Info"
        click.echo(f"{label}: {record.getMessage()}", err=True)


def _setup_logging(quiet: bool) -> None:
    logger = logging.getLogger("quizgen")
    logger.handlers[:] = [_ClickHandler()]
    logger.setLevel(logging.ERROR if quiet else logging.WARNING)
    logger.propagate = False


def _fail(message: str, code: int = EXIT_USAGE) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


_SETTINGS: dict[str, Any] = {"jobs": 0, "no_cache": False}


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """--jobs and --no-cache apply to every command: kept here, not in each signature."""
    if param.name:
        _SETTINGS[param.name] = value
    return value


def _jobs() -> int:
    import os

    return _SETTINGS["jobs"] or os.cpu_count() or 1


def _cache() -> Any:
    """The user's article cache; None with --no-cache (articles then stay in memory), and
    when its directory cannot be written (said once)."""
    from quizgen.cache import ArticleCache, unwritable

    if _SETTINGS["no_cache"]:
        return None
    cache = ArticleCache()
    problem = unwritable(cache.root)
    if problem is not None:
        _SETTINGS["no_cache"] = True
        logging.getLogger("quizgen").warning(
            "%s: the cache cannot be used (%s): working without it, as with --no-cache"
            " — set QUIZGEN_CACHE_DIR to a writable directory",
            cache.root,
            problem,
        )
        return None
    return cache


class _Progress:
    """A one-line progress bar on stderr (articles done, cards made, time left), shown only
    on a terminal, without --quiet, for lists of more than a few articles."""

    def __init__(self, quiet: bool) -> None:
        self.enabled = not quiet and sys.stderr.isatty()
        self.start = time.monotonic()
        self.shown = False

    def __call__(self, stage: str, done: int, total: int, cards: int) -> None:
        if not self.enabled or total <= 5:
            return
        elapsed = time.monotonic() - self.start
        # reading is about a third of the work, cards and the package the rest
        fraction = done / total / 3 if stage == "read" else 1 / 3 + 2 * done / total / 3
        left = elapsed / fraction - elapsed if fraction > 0.02 else 0
        width = 24
        bar = "#" * int(width * fraction) + "-" * (width - int(width * fraction))
        line = f"[{bar}] {stage} {done}/{total} articles, {cards} cards, {int(left) // 60}:{int(left) % 60:02d} left"
        click.echo("\r" + line, nl=False, err=True)
        self.shown = True

    def finish(self) -> None:
        if self.shown:
            click.echo("\r\033[K", nl=False, err=True)


def source_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by every command that reads articles."""
    decorators = [
        click.argument("sources", nargs=-1, required=True),
        click.option(
            "--cards",
            "card_types",
            default=None,
            help="Card types, comma-separated: cloze,question,choice.",
        ),
        click.option(
            "--max-facts",
            type=click.IntRange(min=1),
            default=None,
            help="Facts per article that become cards (default 15).",
        ),
        click.option(
            "--furigana/--no-furigana",
            default=None,
            help="Add readings over kanji (Anki's 漢字[かんじ] form; ruby on quiz sheets).",
        ),
        click.option("--strict", is_flag=True, help="Stop at the first article that fails."),
        click.option("--quiet", "-q", is_flag=True, help="No warnings or progress."),
        click.option(
            "--jobs",
            "-j",
            type=click.IntRange(min=0),
            default=0,
            expose_value=False,
            callback=_remember,
            help="Worker processes (default 0: one per core; 1: no workers).",
        ),
        click.option(
            "--no-cache",
            is_flag=True,
            expose_value=False,
            callback=_remember,
            help="Do not read or write the article cache (articles stay in memory).",
        ),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def _load(
    sources: tuple[str, ...], card_types: str | None, max_facts: int | None, furigana: bool | None
):
    """The reading list and the one ``Options`` object for this run."""
    from quizgen.errors import QuizgenError
    from quizgen.model import CARD_TYPES
    from quizgen.pipeline import resolve_sources

    try:
        reading_list = resolve_sources(list(sources), _cache())
    except QuizgenError as exc:
        _fail(exc.message)
    options = reading_list.options
    if card_types is not None:
        wanted = tuple(t.strip() for t in card_types.split(",") if t.strip())
        unknown = [t for t in wanted if t not in CARD_TYPES]
        if unknown or not wanted:
            _fail(
                f"--cards: unknown card type {', '.join(unknown) or '(none)'} — choose from {', '.join(CARD_TYPES)}"
            )
        options = replace(options, card_types=tuple(t for t in CARD_TYPES if t in wanted))
    if max_facts is not None:
        options = replace(options, max_facts=max_facts)
    if furigana is not None:
        options = replace(options, furigana=furigana)
    return reading_list, options


def _run(reading_list, options, strict: bool, with_cards: bool = True, quiet: bool = True):
    from quizgen.errors import WorkerError
    from quizgen.pipeline import process

    progress = _Progress(quiet)
    try:
        return process(
            reading_list, options, strict=strict, with_cards=with_cards, jobs=_jobs(),
            cache=_cache(), progress=progress,
        )  # fmt: skip
    except WorkerError as exc:
        _fail(exc.message, EXIT_SOME_FAILED)
    except KeyboardInterrupt:
        _fail("interrupted — nothing was written", 130)
    finally:
        progress.finish()


def _report_failures(result) -> int:
    failures = result.failures
    for failure in failures:
        message = getattr(failure.error, "message", str(failure.error))
        click.echo(f"Error: {message}", err=True)
    if failures:
        ok = len(result.results) - len(failures)
        click.echo(
            f"{len(failures)} of {len(result.results)} articles failed; {ok} built.", err=True
        )
        return EXIT_SOME_FAILED
    return EXIT_OK


def run() -> None:
    """The ``quizgen`` program: ``main`` in a process that ends when it returns.

    Such a process need not collect garbage as often as Python does by default (every
    700 new objects; importing the pipeline alone makes tens of thousands) nor walk every
    object still alive as it exits: the collector runs every 50,000 new objects. The
    collector took about 4% of the instructions of a rebuild after a small edit.

    When the command is done, the process ends at once (``os._exit``) after flushing its
    output: Python's own ending (freeing every module and object one by one) took 16 ms,
    3% of such a rebuild. Nothing is left for it to do: the build closes its files,
    database connections, worker processes and threads itself, and removes its temporary
    files. An exception other than the command's exit still ends the Python way."""
    import gc
    import os

    gc.set_threshold(*GC_THRESHOLDS)
    try:
        main()
    except SystemExit as done:
        code = done.code
    else:  # click's standalone mode always ends with SystemExit
        code = 0
    if not isinstance(code, int):
        if code is not None:
            click.echo(code, err=True)  # as Python does for sys.exit("message")
        code = 0 if code is None else 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nobody to tell
            pass
    os._exit(code)


def _dump(data: dict[str, Any]) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="quizgen")
def main() -> None:
    """Turn a reading list of Japanese news articles into Anki decks and quizzes.

    SOURCES are reading lists (decks/*.yaml) or article files (.txt, .html) or URLs.
    """


@main.command()
@source_options
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="The .apkg to write (default: <deck>.apkg).",
)
def build(sources, card_types, max_facts, furigana, strict, quiet, output) -> None:
    """Build an Anki package (.apkg) from SOURCES."""
    from quizgen.anki import PackageBase, PackageWriter
    from quizgen.errors import QuizgenError, WorkerError
    from quizgen.output import check_output
    from quizgen.pipeline import BuildResult, iter_results

    _setup_logging(quiet)
    reading_list, options = _load(sources, card_types, max_facts, furigana)
    out = Path(output) if output else Path(_default_name(reading_list.deck) + ".apkg")
    try:
        check_output(out)
    except QuizgenError as exc:
        _fail(exc.message)
    progress = _Progress(quiet)
    # Articles stream from the pipeline into the package: only failures are kept.
    outcomes, cards = [], 0
    cache = _cache()
    base = None
    if cache is not None:
        from quizgen.cache import make_key

        key = make_key("package", str(out.resolve()), reading_list.deck, reading_list.description)
        base = PackageBase(cache.root, key)
    try:
        with PackageWriter(
            reading_list.deck, out, reading_list.description, options.furigana, options.names,
            base=base,
        ) as package:  # fmt: skip
            for result in iter_results(
                reading_list, options, strict=strict, jobs=_jobs(), cache=cache,
                progress=progress, with_notes=True, reuse=package.has,
            ):  # fmt: skip
                if result.ok and result.in_package and result.notes_key is not None:
                    cards += package.keep(result.notes_key)  # in the previous package
                elif result.ok:
                    package.add_rows(result.notes, result.notes_key)
                    cards += sum(len(ords) for *_, ords in result.notes)
                if result.ok and (result.facts or result.cards or result.notes):
                    result = replace(result, facts=(), cards=(), notes=())
                outcomes.append(result)
            code = _report_failures(BuildResult(reading_list, tuple(outcomes)))
            if strict and code:
                raise _Stop("stopped at the first failed article (--strict) — nothing was written")
            if not cards:
                raise _Stop("no cards were made — nothing was written")
    except _Stop as stop:
        progress.finish()
        _fail(str(stop), EXIT_SOME_FAILED)
    except WorkerError as exc:
        progress.finish()
        _fail(exc.message, EXIT_SOME_FAILED)
    except QuizgenError as exc:
        progress.finish()
        _fail(exc.message)
    except KeyboardInterrupt:
        progress.finish()
        _fail("interrupted — the previous output is untouched", 130)
    progress.finish()
    built = sum(1 for r in outcomes if r.ok)
    if not quiet:
        click.echo(
            f"Wrote {out}: {package.notes} notes, {cards} cards from {built} articles (deck {reading_list.deck})."
        )
    sys.exit(code)


class _Stop(Exception):
    """Stop a build without writing (the message says why)."""


def _default_name(deck: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in deck.split("::")[-1]) or "deck"


@main.command()
@source_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def facts(sources, card_types, max_facts, furigana, strict, quiet, as_json) -> None:
    """List the key facts found in SOURCES."""
    from quizgen.dates import iso_published
    from quizgen.jsonout import error_json, fact_json

    _setup_logging(quiet or as_json)
    reading_list, options = _load(sources, card_types, max_facts, furigana)
    result = _run(reading_list, options, strict, with_cards=False)
    if as_json:
        _dump({
            "articles": [
                {"source": r.entry.label, "title": r.article.title, "published": iso_published(r.article.published),
                 "facts": [fact_json(f) for f in r.facts]}
                for r in result.results if r.ok and r.article is not None
            ],
            "errors": [error_json(r) for r in result.failures],
        })  # fmt: skip
    else:
        for r in result.results:
            if not r.ok or r.article is None:
                continue
            click.echo(f"# {r.article.title} ({r.entry.label})")
            for f in sorted(r.facts, key=lambda f: (f.rank, f.sentence.index, f.start)):
                value = f" = {f.value}" if f.value is not None else ""
                role = f" ({f.role})" if f.role else ""
                click.echo(f"  {f.rank:>3}  {f.kind:<12} {f.text}{value}{role}")
    sys.exit(_report_failures(result))


@main.command()
@source_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def cards(sources, card_types, max_facts, furigana, strict, quiet, as_json) -> None:
    """Show the cards SOURCES would give."""
    from quizgen.jsonout import card_json, error_json

    _setup_logging(quiet or as_json)
    reading_list, options = _load(sources, card_types, max_facts, furigana)
    result = _run(reading_list, options, strict)
    if as_json:
        _dump(
            {
                "cards": [card_json(c) for c in result.cards],
                "errors": [error_json(r) for r in result.failures],
            }
        )
    else:
        for card in result.cards:
            click.echo(f"[{card.type}] {card.front}")
            if card.choices:
                for i, choice in enumerate(card.choices, 1):
                    click.echo(f"    {i}. {choice}")
            click.echo(f"    → {card.answer}")
    sys.exit(_report_failures(result))


@main.command()
@source_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "pdf", "moodle", "gift", "kahoot", "quizlet", "csv"]),
    default=None,
    help="Output format (default: from the -o file name, else html).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="The file to write (default: <deck>-quiz.<ext>).",
)
@click.option(
    "-n", "count", type=click.IntRange(min=1), default=20, show_default=True, help="Questions."
)
@click.option(
    "--types",
    default="cloze,question,choice",
    show_default=True,
    help="Question types to draw from, comma-separated.",
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed for selection and order."
)
@click.option(
    "--variants",
    type=click.IntRange(min=1, max=26),
    default=1,
    show_default=True,
    help="Versions with questions and options shuffled.",
)
@click.option("--title", default=None, help="Title of the quiz (default: the deck name).")
def quiz(
    sources, card_types, max_facts, furigana, strict, quiet, fmt, output, count, types, seed,
    variants, title,
) -> None:  # fmt: skip
    """Write a classroom quiz from SOURCES: a printable sheet or a platform's import file."""
    from quizgen.errors import QuizgenError
    from quizgen.export import FORMATS, format_for, output_paths, write_quiz
    from quizgen.output import check_output
    from quizgen.quiz import QUIZ_TYPES, make_quiz

    _setup_logging(quiet)
    wanted = tuple(t.strip() for t in types.split(",") if t.strip())
    unknown = [t for t in wanted if t not in QUIZ_TYPES]
    if unknown or not wanted:
        _fail(
            f"--types: unknown type {', '.join(unknown) or '(none)'} — choose from {', '.join(QUIZ_TYPES)}"
        )
    if fmt is None:
        fmt = (format_for(Path(output)) if output else None) or "html"
    reading_list, options = _load(sources, card_types, max_facts, furigana)
    if "choice" in wanted and "choice" not in options.card_types:
        options = replace(options, card_types=(*options.card_types, "choice"))
    out = (
        Path(output)
        if output
        else Path(_default_name(reading_list.deck) + "-quiz" + FORMATS[fmt][1])
    )
    result = _run(reading_list, options, strict)
    code = _report_failures(result)
    if strict and code:
        _fail(
            "stopped at the first failed article (--strict) — nothing was written", EXIT_SOME_FAILED
        )
    made = make_quiz(
        title or reading_list.deck.replace("::", " "), reading_list.deck, result.cards, count,
        wanted, seed, variants, options.furigana, options.names,
    )  # fmt: skip
    if not made.variants or not made.variants[0].items:
        _fail("no questions could be made — nothing was written", EXIT_SOME_FAILED)
    try:
        for path in output_paths(made, fmt, out):
            check_output(path)
        written = write_quiz(made, fmt, out)
    except QuizgenError as exc:
        _fail(exc.message)
    except KeyboardInterrupt:
        _fail("interrupted — the previous output is untouched", 130)
    if not quiet:
        asked = len(made.variants[0].items)
        names = ", ".join(str(p) for p in written)
        click.echo(f"Wrote {names}: {asked} questions, {len(made.variants)} variant(s) ({fmt}).")
    sys.exit(code)


@main.command(name="eval")
@click.argument("gold", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option(
    "--min-recall",
    type=click.FloatRange(0, 1),
    default=None,
    help="Exit 1 when overall recall (facts or cards) is below this, e.g. 0.9.",
)
def eval_command(gold, as_json, min_recall) -> None:
    """Score fact extraction against a GOLD file (see README, Evaluation)."""
    from quizgen.errors import QuizgenError
    from quizgen.evaluate import evaluate, format_report, load_gold

    _setup_logging(True)
    try:
        articles = load_gold(gold)
    except QuizgenError as exc:
        _fail(exc.message)
    report = evaluate(articles)
    if as_json:
        _dump(report.as_json())
    else:
        click.echo(format_report(report))
    overall = report.overall
    low = min_recall is not None and min(overall.recall(), overall.card_recall()) < min_recall
    sys.exit(EXIT_SOME_FAILED if report.errors or low else EXIT_OK)


@main.command(name="clean")
@click.argument("sources", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--quiet", "-q", is_flag=True, help="No warnings.")
def clean_command(sources, as_json, quiet) -> None:
    """Print the article body quizgen reads from SOURCES (clutter removed)."""
    from quizgen.clean import clean
    from quizgen.errors import QuizgenError
    from quizgen.fetch import Fetcher
    from quizgen.jsonout import article_json
    from quizgen.load import read_article

    _setup_logging(quiet or as_json)
    reading_list, _ = _load(sources, None, None, None)
    articles, errors = [], []
    fetcher = Fetcher()
    for entry in reading_list.articles:
        try:
            articles.append(clean(read_article(entry, fetcher)))
        except QuizgenError as exc:
            errors.append({"source": entry.label, "message": exc.message})
    if as_json:
        _dump({"articles": [article_json(a) for a in articles], "errors": errors})
    else:
        for a in articles:
            click.echo(
                f"# {a.title}\n# {a.published or ''} {a.byline or ''} {a.url or ''}".rstrip()
            )
            click.echo(a.body + "\n")
    for e in errors:
        click.echo(f"Error: {e['message']}", err=True)
    sys.exit(EXIT_SOME_FAILED if errors else EXIT_OK)
