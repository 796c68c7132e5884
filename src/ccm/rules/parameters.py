"""Date-keyed rule parameters with their sources, read once from parameters/*.yaml."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

PARAMETER_DIR = Path(__file__).parent / "parameters"


@dataclass(frozen=True, slots=True)
class Parameter:
    """One named value over time, with the cms-rules.md section or CMS file it comes from."""

    name: str
    description: str
    source: str
    confirmed: bool
    values: tuple[tuple[dt.date, Any], ...]

    def on(self, day: dt.date) -> Any:
        """The value in force on a day; a day before the first entry is an error."""
        found: Any = _MISSING
        for start, value in self.values:
            if start <= day:
                found = value
        if found is _MISSING:
            raise KeyError(f"parameter {self.name} has no value on {day.isoformat()}")
        return found

    def has_value_in(self, year: int) -> bool:
        """Whether an entry starts in this calendar year (for per-year figures such as conversion factors)."""
        return any(start.year == year for start, _ in self.values)


_MISSING = object()


@cache
def all_parameters() -> dict[str, Parameter]:
    """Every parameter, loaded once per process."""
    found: dict[str, Parameter] = {}
    for path in sorted(PARAMETER_DIR.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, body in raw.items():
            values = tuple(sorted((_as_date(k), v) for k, v in body["values"].items()))
            found[name] = Parameter(
                name=name,
                description=str(body.get("description", "")),
                source=str(body["source"]),
                confirmed=bool(body.get("confirmed", True)),
                values=values,
            )
    return found


def _as_date(key: object) -> dt.date:
    if isinstance(key, dt.date):
        return key
    return dt.date.fromisoformat(str(key))


def parameter(name: str) -> Parameter:
    """Look a parameter up by name."""
    return all_parameters()[name]


def value(name: str, on: dt.date) -> Any:
    """The value of a parameter in force on a day."""
    return parameter(name).on(on)
