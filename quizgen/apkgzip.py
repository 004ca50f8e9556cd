"""The package's zip file, written so that a rebuild compresses only what changed.

The collection is deflated in independent segments (``SEGMENT`` bytes each, every one
from a fresh compressor and ended with a sync flush, so the segments join into one valid
deflate stream, as pigz's do). A rebuild starts from a copy of the previous build's
collection and changes the pages of the articles that changed: a segment whose bytes are
still those of the previous collection at the same place is copied from that build's
package (its deflated collection starts at ``DATA_START``) instead of compressed again;
the others are compressed on every core (zlib lets other threads run while it works).
After a rebuild that changed one article of a thousand, about 50 of the 320 segments of
its 20 MB collection changed.

The zip's CRC-32 of the collection is put together from the segments' own CRCs
(``crc32_combine``): a copied segment's is known, so its bytes are only compared (a
SHA-256 and a CRC of every segment took 30 ms of CPU in such a rebuild).

Only what Anki needs of the zip format is written: stored or deflated members, no zip64
(a collection over ``MAX_SIZE`` is written by ``zipfile`` instead).
"""

from __future__ import annotations

import os
import struct
import time
import zlib
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

SEGMENT = 64 * 1024
MAX_SIZE = 2**31  # beyond this, zipfile (with zip64) writes the package
_FINAL_BLOCK = b"\x03\x00"  # an empty final block: ends the deflate stream

# Each segment's CRC-32, and its deflated bytes' length and CRC-32 (a damaged file of the
# previous build is not copied into a package), in order.
Segments = list[tuple[int, int, int]]


_NAME = b"collection.anki2"
# Where the deflated collection starts in a package ``write_apkg`` wrote: after its header.
DATA_START = 30 + len(_NAME)


class Previous:
    """The previous build's collection, and its package, whose deflated collection (from
    ``DATA_START``) is cut into ``segments``. The package may have been replaced or changed
    since: a segment is copied from it only when its bytes' CRC is still the one recorded."""

    def __init__(self, collection: BinaryIO, package: BinaryIO, segments: Segments) -> None:
        self.collection, self.package = collection, package
        self.places: list[tuple[int, int, int, int]] = []  # offset, length, its CRC, the CRC
        offset = DATA_START
        for crc, length, check in segments:
            self.places.append((offset, length, check, crc))
            offset += length

    @classmethod
    def from_files(cls, collection: Path, package: Path, segments: Segments) -> Previous:
        """The previous build's files, opened (``OSError`` when one is gone)."""
        collection_file = open(collection, "rb")  # closed by close()
        try:
            return cls(collection_file, open(package, "rb"), segments)
        except OSError:
            collection_file.close()
            raise

    def read(self, index: int, segment: bytes) -> tuple[bytes, int, int] | None:
        """Segment ``index`` deflated, its CRC and its deflated bytes' CRC, when the previous
        collection held the same bytes there (and its package still holds that segment intact)."""
        if index >= len(self.places):
            return None
        if os.pread(self.collection.fileno(), SEGMENT, index * SEGMENT) != segment:
            return None
        offset, length, check, crc = self.places[index]
        data = os.pread(self.package.fileno(), length, offset)
        return (data, crc, check) if len(data) == length and zlib.crc32(data) == check else None

    def close(self) -> None:
        self.collection.close()
        self.package.close()


