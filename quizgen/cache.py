"""The article cache: what an article gave (its cleaned text and facts, then its cards),
kept on disk so that a rebuild after editing one article redoes only that article.

Keys hash everything the result depends on: the article's text as read and its entry
(title, date, tags, URL, identity), the options that change facts or cards, and the code
(the quizgen version and a fingerprint of the installed package files, so an upgrade or a
local edit never serves stale results). Entries are pickles in one SQLite database, which
concurrent builds share safely; a damaged or unreadable entry counts as a miss, and a
damaged database is replaced by a new one. The cache lives in ``$QUIZGEN_CACHE_DIR`` or
the user's cache directory (``~/.cache/quizgen/articles.sqlite3``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sqlite3
import stat
import time
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import quizgen

FORMAT = "1"
DEFAULT_LIMIT_MB = 1024
_CONNECTIONS: dict[tuple[int, str], sqlite3.Connection] = {}


# An entry with the day it was last written or read.
_SELECT = (
    "SELECT e.key, e.value, max(e.used, coalesce(r.day, 0)) FROM entries AS e"
    " LEFT JOIN reads AS r ON r.key = e.key WHERE e.key {}"
)


def today() -> int:
    """The day an entry was last written or read, in days since 1970 (a build marks what
    it reads once a day at most)."""
    return int(time.time() // 86400)


def cache_limit() -> int:
    """The most the article cache keeps, in bytes: ``$QUIZGEN_CACHE_MB`` megabytes, else
    ``DEFAULT_LIMIT_MB``."""
    value = os.environ.get("QUIZGEN_CACHE_MB", "")
    try:
        megabytes = float(value) if value else DEFAULT_LIMIT_MB
    except ValueError:
        megabytes = DEFAULT_LIMIT_MB
    return int(max(megabytes, 0) * 1024 * 1024)


def cache_dir() -> Path:
    """Where quizgen keeps fetched pages, processed articles and previous packages:
    ``$QUIZGEN_CACHE_DIR`` or the XDG cache."""
    env = os.environ.get("QUIZGEN_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "quizgen"


def unwritable(path: Path) -> str | None:
    """Why the directory ``path`` cannot be made or written (None: it can)."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return exc.strerror or str(exc)
    if not os.access(path, os.W_OK | os.X_OK):
        return "not writable"
    return None


def private_temp_dir(name: str) -> Path:
    """A directory of this user's own in the temporary one, for what the cache directory
    cannot keep (read-only): ``quizgen-<uid>/name``, mode 0700, reused only while it is
    this user's and private, else a new one for this run."""
    import tempfile  # only when the cache directory cannot be written

    uid = os.getuid() if hasattr(os, "getuid") else None
    base = Path(tempfile.gettempdir()) / f"quizgen-{uid if uid is not None else 'user'}"
    try:
        base.mkdir(mode=0o700, exist_ok=True)
        info = os.lstat(base)
        if (
            not stat.S_ISDIR(info.st_mode)
            or info.st_mode & 0o077
            or (uid is not None and info.st_uid != uid)
        ):
            raise PermissionError(f"{base} is not private")
        path = base / name
        path.mkdir(exist_ok=True)
    except OSError:
        return Path(tempfile.mkdtemp(prefix=f"quizgen-{name}-"))
    return path


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """The quizgen version and the size and time of every source and data file of the
    installed package (``os.walk``: pathlib's rglob took 3 ms of every build)."""
    root = os.path.dirname(quizgen.__file__)
    files = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [d for d in subfolders if d != "__pycache__"]
        for name in names:
            if name.endswith((".py", ".csv", ".txt")):
                path = os.path.join(folder, name)
                stat = os.stat(path)
                files.append(f"{os.path.relpath(path, root)}:{stat.st_size}:{stat.st_mtime_ns}")
    digest = hashlib.sha256(f"{quizgen.__version__}:{FORMAT}".encode())
    for line in sorted(files):
        digest.update(line.encode())
    return digest.hexdigest()[:16]


@lru_cache(maxsize=4)
def _code_digest(fingerprint: str) -> Any:
    return hashlib.sha256(fingerprint.encode())


