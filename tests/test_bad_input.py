"""Bad input gets a one-line error naming the file and the fix, a non-zero exit, no traceback,
and no half-written output; one bad article does not lose the others."""

from __future__ import annotations

import errno
import os
import sqlite3
import tempfile
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import DECKS, import_into_anki
from servers import Handler, LocalServer

from quizgen.cli import main
from quizgen.errors import FetchError
from quizgen.fetch import Fetcher
from quizgen.load import MAX_ARTICLE_BYTES

GOOD = (DECKS / "articles" / "boj-rate.txt").read_text("utf-8")
runner = CliRunner()


def build(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(main, ["build", *args])


def _one(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, "utf-8")
    else:
        path.write_bytes(data)
    return path


def _zip_bytes(tmp_path: Path) -> bytes:
    with zipfile.ZipFile(tmp_path / "z.zip", "w") as z:
        z.writestr("a.txt", "x")
    return (tmp_path / "z.zip").read_bytes()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "is empty — put the article's text in it"),
        ("blank.txt", b"  \n\t\n\xe3\x80\x80\n", "holds only white space"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is a PNG image, not an article"),
        (
            "bytes.txt",
            b"\x80\x81\x82\xff\xfe\xfd" * 20,
            "cannot be decoded as UTF-8, Shift_JIS, EUC-JP or ISO-2022-JP",
        ),
        ("nul.txt", b"abc\x00def\x00" * 10, "is a binary file, not an article"),
        ("english.txt", "This is an English text. It has sentences.\n" * 5, "has no Japanese text"),
        ("menu.txt", "ホーム\nニュース\n経済\nスポーツ\n", "no article body found"),
        (
            "nothing.txt",
            "きょうはとても良い天気でした。のんびり散歩をして、おいしいお茶を飲みました。",
            "no facts found",
        ),
    ],
)
def test_unusable_article(tmp_path: Path, name: str, data: bytes | str, message: str) -> None:
    path = _one(tmp_path, name, data)
    out = tmp_path / "out.apkg"
    result = build(str(path), "-o", str(out))
    assert result.exit_code == 1, result.output
    assert f"Error: {path}: " in result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.apkg")]


def test_zip_file(tmp_path: Path) -> None:
    path = _one(tmp_path, "a.txt", _zip_bytes(tmp_path))
    result = build(str(path), "-o", str(tmp_path / "o.apkg"))
    assert result.exit_code == 1 and "is a zip archive, not an article" in result.output


def test_missing_file_and_directory(tmp_path: Path) -> None:
    result = build(str(tmp_path / "nope.txt"), "-o", str(tmp_path / "o.apkg"))
    assert result.exit_code == 1 and "nope.txt: no such file — check the path" in result.output
    (tmp_path / "dir.txt").mkdir()
    result = build(str(tmp_path / "dir.txt"), "-o", str(tmp_path / "o.apkg"))
    assert result.exit_code == 1 and "is a directory, not an article" in result.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_file(tmp_path: Path) -> None:
    path = _one(tmp_path, "a.txt", GOOD)
    path.chmod(0)
    result = build(str(path), "-o", str(tmp_path / "o.apkg"))
    assert result.exit_code == 1 and "permission denied" in result.output


