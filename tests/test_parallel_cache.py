"""All cores and the article cache: the same output as a serial build, and never stale."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import zipfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import DATA, DECKS

import quizgen
from quizgen import cache as cache_module
from quizgen import liststate, pipeline
from quizgen.cache import ArticleCache
from quizgen.cli import main
from quizgen.model import Options
from quizgen.pipeline import process, resolve_sources


def _corpus(tmp_path: Path) -> Path:
    """A reading list of 12 articles (our samples, twice with other dates), so that two
    workers really share the work."""
    articles = tmp_path / "articles"
    articles.mkdir()
    sources = [*sorted((DECKS / "articles").glob("*.txt")), DATA / "articles" / "wbc-final.txt"]
    sources += sorted((DATA / "pages").glob("*.txt"))
    lines = ["deck: 並列::テスト", "articles:"]
    for i, src in enumerate(sources + sources[:3]):
        target = articles / f"{i:02d}-{src.name}"
        shutil.copy(src, target)
        lines.append(f"  - {{path: articles/{target.name}, published: 2024-0{1 + i % 9}-15}}")
    reading_list = tmp_path / "list.yaml"
    reading_list.write_text("\n".join(lines) + "\n", "utf-8")
    return reading_list


def _notes(apkg: Path) -> list[tuple[str, str, str]]:
    with zipfile.ZipFile(apkg) as z:
        db = apkg.with_suffix(".anki2")
        db.write_bytes(z.read("collection.anki2"))
    with sqlite3.connect(db) as conn:
        return sorted(conn.execute("SELECT guid, flds, tags FROM notes").fetchall())


def _really_parallel(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Workers for even a dozen articles (they start at 16 waiting works), in small batches;
    returns a list that grows each time workers start."""
    started: list[int] = []
    start = pipeline._Workers._start

    def counting_start(self):  # type: ignore[no-untyped-def]
        started.append(self.jobs)
        return start(self)

    monkeypatch.setattr(pipeline, "START_WORKERS_AT", 2)
    monkeypatch.setattr(pipeline, "BATCH", 2)
    monkeypatch.setattr(pipeline._Workers, "_start", counting_start)
    return started


def test_parallel_build_equals_serial_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = _really_parallel(monkeypatch)
    reading_list = _corpus(tmp_path)
    serial, parallel = tmp_path / "serial.apkg", tmp_path / "parallel.apkg"
    for jobs, out in (("1", serial), ("2", parallel)):
        run = CliRunner().invoke(
            main, ["build", str(reading_list), "--jobs", jobs, "--no-cache", "-o", str(out)]
        )
        assert run.exit_code == 0, run.output
    assert started == [2, 2]  # both passes ran in workers
    serial_notes, parallel_notes = _notes(serial), _notes(parallel)
    assert len(serial_notes) > 100
    assert serial_notes == parallel_notes


def test_parallel_results_keep_list_order_and_cards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reading_list = resolve_sources([str(_corpus(tmp_path))])
    one = process(reading_list, jobs=1)
    started = _really_parallel(monkeypatch)
    two = process(reading_list, jobs=2)
    assert started
    assert [r.entry.label for r in one.results] == [r.entry.label for r in two.results]
    key = lambda c: (c.guid, c.type, c.front, c.back, c.answer, c.choices, c.cloze)  # noqa: E731
    assert [key(c) for c in one.cards] == [key(c) for c in two.cards]


def _dying_worker(
    monkeypatch: pytest.MonkeyPatch, stage: str, label: str, deaths: Path, times: int
) -> None:
    """The worker process that reaches ``stage`` (extract or cards) for the article whose
    label ends with ``label`` is killed, at most ``times`` times (counted in ``deaths``,
    shared by the processes)."""
    parent = os.getpid()
    name = "_extract" if stage == "extract" else "_with_cards"
    original = getattr(pipeline, name)

    def dying(*args):  # type: ignore[no-untyped-def]
        entry = args[1] if stage == "extract" else args[0].entry
        if os.getpid() != parent and entry.label.endswith(label):
            with deaths.open("a") as log:
                log.write("x")
            if len(deaths.read_text()) <= times:
                os.kill(os.getpid(), signal.SIGKILL)
        return original(*args)

    monkeypatch.setattr(pipeline, name, dying)


def test_a_worker_that_dies_once_costs_the_build_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Killed by the system (out of memory) or crashed: its articles go to new workers.
    list_path = _corpus(tmp_path)
    serial, parallel = tmp_path / "serial.apkg", tmp_path / "parallel.apkg"
    build = ["build", str(list_path), "--no-cache", "-o"]
    assert CliRunner().invoke(main, [*build, str(serial), "--jobs", "1"]).exit_code == 0
    started = _really_parallel(monkeypatch)
    deaths = tmp_path / "deaths"
    victim = sorted((tmp_path / "articles").iterdir())[5]
    _dying_worker(monkeypatch, "cards", victim.name, deaths, times=1)
    run = CliRunner().invoke(main, [*build, str(parallel), "--jobs", "2"])
    assert run.exit_code == 0, run.output
    assert deaths.read_text() == "xx"  # died, then made its cards in a new worker
    assert started == [2, 2, 2]  # the second pass's workers, started again
    assert _notes(parallel) == _notes(serial)


