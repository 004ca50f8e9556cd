"""The package's zip file, written so that a rebuild compresses only what changed.

The collection is deflated in independent segments (``SEGMENT`` bytes each, every one
from a fresh compressor and ended with a sync flush, so the segments join into one valid
deflate stream, as pigz's do). A segment whose bytes the previous build of the package
already compressed is copied from what that build kept (its deflated collection, beside
its base in the cache) instead of compressed again; the others are compressed on every core (zlib lets other threads run while it works). After a
rebuild that changed one article of a thousand, most segments of its 20 MB collection are
the same bytes as before.

Only what Anki needs of the zip format is written: stored or deflated members, no zip64
(a collection over ``MAX_SIZE`` is written by ``zipfile`` instead).
"""

from __future__ import annotations

import hashlib
import os
import struct
import time
import zlib
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

SEGMENT = 64 * 1024
MAX_SIZE = 2**31  # beyond this, zipfile (with zip64) writes the package
_FINAL_BLOCK = b"\x03\x00"  # an empty final block: ends the deflate stream

# Each segment's digest, and its deflated bytes' length and CRC-32 (a damaged file of the
# previous build is not copied into a package), in order.
Segments = list[tuple[bytes, int, int]]


class Previous:
    """What the previous build's zip holds: its deflated segments by digest."""

    def __init__(self, data: BinaryIO, segments: Segments) -> None:
        self.data = data
        self.at: dict[bytes, tuple[int, int, int]] = {}
        offset = 0
        for digest, length, check in segments:
            self.at.setdefault(digest, (offset, length, check))
            offset += length

    def read(self, digest: bytes) -> bytes | None:
        place = self.at.get(digest)
        if place is None:
            return None
        offset, length, check = place
        data = os.pread(self.data.fileno(), length, offset)
        return data if len(data) == length and zlib.crc32(data) == check else None


def _deflate(segment: bytes, previous: Previous | None) -> tuple[bytes, bytes]:
    digest = hashlib.sha256(segment).digest()
    known = previous.read(digest) if previous is not None else None
    if known is not None:
        return digest, known
    compressor = zlib.compressobj(1, zlib.DEFLATED, -15)
    return digest, compressor.compress(segment) + compressor.flush(zlib.Z_SYNC_FLUSH)


def _segments(
    source: BinaryIO, previous: Previous | None, crc: list[int]
) -> Iterator[tuple[bytes, bytes]]:
    """(digest, deflated bytes) of each segment of ``source``, in order, a few in flight
    at a time; ``crc[0]`` becomes the CRC-32 of all of it."""
    workers = os.cpu_count() or 1
    with ThreadPoolExecutor(workers) as pool:
        pending: deque[Future[tuple[bytes, bytes]]] = deque()
        while segment := source.read(SEGMENT):
            crc[0] = zlib.crc32(segment, crc[0])
            crc[1] += len(segment)
            pending.append(pool.submit(_deflate, segment, previous))
            if len(pending) >= 4 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _dos_time(stamp: float) -> tuple[int, int]:
    t = time.localtime(stamp)
    year = max(t.tm_year, 1980)
    return (
        (t.tm_hour << 11) | (t.tm_min << 5) | (t.tm_sec // 2),
        ((year - 1980) << 9) | (t.tm_mon << 5) | t.tm_mday,
    )


def _local_header(
    name: bytes, method: int, dos: tuple[int, int], crc: int, sizes: tuple[int, int]
) -> bytes:
    return (
        struct.pack(
            "<4s2B4HL2L2H", b"PK\x03\x04", 20, 0, 0, method, *dos, crc, *sizes, len(name), 0
        )
        + name
    )


def write_apkg(
    out: BinaryIO,
    collection: Path,
    media: bytes,
    previous: Previous | None = None,
    keep: BinaryIO | None = None,
) -> Segments:
    """Write the package zip (``collection.anki2`` deflated, ``media`` stored) to ``out``;
    segments found in ``previous`` are copied from it. The deflated collection is also
    written to ``keep`` (the next build's ``Previous``). Returns the segments' digests and
    lengths, in order."""
    dos = _dos_time(time.time())
    entries = []
    segments: Segments = []

    # collection.anki2: the header is written again with the sizes and CRC once known.
    name = b"collection.anki2"
    offset = out.tell()
    out.write(_local_header(name, 8, dos, 0, (0, 0)))
    read = [0, 0]  # CRC-32 and size of the collection
    compressed = 0
    with open(collection, "rb") as source:
        for digest, data in _segments(source, previous, read):
            out.write(data)
            if keep is not None:
                keep.write(data)
            segments.append((digest, len(data), zlib.crc32(data)))
            compressed += len(data)
    crc, size = read
    out.write(_FINAL_BLOCK)
    compressed += len(_FINAL_BLOCK)
    end = out.tell()
    out.seek(offset)
    out.write(_local_header(name, 8, dos, crc, (compressed, size)))
    out.seek(end)
    entries.append((name, 8, crc, compressed, size, offset))

    name = b"media"
    offset = out.tell()
    crc = zlib.crc32(media)
    out.write(_local_header(name, 0, dos, crc, (len(media), len(media))))
    out.write(media)
    entries.append((name, 0, crc, len(media), len(media), offset))

    directory = out.tell()
    for name, method, crc, compressed, size, offset in entries:
        fields = (20, 3, 20, 0, 0, method, *dos, crc, compressed, size, len(name), 0, 0, 0, 0)
        out.write(struct.pack("<4s4B4HL2L5H2L", b"PK\x01\x02", *fields, 0o644 << 16, offset))
        out.write(name)
    count, length = len(entries), out.tell() - directory
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, length, directory, 0))
    return segments
