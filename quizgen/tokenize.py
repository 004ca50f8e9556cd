"""Tokens: fugashi + unidic-lite, one tagger per process, read into plain records at once.

The tagger writes MeCab's output as a string in quizgen's own format (``_OUTPUT_FORMAT``),
which ``tokenize`` reads into ``Token`` records: faster than fugashi's nodes, and nothing
refers to a node that goes stale at the next call to the tagger.

unidic-lite (UniDic 2.1.2) does not know many current names (習近平 → 習近 + 平, 「習は」
read as the verb 習う). quizgen ships ``data/names.csv`` and compiles it, together with a
reading list's own ``names``, into a MeCab user dictionary cached on disk.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import os
import shutil
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from quizgen.errors import QuizgenError
from quizgen.resources import read_data

log = logging.getLogger(__name__)

# Left/right context ids of unidic-lite 1.0.8 (left-id.def) for the kinds in names.csv.
_CONTEXT_IDS = {
    "person": (4788, "人名", "一般", 3000),
    "surname": (4790, "人名", "姓", 5000),
    "given": (4789, "人名", "名", 5000),
    "place": (4792, "地名", "一般", 3000),
    "country": (4793, "地名", "国", 3000),
    "organisation": (4786, "一般", "*", 3000),
}


class Token(NamedTuple):
    """A word of a sentence; ``start``/``end`` are offsets in the sentence text.

    A named tuple rather than a frozen dataclass: a build makes a million of them, and a
    tuple is several times cheaper to create.
    """

    surface: str
    start: int
    end: int
    pos1: str
    pos2: str
    pos3: str
    pos4: str
    ctype: str
    cform: str
    lemma: str
    base: str  # orthBase: the dictionary form as written
    kana: str  # reading in katakana ("" when unknown)
    unknown: bool

    @property
    def is_proper(self) -> bool:
        return self.pos2 == "固有名詞"


class NameEntry(NamedTuple):
    surface: str
    reading: str
    kind: str
    canonical: str


def _parse_names(text: str) -> list[NameEntry]:
    entries = []
    for row in csv.reader(
        line for line in io.StringIO(text) if line.strip() and not line.startswith("#")
    ):
        if len(row) < 3:
            continue
        surface, reading, kind = (c.strip() for c in row[:3])
        canonical = row[3].strip() if len(row) > 3 and row[3].strip() else surface
        if kind in _CONTEXT_IDS and surface:
            entries.append(NameEntry(surface, reading or surface, kind, canonical))
    return entries


@lru_cache(maxsize=1)
def builtin_names() -> tuple[NameEntry, ...]:
    """The names shipped with quizgen (``quizgen/data/names.csv``)."""
    text = read_data("names.csv")
    return tuple(_parse_names(text))


def user_names(names: tuple[str, ...]) -> list[NameEntry]:
    """A reading list's ``names``: ``習近平`` or ``習近平:シュウキンペイ`` (a person each)."""
    out = []
    for name in names:
        surface, _, reading = name.partition(":")
        surface = surface.strip()
        if surface:
            out.append(NameEntry(surface, reading.strip() or surface, "person", surface))
    return out


def _mecab_row(entry: NameEntry) -> str:
    cid, pos3, pos4, cost = _CONTEXT_IDS[entry.kind]
    k = entry.reading
    s = entry.surface
    fields = [s, str(cid), str(cid), str(cost), "名詞", "固有名詞", pos3, pos4, "*", "*",
              k, entry.canonical, s, k, s, k, "固", "*", "*", "*", "*", k, k, k, k, "*", "*", "*", "*", "*"]  # fmt: skip
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(fields)
    return buffer.getvalue()


def _dicdir() -> Path:
    import unidic_lite

    return Path(unidic_lite.DICDIR)


def _dict_cache() -> Path:
    """Where the names dictionary and MeCab's resource file are kept: the cache directory,
    else (read-only, say) a private directory in the temporary one."""
    from quizgen.cache import cache_dir, private_temp_dir, unwritable

    where = cache_dir() / "dict"
    return where if unwritable(where) is None else private_temp_dir("dict")