@pytest.mark.parametrize("command", ["build", "cards"])
def test_a_worker_that_dies_twice_stops_the_build_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    list_path = _corpus(tmp_path)
    out = tmp_path / "out.apkg"
    _really_parallel(monkeypatch)
    victim = sorted((tmp_path / "articles").iterdir())[5]
    _dying_worker(monkeypatch, "extract", victim.name, tmp_path / "deaths", times=99)
    output = ["-o", str(out)] if command == "build" else []
    run = CliRunner().invoke(main, [command, str(list_path), "--no-cache", *output])
    assert run.exit_code == 1, run.output
    errors = [line for line in run.output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and victim.name in errors[0], run.output
    assert "a worker process stopped twice" in errors[0] and "--jobs 1" in errors[0]
    assert "Traceback" not in run.output
    assert not out.exists()
    assert "[cloze]" not in run.output  # nothing shown either


class _Counter:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.extracted: list[str] = []
        self.carded: list[str] = []
        extract, with_cards = pipeline._extract, pipeline._with_cards

        def counting_extract(raw, entry, options, *rest):  # type: ignore[no-untyped-def]
            self.extracted.append(entry.label)
            return extract(raw, entry, options, *rest)

        def counting_cards(result, options, pool, *rest):  # type: ignore[no-untyped-def]
            self.carded.append(result.entry.label)
            return with_cards(result, options, pool, *rest)

        monkeypatch.setattr(pipeline, "_extract", counting_extract)
        monkeypatch.setattr(pipeline, "_with_cards", counting_cards)

    def reset(self) -> None:
        self.extracted.clear()
        self.carded.clear()


def test_cache_is_used_and_invalidated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    list_path = _corpus(tmp_path)
    cache = ArticleCache(tmp_path / "cache")
    counter = _Counter(monkeypatch)

    def build(options: Options | None = None):  # type: ignore[no-untyped-def]
        counter.reset()
        reading_list = resolve_sources([str(list_path)])
        return process(reading_list, options or reading_list.options, cache=cache)

    cold = build()
    assert len(counter.extracted) == 12 and len(counter.carded) == 12
    warm = build()
    assert counter.extracted == [] and counter.carded == []
    assert [c.guid for c in warm.cards] == [c.guid for c in cold.cards]

    # Editing one article redoes that article; the others come from the cache.
    edited = sorted((tmp_path / "articles").glob("*.txt"))[5]
    edited.write_text(
        edited.read_text("utf-8").replace("。", "。\n", 1)
        + "\n追加の一文は2024年5月1日に書かれた。\n",
        "utf-8",
    )
    build()
    assert len(counter.extracted) == 1 and counter.extracted[0].endswith(edited.name)

    # A new article at the top of the list is the only new one (the others moved down).
    new = tmp_path / "articles" / "new.txt"
    new.write_text("東京都は2024年4月1日、新しい条例を施行した。\n", "utf-8")
    head, *rest = list_path.read_text("utf-8").splitlines(keepends=True)
    list_path.write_text(
        "".join(
            [head, rest[0], "  - {path: articles/new.txt, published: 2024-04-02}\n", *rest[1:]]
        ),
        "utf-8",
    )
    build()
    assert len(counter.extracted) == 1 and counter.extracted[0].endswith("new.txt")

    # Options that change cards redo the cards, not the reading and the facts.
    build(Options(max_facts=5))
    assert counter.extracted == [] and len(counter.carded) == 13
    # Options that change facts redo everything.
    build(Options(names=("張又侠",)))
    assert len(counter.extracted) == 13

    # A new quizgen version (or changed package files) never serves old results.
    monkeypatch.setattr(quizgen, "__version__", "99.0.0")
    cache_module.code_fingerprint.cache_clear()
    try:
        build()
        assert len(counter.extracted) == 13
    finally:
        cache_module.code_fingerprint.cache_clear()


def test_the_code_fingerprint_follows_the_package_s_sources_and_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cache keys hash the code: an edited source or data file of the installed package
    (a local change, an upgrade) gives new keys; its bytecode cache does not."""
    import os

    package = tmp_path / "quizgen"
    (package / "data").mkdir(parents=True)
    (package / "__pycache__").mkdir()
    (package / "__init__.py").write_text("", "utf-8")
    (package / "data" / "names.csv").write_text("a,b,person\n", "utf-8")
    (package / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"1")
    monkeypatch.setattr(quizgen, "__file__", str(package / "__init__.py"))

    def fingerprint() -> str:
        cache_module.code_fingerprint.cache_clear()
        return cache_module.code_fingerprint()

    try:
        first = fingerprint()
        (package / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"22")
        assert fingerprint() == first
        (package / "data" / "names.csv").write_text("a,b,person\nc,d,place\n", "utf-8")
        second = fingerprint()
        assert second != first
        os.utime(package / "__init__.py", ns=(1, 1))
        assert fingerprint() != second
    finally:
        cache_module.code_fingerprint.cache_clear()


def test_a_damaged_cache_entry_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    list_path = _corpus(tmp_path)
    cache = ArticleCache(tmp_path / "cache")
    reading_list = resolve_sources([str(list_path)])
    first = process(reading_list, cache=cache)
    with sqlite3.connect(cache.path) as db:
        assert db.execute("UPDATE entries SET value = ?", (b"not a pickle",)).rowcount >= 24
    counter = _Counter(monkeypatch)
    again = process(reading_list, cache=cache)
    assert len(counter.extracted) == 12
    assert [c.guid for c in again.cards] == [c.guid for c in first.cards]


@pytest.mark.parametrize("damage", ["not a database", "pages overwritten"])
def test_a_damaged_cache_file_is_replaced_by_a_new_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    """The cache does not sync to disk (a crash of the system may damage it): a damaged
    file costs one build its cache, not every build after it."""
    list_path = _corpus(tmp_path)
    reading_list = resolve_sources([str(list_path)])
    cache = ArticleCache(tmp_path / "cache")
    first = process(reading_list, cache=cache)
    cache.close()
    if damage == "not a database":
        cache.path.write_bytes(b"\x07 not SQLite \x00" * 5000)
    else:  # a valid header, then garbage where the entries' pages were
        data = bytearray(cache.path.read_bytes())
        data[4096:] = bytes(len(data) - 4096)
        cache.path.write_bytes(bytes(data))
    counter = _Counter(monkeypatch)
    again = process(reading_list, cache=cache)
    assert [c.guid for c in again.cards] == [c.guid for c in first.cards]
    assert len(counter.extracted) == 12  # everything again, once
    third = process(reading_list, cache=cache)  # and the new cache serves the next build
    assert len(counter.extracted) == 12
    assert [c.guid for c in third.cards] == [c.guid for c in first.cards]


def test_concurrent_builds_share_one_cache(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    reading_list = _corpus(tmp_path)
    env = {**os.environ, "QUIZGEN_CACHE_DIR": str(tmp_path / "shared-cache")}
    outs = [tmp_path / "one.apkg", tmp_path / "two.apkg"]
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "quizgen", "build", str(reading_list), "-o", str(out), "-q"],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for out in outs
    ]
    for run in runs:
        _, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
    assert _notes(outs[0]) == _notes(outs[1])
    # and a third build, from the cache both wrote, gives the same notes
    third = tmp_path / "three.apkg"
    subprocess.run(
        [sys.executable, "-m", "quizgen", "build", str(reading_list), "-o", str(third), "-q"],
        env=env, check=True,
    )  # fmt: skip
    assert _notes(third) == _notes(outs[0])


def test_a_build_leaves_no_log_for_the_next_build_to_read(tmp_path: Path) -> None:
    """A build (with its workers) ends with the cache's write-ahead log moved into the
    database: otherwise the next build reads the whole log before its first lookup (about
    30 MB after a cold build of 1,000 articles, a third of a rebuild's time)."""
    import os
    import subprocess
    import sys

    cache = tmp_path / "cache"
    env = {**os.environ, "QUIZGEN_CACHE_DIR": str(cache)}
    command = [sys.executable, "-m", "quizgen", "build", str(_corpus(tmp_path)), "-q", "-j", "2"]
    subprocess.run([*command, "-o", str(tmp_path / "x.apkg")], env=env, check=True)
    log = cache / "articles.sqlite3-wal"
    assert (cache / "articles.sqlite3").stat().st_size > 0
    assert not log.exists() or log.stat().st_size == 0


def _rows(apkg: Path) -> dict[str, tuple[int, int, str]]:
    """guid → (note id, mod, fields) of a package's collection."""
    with zipfile.ZipFile(apkg) as z:
        db = apkg.with_suffix(".rows.anki2")
        db.write_bytes(z.read("collection.anki2"))
    with sqlite3.connect(db) as conn:
        return {
            g: (i, m, f) for g, i, m, f in conn.execute("SELECT guid, id, mod, flds FROM notes")
        }


@pytest.fixture
def decks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, Path]:
    """The corpus with a cache of its own, the package to rebuild, one built from scratch."""
    monkeypatch.setenv("QUIZGEN_CACHE_DIR", str(tmp_path / "cache"))
    return _corpus(tmp_path), tmp_path / "deck.apkg", tmp_path / "fresh.apkg"


def test_rebuild_replaces_only_the_notes_of_changed_articles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, decks: tuple[Path, Path, Path]
) -> None:
    from conftest import fields_by_guid, import_into_anki, import_package

    from quizgen import anki

    list_path, out, fresh = decks

    def build(stamp: float, *flags: str, target: Path = out) -> None:
        monkeypatch.setattr(anki.time, "time", lambda: stamp)
        run = CliRunner().invoke(main, ["build", str(list_path), "-o", str(target), *flags])
        assert run.exit_code == 0, run.output

    build(1_700_000_000)
    first = _rows(out)
    shutil.copy(out, tmp_path / "first.apkg")
    # Edit one article, drop the last one from the list, and rebuild.
    edited = sorted((tmp_path / "articles").glob("*.txt"))[5]
    edited.write_text(
        edited.read_text("utf-8") + "\n追加の一文は2024年5月1日に書かれた。\n", "utf-8"
    )
    lines = list_path.read_text("utf-8").splitlines()
    list_path.write_text("\n".join(lines[:-1]) + "\n", "utf-8")
    build(1_700_000_100)
    build(1_700_000_200, "--no-cache", target=fresh)
    rebuilt, expected = _rows(out), _rows(fresh)

    # The same notes as a build from scratch; the notes made again carry the rebuild's time
    # (Anki updates a note only from a newer one), the kept ones their own...
    assert {g: f for g, (_, _, f) in rebuilt.items()} == {g: f for g, (_, _, f) in expected.items()}
    for guid, (note_id, mod, _) in rebuilt.items():
        kept_note = guid in first and first[guid][0] == note_id
        assert mod == (1_700_000_000 if kept_note else 1_700_000_100)
    with sqlite3.connect(out.with_suffix(".rows.anki2")) as conn:
        (models,) = conn.execute("SELECT models FROM col").fetchone()
    assert {m["mod"] for m in json.loads(models).values()} == {1_700_000_100}  # note types too
    # ...but the untouched articles' notes were kept, not written again.
    kept = [g for g, (i, _, _) in rebuilt.items() if g in first and first[g][0] == i]
    assert len(kept) >= 0.75 * len(rebuilt)
    assert len(kept) < len(rebuilt)  # the edited article's notes were written again

    # Imported over the first build, Anki ends with the rebuild's fields.
    shutil.copy(out, tmp_path / "rebuilt.apkg")
    col = import_into_anki(tmp_path / "col.anki2", tmp_path / "first.apkg")
    try:
        import_package(col, tmp_path / "rebuilt.apkg")
        in_anki = fields_by_guid(col)
    finally:
        col.close()
    assert all(in_anki[g] == f for g, (_, _, f) in rebuilt.items())


