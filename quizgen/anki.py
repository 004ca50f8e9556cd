"""Stage 5: the Anki package (.apkg), written with genanki.

Ids are fixed in code and must never change: a new model id makes Anki create a copy of
the note type ("Name+") and skip updates; fields and templates carry fixed ids too, since
Anki ≥ 23.10 merges note types by them. Note GUIDs come from ``cards.note_guid`` (the
article's identity and the fact), so a rebuilt deck updates notes instead of duplicating
them. Anki applies an update only when the incoming note is newer, so real builds stamp
the notes they write with the build time (a rebuild's kept notes keep theirs); tests that
compare bytes pass a fixed ``timestamp``. The zip is written by ``apkgzip``.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import pickle
import re
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from quizgen.apkgzip import MAX_SIZE, Previous, Segments, write_apkg
from quizgen.dates import format_published
from quizgen.errors import OutputError
from quizgen.escape import escape_field
from quizgen.model import Article, Card, NoteFields, NoteRow
from quizgen.output import atomic_path
from quizgen.resources import read_template

if TYPE_CHECKING:
    import genanki

CLOZE_MODEL_ID = 1745310001
QUESTION_MODEL_ID = 1745310002
CHOICE_MODEL_ID = 1745310003

_META_FIELDS = ("Source", "Title", "Published", "Link")


@lru_cache(maxsize=1)
def _front_back_model() -> type[genanki.Model]:
    """genanki's model class for a front/back model whose card needs its first field
    (genanki is imported only when a package is written from scratch: a rebuild that
    starts from the previous package does without it).

    genanki works out required fields by rendering templates with chevron, which does not
    know Anki's ``{{furigana:…}}`` filter and so finds none (and writes no cards).
    """
    import genanki

    class _Model(genanki.Model):
        @property
        def _req(self) -> list[list[object]]:
            return [[0, "all", [0]]]

    return _Model


def _fields(names: Sequence[str], base_id: int) -> list[dict[str, object]]:
    return [
        {"name": name, "id": base_id + i, "font": "Noto Sans JP"} for i, name in enumerate(names)
    ]


def _template(name: str, front: str, back: str, template_id: int) -> dict[str, object]:
    return {
        "name": name,
        "qfmt": read_template(front),
        "afmt": read_template(back),
        "id": template_id,
    }


def cloze_model() -> genanki.Model:
    import genanki

    return genanki.Model(
        CLOZE_MODEL_ID,
        "quizgen Cloze",
        fields=_fields(("Text", "Answers", *_META_FIELDS), 7401001),
        templates=[_template("Cloze", "cloze_front.html", "cloze_back.html", 7402001)],
        css=read_template("style.css"),
        model_type=genanki.Model.CLOZE,
    )


def question_model() -> genanki.Model:
    return _front_back_model()(
        QUESTION_MODEL_ID,
        "quizgen Question",
        fields=_fields(("Question", "Answer", *_META_FIELDS), 7401101),
        templates=[_template("Question", "question_front.html", "question_back.html", 7402101)],
        css=read_template("style.css"),
    )


def choice_model() -> genanki.Model:
    return _front_back_model()(
        CHOICE_MODEL_ID,
        "quizgen Choice",
        fields=_fields(("Question", "Choices", "Answer", *_META_FIELDS), 7401201),
        templates=[_template("Choice", "choice_front.html", "choice_back.html", 7402201)],
        css=read_template("style.css"),
    )


def deck_id(name: str) -> int:
    """A stable deck id derived from the deck name."""
    digest = int(hashlib.sha256(name.encode("utf-8")).hexdigest()[:12], 16)
    return (1 << 30) + digest % (1 << 30)


@lru_cache(maxsize=1024)
def safe_tag(tag: str) -> str:
    """Anki tags cannot hold spaces (genanki raises) or quotes."""
    tag = re.sub(r"[\s\u3000\"']+", "_", tag.strip())
    return tag.strip("_") or "tag"


class _ArticleFields:
    """The fields every note of an article shares (title, date, link), made once."""

    def __init__(self, article: Article) -> None:
        self.title = escape_field(article.title)
        self.published = format_published(article.published) or ""
        url = article.url or ""
        self.link = escape_field(url) if url.startswith(("http://", "https://")) else ""


def _text(text: str, furigana: bool, names: tuple[str, ...]) -> str:
    if not furigana:
        return escape_field(text)
    from quizgen.furigana import furigana_markup

    return furigana_markup(text, names)


def _source(card: Card, furigana: bool, names: tuple[str, ...]) -> str:
    """The source sentence with the answer highlighted."""
    s = card.fact.sentence.text
    a, b = card.fact.start, card.fact.end
    return (
        _text(s[:a], furigana, names)
        + "<mark>"
        + _text(s[a:b], furigana, names)
        + "</mark>"
        + _text(s[b:], furigana, names)
    )


def _tags(cards: Sequence[Card]) -> str:
    """Anki's form of a note's tags: sorted, with a space around every tag."""
    tags = sorted({safe_tag(t) for c in cards for t in c.tags if t.strip()})
    return " " + " ".join(tags) + " "


_CLOZE_NUMBER_RE = re.compile(r"{{c(\d+)::.+?}}", re.DOTALL)


def note_rows(
    cards: Sequence[Card], furigana: bool = False, names: tuple[str, ...] = ()
) -> tuple[NoteRow, ...]:
    """The notes of ``cards`` as rows for ``PackageWriter.add_rows``: cloze cards of one
    sentence make one note.

    The rows are what genanki's ``Note`` would write (fields joined by U+001F, the first
    field as the sort field, one card per cloze number or per template), made without its
    per-note objects, so that a worker makes them and a cached article skips this work.
    """
    shared: dict[int, _ArticleFields] = {}
    by_guid: dict[str, list[Card]] = {}
    for card in cards:
        if card.type == "cloze":
            by_guid.setdefault(card.guid, []).append(card)
    rows: list[NoteRow] = []
    done: set[str] = set()
    for card in cards:
        article = shared.get(id(card.article))
        if article is None:
            article = shared[id(card.article)] = _ArticleFields(card.article)
        meta = [article.title, article.published, article.link]
        if card.type == "cloze":
            if card.guid in done:
                continue
            done.add(card.guid)
            group = sorted(by_guid[card.guid], key=lambda c: c.number)
            first = group[0]
            fields = [
                _cloze_text(first.cloze, first.fact.sentence.text, names)
                if furigana
                else first.cloze,
                "、".join(escape_field(c.answer) for c in group),
                escape_field(first.fact.sentence.text),
                *meta,
            ]
            numbers = {int(n) - 1 for n in _CLOZE_NUMBER_RE.findall(first.cloze)}
            ords = tuple(sorted(n for n in numbers if n >= 0))
            rows.append(_row(card.guid, CLOZE_MODEL_ID, _tags(group), fields, ords))
            continue
        front = _text(card.front, furigana, names).replace("\n", "<br>")
        if card.type == "question":
            fields = [front, escape_field(card.answer), _source(card, furigana, names), *meta]
            rows.append(_row(card.guid, QUESTION_MODEL_ID, _tags([card]), fields, (0,)))
        elif card.type == "choice":
            items = "".join(
                f'<li class="correct">{escape_field(c)}</li>'
                if c == card.answer
                else f"<li>{escape_field(c)}</li>"
                for c in card.choices or ()
            )
            fields = [
                front,
                f'<ol class="choices">{items}</ol>',
                escape_field(card.answer),
                _source(card, furigana, names),
                *meta,
            ]
            rows.append(_row(card.guid, CHOICE_MODEL_ID, _tags([card]), fields, (0,)))
    return tuple(rows)


_DELETION_RE = re.compile(r"\{\{c([0-9]+)::(.*?)(?:::([^{}]*))?\}\}")


def _cloze_text(cloze: str, sentence: str, names: tuple[str, ...]) -> str:
    """A cloze field (``cards.cloze_markup``) with furigana: the same deletions over the
    sentence with readings (read from the whole sentence), for ``{{furigana:cloze:Text}}``.
    The field as it was if its deletions cannot be placed in the sentence."""
    import html

    from quizgen.furigana import furigana_pieces

    deletions: dict[int, tuple[int, str, str | None]] = {}  # start: end, number, hint
    pos = last = 0
    for m in _DELETION_RE.finditer(cloze):
        pos += len(html.unescape(cloze[last : m.start()]))
        inner = html.unescape(m.group(2))
        if sentence[pos : pos + len(inner)] != inner or not inner:
            return cloze
        deletions[pos] = (pos + len(inner), m.group(1), m.group(3))
        pos, last = pos + len(inner), m.end()
    cuts = sorted({0, *deletions, *(end for end, _, _ in deletions.values())} - {0})
    out = []
    for start, piece in zip([0, *cuts], furigana_pieces(sentence, cuts, names), strict=True):
        if start in deletions:
            _, number, hint = deletions[start]
            inner = piece.replace(":", "&#58;")
            out.append(f"{{{{c{number}::{inner}" + (f"::{hint}" if hint else "") + "}}")
        else:
            out.append(piece)
    return "".join(out)


def _row(guid: str, model_id: int, tags: str, fields: list[str], ords: tuple[int, ...]) -> NoteRow:
    # A front/back card needs its first field (the models' required fields).
    ords = ords if fields[0] or model_id == CLOZE_MODEL_ID else ()
    return NoteRow(guid, model_id, tags, "\x1f".join(fields), fields[0], ords)


NoteIds = tuple[tuple[int, ...], int]  # an article's note ids in a collection, its card count


class BaseFiles(NamedTuple):
    """A previous build's files: its collection, which notes came from which article, and
    its package, with the segments of its deflated collection (``apkgzip``)."""

    db: Path
    notes: dict[str, NoteIds]
    package: Path
    segments: Segments


class PackageBase:
    """The collection of the previous build of the same package (same output, deck and
    quizgen), kept in the cache directory with a manifest of which notes came from which
    article (by card cache key). A rebuild copies it and replaces only the notes of the
    articles that changed, instead of writing every note again.

    The collection file is never changed in place: each build saves a new one and then
    points the manifest at it, so a build that is copying the previous one is not disturbed.
    Only the ``KEEP`` packages built last are kept (a collection is about 20 MB per 1,000
    articles): building to a new file name each time must not fill the disk.
    """

    KEEP = 8

    def __init__(self, root: Path, key: str) -> None:
        self.dir = root / "packages"
        self.key = key
        self.manifest = self.dir / f"{key}.manifest"

    def load(self) -> BaseFiles | None:
        try:
            data = pickle.loads(self.manifest.read_bytes())
            db, notes = self.dir / data["db"], data["notes"]
            package, segments = Path(data["package"]), data["segments"]
        except Exception:  # none yet, or damaged: build from scratch
            return None
        if not (db.is_file() and isinstance(notes, dict) and isinstance(segments, list)):
            return None
        return BaseFiles(db, notes, package, segments)

    def save(
        self, db_path: str, notes: dict[str, NoteIds], package: Path, segments: Segments
    ) -> None:
        """Keep ``db_path`` (moved, not copied) as the base of the next build, which copies
        the deflated segments that did not change from ``package`` (this build's output:
        writing them a second time, beside the base, took 2% of a rebuild)."""
        with contextlib.suppress(OSError):
            name = f"{self.key}-{os.urandom(8).hex()}"
            shutil.move(db_path, self.dir / f"{name}.anki2")
            tmp = self.dir / f".{name}.manifest"
            manifest = {
                "db": f"{name}.anki2",
                "notes": notes,
                "package": str(package.resolve()),
                "segments": segments,
            }
            tmp.write_bytes(pickle.dumps(manifest))
            os.replace(tmp, self.manifest)
            for old in self.dir.glob(f"{self.key}-*"):
                if old.stem != name:
                    old.unlink(missing_ok=True)
            self._forget_old()

    def _forget_old(self) -> None:
        """Remove all but the ``KEEP`` most recently built packages' bases."""
        manifests = sorted(
            self.dir.glob("*.manifest"), key=lambda m: m.stat().st_mtime_ns, reverse=True
        )
        for manifest in manifests[self.KEEP :]:
            key = manifest.name.removesuffix(".manifest")
            manifest.unlink(missing_ok=True)
            for old in self.dir.glob(f"{key}-*"):
                old.unlink(missing_ok=True)


