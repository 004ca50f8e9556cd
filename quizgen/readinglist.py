"""Stage 0: reading lists (``decks/*.yaml``) and article files given directly.

A reading list is safe-loaded YAML::

    deck: 時事::2023年3月            # Anki deck name; :: makes subdecks
    description: 3月のニュース       # optional
    options:                          # optional
      cards: [cloze, question, choice]
      max_facts: 15                   # facts per article that become cards
      furigana: false
      names: [習近平, 岸田文雄]       # extra person names for the tokenizer
    articles:
      - path: articles/seed.txt       # relative to this file; or url:
        title: ...
        published: 2023-03-29         # date or date-time
        url: https://...
        tags: [china, russia]

``load_reading_list`` validates all of it and names the file, the entry and the key in
every error.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from quizgen.dates import parse_published
from quizgen.errors import ReadingListError
from quizgen.model import CARD_TYPES, ArticleEntry, Options, ReadingList

log = logging.getLogger(__name__)

LIST_KEYS = ("deck", "description", "articles", "options")
ARTICLE_KEYS = ("path", "url", "title", "published", "tags")
OPTION_KEYS = ("cards", "max_facts", "furigana", "names")
MAX_LIST_BYTES = 5 * 1024 * 1024
DEFAULT_DECK = "quizgen"
READING_LIST_SUFFIXES = (".yaml", ".yml")


class YAMLSyntaxError(ValueError):
    """Text that is not valid YAML: what is wrong (``problem``) and where (``line``, from 1)."""

    def __init__(self, problem: str, line: int | None) -> None:
        super().__init__(problem if line is None else f"{problem} (line {line})")
        self.problem, self.line = problem, line


@lru_cache(maxsize=1)
def _loader() -> Any:
    """SafeLoader that leaves timestamps as strings, so we can report bad dates ourselves;
    libyaml's C loader when PyYAML has it (about ten times faster on front matter).

    PyYAML is imported here, when a list or a front matter is parsed: its import (and the
    regular expressions it compiles) took a twentieth of a rebuild that parses neither
    (a list and articles the cache knows)."""
    import yaml

    base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader: Any = type("_Loader", (base,), {})
    loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return loader


def safe_load_yaml(text: str) -> Any:
    """``yaml.safe_load`` with dates kept as strings (parsed later with clear errors);
    ``YAMLSyntaxError`` when ``text`` is not YAML."""
    import yaml

    try:
        return yaml.load(text, Loader=_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise YAMLSyntaxError(problem, mark.line + 1 if mark is not None else None) from None


def is_reading_list(path: Path) -> bool:
    return path.suffix.lower() in READING_LIST_SUFFIXES


def _closest(key: str, known: tuple[str, ...]) -> str:
    import difflib  # only for a mistyped key

    match = difflib.get_close_matches(key, known, n=1, cutoff=0.5)
    return f" — did you mean '{match[0]}'?" if match else f" — known keys: {', '.join(known)}"


def _check_keys(
    data: dict[str, Any], known: tuple[str, ...], where: str, warnings: list[str]
) -> None:
    for key in data:
        if key not in known:
            warnings.append(f"{where}: unknown key '{key}' is ignored{_closest(str(key), known)}")


def _tags(value: Any, source: str, entry: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(t, str | int) for t in value):
        raise ReadingListError(
            source, "'tags' must be a list of words", "write tags: [china, diplomacy]", entry
        )
    return tuple(str(t) for t in value)


def _published(value: Any, source: str, entry: str) -> dt.date | dt.datetime | None:
    if value is None:
        return None
    try:
        return parse_published(value)
    except ValueError as exc:
        raise ReadingListError(
            source,
            f"'published' is not a valid date ({value!r}: {exc})",
            "write it as 2023-03-29 or 2023-03-29T11:20+09:00",
            entry,
        ) from None


def _options(data: Any, source: str, warnings: list[str]) -> Options:
    if data is None:
        return Options()
    if not isinstance(data, dict):
        raise ReadingListError(
            source, "'options' must be a mapping", "see README: options", "options"
        )
    _check_keys(data, OPTION_KEYS, f"{source}: options", warnings)
    cards = data.get("cards", list(CARD_TYPES))
    if isinstance(cards, str):
        cards = [cards]
    if not isinstance(cards, list) or not cards or any(c not in CARD_TYPES for c in cards):
        raise ReadingListError(
            source,
            f"'cards' must list some of {', '.join(CARD_TYPES)} (got {cards!r})",
            "write cards: [cloze, question]",
            "options",
        )
    max_facts = data.get("max_facts", Options().max_facts)
    if isinstance(max_facts, bool) or not isinstance(max_facts, int) or max_facts < 1:
        raise ReadingListError(
            source,
            f"'max_facts' must be a whole number ≥ 1 (got {max_facts!r})",
            "write max_facts: 15",
            "options",
        )
    furigana = data.get("furigana", False)
    if not isinstance(furigana, bool):
        raise ReadingListError(
            source,
            f"'furigana' must be true or false (got {furigana!r})",
            "write furigana: true",
            "options",
        )
    names = data.get("names", [])
    if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
        raise ReadingListError(
            source, "'names' must be a list of names", "write names: [習近平, 岸田文雄]", "options"
        )
    return Options(
        card_types=tuple(c for c in CARD_TYPES if c in cards),
        max_facts=max_facts,
        furigana=furigana,
        names=tuple(n.strip() for n in names),
    )


def _entry(item: Any, index: int, base: Path, source: str, warnings: list[str]) -> ArticleEntry:
    where = f"articles[{index}]"
    base_abs = os.path.abspath(base)
    if isinstance(item, str):
        item = (
            {"url": item}
            if "://" in item or item.startswith(("http:", "https:"))
            else {"path": item}
        )
    if not isinstance(item, dict):
        raise ReadingListError(
            source,
            f"{where} must be a mapping with 'path' or 'url'",
            "write - path: articles/x.txt",
            where,
        )
    _check_keys(item, ARTICLE_KEYS, f"{source}: {where}", warnings)
    path_value, url = item.get("path"), item.get("url")
    if path_value is None and url is None:
        raise ReadingListError(
            source, "the article has neither 'path' nor 'url'", "add one of them", where
        )
    for key in ("path", "url", "title"):
        if item.get(key) is not None and not isinstance(item[key], str):
            raise ReadingListError(
                source, f"'{key}' must be text (got {item[key]!r})", f"quote the {key}", where
            )
    title = item.get("title")
    published = _published(item.get("published"), source, where)
    tags = _tags(item.get("tags"), source, where)
    if path_value is not None:
        absolute = os.path.isabs(path_value)
        # normpath, not resolve(): no filesystem calls for each of thousands of entries
        path = Path(
            path_value if absolute else os.path.normpath(os.path.join(base_abs, path_value))
        )
        identity = url or Path(path_value).as_posix()
        label = path_value if absolute else os.path.join(str(base), path_value)
        return ArticleEntry(label, identity, path, url, title, published, tags, where)
    return ArticleEntry(str(url), str(url), None, str(url), title, published, tags, where)


def load_reading_list(path: str | Path, cache: Any = None) -> ReadingList:
    """Read and validate a reading list; with an ``ArticleCache``, a list read before (the
    same bytes at the same place) is not parsed again.

    >>> rl = load_reading_list("decks/example.yaml")  # doctest: +SKIP
    >>> rl.deck, len(rl.articles)
    ('時事ニュース::サンプル', 4)
    """
    path = Path(path)
    source = str(path)
    try:
        if path.is_dir():
            raise ReadingListError(
                source, "is a directory, not a reading list", "give a .yaml file"
            )
        if path.stat().st_size > MAX_LIST_BYTES:
            raise ReadingListError(
                source, "reading list is larger than 5 MB", "split it into several lists"
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ReadingListError(source, "no such file", "check the path") from None
    except PermissionError:
        raise ReadingListError(source, "permission denied", "make the file readable") from None
    key = None
    if cache is not None:
        from quizgen.cache import make_key

        key = make_key("reading list", source, str(path.resolve()), raw)
        known = cache.get(key)
        if isinstance(known, ReadingList):
            for warning in known.warnings:
                log.warning("%s", warning)
            return known
    reading_list = _parse(raw, path, source)
    if cache is not None and key is not None:
        cache.put(key, reading_list)
    return reading_list


def _parse(raw: bytes, path: Path, source: str) -> ReadingList:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ReadingListError(
            source, "is not UTF-8 text", "save the reading list as UTF-8"
        ) from None
    try:
        data = safe_load_yaml(text)
    except YAMLSyntaxError as exc:
        at = f" at line {exc.line}" if exc.line is not None else ""
        raise ReadingListError(
            source, f"broken YAML{at}: {exc.problem}", "fix the YAML syntax"
        ) from None
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise ReadingListError(
            source,
            f"a reading list must be a mapping, this is {kind}",
            "start it with deck: and articles:",
        )
    warnings: list[str] = []
    _check_keys(data, LIST_KEYS, source, warnings)
    deck = data.get("deck", DEFAULT_DECK)
    if not isinstance(deck, str) or not deck.strip():
        raise ReadingListError(source, "'deck' must be a name", "write deck: 時事::2023年", "deck")
    description = data.get("description") or ""
    if not isinstance(description, str):
        raise ReadingListError(source, "'description' must be text", "quote it", "description")
    items = data.get("articles")
    if not isinstance(items, list) or not items:
        raise ReadingListError(
            source, "'articles' must be a non-empty list", "add - path: articles/x.txt", "articles"
        )
    options = _options(data.get("options"), source, warnings)
    entries: list[ArticleEntry] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        entry = _entry(item, index, path.parent, source, warnings)
        key = entry.url or str(entry.path)
        if key in seen:
            warnings.append(
                f"{source}: articles[{index}]: the same article as articles[{seen[key]}] — skipped the duplicate"
            )
            continue
        seen[key] = index
        entries.append(entry)
    for warning in warnings:
        log.warning("%s", warning)
    return ReadingList(
        deck=deck.strip(),
        articles=tuple(entries),
        options=options,
        description=description,
        path=path,
        warnings=tuple(warnings),
    )


def entries_from_files(paths: list[str]) -> list[ArticleEntry]:
    """Article files (or URLs) given directly on the command line."""
    entries = []
    for given in paths:
        if (
            given.startswith(("http://", "https://"))
            or "://" in given
            or given.startswith(("javascript:", "file:"))
        ):
            entries.append(ArticleEntry(given, given, None, given))
        else:
            entries.append(ArticleEntry(given, Path(given).as_posix(), Path(given)))
    return entries
