"""Writing output files atomically: a temporary file in the same directory, renamed into place.

An interrupted or failed build leaves the previous output untouched and no partial file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from quizgen.errors import OutputError


def check_output(path: Path) -> None:
    """Fail early, before any work, when ``path`` cannot be written."""
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise OutputError(str(path), "is a directory", "give a file name such as deck.apkg")
    if not parent.is_dir():
        raise OutputError(
            str(path), f"the directory {parent} does not exist", "create it or choose another -o"
        )
    if not os.access(parent, os.W_OK):
        raise OutputError(str(path), f"the directory {parent} is not writable", "choose another -o")
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputError(
            str(path),
            "the file is not writable (read-only or locked)",
            "close it or choose another -o",
        )


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[str]:
    """Yield a temporary path beside ``path``; on success it replaces ``path``."""
    check_output(path)
    parent = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield tmp
        # mkstemp makes the file private (0600); give it the mode a new file would have.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(
            str(path), f"cannot be written ({exc.strerror or exc})", _fix(exc, "choose another -o")
        ) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _fix(error: OSError, other: str) -> str:
    """What to do about a failed write: a full disk is not a locked file."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"free some space or {other}"
    return f"close it or {other}"


def write_text_atomic(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, "utf-8")


def write_bytes_atomic(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        Path(tmp).write_bytes(data)