class PackageWriter:
    """An Anki package written as cards arrive, so a long list never holds every note.

    genanki writes the collection (schema, deck, note types) and each note's rows; notes go
    into the database as they are added and the package is zipped into place atomically on
    ``close``. Cloze cards of one note must arrive together (one article at a time).

    With a ``base`` (``PackageBase``), the previous build's collection is the starting
    point: an article whose notes it holds is ``keep``-t (no rows loaded or written), the
    notes of articles no longer there are deleted on close; new notes and the note types
    are stamped with this build's time, kept notes keep theirs.

    >>> with PackageWriter("時事", "deck.apkg") as package:  # doctest: +SKIP
    ...     package.add(cards)
    """

    def __init__(
        self,
        deck_name: str,
        out: str | Path,
        description: str = "",
        furigana: bool = False,
        names: tuple[str, ...] = (),
        timestamp: float | None = None,
        base: PackageBase | None = None,
    ) -> None:
        self.out = Path(out)
        self.furigana, self.names = furigana, names
        self.stamp = time.time() if timestamp is None else timestamp
        self.ids = _ids(self.stamp)
        self.notes = 0
        self.base = base
        self.previous: dict[str, NoteIds] = {}  # what the base collection holds, by key
        self.held: dict[str, NoteIds] = {}  # what this package holds, by key
        self.deck_id = deck_id(deck_name)
        self._work: tempfile.TemporaryDirectory[str] | None = None
        self._previous_zip: Previous | None = None
        self._conn: sqlite3.Connection | None = None
        try:
            with self._writing():
                self._open(deck_name, description)
        except BaseException:
            self.abort()
            raise

    def _open(self, deck_name: str, description: str) -> None:
        """The working collection: the base's copy, else a new one with the note types."""
        base = self.base
        if base is not None:
            base.dir.mkdir(parents=True, exist_ok=True)
        # In the base's directory, the finished collection is moved (not copied) there.
        self._work = tempfile.TemporaryDirectory(
            prefix=".quizgen-", dir=base.dir if base is not None else None
        )
        self.db_path = os.path.join(self._work.name, "collection.anki2")
        loaded = base.load() if base is not None else None
        if loaded is not None:
            try:
                shutil.copyfile(loaded.db, self.db_path)
                self.previous = loaded.notes
            except OSError:  # removed by a concurrent build: start afresh
                loaded = None
        if loaded is not None:
            with contextlib.suppress(OSError):  # without it, every segment is compressed
                self._previous_zip = Previous.from_files(loaded.db, loaded.package, loaded.segments)
        self._conn = sqlite3.connect(self.db_path)
        # A scratch database, zipped and renamed into place on close: no journal needed.
        self._conn.execute("PRAGMA journal_mode=OFF")
        self._conn.execute("PRAGMA synchronous=OFF")
        self._cursor = self._conn.cursor()
        self._indexes: list[tuple[str, str]] = []
        if loaded is not None:
            self._reopen()
            return
        import genanki

        deck = genanki.Deck(self.deck_id, deck_name, description=escape_field(description))
        for model in (cloze_model(), question_model(), choice_model()):
            deck.add_model(model)
        # genanki's write_to_file leaves its temporary database behind; write the
        # database ourselves and zip it into place atomically.
        genanki.Package(deck).write_to_db(self._cursor, self.stamp, self.ids)
        # Rows go in faster without the indexes; they are built once, on close.
        self._indexes = [
            (name, sql)
            for name, sql in self._cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            ).fetchall()
        ]
        for name, _ in self._indexes:
            self._cursor.execute(f'DROP INDEX "{name}"')

    def _reopen(self) -> None:
        """The base collection made current: its note types stamped with this build's time
        (as genanki writes them: the only part of the collection row that depends on the
        build; the deck and quizgen are the same, the base's key says so), ids for new rows
        after every id it holds."""
        # Notes deleted from it must not linger in the file's free pages (a removed
        # article's text would travel with the package).
        self._cursor.execute("PRAGMA secure_delete = ON")
        (models,) = self._cursor.execute("SELECT models FROM col").fetchone()
        models = json.loads(models)
        for model in models.values():
            model["mod"] = int(self.stamp)
        self._cursor.execute("UPDATE col SET models = ?", (json.dumps(models),))
        (highest,) = self._cursor.execute(
            "SELECT max(m) FROM (SELECT max(id) AS m FROM notes UNION ALL SELECT max(id) FROM cards)"
        ).fetchone()
        self.ids = _ids(self.stamp, (highest or 0) + 1)

    def has(self, key: str) -> bool:
        """Whether the base collection holds the notes cached under ``key``."""
        return key in self.previous

    def keep(self, key: str) -> int:
        """Keep the base's notes for ``key``; returns how many cards they have."""
        if key in self.held:
            return 0
        self.held[key] = self.previous[key]
        self.notes += len(self.previous[key][0])
        return self.previous[key][1]

    def add(self, cards: Sequence[Card]) -> int:
        """Add the notes of ``cards``; returns how many notes they made."""
        return self.add_rows(note_rows(cards, self.furigana, self.names))

    def add_rows(self, rows: Sequence[NoteFields], key: str | None = None) -> int:
        """Add notes made by ``note_rows`` (possibly in a worker, possibly cached); ``key``
        names them for the next build's ``keep``."""
        mod = int(self.stamp)
        note_values, card_values = [], []
        for guid, model_id, tags, fields, sort_field, ords in rows:
            note_id = next(self.ids)
            note_values.append(
                (note_id, guid, model_id, mod, -1, tags, fields, sort_field, 0, 0, "")
            )  # fmt: skip
            for ord_ in ords:
                card_values.append(
                    (next(self.ids), note_id, self.deck_id, ord_, mod, -1, 0, 0, 0, 0, 0, 0, 0,
                     0, 0, 0, 0, "")
                )  # fmt: skip
        # The rows genanki's Note.write_to_db and Card.write_to_db write, in two statements.
        with self._writing():
            self._cursor.executemany("INSERT INTO notes VALUES(?,?,?,?,?,?,?,?,?,?,?)", note_values)
            self._cursor.executemany(
                "INSERT INTO cards VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", card_values
            )
        if key is not None and key not in self.held:
            self.held[key] = (tuple(v[0] for v in note_values), len(card_values))
        self.notes += len(rows)
        return len(rows)

    def _drop_unkept(self) -> None:
        """Delete the base's notes (and their cards) that no article of this build kept.
        The kept ones stay as they were, modification time included: Anki leaves them
        alone on import (a learner's own edits of them too), and their pages of the file
        stay the same bytes, which ``apkgzip`` does not compress again."""
        stale = [
            (note_id,)
            for key, (ids, _) in self.previous.items()
            if self.held.get(key) is not self.previous[key]  # gone, or made again
            for note_id in ids
        ]
        self._cursor.executemany("DELETE FROM cards WHERE nid = ?", stale)
        self._cursor.executemany("DELETE FROM notes WHERE id = ?", stale)

    def _compact(self) -> None:
        """After many deletions (most of the list changed), write the file compactly: free
        pages would be zipped into every package from then on."""
        (free,) = self._cursor.execute("PRAGMA freelist_count").fetchone()
        (pages,) = self._cursor.execute("PRAGMA page_count").fetchone()
        if free > pages // 4:
            self._cursor.execute("VACUUM")

    def close(self) -> None:
        """Write the package file (atomically) and remove the working files."""
        assert self._conn is not None
        try:
            with self._writing():
                if self.previous:
                    self._drop_unkept()
                for _, sql in self._indexes:
                    self._cursor.execute(sql)
                self._conn.commit()
                if self.previous:
                    self._compact()
                self._conn.close()
            if os.path.getsize(self.db_path) > MAX_SIZE:
                import zipfile  # with zip64: only for a collection over 2 GB

                with (
                    atomic_path(self.out) as tmp,
                    zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z,
                ):
                    z.write(self.db_path, "collection.anki2")
                    z.writestr("media", "{}")
                return
            with atomic_path(self.out) as tmp, open(tmp, "wb") as out:
                segments = write_apkg(out, Path(self.db_path), b"{}", self._previous_zip)
            if self.base is not None:
                self.base.save(self.db_path, self.held, self.out, segments)
        finally:
            self._cleanup()

    def _cleanup(self) -> None:
        if self._previous_zip is not None:
            self._previous_zip.close()
        if self._work is not None:
            self._work.cleanup()

    def abort(self) -> None:
        """Drop everything: the previous package (if any) stays as it was."""
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
        self._cleanup()

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """The working collection's errors (a full disk, mostly) as one ``OutputError``."""
        try:
            yield
        except (OSError, sqlite3.Error) as exc:
            where = str(self.base.dir) if self.base is not None else tempfile.gettempdir()
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            setting = "QUIZGEN_CACHE_DIR" if self.base is not None else "TMPDIR"
            raise OutputError(
                where,
                f"the package being built cannot be written here ({reason})",
                f"free some space, or set {setting} to another place",
            ) from None

    def __enter__(self) -> PackageWriter:
        return self

    def __exit__(self, kind: object, *rest: object) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()


def write_package(
    deck_name: str,
    cards: Sequence[Card],
    out: str | Path,
    description: str = "",
    furigana: bool = False,
    names: tuple[str, ...] = (),
    timestamp: float | None = None,
) -> int:
    """Write cards as an Anki package at ``out`` (atomically); returns the number of notes.

    >>> write_package("時事", cards, "deck.apkg")  # doctest: +SKIP
    """
    with PackageWriter(deck_name, out, description, furigana, names, timestamp) as package:
        package.add(cards)
    return package.notes


def _ids(stamp: float, at_least: int = 0) -> Iterator[int]:
    return itertools.count(max(int(stamp * 1000), at_least))
