"""The package zip: valid for any zip reader, and a rebuild compresses only what changed."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import pytest

from quizgen import apkgzip
from quizgen.apkgzip import SEGMENT, Previous, write_apkg


def _collection(path: Path, size: int, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    words = ["東京", "議席", "2024年", "sqlite", "\x00\x00\x00", "選挙", "ページ"]
    text = "".join(rng.choice(words) for _ in range(size // 4)).encode("utf-8")[:size]
    path.write_bytes(text)
    return text


def _write(tmp_path: Path, collection: Path, previous: Previous | None = None):  # type: ignore[no-untyped-def]
    """The package, its segments, and a file of it (the next build's ``Previous``)."""
    out = io.BytesIO()
    segments = write_apkg(out, collection, b"{}", previous)
    data = tmp_path / f"package-{len(list(tmp_path.glob('package-*')))}.apkg"
    data.write_bytes(out.getvalue())
    return out.getvalue(), segments, data


@pytest.mark.parametrize("size", [0, 1, SEGMENT - 1, SEGMENT, 5 * SEGMENT + 17])
def test_any_zip_reader_gets_the_collection_back(tmp_path: Path, size: int) -> None:
    collection = tmp_path / "collection.anki2"
    content = _collection(collection, size)
    package, _, _ = _write(tmp_path, collection)
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        assert z.testzip() is None  # CRCs and sizes as written in the headers
        assert z.namelist() == ["collection.anki2", "media"]
        assert z.read("collection.anki2") == content
        assert z.read("media") == b"{}"
        assert z.getinfo("collection.anki2").compress_type == zipfile.ZIP_DEFLATED


def _previous(tmp_path: Path, collection: Path, segments, data: Path) -> Previous:  # type: ignore[no-untyped-def]
    """The previous build's files: a copy of its collection (the next build changes the
    collection in place) and its package."""
    before = tmp_path / "previous.anki2"
    before.write_bytes(collection.read_bytes())
    return Previous(before.open("rb"), data.open("rb"), segments)


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    compressed: list[int] = []
    compressobj = apkgzip.zlib.compressobj
    monkeypatch.setattr(
        apkgzip.zlib, "compressobj", lambda *a: compressed.append(1) or compressobj(*a)
    )
    return compressed


def test_a_rebuild_compresses_only_the_segments_that_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    collection = tmp_path / "collection.anki2"
    content = bytearray(_collection(collection, 40 * SEGMENT))
    _, segments, data = _write(tmp_path, collection)
    previous = _previous(tmp_path, collection, segments, data)
    # Two pages change, in two different segments.
    content[3 * SEGMENT + 100 : 3 * SEGMENT + 104] = b"edit"
    content[30 * SEGMENT : 30 * SEGMENT + 4] = b"more"
    collection.write_bytes(bytes(content))

    compressed = _counting(monkeypatch)
    package, _, _ = _write(tmp_path, collection, previous)
    previous.close()
    assert len(compressed) == 2
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        assert z.testzip() is None
        assert z.read("collection.anki2") == bytes(content)


@pytest.mark.parametrize(
    "size", [3 * SEGMENT, 3 * SEGMENT + 5, 5 * SEGMENT - 1, 5 * SEGMENT + 1, 9 * SEGMENT]
)
def test_a_collection_that_grew_or_shrank(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    """A segment is copied only when its bytes are all the same: a last segment that is the
    start of the previous one is compressed again, and so are the new ones."""
    collection = tmp_path / "collection.anki2"
    content = _collection(collection, 5 * SEGMENT)
    _, segments, data = _write(tmp_path, collection)
    previous = _previous(tmp_path, collection, segments, data)
    longer = _collection(tmp_path / "more", 9 * SEGMENT, seed=2)
    content = (content + longer[len(content) :])[:size]
    collection.write_bytes(content)

    compressed = _counting(monkeypatch)
    package, _, _ = _write(tmp_path, collection, previous)
    previous.close()
    same = sum(content[i : i + SEGMENT] == data for i, data in _segments_of(tmp_path))
    assert len(compressed) == -(-size // SEGMENT) - same
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        assert z.testzip() is None
        assert z.read("collection.anki2") == content


def _segments_of(tmp_path: Path) -> list[tuple[int, bytes]]:
    before = (tmp_path / "previous.anki2").read_bytes()
    return [(i, before[i : i + SEGMENT]) for i in range(0, len(before), SEGMENT)]


def test_the_collection_crc_from_the_segments_crcs() -> None:
    rng = random.Random(3)
    assert list(apkgzip._SEGMENT_ZEROS) == apkgzip.zeros_operator(SEGMENT)
    for _ in range(20):
        first = rng.randbytes(rng.randrange(0, 3 * SEGMENT))
        second = rng.randbytes(SEGMENT)
        combined = apkgzip.crc32_combine(apkgzip.zlib.crc32(first), apkgzip.zlib.crc32(second))
        assert combined == apkgzip.zlib.crc32(first + second)


def test_a_damaged_previous_file_is_not_copied_into_the_package(tmp_path: Path) -> None:
    collection = tmp_path / "collection.anki2"
    content = _collection(collection, 8 * SEGMENT)
    _, segments, data = _write(tmp_path, collection)
    damaged = bytearray(data.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    data.write_bytes(bytes(damaged[: len(damaged) - 200]))  # and cut short, into the data
    previous = _previous(tmp_path, collection, segments, data)
    package, _, _ = _write(tmp_path, collection, previous)
    previous.close()
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        assert z.testzip() is None
        assert z.read("collection.anki2") == content