def _deflate(segment: bytes) -> tuple[bytes, int, int]:
    """A segment deflated, with its CRC-32 and its deflated bytes' CRC-32."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, -15)
    data = compressor.compress(segment) + compressor.flush(zlib.Z_SYNC_FLUSH)
    return data, zlib.crc32(segment), zlib.crc32(data)


def _segments(
    source: BinaryIO, previous: Previous | None, crc: list[int]
) -> Iterator[tuple[bytes, int, int]]:
    """Each segment of ``source`` deflated (``_deflate``), in order, or copied from
    ``previous``; ``crc[0]`` becomes the CRC-32 of all of it, ``crc[1]`` its size.

    Comparing with ``previous`` happens here, in order: it is a read and a memcmp, and
    handing it to threads cost more (a future and two changes of the GIL a segment) than it
    did. Only the segments that changed go to the compressing threads (on every core; zlib
    lets other threads run while it works), started when the first one comes."""
    pool: ThreadPoolExecutor | None = None
    workers = os.cpu_count() or 1
    pending: deque[tuple[bytes, tuple[bytes, int, int] | Future[tuple[bytes, int, int]]]]
    pending = deque()

    def done() -> tuple[bytes, int, int]:
        segment, made = pending.popleft()
        result = made if isinstance(made, tuple) else made.result()
        if len(segment) == SEGMENT:
            crc[0] = crc32_combine(crc[0], result[1])
        else:  # the last one: its CRC from its bytes
            crc[0] = zlib.crc32(segment, crc[0])
        crc[1] += len(segment)
        return result

    try:
        index = 0
        while segment := source.read(SEGMENT):
            known = previous.read(index, segment) if previous is not None else None
            if known is not None:
                pending.append((segment, known))
            else:
                pool = pool or ThreadPoolExecutor(workers)
                pending.append((segment, pool.submit(_deflate, segment)))
            index += 1
            # Copied segments go out at once; up to 16 a core are in flight (1 MB each core),
            # so that reading and comparing go on while the changed ones are compressed.
            while pending and (isinstance(pending[0][1], tuple) or len(pending) >= 16 * workers):
                yield done()
        while pending:
            yield done()
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def crc32_combine(crc: int, segment_crc: int) -> int:
    """The CRC-32 of some bytes followed by ``SEGMENT`` more, from the CRC of each (as
    zlib's crc32_combine, which Python does not expose): ``crc`` times the operator of
    ``SEGMENT`` zero bytes in GF(2), plus ``segment_crc``."""
    return _times(_SEGMENT_ZEROS, crc) ^ segment_crc


def _times(matrix: Sequence[int], vector: int) -> int:
    """A 32×32 matrix over GF(2) (one number per column) times a 32-bit vector."""
    total, row = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[row]
        vector >>= 1
        row += 1
    return total


def zeros_operator(length: int) -> list[int]:
    """The matrix (``_times``) that appending ``length`` zero bytes applies to a CRC-32
    (zlib's crc32_combine, squaring from one zero bit)."""

    def square(matrix: list[int]) -> list[int]:
        return [_times(matrix, column) for column in matrix]

    operator = [1 << n for n in range(32)]  # the identity
    power = square(square(square([0xEDB88320] + [1 << n for n in range(31)])))  # 1 byte
    while length:
        if length & 1:
            operator = [_times(power, column) for column in operator]
        length >>= 1
        if length:
            power = square(power)
    return operator


# zeros_operator(SEGMENT), written out: working it out took a few milliseconds of each build
# (tests check that it is the same).
_SEGMENT_ZEROS = (
    0x1B4511EE,
    0x368A23DC,
    0x6D1447B8,
    0xDA288F70,
    0x6F2018A1,
    0xDE403142,
    0x67F164C5,
    0xCFE2C98A,
    0x44B49555,
    0x89692AAA,
    0xC9A35315,
    0x4837A06B,
    0x906F40D6,
    0xFBAF87ED,
    0x2C2E099B,
    0x585C1336,
    0xB0B8266C,
    0xBA014A99,
    0xAF739373,
    0x859620A7,
    0xD05D470F,
    0x7BCB885F,
    0xF79710BE,
    0x345F273D,
    0x68BE4E7A,
    0xD17C9CF4,
    0x79883FA9,
    0xF3107F52,
    0x3D51F8E5,
    0x7AA3F1CA,
    0xF547E394,
    0x31FEC169,
)


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
    out: BinaryIO, collection: Path, media: bytes, previous: Previous | None = None
) -> Segments:
    """Write the package zip (``collection.anki2`` deflated from ``DATA_START``, ``media``
    stored) to ``out``, from its start; segments found in ``previous`` are copied from it.
    Returns the ``Segments`` (for the next build's ``Previous``)."""
    dos = _dos_time(time.time())
    entries = []
    segments: Segments = []

    # collection.anki2: the header is written again with the sizes and CRC once known.
    name = _NAME
    offset = out.tell()
    out.write(_local_header(name, 8, dos, 0, (0, 0)))
    read = [0, 0]  # CRC-32 and size of the collection
    compressed = 0
    with open(collection, "rb") as source:
        for data, crc, check in _segments(source, previous, read):
            out.write(data)
            segments.append((crc, len(data), check))
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
