"""The article cache: what an article gave (its cleaned text and facts, then its cards),
kept on disk so that a rebuild after editing one article redoes only that article.

Keys hash everything the result depends on: the article's text as read and its entry
(title, date, tags, URL, identity), the options that change facts or cards, and the code
(the quizgen version and a fingerprint of the installed package files, so an upgrade or a
local edit never serves stale results). Entries are pickles written to a temporary file and
renamed into place, so concurrent builds never read half a file; a damaged or unreadable
entry counts as a miss. The cache lives in ``$QUIZGEN_CACHE_DIR`` or the user's cache
directory (``~/.cache/quizgen/articles``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import quizgen
from quizgen.fetch import cache_dir

FORMAT = "1"


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
    digest = hashlib.sha256(quizgen.__version__.encode() + b"\0" + code_fingerprint().encode())
    for part in parts:
        digest.update(b"\0")
        digest.update(part if isinstance(part, bytes) else repr(part).encode("utf-8"))
    return digest.hexdigest()


class ArticleCache:
    """Pickled results by key under ``root`` (default: the user's cache directory)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else cache_dir() / "articles"

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.pickle"

    def get(self, key: str) -> Any | None:
        try:
            with self._path(key).open("rb") as fh:
                return pickle.load(fh)
        except FileNotFoundError:
            return None
        except Exception:  # a damaged entry (interrupted disk, other version): rebuild it
            return None

    def put(self, key: str, value: Any) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError:
            # A cache that cannot be written only costs time.
            with contextlib.suppress(OSError, UnboundLocalError):
                os.unlink(tmp)
