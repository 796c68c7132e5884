"""Open an outside file as a bounded byte stream: gzip found by its magic bytes, every byte
counted, and whatever the decompressor or the disk raises turned into an `InputError`.

A gzip bomb (2 MB expanding to 2 GiB) is refused once the count passes the file's bound, a
document parsed whole is read no further than its own bound, and a line no further than the
line bound: memory stays bounded whatever the file says.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from ccm.reading.limits import DEFAULT_LIMITS, InputError, Limits, size_text

GZIP_MAGIC = b"\x1f\x8b"
_BUFFER = 256 * 1024
_EXPANSION_FROM = 16 * 1024 * 1024  # below this, any ratio is harmless (and small files vary)


class _Counted(io.RawIOBase):
    """The raw bytes under a buffered reader: counted against the file's bound, with the
    decompressor's and the disk's errors named as the import's own."""

    def __init__(
        self, inner: IO[bytes], label: str, limits: Limits, compressed: IO[bytes] | None
    ) -> None:
        super().__init__()
        self._inner = inner
        self._label = label
        self._limit = limits.file_bytes
        self._expansion = limits.expansion
        self._compressed = compressed  # the gzip file's own bytes, to measure its expansion
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            size = self._inner.readinto(buffer)  # type: ignore[attr-defined]
        except (zlib.error, EOFError, gzip.BadGzipFile) as error:
            raise InputError(self._label, f"not a readable gzip file ({error})") from None
        except OSError as error:
            reason = error.strerror or error.__class__.__name__
            raise InputError(self._label, f"cannot be read ({reason})") from None
        self.count += size or 0
        if self.count > self._limit:
            raise InputError(
                self._label,
                f"larger than {size_text(self._limit)} once decompressed, the limit for one file",
            )
        if (
            self._compressed is not None
            and self.count > _EXPANSION_FROM
            and self.count > self._expansion * self._compressed.tell()
        ):
            raise InputError(
                self._label,
                f"expands more than {self._expansion} times once decompressed: a compression "
                "bomb, or data no EMR writes",
            )
        return size or 0

    def close(self) -> None:
        self._inner.close()
        if self._compressed is not None:  # GzipFile leaves the file it was given open
            self._compressed.close()
        super().close()


def open_input(
    path: Path, label: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> io.BufferedReader:
    """The file's bytes, gunzipped when they start as gzip does (whatever the name says)."""
    name = label or path.name
    try:
        raw = path.open("rb")
    except OSError as error:
        raise InputError(name, f"cannot be opened ({error.strerror or 'no access'})") from None
    inner: IO[bytes] = raw
    compressed = raw.read(2) == GZIP_MAGIC
    raw.seek(0)
    if compressed:
        inner = gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[assignment]
    counted = _Counted(inner, name, limits, raw if compressed else None)
    return io.BufferedReader(counted, _BUFFER)


def read_document(
    path: Path, label: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> bytearray:
    """A whole document (parsed at once), never more than `limits.document_bytes` of it, read
    a chunk at a time so a bomb is refused holding no more than it has read (orjson and
    `bytes()` take a bytearray)."""
    name = label or path.name
    data = bytearray()
    with open_input(path, name, limits) as stream:
        while len(data) <= limits.document_bytes:
            chunk = stream.read(min(_BUFFER * 4, limits.document_bytes + 1 - len(data)))
            if not chunk:
                break
            data += chunk
    if len(data) > limits.document_bytes:
        raise InputError(
            name,
            f"larger than {size_text(limits.document_bytes)} once decompressed, the limit for "
            "a document read whole (split it, or send bulk NDJSON)",
        )
    return data


def bounded_lines(
    stream: IO[bytes], label: str, limit: int, start: int = 0
) -> Iterator[tuple[int, bytes | None]]:
    """(line number, line) for each line, None for a line longer than LIMIT bytes (its bytes
    are passed over, never held); an unreadable stream raises `InputError` naming the line."""
    readline = stream.readline
    size = limit + 1  # room for the newline of a line exactly LIMIT bytes long
    number = start + 1  # the line being read
    try:
        while line := readline(size):
            if len(line) == size and line[-1] != 10:  # no newline within the bound
                while (rest := readline(size)) and rest[-1] != 10:
                    pass
                yield number, None
            else:
                yield number, line
            number += 1
    except InputError as error:
        raise InputError(f"{label}:{number}", error.message) from None
