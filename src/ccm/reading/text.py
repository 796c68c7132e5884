"""Text in a known encoding, line by line: declared by the operator (`--encoding`), or found.

Found means: a byte order mark (UTF-8, UTF-16, UTF-32), UTF-16's zero bytes without one,
else UTF-8 until a line proves otherwise while every line before was plain ASCII, in which
case the file is Windows-1252 (what Excel on Windows saves as "CSV"). A line that does not
decode is marked, so its record alone is refused, naming the field where the bytes are.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Generator, Iterator
from dataclasses import dataclass

from ccm.reading.limits import InputError, size_text
from ccm.reading.streams import bounded_lines

WINDOWS_1252 = "cp1252"


def check_encoding(name: str) -> str:
    """The codec's canonical name, or ValueError saying the encoding is unknown."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise ValueError(f"--encoding: {name!r} is not an encoding Python knows") from None


def sniff_encoding(head: bytes) -> str | None:
    """The encoding a file's first bytes prove (a BOM, UTF-16's zeros), else None."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head[:4] in (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE):  # before UTF-16: FF FE 00 00
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:512]
    odd, even = sample[1::2], sample[0::2]
    if len(sample) >= 4 and odd.count(0) == len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if len(sample) >= 4 and even.count(0) == len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def _ascii_compatible(encoding: str) -> bool:
    try:
        return "a,\n".encode(encoding) == b"a,\n"
    except (UnicodeError, LookupError):
        return False


@dataclass(slots=True)
class Line:
    """One decoded line: its number, its text, and whether some bytes did not decode."""

    number: int
    text: str
    undecodable: bool = False


def text_lines(
    stream: io.BufferedReader, label: str, line_bytes: int, encoding: str | None = None
) -> Generator[Line | int, None, None]:
    """Decoded lines of STREAM (from `open_input`); a line over LINE_BYTES is the bare line
    number instead. Close it before STREAM when stopping early (`contextlib.closing`)."""
    found = encoding or sniff_encoding(stream.peek(512)[:512])
    if found is not None and not _ascii_compatible(found):
        yield from _wide_lines(stream, label, line_bytes, found)
        return
    auto = found is None
    decoding = found or "utf-8"
    for number, raw in bounded_lines(stream, label, line_bytes):
        if raw is None:
            yield number
            continue
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[3:]
        try:
            text = raw.decode(decoding)
        except UnicodeDecodeError:
            if auto and decoding == "utf-8":  # every line before was ASCII: the same either way
                decoding = WINDOWS_1252
                yield from _decoded(number, raw, decoding)
                continue
            yield Line(number, raw.decode(decoding, "replace"), undecodable=True)
            continue
        if auto and decoding == "utf-8" and not raw.isascii():
            auto = False  # proven UTF-8: a later undecodable line is an error, not Windows-1252
        yield Line(number, text)


def _decoded(number: int, raw: bytes, encoding: str) -> Iterator[Line]:
    try:
        yield Line(number, raw.decode(encoding))
    except UnicodeDecodeError:
        yield Line(number, raw.decode(encoding, "replace"), undecodable=True)


def _wide_lines(
    stream: io.BufferedReader, label: str, line_bytes: int, encoding: str
) -> Generator[Line | int, None, None]:
    """Lines of a UTF-16 or UTF-32 file: decoded as a stream (a newline is several bytes)."""
    reader = io.TextIOWrapper(stream, encoding=encoding, errors="strict", newline="")
    limit = line_bytes // 2
    number = 0
    try:
        while line := reader.readline(limit + 1):
            number += 1
            if len(line) > limit and not line.endswith(("\n", "\r")):
                while (rest := reader.readline(limit + 1)) and not rest.endswith(("\n", "\r")):
                    pass
                yield number
                continue
            yield Line(number, line.removeprefix("\ufeff") if number == 1 else line)
    except UnicodeDecodeError:
        raise InputError(f"{label}:{number + 1}", f"not valid {encoding.upper()} text") from None
    except InputError as error:
        raise InputError(f"{label}:{number + 1}", error.message) from None
    finally:
        # Hand STREAM back to its owner. Once the owner has closed it (a generator finalised
        # late), detaching would flush into a closed file and raise where no caller sees it.
        if not stream.closed:
            reader.detach()


def too_long(limit: int) -> str:
    return f"line longer than {size_text(limit)}, the limit for one line"