def compile_user_dictionary(entries: list[NameEntry]) -> Path:
    """Compile names into a MeCab user dictionary (cached by content) and return its path."""
    rows = "".join(_mecab_row(e) for e in sorted(set(entries), key=lambda e: e.surface))
    digest = hashlib.sha256(rows.encode("utf-8")).hexdigest()[:16]
    target = _dict_cache() / f"names-{digest}.dic"
    if target.exists():
        return target
    work = Path(tempfile.mkdtemp(prefix="quizgen-dict-"))
    try:
        (work / "names.csv").write_text(rows, "utf-8")
        dicdir = _dicdir()
        # fugashi's dictionary compiler prints progress on stdout from C and may exit the
        # process on error: run it in a child process.
        args = f"fugashi-build-dict -f utf8 -t utf8 -d {dicdir} -u {work / 'user.dic'} {work / 'names.csv'}"
        code = "import sys; from fugashi import build_dictionary; build_dictionary(sys.argv[1])"
        import subprocess  # only here: a build with the dictionary compiled does not need it

        done = subprocess.run(
            [sys.executable, "-c", code, args],
            cwd=work,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0 or not (work / "user.dic").exists():
            raise QuizgenError(
                "names", f"the user dictionary could not be compiled: {done.stderr.strip()[-200:]}",
                "check the names in the reading list's options",
            )  # fmt: skip
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        os.close(fd)
        shutil.copyfile(work / "user.dic", tmp)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


_TAGGERS: dict[tuple[str, ...], Any] = {}

# MeCab writes each word as one line of the fields quizgen reads (unidic-lite's features 0-5:
# part of speech, conjugation type and form; 7: lemma; 10: orthBase; 17: kana), tab-separated,
# the last field "1" for a word the dictionary does not know (whose features stop at 5).
# Reading this string is about a third faster than fugashi's nodes, whose every feature
# Python parses. MeCab prints a "*" feature as empty; "EOS" ends the output, so that
# fugashi's stripping of trailing white space never eats a last word's empty fields.
_OUTPUT_FORMAT = """\
node-format-quizgen = %m\\t%f[0]\\t%f[1]\\t%f[2]\\t%f[3]\\t%f[4]\\t%f[5]\\t%f[7]\\t%f[10]\\t%f[17]\\t\\n
unk-format-quizgen = %m\\t%f[0]\\t%f[1]\\t%f[2]\\t%f[3]\\t%f[4]\\t%f[5]\\t\\t\\t\\t1\\n
bos-format-quizgen =
eos-format-quizgen = EOS
"""


def _rc_file() -> Path:
    """A MeCab resource file defining quizgen's output format (cached beside the names
    dictionary)."""
    digest = hashlib.sha256(_OUTPUT_FORMAT.encode("utf-8")).hexdigest()[:16]
    target = _dict_cache() / f"quizgen-{digest}.rc"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(_OUTPUT_FORMAT)
        os.replace(tmp, target)
    return target


def tagger_args(extra_names: tuple[str, ...] = ()) -> str:
    """MeCab's arguments for unidic-lite with quizgen's names dictionary (and a reading
    list's ``extra_names``)."""
    entries = list(builtin_names()) + user_names(extra_names)
    return f'-d "{_dicdir()}" -u "{compile_user_dictionary(entries)}"'


def get_tagger(extra_names: tuple[str, ...] = ()) -> Any:
    """The process's tagger (one per set of extra names), with quizgen's user dictionary,
    writing quizgen's output format (``_OUTPUT_FORMAT``)."""
    tagger = _TAGGERS.get(extra_names)
    if tagger is None:
        import fugashi

        args = f'{tagger_args(extra_names)} -r "{_rc_file()}" -O quizgen'
        tagger = _TAGGERS[extra_names] = fugashi.GenericTagger(args)
    return tagger


def tokenize(text: str, extra_names: tuple[str, ...] = ()) -> tuple[Token, ...]:
    """Tokenise one sentence into ``Token`` records with offsets into ``text``.

    Results are memoised: the fact and card stages read the same sentence's tokens.

    >>> [t.surface for t in tokenize("習はプーチンと会談した。")]
    ['習', 'は', 'プーチン', 'と', '会談', 'し', 'た', '。']
    """
    return _tokenize(text, extra_names)


@lru_cache(maxsize=4096)
def _tokenize(text: str, extra_names: tuple[str, ...]) -> tuple[Token, ...]:
    tokens: list[Token] = []
    append = tokens.append
    find = text.find
    pos = 0
    for line in get_tagger(extra_names).parse(text).split("\n"):
        fields = line.split("\t")
        if len(fields) != 11:
            continue  # "EOS"
        surface, pos1, pos2, pos3, pos4, ctype, cform, lemma, base, kana, unknown = fields
        start = find(surface, pos)
        if start < 0:
            start = pos
        pos = end = start + len(surface)
        # As fugashi's nodes give them: "*" where UniDic has no value, and for a word the
        # dictionary does not know, no lemma or kana and the surface as its base form.
        if unknown:
            lemma, base = "", surface
        append(
            Token(
                surface, start, end, pos1 or "*", pos2 or "*", pos3 or "*", pos4 or "*",
                ctype or "*", cform or "*", lemma, base, kana, bool(unknown),
            )
        )  # fmt: skip
    return tuple(tokens)


@lru_cache(maxsize=1)
def known_names() -> dict[str, NameEntry]:
    """Shipped names by surface (for kinds UniDic cannot say, such as organisations)."""
    return {e.surface: e for e in builtin_names()}