def test_too_large_article_is_refused_with_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("w", encoding="utf-8") as handle:
        line = "日本銀行は19日、金融政策決定会合で利上げを決めた。\n"
        handle.write(line * (20 * 1024 * 1024 // len(line.encode())))
    assert path.stat().st_size > MAX_ARTICLE_BYTES
    result = build(str(path), "-o", str(tmp_path / "o.apkg"))
    assert result.exit_code == 1
    assert "larger than the 10.0 MB limit — split it into several articles" in result.output


def test_bom_and_mixed_line_endings(tmp_path: Path) -> None:
    text = GOOD.replace("\n", "\r\n", 5)
    path = _one(tmp_path, "a.txt", b"\xef\xbb\xbf" + text.encode("utf-8"))
    result = runner.invoke(main, ["facts", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert '"日本銀行"' in result.output or "日本銀行" in result.output
    assert "\\r" not in result.output


@pytest.mark.parametrize("encoding", ["utf-8", "cp932", "euc_jp", "iso2022_jp"])
def test_japanese_encodings(tmp_path: Path, encoding: str) -> None:
    path = _one(tmp_path, "a.txt", GOOD.encode(encoding))
    result = runner.invoke(main, ["clean", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert "日本銀行は19日の金融政策決定会合で" in result.output


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.org/a.html", "javascript:alert(1)"]
)
def test_unsupported_url_schemes(tmp_path: Path, url: str) -> None:
    result = build(url, "-o", str(tmp_path / "o.apkg"))
    assert result.exit_code == 1
    assert (
        "unsupported URL scheme" in result.output
        and "use an http:// or https:// address" in result.output
    )


def test_urls_against_a_local_server(tmp_path: Path) -> None:
    fetcher = Fetcher(timeout=1.0, cache=tmp_path / "cache")
    with LocalServer() as server:
        page = fetcher.fetch(server.base + "/page")
        assert "日本銀行" in page.body.decode("utf-8")
        assert fetcher.fetch(server.base + "/redirect").body == page.body
        cases = {
            "/missing": "the server answered 404",
            "/loop": "too many redirects",
            "/png": "is not an HTML page (Content-Type: image/png)",
            "/big": "larger than the 10 MB limit",
            "/slow": "no answer within 1 s",
        }
        for path, message in cases.items():
            with pytest.raises(FetchError) as info:
                fetcher.fetch(server.base + path)
            assert message in info.value.message, (path, info.value.message)
        # The second fetch of a page comes from the cache.
        before = Handler.hits.get("/page", 0)
        assert fetcher.fetch(server.base + "/page").from_cache
        assert Handler.hits.get("/page", 0) == before


def test_url_build_and_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUIZGEN_CACHE_DIR", str(tmp_path / "cache"))
    with LocalServer() as server:
        url = server.base + "/page?x=1"
        result = runner.invoke(main, ["facts", url, "--json"])
        assert result.exit_code == 0, result.output
        assert '"published": "2024-03-19T15:00:00+09:00"' in result.output
        assert "クマ" not in result.output and "ホーム" not in result.output
        hits = Handler.hits["/page?x=1"]
        assert runner.invoke(main, ["facts", url, "--json"]).exit_code == 0
        assert Handler.hits["/page?x=1"] == hits
        sjis = runner.invoke(main, ["clean", server.base + "/sjis", "--json"])
        assert "日本銀行は19日の金融政策決定会合で" in sjis.output


def test_output_in_missing_directory_or_unwritable(tmp_path: Path) -> None:
    article = _one(tmp_path, "a.txt", GOOD)
    result = build(str(article), "-o", str(tmp_path / "no" / "such" / "o.apkg"))
    assert (
        result.exit_code == 2 and "does not exist — create it or choose another -o" in result.output
    )
    result = build(str(article), "-o", str(tmp_path))
    assert result.exit_code == 2 and "is a directory" in result.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes files whatever their permissions")
def test_read_only_output_file(tmp_path: Path) -> None:
    article = _one(tmp_path, "a.txt", GOOD)
    out = _one(tmp_path, "o.apkg", b"previous")
    out.chmod(0o444)
    result = build(str(article), "-o", str(out))
    assert result.exit_code == 2 and "not writable" in result.output
    assert out.read_bytes() == b"previous"


def test_a_cache_directory_that_cannot_be_written_costs_only_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A read-only home, or a file in the way: the build goes on without the cache, says so
    # once, and keeps its names dictionary in a private temporary directory instead.
    _one(tmp_path, "a.txt", GOOD)
    (tmp_path / "l.yaml").write_text(
        "deck: t\noptions: {names: [架空太郎]}\narticles: [a.txt]\n", "utf-8"
    )
    blocker = _one(tmp_path, "blocker", "a file, not a directory")
    monkeypatch.setenv("QUIZGEN_CACHE_DIR", str(blocker / "quizgen"))
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    out = tmp_path / "o.apkg"
    result = build(str(tmp_path / "l.yaml"), "-o", str(out))
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("Warning: ")]
    assert warnings == [
        f"Warning: {blocker / 'quizgen'}: the cache cannot be used (Not a directory): working"
        " without it, as with --no-cache — set QUIZGEN_CACHE_DIR to a writable directory"
    ]
    assert "Traceback" not in result.output
    col = import_into_anki(tmp_path / "anki.anki2", out)
    assert col.note_count() > 10
    col.close()
    (private,) = temp.iterdir()
    assert private.stat().st_mode & 0o777 == 0o700
    assert [p.suffix for p in (private / "dict").iterdir()].count(".dic") == 1


def test_full_disk_where_the_package_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The package is built in a working collection (in the cache directory, or the
    # temporary one): SQLite's page limit gives the error a full disk gives.
    article = _one(tmp_path, "a.txt", GOOD)
    out = _one(tmp_path, "o.apkg", b"previous")
    connect = sqlite3.connect

    def small(path: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        conn = connect(path, *args, **kwargs)
        if str(path).endswith("collection.anki2"):
            conn.execute("PRAGMA max_page_count = 17")  # the schema takes 16
        return conn

    monkeypatch.setattr(sqlite3, "connect", small)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv("TMPDIR", str(work))
    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    for flags in (["--no-cache"], []):
        result = build(str(article), "-o", str(out), *flags)
        assert result.exit_code == 2, result.output
        lines = result.output.splitlines()
        assert len(lines) == 1 and "database or disk is full" in lines[0], result.output
        setting = "TMPDIR" if flags else "QUIZGEN_CACHE_DIR"
        assert lines[0].endswith(f"free some space, or set {setting} to another place")
        assert out.read_bytes() == b"previous"
    assert not list(work.iterdir())  # the working copy is gone
    assert not [p for p in tmp_path.rglob(".quizgen-*")]


def test_full_disk_where_the_output_goes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    article = _one(tmp_path, "a.txt", GOOD)
    out = _one(tmp_path, "o.apkg", b"previous")

    def full(*args: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("quizgen.anki.write_apkg", full)
    result = build(str(article), "-o", str(out))
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {out}: cannot be written (No space left on device)"
        " — free some space or choose another -o\n"
    )
    assert out.read_bytes() == b"previous"
    assert {p.name for p in tmp_path.iterdir()} == {"a.txt", "o.apkg"}


@pytest.mark.parametrize(
    ("target", "name"),
    [
        # Ctrl-C while the cards are being made.
        ("quizgen.pipeline", "make_cards"),
        # Ctrl-C while the package is being zipped (the temporary file exists by then).
        ("quizgen.apkgzip", "_deflate"),
    ],
)
def test_interrupted_build_leaves_previous_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str, name: str
) -> None:
    article = _one(tmp_path, "a.txt", GOOD)
    out = _one(tmp_path, "o.apkg", b"previous")

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(f"{target}.{name}", interrupted)
    result = build(str(article), "-o", str(out))
    assert result.exit_code == 130
    assert "interrupted" in result.output
    assert out.read_bytes() == b"previous"
    assert {p.name for p in tmp_path.iterdir()} == {"a.txt", "o.apkg"}


def test_strict_stops_at_first_failure(tmp_path: Path) -> None:
    _one(tmp_path, "good.txt", GOOD)
    (tmp_path / "l.yaml").write_text(
        "deck: t\narticles:\n  - path: missing.txt\n  - path: good.txt\n", "utf-8"
    )
    out = tmp_path / "o.apkg"
    result = build(str(tmp_path / "l.yaml"), "-o", str(out), "--strict")
    assert result.exit_code == 1
    assert "--strict" in result.output
    assert not out.exists()


HOSTILE = """---
title: <script>alert('t')</script>見出し
published: 2024-03-19
---
日本銀行は19日、<script>alert(1)</script>と<img src=x onerror=alert(2)>を含む文書を公表した。
植田和男総裁は{{c1::秘密}}と{{Front}}、<style>body{display:none}</style>について説明した。
東京都では&amp;や::を含む「テスト用語」が話題となり、約100人が集まった。
"""


def test_hostile_article_shows_as_text_in_anki(tmp_path: Path) -> None:
    article = _one(tmp_path, "hostile.txt", HOSTILE)
    out = tmp_path / "h.apkg"
    result = build(str(article), "-o", str(out))
    assert result.exit_code == 0, result.output
    col = import_into_anki(tmp_path / "c.anki2", out)
    try:
        cids = col.find_cards("")
        assert cids
        seen_script_text = False
        for cid in cids:
            card = col.get_card(cid)
            for side in (card.question(), card.answer()):
                assert "<script" not in side
                assert "<img" not in side
                assert "<style>body" not in side
                seen_script_text |= "&lt;script&gt;" in side
            note = card.note()
            if note.note_type()["type"] == 1:  # cloze
                assert len(note.cards()) == len(set(c.ord for c in note.cards()))
                assert "秘密" not in [m for m in card.answer().split('class="cloze"')[1:2]]
        assert seen_script_text
    finally:
        col.close()


def test_permission_denied_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Even as root (CI), a file the OS refuses to read gives the one-line error."""
    path = _one(tmp_path, "a.txt", GOOD)

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    result = build(str(path), "-o", str(tmp_path / "o.apkg"))
    assert result.exit_code == 1
    assert f"Error: {path}: permission denied — make the file readable" in result.output


def test_output_that_cannot_be_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An output file held open or locked elsewhere: the rename fails, the old file stays."""
    import quizgen.output as output

    article = _one(tmp_path, "a.txt", GOOD)
    out = _one(tmp_path, "o.apkg", b"previous")

    def locked(src: str, dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(output.os, "replace", locked)
    result = build(str(article), "-o", str(out))
    assert result.exit_code == 2
    assert (
        f"Error: {out}: cannot be written (Permission denied) — close it or choose another -o"
        in result.output
    )
    assert out.read_bytes() == b"previous"
    assert {p.name for p in tmp_path.iterdir()} == {"a.txt", "o.apkg"}
