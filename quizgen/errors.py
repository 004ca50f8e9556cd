"""The one exception family of quizgen.

Every error a user can cause carries the file (or URL) it is about, what is wrong and
what to do, so the command line can print it as one line::

    Error: decks/x.yaml: articles[2]: 'published' is not a date — write it as 2023-03-29
"""

from __future__ import annotations


class QuizgenError(Exception):
    """Base of every error quizgen raises on purpose."""

    def __init__(self, source: str, problem: str, fix: str = "", entry: str = "") -> None:
        self.source = str(source)
        self.problem = problem
        self.fix = fix
        self.entry = entry
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = self.source + (f": {self.entry}" if self.entry else "")
        text = f"{where}: {self.problem}" if where else self.problem
        return f"{text} — {self.fix}" if self.fix else text


class InputError(QuizgenError):
    """An article cannot be read: missing, not text, wrong encoding, nothing to learn."""


class ReadingListError(QuizgenError):
    """A reading list is unusable: broken YAML, wrong shape, invalid values."""


class FetchError(InputError):
    """A URL could not be fetched."""


class NothingToLearnError(InputError):
    """An article was read but holds no fact worth a card."""


class OutputError(QuizgenError):
    """An output file cannot be written."""


class WorkerError(QuizgenError):
    """A worker process died while building some articles (killed, or out of memory)."""