def test_a_rebuild_keeps_a_learners_edits_of_notes_whose_article_did_not_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, decks: tuple[Path, Path, Path]
) -> None:
    """Kept notes keep their modification time, so Anki leaves a learner's edit of them
    alone; the edited article's notes are newer than the learner's copy and replace it."""
    import time

    from anki.notes import Note
    from conftest import fields_by_guid, import_into_anki, import_package

    from quizgen import anki

    list_path, out, _ = decks
    now = time.time()

    def build(stamp: float, target: Path) -> None:
        monkeypatch.setattr(anki.time, "time", lambda: stamp)
        run = CliRunner().invoke(main, ["build", str(list_path), "-o", str(out)])
        assert run.exit_code == 0, run.output
        shutil.copy(out, target)

    build(now - 100, tmp_path / "first.apkg")
    edited = sorted((tmp_path / "articles").glob("*.txt"))[5]
    edited.write_text(
        edited.read_text("utf-8") + "\n追加の一文は2024年5月1日に書かれた。\n", "utf-8"
    )
    build(now + 100, tmp_path / "second.apkg")  # built after the learner's edit below
    second = _rows(tmp_path / "second.apkg")
    changed = {g for g, (_, mod, _) in second.items() if mod == int(now + 100)}
    assert changed and len(changed) < len(second)

    col = import_into_anki(tmp_path / "col.anki2", tmp_path / "first.apkg")
    try:
        untouched = next(g for g in sorted(second) if g not in changed)
        by_guid = {col.get_note(n).guid: n for n in col.find_notes("")}
        note: Note = col.get_note(by_guid[untouched])
        note.fields[-1] = "my own link"
        col.update_note(note)
        import_package(col, tmp_path / "second.apkg")
        fields = fields_by_guid(col)
    finally:
        col.close()
    assert fields[untouched].endswith("\x1fmy own link")
    assert all(fields[g] == second[g][2] for g in changed)


