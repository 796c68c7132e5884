"""CSV rows out of an outside file, bounded: one dict per record with the line it began on,
or the reason that record alone is refused.

Through `ccm.reading`: gzip by its magic bytes, the file's size bounded, the encoding declared
or found (UTF-8, Windows-1252, UTF-16 with or without its mark), each record no longer than
`Limits.line_bytes` and each field no longer than `Limits.field_chars`. A record with bytes
that do not decode, a NUL byte or an overlong field is refused naming its first line and the
column; the rows around it are read as usual.
"""

from __future__ import annotations

import csv
from collections.abc import Generator, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from ccm.reading import DEFAULT_LIMITS, Limits, Line, open_input, text_lines, too_long


@dataclass(frozen=True, slots=True)
class Row:
    """One record: the line it began on, and its values by column or why it is refused."""

    line: int
    values: dict[str, str]
    error: str | None = None


class _TooLong(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


class _Records:
    """Feeds the csv module decoded lines, noting where the record being read began, whether
    one of its lines did not decode, and refusing it once it passes the line bound."""

    def __init__(self, lines: Iterator[Line | int], limit: int) -> None:
        self.lines = lines
        self.limit = limit
        self.start()

    def start(self) -> None:
        self.first, self.size, self.undecodable = 0, 0, False

    def __iter__(self) -> _Records:
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        if isinstance(line, int):  # a line over the bound, already passed over
            raise _TooLong(self.first or line)
        self.first = self.first or line.number
        self.size += len(line.text)
        if self.size > self.limit:
            raise _TooLong(self.first)
        self.undecodable |= line.undecodable
        return line.text


def csv_records(
    path: Path, encoding: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> Generator[tuple[int, list[str], str | None, bool], None, None]:
    """(first line, fields, why the record is refused or None, whether bytes did not decode)
    for each record, blank lines left out; `InputError` when the file cannot be read."""
    csv.field_size_limit(max(csv.field_size_limit(), limits.line_bytes))  # our bounds come first
    # The lines are closed before the file under them (`closing` leaves first), also when the
    # caller stops early: a UTF-16 reader's `finally` flushes into the file.
    with (
        open_input(path, path.name, limits) as stream,
        closing(text_lines(stream, path.name, limits.line_bytes, encoding)) as lines,
    ):
        records = _Records(lines, limits.line_bytes)
        reader = csv.reader(records)
        while True:
            records.start()
            try:
                fields = next(reader)
            except StopIteration:
                return
            except _TooLong as error:
                yield error.line, [], too_long(limits.line_bytes), False
                continue
            except csv.Error as error:
                yield records.first, [], f"not a CSV record ({error})", False
                continue
            if fields:
                yield records.first, fields, None, records.undecodable


def read_rows(
    path: Path, encoding: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> Generator[Row, None, None]:
    """The header as the first Row (line 1 onwards: its values map column to column), then
    each record; `InputError` when the file itself cannot be read."""
    header: list[str] | None = None
    for line, fields, error, undecodable in csv_records(path, encoding, limits):
        if error is not None:
            yield Row(line, {}, error)
        elif header is None:
            header = [name.strip() for name in fields]
            yield Row(line, {name: name for name in header})
        else:
            values = dict(zip(header, fields, strict=False))
            yield Row(line, values, _refused(values, undecodable, limits))


def _refused(values: dict[str, str], undecodable: bool, limits: Limits) -> str | None:
    """Why a record's values cannot be kept as they are, naming the column, or None."""
    for column, value in values.items():
        if undecodable and "\ufffd" in value:
            return (
                f"{column}: bytes that are not text in the file's encoding (declare it: --encoding)"
            )
        if "\x00" in value:
            return f"{column}: contains a NUL byte, which cannot be stored"
        if len(value) > limits.field_chars:
            return f"{column}: longer than {limits.field_chars:,} characters"
    return "the record has bytes that are not text in the file's encoding" if undecodable else None
