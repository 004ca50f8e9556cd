"""The article cache: what an article gave (its cleaned text and facts, then its cards),
kept on disk so that a rebuild after editing one article redoes only that article.

Keys hash everything the result depends on: the article's text as read and its entry
(title, date, tags, URL, identity), the options that change facts or cards, and the code
(the quizgen version and a fingerprint of the installed package files, so an upgrade or a
local edit never serves stale results). Entries are pickles in one SQLite database, which
concurrent builds share safely; a damaged or unreadable entry counts as a miss. The cache
lives in ``$QUIZGEN_CACHE_DIR`` or the user's cache directory
(``~/.cache/quizgen/articles.sqlite3``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sqlite3
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import quizgen

FORMAT = "1"
_CONNECTIONS: dict[tuple[int, str], sqlite3.Connection] = {}


def cache_dir() -> Path:
    """Where quizgen keeps fetched pages, processed articles and previous packages:
    ``$QUIZGEN_CACHE_DIR`` or the XDG cache."""
    env = os.environ.get("QUIZGEN_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "quizgen"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """The quizgen version and the size and time of every file of the installed package."""
    root = Path(quizgen.__file__).parent
    digest = hashlib.sha256(f"{quizgen.__version__}:{FORMAT}".encode())
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".csv", ".txt") and path.is_file():
            stat = path.stat()
            digest.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def make_key(*parts: object) -> str:
    digest = hashlib.sha256(code_fingerprint().encode())  # the version is part of it
    for part in parts:
        digest.update(b"\0")
        digest.update(part if isinstance(part, bytes) else repr(part).encode("utf-8"))
    return digest.hexdigest()


class ArticleCache:
    """Pickled results by key, in one SQLite file (default: the user's cache directory).

    One database rather than a file per entry: creating thousands of small files cost more
    than the work they saved. SQLite in WAL mode lets concurrent builds (and a build's worker
    processes) read and write it safely; a writer waits for another up to 30 s.
    """

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else cache_dir()
        self.path = self.root / "articles.sqlite3"

    def _db(self) -> sqlite3.Connection | None:
        # One connection per process and database: a connection must not cross a fork, and
        # a worker gets the cache object pickled with every task.
        key = (os.getpid(), str(self.path))
        conn = _CONNECTIONS.get(key)
        if conn is None:
            try:
                self.root.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                # Checkpoints (each an fsync) every 32 MB of writes, not every 4 MB: a cold
                # build of a thousand articles writes about 30 MB.
                conn.execute("PRAGMA wal_autocheckpoint=8192")
                conn.execute("PRAGMA journal_size_limit=67108864")
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value BLOB)"
                )
            except (OSError, sqlite3.Error):
                return None  # a cache that cannot be opened only costs time
            _CONNECTIONS[key] = conn
        return conn

    def get(self, key: str) -> Any | None:
        conn = self._db()
        if conn is None:
            return None
        try:
            row = conn.execute("SELECT value FROM entries WHERE key = ?", (key,)).fetchone()
            return pickle.loads(row[0]) if row is not None else None
        except Exception:  # a damaged entry or database: rebuild the article
            return None

    def get_many(self, keys: Sequence[str]) -> dict[str, Any]:
        """The values of those ``keys`` that are in the cache (one query per 500 keys)."""
        conn = self._db() if keys else None
        found: dict[str, Any] = {}
        if conn is None:
            return found
        for i in range(0, len(keys), 500):
            part = keys[i : i + 500]
            marks = ",".join("?" * len(part))
            try:
                rows = conn.execute(
                    f"SELECT key, value FROM entries WHERE key IN ({marks})", part
                ).fetchall()
            except sqlite3.Error:
                return found
            for key, value in rows:
                with contextlib.suppress(Exception):  # a damaged entry is a miss
                    found[key] = pickle.loads(value)
        return found

    def put(self, key: str, value: Any) -> None:
        self.put_many([(key, dumps(value))])

    def put_many(self, items: Sequence[tuple[str, bytes]]) -> None:
        """Store pickled values (``dumps``) in one transaction: a transaction per entry
        cost a build more than pickling them."""
        conn = self._db() if items else None
        if conn is None:
            return
        with contextlib.suppress(sqlite3.Error):
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?)", items)
                conn.execute("COMMIT")
            except sqlite3.Error:
                conn.execute("ROLLBACK")
                raise


def dumps(value: Any) -> bytes:
    """A value as the cache stores it."""
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


class CacheWriter:
    """Writes gathered by the build's own process and stored in batches: worker processes
    send theirs back with their results instead of each opening a transaction."""

    def __init__(self, cache: ArticleCache | None, batch: int = 64) -> None:
        self.cache, self.batch = cache, batch
        self.pending: list[tuple[str, bytes]] = []

    def add(self, items: Sequence[tuple[str, bytes]]) -> None:
        if self.cache is None:
            return
        self.pending.extend(items)
        if len(self.pending) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if self.cache is not None and self.pending:
            self.cache.put_many(self.pending)
        self.pending = []