def test_a_damaged_previous_package_means_a_build_from_scratch(
    tmp_path: Path, decks: tuple[Path, Path, Path]
) -> None:
    list_path, out, fresh = decks
    for flags, target in (((), out), (("--no-cache",), fresh)):
        run = CliRunner().invoke(main, ["build", str(list_path), "-o", str(target), *flags])
        assert run.exit_code == 0, run.output
    packages = tmp_path / "cache" / "packages"
    for manifest in packages.glob("*.manifest"):
        manifest.write_bytes(b"not a pickle")
    run = CliRunner().invoke(main, ["build", str(list_path), "-o", str(out)])
    assert run.exit_code == 0, run.output
    assert _notes(out) == _notes(fresh)
    # and with the collection file gone (the manifest now names one)
    for db in packages.glob("*.anki2"):
        db.unlink()
    run = CliRunner().invoke(main, ["build", str(list_path), "-o", str(out)])
    assert run.exit_code == 0, run.output
    assert _notes(out) == _notes(fresh)


def test_a_rebuild_whose_previous_package_was_replaced_or_removed_is_still_right(
    tmp_path: Path, decks: tuple[Path, Path, Path]
) -> None:
    """A rebuild copies the deflated segments that did not change from the previous build's
    package: replaced by another file, or gone, the package is still whole and right."""
    list_path, out, fresh = decks
    edited = sorted((tmp_path / "articles").glob("*.txt"))[5]

    def check(replace_previous: Callable[[], None], sentence: str) -> None:
        edited.write_text(edited.read_text("utf-8") + f"\n{sentence}\n", "utf-8")
        replace_previous()
        for flags, target in (((), out), (("--no-cache",), fresh)):
            run = CliRunner().invoke(main, ["build", str(list_path), "-o", str(target), *flags])
            assert run.exit_code == 0, run.output
        with zipfile.ZipFile(out) as z:
            assert z.testzip() is None  # every CRC right
        assert _notes(out) == _notes(fresh)

    check(lambda: None, "最初の追加は2024年5月1日に書かれた。")
    # Another package in its place: same size, other bytes.
    check(lambda: out.write_bytes(fresh.read_bytes()[::-1]), "二つ目の追加は2024年6月2日だった。")
    # Another build's package, the bytes of the deflated collection the same but shifted.
    shifted = fresh.read_bytes()
    check(
        lambda: out.write_bytes(shifted[:40] + shifted[30:]), "三つ目の追加は7月3日に43人が見た。"
    )
    check(out.unlink, "四つ目の追加は2024年8月4日に書かれた。")


