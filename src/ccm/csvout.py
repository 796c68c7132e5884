"""CSV the app writes for people to open in a spreadsheet: no cell may be read as a formula.

OWASP's rule for CSV injection: a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage
return is prefixed with a single quote, so Excel, LibreOffice and Google Sheets show it as
text. A patient named `=HYPERLINK(…)` or `@SUM(1+1)` stays a name. Plain numbers (`-12.50`)
are left as they are: a spreadsheet reads them as numbers, never as formulas.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, Protocol

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def safe_cell(value: object) -> object:
    """VALUE as a spreadsheet will show it: text starting with a formula trigger quoted."""
    if isinstance(value, str) and value.startswith(TRIGGERS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def unquote_cell(value: str) -> str:
    """The cell `safe_cell` wrote, back as it was (for files the app reads again)."""
    if value.startswith("'") and value[1:].startswith(TRIGGERS):
        return value[1:]
    return value


class SafeWriter:
    """`csv.writer` whose every cell goes through `safe_cell`."""

    def __init__(self, out: _Writable, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[object]) -> Any:
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)
