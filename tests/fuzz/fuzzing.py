"""The shared fuzzing harness: hypothesis drives byte-level mutations of real samples into
each parser, under a time bound, and counts what it ran (`make fuzz` reports the figures).

Why hypothesis and not atheris: it is already our property-testing library, runs inside
pytest on any Python we support (atheris needs a libFuzzer build and lags CPython releases),
shrinks a failure to a small input and prints how to replay it; its mutations here are the
ones that found the issue's bugs (bit flips, cut files, doubled or spliced slices, and
tokens such as NUL, `1e400`, a byte order mark or a stray quote). Coverage guidance is what
we give up; seeding from real samples is what makes up for it.

The property every parser must hold: for any input, a clear error (the parser's own
exception type, with a message) or a correct result; never another exception, never a run
past `TIME_BOUND` seconds of CPU time. `make test` runs `CCM_FUZZ_EXAMPLES` (default 100) inputs a
parser; `make fuzz` runs 100,000.
"""

from __future__ import annotations

import functools
import gzip
import os
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = int(os.getenv("CCM_FUZZ_EXAMPLES", "100"))
TIME_BOUND = float(os.getenv("CCM_FUZZ_SECONDS", "5"))  # CPU seconds for one input, parsed
SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

#: parser name → [inputs run, seconds]; printed at the end of the session (conftest.py)
FIGURES: dict[str, list[float]] = {}

#: What hostile files put where a parser does not expect it.
TOKENS = [
    b"\x00",
    b"\\u0000",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xfe\xff",
    b"\x1f\x8b",
    b"\xc3",
    b"\xe9",
    b"\xed\xa0\x80",  # a UTF-8 encoded surrogate
    b"\\ud800",
    b"1e400",
    b"-1E+9999999",
    b"NaN",
    b"Infinity",
    b"9" * 40,
    b'"',
    b"\\",
    b"{",
    b"}",
    b"[",
    b"]",
    b"[" * 80,
    b",",
    b":",
    b"\n",
    b"\r",
    b"\r\n",
    b"\t",
    b"*",
    b"~",
    b"|",
    b"^",
    b"null",
    b"true",
    b"[]",
    b"{}",
    b'""',
    b"0000-00-00",
    b"2026-02-30",
    b"99999999",
    b"-0",
    b'"resourceType"',
    b'"Bundle"',
    b'"Patient"',
    b'"entry"',
    b'"resource"',
    b'"reference"',
    b"Patient/",
    b"urn:uuid:",
]
_KINDS = ("flip", "insert", "delete", "repeat", "replace", "truncate", "splice")


class Hang(Exception):
    """An input that kept the parser past the time bound."""


@contextmanager
def time_bound(seconds: float = TIME_BOUND) -> Iterator[None]:
    """Raise Hang in the block once it has used SECONDS of CPU time (SIGPROF, the main thread
    only): an endless loop is caught, while time spent waiting for the CPU on a loaded machine
    is not counted (on wall time, two nice'd 100,000-input runs at load 9 each met the bound
    once). Where the signal lands in code whose exceptions Python ignores (a gc callback, a
    finaliser: "Exception ignored in …"), Hang is raised on leaving the block instead."""
    fired = False

    def expire(_signum: int, _frame: Any) -> None:
        nonlocal fired
        fired = True
        raise Hang(f"still running after {seconds} s of CPU time")

    previous = signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
    if fired:  # raised where it was swallowed
        raise Hang(f"ran past {seconds} s of CPU time (the alarm was raised where it was ignored)")


def mutate(data: bytes, edits: Sequence[tuple[str, int, int, bytes]], other: bytes) -> bytes:
    """DATA with EDITS applied in turn: (kind, position, a byte, a token); OTHER is the seed a
    splice takes its slice from."""
    out = bytearray(data)
    for kind, where, byte, token in edits:
        at = where % (len(out) + 1)
        if kind == "flip" and out:
            out[at % len(out)] ^= 1 << (byte % 8)
        elif kind == "insert":
            out[at:at] = token
        elif kind == "delete":
            del out[at : at + 1 + byte]
        elif kind == "repeat":
            out[at:at] = out[at : at + 1 + byte * 4]
        elif kind == "replace" and out:
            out[at % len(out)] = byte
        elif kind == "truncate":
            del out[at:]
        elif kind == "splice" and other:
            start = where % len(other)
            out[at:] = other[start : start + 1 + byte * 16]
    return bytes(out)


def mutated(seeds: Sequence[bytes], *, gzipped: bool = False) -> st.SearchStrategy[bytes]:
    """A seed, untouched or with up to six mutations; with GZIPPED, sometimes compressed
    (and then sometimes damaged) to reach the gzip path too."""
    if not seeds:
        raise ValueError("a fuzz suite needs at least one seed")
    edit = st.tuples(
        st.sampled_from(_KINDS),
        st.integers(0, 2**20),
        st.integers(0, 255),
        st.sampled_from(TOKENS),
    )

    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        seed = draw(st.sampled_from(seeds))
        other = draw(st.sampled_from(seeds))
        data = mutate(seed, draw(st.lists(edit, max_size=6)), other)
        if gzipped and draw(st.integers(0, 3)) == 0:
            data = gzip.compress(data, compresslevel=1)
            data = mutate(data, draw(st.lists(edit, max_size=2)), b"")
        return data

    return build()


def fuzz(
    name: str, strategy: st.SearchStrategy[Any], examples: int = EXAMPLES
) -> Callable[[Callable[..., None]], Any]:
    """Make TEST a fuzz suite named NAME: EXAMPLES inputs from STRATEGY, each under the time
    bound, counted in FIGURES. TEST takes the input as its argument `data` (and any fixtures)."""

    def decorate(test: Callable[..., None]) -> Any:
        @functools.wraps(test)
        def bounded(*args: Any, **kwargs: Any) -> None:
            figures = FIGURES.setdefault(name, [0, 0.0])
            started = time.perf_counter()
            try:
                with time_bound():
                    test(*args, **kwargs)
            finally:
                figures[0] += 1
                figures[1] += time.perf_counter() - started

        return settings(
            max_examples=examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )(given(data=strategy)(bounded))

    return decorate


def shared_files(pattern: str, limit: int = 40) -> list[Path]:
    """Up to LIMIT files of the shared samples matching PATTERN (none when they are absent)."""
    if not SHARED_DATA.is_dir():
        return []
    return sorted(SHARED_DATA.glob(pattern))[:limit]
