"""The shapes every instrument shares, and scoring by the instrument's own rule."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


class AnswerError(ValueError):
    """An answer is missing or not one of the item's options; names the item, never the patient."""


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str
    points: int = 0


@dataclass(frozen=True, slots=True)
class Item:
    key: str
    text: str
    options: tuple[Option, ...]
    multiple: bool = False  # several options may be chosen (points add up)


@dataclass(frozen=True, slots=True)
class Result:
    """A scored administration: total, its band in words, whether it crosses the instrument's
    cut-off (`positive`), whether it needs the practitioner today (`urgent`), and why."""

    score: int
    band: str
    positive: bool
    urgent: bool = False
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Instrument:
    key: str
    name: str
    prompt: str
    items: tuple[Item, ...]
    source: str
    interpret: Callable[[int, Mapping[str, tuple[Option, ...]]], Result]
    max_score: int = 0
    follow_up: str = ""  # the instrument to give next when positive (PHQ-2 → PHQ-9)
    tags: tuple[str, ...] = field(default=())


def chosen(instrument: Instrument, answers: Mapping[str, object]) -> dict[str, tuple[Option, ...]]:
    """Each item's chosen options; AnswerError naming the first item unanswered or invalid."""
    out: dict[str, tuple[Option, ...]] = {}
    for n, item in enumerate(instrument.items, 1):
        raw = answers.get(item.key)
        values = (
            [str(v) for v in raw]
            if isinstance(raw, list | tuple)
            else ([] if raw in (None, "") else [str(raw)])
        )
        if not values:
            raise AnswerError(f"{instrument.name} question {n}: choose an answer.")
        if len(values) > 1 and not item.multiple:
            raise AnswerError(f"{instrument.name} question {n}: choose one answer.")
        by_value = {o.value: o for o in item.options}
        if any(v not in by_value for v in values):
            raise AnswerError(f"{instrument.name} question {n}: not one of its answers.")
        out[item.key] = tuple(by_value[v] for v in values)
    return out


def score(instrument: Instrument, answers: Mapping[str, object]) -> Result:
    """Score ANSWERS (item key → option value, or a list for multiple-choice items)."""
    picked = chosen(instrument, answers)
    total = sum(o.points for options in picked.values() for o in options)
    return instrument.interpret(total, picked)


def band(total: int, bands: tuple[tuple[int, str], ...]) -> str:
    """The label of the highest band whose lower bound TOTAL reaches."""
    label = bands[0][1]
    for lower, name in bands:
        if total >= lower:
            label = name
    return label
