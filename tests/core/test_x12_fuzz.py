"""Fuzzing the X12 readers (835, 999/997, 277CA), seeded from real files: every mutated input
gives a result or an X12Error naming what is wrong; never another exception, never a hang.

Brief here (CCM_FUZZ_EXAMPLES, default 100 a parser); `make fuzz` runs many more.
"""

import datetime as dt
import os
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccm.x12.ack277 import read_277, write_277ca
from ccm.x12.ack999 import read_999, write_999
from ccm.x12.remit835 import read_835
from ccm.x12.segments import X12Error

HERE = Path(__file__).resolve().parents[1]
SHARED = HERE.parent.parent / "shared" / "data"
EXAMPLES = int(os.getenv("CCM_FUZZ_EXAMPLES", "100"))
TIME_BOUND = 2.0  # seconds for one input of a few KB
HOSTILE = ["1e400", "1E+9999999", "NaN", "-Infinity", "9" * 40, "-", ".", "", "~", "*", ":",
           "\x00", "é", "ISA", "SE*1*1", "ST*835*1", "-0.00", "1.", ".5", "0x10"]  # fmt: skip


def _seeds(pattern: str, made: list[str]) -> list[str]:
    found = [p.read_text() for p in sorted(SHARED.glob(pattern))] if SHARED.is_dir() else []
    return made + found


CREATED = dt.datetime(2026, 4, 3, 10, 0)
SEEDS: dict[str, tuple[Callable[[str], Any], list[str]]] = {
    "835": (read_835, _seeds("x12_835_277_samples/*/*.835", [(HERE / "golden/ccm_remit.835").read_text()])),
    "999": (read_999, _seeds("x12_837_samples/*/*.997", [
        write_999(7, {"0001": ("A", ()), "0002": ("R", (("NM1", 17, "8"),))}, "M", "S", CREATED, 3)
    ])),
    "277": (read_277, _seeds("x12_835_277_samples/*/*.277", [
        write_277ca([("C1", "A2", "20", "P1", Decimal(0)), ("C2", "A7", "164", "", Decimal(5))], ("M", "1"), CREATED, 4)
    ])),
}  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, seeds: list[str]) -> str:
    """A seed file with one to four edits: an element made hostile, a segment dropped or
    doubled, a cut, or stray characters."""
    text = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["element", "drop", "double", "cut", "insert"]))
        parts = text.split("~")
        index = draw(st.integers(0, max(len(parts) - 1, 0)))
        if kind == "element" and parts:
            elements = parts[index].split("*")
            at = draw(st.integers(0, len(elements) - 1))
            elements[at] = draw(st.sampled_from(HOSTILE) | st.text(max_size=12))
            parts[index] = "*".join(elements)
        elif kind == "drop" and len(parts) > 1:
            del parts[index]
        elif kind == "double":
            parts.insert(index, parts[index])
        text = "~".join(parts)
        if kind == "cut":
            text = text[: draw(st.integers(0, len(text)))]
        elif kind == "insert":
            at = draw(st.integers(0, len(text)))
            text = text[:at] + draw(st.text(max_size=8)) + text[at:]
    return text


@pytest.mark.parametrize("kind", sorted(SEEDS))
def test_readers_answer_or_name_the_problem_on_mutated_files(kind):
    reader, seeds = SEEDS[kind]

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
    @given(mutated(seeds))
    def check(text: str) -> None:
        started = time.monotonic()
        try:
            reader(text)
        except X12Error as error:
            assert str(error), "an error must say what is wrong"
        assert time.monotonic() - started < TIME_BOUND

    check()
