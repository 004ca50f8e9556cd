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
    out, keep = io.BytesIO(), io.BytesIO()
    segments = write_apkg(out, collection, b"{}", previous, keep)
    data = tmp_path / "kept.deflated"
    data.write_bytes(keep.getvalue())
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


def test_a_rebuild_compresses_only_the_segments_that_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    collection = tmp_path / "collection.anki2"
    content = bytearray(_collection(collection, 40 * SEGMENT))
    _, segments, data = _write(tmp_path, collection)
    # Two pages change, in two different segments.
    content[3 * SEGMENT + 100 : 3 * SEGMENT + 104] = b"edit"
    content[30 * SEGMENT : 30 * SEGMENT + 4] = b"more"
    collection.write_bytes(bytes(content))

    compressed = []
    compressobj = apkgzip.zlib.compressobj
    monkeypatch.setattr(
        apkgzip.zlib, "compressobj", lambda *a: compressed.append(1) or compressobj(*a)
    )
    with data.open("rb") as kept:
        package, _, _ = _write(tmp_path, collection, Previous(kept, segments))
    assert len(compressed) == 2
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        assert z.read("collection.anki2") == bytes(content)


def test_a_damaged_previous_file_is_not_copied_into_the_package(tmp_path: Path) -> None:
    collection = tmp_path / "collection.anki2"
    content = _collection(collection, 8 * SEGMENT)
    _, segments, data = _write(tmp_path, collection)
    damaged = bytearray(data.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    data.write_bytes(bytes(damaged[:-10]))  # and cut short
    with data.open("rb") as kept:
        package, _, _ = _write(tmp_path, collection, Previous(kept, segments))
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        assert z.read("collection.anki2") == content
