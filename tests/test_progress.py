"""The progress bar: on a terminal only, never with --quiet, never in captured output."""

from __future__ import annotations

import io
import sys

import pytest

from quizgen.cli import _Progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_articles_cards_and_time_left_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    progress = _Progress(quiet=False)
    progress("read", 10, 20, 0)
    progress("cards", 5, 20, 123)
    progress.finish()
    shown = terminal.getvalue()
    assert "5/20 articles" in shown and "123 cards" in shown and "left" in shown
    assert shown.startswith("\r") and shown.endswith("\r\033[K")


@pytest.mark.parametrize(
    ("tty", "quiet", "total"), [(False, False, 50), (True, True, 50), (True, False, 3)]
)
def test_progress_is_silent_off_a_terminal_with_quiet_or_for_a_few_articles(
    monkeypatch: pytest.MonkeyPatch, tty: bool, quiet: bool, total: int
) -> None:
    stream = _Terminal() if tty else io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    progress = _Progress(quiet=quiet)
    progress("cards", 1, total, 10)
    progress.finish()
    assert stream.getvalue() == ""