def make_key(*parts: object) -> str:
    """A hex SHA-256 of the code's version and ``parts`` (bytes, or their repr), each after
    a NUL byte. A rebuild makes three keys an article: one ``update`` of the joined parts
    takes half the time of two per part."""
    digest = _code_digest(code_fingerprint()).copy()  # the version is part of every key
    encoded = [p if isinstance(p, bytes) else repr(p).encode("utf-8") for p in parts]
    digest.update(b"\0" + b"\0".join(encoded))
    return digest.hexdigest()


class ArticleCache:
    """Pickled results by key, in one SQLite file (default: the user's cache directory).

    One database rather than a file per entry: creating thousands of small files cost more
    than the work they saved. SQLite in WAL mode lets concurrent builds (and a build's worker
    processes) read and write it safely; a writer waits for another up to 30 s.

    Each entry records the day it was last written or read; ``prune`` drops the entries
    used longest ago once the cache holds more than ``limit`` bytes.
    """

    def __init__(self, root: Path | None = None, limit: int | None = None) -> None:
        self.root = root if root is not None else cache_dir()
        self.path = self.root / "articles.sqlite3"
        self.limit = cache_limit() if limit is None else limit

    def _db(self) -> sqlite3.Connection | None:
        # One connection per process and database: a connection must not cross a fork, and
        # a worker gets the cache object pickled with every task.
        key = (os.getpid(), str(self.path))
        conn = _CONNECTIONS.get(key)
        if conn is None:
            try:
                conn = self._connect()
            except sqlite3.OperationalError:
                return None  # locked or unwritable: a cache that cannot be opened costs time
            except sqlite3.DatabaseError:  # not a database (any more): start a new one
                self._discard()
                try:
                    conn = self._connect()
                except (OSError, sqlite3.Error):
                    return None
            except OSError:
                return None
            _CONNECTIONS[key] = conn
        return conn

    def _connect(self) -> sqlite3.Connection:
        self.root.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            # Space freed by ``prune`` goes back to the file system (a new database only: an
            # existing one keeps its mode).
            conn.execute("PRAGMA auto_vacuum=INCREMENTAL")
            conn.execute("PRAGMA journal_mode=WAL")
            # No fsync: a crash of the program never damages the database, and a crash of
            # the system that does is repaired by starting a new one (``_discard``). Each
            # build's closing checkpoint took 40 ms syncing on a virtual disk.
            conn.execute("PRAGMA synchronous=OFF")
            # Checkpoints every 32 MB of writes, not every 4 MB: a cold build of a thousand
            # articles writes about 30 MB.
            conn.execute("PRAGMA wal_autocheckpoint=8192")
            conn.execute("PRAGMA journal_size_limit=67108864")
            # Pages read through a memory map, not a system call and a copy each: a rebuild
            # looks up two thousand entries scattered over the file (a tenth faster).
            conn.execute("PRAGMA mmap_size=1073741824")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS entries"
                " (key TEXT PRIMARY KEY, value BLOB, used INTEGER NOT NULL DEFAULT 0)"
            )
            columns = [row[1] for row in conn.execute("PRAGMA table_info(entries)")]
            if "used" not in columns:  # a cache written by an earlier quizgen
                with contextlib.suppress(sqlite3.OperationalError):  # added meanwhile
                    conn.execute("ALTER TABLE entries ADD COLUMN used INTEGER NOT NULL DEFAULT 0")
            # The day an entry was last read, apart: updating an entry's own row would write
            # its whole value again.
            conn.execute(
                "CREATE TABLE IF NOT EXISTS reads"
                " (key TEXT PRIMARY KEY, day INTEGER NOT NULL) WITHOUT ROWID"
            )
        except BaseException:
            conn.close()
            raise
        return conn

    def _discard(self) -> None:
        """Remove a damaged database (and its log): the next use starts a new one."""
        self.close()
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.unlink(f"{self.path}{suffix}")

    def _failed(self, error: sqlite3.Error) -> None:
        """After a query failed: a damaged database is discarded (busy is only a miss)."""
        if isinstance(error, sqlite3.DatabaseError) and not isinstance(
            error, sqlite3.OperationalError
        ):
            self._discard()

    def get(self, key: str) -> Any | None:
        return self.get_many([key]).get(key)

    def get_many(self, keys: Sequence[str]) -> dict[str, Any]:
        """The values of those ``keys`` that are in the cache (one query per 500 keys)."""
        conn = self._db() if keys else None
        found: dict[str, Any] = {}
        if conn is None:
            return found
        day, stale = today(), []
        for i in range(0, len(keys), 500):
            part = keys[i : i + 500]
            marks = ",".join("?" * len(part))
            try:
                rows = conn.execute(_SELECT.format(f"IN ({marks})"), part).fetchall()
            except sqlite3.Error as error:
                self._failed(error)
                return found
            loads = pickle.loads
            for key, value, used in rows:
                # try, not contextlib.suppress: a context manager per row was a third of
                # the time of reading 2,000 entries
                try:
                    found[key] = loads(value)
                except Exception:  # a damaged entry is a miss
                    pass
                if used < day:
                    stale.append(key)
        self._touch(conn, stale)
        return found

    def touch(self, keys: Sequence[str]) -> None:
        """Mark entries read today without reading them (``prune`` keeps them longer)."""
        conn = self._db() if keys else None
        if conn is not None:
            self._touch(conn, keys)

    def _touch(self, conn: sqlite3.Connection, keys: Sequence[str]) -> None:
        """Mark entries read today (not done when the database is busy: it only makes them
        likelier to be pruned)."""
        if not keys:
            return
        day = today()
        with contextlib.suppress(sqlite3.Error), _transaction(conn):
            conn.executemany("INSERT OR REPLACE INTO reads VALUES (?, ?)", [(k, day) for k in keys])

    def put(self, key: str, value: Any) -> None:
        self.put_many([(key, dumps(value))])

    def put_many(self, items: Sequence[tuple[str, bytes]]) -> None:
        """Store pickled values (``dumps``) in one transaction: a transaction per entry
        cost a build more than pickling them."""
        conn = self._db() if items else None
        if conn is None:
            return
        try:
            with _transaction(conn):
                conn.executemany(f"INSERT OR REPLACE INTO entries VALUES (?, ?, {today()})", items)
        except sqlite3.Error as error:  # busy: not stored this time (damaged: discarded)
            self._failed(error)

    def prune(self) -> int:
        """When the entries take more than ``limit`` bytes, delete those used longest ago
        (the oldest written first among those of a day) until they take three quarters of
        it; returns how many were deleted. The freed pages go back to the file system (a
        cache file made by an earlier quizgen keeps its size and reuses them)."""
        conn = self._db()
        if conn is None:
            return 0
        try:
            (page_size,) = conn.execute("PRAGMA page_size").fetchone()
            (pages,) = conn.execute("PRAGMA page_count").fetchone()
            (free,) = conn.execute("PRAGMA freelist_count").fetchone()
            excess = (pages - free) * page_size - self.limit * 3 // 4
            if (pages - free) * page_size <= self.limit:
                return 0
            doomed = []
            for key, size in conn.execute(
                "SELECT e.key, length(e.key) + length(e.value) FROM entries AS e"
                " LEFT JOIN reads AS r ON r.key = e.key"
                " ORDER BY max(e.used, coalesce(r.day, 0)), e.rowid"
            ):
                if excess <= 0:
                    break
                doomed.append((key,))
                excess -= size
            with _transaction(conn):
                conn.executemany("DELETE FROM entries WHERE key = ?", doomed)
                conn.executemany("DELETE FROM reads WHERE key = ?", doomed)
            conn.executescript("PRAGMA incremental_vacuum;")  # stepped to the end: every page
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()  # the file shrinks now
        except sqlite3.Error:  # busy or damaged: pruned by a later build
            return 0
        return len(doomed)

    def close(self) -> None:
        """Close this process's connection (the next use opens it again). The last
        connection to close moves the write-ahead log into the database: left to the
        interpreter's exit, that did not always happen, and the next build had to read
        the whole log (tens of MB after a cold build) before its first query."""
        conn = _CONNECTIONS.pop((os.getpid(), str(self.path)), None)
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.close()


@contextlib.contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """One write transaction (the connection is in autocommit mode), rolled back on error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


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