def test_an_edited_body_keeps_its_front_matter_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Most edits are to an article's body: its front matter, parsed before, comes from the
    cache (a rebuild then needs no YAML at all); an edited front matter is parsed again."""
    from quizgen import readinglist

    parsed: list[str] = []
    parse = readinglist.safe_load_yaml
    monkeypatch.setattr(
        readinglist, "safe_load_yaml", lambda text: parsed.append(text) or parse(text)
    )
    article = tmp_path / "boj.txt"
    shutil.copy(DECKS / "articles" / "boj-rate.txt", article)
    list_path = tmp_path / "list.yaml"
    list_path.write_text("deck: d\narticles:\n  - {path: boj.txt}\n", "utf-8")
    cache = ArticleCache(tmp_path / "cache")

    def build() -> list[str]:
        parsed.clear()
        result = process(resolve_sources([str(list_path)], cache), cache=cache)
        return [c.article.title for c in result.cards]

    assert set(build()) == {"日銀、マイナス金利を解除 17年ぶりの利上げ"}
    assert sum("title:" in text for text in parsed) == 1  # the front matter, once
    article.write_text(article.read_text("utf-8") + "\n追加の一文は2024年5月9日に書かれた。\n")
    titles = build()
    assert parsed == [] and set(titles) == {"日銀、マイナス金利を解除 17年ぶりの利上げ"}
    text = article.read_text("utf-8").replace("title: 日銀、", "title: 日本銀行、")
    article.write_text(text, "utf-8")
    assert set(build()) == {"日本銀行、マイナス金利を解除 17年ぶりの利上げ"}
    assert len(parsed) == 1


def test_a_reading_list_read_before_comes_from_the_cache(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quizgen import readinglist
    from quizgen.readinglist import load_reading_list

    parsed: list[Path] = []
    parse = readinglist._parse
    monkeypatch.setattr(
        readinglist, "_parse", lambda raw, path, src: parsed.append(path) or parse(raw, path, src)
    )
    cache = ArticleCache(tmp_path / "cache")
    list_path = _corpus(tmp_path)
    list_path.write_text(list_path.read_text("utf-8") + "colour: red\n", "utf-8")  # a warning
    first = load_reading_list(list_path, cache)
    caplog.clear()
    again = load_reading_list(list_path, cache)
    assert again == first and len(again.articles) == 12
    assert len(parsed) == 1
    assert any("colour" in r.getMessage() for r in caplog.records)  # still told
    # An edited list is read again.
    list_path.write_text(list_path.read_text("utf-8").replace("並列::テスト", "並列::別"), "utf-8")
    assert load_reading_list(list_path, cache).deck == "並列::別"
    assert len(parsed) == 2


def test_cached_cards_equal_fresh_ones_whatever_an_edit_does_to_the_pool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An article's cards are reused while the first pool facts they looked at (for
    # distractors) stay the same: after edits that add facts to the list's pool, the cards
    # from the cache must still equal those of a build from scratch.
    list_path = _corpus(tmp_path)
    cache = ArticleCache(tmp_path / "cache")
    counter = _Counter(monkeypatch)
    articles = sorted((tmp_path / "articles").glob("*.txt"))
    key = lambda c: (c.guid, c.type, c.front, c.answer, c.choices, c.cloze)  # noqa: E731
    process(resolve_sources([str(list_path)]), cache=cache)
    others_redone = 0
    edits = ["鹿児島", "北海道", "ブラジル", "国際通貨基金", "田中一郎", "4万5千人", "3.5%"]
    for i, answer in enumerate(edits):
        edited = articles[i % len(articles)]
        edited.write_text(
            edited.read_text("utf-8")
            + f"\n関係者は2025年{i + 1}月{i + 3}日、{answer}について話した。\n",
            "utf-8",
        )
        counter.reset()
        reading_list = resolve_sources([str(list_path)])
        cached = process(reading_list, cache=cache)
        others_redone += len([c for c in counter.carded if not c.endswith(edited.name)])
        fresh = process(reading_list)
        assert [key(c) for c in cached.cards] == [key(c) for c in fresh.cards]
    assert others_redone > 0  # some edit did change what other articles' cards read


def test_a_rebuild_of_one_article_starts_no_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    list_path = _corpus(tmp_path)
    cache = ArticleCache(tmp_path / "cache")
    process(resolve_sources([str(list_path)]), cache=cache)
    started: list[int] = []
    monkeypatch.setattr(pipeline._Workers, "_start", lambda self: started.append(1))
    edited = sorted((tmp_path / "articles").glob("*.txt"))[3]
    edited.write_text(
        edited.read_text("utf-8") + "\n追加の一文は2024年5月1日に書かれた。\n", "utf-8"
    )
    counter = _Counter(monkeypatch)
    process(resolve_sources([str(list_path)]), jobs=2, cache=cache)
    assert counter.extracted == [counter.extracted[0]] and counter.extracted[0].endswith(
        edited.name
    )
    assert started == []  # done here: starting processes would cost more than the work


def test_a_list_replaced_whole_still_gives_the_right_package(
    tmp_path: Path, decks: tuple[Path, Path, Path]
) -> None:
    # Every note of the previous package goes (and the emptied pages with them).
    list_path, out, fresh = decks
    lines = list_path.read_text("utf-8").splitlines()
    head, entries = lines[:2], lines[2:]
    list_path.write_text("\n".join(head + entries[:6]) + "\n", "utf-8")
    assert CliRunner().invoke(main, ["build", str(list_path), "-o", str(out)]).exit_code == 0
    list_path.write_text("\n".join(head + entries[6:]) + "\n", "utf-8")
    for flags, target in (((), out), (("--no-cache",), fresh)):
        run = CliRunner().invoke(main, ["build", str(list_path), "-o", str(target), *flags])
        assert run.exit_code == 0, run.output
    assert _notes(out) == _notes(fresh)
    with zipfile.ZipFile(out) as z, zipfile.ZipFile(fresh) as f:
        rebuilt, scratch = z.getinfo("collection.anki2"), f.getinfo("collection.anki2")
    assert rebuilt.file_size <= 1.3 * scratch.file_size  # compacted, not half empty


def test_concurrent_rebuilds_of_one_package_stay_right(tmp_path: Path) -> None:
    # Builds to the same package at once share its previous collection and the cache; an
    # article's notes are kept only if they were made from what its cards read now.
    import os
    import subprocess
    import sys

    list_path = _corpus(tmp_path)
    env = {**os.environ, "QUIZGEN_CACHE_DIR": str(tmp_path / "cache")}
    out, fresh = tmp_path / "same.apkg", tmp_path / "fresh.apkg"
    command = [sys.executable, "-m", "quizgen", "build", str(list_path), "-q", "-o"]
    subprocess.run([*command, str(out)], env=env, check=True)
    for n, edited in enumerate(sorted((tmp_path / "articles").glob("*.txt"))[:2], 1):
        edited.write_text(
            edited.read_text("utf-8") + f"\n追加の文は2024年5月{n}日に書かれた。\n", "utf-8"
        )
        runs = [subprocess.Popen([*command, str(out)], env=env) for _ in range(3)]
        assert [run.wait(timeout=300) for run in runs] == [0, 0, 0]
        subprocess.run([*command, str(out)], env=env, check=True)  # from what they left
        subprocess.run([*command, str(fresh), "--no-cache"], env=env, check=True)
        assert _notes(out) == _notes(fresh)


def test_notes_made_by_another_build_are_not_taken_for_the_package_s_own(
    tmp_path: Path, decks: tuple[Path, Path, Path]
) -> None:
    # A build of another package (or a concurrent one) may store newer cards of an article
    # in the cache; the previous package still holds the older notes, made from what the
    # cards read of the old pool. Those must not be kept.
    list_path, out, fresh = decks
    build = lambda *args: CliRunner().invoke(main, ["build", str(list_path), *args])  # noqa: E731
    assert build("-o", str(out)).exit_code == 0
    edited = sorted((tmp_path / "articles").glob("*.txt"))[0]
    edited.write_text(edited.read_text("utf-8") + "\n追加の文は2024年5月1日に書かれた。\n", "utf-8")
    assert build("-o", str(tmp_path / "other.apkg")).exit_code == 0  # the cache moves on
    assert build("-o", str(out)).exit_code == 0
    assert build("-o", str(fresh), "--no-cache").exit_code == 0
    assert _notes(out) == _notes(fresh)


def test_cached_notes_made_from_other_readings_than_those_checked_are_made_again(
    tmp_path: Path, decks: tuple[Path, Path, Path]
) -> None:
    """Between reading what cached cards read of the pool (checked) and loading the notes,
    another build may have stored other notes under the key: they are not used."""
    import pickle
    from dataclasses import replace

    list_path, out, fresh = decks
    build = lambda *args: CliRunner().invoke(main, ["build", str(list_path), *args])  # noqa: E731
    assert build("-o", str(out)).exit_code == 0
    with sqlite3.connect(tmp_path / "cache" / "articles.sqlite3") as conn:
        keys = [k for (k,) in conn.execute("SELECT key FROM entries WHERE key LIKE '%-pool'")]
        key = sorted(keys)[0].removesuffix("-pool")
        (blob,) = conn.execute("SELECT value FROM entries WHERE key = ?", (key,)).fetchone()
        use, result = pickle.loads(blob)
        swapped = ((use[0], b"other readings"), replace(result, notes=result.notes[:1]))
        conn.execute("UPDATE entries SET value = ? WHERE key = ?", (pickle.dumps(swapped), key))
    # A new output: its notes come from the cache, not from a previous package.
    assert build("-o", str(tmp_path / "new.apkg")).exit_code == 0
    assert build("-o", str(fresh), "--no-cache").exit_code == 0
    assert _notes(tmp_path / "new.apkg") == _notes(fresh)


def test_only_the_last_packages_built_keep_a_base(
    tmp_path: Path, decks: tuple[Path, Path, Path]
) -> None:
    # Building to a new file each time (deck-0501.apkg, deck-0502.apkg, …) must not fill the
    # cache with a collection per file.
    from quizgen.anki import PackageBase
    from quizgen.cache import make_key

    list_path = decks[0]
    outs = [tmp_path / f"{n}.apkg" for n in range(PackageBase.KEEP + 2)]
    for out in outs:
        run = CliRunner().invoke(main, ["build", str(list_path), "-o", str(out)])
        assert run.exit_code == 0, run.output
    packages = tmp_path / "cache" / "packages"
    kept = {m.name.removesuffix(".manifest") for m in packages.glob("*.manifest")}
    newest = {make_key("package", str(o.resolve()), "並列::テスト", "") for o in outs[2:]}
    assert kept == newest
    assert len(list(packages.glob("*.anki2"))) == PackageBase.KEEP


DAY = 86400


def _live_bytes(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        (size,) = conn.execute("PRAGMA page_size").fetchone()
        (pages,) = conn.execute("PRAGMA page_count").fetchone()
        (free,) = conn.execute("PRAGMA freelist_count").fetchone()
    return int((pages - free) * size)


def test_the_cache_drops_what_was_used_longest_ago_once_over_its_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = ArticleCache(tmp_path / "cache")
    day = [20_000]
    monkeypatch.setattr(cache_module.time, "time", lambda: day[0] * DAY + 3600)
    blob = bytes(range(256)) * 40  # 10 KB
    cache.put_many([(f"old-{i}", cache_module.dumps(blob)) for i in range(30)])
    day[0] += 1
    cache.put_many([(f"new-{i}", cache_module.dumps(blob)) for i in range(30)])
    day[0] += 1
    assert len(cache.get_many([f"old-{i}" for i in range(5)])) == 5  # still in use
    cache.limit = _live_bytes(cache.path)
    assert cache.prune() == 0  # at the limit, not over it
    cache.limit = int(cache.limit * 0.9)  # 60 entries, down to under 0.675 of them

    def on_disk() -> int:  # the database and its write-ahead log
        wal = cache.path.with_name(cache.path.name + "-wal")
        return cache.path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)

    size = on_disk()
    assert cache.prune() > 0
    assert on_disk() < 0.75 * size  # the space goes back to the file system
    everything = {f"{age}-{i}" for age in ("old", "new") for i in range(30)}
    gone = everything - set(cache.get_many(sorted(everything)))
    assert gone
    assert gone <= {f"old-{i}" for i in range(5, 30)}  # unused for two days: first to go
    assert _live_bytes(cache.path) <= cache.limit * 3 // 4 + 4096


def test_a_cache_written_by_an_earlier_quizgen_is_used_and_pruned(tmp_path: Path) -> None:
    (tmp_path / "cache").mkdir()
    with sqlite3.connect(tmp_path / "cache" / "articles.sqlite3") as conn:
        conn.execute("CREATE TABLE entries (key TEXT PRIMARY KEY, value BLOB)")
        conn.execute("INSERT INTO entries VALUES ('a', ?)", (cache_module.dumps("old"),))
    cache = ArticleCache(tmp_path / "cache", limit=1)
    assert cache.get("a") == "old"
    cache.put_many([("b", cache_module.dumps("new"))])
    assert cache.get("b") == "new"
    assert cache.prune() == 2


def test_a_build_under_a_tiny_cache_limit_is_still_right(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, decks: tuple[Path, Path, Path]
) -> None:
    list_path, out, fresh = decks
    monkeypatch.setenv("QUIZGEN_CACHE_MB", "0.2")
    for flags, target in (((), out), ((), out), (("--no-cache",), fresh)):
        run = CliRunner().invoke(main, ["build", str(list_path), "-o", str(target), *flags])
        assert run.exit_code == 0, run.output
    assert _notes(out) == _notes(fresh)
    with sqlite3.connect(tmp_path / "cache" / "articles.sqlite3") as conn:
        (live,) = conn.execute("SELECT sum(length(key) + length(value)) FROM entries").fetchone()
    assert live <= 0.2 * 1024 * 1024


def test_the_list_s_state_gives_what_a_build_from_scratch_gives_whatever_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A rebuild takes what the list's last build knew (its state) for the articles whose
    # entry and file are unchanged, and the distractor pool for what the others add; when
    # an answer leaves the list, the pool is made from every article again. Whatever the
    # change, the cards must be those of a build from scratch.
    list_path = _corpus(tmp_path)
    cache = ArticleCache(tmp_path / "cache")
    articles = sorted((tmp_path / "articles").glob("*.txt"))
    known: list[int] = []  # articles known from the state, at each rebuild
    forgot: list[int] = []
    holds, forget = liststate.Recall.pool_holds, liststate.Recall.forget

    def counting_holds(self, fresh):  # type: ignore[no-untyped-def]
        known.append(len(self.known))
        return holds(self, fresh)

    def counting_forget(self):  # type: ignore[no-untyped-def]
        forgot.append(len(self.known))
        forget(self)

    monkeypatch.setattr(liststate.Recall, "pool_holds", counting_holds)
    monkeypatch.setattr(liststate.Recall, "forget", counting_forget)
    key = lambda c: (c.guid, c.type, c.front, c.back, c.answer, c.choices, c.cloze)  # noqa: E731

    def append(path: Path, text: str) -> None:
        path.write_text(path.read_text("utf-8") + f"\n{text}\n", "utf-8")

    lines = list_path.read_text("utf-8").splitlines(keepends=True)
    changes = [
        lambda: append(articles[2], "関係者は2031年7月19日、4万9千人について話した。"),
        lambda: append(articles[3], "山川健太氏は2031年8月3日、鹿児島で講演した。"),  # 山川?
        lambda: articles[2].write_text(articles[2].read_text("utf-8")[:400], "utf-8"),  # cut
        lambda: list_path.write_text("".join([*lines[:5], *lines[6:]]), "utf-8"),  # one gone
        lambda: articles[7].touch(),  # the same text, another time
        lambda: list_path.write_text("".join([*lines[:2], *reversed(lines[2:])]), "utf-8"),
        lambda: None,  # nothing at all
    ]
    # A short name completed by another article (山川 → 山川宏) until a second 山川 comes.
    append(articles[0], "山川氏は2030年1月5日、東京で会見した。")
    process(resolve_sources([str(list_path)]), cache=cache)
    for change in changes:
        change()
        reading_list = resolve_sources([str(list_path)])
        shown: list[int] = []  # the progress bar's articles read
        cached = process(reading_list, cache=cache, progress=partial(_count_read, shown))
        fresh = process(reading_list)
        # Counted once, even when the pool is made from every summary again.
        assert shown == list(range(1, len(reading_list.articles) + 1))
        assert [key(c) for c in cached.cards] == [key(c) for c in fresh.cards]
        assert [r.entry for r in cached.results] == [r.entry for r in fresh.results]
        assert [r.ok for r in cached.results] == [r.ok for r in fresh.results]
    # The first build had no state; each rebuild knew the articles it did not change.
    assert known[0] == 0 and len(known) == len(changes) + 1
    assert all(n >= 10 for n in known[1:]), known
    assert known[-1] == 12  # nothing changed: every article known
    assert forgot  # and some change took answers out of the pool: made from every summary


def _count_read(shown: list[int], stage: str, done: int, total: int, cards: int) -> None:
    if stage == "read":
        shown.append(done)


def test_a_rebuild_of_an_unchanged_list_looks_up_no_article(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, decks: tuple[Path, Path, Path]
) -> None:
    list_path, out, _ = decks
    build = ["build", str(list_path), "-o", str(out)]
    assert CliRunner().invoke(main, build).exit_code == 0
    first = _notes(out)
    looked_up: list[str] = []
    get_many = ArticleCache.get_many

    def recording_get_many(self, keys):  # type: ignore[no-untyped-def]
        looked_up.extend(keys)
        return get_many(self, keys)

    monkeypatch.setattr(ArticleCache, "get_many", recording_get_many)
    run = CliRunner().invoke(main, build)
    assert run.exit_code == 0, run.output
    assert _notes(out) == first
    # The reading list and the list's state: not each article's summary, cards and pool use.
    assert len(looked_up) == 2


def test_articles_known_from_the_state_are_marked_used_once_a_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The cache prunes what was used longest ago; while the state stands in for an
    # article's entries nothing reads them, so a rebuild on a new day marks them read.
    list_path = _corpus(tmp_path)
    cache = ArticleCache(tmp_path / "cache")
    day = [20_000]
    monkeypatch.setattr(cache_module.time, "time", lambda: day[0] * DAY + 3600)
    process(resolve_sources([str(list_path)]), cache=cache)
    day[0] += 3
    process(resolve_sources([str(list_path)]), cache=cache)
    with sqlite3.connect(cache.path) as conn:
        marked = {k for (k,) in conn.execute("SELECT key FROM reads WHERE day = ?", (day[0],))}
    summaries = {k for k in marked if k.endswith("-summary")}
    pool_uses = {k for k in marked if k.endswith("-pool")}
    assert len(summaries) == 12 and len(pool_uses) == 12
